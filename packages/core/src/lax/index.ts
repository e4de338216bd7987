// The `lax` namespace: primitive-level operations (no implicit broadcasting or promotion) and
// control flow, as in jax.lax.
import type { NDArray } from "../array/ndarray.js";
import type { DType } from "../dtype.js";
import { bind1 } from "../trace/core.js";
import { bitcastConvertTypeP } from "../primitives/structural.js";
import { reduceMaxP, reduceMinP } from "../primitives/reductions.js";
export { add, sub, mul, div, rem, pow, max, min, eq, ne, lt, le, gt, ge, neg, sign, exp, log, sin, cos, sqrt, full, scalar } from "../primitives/elementwise.js";
export { broadcastInDim, broadcastTo, reshape, transpose, convert as convertElementType, selectN, iota, slice, sliceAxis, pad, concatenate, rev, moveaxis } from "../primitives/structural.js";
export { reduceSum } from "../primitives/reductions.js";
export { reduce } from "./reduce.js";
export { dotGeneral } from "../primitives/dot.js";
export { stopGradient } from "../primitives/custom.js";
export { gather, scatter, scatterAdd, scatterMul, scatterMin, scatterMax, dynamicSlice, dynamicUpdateSlice, dynamicSliceInDim, type GatherDimensionNumbers, type ScatterDimensionNumbers, type GatherDimensionNumbersInput, type ScatterDimensionNumbersInput, type GatherOptions, type ScatterOptions } from "../primitives/indexing.js";
export { sort, sortKeyVal } from "../primitives/sorting.js";
export { cumsum, cumprod, cummax, cummin, cumlogsumexp, associativeScan } from "../primitives/cumulative.js";
export { reduceProd } from "../primitives/reduceProd.js";
export * as linalg from "./linalg.js";
export { cond, switchCase, whileLoop, foriLoop, scan, customJvp, customVjp, checkpoint, type ScanOptions, type CustomJvpFunction, type CustomVjpFunction } from "./control.js";

export function reduceMax(x: NDArray, axes: readonly number[]): NDArray {
  return axes.length ? bind1(reduceMaxP, [x], { axes: [...axes] }) : x;
}
export function reduceMin(x: NDArray, axes: readonly number[]): NDArray {
  return axes.length ? bind1(reduceMinP, [x], { axes: [...axes] }) : x;
}
export function bitcastConvertType(x: NDArray, dtype: DType): NDArray {
  return bind1(bitcastConvertTypeP, [x], { newDtype: dtype });
}
export function select(pred: NDArray, onTrue: NDArray, onFalse: NDArray): NDArray {
  return bind1(selectNPrim(), [pred, onFalse, onTrue]);
}
import { selectNP } from "../primitives/structural.js";
const selectNPrim = () => selectNP;
