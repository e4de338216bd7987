// gather and scatter (XLA dimension numbers, batching dims included) lowered into a compiled wasm
// program's driver as scalar loops, matching the js kernels of primitives/indexing.ts bit for bit.
import type { ShapedArray } from "../../array/aval.js";
import { type DType, bytesPerElement, typedArrayFor } from "../../dtype.js";
import type { JaxprEqn } from "../../ir/jaxpr.js";
import { type GatherParams, type ScatterCombine, type ScatterParams, defaultFill } from "../../primitives/indexing.js";
import { type CodeCtx, type CopyLevel, copyBytes, stridedCopy } from "./programCopy.js";

type Ref = number;

/** The slot fields the lowering reads or sets (program.ts's Slot has them). */
export interface SlotLike<S> {
  readonly aval: ShapedArray;
  readonly view?: unknown;
  sameBytesOk?: Set<S>;
}
/** What the lowering needs from the program compiler: fresh slots and their addresses. */
export interface LowerCtx<S extends SlotLike<S>> extends CodeCtx {
  newSlot(aval: ShapedArray): S;
  /** An address expression for `s` (scan slices read in place included). */
  ptr(s: S): Ref;
  /** `s`'s fixed arena address (not for scan slices); valid once the arena is laid out, i.e. at emit time. */
  addr(s: S): number;
}
export type Lowered<S> = { emit: () => Ref; outs: S[] } | null;

/** One loop level over several pointers at once: `count` steps, pointer i advancing `strides[i]` bytes. */
interface Level { readonly count: number; readonly strides: readonly number[] }

const range = (n: number): number[] => [...Array(n).keys()];
/** Row-major strides of `shape` in units of `unit` (bytes or elements). */
function strides(shape: readonly number[], unit: number): number[] {
  const s = shape.map(() => 0);
  let acc = unit;
  for (let d = shape.length - 1; d >= 0; d--) { s[d] = acc; acc *= shape[d]!; }
  return s;
}
/** Drops size-1 levels and merges an outer level into the next when it just continues it (fewer loops). */
function mergeLevels(levels: readonly Level[]): Level[] {
  const out: Level[] = [];
  for (const l of levels) {
    if (l.count === 1) continue;
    const prev = out[out.length - 1];
    if (prev && prev.strides.every((s, i) => s === l.count * l.strides[i]!)) out[out.length - 1] = { count: prev.count * l.count, strides: l.strides };
    else out.push(l);
  }
  return out;
}

/**
 * Nested loops over `levels` (outermost first) advancing pointer locals that start at `bases`;
 * `body` gets getters for the current pointers. Any empty level makes the whole nest a nop.
 */
function loopNest(cx: CodeCtx, bases: readonly (() => Ref)[], levels: readonly Level[], body: (ptrs: readonly (() => Ref)[]) => Ref): Ref {
  const { m, bin } = cx;
  if (levels.some((l) => l.count === 0)) return m.nop();
  const live = mergeLevels(levels);
  const nest = (ptrs: readonly (() => Ref)[], depth: number): Ref => {
    if (depth === live.length) return body(ptrs);
    const lv = live[depth]!;
    const locals = ptrs.map(() => cx.newLocal(bin.i32));
    const n = cx.newLocal(bin.i32);
    const label = `idx${n}`;
    const get = locals.map((l) => () => m.local.get(l, bin.i32));
    return m.block(null, [
      ...locals.map((l, i) => m.local.set(l, ptrs[i]!())),
      m.local.set(n, m.i32.const(lv.count)),
      m.loop(label, m.block(null, [
        nest(get, depth + 1),
        ...locals.map((l, i) => m.local.set(l, m.i32.add(get[i]!(), m.i32.const(lv.strides[i]!)))),
        m.local.set(n, m.i32.sub(m.local.get(n, bin.i32), m.i32.const(1))),
        m.br(label, m.local.get(n, bin.i32)),
      ])),
    ]);
  };
  return nest(bases, 0);
}

/** Copy levels of a window (one level per window axis) with a contiguous innermost run merged away. */
function windowCopy(dstStrides: readonly number[], srcStrides: readonly number[], counts: readonly number[], eb: number): { levels: CopyLevel[]; runBytes: number } {
  const merged = mergeLevels(counts.map((c, j) => ({ count: c, strides: [dstStrides[j]!, srcStrides[j]!] })));
  const last = merged[merged.length - 1];
  if (last && last.strides[0] === eb && last.strides[1] === eb) {
    return { levels: merged.slice(0, -1).map((l) => ({ count: l.count, dstStride: l.strides[0]!, srcStride: l.strides[1]! })), runBytes: last.count * eb };
  }
  return { levels: merged.map((l) => ({ count: l.count, dstStride: l.strides[0]!, srcStride: l.strides[1]! })), runBytes: eb };
}


