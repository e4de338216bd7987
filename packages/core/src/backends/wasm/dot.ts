// dot_general on the wasm device: operands viewed as [B, M, K] and [B, K, N] (a copy only when
// an axis group is not collapsible); floats go to the packed GEMM (gemm.ts), integers to a
// register-blocked kernel below; both are generated as WAT specialised to the shapes and strides.
import { ShapedArray } from "../../array/aval.js";
import { ConcreteArray } from "../../array/ndarray.js";
import { untrackFromScope } from "../../array/memory.js";
import type { DType } from "../../dtype.js";
import type { JaxprEqn } from "../../ir/jaxpr.js";
import { stridesOf } from "../../shape.js";
import { debugLog } from "../../debug.js";
import { stridedCopy } from "../js/strided.js";
import { WasmBuffer, wasmHeap } from "./heap.js";
import { eqnHandlers } from "./handlers.js";
import { binaryenInstance, toWasm } from "./runtime.js";
import { gemmWat } from "./gemm.js";
import { type GemvShape, gemvKind, gemvWat } from "./gemv.js";
import { MIN_PARALLEL_WORK, type ShareableKernel, numThreads, runSplit, shareableKernel } from "./threads.js";

/** Element strides of an operand viewed as [batch, a, b] ([B,M,K] for lhs, [B,K,N] for rhs). */
interface Strides { batch: number; a: number; b: number }
interface Operand extends Strides { ptr: number; owned: ConcreteArray | null }

const remaining = (n: number, ...drop: (readonly number[])[]) => [...Array(n).keys()].filter((i) => !drop.some((d) => d.includes(i)));

/** Element stride of a group of axes if they can be walked as one flat axis, else null. */
function groupStride(shape: readonly number[], strides: readonly number[], axes: readonly number[]): number | null {
  if (axes.length === 0) return 0;
  for (let i = 0; i < axes.length - 1; i++) {
    if (strides[axes[i]!] !== strides[axes[i + 1]!]! * shape[axes[i + 1]!]!) return null;
  }
  return strides[axes[axes.length - 1]!]!;
}

/** Views x as [group0, group1, group2] (element strides), copying into wasm memory when needed. */
function asOperand(x: ConcreteArray, groups: [number[], number[], number[]]): Operand {
  const st = stridesOf(x.shape);
  const gs = groups.map((g) => groupStride(x.shape, st, g));
  let w = toWasm(x);
  let owned: ConcreteArray | null = w !== x ? w : null;
  if (gs.some((g) => g === null)) {
    const order = groups.flat();
    const buf = WasmBuffer.allocate(wasmHeap(), x.dtype, x.size);
    stridedCopy(x.rawData, 0, order.map((o) => st[o]!), order.map((o) => x.shape[o]!), buf.data);
    if (owned) owned.dispose();
    w = new ConcreteArray(new ShapedArray(order.map((o) => x.shape[o]!), x.dtype), buf);
    owned = w;
    const sizes = groups.map((g) => g.reduce((p, a) => p * x.shape[a]!, 1));
    return { ptr: buf.ptr, batch: sizes[1]! * sizes[2]!, a: sizes[2]!, b: 1, owned };
  }
  return { ptr: (w.buffer as WasmBuffer).ptr, batch: gs[0]!, a: gs[1]!, b: gs[2]!, owned };
}

type DotFn = (out: number, a: number, b: number) => void;
/** Packed kernels: scratch is per caller; rows [r0, r1) of every batch. */
type GemmFn = (out: number, a: number, b: number, scratch: number, r0: number, r1: number) => void;
const cache = new Map<string, DotFn>();
const gemmCache = new Map<string, FloatDotKernel>();

