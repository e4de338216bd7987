// The wasm dot_general kernels (packed GEMM, matrix-vector, integer) against a float64 oracle:
// odd sizes 1..67 and sizes crossing the K/M blocking, transposed operands, batch dims, matvec on
// either side; the error stays within the summation bound (K+2)·u·Σ|a||b| of any summation order.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NDArray, defaultDevice, init, lax, memoryStats, np, setDefaultDevice, devicePut } from "../../index.js";
import { jit } from "@fluxion/transforms";
import { setWasmPrograms } from "./runtime.js";
import { denseDotKernel } from "./dot.js";
import { wasmHeap } from "./heap.js";
import { ShapedArray } from "../../array/aval.js";

const before = defaultDevice();
beforeAll(async () => {
  await init("wasm");
  setDefaultDevice("wasm");
  // Whole programs lower dot_general their own way: run host-driven so these kernels are the ones called.
  setWasmPrograms(false);
});
afterAll(() => {
  setWasmPrograms(true);
  setDefaultDevice(before);
});

/** Deterministic values in [-1, 1) (a 32-bit LCG, Numerical Recipes constants). */
function values(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

type Dtype = "float32" | "float64" | "int32";
const unitRoundoff = (d: Dtype) => (d === "float64" ? 2 ** -53 : 2 ** -24);

/**
 * Checks dot_general(a, b) on wasm against float64 loops over the same index maps.
 * `la(bb, i, k)` / `lb(bb, k, j)` give flat indices into a / b.
 */
function check(d: Dtype, aShape: number[], bShape: number[], contracting: [number[], number[]], batch: [number[], number[]],
  dims: { B: number; M: number; N: number; K: number }, la: (bb: number, i: number, k: number) => number, lb: (bb: number, k: number, j: number) => number, seed: number) {
  const size = (s: number[]) => s.reduce((p, x) => p * x, 1);
  const scale = d === "int32" ? 100 : 1;
  const av = values(size(aShape), seed).map((v) => (d === "int32" ? Math.round(v * scale) : v));
  const bv = values(size(bShape), seed + 7).map((v) => (d === "int32" ? Math.round(v * scale) : v));
  const a = np.array(av, d).reshape(aShape);
  const b = np.array(bv, d).reshape(bShape);
  const got = (jit((x: NDArray, y: NDArray) => lax.dotGeneral(x, y, contracting, batch))(devicePut(a, "wasm"), devicePut(b, "wasm")) as NDArray);
  const g = Array.from(got.dataSync() as ArrayLike<number>);
  const { B, M, N, K } = dims;
  expect(g.length).toBe(B * M * N);
  let worst = 0;
  for (let bb = 0; bb < B; bb++) for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let want = 0, mag = 0;
    for (let k = 0; k < K; k++) {
      const p = av[la(bb, i, k)]! * bv[lb(bb, k, j)]!;
      want += p;
      mag += Math.abs(p);
    }
    const err = Math.abs(g[(bb * M + i) * N + j]! - want);
    if (d === "int32") {
      if (err !== 0) throw new Error(`int32 ${JSON.stringify(dims)} at ${bb},${i},${j}: ${g[(bb * M + i) * N + j]} vs ${want}`);
    } else worst = Math.max(worst, err / ((K + 2) * unitRoundoff(d) * mag + Number.MIN_VALUE));
  }
  expect(worst).toBeLessThanOrEqual(1);
  got.dispose();
}

/** Plain [M,K]·[K,N]. */
const plain = (d: Dtype, M: number, K: number, N: number, seed = 1) =>
  check(d, [M, K], [K, N], [[1], [0]], [[], []], { B: 1, M, N, K }, (_, i, k) => i * K + k, (_, k, j) => k * N + j, seed);