/** Stores the element `value` (converted exactly as a typed array of `dtype` converts it) at `at`. */
function storeConstant(cx: CodeCtx, dtype: DType, value: number, at: Ref): Ref {
  const { m } = cx;
  const cell = typedArrayFor(dtype, 1);
  cell[0] = value;
  const bytes = new Uint8Array(cell.buffer, cell.byteOffset, bytesPerElement(dtype));
  const word = (o: number) => (bytes[o]! | (bytes[o + 1]! << 8) | (bytes[o + 2]! << 16) | (bytes[o + 3]! << 24)) | 0;
  if (bytes.length === 8) return m.i64.store(0, 1, at, m.i64.const(word(0), word(4)));
  if (bytes.length === 4) return m.i32.store(0, 1, at, m.i32.const(word(0)));
  return m.i32.store8(0, 1, at, m.i32.const(bytes[0]!));
}

/**
 * The start offset (bytes) of the window for the index vector at `idx`, as walkStarts in
 * indexing.ts: each index is clamped into [0, size - window] ("clip") or flags the window out of
 * bounds. Sets local `start` and, when `oob` is not null, local `oob` (1 when out of bounds).
 */
function startOffset(
  cx: CodeCtx, idx: () => Ref, idxDtype: DType, operandShape: readonly number[], windowSizes: readonly number[],
  startMap: readonly number[], opStrides: readonly number[], start: number, oob: number | null,
): Ref[] {
  const { m, bin } = cx;
  const i32 = bin.i32;
  const unsigned = idxDtype === "uint32";
  const v = cx.newLocal(i32);
  const gv = () => m.local.get(v, i32);
  const code: Ref[] = [m.local.set(start, m.i32.const(0))];
  if (oob !== null) code.push(m.local.set(oob, m.i32.const(0)));
  startMap.forEach((d, j) => {
    const hi = operandShape[d]! - windowSizes[d]!;
    code.push(m.local.set(v, m.i32.load(4 * j, 4, idx())));
    if (oob === null) {
      // uint32 indices are never negative; above hi (unsigned) they clamp to hi.
      if (unsigned) code.push(m.local.set(v, m.select(m.i32.gt_u(gv(), m.i32.const(hi)), m.i32.const(hi), gv())));
      else {
        code.push(m.local.set(v, m.select(m.i32.lt_s(gv(), m.i32.const(0)), m.i32.const(0), gv())));
        code.push(m.local.set(v, m.select(m.i32.gt_s(gv(), m.i32.const(hi)), m.i32.const(hi), gv())));
      }
    } else {
      const out = unsigned ? m.i32.gt_u(gv(), m.i32.const(hi)) : m.i32.or(m.i32.lt_s(gv(), m.i32.const(0)), m.i32.gt_s(gv(), m.i32.const(hi)));
      code.push(m.local.set(oob, m.i32.or(m.local.get(oob, i32), out)));
    }
    code.push(m.local.set(start, m.i32.add(m.local.get(start, i32), m.i32.mul(gv(), m.i32.const(opStrides[d]!)))));
  });
  return code;
}

/**
 * Loop levels over the index batch (every axis of the indices but the last) in row-major order,
 * advancing three pointers: into `perBatch` (output of a gather / updates of a scatter) by
 * `batchStrides`, into the operand by the batching dims' strides, and into the indices.
 */
function batchLevels(idxShape: readonly number[], batchStrides: readonly number[], opStrides: readonly number[], operandBatching: readonly number[], indicesBatching: readonly number[]): Level[] {
  const batchShape = idxShape.slice(0, -1);
  const idxStrides = strides(idxShape, 4);
  return batchShape.map((count, a) => {
    let opStride = 0;
    indicesBatching.forEach((j, i) => { if (j === a) opStride += opStrides[operandBatching[i]!]!; });
    return { count, strides: [batchStrides[a]!, opStride, idxStrides[a]!] };
  });
}

