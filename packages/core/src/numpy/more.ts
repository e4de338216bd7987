// NumPy breadth over the indexing, sorting and cumulative primitives: prod and cumulative ops,
// take/takeAlongAxis, pad, sort/argsort, tile/repeat/split/roll, meshgrid, cross, kron,
// countNonzero, NaN-aware reductions, searchsorted and diff. (Nothing here has a data-dependent shape.)
import { NDArray, type ArrayLike, type NestedNumbers } from "../array/ndarray.js";
import { type DType, castScalar, isFloat, isInteger } from "../dtype.js";
import { ConcretizationError, DTypeError, ShapeError } from "../errors.js";
import { broadcastShapes, normalizeAxes, normalizeAxis } from "../shape.js";
import { Tracer, bind1 } from "../trace/core.js";
import * as E from "../primitives/elementwise.js";
import * as S from "../primitives/structural.js";
import * as R from "../primitives/reductions.js";
import * as C from "../primitives/cumulative.js";
import { reduceProd } from "../primitives/reduceProd.js";
import { sort as laxSort } from "../primitives/sorting.js";
import { type GatherDimensionNumbers, type GatherMode, gatherAlongAxis, gatherP } from "../primitives/indexing.js";
import { asarray, kindOf, resultKind, toKind } from "./convert.js";

type Axis = number | readonly number[] | null | undefined;
const range = (n: number): number[] => [...Array(n).keys()];
const arr = (x: ArrayLike): NDArray => toKind(x, kindOf(x));
const floatOf = (x: NDArray): NDArray => (isFloat(x.dtype) ? x : S.convert(x, "float32"));
const isNan = (x: NDArray): NDArray => (isFloat(x.dtype) ? E.ne(x, x) : E.full(x.shape, 0, "bool"));
const not = (x: NDArray): NDArray => bind1(E.notP, [x]);
const and = (a: NDArray, b: NDArray): NDArray => bind1(E.andP, [a, b]);
const or = (a: NDArray, b: NDArray): NDArray => bind1(E.orP, [a, b]);
/** where(cond, a, b) on equal shapes. */
const select = (cond: NDArray, a: NDArray, b: NDArray): NDArray => S.selectN(cond, b, a);

function keepDims(x: NDArray, r: NDArray, axes: readonly number[], keepdims: boolean): NDArray {
  return keepdims ? S.reshape(r, x.shape.map((d, i) => (axes.includes(i) ? 1 : d))) : r;
}
function flatOrAxis(op: string, x: NDArray, axis: number | null | undefined): [NDArray, number] {
  if (axis === null || axis === undefined) return [S.reshape(x, [x.size]), 0];
  return [x, normalizeAxis(op, axis, x.ndim)];
}
function sumOf(x: NDArray, axes: readonly number[], keepdims: boolean): NDArray {
  const a = x.dtype === "bool" ? S.convert(x, "int32") : x;
  return keepDims(a, R.reduceSum(a, axes), axes, keepdims);
}

// ---------------------------------------------------------------- products and cumulative ops
/** Product over `axis` (all axes by default); bool counts as int32, as in JAX. */
export function prod(x: ArrayLike, axis?: Axis, keepdims = false, dtype?: DType): NDArray {
  let a = arr(x);
  if (dtype) a = S.convert(a, dtype);
  else if (a.dtype === "bool") a = S.convert(a, "int32");
  const axes = normalizeAxes("prod", axis, a.ndim);
  return keepDims(a, reduceProd(a, axes), axes, keepdims);
}

function cumulativeOf(name: string, op: (x: NDArray, axis: number, reverse: boolean) => NDArray, nanIdentity: number | null) {
  return (x: ArrayLike, axis: number | null = null, dtype?: DType): NDArray => {
    let a = arr(x);
    if (dtype) a = S.convert(a, dtype);
    else if (a.dtype === "bool") a = S.convert(a, "int32");
    if (nanIdentity !== null) a = select(isNan(a), E.fullLike(a, nanIdentity), a);
    const [b, ax] = flatOrAxis(name, a, axis);
    return op(b, ax, false);
  };
}
/** Cumulative sum; `axis = null` (the default) works on the flattened array, as NumPy. */
export const cumsum = cumulativeOf("cumsum", C.cumsum, null);
export const cumprod = cumulativeOf("cumprod", C.cumprod, null);
/** Cumulative sum treating NaN as zero. */
export const nancumsum = cumulativeOf("nancumsum", C.cumsum, 0);
export const nancumprod = cumulativeOf("nancumprod", C.cumprod, 1);
export { cumsum as cumulativeSum, cumprod as cumulativeProd };

// ---------------------------------------------------------------- take / takeAlongAxis
/** Out-of-bounds index handling of take/takeAlongAxis: "fill" (JAX's default: NaN / int min), "clip", "wrap". */
export type TakeMode = "fill" | "clip" | "wrap";

