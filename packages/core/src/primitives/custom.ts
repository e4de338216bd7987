// custom_jvp_call, custom_vjp_call (+ custom_lin), checkpoint and stop_gradient.
import { ShapedArray } from "../array/aval.js";
import { ConcreteArray, type NDArray } from "../array/ndarray.js";
import { TransformError } from "../errors.js";
import type { Jaxpr } from "../ir/jaxpr.js";
import { bind, bind1, withTrace } from "../trace/core.js";
import { type Params, type Primitive, definePrimitive } from "../trace/primitive.js";
import { evalJaxpr } from "../trace/staging.js";
import { vmapFlat } from "../trace/batching.js";
import { batchJaxpr, jvpJaxpr, partialEvalJaxpr, transposeByLinearize } from "../trace/jaxprTransforms.js";
import { UndefinedPrimal, Zero, tangentAval } from "../trace/values.js";
import { broadcastBatched, moveaxis } from "./structural.js";
import { zerosFor } from "./elementwise.js";
import { checkAvals } from "./jit.js";

type FlatFn = (...xs: NDArray[]) => NDArray[];
const inst = (t: NDArray | Zero): NDArray => (t instanceof Zero ? zerosFor(t.aval) : t);

/** Wraps a flat function so it runs on batched inputs (batch axis 0 or null) and returns outputs batched at 0. */
export function batchedFn(fn: FlatFn, dims: readonly (number | null)[], axisSize: number): FlatFn {
  return (...xs) => {
    const [outs, od] = vmapFlat(fn, xs, dims, axisSize);
    return outs.map((o, i) => (od[i] === null ? broadcastBatched(o, axisSize) : moveaxis(o, od[i]!, 0)));
  };
}

// ---------------------------------------------------------------- custom_jvp_call
export interface CustomJvpParams extends Params { jaxpr: Jaxpr; numConsts: number; jvpFn: (primals: NDArray[], tangents: NDArray[]) => [NDArray[], NDArray[]]; name: string }
export const customJvpCallP: Primitive<CustomJvpParams> = definePrimitive<CustomJvpParams>({
  name: "custom_jvp_call",
  abstractEval(avals, { jaxpr, name }) { checkAvals(`customJvp(${name})`, jaxpr.inAvals, avals); return jaxpr.outAvals; },
  evaluate(args, { jaxpr }) { return evalJaxpr(jaxpr, [], args); },
  jvp(primals, tangents, { numConsts, jvpFn }) {
    const [outs, touts] = jvpFn(primals.slice(numConsts), tangents.slice(numConsts).map(inst));
    return [outs, touts];
  },
  transpose: "nonlinear",
  batch(args, dims, p, axisSize) {
    const moved = args.map((a, i) => (dims[i] === null ? a : moveaxis(a, dims[i]!, 0)));
    const batched = dims.map((d) => d !== null);
    const bj = batchJaxpr(p.jaxpr, axisSize, batched, true);
    const argDims = batched.slice(p.numConsts).map((b) => (b ? 0 : null));
    const n = argDims.length;
    const jvpFn = (ps: NDArray[], ts: NDArray[]): [NDArray[], NDArray[]] => {
      // Tangents may be batched where primals are not (and vice versa): batch everything.
      const all = [...ps, ...ts].map((x, i) => (argDims[i % n] === null && x.ndim === (i < n ? ps : ts)[i % n]!.ndim && x.shape[0] !== axisSize ? x : x));
      const fn: FlatFn = (...xs) => {
        const [o, t] = p.jvpFn(xs.slice(0, n), xs.slice(n));
        return [...o, ...t];
      };
      const dimsAll = [...ps, ...ts].map((x, i) => (x.ndim > p.jaxpr.inAvals[p.numConsts + (i % n)]!.ndim ? 0 : null));
      const outs = batchedFn(fn, dimsAll, axisSize)(...all);
      return [outs.slice(0, outs.length / 2), outs.slice(outs.length / 2)];
    };
    const outs = bind(customJvpCallP, [...bj.consts, ...moved], { jaxpr: bj.jaxpr, numConsts: bj.consts.length + p.numConsts, jvpFn, name: p.name });
    return [outs, outs.map(() => 0)];
  },
});

// ---------------------------------------------------------------- custom_vjp_call / custom_lin
export interface CustomVjpParams extends Params {
  jaxpr: Jaxpr;
  numConsts: number;
  /** primals -> [outputs..., residuals...] */
  fwd: FlatFn;
  numOuts: number;
  /** (residuals, cotangents) -> input cotangents */
  bwd: (res: NDArray[], cts: NDArray[]) => NDArray[];
  name: string;
}
export const customVjpCallP: Primitive<CustomVjpParams> = definePrimitive<CustomVjpParams>({
  name: "custom_vjp_call",
  abstractEval(avals, { jaxpr, name }) { checkAvals(`customVjp(${name})`, jaxpr.inAvals, avals); return jaxpr.outAvals; },
  evaluate(args, { jaxpr }) { return evalJaxpr(jaxpr, [], args); },
  jvp(primals, tangents, { numConsts, fwd, numOuts, bwd, name, jaxpr }) {
    const r = fwd(...primals.slice(numConsts));
    const outs = r.slice(0, numOuts);
    const res = r.slice(numOuts);
    const ts = tangents.slice(numConsts);
    if (ts.every((t): boolean => t instanceof Zero)) return [outs, outs.map((o) => new Zero(tangentAval(o.aval)))];
    const touts = bind(customLinP, [...res, ...ts.map(inst)], { numRes: res.length, bwd, outAvals: jaxpr.outAvals.map(tangentAval), name });
    return [outs, touts];
  },
  transpose: "nonlinear",
  batch(args, dims, p, axisSize) {
    const moved = args.map((a, i) => (dims[i] === null ? a : moveaxis(a, dims[i]!, 0)));
    const batched = dims.map((d) => d !== null);
    const bj = batchJaxpr(p.jaxpr, axisSize, batched, true);
    const argDims = batched.slice(p.numConsts).map((b) => (b ? 0 : null));
    const fwd = batchedFn(p.fwd, argDims, axisSize);
    const bwd = (res: NDArray[], cts: NDArray[]) => batchedFn((...xs) => p.bwd(xs.slice(0, res.length), xs.slice(res.length)), [...res, ...cts].map(() => 0), axisSize)(...res, ...cts);
    const outs = bind(customVjpCallP, [...bj.consts, ...moved], { jaxpr: bj.jaxpr, numConsts: bj.consts.length + p.numConsts, fwd, numOuts: p.numOuts, bwd, name: p.name });
    return [outs, outs.map(() => 0)];
  },
});