function watDot(d: DType, B: number, M: number, N: number, K: number, l: Operand, r: Operand): string {
  const f = d === "float64" ? "f64" : d === "float32" ? "f32" : "i32";
  const eb = d === "float64" ? 8 : 4;
  const simd = (d === "float32" || d === "float64") && r.b === 1;
  const lanes = d === "float64" ? 2 : 4;
  const vx = d === "float64" ? "f64x2" : "f32x4";
  const W = 2 * lanes; // columns per micro-tile
  const R = 4; // rows per micro-tile
  const mul = (x: string, y: string) => (f === "i32" ? `(i32.mul ${x} ${y})` : `(${f}.mul ${x} ${y})`);
  const add = (x: string, y: string) => (f === "i32" ? `(i32.add ${x} ${y})` : `(${f}.add ${x} ${y})`);
  const zero = f === "i32" ? "(i32.const 0)" : `(${f}.const 0)`;
  const lines: string[] = [];
  const L = (s: string) => lines.push(s);
  // Pointers advance by precomputed byte strides.
  const la = l.a * eb, lk = l.b * eb, rk = r.a * eb, rn = r.b * eb;
  L(`(module ${wasmHeap().memoryImport()} (func (export "kernel") (param $out i32) (param $a i32) (param $b i32)`);
  L(`(local $bb i32) (local $i i32) (local $j i32) (local $k i32) (local $pa i32) (local $pb i32) (local $po i32) (local $pa0 i32) (local $pa1 i32) (local $pa2 i32) (local $pa3 i32) (local $s ${f}) (local $r i32) (local $re i32)`);
  if (simd) {
    for (let q = 0; q < R; q++) L(`(local $c${q}0 v128) (local $c${q}1 v128) (local $a${q} v128)`);
    L(`(local $b0 v128) (local $b1 v128)`);
  }
  L(`(local.set $bb (i32.const 0)) (block $bbx (loop $bbl (br_if $bbx (i32.ge_u (local.get $bb) (i32.const ${B})))`);
  // row loop
  L(`(local.set $i (i32.const 0))`);
  if (simd) {
    L(`(block $ix (loop $il (br_if $ix (i32.gt_u (i32.add (local.get $i) (i32.const ${R})) (i32.const ${M})))`);
    L(`(local.set $j (i32.const 0)) (block $jx (loop $jl (br_if $jx (i32.gt_u (i32.add (local.get $j) (i32.const ${W})) (i32.const ${N})))`);
    for (let q = 0; q < R; q++) L(`(local.set $c${q}0 (v128.const i32x4 0 0 0 0)) (local.set $c${q}1 (v128.const i32x4 0 0 0 0))`);
    for (let q = 0; q < R; q++) L(`(local.set $pa${q} (i32.add (local.get $a) (i32.add (i32.mul (local.get $bb) (i32.const ${l.batch * eb})) (i32.mul (i32.add (local.get $i) (i32.const ${q})) (i32.const ${la})))))`);
    L(`(local.set $pb (i32.add (local.get $b) (i32.add (i32.mul (local.get $bb) (i32.const ${r.batch * eb})) (i32.mul (local.get $j) (i32.const ${eb})))))`);
    L(`(local.set $k (i32.const 0)) (block $kx (loop $kl (br_if $kx (i32.ge_u (local.get $k) (i32.const ${K})))`);
    L(`(local.set $b0 (v128.load (local.get $pb))) (local.set $b1 (v128.load offset=16 (local.get $pb)))`);
    for (let q = 0; q < R; q++) {
      L(`(local.set $a${q} (${vx}.splat (${f}.load (local.get $pa${q}))))`);
      L(`(local.set $c${q}0 (${vx}.add (local.get $c${q}0) (${vx}.mul (local.get $a${q}) (local.get $b0))))`);
      L(`(local.set $c${q}1 (${vx}.add (local.get $c${q}1) (${vx}.mul (local.get $a${q}) (local.get $b1))))`);
      L(`(local.set $pa${q} (i32.add (local.get $pa${q}) (i32.const ${lk})))`);
    }
    L(`(local.set $pb (i32.add (local.get $pb) (i32.const ${rk})))`);
    L(`(local.set $k (i32.add (local.get $k) (i32.const 1))) (br $kl)))`);
    for (let q = 0; q < R; q++) {
      L(`(local.set $po (i32.add (local.get $out) (i32.mul (i32.add (i32.add (i32.mul (local.get $bb) (i32.const ${M * N})) (i32.mul (i32.add (local.get $i) (i32.const ${q})) (i32.const ${N}))) (local.get $j)) (i32.const ${eb}))))`);
      L(`(v128.store (local.get $po) (local.get $c${q}0)) (v128.store offset=16 (local.get $po) (local.get $c${q}1))`);
    }
    L(`(local.set $j (i32.add (local.get $j) (i32.const ${W}))) (br $jl)))`);
    // column tail for these R rows
    scalarBlock("(local.get $i)", `(i32.add (local.get $i) (i32.const ${R}))`, "(local.get $j)", `${N}`, "ct");
    L(`(local.set $i (i32.add (local.get $i) (i32.const ${R}))) (br $il)))`);
  }
  // remaining rows: plain dot products
  scalarBlock("(local.get $i)", `(i32.const ${M})`, "(i32.const 0)", `${N}`, "rt");
  L(`(local.set $bb (i32.add (local.get $bb) (i32.const 1))) (br $bbl)))))`);
  return lines.join("\n");

  /** Scalar loops for rows [rowStart, rowEnd) × cols [colStart, N), with their own counters. */
  function scalarBlock(rowStart: string, rowEnd: string, colStart: string, nCols: string, tag: string) {
    L(`(local.set $r ${rowStart}) (local.set $re ${rowEnd}) (local.set $po ${colStart})`);
    L(`(block $${tag}ix (loop $${tag}il (br_if $${tag}ix (i32.ge_u (local.get $r) (local.get $re)))`);
    L(`(local.set $j (local.get $po)) (block $${tag}jx (loop $${tag}jl (br_if $${tag}jx (i32.ge_u (local.get $j) (i32.const ${nCols})))`);
    L(`(local.set $s ${zero})`);
    L(`(local.set $pa (i32.add (local.get $a) (i32.add (i32.mul (local.get $bb) (i32.const ${l.batch * eb})) (i32.mul (local.get $r) (i32.const ${la})))))`);
    L(`(local.set $pb (i32.add (local.get $b) (i32.add (i32.mul (local.get $bb) (i32.const ${r.batch * eb})) (i32.mul (local.get $j) (i32.const ${rn})))))`);
    L(`(local.set $k (i32.const 0)) (block $${tag}kx (loop $${tag}kl (br_if $${tag}kx (i32.ge_u (local.get $k) (i32.const ${K})))`);
    L(`(local.set $s ${add("(local.get $s)", mul(`(${f}.load (local.get $pa))`, `(${f}.load (local.get $pb))`))})`);
    L(`(local.set $pa (i32.add (local.get $pa) (i32.const ${lk}))) (local.set $pb (i32.add (local.get $pb) (i32.const ${rk})))`);
    L(`(local.set $k (i32.add (local.get $k) (i32.const 1))) (br $${tag}kl)))`);
    L(`(${f}.store (i32.add (local.get $out) (i32.mul (i32.add (i32.add (i32.mul (local.get $bb) (i32.const ${M * N})) (i32.mul (local.get $r) (i32.const ${N}))) (local.get $j)) (i32.const ${eb}))) (local.get $s))`);
    L(`(local.set $j (i32.add (local.get $j) (i32.const 1))) (br $${tag}jl)))`);
    L(`(local.set $r (i32.add (local.get $r) (i32.const 1))) (br $${tag}il)))`);
  }
}

