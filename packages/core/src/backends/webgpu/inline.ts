// Inlining of call-like equations (jit, checkpoint, custom_jvp_call, custom_vjp_call) whose
// evaluation is their jaxpr applied to their inputs, so the fusion planner sees across the call.
import { type Atom, ClosedJaxpr, Jaxpr, JaxprEqn, Var } from "../../ir/jaxpr.js";

/** Call-like equations whose evaluation is their `jaxpr` on their inputs. */
const INLINED = new Set(["jit", "checkpoint", "custom_jvp_call", "custom_vjp_call"]);

/** The jaxprs held in an equation's params (called programs, loop bodies, branches). */
export function nestedJaxprs(e: JaxprEqn): Jaxpr[] {
  const found: Jaxpr[] = [];
  const visit = (v: unknown): void => {
    if (v instanceof Jaxpr) found.push(v);
    else if (v instanceof ClosedJaxpr) found.push(v.jaxpr);
    else if (Array.isArray(v)) v.forEach(visit);
  };
  Object.values(e.params).forEach(visit);
  return found;
}

/** Whether an equation computes in float64 anywhere, its nested bodies included. */
export function eqnUsesFloat64(e: JaxprEqn): boolean {
  return [...e.inputs.map((a) => a.aval), ...e.outputs.map((v) => v.aval)].some((a) => a.dtype === "float64") ||
    nestedJaxprs(e).some((j) => j.invars.some((v) => v.aval.dtype === "float64") || j.eqns.some(eqnUsesFloat64));
}

/**
 * `j` with every call-like equation replaced by its body (fresh variables per inlined copy). Calls
 * that compute in float64 inside (random.normal's erf_inv corrects in float64) stay calls: WGSL has
 * no float64, so the executor runs them whole on the reference kernels.
 */
export function inlineCalls(j: Jaxpr): Jaxpr {
  const inlinable = (e: JaxprEqn): boolean => INLINED.has(e.prim.name) && e.params.jaxpr instanceof Object && !eqnUsesFloat64(e);
  const hasCall = (x: Jaxpr): boolean => x.eqns.some(inlinable);
  if (!hasCall(j)) return j;
  const eqns: JaxprEqn[] = [];
  const expand = (body: readonly JaxprEqn[], env: Map<Var, Atom>) => {
    const resolve = (a: Atom): Atom => (a instanceof Var ? env.get(a) ?? a : a);
    for (const e of body) {
      const ins = e.inputs.map(resolve);
      const inner = e.params.jaxpr as Jaxpr | undefined;
      if (inlinable(e) && inner && inner.eqns && inner.invars.length === ins.length) {
        const innerEnv = new Map<Var, Atom>(inner.invars.map((v, i) => [v, ins[i]!]));
        expand(inner.eqns, innerEnv);
        e.outputs.forEach((v, k) => {
          const o = inner.outvars[k]!;
          env.set(v, o instanceof Var ? innerEnv.get(o) ?? o : o);
        });
      } else {
        const outs = e.outputs.map((v) => new Var(v.aval));
        eqns.push(new JaxprEqn(e.prim, ins, e.params, outs));
        e.outputs.forEach((v, k) => env.set(v, outs[k]!));
      }
    }
  };
  const env = new Map<Var, Atom>();
  expand(j.eqns, env);
  return new Jaxpr(j.constvars, j.invars, eqns, j.outvars.map((a) => (a instanceof Var ? env.get(a) ?? a : a)));
}