interface CustomLinParams extends Params { numRes: number; bwd: (res: NDArray[], cts: NDArray[]) => NDArray[]; outAvals: readonly ShapedArray[]; name: string }
export const customLinP: Primitive<CustomLinParams> = definePrimitive<CustomLinParams>({
  name: "custom_lin",
  abstractEval(_a, { outAvals }) { return [...outAvals]; },
  evaluate(_a, { name }) {
    throw new TransformError(`customVjp(${name}): forward-mode differentiation (jvp, jacfwd, hessian's inner jacfwd) is not defined for a customVjp function; use customJvp, or reverse mode (grad, vjp, jacrev).`);
  },
  jvp(_p, _t, { name }) {
    throw new TransformError(`customVjp(${name}): forward-mode differentiation of the custom backward rule is not supported; use customJvp if you need jvp.`);
  },
  transpose(cts, args, { numRes, bwd }) {
    const res = args.slice(0, numRes) as NDArray[];
    const grads = bwd(res, cts.map(inst));
    return [...res.map(() => null), ...grads];
  },
  batch(args, dims, p, axisSize) {
    const moved = args.map((a, i) => (dims[i] === null ? broadcastBatched(a, axisSize) : moveaxis(a, dims[i]!, 0)));
    const bwd = (res: NDArray[], cts: NDArray[]) => batchedFn((...xs) => p.bwd(xs.slice(0, res.length), xs.slice(res.length)), [...res, ...cts].map(() => 0), axisSize)(...res, ...cts);
    const outs = bind(customLinP, moved, { ...p, bwd, outAvals: p.outAvals.map((a) => a.withShape([axisSize, ...a.shape])) });
    return [outs, outs.map(() => 0)];
  },
});

// ---------------------------------------------------------------- checkpoint (remat)
export interface CheckpointParams extends Params { jaxpr: Jaxpr; name: string }
export const checkpointP: Primitive<CheckpointParams> = definePrimitive<CheckpointParams>({
  name: "checkpoint",
  abstractEval(avals, { jaxpr }) { checkAvals("checkpoint", jaxpr.inAvals, avals); return jaxpr.outAvals; },
  evaluate(args, { jaxpr }) { return evalJaxpr(jaxpr, [], args); },
  jvp(primals, tangents, { jaxpr, name }) {
    const nz = tangents.map((t) => !(t instanceof Zero));
    const j = jvpJaxpr(jaxpr, nz, true);
    const outs = bind(checkpointP, [...j.consts, ...primals, ...tangents.filter((t): t is NDArray => !(t instanceof Zero))], { jaxpr: j.jaxpr, name });
    const n = jaxpr.outvars.length;
    return [outs.slice(0, n), outs.slice(n)];
  },
  // Residuals are not saved: the backward pass recomputes the primal from the inputs.
  transpose(cts, args, { jaxpr }) { return transposeByLinearize(jaxpr, args, cts); },
  batch(args, dims, { jaxpr, name }, axisSize) {
    const moved = args.map((a, i) => (dims[i] === null ? a : moveaxis(a, dims[i]!, 0)));
    const b = batchJaxpr(jaxpr, axisSize, dims.map((d) => d !== null), false);
    const outs = bind(checkpointP, [...b.consts, ...moved], { jaxpr: b.jaxpr, name });
    return [outs, b.outBatched.map((x) => (x ? 0 : null))];
  },
  partialEval(trace, args, params) {
    const known = args.map((a) => !trace.isOwn(a));
    const pe = partialEvalJaxpr(params.jaxpr, known);
    const nk = pe.outKnown.filter(Boolean).length;
    const kOuts = withTrace(trace.parent!, () => evalJaxpr(pe.known, [], [...pe.knownConsts, ...args.filter((_, i) => known[i])])).slice(0, nk);
    const staged = trace.stage(checkpointP, args, params);
    let ki = 0;
    return pe.outKnown.map((k, i) => (k ? kOuts[ki++]! : staged[i]!));
  },
});

// ---------------------------------------------------------------- stop_gradient
export const stopGradientP: Primitive<Params> = definePrimitive<Params>({
  name: "stop_gradient",
  abstractEval([x]) { return [x!]; },
  js([x]) { return [(x as ConcreteArray).share()]; },
  jvp([x]) { const y = bind1(stopGradientP, [x!]); return [[y], [new Zero(tangentAval(y.aval))]]; },
  transpose: "nonlinear",
  batch([x], [d]) { return [[bind1(stopGradientP, [x!])], [d!]]; },
});
export function stopGradient(x: NDArray): NDArray {
  return bind1(stopGradientP, [x]);
}
void UndefinedPrimal;