function allIntegers(x: NestedNumbers): boolean {
  return Array.isArray(x) ? x.every((v) => allIntegers(v as NestedNumbers)) : typeof x === "number" && Number.isInteger(x);
}
/** Integer index arrays: NDArrays must already be integer-typed; JS numbers must be integers. */
export function indexArrayOf(op: string, indices: ArrayLike): NDArray {
  if (indices instanceof NDArray) {
    if (!isInteger(indices.dtype)) throw new DTypeError(`${op}: indices must have an integer dtype, got ${indices.dtype}; convert them with .astype("int32") (boolean masks have data-dependent shapes; use np.where).`);
    return S.convert(indices, "int32");
  }
  if (typeof indices === "boolean" || (typeof indices !== "number" && !Array.isArray(indices) && !(indices instanceof Int32Array) && !(indices instanceof Uint32Array))) {
    throw new DTypeError(`${op}: indices must be integers.`);
  }
  if ((typeof indices === "number" || Array.isArray(indices)) && !allIntegers(indices as NestedNumbers)) throw new DTypeError(`${op}: indices must be integers, got ${JSON.stringify(indices)}.`);
  return asarray(indices, "int32");
}
/** Maps NumPy indices (negative from the end) to gather start indices for `mode`. */
function normalizeIndex(idx: NDArray, n: number, mode: TakeMode): NDArray {
  if (mode === "clip") return idx;
  const nArr = E.fullLike(idx, n);
  const zero = E.fullLike(idx, 0);
  if (mode === "fill") return select(E.lt(idx, zero), E.add(idx, nArr), idx);
  const r = E.rem(idx, nArr);
  return select(E.lt(r, zero), E.add(r, nArr), r);
}
function checkTakeMode(op: string, mode: TakeMode): GatherMode {
  if (mode !== "fill" && mode !== "clip" && mode !== "wrap") throw new ShapeError(`${op}: unknown mode "${String(mode)}"; use "fill", "clip" or "wrap".`);
  return mode === "fill" ? "fill" : "clip";
}

/**
 * Elements of `a` at `indices` along `axis` (flattened when null): output shape
 * a.shape[:axis] + indices.shape + a.shape[axis+1:]. Negative indices count from the end.
 */
export function take(a: ArrayLike, indices: ArrayLike, axis: number | null = null, mode: TakeMode = "fill", fillValue?: number): NDArray {
  const gmode = checkTakeMode("take", mode);
  const [x, ax] = flatOrAxis("take", arr(a), axis);
  const idx0 = indexArrayOf("take", indices);
  const n = x.shape[ax]!;
  const outShape = [...x.shape.slice(0, ax), ...idx0.shape, ...x.shape.slice(ax + 1)];
  if (n === 0) {
    if (idx0.size === 0 || mode === "fill") return E.full(outShape, idx0.size === 0 ? 0 : fillValue ?? NaN, x.dtype);
    throw new ShapeError(`take: cannot take from the empty axis ${ax} of an array of shape [${x.shape}] in mode "${mode}".`);
  }
  const idx = normalizeIndex(idx0, n, mode);
  const r = idx.ndim;
  const dn: GatherDimensionNumbers = {
    offsetDims: [...range(ax), ...range(x.ndim - ax - 1).map((i) => ax + r + i)],
    collapsedSliceDims: [ax], startIndexMap: [ax], operandBatchingDims: [], startIndicesBatchingDims: [],
  };
  return bind1(gatherP, [x, S.reshape(idx, [...idx.shape, 1])], {
    dimensionNumbers: dn, sliceSizes: x.shape.map((s, i) => (i === ax ? 1 : s)), mode: gmode, fillValue: gmode === "fill" && fillValue !== undefined ? fillValue : null,
  });
}

/** NumPy's take_along_axis: `indices` has a's rank; the other axes broadcast against a's. */
export function takeAlongAxis(a: ArrayLike, indices: ArrayLike, axis: number | null, mode: TakeMode = "fill", fillValue?: number): NDArray {
  const gmode = checkTakeMode("takeAlongAxis", mode);
  let x = arr(a);
  let idx = indexArrayOf("takeAlongAxis", indices);
  let ax: number;
  if (axis === null) {
    x = S.reshape(x, [x.size]);
    if (idx.ndim !== 1) throw new ShapeError(`takeAlongAxis: with axis=null the indices must be 1-D, got shape [${idx.shape}].`);
    ax = 0;
  } else {
    ax = normalizeAxis("takeAlongAxis", axis, x.ndim);
    if (idx.ndim !== x.ndim) throw new ShapeError(`takeAlongAxis: indices of shape [${idx.shape}] and array of shape [${x.shape}] must have the same number of dimensions.`);
  }
  const others = broadcastShapes("takeAlongAxis", x.shape.filter((_, i) => i !== ax), idx.shape.filter((_, i) => i !== ax));
  const full = (n: number) => { const s = [...others]; s.splice(ax, 0, n); return s; };
  const n = x.shape[ax]!;
  x = S.broadcastInDim(x, full(n), range(x.ndim));
  idx = S.broadcastInDim(idx, full(idx.shape[ax]!), range(idx.ndim));
  if (n === 0) {
    if (idx.size === 0 || mode === "fill") return E.full(idx.shape, idx.size === 0 ? 0 : fillValue ?? NaN, x.dtype);
    throw new ShapeError(`takeAlongAxis: cannot take from the empty axis ${ax} of an array of shape [${x.shape}] in mode "${mode}".`);
  }
  return gatherAlongAxis(x, normalizeIndex(idx, n, mode), ax, gmode, gmode === "fill" && fillValue !== undefined ? fillValue : null);
}

