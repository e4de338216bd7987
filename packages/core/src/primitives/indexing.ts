// Indexing primitives: gather and scatter with XLA's dimension numbers (batching dims included),
// dynamic_slice and dynamic_update_slice — each with every rule. Semantics follow XLA's operation
// semantics and JAX's jax/_src/lax/slicing.py (index vector = last axis of the indices).
import { ShapedArray } from "../array/aval.js";
import { ConcreteArray, type NDArray } from "../array/ndarray.js";
import { type DType, isInteger, typedArrayFor } from "../dtype.js";
import { DTypeError, ShapeError, TransformError } from "../errors.js";
import { type Shape, showShape, sizeOf, stridesOf } from "../shape.js";
import { bind1 } from "../trace/core.js";
import { type Params, type Primitive, definePrimitive } from "../trace/primitive.js";
import { type Tangent, UndefinedPrimal, Zero } from "../trace/values.js";
import * as E from "./elementwise.js";
import * as S from "./structural.js";

// ---------------------------------------------------------------- dimension numbers
export interface GatherDimensionNumbers {
  /** Output axes that index into the gathered slice (ascending). */
  readonly offsetDims: readonly number[];
  /** Operand axes of slice size 1 that do not appear in the output (ascending). */
  readonly collapsedSliceDims: readonly number[];
  /** For each entry of the index vector, the operand axis it starts. */
  readonly startIndexMap: readonly number[];
  /** Operand axes that are batch axes (slice size 1, dropped), paired with `startIndicesBatchingDims`. */
  readonly operandBatchingDims: readonly number[];
  /** Axes of the indices (not the index-vector axis) that are batch axes. */
  readonly startIndicesBatchingDims: readonly number[];
}
export interface ScatterDimensionNumbers {
  /** Axes of `updates` that are window axes (ascending). */
  readonly updateWindowDims: readonly number[];
  /** Operand axes with window size 1 that have no axis in `updates` (ascending). */
  readonly insertedWindowDims: readonly number[];
  /** For each entry of the index vector, the operand axis it starts. */
  readonly scatterDimsToOperandDims: readonly number[];
  readonly operandBatchingDims: readonly number[];
  readonly scatterIndicesBatchingDims: readonly number[];
}
/** Out-of-bounds gathers: "clip" clamps the start so the slice fits (XLA's behaviour), "fill" returns `fillValue`. */
export type GatherMode = "clip" | "fill";
/** Out-of-bounds scatters: "clip" clamps the start, "drop" discards the whole window (JAX's FILL_OR_DROP). */
export type ScatterMode = "clip" | "drop";
export type ScatterCombine = "set" | "add" | "mul" | "min" | "max";

export interface GatherParams extends Params {
  dimensionNumbers: GatherDimensionNumbers;
  sliceSizes: readonly number[];
  mode: GatherMode;
  /** Fill for out-of-bounds slices in "fill" mode; null means NaN / the integer minimum / uint max / true, as JAX. */
  fillValue: number | null;
}
export interface ScatterParams extends Params {
  dimensionNumbers: ScatterDimensionNumbers;
  mode: ScatterMode;
  combine: ScatterCombine;
}

const range = (n: number): number[] => [...Array(n).keys()];
const plus = (xs: readonly number[], k: number): number[] => xs.map((x) => x + k);
const fmtGather = (dn: GatherDimensionNumbers): string =>
  `offsetDims=[${dn.offsetDims}] collapsedSliceDims=[${dn.collapsedSliceDims}] startIndexMap=[${dn.startIndexMap}] operandBatchingDims=[${dn.operandBatchingDims}] startIndicesBatchingDims=[${dn.startIndicesBatchingDims}]`;
const tuple = (xs: readonly number[]): string => `(${xs.join(", ")}${xs.length === 1 ? "," : ""})`;
/** JAX-style parameter text for the IR printer. */
function printGather(p: GatherParams): string {
  const dn = p.dimensionNumbers;
  return `dimension_numbers=GatherDimensionNumbers(offset_dims=${tuple(dn.offsetDims)}, collapsed_slice_dims=${tuple(dn.collapsedSliceDims)}, start_index_map=${tuple(dn.startIndexMap)}, ` +
    `operand_batching_dims=${tuple(dn.operandBatchingDims)}, start_indices_batching_dims=${tuple(dn.startIndicesBatchingDims)}) slice_sizes=${tuple(p.sliceSizes)} mode=${p.mode}` +
    (p.mode === "fill" ? ` fill_value=${p.fillValue === null ? "None" : p.fillValue}` : "");
}
function printScatter(p: ScatterParams): string {
  const dn = p.dimensionNumbers;
  return `combine=${p.combine} dimension_numbers=ScatterDimensionNumbers(update_window_dims=${tuple(dn.updateWindowDims)}, inserted_window_dims=${tuple(dn.insertedWindowDims)}, ` +
    `scatter_dims_to_operand_dims=${tuple(dn.scatterDimsToOperandDims)}, operand_batching_dims=${tuple(dn.operandBatchingDims)}, scatter_indices_batching_dims=${tuple(dn.scatterIndicesBatchingDims)}) mode=${p.mode}`;
}
const fmtScatter = (dn: ScatterDimensionNumbers): string =>
  `updateWindowDims=[${dn.updateWindowDims}] insertedWindowDims=[${dn.insertedWindowDims}] scatterDimsToOperandDims=[${dn.scatterDimsToOperandDims}] operandBatchingDims=[${dn.operandBatchingDims}] scatterIndicesBatchingDims=[${dn.scatterIndicesBatchingDims}]`;

/** Checks that `dims` are distinct, in [0, bound) and (optionally) ascending; returns an error text or null. */
function badDims(what: string, dims: readonly number[], bound: number, sorted: boolean): string | null {
  if (dims.some((d) => !Number.isInteger(d) || d < 0 || d >= bound)) return `${what} [${dims}] must lie in [0, ${bound})`;
  if (new Set(dims).size !== dims.length) return `${what} [${dims}] must not repeat an axis`;
  if (sorted && dims.some((d, i) => i > 0 && d < dims[i - 1]!)) return `${what} [${dims}] must be ascending`;
  return null;
}

