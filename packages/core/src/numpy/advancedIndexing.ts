// Integer-array ("advanced") indexing for `x.slice(...)` and `x.at(...)`: NumPy's rules (arrays and
// the integers beside them broadcast together; their axes go where the first one was when they are
// adjacent, else first), lowered to one gather for reads and one scatter into the flat array for updates.
import { NDArray, type ArrayLike, type IndexItem } from "../array/ndarray.js";
import { isInteger } from "../dtype.js";
import { DTypeError, ShapeError } from "../errors.js";
import { broadcastShapes, sizeOf } from "../shape.js";
import { bind1 } from "../trace/core.js";
import * as E from "../primitives/elementwise.js";
import * as S from "../primitives/structural.js";
import { type GatherMode, type ScatterCombine, gatherP, scatterP } from "../primitives/indexing.js";
import { resultKind, toKind } from "./convert.js";

type BasicIndexer = (x: NDArray, index: readonly IndexItem[]) => NDArray;
const range = (n: number): number[] => [...Array(n).keys()];

export function hasArrayIndex(index: readonly IndexItem[]): boolean {
  return index.some((it) => it instanceof NDArray);
}

/** Gathers `x[index]` for an index with at least one integer array. */
export function advancedIndex(x: NDArray, index: readonly IndexItem[], basic: BasicIndexer, mode: GatherMode = "clip", fillValue: number | null = null): NDArray {
  const consumes = (it: IndexItem) => it !== null && it !== "...";
  if (index.filter((it) => it === "...").length > 1) throw new ShapeError("slice: an index can only have a single ellipsis ('...').");
  const used = index.filter(consumes).length;
  if (used > x.ndim) throw new ShapeError(`slice: too many indices (${used}) for an array of rank ${x.ndim} (shape [${x.shape}]).`);
  const items: IndexItem[] = [];
  for (const it of index) {
    if (it === "...") for (let k = 0; k < x.ndim - used; k++) items.push(":");
    else items.push(it);
  }
  while (items.filter(consumes).length < x.ndim) items.push(":");
  const isAdvanced = (it: IndexItem) => it instanceof NDArray || typeof it === "number";
  const positions = items.map((it, i) => (isAdvanced(it) ? i : -1)).filter((i) => i >= 0);
  // Every item now yields exactly one axis of `y`: advanced ones keep their whole axis for the gather.
  const y = basic(x, items.map((it) => (isAdvanced(it) ? ":" : it)));
  const arrays = positions.map((p) => {
    const it = items[p]!;
    const n = y.shape[p]!;
    let a: NDArray;
    if (typeof it === "number") {
      if (!Number.isInteger(it) || it < -n || it >= n) throw new ShapeError(`slice: index ${it} is out of bounds for an axis of size ${n}.`);
      a = E.scalar(it, "int32");
    } else {
      const arr = it as NDArray;
      if (arr.dtype === "bool") throw new DTypeError(`slice: boolean mask indices have a data-dependent shape; use np.where(mask, x, other) or an integer index array (shape [${arr.shape}]).`);
      if (!isInteger(arr.dtype)) throw new DTypeError(`slice: array indices must be integers, got ${arr.dtype}; convert them with .astype("int32").`);
      a = S.convert(arr, "int32");
    }
    // Negative indices count from the end, as NumPy.
    return S.selectN(E.lt(a, E.fullLike(a, 0)), a, E.add(a, E.fullLike(a, n)));
  });
  const bshape = broadcastShapes("slice", ...arrays.map((a) => a.shape));
  const rest = range(y.ndim).filter((d) => !positions.includes(d));
  const adjacent = positions.every((p, i) => i === 0 || p === positions[i - 1]! + 1);
  const insertAt = adjacent ? rest.filter((d) => d < positions[0]!).length : 0;
  const outShape = [...rest.map((d) => y.shape[d]!)];
  outShape.splice(insertAt, 0, ...bshape);
  if (sizeOf(bshape) === 0 || y.size === 0) {
    if (positions.some((p) => y.shape[p] === 0) && sizeOf(bshape) > 0) throw new ShapeError(`slice: cannot index into a zero-size axis of an array of shape [${x.shape}].`);
    return E.full(outShape, 0, x.dtype, x.weakType);
  }
  const idx = S.concatenate(arrays.map((a) => S.reshape(S.broadcastTo(a, bshape), [...bshape, 1])), bshape.length);
  return bind1(gatherP, [y, idx], {
    dimensionNumbers: {
      offsetDims: rest.map((_, i) => (i < insertAt ? i : i + bshape.length)), collapsedSliceDims: positions, startIndexMap: positions,
      operandBatchingDims: [], startIndicesBatchingDims: [],
    },
    sliceSizes: y.shape.map((s, d) => (positions.includes(d) ? 1 : s)), mode, fillValue,
  });
}

/**
 * `x.at(index).<mode>(value)` for an index with integer arrays: the flat positions selected by the
 * index (out-of-bounds ones marked -1) receive a scatter; duplicates accumulate for add/mul/min/max
 * and the last one wins for set. Out-of-bounds updates are dropped (JAX's default).
 */
export function advancedUpdate(x: NDArray, index: readonly IndexItem[], basic: BasicIndexer, mode: ScatterCombine, value: ArrayLike): NDArray {
  if (x.size === 0) return x;
  const ids = S.reshape(S.iota("int32", [x.size]), x.shape);
  const target = advancedIndex(ids, index, basic, "fill", -1);
  const k = resultKind([x, value]);
  let v = toKind(value, { dtype: x.dtype, weakType: x.weakType && k.weakType });
  while (v.ndim > target.ndim && v.shape[0] === 1) v = S.reshape(v, v.shape.slice(1));
  if (v.ndim > target.ndim) throw new ShapeError(`at: cannot broadcast a value of shape [${v.shape}] to the indexed shape [${target.shape}].`);
  broadcastShapes("at", v.shape, target.shape);
  v = S.broadcastTo(v, target.shape);
  const flat = bind1(scatterP, [S.reshape(x, [x.size]), S.reshape(target, [...target.shape, 1]), v], {
    dimensionNumbers: { updateWindowDims: [], insertedWindowDims: [0], scatterDimsToOperandDims: [0], operandBatchingDims: [], scatterIndicesBatchingDims: [] },
    mode: "drop", combine: mode,
  });
  return S.reshape(flat, x.shape);
}