// ---------------------------------------------------------------- pad
export type PadMode = "constant" | "edge" | "reflect" | "symmetric" | "wrap" | "maximum" | "minimum" | "mean" | "median" | "linear_ramp" | "empty";
/** A per-axis (before, after) spec, broadcast as NumPy broadcasts it to shape (ndim, 2). */
export type PadSpec = number | readonly number[] | readonly (readonly number[])[];
export interface PadOptions {
  /** "constant": the fill values (default 0). */
  constantValues?: PadSpec;
  /** "linear_ramp": the values at the outer edges (default 0). */
  endValues?: PadSpec;
  /** "maximum"/"minimum"/"mean"/"median": how many edge values the statistic uses (default: the whole axis). */
  statLength?: PadSpec | null;
}

function perAxisPairs(op: string, what: string, spec: PadSpec, ndim: number): [number, number][] {
  const bad = () => new ShapeError(`${op}: ${what} ${JSON.stringify(spec)} cannot be broadcast to (${ndim}, 2) (one (before, after) pair per axis).`);
  if (typeof spec === "number") return range(ndim).map(() => [spec, spec]);
  if (spec.length === 0) throw bad();
  if (typeof spec[0] === "number") {
    const flat = spec as readonly number[];
    if (flat.length === 1) return range(ndim).map(() => [flat[0]!, flat[0]!]);
    if (flat.length === 2) return range(ndim).map(() => [flat[0]!, flat[1]!]);
    throw bad();
  }
  const rows = spec as readonly (readonly number[])[];
  if (rows.length !== 1 && rows.length !== ndim) throw bad();
  return range(ndim).map((d) => {
    const row = rows[rows.length === 1 ? 0 : d]!;
    if (!Array.isArray(row) || (row.length !== 1 && row.length !== 2)) throw bad();
    return [row[0]!, row[row.length - 1]!];
  });
}

/** Source index (into an axis of length n) of padded position j ∈ [-lo, n + hi) for the index-based modes. */
function sourceIndex(mode: "edge" | "reflect" | "symmetric" | "wrap", j: number, n: number): number {
  const mod = (a: number, m: number) => ((a % m) + m) % m;
  switch (mode) {
    case "edge": return Math.min(Math.max(j, 0), n - 1);
    case "wrap": return mod(j, n);
    case "symmetric": { const m = mod(j, 2 * n); return m < n ? m : 2 * n - 1 - m; }
    case "reflect": {
      if (n === 1) return 0;
      const m = mod(j, 2 * n - 2);
      return m < n ? m : 2 * n - 2 - m;
    }
  }
}