/** The fill of an out-of-bounds gather slice when none is given (JAX's choice). */
export function defaultFill(dtype: DType): number {
  switch (dtype) {
    case "float32": case "float64": return NaN;
    case "int32": return -2147483648;
    case "uint32": return 4294967295;
    case "bool": return 1;
  }
}

/** Operand axes that keep a slice/window axis (neither collapsed/inserted nor batching). */
function windowAxes(ndim: number, dropped: readonly number[], batching: readonly number[]): number[] {
  return range(ndim).filter((d) => !dropped.includes(d) && !batching.includes(d));
}

// ---------------------------------------------------------------- gather
function gatherShape(operand: ShapedArray, indices: ShapedArray, p: GatherParams): number[] {
  const dn = p.dimensionNumbers;
  const ss = p.sliceSizes;
  const ctx = `(operand ${operand}, indices ${indices}, ${fmtGather(dn)}, sliceSizes [${ss}])`;
  const fail = (msg: string) => new ShapeError(`gather: ${msg} ${ctx}.`);
  if (!isInteger(indices.dtype)) throw new DTypeError(`gather: indices must be int32 or uint32, got ${indices.dtype}; convert them with .astype("int32").`);
  if (indices.ndim < 1) throw fail("indices need at least one axis; the last axis is the index vector (add a trailing axis of size 1 for scalar indices)");
  if (p.mode !== "clip" && p.mode !== "fill") throw fail(`mode must be "clip" or "fill", got ${String(p.mode)}`);
  const k = indices.shape[indices.ndim - 1]!;
  const batchShape = indices.shape.slice(0, -1);
  if (dn.startIndexMap.length !== k) throw fail(`startIndexMap has ${dn.startIndexMap.length} entries but the index vector (last axis of indices) has ${k}`);
  if (ss.length !== operand.ndim) throw fail(`sliceSizes needs one entry per operand axis (${operand.ndim})`);
  ss.forEach((s, i) => { if (!Number.isInteger(s) || s < 0 || s > operand.shape[i]!) throw fail(`sliceSizes[${i}] = ${s} must lie in [0, ${operand.shape[i]}]`); });
  const outRank = batchShape.length + dn.offsetDims.length;
  const e =
    badDims("offsetDims", dn.offsetDims, outRank, true) ??
    badDims("collapsedSliceDims", dn.collapsedSliceDims, operand.ndim, true) ??
    badDims("operandBatchingDims", dn.operandBatchingDims, operand.ndim, true) ??
    badDims("startIndexMap", dn.startIndexMap, operand.ndim, false) ??
    badDims("startIndicesBatchingDims", dn.startIndicesBatchingDims, indices.ndim - 1, false);
  if (e) throw fail(e);
  for (const d of dn.collapsedSliceDims) if (ss[d] !== 1) throw fail(`collapsed axis ${d} must have slice size 1, got ${ss[d]}`);
  for (const d of dn.operandBatchingDims) {
    if (ss[d] !== 1) throw fail(`operand batching axis ${d} must have slice size 1, got ${ss[d]}`);
    if (dn.collapsedSliceDims.includes(d)) throw fail(`axis ${d} cannot be both collapsed and a batching axis`);
    if (dn.startIndexMap.includes(d)) throw fail(`batching axis ${d} cannot also be indexed through startIndexMap`);
  }
  if (dn.operandBatchingDims.length !== dn.startIndicesBatchingDims.length) throw fail("operandBatchingDims and startIndicesBatchingDims must have the same length");
  dn.operandBatchingDims.forEach((d, i) => {
    const j = dn.startIndicesBatchingDims[i]!;
    if (operand.shape[d] !== indices.shape[j]) throw fail(`operand batching axis ${d} (size ${operand.shape[d]}) and indices batching axis ${j} (size ${indices.shape[j]}) differ in size`);
  });
  const kept = windowAxes(operand.ndim, dn.collapsedSliceDims, dn.operandBatchingDims);
  if (kept.length !== dn.offsetDims.length) throw fail(`offsetDims must have one entry per operand axis that is neither collapsed nor batching (${kept.length})`);
  const out = new Array<number>(outRank);
  dn.offsetDims.forEach((o, j) => (out[o] = ss[kept[j]!]!));
  let b = 0;
  for (let i = 0; i < outRank; i++) if (out[i] === undefined) out[i] = batchShape[b++]!;
  return out;
}

