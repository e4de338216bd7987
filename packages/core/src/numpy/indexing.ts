// NumPy-style basic indexing for `x.slice(...)` and `x.at(...).set/add/...`.
// Accepted items, one per axis unless noted:
//   n            integer (negative counts from the end); removes the axis
//   ":"          the whole axis;   "a:b", "a:b:s", "::-1" ... Python slice strings
//   [a, b, s?]   a slice as a tuple (null for a default)
//   null         newaxis (inserts an axis of size 1; consumes no input axis)
//   "..."        ellipsis: as many ":" as needed
//   NDArray      integer index array (NumPy advanced indexing, see advancedIndexing.ts): reads
//                clamp out-of-bounds indices (JAX), updates drop them
import { NDArray, type ArrayLike, type IndexItem } from "../array/ndarray.js";
import { ShapeError } from "../errors.js";
import { ShapedArray } from "../array/aval.js";
import * as S from "../primitives/structural.js";
import * as E from "../primitives/elementwise.js";
import { resultKind, toKind, asarray } from "./convert.js";
import { advancedIndex, advancedUpdate, hasArrayIndex } from "./advancedIndexing.js";

interface AxisSlice { kind: "slice"; start: number; count: number; step: number }
interface AxisInt { kind: "int"; index: number }
interface AxisNew { kind: "new" }
type Resolved = AxisSlice | AxisInt | AxisNew;

function parseSliceString(s: string): [number | null, number | null, number | null] {
  const parts = s.split(":").map((p) => (p.trim() === "" ? null : Number(p)));
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p !== null && !Number.isInteger(p))) throw new ShapeError(`slice: cannot parse index "${s}"; use "start:stop:step" with integers.`);
  return [parts[0]!, parts[1]!, parts[2] ?? null];
}

/** Python's slice.indices: normalised start and element count for an axis of `size`. */
function sliceIndices(size: number, start: number | null, stop: number | null, step: number | null): AxisSlice {
  const st = step ?? 1;
  if (st === 0) throw new ShapeError("slice: step cannot be zero.");
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  let a: number, b: number;
  if (st > 0) {
    a = start === null ? 0 : clamp(start < 0 ? start + size : start, 0, size);
    b = stop === null ? size : clamp(stop < 0 ? stop + size : stop, 0, size);
  } else {
    a = start === null ? size - 1 : clamp(start < 0 ? start + size : start, -1, size - 1);
    b = stop === null ? -1 : clamp(stop < 0 ? stop + size : stop, -1, size - 1);
  }
  const count = st > 0 ? Math.max(0, Math.ceil((b - a) / st)) : Math.max(0, Math.ceil((a - b) / -st));
  return { kind: "slice", start: a, count, step: st };
}

function resolve(shape: readonly number[], index: readonly IndexItem[]): Resolved[] {
  const consumes = (it: IndexItem) => it !== null && it !== "...";
  const nEll = index.filter((i) => i === "...").length;
  if (nEll > 1) throw new ShapeError("slice: an index can only have a single ellipsis ('...').");
  const used = index.filter(consumes).length;
  if (used > shape.length) throw new ShapeError(`slice: too many indices (${used}) for an array of rank ${shape.length} (shape [${shape}]).`);
  const out: Resolved[] = [];
  let axis = 0;
  const full = () => ({ kind: "slice", start: 0, count: shape[axis]!, step: 1 }) as AxisSlice;
  for (const it of index) {
    if (it === null) { out.push({ kind: "new" }); continue; }
    if (it === "...") {
      for (let k = 0; k < shape.length - used; k++) { out.push(full()); axis++; }
      continue;
    }
    const size = shape[axis]!;
    if (typeof it === "number") {
      if (!Number.isInteger(it) || it < -size || it >= size) throw new ShapeError(`slice: index ${it} is out of bounds for axis ${axis} with size ${size}.`);
      out.push({ kind: "int", index: it < 0 ? it + size : it });
    } else if (typeof it === "string") {
      out.push(it === ":" ? full() : sliceIndices(size, ...parseSliceString(it)));
    } else if (it instanceof NDArray) {
      throw new ShapeError("slice: array indices (gather) are not supported by basic indexing; use np.take or np.takeAlongAxis.");
    } else {
      const [a, b, s] = it as readonly [number | null, (number | null)?, (number | null)?];
      out.push(sliceIndices(size, a, b ?? null, s ?? null));
    }
    axis++;
  }
  while (axis < shape.length) { out.push(full()); axis++; }
  return out;
}