/** Optimised wasm bytes for a WAT module (binaryen -O3). */
function assemble(wat: string): Uint8Array {
  const bin = binaryenInstance()!;
  const m = bin.parseText(wat);
  m.setFeatures(bin.Features.SIMD128 | bin.Features.NontrappingFPToInt | bin.Features.MutableGlobals | bin.Features.Atomics);
  bin.setOptimizeLevel(3);
  m.optimize();
  const bytes = m.emitBinary();
  m.dispose();
  return bytes;
}

function compileDot(key: string, makeWat: () => string): DotFn {
  let fn = cache.get(key);
  if (!fn) {
    const wat = makeWat();
    const inst = new WebAssembly.Instance(new WebAssembly.Module(assemble(wat) as Uint8Array<ArrayBuffer>), { env: { memory: wasmHeap().memory } });
    fn = inst.exports.kernel as DotFn;
    cache.set(key, fn);
    debugLog(4, () => `wasm dot kernel ${key}:\n${wat}`);
  }
  return fn;
}

/** A compiled float product: `fn(out, first, second, scratch, r0, r1)` over rows [r0, r1) of `rows`. */
export interface FloatDotKernel {
  fn: GemmFn;
  scratchBytes: number;
  rows: number;
  /** The kernel takes (rhs, lhs) instead of (lhs, rhs): matrix-vector products with M = 1. */
  swapped: boolean;
  /** Multiply-adds per call (decides whether to use worker threads). */
  work: number;
  /** The module, for worker threads (threads.ts). */
  shared: ShareableKernel;
}

