// Transformations of whole jaxprs, used by the rules of higher-order primitives (jit, cond,
// while, scan, checkpoint): each re-traces the jaxpr's evaluation under a transform.
import { ShapedArray } from "../array/aval.js";
import type { NDArray } from "../array/ndarray.js";
import { Jaxpr } from "../ir/jaxpr.js";
import { broadcastBatched, moveaxis } from "../primitives/structural.js";
import { zerosFor } from "../primitives/elementwise.js";
import { currentTrace, withTrace } from "./core.js";
import { jvpFlat } from "./jvp.js";
import { backwardPass, linearizeFlat } from "./linearize.js";
import { vmapFlat } from "./batching.js";
import { JaxprTrace, closureConvert, evalJaxpr, traceToJaxpr } from "./staging.js";
import { type Tangent, UndefinedPrimal, Zero, tangentAval } from "./values.js";

/** Traces `fn` and closure-converts, so the result has no constvars: consts come first in `consts`. */
export function traceClosed(fn: (...xs: NDArray[]) => NDArray[], avals: readonly ShapedArray[], kind = "jit"): { jaxpr: Jaxpr; consts: NDArray[] } {
  return closureConvert(traceToJaxpr(fn, avals, kind));
}

const run = (j: Jaxpr) => (...xs: NDArray[]) => evalJaxpr(j, [], xs);

/**
 * JVP of a const-free jaxpr. Inputs of the result: primals, then tangents of the inputs with
 * `nonzero[i]`; outputs: primals, then tangents where `outNonzero` (or all, if `instantiate`).
 */
export function jvpJaxpr(jaxpr: Jaxpr, nonzero: readonly boolean[], instantiate: boolean | readonly boolean[]): { jaxpr: Jaxpr; consts: NDArray[]; outNonzero: boolean[] } {
  const n = jaxpr.invars.length;
  const tanAvals = jaxpr.invars.filter((_, i) => nonzero[i]).map((v) => tangentAval(v.aval));
  let outNonzero: boolean[] = [];
  const res = traceClosed((...args) => {
    const primals = args.slice(0, n);
    let k = n;
    const tangents: Tangent[] = primals.map((p, i) => (nonzero[i] ? args[k++]! : new Zero(tangentAval(p.aval))));
    const [po, to] = jvpFlat(run(jaxpr), primals, tangents);
    outNonzero = to.map((t, i) => !(t instanceof Zero) || (instantiate === true || (Array.isArray(instantiate) && instantiate[i] === true)));
    const touts = to.filter((_, i) => outNonzero[i]).map((t) => (t instanceof Zero ? zerosFor(t.aval) : t));
    return [...po, ...touts];
  }, [...jaxpr.inAvals, ...tanAvals]);
  return { ...res, outNonzero };
}

/**
 * Batches a const-free jaxpr whose batched inputs carry their batch axis at 0. Outputs come
 * batched at 0 where `outBatched` (forced where `forceOut[i]`).
 */
export function batchJaxpr(jaxpr: Jaxpr, axisSize: number, batched: readonly boolean[], forceOut: boolean | readonly boolean[]): { jaxpr: Jaxpr; consts: NDArray[]; outBatched: boolean[] } {
  const avals = jaxpr.inAvals.map((av, i) => (batched[i] ? av.withShape([axisSize, ...av.shape]) : av));
  let outBatched: boolean[] = [];
  const res = traceClosed((...args) => {
    const [outs, dims] = vmapFlat(run(jaxpr), args, batched.map((b) => (b ? 0 : null)), axisSize);
    outBatched = dims.map((d, i) => d !== null || forceOut === true || (Array.isArray(forceOut) && forceOut[i] === true));
    return outs.map((o, i) => (dims[i] === null ? (outBatched[i] ? broadcastBatched(o, axisSize) : o) : moveaxis(o, dims[i]!, 0)));
  }, avals);
  return { ...res, outBatched };
}

export interface PartialEvalResult {
  /** known ins (after `knownConsts`) -> known outs, then residuals. */
  known: Jaxpr;
  knownConsts: NDArray[];
  /** residuals, then unknown ins -> unknown outs. */
  unknown: Jaxpr;
  outKnown: boolean[];
  numResiduals: number;
}