/** gather as the js kernel computes it: row-major over the index batch, each window copied or filled. */
export function lowerGather<S extends SlotLike<S>>(cx: LowerCtx<S>, e: JaxprEqn, ins: readonly S[]): Lowered<S> {
  const [operand, indices] = ins as [S, S];
  const p = e.params as GatherParams;
  const dn = p.dimensionNumbers;
  const outAval = e.outputs[0]!.aval;
  const dtype = outAval.dtype;
  const idxDtype = indices.aval.dtype;
  if (idxDtype !== "int32" && idxDtype !== "uint32") return null;
  const eb = bytesPerElement(dtype);
  const opShape = operand.aval.shape;
  const opStrides = strides(opShape, eb);
  const outStrides = strides(outAval.shape, eb);
  const kept = range(opShape.length).filter((d) => !dn.collapsedSliceDims.includes(d) && !dn.operandBatchingDims.includes(d));
  const batchPos = range(outAval.shape.length).filter((i) => !dn.offsetDims.includes(i));
  const win = windowCopy(dn.offsetDims.map((o) => outStrides[o]!), kept.map((d) => opStrides[d]!), kept.map((d) => p.sliceSizes[d]!), eb);
  const winFill: Level[] = kept.map((d, j) => ({ count: p.sliceSizes[d]!, strides: [outStrides[dn.offsetDims[j]!]!] }));
  const levels = batchLevels(indices.aval.shape, batchPos.map((o) => outStrides[o]!), opStrides, dn.operandBatchingDims, dn.startIndicesBatchingDims);
  const fill = p.mode === "fill" ? p.fillValue ?? defaultFill(dtype) : null;
  const out = cx.newSlot(outAval);
  const emit = (): Ref => {
    const { m, bin } = cx;
    if (outAval.size === 0) return m.nop();
    const start = cx.newLocal(bin.i32);
    const oob = fill === null ? null : cx.newLocal(bin.i32);
    return loopNest(cx, [() => cx.ptr(out), () => cx.ptr(operand), () => cx.ptr(indices)], levels, ([outAt, opAt, idxAt]) => {
      const code = startOffset(cx, idxAt!, idxDtype, opShape, p.sliceSizes, dn.startIndexMap, opStrides, start, oob);
      const copy = stridedCopy(cx, outAt!, () => m.i32.add(opAt!(), m.local.get(start, bin.i32)), win.levels, win.runBytes);
      if (oob === null) code.push(copy);
      else code.push(m.if(m.local.get(oob, bin.i32), loopNest(cx, [outAt!], winFill, ([at]) => storeConstant(cx, dtype, fill!, at!())), copy));
      return m.block(null, code);
    });
  };
  return { outs: [out], emit };
}

/** out[o] = combine(out[o], upd[u]) for one element, with the js kernel's arithmetic (indexing.ts's combiners). */
function combineElement(cx: CodeCtx, combine: ScatterCombine, dtype: DType, o: () => Ref, u: () => Ref): Ref {
  const { m, bin } = cx;
  const eb = bytesPerElement(dtype);
  if (combine === "set") return copyBytes(cx, o, u, eb);
  if (dtype === "float32" || dtype === "float64") {
    const f = dtype === "float32" ? m.f32 : m.f64;
    const t = dtype === "float32" ? bin.f32 : bin.f64;
    const load = (at: Ref) => f.load(0, 1, at);
    // f32 add/mul in JS round a double result that is exact (24-bit significands), so they equal wasm's f32 ops.
    if (combine === "add") return f.store(0, 1, o(), f.add(load(o()), load(u())));
    if (combine === "mul") return f.store(0, 1, o(), f.mul(load(o()), load(u())));
    // min/max: NaN if either is NaN (the canonical quiet NaN a typed array stores for JS NaN); else
    // `a < b ? a : b` — not wasm's fmin, which orders -0 below +0.
    const a = cx.newLocal(t);
    const b = cx.newLocal(t);
    const ga = () => m.local.get(a, t);
    const gb = () => m.local.get(b, t);
    const nan = dtype === "float32" ? m.f32.reinterpret(m.i32.const(0x7fc00000)) : m.f64.reinterpret(m.i64.const(0, 0x7ff80000));
    const pick = m.select(combine === "min" ? f.lt(ga(), gb()) : f.gt(ga(), gb()), ga(), gb());
    return m.block(null, [
      m.local.set(a, load(o())),
      m.local.set(b, load(u())),
      f.store(0, 1, o(), m.select(m.i32.or(f.ne(ga(), ga()), f.ne(gb(), gb())), nan, pick)),
    ]);
  }
  // int32 / uint32: (a + b) | 0 and Math.imul are i32.add / i32.mul; min/max compare signed or
  // unsigned (bool bytes unsigned; the checker rejects add / mul on bool).
  const bool = dtype === "bool";
  const load = (at: Ref) => (bool ? m.i32.load8_u(0, 1, at) : m.i32.load(0, 1, at));
  const store = (at: Ref, v: Ref) => (bool ? m.i32.store8(0, 1, at, v) : m.i32.store(0, 1, at, v));
  if (combine === "add") return store(o(), m.i32.add(load(o()), load(u())));
  if (combine === "mul") return store(o(), m.i32.mul(load(o()), load(u())));
  const a = cx.newLocal(bin.i32);
  const b = cx.newLocal(bin.i32);
  const ga = () => m.local.get(a, bin.i32);
  const gb = () => m.local.get(b, bin.i32);
  const signed = dtype === "int32";
  const less = signed ? m.i32.lt_s(ga(), gb()) : m.i32.lt_u(ga(), gb());
  const more = signed ? m.i32.gt_s(ga(), gb()) : m.i32.gt_u(ga(), gb());
  return m.block(null, [m.local.set(a, load(o())), m.local.set(b, load(u())), store(o(), m.select(combine === "min" ? less : more, ga(), gb()))]);
}