/** The float kernel for a [B,M,K]·[B,K,N] product with the given element strides (cached per shape). */
function floatDotKernel(d: "float32" | "float64", B: number, M: number, N: number, K: number, l: Strides, r: Strides): FloatDotKernel {
  const key = `${d}|${B},${M},${N},${K}|${l.batch},${l.a},${l.b}|${r.batch},${r.a},${r.b}`;
  let hit = gemmCache.get(key);
  if (hit) return hit;
  const mem = wasmHeap().memoryImport();
  let wat: string;
  let scratchBytes = 0;
  let rows = M;
  let swapped = false;
  // One free side of size 1: a matrix-vector product (packing for an 8-wide tile would waste 7/8).
  const mv: GemvShape | null = N === 1
    ? { dtype: d, batch: B, rows: M, K, mat: { batch: l.batch, row: l.a, k: l.b }, vec: { batch: r.batch, k: r.a } }
    : M === 1 ? { dtype: d, batch: B, rows: N, K, mat: { batch: r.batch, row: r.b, k: r.a }, vec: { batch: l.batch, k: l.b } } : null;
  const kind = mv ? gemvKind(mv) : null;
  if (mv && kind) {
    wat = gemvWat(mv, kind, mem);
    rows = mv.rows;
    swapped = N !== 1;
  } else {
    const plan = gemmWat({ dtype: d, batch: B, M, N, K, lhs: { batch: l.batch, free: l.a, k: l.b }, rhs: { batch: r.batch, k: r.a, free: r.b } }, mem);
    wat = plan.wat;
    scratchBytes = plan.scratchBytes;
  }
  const module = new WebAssembly.Module(assemble(wat) as Uint8Array<ArrayBuffer>);
  const inst = new WebAssembly.Instance(module, { env: { memory: wasmHeap().memory } });
  hit = { fn: inst.exports.kernel as GemmFn, scratchBytes, rows, swapped, work: B * M * N * K, shared: shareableKernel(module, "kernel") };
  gemmCache.set(key, hit);
  debugLog(4, () => `wasm ${kind ?? "gemm"} kernel ${key}:\n${wat}`);
  return hit;
}

/**
 * The float kernel for dot_general on dense row-major operands, for callers that manage their own
 * buffers (a whole-program driver): null for non-float dtypes or axis groups that are not
 * collapsible without a copy. Call `fn(out, first, second, scratch, 0, rows)` with first/second =
 * lhs/rhs (rhs/lhs when `swapped`) and `scratchBytes` of scratch per concurrent caller.
 */
