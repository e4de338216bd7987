// Inlining of call-like equations (jit, checkpoint, custom_jvp_call, custom_vjp_call) whose
// evaluation is their jaxpr applied to their inputs, so the fusion planner sees across the call.
import { type Atom, Jaxpr, JaxprEqn, Var } from "../../ir/jaxpr.js";

/** Call-like equations whose evaluation is their `jaxpr` on their inputs. */
const INLINED = new Set(["jit", "checkpoint", "custom_jvp_call", "custom_vjp_call"]);

/** `j` with every call-like equation replaced by its body (fresh variables per inlined copy). */
export function inlineCalls(j: Jaxpr): Jaxpr {
  const hasCall = (x: Jaxpr): boolean => x.eqns.some((e) => INLINED.has(e.prim.name) && e.params.jaxpr instanceof Object);
  if (!hasCall(j)) return j;
  const eqns: JaxprEqn[] = [];
  const expand = (body: readonly JaxprEqn[], env: Map<Var, Atom>) => {
    const resolve = (a: Atom): Atom => (a instanceof Var ? env.get(a) ?? a : a);
    for (const e of body) {
      const ins = e.inputs.map(resolve);
      const inner = e.params.jaxpr as Jaxpr | undefined;
      if (INLINED.has(e.prim.name) && inner && inner.eqns && inner.invars.length === ins.length) {
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

