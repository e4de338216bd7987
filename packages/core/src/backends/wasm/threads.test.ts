// Worker threads on the wasm device: split kernels are bit-identical to one call of the unsplit
// kernel (elementwise, transcendental fallback lanes, reductions), matmul rows split across
// threads equal one thread, memory growth and flat memory with workers, and setNumThreads checks.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NDArray, defaultDevice, devicePut, init, memoryStats, np, setDefaultDevice } from "../../index.js";
import { jit, makeJaxpr } from "@fluxion/transforms";
import { planJaxpr } from "../kernel/plan.js";
import { binaryenInstance, wasmCaps, setWasmPrograms } from "./runtime.js";
import { renderKernel } from "./render.js";
import { wasmHeap } from "./heap.js";
import { numThreads, setNumThreads, splitKernelFn, threadStats, transferableImports } from "./threads.js";
import type { Kernel } from "../kernel/ir.js";

const before = defaultDevice();
beforeAll(async () => {
  // Before anything touches wasm memory: two threads need the heap to be created shared.
  setNumThreads(2);
  await init("wasm");
  setDefaultDevice("wasm");
  setWasmPrograms(false);
});
afterAll(() => {
  setWasmPrograms(true);
  setNumThreads(1);
  setDefaultDevice(before);
});

/** Values in [-scale, scale) from a 32-bit LCG (Numerical Recipes constants), with some huge ones. */
function input(n: number, scale: number): Float32Array {
  let s = 12345;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 31 - 1) * scale;
  }
  // beyond sin's reduction range: these lanes take the JS fallback, on whichever thread runs them
  for (const i of [3, 4097, n - 2]) out[i] = 3e5 + i;
  return out;
}

const kernelOf = (f: (x: NDArray) => NDArray, x: NDArray): Kernel => {
  const step = planJaxpr(makeJaxpr(f)(x).jaxpr, wasmCaps).steps[0]!;
  if (step.kind !== "kernel") throw new Error("expected one fused kernel");
  return step.kernel;
};

/** Runs kernel k on x both unsplit (`kernel`) and split over 2 threads (`kernel_range`); returns both outputs. */
function unsplitAndSplit(k: Kernel, x: Float32Array, outLength: number): [Float32Array, Float32Array] {
  const heap = wasmHeap();
  const math = transferableImports({ sin: Math.sin, exp: Math.exp });
  const r = renderKernel(binaryenInstance()!, k, true, { range: true, sharedMemory: true });
  const module = new WebAssembly.Module(r.binary as Uint8Array<ArrayBuffer>);
  const m = Object.fromEntries(["cbrt", "exp", "exp2", "log", "log1p", "expm1", "sin", "cos", "tan", "tanh", "logistic", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "erf", "erfc", "erf_inv", "lgamma", "digamma", "pow", "atan2", "fmod", "nextafter32", "nextafter64"]
    .map((n) => [n, (Math as unknown as Record<string, (...a: number[]) => number>)[n] ?? (() => NaN)]));
  const inst = new WebAssembly.Instance(module, { env: { memory: heap.memory }, m });
  const src = heap.alloc(x.length * 4), o1 = heap.alloc(outLength * 4), o2 = heap.alloc(outLength * 4);
  heap.view("float32", src, x.length).set(x);
  (inst.exports.kernel as (o: number, s: number) => void)(o1, src);
  const calls = threadStats.splitCalls;
  splitKernelFn(module, inst, r.rangeExtent, { ...Object.fromEntries(Object.keys(m).map((n) => [n, null])), ...math })(o2, src);
  expect(threadStats.splitCalls).toBe(calls + 1);
  const out = [heap.view("float32", o1, outLength).slice() as Float32Array, heap.view("float32", o2, outLength).slice() as Float32Array] as [Float32Array, Float32Array];
  heap.free(src, x.length * 4); heap.free(o1, outLength * 4); heap.free(o2, outLength * 4);
  return out;
}

const sameBits = (a: Float32Array, b: Float32Array) => {
  expect(a.length).toBe(b.length);
  const ai = new Int32Array(a.buffer, a.byteOffset, a.length), bi = new Int32Array(b.buffer, b.byteOffset, b.length);
  let diff = 0;
  for (let i = 0; i < ai.length; i++) if (ai[i] !== bi[i]) diff++;
  expect(diff).toBe(0);
};

