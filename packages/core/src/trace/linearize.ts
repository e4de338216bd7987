// Reverse mode as JVP -> linearize -> transpose: the JVP runs with its tangents staged into a
// partial-evaluation trace (primal work happens now, tangent work is recorded as a linear
// jaxpr over residuals); backwardPass transposes that jaxpr.
import type { NDArray } from "../array/ndarray.js";
import { TransformError } from "../errors.js";
import { type Atom, Jaxpr, Literal, Var } from "../ir/jaxpr.js";
import { EvalTrace, Tracer, bind, currentTrace, withTrace } from "./core.js";
import { jvpFlat } from "./jvp.js";
import { JaxprTrace, literalArray } from "./staging.js";
import { type Tangent, UndefinedPrimal, Zero, tangentAval } from "./values.js";
import { addAny } from "../primitives/elementwise.js";

export interface Linearized {
  primalsOut: NDArray[];
  /** Linear in its invars (one per primal input); constvars are the residuals. */
  jaxpr: Jaxpr;
  residuals: NDArray[];
  /** Output tangents known to be zero (they have no outvar in `jaxpr`). */
  outIsZero: boolean[];
}

export function linearizeFlat(fn: (...xs: NDArray[]) => NDArray[], primals: readonly NDArray[]): Linearized {
  const pe = new JaxprTrace(currentTrace(), true);
  const tanIn = primals.map((p) => pe.newArg(tangentAval(p.aval)));
  try {
    const [po, to] = withTrace(pe, () => jvpFlat(fn, primals, tanIn));
    for (const p of po) {
      if (pe.isOwn(p)) throw new Error("internal: a primal output depends on tangents (missing partialEval rule)");
    }
    const outIsZero = to.map((t) => t instanceof Zero);
    const closed = pe.build(tanIn, to.filter((t): t is NDArray => !(t instanceof Zero)));
    return { primalsOut: po, jaxpr: closed.jaxpr, residuals: [...closed.consts], outIsZero };
  } finally {
    pe.finish();
  }
}

/** `[outputs, vjpFn]`: vjpFn maps output cotangents to input cotangents (Zero where none flows). */
export function vjpFlat(
  fn: (...xs: NDArray[]) => NDArray[],
  primals: readonly NDArray[],
): [NDArray[], (cts: readonly Tangent[]) => Tangent[]] {
  const lin = linearizeFlat(fn, primals);
  const vjpFn = (cts: readonly Tangent[]): Tangent[] => {
    const used = cts.filter((_, i) => !lin.outIsZero[i]);
    const args = lin.jaxpr.invars.map((v) => new UndefinedPrimal(v.aval));
    return backwardPass(lin.jaxpr, lin.residuals, args, used);
  };
  return [lin.primalsOut, vjpFn];
}

/**
 * Transposes `jaxpr` with respect to its UndefinedPrimal inputs: equations with no linear input are
 * evaluated forward, then linear equations run backwards through their transpose rules.
 * Returns one cotangent per invar (Zero for defined inputs and for inputs no cotangent reached).
 */
export function backwardPass(
  jaxpr: Jaxpr,
  consts: readonly NDArray[],
  args: readonly (NDArray | UndefinedPrimal)[],
  cts: readonly Tangent[],
): Tangent[] {
  const primal = new Map<Var, NDArray>();
  const linear = new Set<Var>();
  jaxpr.constvars.forEach((v, i) => primal.set(v, consts[i]!));
  jaxpr.invars.forEach((v, i) => {
    const a = args[i]!;
    if (a instanceof UndefinedPrimal) linear.add(v);
    else primal.set(v, a);
  });
  const readPrimal = (a: Atom): NDArray => (a instanceof Literal ? literalArray(a) : primal.get(a)!);
  const linearEqns = [];
  for (const e of jaxpr.eqns) {
    if (e.inputs.some((a) => a instanceof Var && linear.has(a))) {
      linearEqns.push(e);
      for (const v of e.outputs) linear.add(v);
    } else {
      const outs = bind(e.prim, e.inputs.map(readPrimal), e.params);
      e.outputs.forEach((v, k) => primal.set(v, outs[k]!));
    }
  }
  const ctEnv = new Map<Var, NDArray>();
  const addCt = (v: Var, ct: Tangent | null | undefined) => {
    if (!ct || ct instanceof Zero) return;
    const prev = ctEnv.get(v);
    ctEnv.set(v, prev ? addAny(prev, ct) : ct);
  };
  jaxpr.outvars.forEach((a, i) => {
    if (a instanceof Var && linear.has(a)) addCt(a, cts[i]);
  });
  for (let i = linearEqns.length - 1; i >= 0; i--) {
    const e = linearEqns[i]!;
    const ctsOut: Tangent[] = e.outputs.map((v) => {
      const c = ctEnv.get(v);
      ctEnv.delete(v);
      return c ?? new Zero(v.aval);
    });
    if (ctsOut.every((c): boolean => c instanceof Zero)) continue;
    if (e.prim.transpose === "nonlinear") {
      throw new TransformError(`${e.prim.name} is not linear, so it cannot be transposed for reverse-mode autodiff (internal error in a jvp rule).`);
    }
    const invals = e.inputs.map((a) => (a instanceof Var && linear.has(a) ? new UndefinedPrimal(a.aval) : readPrimal(a)));
    const ctsIn = e.prim.transpose(ctsOut, invals, e.params);
    e.inputs.forEach((a, k) => {
      if (a instanceof Var && linear.has(a)) addCt(a, ctsIn[k]);
    });
  }
  return jaxpr.invars.map((v) => ctEnv.get(v) ?? new Zero(v.aval));
}

/** True when `x` can be read concretely right now (not an abstract tracer). */
export function isConcreteNow(x: NDArray): boolean {
  return !(x instanceof Tracer) || x.toConcrete() !== null || currentTrace() instanceof EvalTrace;
}
