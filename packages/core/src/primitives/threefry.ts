// The threefry2x32 primitive: the Threefry-2x32 block cipher applied elementwise to counter pairs
// under per-element keys (JAX's threefry2x32_p); everything else in `random` is built on it with array ops.
import { ShapedArray } from "../array/aval.js";
import { ConcreteArray, type NDArray } from "../array/ndarray.js";
import { DTypeError, ShapeError } from "../errors.js";
import { shapesEqual, showShape } from "../shape.js";
import { bind } from "../trace/core.js";
import { type Params, type Primitive, definePrimitive } from "../trace/primitive.js";
import { Zero } from "../trace/values.js";
import { threefry2x32 as threefryBlocks } from "../random/reference/threefry.js";
import { elementwiseBatch } from "./families.js";

const OPERAND_NAMES = ["key0", "key1", "x0", "x1"] as const;

export const threefry2x32P: Primitive = definePrimitive<Params>({
  name: "threefry2x32",
  abstractEval(avals) {
    if (avals.length !== 4) {
      throw new ShapeError(`threefry2x32: takes 4 operands (key0, key1, x0, x1), got ${avals.length}.`);
    }
    avals.forEach((a, i) => {
      if (a.dtype !== "uint32") {
        throw new DTypeError(`threefry2x32: operand ${OPERAND_NAMES[i]} has dtype ${a.dtype}, but every operand must be uint32; convert with .astype("uint32").`);
      }
    });
    const shape = avals[0]!.shape;
    if (!avals.every((a) => shapesEqual(a.shape, shape))) {
      throw new ShapeError(`threefry2x32: operand shapes ${avals.map((a) => showShape(a.shape)).join(", ")} differ; broadcast the keys to the counters' shape first (lax.broadcastInDim).`);
    }
    return [new ShapedArray(shape, "uint32"), new ShapedArray(shape, "uint32")];
  },
  js([key0, key1, x0, x1], _p, [outAval]) {
    const k0 = key0!.rawData as Uint32Array;
    const k1 = key1!.rawData as Uint32Array;
    const c0 = x0!.rawData as Uint32Array;
    const c1 = x1!.rawData as Uint32Array;
    const n = c0.length;
    const out0 = new Uint32Array(n);
    const out1 = new Uint32Array(n);
    // Keys are usually broadcast (one key per call, or one per vmapped example), so hash runs of equal keys at once.
    let start = 0;
    while (start < n) {
      let end = start + 1;
      while (end < n && k0[end] === k0[start] && k1[end] === k1[start]) end++;
      const [o0, o1] = threefryBlocks(Uint32Array.of(k0[start]!, k1[start]!), c0.subarray(start, end), c1.subarray(start, end));
      out0.set(o0, start);
      out1.set(o1, start);
      start = end;
    }
    return [
      ConcreteArray.fromData(out0, outAval!.shape, "uint32"),
      ConcreteArray.fromData(out1, outAval!.shape, "uint32"),
    ];
  },
  jvp(primals) {
    const outs = bind(threefry2x32P, primals);
    return [outs, outs.map((o) => new Zero(o.aval))];
  },
  transpose: "nonlinear",
  batch(args, dims, params, axisSize) {
    return elementwiseBatch(threefry2x32P, args, dims, params, axisSize);
  },
});

/** Threefry-2x32 (20 rounds) of the counter pairs (x0, x1) under keys (key0, key1); all uint32 of one shape. */
export function threefry2x32(key0: NDArray, key1: NDArray, x0: NDArray, x1: NDArray): [NDArray, NDArray] {
  const [y0, y1] = bind(threefry2x32P, [key0, key1, x0, x1]);
  return [y0!, y1!];
}