describe("wasm dot_general", () => {
  it("float32 matmul over odd sizes 1..67 (every size in each role)", () => {
    const sizes = [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 15, 16, 17, 23, 31, 32, 33, 47, 63, 64, 65, 67];
    sizes.forEach((m, t) => plain("float32", m, sizes[(t * 5 + 3) % sizes.length]!, sizes[(t * 7 + 1) % sizes.length]!, t + 1));
  });
  it("float32 sizes crossing the K block (256), the row block (160) and the packed B panel width", () => {
    plain("float32", 170, 300, 37);
    plain("float32", 161, 513, 9);
    plain("float32", 5, 257, 130);
  });
  it("float64 matmul, including edges", () => {
    for (const [m, k, n] of [[1, 1, 1], [3, 5, 7], [13, 300, 6], [66, 17, 65]] as const) plain("float64", m, k, n, m + k);
  });
  it("int32 matmul is exact", () => {
    for (const [m, k, n] of [[1, 1, 1], [4, 9, 8], [13, 30, 11]] as const) plain("int32", m, k, n, 3);
  });
  it("transposed operands through dot_general dimension numbers", () => {
    const [M, K, N] = [19, 23, 29];
    // a: [K, M] contracting its dim 0; b: [N, K] contracting its dim 1
    check("float32", [K, M], [N, K], [[0], [1]], [[], []], { B: 1, M, N, K }, (_, i, k) => k * M + i, (_, k, j) => j * K + k, 5);
    check("float64", [K, M], [K, N], [[0], [0]], [[], []], { B: 1, M, N, K }, (_, i, k) => k * M + i, (_, k, j) => k * N + j, 6);
  });
  it("batch dims, leading and not leading (the latter copies the operand)", () => {
    const [B, M, K, N] = [3, 7, 33, 10];
    check("float32", [B, M, K], [B, K, N], [[2], [1]], [[0], [0]], { B, M, N, K }, (bb, i, k) => (bb * M + i) * K + k, (bb, k, j) => (bb * K + k) * N + j, 8);
    // lhs [M, B, K] with batch dim 1; rhs [K, B, N] with batch dim 1
    check("float32", [M, B, K], [K, B, N], [[2], [0]], [[1], [1]], { B, M, N, K }, (bb, i, k) => (i * B + bb) * K + k, (bb, k, j) => (k * B + bb) * N + j, 9);
  });
  it("matrix-vector products on either side, contiguous and strided", () => {
    const [M, K] = [101, 37];
    // X[M,K]·w[K] (dot along rows) and w[K]·X[K,M] (rows contiguous: axpy form)
    check("float32", [M, K], [K], [[1], [0]], [[], []], { B: 1, M, N: 1, K }, (_, i, k) => i * K + k, (_, k) => k, 10);
    check("float32", [K], [K, M], [[0], [0]], [[], []], { B: 1, M: 1, N: M, K }, (_, __, k) => k, (_, k, j) => k * M + j, 11);
    // X^T·g with X[K,M]: lhs free stride 1, K stride M
    check("float32", [K, M], [K], [[0], [0]], [[], []], { B: 1, M, N: 1, K }, (_, i, k) => k * M + i, (_, k) => k, 12);
    // short K (below one vector) and a batch of matvecs
    check("float64", [9, 1], [1], [[1], [0]], [[], []], { B: 1, M: 9, N: 1, K: 1 }, (_, i) => i, () => 0, 13);
    check("float32", [4, 6, 21], [4, 21], [[2], [1]], [[0], [0]], { B: 4, M: 6, N: 1, K: 21 }, (bb, i, k) => (bb * 6 + i) * 21 + k, (bb, k) => bb * 21 + k, 14);
  });
  it("denseDotKernel: the same kernels for a caller with its own buffers (rows split in two calls)", () => {
    const [M, K, N] = [21, 40, 18];
    const k = denseDotKernel(new ShapedArray([M, K], "float32"), new ShapedArray([K, N], "float32"), [[1], [0]], [[], []])!;
    expect(k.swapped).toBe(false);
    expect(denseDotKernel(new ShapedArray([M, K], "int32"), new ShapedArray([K, N], "int32"), [[1], [0]], [[], []])).toBeNull();
    const heap = wasmHeap();
    const [pa, pb, po, ps] = [heap.alloc(M * K * 4), heap.alloc(K * N * 4), heap.alloc(M * N * 4), heap.alloc(k.scratchBytes)];
    const av = values(M * K, 21), bv = values(K * N, 22);
    heap.view("float32", pa, M * K).set(av);
    heap.view("float32", pb, K * N).set(bv);
    k.fn(po, pa, pb, ps, 0, 10);
    k.fn(po, pa, pb, ps, 10, M);
    const out = heap.view("float32", po, M * N);
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
      let want = 0, mag = 0;
      for (let q = 0; q < K; q++) { want += av[i * K + q]! * bv[q * N + j]!; mag += Math.abs(av[i * K + q]! * bv[q * N + j]!); }
      expect(Math.abs(out[i * N + j]! - want)).toBeLessThanOrEqual((K + 2) * 2 ** -24 * mag);
    }
    for (const [p, n] of [[pa, M * K * 4], [pb, K * N * 4], [po, M * N * 4], [ps, k.scratchBytes]] as const) heap.free(p, n);
  });
  it("keeps wasm memory flat (scratch for packed panels is returned)", () => {
    const a = devicePut(np.ones([40, 50]), "wasm");
    const b = devicePut(np.ones([50, 30]), "wasm");
    const f = jit((x: NDArray, y: NDArray) => np.matmul(x, y));
    (f(a, b) as NDArray).dispose();
    const base = memoryStats();
    for (let i = 0; i < 200; i++) (f(a, b) as NDArray).dispose();
    expect(memoryStats()).toEqual(base);
  });
});
