// The `jit` primitive (JAX's pjit): a call of a staged jaxpr. Every transform recurses through it.
import { ShapedArray } from "../array/aval.js";
import type { NDArray } from "../array/ndarray.js";
import { ShapeError } from "../errors.js";
import { shapesEqual } from "../shape.js";
import type { Jaxpr } from "../ir/jaxpr.js";
import { bind, withTrace } from "../trace/core.js";
import { type Params, type Primitive, definePrimitive } from "../trace/primitive.js";
import { evalJaxpr } from "../trace/staging.js";
import { batchJaxpr, jvpJaxpr, partialEvalJaxpr, transposeJaxpr } from "../trace/jaxprTransforms.js";
import { UndefinedPrimal, Zero } from "../trace/values.js";
import { moveaxis } from "./structural.js";

export interface JitParams extends Params { jaxpr: Jaxpr; name: string }

/** How the eval trace runs a jit call; backends with compilers replace this. */
export type JitExecutor = (jaxpr: Jaxpr, args: readonly NDArray[], name: string) => NDArray[];
let executor: JitExecutor = (jaxpr, args) => evalJaxpr(jaxpr, [], args);
export function setJitExecutor(e: JitExecutor): void {
  executor = e;
}
/** Runs a const-free jaxpr on the current device (also used for control-flow bodies). */
export function runJaxpr(jaxpr: Jaxpr, args: readonly NDArray[], name = "body"): NDArray[] {
  return executor(jaxpr, args, name);
}

export function checkAvals(op: string, expected: readonly ShapedArray[], got: readonly ShapedArray[]): void {
  if (expected.length !== got.length || expected.some((e, i) => e.dtype !== got[i]!.dtype || !shapesEqual(e.shape, got[i]!.shape))) {
    throw new ShapeError(`${op}: called with (${got.join(", ")}) but traced for (${expected.join(", ")}).`);
  }
}

export const jitP: Primitive<JitParams> = definePrimitive<JitParams>({
  name: "jit",
  abstractEval(avals, { jaxpr, name }) {
    checkAvals(`jit(${name})`, jaxpr.inAvals, avals);
    return jaxpr.outAvals;
  },
  evaluate(args, { jaxpr, name }) { return executor(jaxpr, args, name); },
  jvp(primals, tangents, { jaxpr, name }) {
    const nz = tangents.map((t) => !(t instanceof Zero));
    const j = jvpJaxpr(jaxpr, nz, true);
    const outs = bind(jitP, [...j.consts, ...primals, ...tangents.filter((t): t is NDArray => !(t instanceof Zero))], { jaxpr: withConsts(j), name: `jvp(${name})` });
    const n = jaxpr.outvars.length;
    return [outs.slice(0, n), outs.slice(n)];
  },
  transpose(cts, args, { jaxpr, name }) {
    const linear = args.map((a) => a instanceof UndefinedPrimal);
    const t = transposeJaxpr(jaxpr, linear);
    const res = args.filter((a): a is NDArray => !(a instanceof UndefinedPrimal));
    const ctArgs = cts.map((c, i) => (c instanceof Zero ? zerosLikeAval(jaxpr.outAvals[i]!, c) : c));
    const outs = bind(jitP, [...t.consts, ...res, ...ctArgs], { jaxpr: withConsts(t), name: `transpose(${name})` });
    let k = 0;
    return args.map((a) => (a instanceof UndefinedPrimal ? outs[k++]! : null));
  },
  batch(args, dims, { jaxpr, name }, axisSize) {
    const moved = args.map((a, i) => (dims[i] === null ? a : moveaxis(a, dims[i]!, 0)));
    const b = batchJaxpr(jaxpr, axisSize, dims.map((d) => d !== null), false);
    const outs = bind(jitP, [...b.consts, ...moved], { jaxpr: withConsts(b), name });
    return [outs, b.outBatched.map((x) => (x ? 0 : null))];
  },
  partialEval(trace, args, { jaxpr, name }) {
    const known = args.map((a) => !trace.isOwn(a));
    const pe = partialEvalJaxpr(jaxpr, known);
    const kOuts = withTrace(trace.parent!, () => bind(jitP, [...pe.knownConsts, ...args.filter((_, i) => known[i])], { jaxpr: pe.known, name }));
    const nk = pe.outKnown.filter(Boolean).length;
    const res = kOuts.slice(nk);
    const uOuts = trace.stage(jitP, [...res, ...args.filter((_, i) => !known[i])], { jaxpr: pe.unknown, name });
    let ki = 0;
    let ui = 0;
    return pe.outKnown.map((k) => (k ? kOuts[ki++]! : uOuts[ui++]!));
  },
});

/** Treats a closure-converted trace result as a plain jaxpr whose leading inputs are its consts. */
export function withConsts(r: { jaxpr: Jaxpr }): Jaxpr {
  return r.jaxpr;
}


import { zerosFor } from "./elementwise.js";
function zerosLikeAval(av: ShapedArray, z: Zero): NDArray {
  return zerosFor(z.aval.shape.length === av.shape.length ? z.aval : av);
}