/** NumPy's np.pad, one axis at a time (so corners come from the later axes, as NumPy's). */
export function pad(x: ArrayLike, padWidth: PadSpec, mode: PadMode = "constant", options: PadOptions = {}): NDArray {
  let y = arr(x);
  const nd = y.ndim;
  const widths = perAxisPairs("pad", "padWidth", padWidth, nd);
  for (const [lo, hi] of widths) {
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || hi < 0) throw new ShapeError(`pad: padWidth ${JSON.stringify(padWidth)} must be non-negative integers.`);
  }
  const modes: readonly PadMode[] = ["constant", "edge", "reflect", "symmetric", "wrap", "maximum", "minimum", "mean", "median", "linear_ramp", "empty"];
  if (!modes.includes(mode)) throw new ShapeError(`pad: unknown mode "${String(mode)}"; use one of ${modes.join(", ")}.`);
  const constants = perAxisPairs("pad", "constantValues", options.constantValues ?? 0, nd);
  const ends = perAxisPairs("pad", "endValues", options.endValues ?? 0, nd);
  const stats = options.statLength === undefined || options.statLength === null ? null : perAxisPairs("pad", "statLength", options.statLength, nd);
  for (let d = 0; d < nd; d++) {
    const [lo, hi] = widths[d]!;
    if (lo === 0 && hi === 0) continue;
    const n = y.shape[d]!;
    if (mode === "constant" || mode === "empty") {
      const [cLo, cHi] = mode === "empty" ? [0, 0] : constants[d]!;
      const cfg = (l: number, h: number) => [y.shape.map((_, i) => (i === d ? l : 0)), y.shape.map((_, i) => (i === d ? h : 0)), y.shape.map(() => 0)] as const;
      y = S.pad(y, E.scalar(castScalar(cLo, y.dtype), y.dtype), ...cfg(lo, 0));
      y = S.pad(y, E.scalar(castScalar(cHi, y.dtype), y.dtype), ...cfg(0, hi));
      continue;
    }
    if (n === 0) throw new ShapeError(`pad: cannot extend the empty axis ${d} of an array of shape [${y.shape}] in mode "${mode}".`);
    if (mode === "edge" || mode === "reflect" || mode === "symmetric" || mode === "wrap") {
      const src = range(lo + n + hi).map((j) => sourceIndex(mode, j - lo, n));
      y = take(y, asarray(src, "int32"), d, "clip");
      continue;
    }
    const block = (part: NDArray, width: number) => S.broadcastInDim(part, y.shape.map((s, i) => (i === d ? width : s)), range(nd));
    if (mode === "linear_ramp") {
      // NumPy: linspace(end, edge, width, endpoint=False) before the array and its mirror after it.
      const [eLo, eHi] = ends[d]!;
      const f = floatOf(y);
      const ramp = (edge: NDArray, end: number, width: number, outward: boolean) => {
        const w = range(width).map((i) => (outward ? width - 1 - i : i) / width);
        const shape = y.shape.map((s, i) => (i === d ? width : 1));
        const t = S.broadcastInDim(S.reshape(asarray(w, f.dtype), shape), y.shape.map((s, i) => (i === d ? width : s)), range(nd));
        const e = block(edge, width);
        const endArr = E.fullLike(e, end);
        return E.add(endArr, E.mul(E.sub(e, endArr), t));
      };
      const parts = [ramp(S.sliceAxis(f, d, 0, 1), eLo, lo, false), f, ramp(S.sliceAxis(f, d, n - 1, n), eHi, hi, true)];
      y = S.convert(S.concatenate(parts.filter((p) => p.shape[d]! > 0), d), y.dtype);
      continue;
    }
    const [lLo, lHi] = stats ? stats[d]! : [n, n];
    const statOf = (part: NDArray): NDArray => {
      switch (mode) {
        case "maximum": return keepDims(part, bind1(R.reduceMaxP, [part], { axes: [d] }), [d], true);
        case "minimum": return keepDims(part, bind1(R.reduceMinP, [part], { axes: [d] }), [d], true);
        case "mean": {
          const m = E.div(R.reduceSum(floatOf(part), [d]), E.full(part.shape.filter((_, i) => i !== d), part.shape[d]!, floatOf(part).dtype));
          return keepDims(part, isFloat(y.dtype) ? m : S.convert(bind1(E.roundP, [m]), y.dtype), [d], true);
        }
        default: return S.convert(quantileAlong(part, d), y.dtype);
      }
    };
    const first = S.sliceAxis(y, d, 0, Math.min(Math.max(lLo, 1), n));
    const last = S.sliceAxis(y, d, n - Math.min(Math.max(lHi, 1), n), n);
    y = S.concatenate([block(statOf(first), lo), y, block(statOf(last), hi)], d);
  }
  return y;
}
/** Median along `axis` keeping it as size 1 (for pad's "median" mode). */
function quantileAlong(x: NDArray, axis: number): NDArray {
  const f = floatOf(x);
  const n = f.shape[axis]!;
  const [s] = laxSort([f], axis);
  const lo = S.sliceAxis(s!, axis, (n - 1) >> 1, ((n - 1) >> 1) + 1);
  const hi = S.sliceAxis(s!, axis, n >> 1, (n >> 1) + 1);
  return E.mul(E.add(lo, hi), E.fullLike(lo, 0.5));
}

// ---------------------------------------------------------------- sorting
/** Sorted copy along `axis` (flattened when null); NaNs last, as NumPy. */
export function sort(a: ArrayLike, axis: number | null = -1): NDArray {
  const [x, ax] = flatOrAxis("sort", arr(a), axis);
  return laxSort([x], ax)[0]!;
}
export interface ArgsortOptions { stable?: boolean; descending?: boolean }
/** Indices that sort `a` along `axis` (int32); always stable; `descending` keeps ties in original order. */
export function argsort(a: ArrayLike, axis: number | null = -1, options: ArgsortOptions = {}): NDArray {
  const [x, ax] = flatOrAxis("argsort", arr(a), axis);
  const pos = S.iota("int32", x.shape, ax);
  if (!options.descending) return laxSort([x, pos], ax)[1]!;
  // Sort the reversed array with reversed positions, then reverse back: descending and still stable.
  const [, p] = laxSort([S.rev(x, [ax]), S.rev(pos, [ax])], ax);
  return S.rev(p!, [ax]);
}

// ---------------------------------------------------------------- tile / repeat / split / roll
export function tile(a: ArrayLike, reps: number | readonly number[]): NDArray {
  const x = arr(a);
  const r = typeof reps === "number" ? [reps] : [...reps];
  if (r.some((v) => !Number.isInteger(v) || v < 0)) throw new ShapeError(`tile: reps ${JSON.stringify(reps)} must be non-negative integers.`);
  const nd = Math.max(x.ndim, r.length);
  const xs = [...Array(nd - x.ndim).fill(1), ...x.shape] as number[];
  const rs = [...Array(nd - r.length).fill(1), ...r] as number[];
  const inter = xs.flatMap((s, i) => [rs[i]!, s]);
  const y = S.broadcastInDim(S.reshape(x, xs), inter, range(nd).map((i) => 2 * i + 1));
  return S.reshape(y, xs.map((s, i) => s * rs[i]!));
}