export function denseDotKernel(lhs: ShapedArray, rhs: ShapedArray, contracting: [number[], number[]], batch: [number[], number[]]): FloatDotKernel | null {
  const d = lhs.dtype;
  if ((d !== "float32" && d !== "float64") || rhs.dtype !== d || !binaryenInstance()) return null;
  const view = (x: ShapedArray, groups: number[][]): Strides | null => {
    const gs = groups.map((g) => groupStride(x.shape, stridesOf(x.shape), g));
    return gs.some((g) => g === null) ? null : { batch: gs[0]!, a: gs[1]!, b: gs[2]! };
  };
  const lf = remaining(lhs.ndim, contracting[0], batch[0]);
  const rf = remaining(rhs.ndim, contracting[1], batch[1]);
  const l = view(lhs, [batch[0], lf, contracting[0]]);
  const r = view(rhs, [batch[1], contracting[1], rf]);
  const K = contracting[0].reduce((p, a) => p * lhs.shape[a]!, 1);
  if (!l || !r || K === 0) return null;
  const size = (x: ShapedArray, axes: number[]) => axes.reduce((p, a) => p * x.shape[a]!, 1);
  return floatDotKernel(d, size(lhs, batch[0]), size(lhs, lf), size(rhs, rf), K, l, r);
}

/** Runs a float product, its rows split across worker threads when there are several and it is large. */
function runFloatDot(g: FloatDotKernel, out: number, lhs: number, rhs: number): void {
  const heap = wasmHeap();
  const [first, second] = g.swapped ? [rhs, lhs] : [lhs, rhs];
  // Row blocks of 40 (a multiple of the GEMM's 5-row tile and of the matvec's 4- and 32-row steps).
  const threads = g.work >= 16 * MIN_PARALLEL_WORK ? Math.min(numThreads(), Math.floor(g.rows / 40)) : 1;
  const perThread = g.scratchBytes;
  const scratch = perThread ? heap.alloc(perThread * Math.max(threads, 1)) : 0;
  try {
    if (threads > 1) runSplit(g.shared, threads, g.rows, 40, (t, r0, r1) => [out, first, second, scratch + t * perThread, r0, r1], g.fn);
    else g.fn(out, first, second, scratch, 0, g.rows);
  } finally {
    if (perThread) heap.free(scratch, perThread * Math.max(threads, 1));
  }
}

/** dot_general on wasm memory; null (reference kernel) for dtypes the kernel does not cover. */
export function wasmDotGeneral(eqn: JaxprEqn, [lhs, rhs]: readonly ConcreteArray[]): ConcreteArray[] | null {
  if (!binaryenInstance()) return null;
  const d = lhs!.dtype;
  if (d === "bool" || d === "uint32") return null;
  const [[lc, rc], [lb, rb]] = [eqn.params.contracting as [number[], number[]], eqn.params.batch as [number[], number[]]];
  const lf = remaining(lhs!.ndim, lc, lb);
  const rf = remaining(rhs!.ndim, rc, rb);
  const Bn = lb.reduce((p, a) => p * lhs!.shape[a]!, 1);
  const M = lf.reduce((p, a) => p * lhs!.shape[a]!, 1);
  const K = lc.reduce((p, a) => p * lhs!.shape[a]!, 1);
  const N = rf.reduce((p, a) => p * rhs!.shape[a]!, 1);
  const L = asOperand(lhs!, [lb, lf, lc]);
  const R = asOperand(rhs!, [rb, rc, rf]);
  const outAval = eqn.outputs[0]!.aval;
  const out = new ConcreteArray(outAval, WasmBuffer.allocate(wasmHeap(), d, outAval.size));
  untrackFromScope(out);
  if (outAval.size > 0) {
    if (K === 0) (out.buffer as WasmBuffer).data.fill(0);
    else {
      if (d === "float32" || d === "float64") {
        const g = floatDotKernel(d, Bn, M, N, K, L, R);
        runFloatDot(g, (out.buffer as WasmBuffer).ptr, L.ptr, R.ptr);
      } else compileDot(`${d}|${Bn},${M},${N},${K}|${L.batch},${L.a},${L.b}|${R.batch},${R.a},${R.b}`, () => watDot(d, Bn, M, N, K, L, R))((out.buffer as WasmBuffer).ptr, L.ptr, R.ptr);
    }
  }
  L.owned?.dispose();
  R.owned?.dispose();
  return [out];
}

eqnHandlers.set("dot_general", wasmDotGeneral);