export function indexArray(x: NDArray, index: readonly IndexItem[]): NDArray {
  if (hasArrayIndex(index)) return advancedIndex(x, index, indexArray);
  const r = resolve(x.shape, index);
  let y = x;
  const axes = r.filter((a) => a.kind !== "new");
  // Negative steps: reverse the axis and re-express as a positive-step slice.
  const revAxes: number[] = [];
  const start: number[] = [];
  const limit: number[] = [];
  const strides: number[] = [];
  axes.forEach((a, d) => {
    const size = x.shape[d]!;
    if (a.kind === "int") { start.push(a.index); limit.push(a.index + 1); strides.push(1); return; }
    const s = a as AxisSlice;
    let st = s.start;
    let step = s.step;
    if (step < 0) { revAxes.push(d); st = size - 1 - s.start; step = -step; }
    start.push(s.count ? st : 0);
    limit.push(s.count ? st + (s.count - 1) * step + 1 : 0);
    strides.push(step);
  });
  if (revAxes.length) y = S.rev(y, revAxes);
  y = S.slice(y, start, limit, strides.every((v) => v === 1) ? null : strides);
  const shape: number[] = [];
  let d = 0;
  for (const a of r) {
    if (a.kind === "new") shape.push(1);
    else { if (a.kind === "slice") shape.push(y.shape[d]!); d++; }
  }
  return S.reshape(y, shape);
}

/** Functional update of a basic-indexed region, built from pad + select (no scatter needed). */
export function updateArray(x: NDArray, index: readonly IndexItem[], mode: "set" | "add" | "mul" | "min" | "max", value: ArrayLike): NDArray {
  if (hasArrayIndex(index)) return advancedUpdate(x, index, indexArray, mode, value);
  const r = resolve(x.shape, index).filter((a) => a.kind !== "new");
  const lo: number[] = [];
  const hi: number[] = [];
  const interior: number[] = [];
  const region: number[] = [];
  r.forEach((a, d) => {
    const size = x.shape[d]!;
    let start: number, count: number, step: number;
    if (a.kind === "int") { start = a.index; count = 1; step = 1; } else {
      const s = a as AxisSlice;
      if (s.step < 0) throw new ShapeError("at: negative-step slices are not supported in updates; flip the value instead.");
      start = s.start; count = s.count; step = s.step;
    }
    region.push(count);
    lo.push(start);
    interior.push(step - 1);
    hi.push(size - (count ? start + (count - 1) * step + 1 : start));
  });
  const k = resultKind([x, value]);
  const v0 = toKind(value, { dtype: x.dtype, weakType: x.weakType && k.weakType });
  // The value broadcasts against the indexed shape (integer-indexed axes removed), as in NumPy.
  const indexedShape = region.filter((_, d) => r[d]!.kind !== "int");
  if (v0.ndim > indexedShape.length) throw new ShapeError(`at: value of shape [${v0.shape}] does not fit the indexed region [${indexedShape}].`);
  const v = S.reshape(S.broadcastTo(v0, indexedShape), region);
  if (region.some((c) => c === 0)) return x;
  const scalar = (val: number, dt: ShapedArray["dtype"]) => E.scalar(val, dt);
  const mask = S.pad(E.full(region, 1, "bool"), scalar(0, "bool"), lo, hi, interior);
  const padded = S.pad(v, scalar(0, x.dtype), lo, hi, interior);
  let updated: NDArray;
  switch (mode) {
    case "set": updated = padded; break;
    case "add": updated = E.add(x, padded); break;
    case "mul": updated = E.mul(x, padded); break;
    case "min": updated = E.min(x, padded); break;
    case "max": updated = E.max(x, padded); break;
  }
  return S.selectN(mask, x, updated);
}
void asarray;