function concreteInts(op: string, v: ArrayLike): number[] {
  if (v instanceof Tracer && !v.toConcrete()) throw new ConcretizationError(`${op}: the repeat counts decide the output shape, so they must be concrete (not traced); pass JS numbers.`);
  const a = v instanceof NDArray ? v : asarray(v, "int32");
  const vals = Array.from(a.dataSync());
  if (vals.some((c) => !Number.isInteger(c) || c < 0)) throw new ShapeError(`${op}: repeats must be non-negative integers, got [${vals}].`);
  return vals;
}
/** Repeats each element `repeats` times along `axis` (flattened when null). */
export function repeat(a: ArrayLike, repeats: number | readonly number[] | NDArray, axis: number | null = null): NDArray {
  const [x, ax] = flatOrAxis("repeat", arr(a), axis);
  const n = x.shape[ax]!;
  const counts = typeof repeats === "number" ? [repeats] : concreteInts("repeat", repeats as ArrayLike);
  if (typeof repeats === "number" && (!Number.isInteger(repeats) || repeats < 0)) throw new ShapeError(`repeat: repeats must be a non-negative integer, got ${repeats}.`);
  if (counts.length === 1) {
    const r = counts[0]!;
    const expanded = [...x.shape.slice(0, ax + 1), r, ...x.shape.slice(ax + 1)];
    const y = S.broadcastInDim(x, expanded, range(x.ndim).map((i) => (i <= ax ? i : i + 1)));
    return S.reshape(y, x.shape.map((s, i) => (i === ax ? s * r : s)));
  }
  if (counts.length !== n) throw new ShapeError(`repeat: ${counts.length} repeat counts for an axis of size ${n}; pass one count per element (or a single count).`);
  const src = counts.flatMap((c, i) => Array<number>(c).fill(i));
  return take(x, asarray(src, "int32"), ax, "clip");
}

function splitBounds(op: string, n: number, spec: number | readonly number[], even: boolean): [number, number][] {
  if (typeof spec === "number") {
    if (!Number.isInteger(spec) || spec <= 0) throw new ShapeError(`${op}: the number of sections must be a positive integer, got ${spec}.`);
    if (even && n % spec !== 0) throw new ShapeError(`${op}: an axis of size ${n} does not split into ${spec} equal sections; use arraySplit for unequal parts.`);
    const base = Math.floor(n / spec);
    const extra = n % spec;
    const out: [number, number][] = [];
    let s = 0;
    for (let i = 0; i < spec; i++) { const len = base + (i < extra ? 1 : 0); out.push([s, s + len]); s += len; }
    return out;
  }
  const norm = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
  const cuts = [0, ...spec.map(norm), n];
  return cuts.slice(0, -1).map((c, i) => [c, Math.max(c, cuts[i + 1]!)]);
}
/** Splits into equal sections (a count) or at the given indices along `axis`. */
export function split(a: ArrayLike, indicesOrSections: number | readonly number[], axis = 0): NDArray[] {
  const x = arr(a);
  const ax = normalizeAxis("split", axis, x.ndim);
  return splitBounds("split", x.shape[ax]!, indicesOrSections, true).map(([s, e]) => S.sliceAxis(x, ax, s, e));
}
/** As split, but a section count need not divide the axis (the first parts get one more element). */
export function arraySplit(a: ArrayLike, indicesOrSections: number | readonly number[], axis = 0): NDArray[] {
  const x = arr(a);
  const ax = normalizeAxis("arraySplit", axis, x.ndim);
  return splitBounds("arraySplit", x.shape[ax]!, indicesOrSections, false).map(([s, e]) => S.sliceAxis(x, ax, s, e));
}
export const hsplit = (a: ArrayLike, s: number | readonly number[]): NDArray[] => { const x = arr(a); return split(x, s, x.ndim === 1 ? 0 : 1); };
export const vsplit = (a: ArrayLike, s: number | readonly number[]): NDArray[] => split(a, s, 0);

