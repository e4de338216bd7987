// Worker threads for the wasm device: large kernels split their outer axis across Node worker
// threads that run the same compiled modules over the one shared WebAssembly.Memory.
//
// Workers are woken with Atomics (a generation counter per worker in a control SharedArrayBuffer)
// and count themselves done on a shared counter; the only messages are one per compiled kernel
// and worker (its WebAssembly.Module). Without SharedArrayBuffer or node:worker_threads (browsers:
// no cross-origin isolation, or no Worker here) everything runs on the calling thread.
import { FluxionError } from "../../errors.js";
import { type Kernel, topoOrder } from "../kernel/ir.js";
import { existingWasmHeap, setHeapSharing, wasmHeap } from "./heap.js";

type WorkerThreads = typeof import("node:worker_threads");
type NodeWorker = import("node:worker_threads").Worker;
type NodePort = import("node:worker_threads").MessagePort;

/** Kernels smaller than this (output elements, or multiply-adds for matmul) stay on one thread. */
export const MIN_PARALLEL_WORK = 1 << 16;

const proc = (globalThis as { process?: { env?: Record<string, string | undefined>; getBuiltinModule?: (id: string) => unknown } }).process;

function workerThreads(): WorkerThreads | null {
  if (typeof SharedArrayBuffer === "undefined" || typeof Atomics === "undefined") return null;
  try {
    return (proc?.getBuiltinModule?.("node:worker_threads") as WorkerThreads | undefined) ?? null;
  } catch {
    return null;
  }
}

let requested: number | null = null;
function envThreads(): number | null {
  const v = proc?.env?.FLUXION_THREADS;
  if (v === undefined || v === "") return null;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new FluxionError(`FLUXION_THREADS: expected a positive integer, got "${v}".`);
  return n;
}
/**
 * Threads asked for: setNumThreads, else FLUXION_THREADS, else 1. The default stays 1 because a
 * shared memory must be chosen before the heap exists and every module importing it must declare
 * it shared (the whole-program driver in program.ts does not yet, and falls back when shared).
 */
const wanted = (): number => requested ?? envThreads() ?? 1;
setHeapSharing(() => wanted() > 1 && workerThreads() !== null);

/** Threads the wasm device uses now (1 when shared memory is unavailable). */
export function numThreads(): number {
  const n = wanted();
  if (n === 1 || !workerThreads()) return 1;
  const heap = existingWasmHeap();
  return heap && !heap.shared ? 1 : n;
}

/**
 * Sets how many threads large wasm kernels use (1: no workers). More than 1 needs a shared memory,
 * so it must come before the first wasm computation (or use FLUXION_THREADS).
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new FluxionError(`setNumThreads: expected a positive integer, got ${n}.`);
  const heap = existingWasmHeap();
  if (n > 1 && heap && !heap.shared) {
    throw new FluxionError(`setNumThreads(${n}): the wasm memory already exists unshared (created by an earlier wasm computation with 1 thread); call setNumThreads before the first wasm computation, or set FLUXION_THREADS=${n}.`);
  }
  requested = n;
}

// ---------------------------------------------------------------- the pool
/** Ints per worker block in the control buffer: [generation, kernel id, nargs, args..., error]. */
const BLOCK = 64;
const MAX_ARGS = BLOCK - 4;
const ERROR = BLOCK - 1;

interface Pool {
  workers: NodeWorker[];
  ports: NodePort[];
  ctl: Int32Array;
  /** Kernels each worker has been sent (by id). */
  sent: Set<number>[];
}
let pool: Pool | null = null;