/**
 * Splits a const-free jaxpr given which inputs are known. Outputs listed in `forceUnknown` are
 * made unknown even when computable (they pass through as residuals).
 */
export function partialEvalJaxpr(jaxpr: Jaxpr, known: readonly boolean[], forceUnknown: readonly boolean[] = []): PartialEvalResult {
  let outKnown: boolean[] = [];
  let unknown: Jaxpr | null = null;
  let numResiduals = 0;
  const knownAvals = jaxpr.inAvals.filter((_, i) => known[i]);
  const closed = traceToJaxpr((...kIns) => {
    const pe = new JaxprTrace(currentTrace(), true);
    const uIns = jaxpr.invars.filter((_, i) => !known[i]).map((v) => pe.newArg(v.aval));
    let ki = 0;
    let ui = 0;
    const args = jaxpr.invars.map((_, i) => (known[i] ? kIns[ki++]! : uIns[ui++]!));
    try {
      const outs = withTrace(pe, () => evalJaxpr(jaxpr, [], args));
      outKnown = outs.map((o, i) => !pe.isOwn(o) && !forceUnknown[i]);
      const u = pe.build(uIns, outs.filter((_, i) => !outKnown[i]));
      unknown = new Jaxpr([], [...u.jaxpr.constvars, ...u.jaxpr.invars], u.jaxpr.eqns, u.jaxpr.outvars);
      numResiduals = u.consts.length;
      return [...outs.filter((_, i) => outKnown[i]), ...u.consts];
    } finally {
      pe.finish();
    }
  }, knownAvals, "partial_eval");
  const conv = closureConvert(closed);
  return { known: conv.jaxpr, knownConsts: conv.consts, unknown: unknown!, outKnown, numResiduals };
}

/**
 * Transpose of a jaxpr linear in the inputs flagged `linear`. Inputs of the result: the
 * non-linear inputs, then one cotangent per output; outputs: cotangents of the linear inputs.
 */
export function transposeJaxpr(jaxpr: Jaxpr, linear: readonly boolean[]): { jaxpr: Jaxpr; consts: NDArray[] } {
  const resAvals = jaxpr.inAvals.filter((_, i) => !linear[i]);
  return traceClosed((...xs) => {
    const res = xs.slice(0, resAvals.length);
    const cts = xs.slice(resAvals.length);
    let r = 0;
    const args = jaxpr.invars.map((v, i) => (linear[i] ? new UndefinedPrimal(v.aval) : res[r++]!));
    const out = transposeByLinearize(jaxpr, args, cts);
    return out.filter((_, i) => linear[i]).map((c, i) => instantiate(c, jaxpr.invars.filter((_, k) => linear[k])[i]!.aval));
  }, [...resAvals, ...jaxpr.outAvals.map(tangentAval)], "transpose");
}

function instantiate(t: Tangent | null, aval: ShapedArray): NDArray {
  return t === null || t instanceof Zero ? zerosFor(tangentAval(aval)) : t;
}

/**
 * Cotangents for the UndefinedPrimal args of a jaxpr that is linear in them but may also compute
 * non-linearly from the defined args: linearize at the defined values (recomputing the primal
 * part, as remat does), then transpose the linear part.
 */
export function transposeByLinearize(jaxpr: Jaxpr, args: readonly (NDArray | UndefinedPrimal)[], cts: readonly Tangent[]): (Tangent | null)[] {
  const undefIdx = args.map((a, i) => (a instanceof UndefinedPrimal ? i : -1)).filter((i) => i >= 0);
  const fn = (...lin: NDArray[]) => {
    let k = 0;
    return evalJaxpr(jaxpr, [], args.map((a) => (a instanceof UndefinedPrimal ? lin[k++]! : a)));
  };
  const lin = linearizeFlat(fn, undefIdx.map((i) => zerosFor((args[i] as UndefinedPrimal).aval)));
  const used = cts.filter((_, i) => !lin.outIsZero[i]).map((c, i) => c);
  const linCts = backwardPass(lin.jaxpr, lin.residuals, lin.jaxpr.invars.map((v) => new UndefinedPrimal(v.aval)), used);
  const out: (Tangent | null)[] = args.map(() => null);
  undefIdx.forEach((i, k) => (out[i] = linCts[k]!));
  return out;
}