/** Rolls elements along `axis` (flattened when null); shifts and axes broadcast as NumPy's. An NDArray shift may be traced. */
export function roll(a: ArrayLike, shift: number | readonly number[] | NDArray, axis?: number | readonly number[] | null): NDArray {
  const x = arr(a);
  if (axis === null || axis === undefined) {
    if (typeof shift !== "number" && !(shift instanceof NDArray && shift.ndim === 0)) throw new ShapeError("roll: with axis=null the shift must be a single number.");
    return S.reshape(roll(S.reshape(x, [x.size]), shift, 0), x.shape);
  }
  const axes = typeof axis === "number" ? [axis] : [...axis];
  if (shift instanceof NDArray) {
    if (shift.ndim !== 0 || axes.length !== 1) throw new ShapeError(`roll: an array shift must be a scalar with a single axis, got shift [${shift.shape}] and axis ${JSON.stringify(axis)}.`);
    const ax = normalizeAxis("roll", axes[0]!, x.ndim);
    const n = x.shape[ax]!;
    if (n === 0) return x;
    const s = S.convert(shift, "int32");
    const idx = normalizeIndex(E.sub(S.iota("int32", [n]), S.broadcastInDim(s, [n], [])), n, "wrap");
    return take(x, idx, ax, "clip");
  }
  const shifts = typeof shift === "number" ? [shift] : [...shift];
  const k = Math.max(shifts.length, axes.length);
  if ((shifts.length !== 1 && shifts.length !== k) || (axes.length !== 1 && axes.length !== k)) throw new ShapeError(`roll: shift ${JSON.stringify(shift)} and axis ${JSON.stringify(axis)} must broadcast together.`);
  const total = new Map<number, number>();
  for (let i = 0; i < k; i++) {
    const ax = normalizeAxis("roll", axes[axes.length === 1 ? 0 : i]!, x.ndim);
    total.set(ax, (total.get(ax) ?? 0) + shifts[shifts.length === 1 ? 0 : i]!);
  }
  let y = x;
  for (const [ax, sh] of total) {
    const n = y.shape[ax]!;
    if (n === 0) continue;
    const s = ((sh % n) + n) % n;
    if (s === 0) continue;
    y = S.concatenate([S.sliceAxis(y, ax, n - s, n), S.sliceAxis(y, ax, 0, n - s)], ax);
  }
  return y;
}

// ---------------------------------------------------------------- grids and products
export interface MeshgridOptions { indexing?: "xy" | "ij"; sparse?: boolean }
const isMeshgridOptions = (v: unknown): v is MeshgridOptions =>
  typeof v === "object" && v !== null && !(v instanceof NDArray) && !Array.isArray(v) && !ArrayBuffer.isView(v);
/** Coordinate grids from 1-D coordinate vectors; an options object may come last (`{ indexing: "ij" }`). */
export function meshgrid(...args: (ArrayLike | MeshgridOptions)[]): NDArray[] {
  const last = args[args.length - 1];
  const opts = isMeshgridOptions(last) ? last : {};
  const xs = (isMeshgridOptions(last) ? args.slice(0, -1) : args).map((v) => { const a = arr(v as ArrayLike); return S.reshape(a, [a.size]); });
  const indexing = opts.indexing ?? "xy";
  if (indexing !== "xy" && indexing !== "ij") throw new ShapeError(`meshgrid: indexing must be "xy" or "ij", got ${String(indexing)}.`);
  const axisOf = (i: number) => (indexing === "xy" && xs.length >= 2 && i < 2 ? 1 - i : i);
  const shape = new Array<number>(xs.length);
  xs.forEach((x, i) => (shape[axisOf(i)] = x.size));
  return xs.map((x, i) => {
    const ax = axisOf(i);
    if (opts.sparse) return S.reshape(x, shape.map((s, j) => (j === ax ? s : 1)));
    return S.broadcastInDim(x, shape, [ax]);
  });
}

export interface CrossOptions { axisa?: number; axisb?: number; axisc?: number; axis?: number }
/** Cross product of 3-vectors (or 2-vectors, giving the z component) along the given axes. */
export function cross(a: ArrayLike, b: ArrayLike, options: CrossOptions = {}): NDArray {
  const k = resultKind([a, b]);
  let x = toKind(a, k);
  let y = toKind(b, k);
  const axisa = options.axis ?? options.axisa ?? -1;
  const axisb = options.axis ?? options.axisb ?? -1;
  x = S.moveaxis(x, normalizeAxis("cross", axisa, x.ndim), x.ndim - 1);
  y = S.moveaxis(y, normalizeAxis("cross", axisb, y.ndim), y.ndim - 1);
  const na = x.shape[x.ndim - 1]!;
  const nb = y.shape[y.ndim - 1]!;
  if ((na !== 2 && na !== 3) || (nb !== 2 && nb !== 3)) throw new ShapeError(`cross: incompatible vector sizes ${na} and ${nb} (shapes [${x.shape}] and [${y.shape}] after moving the vector axes last); each must be 2 or 3.`);
  const batch = broadcastShapes("cross", x.shape.slice(0, -1), y.shape.slice(0, -1));
  const comp = (v: NDArray, i: number) => S.broadcastTo(S.reshape(S.sliceAxis(v, v.ndim - 1, i, i + 1), v.shape.slice(0, -1)), batch);
  const zero = E.full(batch, 0, k.dtype);
  const [a0, a1, a2] = [comp(x, 0), comp(x, 1), na === 3 ? comp(x, 2) : zero];
  const [b0, b1, b2] = [comp(y, 0), comp(y, 1), nb === 3 ? comp(y, 2) : zero];
  const cz = E.sub(E.mul(a0, b1), E.mul(a1, b0));
  if (na === 2 && nb === 2) return cz;
  const cx = E.sub(E.mul(a1, b2), E.mul(a2, b1));
  const cy = E.sub(E.mul(a2, b0), E.mul(a0, b2));
  const out = S.concatenate([cx, cy, cz].map((c) => S.reshape(c, [...batch, 1])), batch.length);
  const axisc = normalizeAxis("cross", options.axis ?? options.axisc ?? -1, out.ndim);
  return S.moveaxis(out, out.ndim - 1, axisc);
}