/**
 * scatter as the js kernel computes it: the operand copied to the output (skipped when the output
 * lives in the operand's bytes), then windows applied in row-major order of the index batch, so
 * with duplicate indices "set" keeps the last update and float sums add in the same order.
 */
export function lowerScatter<S extends SlotLike<S>>(cx: LowerCtx<S>, e: JaxprEqn, ins: readonly S[]): Lowered<S> {
  const [operand, indices, updates] = ins as [S, S, S];
  const p = e.params as ScatterParams;
  const dn = p.dimensionNumbers;
  const outAval = e.outputs[0]!.aval;
  const dtype = outAval.dtype;
  const idxDtype = indices.aval.dtype;
  if (idxDtype !== "int32" && idxDtype !== "uint32") return null;
  if (!["set", "add", "mul", "min", "max"].includes(p.combine)) return null;
  const eb = bytesPerElement(dtype);
  const opShape = operand.aval.shape;
  const upShape = updates.aval.shape;
  const opStrides = strides(opShape, eb);
  const upStrides = strides(upShape, eb);
  const kept = range(opShape.length).filter((d) => !dn.insertedWindowDims.includes(d) && !dn.operandBatchingDims.includes(d));
  const sizes = opShape.map(() => 1);
  kept.forEach((d, j) => (sizes[d] = upShape[dn.updateWindowDims[j]!]!));
  const scatterPos = range(upShape.length).filter((i) => !dn.updateWindowDims.includes(i));
  const winLevels: Level[] = kept.map((d, j) => ({ count: sizes[d]!, strides: [opStrides[d]!, upStrides[dn.updateWindowDims[j]!]!] }));
  const win = windowCopy(kept.map((d) => opStrides[d]!), dn.updateWindowDims.map((u) => upStrides[u]!), kept.map((d) => sizes[d]!), eb);
  const levels = batchLevels(indices.aval.shape, scatterPos.map((u) => upStrides[u]!), opStrides, dn.operandBatchingDims, dn.scatterIndicesBatchingDims);
  if (dtype === "bool" && (p.combine === "add" || p.combine === "mul")) return null;
  const out = cx.newSlot(outAval);
  // Like dynamic_update_slice: the output may take over the operand's bytes (an in-place loop
  // carry), unless the same value is also read as indices or updates while the windows are written.
  out.sameBytesOk = new Set(indices === operand || updates === operand ? [] : [operand]);
  const emit = (): Ref => {
    const { m, bin } = cx;
    const code: Ref[] = [];
    if (operand.view || cx.addr(out) !== cx.addr(operand)) code.push(copyBytes(cx, () => cx.ptr(out), () => cx.ptr(operand), outAval.size * eb));
    if (updates.aval.size === 0) return m.block(null, code);
    const start = cx.newLocal(bin.i32);
    const oob = p.mode === "drop" ? cx.newLocal(bin.i32) : null;
    code.push(loopNest(cx, [() => cx.ptr(updates), () => cx.ptr(out), () => cx.ptr(indices)], levels, ([upAt, opAt, idxAt]) => {
      const head = startOffset(cx, idxAt!, idxDtype, opShape, sizes, dn.scatterDimsToOperandDims, opStrides, start, oob);
      const dst = () => m.i32.add(opAt!(), m.local.get(start, bin.i32));
      const apply = p.combine === "set"
        ? stridedCopy(cx, dst, upAt!, win.levels, win.runBytes)
        : loopNest(cx, [dst, upAt!], winLevels, ([o, u]) => combineElement(cx, p.combine, dtype, o!, u!));
      head.push(oob === null ? apply : m.if(m.i32.eqz(m.local.get(oob, bin.i32)), apply));
      return m.block(null, head);
    }));
    return m.block(null, code);
  };
  return { outs: [out], emit };
}
