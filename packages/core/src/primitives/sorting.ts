// The sort primitive: several same-shape operands sorted together along one axis by the first
// `numKeys` of them (lexicographic, stable, NaNs last as NumPy), with all of its rules.
import { ShapedArray } from "../array/aval.js";
import { ConcreteArray, type NDArray } from "../array/ndarray.js";
import { isFloat, typedArrayFor } from "../dtype.js";
import { ShapeError } from "../errors.js";
import { shapesEqual, sizeOf } from "../shape.js";
import { bind } from "../trace/core.js";
import { type Params, type Primitive, definePrimitive } from "../trace/primitive.js";
import { Zero } from "../trace/values.js";
import * as S from "./structural.js";
import { gatherAlongAxis } from "./indexing.js";

export interface SortParams extends Params { dimension: number; numKeys: number }

/** Total order used by sort: NaN after everything (so NaNs sort last), otherwise numeric. */
function compareNumbers(a: number, b: number): number {
  if (a !== a) return b !== b ? 0 : 1;
  if (b !== b) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export const sortP: Primitive<SortParams> = definePrimitive<SortParams>({
  name: "sort",
  abstractEval(xs, { dimension, numKeys }) {
    if (!xs.length) throw new ShapeError("sort: needs at least one operand.");
    const x0 = xs[0]!;
    for (const x of xs) {
      if (!shapesEqual(x.shape, x0.shape)) throw new ShapeError(`sort: operands ${xs.join(", ")} must all have the same shape.`);
    }
    if (!Number.isInteger(dimension) || dimension < 0 || dimension >= x0.ndim) throw new ShapeError(`sort: dimension ${dimension} is out of range for operand ${x0}; sort needs an axis in [0, ${x0.ndim - 1}] (scalars cannot be sorted).`);
    if (!Number.isInteger(numKeys) || numKeys < 1 || numKeys > xs.length) throw new ShapeError(`sort: numKeys ${numKeys} must lie in [1, ${xs.length}] (the number of operands).`);
    return xs.map((x) => new ShapedArray(x.shape, x.dtype, x.weakType));
  },
  js(xs, { dimension, numKeys }, avs) {
    const shape = xs[0]!.shape;
    const n = shape[dimension]!;
    const inner = sizeOf(shape.slice(dimension + 1));
    const outer = sizeOf(shape.slice(0, dimension));
    const outs = avs.map((av) => typedArrayFor(av.dtype, av.size));
    const keys = xs.slice(0, numKeys).map((k) => k.rawData);
    const srcs = xs.map((x) => x.rawData);
    const perm = new Array<number>(n);
    const floatKey = xs.slice(0, numKeys).map((k) => isFloat(k.dtype));
    for (let a = 0; a < outer; a++) {
      for (let b = 0; b < inner; b++) {
        const base = a * n * inner + b;
        for (let i = 0; i < n; i++) perm[i] = i;
        // Array.prototype.sort is stable (ES2019), which gives the stable lexicographic order.
        perm.sort((i, j) => {
          for (let k = 0; k < keys.length; k++) {
            const u = keys[k]![base + i * inner]!;
            const v = keys[k]![base + j * inner]!;
            const c = floatKey[k] ? compareNumbers(u, v) : u - v;
            if (c !== 0) return c;
          }
          return 0;
        });
        for (let o = 0; o < srcs.length; o++) {
          const s = srcs[o]!;
          const d = outs[o]!;
          for (let i = 0; i < n; i++) d[base + i * inner] = s[base + perm[i]! * inner]!;
        }
      }
    }
    return outs.map((o, i) => ConcreteArray.fromData(o, avs[i]!.shape, avs[i]!.dtype, avs[i]!.weakType));
  },
  jvp(primals, tangents, p) {
    // Sort an iota along with the keys to learn the permutation, then permute the tangents with it.
    const shape = primals[0]!.shape;
    const outs = bind(sortP, [...primals, S.iota("int32", shape, p.dimension)], p);
    const perm = outs[outs.length - 1]!;
    const ts = tangents.map((t) => (t instanceof Zero ? new Zero(t.aval) : gatherAlongAxis(t, perm, p.dimension)));
    return [outs.slice(0, -1), ts];
  },
  transpose: "nonlinear",
  batch(xs, dims, { dimension, numKeys }, axisSize) {
    const moved = xs.map((x, i) => (dims[i] === null ? S.broadcastBatched(x, axisSize) : S.moveaxis(x, dims[i]!, 0)));
    const outs = bind(sortP, moved, { dimension: dimension + 1, numKeys });
    return [outs, outs.map(() => 0)];
  },
});

/** Sorts `operands` together along `dimension` by the first `numKeys` of them (lax.sort). */
export function sort(operands: readonly NDArray[], dimension: number, numKeys = 1): NDArray[] {
  return bind(sortP, operands, { dimension, numKeys });
}
/** Sorts `values` along `dimension` in the order of `keys` (lax.sort_key_val). */
export function sortKeyVal(keys: NDArray, values: NDArray, dimension: number): [NDArray, NDArray] {
  const [k, v] = sort([keys, values], dimension, 1);
  return [k!, v!];
}
