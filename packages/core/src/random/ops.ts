// lax-level array operations the random module is written in (equal shapes and dtypes, no promotion),
// gathered in one place with the bit operations and selects that primitives/elementwise.ts only exports as primitives.
import type { NDArray } from "../array/ndarray.js";
import type { DType } from "../dtype.js";
import type { Shape } from "../shape.js";
import { bind1 } from "../trace/core.js";
import * as E from "../primitives/elementwise.js";
import { bitcastConvertTypeP, broadcastInDim, selectN } from "../primitives/structural.js";

export { add, sub, mul, div, rem, max, min, eq, ne, lt, le, gt, ge, neg, exp, log, sqrt, pow, fullLike, full, scalar } from "../primitives/elementwise.js";
export { convert, reshape, broadcastInDim, broadcastTo, concatenate, slice, sliceAxis, iota, transpose, moveaxis } from "../primitives/structural.js";
export { reduceSum } from "../primitives/reductions.js";

/** Elementwise `pred ? onTrue : onFalse` (select_n takes its cases in false, true order). */
export const select = (pred: NDArray, onTrue: NDArray, onFalse: NDArray): NDArray => selectN(pred, onFalse, onTrue);
export const and = (a: NDArray, b: NDArray): NDArray => bind1(E.andP, [a, b]);
export const or = (a: NDArray, b: NDArray): NDArray => bind1(E.orP, [a, b]);
export const not = (a: NDArray): NDArray => bind1(E.notP, [a]);
export const xor = (a: NDArray, b: NDArray): NDArray => bind1(E.xorP, [a, b]);
export const shiftLeft = (a: NDArray, b: NDArray): NDArray => bind1(E.shiftLeftP, [a, b]);
export const shiftRightLogical = (a: NDArray, b: NDArray): NDArray => bind1(E.shiftRightLogicalP, [a, b]);
export const abs = (x: NDArray): NDArray => bind1(E.absP, [x]);
export const floor = (x: NDArray): NDArray => bind1(E.floorP, [x]);
export const log1p = (x: NDArray): NDArray => bind1(E.log1pP, [x]);
export const expm1 = (x: NDArray): NDArray => bind1(E.expm1P, [x]);
export const exp2 = (x: NDArray): NDArray => bind1(E.exp2P, [x]);
export const tan = (x: NDArray): NDArray => bind1(E.tanP, [x]);
export const nextafter = (x: NDArray, toward: NDArray): NDArray => bind1(E.nextafterP, [x, toward]);
export const bitcast = (x: NDArray, dtype: DType): NDArray => bind1(bitcastConvertTypeP, [x], { newDtype: dtype });

/** A scalar constant of `dtype` broadcast to `shape`. */
export const constant = (shape: Shape, value: number, dtype: DType): NDArray => E.full(shape, value, dtype);

/** `x` (of rank <= shape's rank) broadcast to `shape` NumPy-style (trailing axes aligned). */
export function broadcastToShape(x: NDArray, shape: Shape): NDArray {
  const offset = shape.length - x.ndim;
  return broadcastInDim(x, shape, x.shape.map((_, i) => i + offset));
}