/** Kronecker product: blocks a[i] * b laid out on every axis. */
export function kron(a: ArrayLike, b: ArrayLike): NDArray {
  const [x0, y0] = [arr(a), arr(b)];
  const k = resultKind([x0, y0]);
  const x = toKind(x0, k);
  const y = toKind(y0, k);
  const nd = Math.max(x.ndim, y.ndim);
  const xs = [...Array(nd - x.ndim).fill(1), ...x.shape] as number[];
  const ys = [...Array(nd - y.ndim).fill(1), ...y.shape] as number[];
  const shape = xs.flatMap((s, i) => [s, ys[i]!]);
  const xb = S.broadcastInDim(S.reshape(x, xs), shape, range(nd).map((i) => 2 * i));
  const yb = S.broadcastInDim(S.reshape(y, ys), shape, range(nd).map((i) => 2 * i + 1));
  const p = x.dtype === "bool" ? and(xb, yb) : E.mul(xb, yb);
  return S.reshape(p, xs.map((s, i) => s * ys[i]!));
}

// ---------------------------------------------------------------- counting and NaN-aware reductions
export function countNonzero(a: ArrayLike, axis?: Axis, keepdims = false): NDArray {
  const x = arr(a);
  const nz = x.dtype === "bool" ? x : E.ne(x, E.fullLike(x, 0));
  const axes = normalizeAxes("countNonzero", axis, x.ndim);
  return keepDims(x, R.reduceSum(S.convert(nz, "int32"), axes), axes, keepdims);
}

const withoutNaN = (x: NDArray, v: number) => (isFloat(x.dtype) ? select(isNan(x), E.fullLike(x, v), x) : x);
/** Sum ignoring NaNs (all-NaN slices give 0). */
export function nansum(a: ArrayLike, axis?: Axis, keepdims = false, dtype?: DType): NDArray {
  let x = arr(a);
  if (dtype) x = S.convert(x, dtype);
  const axes = normalizeAxes("nansum", axis, x.ndim);
  return sumOf(withoutNaN(x, 0), axes, keepdims);
}
export function nanprod(a: ArrayLike, axis?: Axis, keepdims = false, dtype?: DType): NDArray {
  return prod(withoutNaN(dtype ? S.convert(arr(a), dtype) : arr(a), 1), axis, keepdims);
}
function nanCount(x: NDArray, axes: readonly number[], keepdims: boolean, dtype: DType): NDArray {
  return keepDims(x, R.reduceSum(S.convert(not(isNan(x)), dtype), axes), axes, keepdims);
}
/** Mean ignoring NaNs (all-NaN slices give NaN). */
export function nanmean(a: ArrayLike, axis?: Axis, keepdims = false): NDArray {
  const x = floatOf(arr(a));
  const axes = normalizeAxes("nanmean", axis, x.ndim);
  return E.div(sumOf(withoutNaN(x, 0), axes, keepdims), nanCount(x, axes, keepdims, x.dtype));
}
/** Variance ignoring NaNs, with `ddof` as NumPy. */
export function nanvar(a: ArrayLike, axis?: Axis, keepdims = false, ddof = 0): NDArray {
  const x = floatOf(arr(a));
  const axes = normalizeAxes("nanvar", axis, x.ndim);
  const m = S.broadcastInDim(nanmean(x, axes, true), x.shape, range(x.ndim));
  const d = withoutNaN(E.sub(x, m), 0);
  const cnt = nanCount(x, axes, keepdims, x.dtype);
  const dof = E.sub(cnt, E.fullLike(cnt, ddof));
  // NumPy: no degrees of freedom left (count <= ddof) gives NaN.
  return select(E.le(dof, E.fullLike(dof, 0)), E.fullLike(dof, NaN), E.div(sumOf(E.mul(d, d), axes, keepdims), dof));
}
export const nanstd = (a: ArrayLike, axis?: Axis, keepdims = false, ddof = 0): NDArray => E.sqrt(nanvar(a, axis, keepdims, ddof));
function nanExtreme(name: string, prim: typeof R.reduceMaxP, fill: number) {
  return (a: ArrayLike, axis?: Axis, keepdims = false): NDArray => {
    const x = arr(a);
    const axes = normalizeAxes(name, axis, x.ndim);
    for (const ax of axes) if (x.shape[ax] === 0) throw new ShapeError(`${name}: zero-size axis ${ax} of [${x.shape}] has no identity; pass a non-empty array.`);
    if (!isFloat(x.dtype) || !axes.length) return keepDims(x, axes.length ? bind1(prim, [x], { axes }) : x, axes, keepdims);
    const r = bind1(prim, [withoutNaN(x, fill)], { axes });
    const allNan = bind1(R.reduceAndP, [isNan(x)], { axes });
    return keepDims(x, select(allNan, E.fullLike(r, NaN), r), axes, keepdims);
  };
}
/** Maximum ignoring NaNs (all-NaN slices give NaN). */
export const nanmax = nanExtreme("nanmax", R.reduceMaxP, -Infinity);
export const nanmin = nanExtreme("nanmin", R.reduceMinP, Infinity);
function nanArg(name: string, prim: typeof R.argmaxP, fill: number) {
  return (a: ArrayLike, axis: number | null = null): NDArray => {
    const [x, ax] = flatOrAxis(name, arr(a), axis);
    return bind1(prim, [withoutNaN(x, fill)], { axis: ax, indexDtype: "int32" });
  };
}
export const nanargmax = nanArg("nanargmax", R.argmaxP, -Infinity);
export const nanargmin = nanArg("nanargmin", R.argminP, Infinity);
export {
  nansum as nanSum, nanmean as nanMean, nanprod as nanProd, nanvar as nanVar, nanstd as nanStd, nanmax as nanMax, nanmin as nanMin,
  nanargmax as nanArgmax, nanargmin as nanArgmin, nancumsum as nanCumsum, nancumprod as nanCumprod,
};