/** Odometer over `shape`: the multi-index of every position in row-major order, with `visit(flat, idx)`. */
function forEachIndex(shape: Shape, visit: (flat: number, idx: readonly number[]) => void): void {
  const n = sizeOf(shape);
  const idx = new Array<number>(shape.length).fill(0);
  for (let f = 0; f < n; f++) {
    visit(f, idx);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
}

/** Flat offsets of every window element: `outStrides`/`opStrides` weighted sums over the window shape. */
function windowOffsets(windowShape: Shape, aStrides: readonly number[], bStrides: readonly number[]): [Int32Array, Int32Array] {
  const n = sizeOf(windowShape);
  const a = new Int32Array(n);
  const b = new Int32Array(n);
  forEachIndex(windowShape, (f, idx) => {
    let sa = 0;
    let sb = 0;
    for (let j = 0; j < idx.length; j++) { sa += idx[j]! * aStrides[j]!; sb += idx[j]! * bStrides[j]!; }
    a[f] = sa;
    b[f] = sb;
  });
  return [a, b];
}

/**
 * The shared index walk of gather and scatter: for every batch position (all axes of the indices
 * but the last) calls `visit(batchFlat, batchIdx, operandStart)` with the flat operand offset of the
 * window start, or -1 when the start is out of bounds and `clip` is false.
 */
function walkStarts(
  operandShape: Shape, indices: ConcreteArray, windowSizes: readonly number[], startMap: readonly number[],
  operandBatching: readonly number[], indicesBatching: readonly number[], clip: boolean,
  visit: (g: number, gIdx: readonly number[], start: number) => void,
): void {
  const opStrides = stridesOf(operandShape);
  const idxData = indices.rawData;
  const k = indices.shape[indices.ndim - 1]!;
  const batchShape = indices.shape.slice(0, -1);
  forEachIndex(batchShape, (g, gIdx) => {
    let start = 0;
    let oob = false;
    for (let j = 0; j < k; j++) {
      const d = startMap[j]!;
      const hi = operandShape[d]! - windowSizes[d]!;
      let v = idxData[g * k + j]!;
      if (clip) v = v < 0 ? 0 : v > hi ? hi : v;
      else if (v < 0 || v > hi) oob = true;
      start += v * opStrides[d]!;
    }
    operandBatching.forEach((d, i) => { start += gIdx[indicesBatching[i]!]! * opStrides[d]!; });
    visit(g, gIdx, oob ? -1 : start);
  });
}

export const gatherP: Primitive<GatherParams> = definePrimitive<GatherParams>({
  name: "gather",
  abstractEval([operand, indices], p) {
    return [operand!.withShape(gatherShape(operand!, indices!, p))];
  },
  js([operand, indices], p, [av]) {
    const dn = p.dimensionNumbers;
    const out = typedArrayFor(av!.dtype, av!.size);
    if (av!.size === 0) return [ConcreteArray.fromData(out, av!.shape, av!.dtype, av!.weakType)];
    const src = operand!.rawData;
    const kept = windowAxes(operand!.ndim, dn.collapsedSliceDims, dn.operandBatchingDims);
    const opStrides = stridesOf(operand!.shape);
    const outStrides = stridesOf(av!.shape);
    const batchPos = range(av!.ndim).filter((i) => !dn.offsetDims.includes(i));
    const [winOut, winOp] = windowOffsets(kept.map((d) => p.sliceSizes[d]!), dn.offsetDims.map((o) => outStrides[o]!), kept.map((d) => opStrides[d]!));
    const fill = p.fillValue ?? defaultFill(av!.dtype);
    const nw = winOut.length;
    walkStarts(operand!.shape, indices!, p.sliceSizes, dn.startIndexMap, dn.operandBatchingDims, dn.startIndicesBatchingDims, p.mode === "clip", (_g, gIdx, start) => {
      let base = 0;
      for (let i = 0; i < batchPos.length; i++) base += gIdx[i]! * outStrides[batchPos[i]!]!;
      if (start < 0) for (let w = 0; w < nw; w++) out[base + winOut[w]!] = fill;
      else for (let w = 0; w < nw; w++) out[base + winOut[w]!] = src[start + winOp[w]!]!;
    });
    return [ConcreteArray.fromData(out, av!.shape, av!.dtype, av!.weakType)];
  },
  jvp([operand, indices], [t], p) {
    const y = bind1(gatherP, [operand!, indices!], p);
    if (t instanceof Zero) return [[y], [new Zero(t.aval.withShape(y.shape))]];
    // Out-of-bounds slices are a constant fill, so their tangent is zero.
    return [[y], [bind1(gatherP, [t!, indices!], { ...p, fillValue: 0 })]];
  },
  transpose([ct], [operand, indices], p) {
    const av = (operand as UndefinedPrimal).aval;
    if (indices instanceof UndefinedPrimal) throw new TransformError("gather: the indices cannot be a linear input.");
    if (ct instanceof Zero) return [new Zero(av), null];
    const zeros = E.zerosFor(av);
    return [bind1(scatterP, [zeros, indices as NDArray, ct!], { dimensionNumbers: scatterDnumsOfGather(p.dimensionNumbers), mode: p.mode === "clip" ? "clip" : "drop", combine: "add" }), null];
  },
  batch([operand, indices], [dOp, dIdx], p, axisSize) {
    const dn = p.dimensionNumbers;
    if (dIdx === null) {
      // Batched operand only: the batch axis becomes a full-size leading slice axis.
      const x = S.moveaxis(operand!, dOp!, 0);
      const ndn: GatherDimensionNumbers = {
        offsetDims: [0, ...plus(dn.offsetDims, 1)], collapsedSliceDims: plus(dn.collapsedSliceDims, 1), startIndexMap: plus(dn.startIndexMap, 1),
        operandBatchingDims: plus(dn.operandBatchingDims, 1), startIndicesBatchingDims: dn.startIndicesBatchingDims,
      };
      return [[bind1(gatherP, [x, indices!], { ...p, dimensionNumbers: ndn, sliceSizes: [axisSize, ...p.sliceSizes] })], [0]];
    }
    const idx = S.moveaxis(indices!, dIdx, 0);
    if (dOp === null) {
      // Batched indices only: one more batch axis of the indices, which lands first in the output.
      const ndn: GatherDimensionNumbers = { ...dn, offsetDims: plus(dn.offsetDims, 1), startIndicesBatchingDims: plus(dn.startIndicesBatchingDims, 1) };
      return [[bind1(gatherP, [operand!, idx], { ...p, dimensionNumbers: ndn })], [0]];
    }
    // Both batched: pair the two batch axes as batching dims (what operandBatchingDims exist for).
    const x = S.moveaxis(operand!, dOp, 0);
    const ndn: GatherDimensionNumbers = {
      offsetDims: plus(dn.offsetDims, 1), collapsedSliceDims: plus(dn.collapsedSliceDims, 1), startIndexMap: plus(dn.startIndexMap, 1),
      operandBatchingDims: [0, ...plus(dn.operandBatchingDims, 1)], startIndicesBatchingDims: [0, ...plus(dn.startIndicesBatchingDims, 1)],
    };
    return [[bind1(gatherP, [x, idx], { ...p, dimensionNumbers: ndn, sliceSizes: [1, ...p.sliceSizes] })], [0]];
  },
  printParams: printGather,
});

// ---------------------------------------------------------------- scatter
function checkScatter(operand: ShapedArray, indices: ShapedArray, updates: ShapedArray, p: ScatterParams): void {
  const dn = p.dimensionNumbers;
  const ctx = `(operand ${operand}, indices ${indices}, updates ${updates}, ${fmtScatter(dn)})`;
  const fail = (msg: string) => new ShapeError(`scatter: ${msg} ${ctx}.`);
  if (!isInteger(indices.dtype)) throw new DTypeError(`scatter: indices must be int32 or uint32, got ${indices.dtype}; convert them with .astype("int32").`);
  if (operand.dtype !== updates.dtype) throw new DTypeError(`scatter: operand dtype ${operand.dtype} and updates dtype ${updates.dtype} differ; convert the updates with .astype("${operand.dtype}").`);
  if (!["set", "add", "mul", "min", "max"].includes(p.combine)) throw fail(`unknown combine ${String(p.combine)}`);
  if (p.mode !== "clip" && p.mode !== "drop") throw fail(`mode must be "clip" or "drop", got ${String(p.mode)}`);
  if (operand.dtype === "bool" && (p.combine === "add" || p.combine === "mul")) throw new DTypeError(`scatter: combine "${p.combine}" needs a numeric operand, got bool.`);
  if (indices.ndim < 1) throw fail("indices need at least one axis; the last axis is the index vector (add a trailing axis of size 1 for scalar indices)");
  const k = indices.shape[indices.ndim - 1]!;
  const batchShape = indices.shape.slice(0, -1);
  if (dn.scatterDimsToOperandDims.length !== k) throw fail(`scatterDimsToOperandDims has ${dn.scatterDimsToOperandDims.length} entries but the index vector (last axis of indices) has ${k}`);
  if (updates.ndim !== batchShape.length + dn.updateWindowDims.length) throw fail(`updates must have rank ${batchShape.length} (index batch axes) + ${dn.updateWindowDims.length} (window axes)`);
  const e =
    badDims("updateWindowDims", dn.updateWindowDims, updates.ndim, true) ??
    badDims("insertedWindowDims", dn.insertedWindowDims, operand.ndim, true) ??
    badDims("operandBatchingDims", dn.operandBatchingDims, operand.ndim, true) ??
    badDims("scatterDimsToOperandDims", dn.scatterDimsToOperandDims, operand.ndim, false) ??
    badDims("scatterIndicesBatchingDims", dn.scatterIndicesBatchingDims, indices.ndim - 1, false);
  if (e) throw fail(e);
  for (const d of dn.operandBatchingDims) {
    if (dn.insertedWindowDims.includes(d)) throw fail(`axis ${d} cannot be both inserted and a batching axis`);
    if (dn.scatterDimsToOperandDims.includes(d)) throw fail(`batching axis ${d} cannot also be indexed through scatterDimsToOperandDims`);
  }
  if (dn.operandBatchingDims.length !== dn.scatterIndicesBatchingDims.length) throw fail("operandBatchingDims and scatterIndicesBatchingDims must have the same length");
  dn.operandBatchingDims.forEach((d, i) => {
    const j = dn.scatterIndicesBatchingDims[i]!;
    if (operand.shape[d] !== indices.shape[j]) throw fail(`operand batching axis ${d} (size ${operand.shape[d]}) and indices batching axis ${j} (size ${indices.shape[j]}) differ in size`);
  });
  const kept = windowAxes(operand.ndim, dn.insertedWindowDims, dn.operandBatchingDims);
  if (kept.length !== dn.updateWindowDims.length) throw fail(`updateWindowDims must have one entry per operand axis that is neither inserted nor batching (${kept.length})`);
  dn.updateWindowDims.forEach((u, j) => {
    if (updates.shape[u]! > operand.shape[kept[j]!]!) throw fail(`window axis ${u} of updates (size ${updates.shape[u]}) is larger than operand axis ${kept[j]} (size ${operand.shape[kept[j]!]})`);
  });
  const scatterPos = range(updates.ndim).filter((i) => !dn.updateWindowDims.includes(i));
  scatterPos.forEach((u, i) => {
    if (updates.shape[u] !== batchShape[i]) throw fail(`updates axis ${u} (size ${updates.shape[u]}) must match indices axis ${i} (size ${batchShape[i]})`);
  });
}

/** Window size per operand axis (1 for inserted and batching axes). */
function scatterWindowSizes(operandNdim: number, updatesShape: Shape, dn: ScatterDimensionNumbers): number[] {
  const kept = windowAxes(operandNdim, dn.insertedWindowDims, dn.operandBatchingDims);
  const sizes = new Array<number>(operandNdim).fill(1);
  kept.forEach((d, j) => (sizes[d] = updatesShape[dn.updateWindowDims[j]!]!));
  return sizes;
}

const combiners: Record<ScatterCombine, (a: number, b: number, d: DType) => number> = {
  set: (_a, b) => b,
  add: (a, b, d) => (d === "int32" ? (a + b) | 0 : d === "uint32" ? (a + b) >>> 0 : a + b),
  mul: (a, b, d) => (d === "int32" ? Math.imul(a, b) : d === "uint32" ? Math.imul(a, b) >>> 0 : a * b),
  min: (a, b) => (a !== a || b !== b ? NaN : a < b ? a : b),
  max: (a, b) => (a !== a || b !== b ? NaN : a > b ? a : b),
};

export const scatterP: Primitive<ScatterParams> = definePrimitive<ScatterParams>({
  name: "scatter",
  abstractEval([operand, indices, updates], p) {
    checkScatter(operand!, indices!, updates!, p);
    return [new ShapedArray(operand!.shape, operand!.dtype, operand!.weakType)];
  },
  js([operand, indices, updates], p, [av]) {
    const dn = p.dimensionNumbers;
    const out = typedArrayFor(av!.dtype, av!.size);
    out.set(operand!.rawData);
    const upd = updates!.rawData;
    if (updates!.size === 0) return [ConcreteArray.fromData(out, av!.shape, av!.dtype, av!.weakType)];
    const kept = windowAxes(operand!.ndim, dn.insertedWindowDims, dn.operandBatchingDims);
    const sizes = scatterWindowSizes(operand!.ndim, updates!.shape, dn);
    const opStrides = stridesOf(operand!.shape);
    const upStrides = stridesOf(updates!.shape);
    const scatterPos = range(updates!.ndim).filter((i) => !dn.updateWindowDims.includes(i));
    const [winUp, winOp] = windowOffsets(dn.updateWindowDims.map((u) => updates!.shape[u]!), dn.updateWindowDims.map((u) => upStrides[u]!), kept.map((d) => opStrides[d]!));
    const f = combiners[p.combine];
    const dt = av!.dtype;
    const nw = winUp.length;
    // Windows are applied in row-major order of the index batch, so "set" is deterministic: the last write wins.
    walkStarts(operand!.shape, indices!, sizes, dn.scatterDimsToOperandDims, dn.operandBatchingDims, dn.scatterIndicesBatchingDims, p.mode === "clip", (_g, gIdx, start) => {
      if (start < 0) return;
      let base = 0;
      for (let i = 0; i < scatterPos.length; i++) base += gIdx[i]! * upStrides[scatterPos[i]!]!;
      for (let w = 0; w < nw; w++) {
        const o = start + winOp[w]!;
        out[o] = f(out[o]!, upd[base + winUp[w]!]!, dt);
      }
    });
    return [ConcreteArray.fromData(out, av!.shape, av!.dtype, av!.weakType)];
  },
  jvp(primals, tangents, p) {
    const [x, idx, u] = primals as [NDArray, NDArray, NDArray];
    const [tx, , tu] = tangents as [Tangent, Tangent, Tangent];
    const y = bind1(scatterP, [x, idx, u], p);
    if (tx instanceof Zero && tu instanceof Zero) return [[y], [new Zero(tx.aval)]];
    return [[y], [scatterJvp(x, idx, u, y, tx, tu, p)]];
  },
  transpose([ct], [operand, indices, updates], p) {
    if (p.combine !== "add" && p.combine !== "set") throw new TransformError(`scatter: combine "${p.combine}" is not linear, so it cannot be transposed (internal error in a jvp rule).`);
    if (indices instanceof UndefinedPrimal) throw new TransformError("scatter: the indices cannot be a linear input.");
    const idx = indices as NDArray;
    const opAval = operand instanceof UndefinedPrimal ? operand.aval : (operand as NDArray).aval;
    const upAval = updates instanceof UndefinedPrimal ? updates.aval : (updates as NDArray).aval;
    if (ct instanceof Zero) return [operand instanceof UndefinedPrimal ? new Zero(opAval) : null, null, updates instanceof UndefinedPrimal ? new Zero(upAval) : null];
    const c = ct!;
    let ctOp: Tangent | null = null;
    let ctUp: Tangent | null = null;
    if (operand instanceof UndefinedPrimal) {
      // add: the operand passes through; set: overwritten locations receive nothing.
      ctOp = p.combine === "add" ? c : bind1(scatterP, [c, idx, E.zerosFor(upAval)], p);
    }
    if (updates instanceof UndefinedPrimal) {
      const g = gatherForScatter(c, idx, upAval.shape, p, 0);
      ctUp = p.combine === "add" ? g : S.selectN(scatterWinners(opAval, idx, upAval.shape, p), E.zerosFor(upAval), g);
    }
    return [ctOp, null, ctUp];
  },
  batch([operand, indices, updates], [dOp, dIdx, dUp], p, axisSize) {
    const dn = p.dimensionNumbers;
    const front = (v: NDArray, d: number | null) => (d === null ? S.broadcastBatched(v, axisSize) : S.moveaxis(v, d, 0));
    const x = front(operand!, dOp!);
    const u = front(updates!, dUp!);
    if (dIdx === null) {
      // Unbatched indices: the batch axis is one more full-size window axis (leading in operand and updates).
      const ndn: ScatterDimensionNumbers = {
        updateWindowDims: [0, ...plus(dn.updateWindowDims, 1)], insertedWindowDims: plus(dn.insertedWindowDims, 1),
        scatterDimsToOperandDims: plus(dn.scatterDimsToOperandDims, 1), operandBatchingDims: plus(dn.operandBatchingDims, 1),
        scatterIndicesBatchingDims: dn.scatterIndicesBatchingDims,
      };
      return [[bind1(scatterP, [x, indices!, u], { ...p, dimensionNumbers: ndn })], [0]];
    }
    const idx = S.moveaxis(indices!, dIdx, 0);
    const ndn: ScatterDimensionNumbers = {
      updateWindowDims: plus(dn.updateWindowDims, 1), insertedWindowDims: plus(dn.insertedWindowDims, 1),
      scatterDimsToOperandDims: plus(dn.scatterDimsToOperandDims, 1), operandBatchingDims: [0, ...plus(dn.operandBatchingDims, 1)],
      scatterIndicesBatchingDims: [0, ...plus(dn.scatterIndicesBatchingDims, 1)],
    };
    return [[bind1(scatterP, [x, idx, u], { ...p, dimensionNumbers: ndn })], [0]];
  },
  printParams: printScatter,
});

export function scatterDnumsOfGather(dn: GatherDimensionNumbers): ScatterDimensionNumbers {
  return {
    updateWindowDims: dn.offsetDims, insertedWindowDims: dn.collapsedSliceDims, scatterDimsToOperandDims: dn.startIndexMap,
    operandBatchingDims: dn.operandBatchingDims, scatterIndicesBatchingDims: dn.startIndicesBatchingDims,
  };
}
export function gatherDnumsOfScatter(dn: ScatterDimensionNumbers): GatherDimensionNumbers {
  return {
    offsetDims: dn.updateWindowDims, collapsedSliceDims: dn.insertedWindowDims, startIndexMap: dn.scatterDimsToOperandDims,
    operandBatchingDims: dn.operandBatchingDims, startIndicesBatchingDims: dn.scatterIndicesBatchingDims,
  };
}

/**
 * For each element of `updates`, the element of `x` (operand-shaped) it lands on; dropped updates
 * read `fill`. This is the gather that mirrors a scatter.
 */
function gatherForScatter(x: NDArray, idx: NDArray, updatesShape: Shape, p: ScatterParams, fill: number): NDArray {
  return bind1(gatherP, [x, idx], {
    dimensionNumbers: gatherDnumsOfScatter(p.dimensionNumbers), sliceSizes: scatterWindowSizes(x.ndim, updatesShape, p.dimensionNumbers),
    mode: p.mode === "clip" ? "clip" : "fill", fillValue: fill,
  });
}

/** True for the update elements that survive a "set" scatter (with duplicates, the last one written). */
function scatterWinners(opAval: ShapedArray, idx: NDArray, updatesShape: Shape, p: ScatterParams): NDArray {
  // Label every update element 1..n, scatter the labels, read back what landed where each one aimed.
  const n = sizeOf(updatesShape);
  const labels = E.add(S.reshape(S.iota("int32", [n]), updatesShape), E.full(updatesShape, 1, "int32"));
  const landed = bind1(scatterP, [E.full(opAval.shape, 0, "int32"), idx, labels], { ...p, combine: "set" });
  return E.eq(gatherForScatter(landed, idx, updatesShape, p, 0), labels);
}

function scatterJvp(x: NDArray, idx: NDArray, u: NDArray, y: NDArray, tx: Tangent, tu: Tangent, p: ScatterParams): Tangent {
  const scat = (a: NDArray, b: NDArray, combine: ScatterCombine) => bind1(scatterP, [a, idx, b], { ...p, combine });
  const orZeros = (t: Tangent) => (t instanceof Zero ? E.zerosFor(t.aval) : t);
  const addT = E.addTangents;
  switch (p.combine) {
    case "add":
      if (tu instanceof Zero) return tx;
      return scat(orZeros(tx), tu, "add");
    case "set":
      return scat(orZeros(tx), orZeros(tu), "set");
    case "mul": {
      // out[j] = x[j] · Π_{k→j} u_k. d/du_k is x[j] · Π_{l≠k} u_l, built so zeros among the updates are exact:
      // the product of the nonzero updates, and the number of zero updates, per target.
      let r: Tangent = new Zero(y.aval);
      if (!(tx instanceof Zero)) r = E.mul(tx, scat(E.fullLike(x, 1), u, "mul"));
      if (!(tu instanceof Zero)) {
        const isZero = E.eq(u, E.fullLike(u, 0));
        const nonzeroU = S.selectN(isZero, u, E.fullLike(u, 1));
        const zeroCount = scat(E.zerosFor(x.aval), S.convert(isZero, x.dtype), "add");
        const nonzeroProd = scat(E.fullLike(x, 1), nonzeroU, "mul");
        const zc = gatherForScatter(zeroCount, idx, u.shape, p, 0);
        const nzp = gatherForScatter(nonzeroProd, idx, u.shape, p, 0);
        const zeroU = E.fullLike(u, 0);
        const others = S.selectN(isZero,
          S.selectN(E.eq(zc, zeroU), zeroU, E.div(nzp, nonzeroU)),
          S.selectN(E.eq(zc, E.fullLike(u, 1)), zeroU, nzp));
        r = addT(r, E.mul(x, scat(E.zerosFor(x.aval), E.mul(tu, others), "add")));
      }
      return r;
    }
    case "min":
    case "max": {
      // JAX's rule: the tangent of whichever of operand / updates attains the result, averaged over ties.
      const gy = gatherForScatter(y, idx, u.shape, p, 0);
      const won = S.convert(E.eq(u, gy), x.dtype);
      const kept = S.convert(E.eq(x, y), x.dtype);
      const refs = E.add(scat(E.zerosFor(x.aval), won, "add"), kept);
      const safeRefs = E.max(refs, E.fullLike(refs, 1));
      let r: Tangent = new Zero(y.aval);
      if (!(tx instanceof Zero)) r = E.mul(tx, E.div(kept, safeRefs));
      if (!(tu instanceof Zero)) {
        const uCoef = E.div(won, gatherForScatter(safeRefs, idx, u.shape, p, 1));
        r = addT(r, scat(E.zerosFor(x.aval), E.mul(tu, uCoef), "add"));
      }
      return r;
    }
  }
}

// ---------------------------------------------------------------- dynamic_slice / dynamic_update_slice
interface DynamicSliceParams extends Params { sliceSizes: readonly number[] }

function checkStarts(op: string, operand: ShapedArray, starts: readonly ShapedArray[]): void {
  if (starts.length !== operand.ndim) throw new ShapeError(`${op}: needs one start index per axis of operand ${operand}, got ${starts.length}.`);
  starts.forEach((s, i) => {
    if (s.ndim !== 0 || !isInteger(s.dtype)) throw new ShapeError(`${op}: start index ${i} must be an integer scalar, got ${s}.`);
  });
}
/** Start indices clamped so a window of `sizes` fits (XLA's rule). */
function clampedStarts(operandShape: Shape, starts: readonly ConcreteArray[], sizes: readonly number[]): number[] {
  return starts.map((s, i) => Math.min(Math.max(s.rawData[0]!, 0), operandShape[i]! - sizes[i]!));
}
const i32Scalar = (v: number) => E.scalar(v, "int32");
/** Start indices stacked into an int32 [B, n] index array for the batched (gather/scatter) lowering. */
function stackStarts(starts: readonly NDArray[], dims: readonly (number | null)[], axisSize: number): NDArray {
  const cols = starts.map((s, i) => {
    const v = S.convert(dims[i] === null ? S.broadcastInDim(s, [axisSize], []) : s, "int32");
    return S.reshape(v, [axisSize, 1]);
  });
  return S.concatenate(cols, 1);
}

export const dynamicSliceP: Primitive<DynamicSliceParams> = definePrimitive<DynamicSliceParams>({
  name: "dynamic_slice",
  abstractEval([operand, ...starts], { sliceSizes }) {
    checkStarts("dynamic_slice", operand!, starts);
    if (sliceSizes.length !== operand!.ndim || sliceSizes.some((s, i) => !Number.isInteger(s) || s < 0 || s > operand!.shape[i]!)) {
      throw new ShapeError(`dynamic_slice: sliceSizes [${sliceSizes}] do not fit operand ${operand}; need one size per axis in [0, size].`);
    }
    return [operand!.withShape(sliceSizes)];
  },
  js([operand, ...starts], { sliceSizes }, [av]) {
    const st = clampedStarts(operand!.shape, starts, sliceSizes);
    const xs = stridesOf(operand!.shape);
    const out = typedArrayFor(av!.dtype, av!.size);
    if (av!.size) {
      const base = st.reduce((acc, s, i) => acc + s * xs[i]!, 0);
      forEachIndex(sliceSizes, (f, idx) => {
        let o = base;
        for (let d = 0; d < idx.length; d++) o += idx[d]! * xs[d]!;
        out[f] = operand!.rawData[o]!;
      });
    }
    return [ConcreteArray.fromData(out, av!.shape, av!.dtype, av!.weakType)];
  },
  jvp([operand, ...starts], [t], p) {
    const y = bind1(dynamicSliceP, [operand!, ...starts], p);
    return [[y], [t instanceof Zero ? new Zero(t.aval.withShape(y.shape)) : bind1(dynamicSliceP, [t!, ...starts], p)]];
  },
  transpose([ct], [operand, ...starts], p) {
    const av = (operand as UndefinedPrimal).aval;
    const nulls = starts.map(() => null);
    if (ct instanceof Zero) return [new Zero(av), ...nulls];
    return [bind1(dynamicUpdateSliceP, [E.zerosFor(av), ct!, ...(starts as NDArray[])]), ...nulls];
  },
  batch([operand, ...starts], [dOp, ...dStarts], { sliceSizes }, axisSize) {
    if (dStarts.every((d) => d === null)) {
      const x = S.moveaxis(operand!, dOp!, 0);
      return [[bind1(dynamicSliceP, [x, i32Scalar(0), ...starts], { sliceSizes: [axisSize, ...sliceSizes] })], [0]];
    }
    // Per-example starts: a clipped gather (whose clamping is exactly dynamic_slice's).
    const idx = stackStarts(starts, dStarts, axisSize);
    const n = sliceSizes.length;
    if (dOp === null) {
      const dn: GatherDimensionNumbers = { offsetDims: plus(range(n), 1), collapsedSliceDims: [], startIndexMap: range(n), operandBatchingDims: [], startIndicesBatchingDims: [] };
      return [[bind1(gatherP, [operand!, idx], { dimensionNumbers: dn, sliceSizes: [...sliceSizes], mode: "clip", fillValue: null })], [0]];
    }
    const x = S.moveaxis(operand!, dOp, 0);
    const dn: GatherDimensionNumbers = { offsetDims: plus(range(n), 1), collapsedSliceDims: [], startIndexMap: plus(range(n), 1), operandBatchingDims: [0], startIndicesBatchingDims: [0] };
    return [[bind1(gatherP, [x, idx], { dimensionNumbers: dn, sliceSizes: [1, ...sliceSizes], mode: "clip", fillValue: null })], [0]];
  },
});

export const dynamicUpdateSliceP: Primitive = definePrimitive<Params>({
  name: "dynamic_update_slice",
  abstractEval([operand, update, ...starts]) {
    checkStarts("dynamic_update_slice", operand!, starts);
    if (update!.dtype !== operand!.dtype) throw new DTypeError(`dynamic_update_slice: update dtype ${update!.dtype} differs from operand dtype ${operand!.dtype}; convert the update with .astype("${operand!.dtype}").`);
    if (update!.ndim !== operand!.ndim || update!.shape.some((s, i) => s > operand!.shape[i]!)) {
      throw new ShapeError(`dynamic_update_slice: update ${update} does not fit in operand ${operand}; it needs the same rank and no larger axes.`);
    }
    return [new ShapedArray(operand!.shape, operand!.dtype, operand!.weakType)];
  },
  js([operand, update, ...starts], _p, [av]) {
    const st = clampedStarts(operand!.shape, starts, update!.shape);
    const xs = stridesOf(operand!.shape);
    const out = typedArrayFor(av!.dtype, av!.size);
    out.set(operand!.rawData);
    const src = update!.rawData;
    const base = st.reduce((acc, s, i) => acc + s * xs[i]!, 0);
    forEachIndex(update!.shape, (f, idx) => {
      let o = base;
      for (let d = 0; d < idx.length; d++) o += idx[d]! * xs[d]!;
      out[o] = src[f]!;
    });
    return [ConcreteArray.fromData(out, av!.shape, av!.dtype, av!.weakType)];
  },
  jvp([operand, update, ...starts], [tOp, tUp]) {
    const y = bind1(dynamicUpdateSliceP, [operand!, update!, ...starts]);
    if (tOp instanceof Zero && tUp instanceof Zero) return [[y], [new Zero(tOp.aval)]];
    const a = tOp instanceof Zero ? E.zerosFor(tOp.aval) : tOp!;
    const b = tUp instanceof Zero ? E.zerosFor(tUp.aval) : tUp!;
    return [[y], [bind1(dynamicUpdateSliceP, [a, b, ...starts])]];
  },
  transpose([ct], [operand, update, ...starts]) {
    const opAval = operand instanceof UndefinedPrimal ? operand.aval : (operand as NDArray).aval;
    const upAval = update instanceof UndefinedPrimal ? update.aval : (update as NDArray).aval;
    const st = starts as NDArray[];
    const nulls = starts.map(() => null);
    if (ct instanceof Zero) return [operand instanceof UndefinedPrimal ? new Zero(opAval) : null, update instanceof UndefinedPrimal ? new Zero(upAval) : null, ...nulls];
    const ctOp = operand instanceof UndefinedPrimal ? bind1(dynamicUpdateSliceP, [ct!, E.zerosFor(upAval), ...st]) : null;
    const ctUp = update instanceof UndefinedPrimal ? bind1(dynamicSliceP, [ct!, ...st], { sliceSizes: [...upAval.shape] }) : null;
    return [ctOp, ctUp, ...nulls];
  },
  batch([operand, update, ...starts], [dOp, dUp, ...dStarts], _p, axisSize) {
    const front = (v: NDArray, d: number | null) => (d === null ? S.broadcastBatched(v, axisSize) : S.moveaxis(v, d, 0));
    const x = front(operand!, dOp!);
    const u = front(update!, dUp!);
    if (dStarts.every((d) => d === null)) return [[bind1(dynamicUpdateSliceP, [x, u, i32Scalar(0), ...starts])], [0]];
    // Per-example starts: a clipped "set" scatter with the batch axis as a batching dim.
    const idx = stackStarts(starts, dStarts, axisSize);
    const n = starts.length;
    const dn: ScatterDimensionNumbers = {
      updateWindowDims: plus(range(n), 1), insertedWindowDims: [], scatterDimsToOperandDims: plus(range(n), 1),
      operandBatchingDims: [0], scatterIndicesBatchingDims: [0],
    };
    return [[bind1(scatterP, [x, idx, u], { dimensionNumbers: dn, mode: "clip", combine: "set" })], [0]];
  },
});

// ---------------------------------------------------------------- wrappers
/** Dimension numbers as users write them: the batching fields may be omitted. */
export type GatherDimensionNumbersInput = Pick<GatherDimensionNumbers, "offsetDims" | "collapsedSliceDims" | "startIndexMap"> & Partial<GatherDimensionNumbers>;
export type ScatterDimensionNumbersInput = Pick<ScatterDimensionNumbers, "updateWindowDims" | "insertedWindowDims" | "scatterDimsToOperandDims"> & Partial<ScatterDimensionNumbers>;

export interface GatherOptions {
  /** "clip" (default; also "promise_in_bounds") clamps starts; "fill" returns `fillValue` for out-of-bounds slices. */
  mode?: GatherMode | "promise_in_bounds";
  fillValue?: number;
}
export interface ScatterOptions {
  /** "drop" (default; also "fill" / "promise_in_bounds") discards out-of-bounds windows; "clip" clamps starts. */
  mode?: ScatterMode | "fill" | "promise_in_bounds";
}

function gatherDnums(dn: GatherDimensionNumbersInput): GatherDimensionNumbers {
  return {
    offsetDims: [...dn.offsetDims], collapsedSliceDims: [...dn.collapsedSliceDims], startIndexMap: [...dn.startIndexMap],
    operandBatchingDims: [...(dn.operandBatchingDims ?? [])], startIndicesBatchingDims: [...(dn.startIndicesBatchingDims ?? [])],
  };
}
function scatterDnums(dn: ScatterDimensionNumbersInput): ScatterDimensionNumbers {
  return {
    updateWindowDims: [...dn.updateWindowDims], insertedWindowDims: [...dn.insertedWindowDims], scatterDimsToOperandDims: [...dn.scatterDimsToOperandDims],
    operandBatchingDims: [...(dn.operandBatchingDims ?? [])], scatterIndicesBatchingDims: [...(dn.scatterIndicesBatchingDims ?? [])],
  };
}

/** XLA gather (JAX's lax.gather): slices of `operand` of size `sliceSizes` starting at the index vectors in `indices` (last axis). */
export function gather(operand: NDArray, indices: NDArray, dimensionNumbers: GatherDimensionNumbersInput, sliceSizes: readonly number[], options: GatherOptions = {}): NDArray {
  const mode: GatherMode = options.mode === "fill" ? "fill" : "clip";
  if (options.mode !== undefined && !["clip", "fill", "promise_in_bounds"].includes(options.mode)) throw new ShapeError(`gather: unknown mode "${String(options.mode)}"; use "clip", "fill" or "promise_in_bounds".`);
  return bind1(gatherP, [operand, indices], { dimensionNumbers: gatherDnums(dimensionNumbers), sliceSizes: [...sliceSizes], mode, fillValue: mode === "fill" && options.fillValue !== undefined ? options.fillValue : null });
}

function scatterWith(combine: ScatterCombine) {
  return (operand: NDArray, indices: NDArray, updates: NDArray, dimensionNumbers: ScatterDimensionNumbersInput, options: ScatterOptions = {}): NDArray => {
    if (options.mode !== undefined && !["clip", "drop", "fill", "promise_in_bounds"].includes(options.mode)) throw new ShapeError(`scatter: unknown mode "${String(options.mode)}"; use "clip", "drop"/"fill" or "promise_in_bounds".`);
    const mode: ScatterMode = options.mode === "clip" ? "clip" : "drop";
    return bind1(scatterP, [operand, indices, updates], { dimensionNumbers: scatterDnums(dimensionNumbers), mode, combine });
  };
}
/** XLA scatter that overwrites (with duplicate indices the last update in row-major order wins). */
export const scatter = scatterWith("set");
export const scatterAdd = scatterWith("add");
export const scatterMul = scatterWith("mul");
export const scatterMin = scatterWith("min");
export const scatterMax = scatterWith("max");

const asStart = (s: NDArray | number): NDArray => (typeof s === "number" ? i32Scalar(s) : s);

/** XLA DynamicSlice: starts are clamped so the slice fits. */
export function dynamicSlice(operand: NDArray, startIndices: readonly (NDArray | number)[], sliceSizes: readonly number[]): NDArray {
  return bind1(dynamicSliceP, [operand, ...startIndices.map(asStart)], { sliceSizes: [...sliceSizes] });
}
/** XLA DynamicUpdateSlice: starts are clamped so the update fits. */
export function dynamicUpdateSlice(operand: NDArray, update: NDArray, startIndices: readonly (NDArray | number)[]): NDArray {
  return bind1(dynamicUpdateSliceP, [operand, update, ...startIndices.map(asStart)]);
}
/** `dynamicSlice` along one axis (all other axes whole). */
export function dynamicSliceInDim(operand: NDArray, start: NDArray | number, size: number, axis: number): NDArray {
  const starts: (NDArray | number)[] = operand.shape.map(() => 0);
  starts[axis] = start;
  const sizes = [...operand.shape];
  sizes[axis] = size;
  return dynamicSlice(operand, starts, sizes);
}

/**
 * `x` indexed along `axis` by an integer array of the same rank whose other axes equal x's:
 * out[..., i, ...] = x[..., idx[..., i, ...], ...] (a gather with every other axis as a batching dim).
 */
export function gatherAlongAxis(x: NDArray, idx: NDArray, axis: number, mode: GatherMode = "clip", fillValue: number | null = null): NDArray {
  if (idx.ndim !== x.ndim || idx.shape.some((s, i) => i !== axis && s !== x.shape[i])) {
    throw new ShapeError(`gatherAlongAxis: indices ${showShape(idx.shape)} must match operand ${showShape(x.shape)} on every axis but ${axis}.`);
  }
  const others = range(x.ndim).filter((d) => d !== axis);
  const dn: GatherDimensionNumbers = { offsetDims: [], collapsedSliceDims: [axis], startIndexMap: [axis], operandBatchingDims: others, startIndicesBatchingDims: others };
  return bind1(gatherP, [x, S.reshape(idx, [...idx.shape, 1])], { dimensionNumbers: dn, sliceSizes: x.shape.map(() => 1), mode, fillValue });
}