describe("wasm worker threads", () => {
  it("uses the shared heap and two threads", () => {
    expect(wasmHeap().shared).toBe(true);
    expect(wasmHeap().memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(numThreads()).toBe(2);
  });
  it("a split elementwise chain (sin/exp with fallback lanes, odd length) is bit-identical to one call", () => {
    const n = 100_003;
    const x = input(n, 20);
    const chain = (v: NDArray) => np.multiply(np.exp(np.add(np.multiply(np.sin(v), 2), 1)), v);
    const [one, two] = unsplitAndSplit(kernelOf(chain, np.zeros([n])), x, n);
    sameBits(one, two);
    // rows split (2-D, the inner dim not a multiple of the lane count)
    const [r1, r2] = unsplitAndSplit(kernelOf(chain, np.zeros([1001, 99])), input(1001 * 99, 20), 1001 * 99);
    sameBits(r1, r2);
  });
  it("a split row reduction is bit-identical to one call", () => {
    const [rows, cols] = [700, 129];
    const k = kernelOf((v: NDArray) => np.sum(np.multiply(np.sin(v), v), 1), np.zeros([rows, cols]));
    const [one, two] = unsplitAndSplit(k, input(rows * cols, 3), rows);
    sameBits(one, two);
  });
  it("jit runs large kernels split, with results equal to the float64 formula", () => {
    const n = 1 << 17;
    const x = input(n, 5);
    const calls = threadStats.workerRuns;
    const y = (jit((v: NDArray) => np.multiply(np.exp(np.multiply(np.sin(v), 0.5)), v))(devicePut(np.array(x, "float32"), "wasm")) as NDArray).dataSync() as Float32Array;
    expect(threadStats.workerRuns).toBeGreaterThan(calls);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const want = Math.exp(Math.fround(Math.fround(Math.sin(x[i]!)) * 0.5)) * x[i]!;
      worst = Math.max(worst, Math.abs(y[i]! - want) / Math.max(Math.abs(want), 1e-30));
    }
    expect(worst).toBeLessThan(1e-6);
  });
  it("matmul with rows split over two threads equals one thread bit for bit", () => {
    const [M, K, N] = [333, 200, 150];
    const a = devicePut(np.array(input(M * K, 1), "float32").reshape([M, K]), "wasm");
    const b = devicePut(np.array(input(K * N, 1), "float32").reshape([K, N]), "wasm");
    const f = jit((p: NDArray, q: NDArray) => np.matmul(p, q));
    const runs = threadStats.workerRuns;
    const two = (f(a, b) as NDArray).dataSync() as Float32Array;
    expect(threadStats.workerRuns).toBeGreaterThan(runs);
    setNumThreads(1);
    const one = (f(a, b) as NDArray).dataSync() as Float32Array;
    setNumThreads(2);
    sameBits(Float32Array.from(one), Float32Array.from(two));
  });
  it("workers see the memory after it grows, and memory stays flat", () => {
    const f = jit((v: NDArray) => np.add(np.multiply(v, 3), 1));
    const small = devicePut(np.ones([1 << 17]), "wasm");
    (f(small) as NDArray).dispose();
    const pages = wasmHeap().memory.buffer.byteLength;
    // 64 MiB more than the heap had: memory.grow on a shared memory keeps workers' view valid.
    const big = devicePut(np.ones([(pages >> 2) + (1 << 24)]), "wasm");
    expect(wasmHeap().memory.buffer.byteLength).toBeGreaterThan(pages);
    const y = f(big) as NDArray;
    const data = y.dataSync() as Float32Array;
    expect(data[0]).toBe(4);
    expect(data[data.length - 1]).toBe(4);
    y.dispose();
    big.dispose();
    const base = memoryStats();
    for (let i = 0; i < 200; i++) (f(small) as NDArray).dispose();
    expect(memoryStats()).toEqual(base);
    small.dispose();
  });
  it("setNumThreads rejects bad counts with the fix in the message", () => {
    expect(() => setNumThreads(0)).toThrow(/positive integer/);
    expect(() => setNumThreads(1.5)).toThrow(/positive integer/);
  });
});