/** Peak to peak: max − min along `axis`. */
export function ptp(a: ArrayLike, axis?: Axis, keepdims = false): NDArray {
  const x = arr(a);
  const axes = normalizeAxes("ptp", axis, x.ndim);
  const mx = bind1(R.reduceMaxP, [x], { axes });
  const mn = bind1(R.reduceMinP, [x], { axes });
  return keepDims(x, E.sub(mx, mn), axes, keepdims);
}

// ---------------------------------------------------------------- searchsorted / diff
/** NaN-aware a < b: NaN sorts after every number (NumPy's order). */
function sortLess(a: NDArray, b: NDArray): NDArray {
  const lt = E.lt(a, b);
  return isFloat(a.dtype) ? or(lt, and(isNan(b), not(isNan(a)))) : lt;
}
/**
 * Insertion points of `v` into the sorted 1-D `a` (int32, shaped like v): "left" gives the first
 * suitable index, "right" the last. Compares every pair (no data-dependent control flow).
 */
export function searchsorted(a: ArrayLike, v: ArrayLike, side: "left" | "right" = "left", sorter?: ArrayLike): NDArray {
  if (side !== "left" && side !== "right") throw new ShapeError(`searchsorted: side must be "left" or "right", got ${String(side)}.`);
  let x0 = arr(a);
  if (x0.ndim !== 1) throw new ShapeError(`searchsorted: the sorted array must be 1-D, got shape [${x0.shape}].`);
  if (sorter !== undefined) x0 = take(x0, sorter, 0, "clip");
  const [x, q] = pairFor(x0, arr(v));
  const hits = side === "left" ? sortLess(x, q) : not(sortLess(q, x));
  return R.reduceSum(S.convert(hits, "int32"), [q.ndim - 1]);
}
/** The sorted vector and the queries, promoted and broadcast to [...v.shape, n]. */
function pairFor(sorted: NDArray, queries: NDArray): [NDArray, NDArray] {
  const k = resultKind([sorted, queries]);
  const s = toKind(sorted, k);
  const q = toKind(queries, k);
  const shape = [...q.shape, s.size];
  return [S.broadcastInDim(s, shape, [q.ndim]), S.broadcastInDim(q, shape, range(q.ndim))];
}

/** n-th discrete difference along `axis`, with optional values prepended/appended first. */
export function diff(a: ArrayLike, n = 1, axis = -1, prepend?: ArrayLike, append?: ArrayLike): NDArray {
  let x = arr(a);
  if (x.ndim === 0) throw new ShapeError("diff: needs at least a 1-D array.");
  if (!Number.isInteger(n) || n < 0) throw new ShapeError(`diff: order n must be a non-negative integer, got ${n}.`);
  const ax = normalizeAxis("diff", axis, x.ndim);
  const side = (v: ArrayLike) => {
    const t = arr(v);
    const shape = x.shape.map((s, i) => (i === ax ? (t.ndim === 0 ? 1 : t.shape[ax] ?? 1) : s));
    return t.ndim === 0 ? S.broadcastInDim(t, shape, []) : t;
  };
  if (prepend !== undefined || append !== undefined) {
    const parts = [prepend !== undefined ? side(prepend) : null, x, append !== undefined ? side(append) : null].filter((p): p is NDArray => p !== null);
    const k = resultKind(parts);
    x = S.concatenate(parts.map((p) => toKind(p, k)), ax);
  }
  for (let i = 0; i < n; i++) {
    const m = x.shape[ax]!;
    if (m === 0) break;
    const hi = S.sliceAxis(x, ax, 1, m);
    const lo = S.sliceAxis(x, ax, 0, m - 1);
    x = x.dtype === "bool" ? E.ne(hi, lo) : E.sub(hi, lo);
  }
  return x;
}