/** Runs in each worker (plain JS: workers must not depend on how the host loads TypeScript). */
const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = require("node:worker_threads");
const { memory, control, slot, port } = workerData;
const ctl = new Int32Array(control);
const base = slot * ${BLOCK};
const kernels = [];
let gen = 0;
for (;;) {
  Atomics.wait(ctl, base, gen);
  gen = Atomics.load(ctl, base);
  const id = ctl[base + 1];
  while (kernels[id] === undefined) {
    const got = receiveMessageOnPort(port);
    if (!got) continue;
    const { id: kid, module, exportName, math } = got.message;
    const m = {};
    for (const [name, src] of Object.entries(math)) m[name] = src === null ? () => { throw new Error("fluxion worker: " + name + " is not available on worker threads"); } : new Function("return (" + src + ")")();
    kernels[kid] = new WebAssembly.Instance(module, { env: { memory }, m }).exports[exportName];
  }
  const n = ctl[base + 2];
  const args = [];
  for (let i = 0; i < n; i++) args.push(ctl[base + 3 + i]);
  try { kernels[id](...args); } catch (e) { Atomics.store(ctl, base + ${ERROR}, 1); }
  Atomics.add(ctl, 0, 1);
  Atomics.notify(ctl, 0);
}
`;

function getPool(threads: number): Pool {
  if (pool && pool.workers.length + 1 >= threads) return pool;
  const wt = workerThreads()!;
  const heap = wasmHeap();
  const ctl = pool?.ctl ?? new Int32Array(new SharedArrayBuffer(4 * BLOCK * 64));
  const p: Pool = pool ?? { workers: [], ports: [], ctl, sent: [] };
  for (let slot = p.workers.length + 1; slot < threads; slot++) {
    const { port1, port2 } = new wt.MessageChannel();
    const w = new wt.Worker(WORKER_SOURCE, { eval: true, workerData: { memory: heap.memory, control: ctl.buffer, slot, port: port2 }, transferList: [port2] });
    w.unref();
    port1.unref();
    p.workers.push(w);
    p.ports.push(port1);
    p.sent.push(new Set());
  }
  return (pool = p);
}

/** Calls that ran on more than one thread, and worker runs they made (tests, FLUXION_DEBUG). */
export const threadStats = { splitCalls: 0, workerRuns: 0 };

let nextId = 0;
/** A compiled module whose export can run on workers. */
export interface ShareableKernel {
  readonly id: number;
  readonly module: WebAssembly.Module;
  readonly exportName: string;
  /** Per JS import name: its source for the workers (null: not transferable, never called). */
  readonly math: Record<string, string | null>;
}
export function shareableKernel(module: WebAssembly.Module, exportName: string, math: Record<string, string | null> = {}): ShareableKernel {
  return { id: nextId++, module, exportName, math };
}

/**
 * Runs `run(t, start, end)` for t = 0..threads-1 over [0, extent) cut at multiples of `align`:
 * t = 0 on this thread (`local`), the others on workers (`kernel` with the args `argsFor` returns).
 */
export function runSplit(kernel: ShareableKernel, threads: number, extent: number, align: number, argsFor: (t: number, start: number, end: number) => number[], local: (...args: number[]) => void): void {
  const units = Math.ceil(extent / align);
  const T = Math.min(threads, units);
  const bounds = [...Array(T + 1).keys()].map((t) => Math.min(extent, Math.round((units * t) / T) * align));
  if (T <= 1) {
    local(...argsFor(0, 0, extent));
    return;
  }
  const p = getPool(T);
  const ctl = p.ctl;
  threadStats.splitCalls++;
  threadStats.workerRuns += T - 1;
  Atomics.store(ctl, 0, 0);
  for (let t = 1; t < T; t++) {
    const w = t - 1;
    if (!p.sent[w]!.has(kernel.id)) {
      p.ports[w]!.postMessage({ id: kernel.id, module: kernel.module, exportName: kernel.exportName, math: kernel.math });
      p.sent[w]!.add(kernel.id);
    }
    const args = argsFor(t, bounds[t]!, bounds[t + 1]!);
    if (args.length > MAX_ARGS) throw new FluxionError(`wasm threads: a kernel with ${args.length} arguments (at most ${MAX_ARGS}); run it with setNumThreads(1).`);
    const base = t * BLOCK;
    ctl[base + 1] = kernel.id;
    ctl[base + 2] = args.length;
    args.forEach((a, i) => (ctl[base + 3 + i] = a));
    Atomics.add(ctl, base, 1);
    Atomics.notify(ctl, base);
  }
  local(...argsFor(0, bounds[0]!, bounds[1]!));
  for (let done = Atomics.load(ctl, 0); done < T - 1; done = Atomics.load(ctl, 0)) Atomics.wait(ctl, 0, done);
  for (let t = 1; t < T; t++) {
    if (Atomics.exchange(ctl, t * BLOCK + ERROR, 0)) throw new FluxionError(`wasm threads: a kernel failed on worker ${t}; rerun with setNumThreads(1) to see the error.`);
  }
}

// ---------------------------------------------------------------- fused kernels
const MATH_NAMES = Object.getOwnPropertyNames(Math);
/**
 * The workers' copy of the JS imports: Math's own functions by name, self-contained arrows over
 * Math by their source; anything else (functions closing over module code) is null, and kernels
 * that could call it stay on one thread.
 */
export function transferableImports(imports: Record<string, (...a: number[]) => number>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [name, fn] of Object.entries(imports)) {
    const native = MATH_NAMES.find((k) => (Math as unknown as Record<string, unknown>)[k] === fn);
    if (native) { out[name] = `Math.${native}`; continue; }
    const src = fn.toString();
    const arrow = /^\(([\w\s,]*)\)\s*=>/.exec(src);
    const params = new Set((arrow?.[1] ?? "").split(",").map((s) => s.trim()).filter(Boolean));
    const idents = src.slice(arrow?.[0].length ?? 0).match(/[A-Za-z_$][\w$]*/g) ?? [];
    const ok = arrow && idents.every((w) => params.has(w) || w === "Math" || MATH_NAMES.includes(w));
    out[name] = ok ? src : null;
  }
  return out;
}

/** JS import names a kernel's scalar code can call (render.ts: callF64 and nextafter). */
function importsUsed(k: Kernel): Set<string> {
  const used = new Set<string>();
  for (const n of topoOrder([k.root])) {
    if (n.op === "unary") used.add(n.fn);
    else if (n.op === "binary") {
      if (n.fn === "rem") used.add("fmod");
      else if (n.fn === "nextafter") used.add(n.dtype === "float64" ? "nextafter64" : "nextafter32");
      else used.add(n.fn);
    }
  }
  return used;
}

/** Whether kernel `k` should be rendered with a `kernel_range` export and run split across threads. */
export function splitsAcrossThreads(k: Kernel, math: Record<string, string | null>): boolean {
  if (numThreads() <= 1) return false;
  const work = k.shape.reduce((p, d) => p * d, 1) * (k.reduce?.sizes.reduce((p, d) => p * d, 1) ?? 1);
  if (work < MIN_PARALLEL_WORK || k.sources.length + 3 > MAX_ARGS) return false;
  for (const name of importsUsed(k)) if (name in math && math[name] === null) return false;
  return true;
}

/**
 * The kernel function for a module rendered with `kernel_range`: splits [0, rangeExtent) over the
 * threads at multiples of 16 (a multiple of every SIMD lane count, so each element takes the same
 * vector or scalar path as in one call: results are bit-identical to one thread).
 */
export function splitKernelFn(module: WebAssembly.Module, instance: WebAssembly.Instance, rangeExtent: number, math: Record<string, string | null>): (out: number, ...srcs: number[]) => void {
  const range = instance.exports.kernel_range as (...args: number[]) => void;
  const shared = shareableKernel(module, "kernel_range", math);
  return (out, ...srcs) => {
    const threads = numThreads();
    runSplit(shared, threads, rangeExtent, 16, (_t, start, end) => [out, ...srcs, start, end], range);
  };
}
