// The WGSL routines (linalg.ts: cholesky, triangular_solve; sort.ts: sort) against the js reference
// kernels: jit on webgpu must run them on the GPU (no host fallback) and agree with eager evaluation,
// which always uses the js kernels. Under CI=true a missing adapter fails instead of skipping.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NDArray, defaultDevice, init, internal, np, setDefaultDevice } from "@fluxion/core";
import { jit, vmap } from "@fluxion/transforms";
import { webgpuRequired } from "./adapter.js";
import { probeWebGPU } from "./testing.js";
import { webgpuStats } from "./index.js";

const { available, reason } = await probeWebGPU();
const skipNote = available ? "" : ` [skipped: ${reason}; run bash scripts/setup-webgpu.sh]`;

let saved: ReturnType<typeof defaultDevice>;
beforeAll(() => {
  saved = defaultDevice();
});
afterAll(() => setDefaultDevice(saved));

const P = (name: string) => internal.registeredPrimitives().find((p) => p.name === name)!;
const choleskyOf = (a: NDArray) => internal.bind1(P("cholesky"), [a]);
interface SolveParams { leftSide: boolean; lower: boolean; transposeA: boolean; unitDiagonal: boolean }
const solveWith = (p: SolveParams) => (a: NDArray, b: NDArray) => internal.bind1(P("triangular_solve"), [a, b], { ...p });
const sortWith = (dimension: number, numKeys: number) => (...xs: NDArray[]) => internal.bind(P("sort"), xs, { dimension, numKeys });

/** Deterministic values in [-1, 1). */
function noise(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** Runs f under jit on webgpu; checks that it issued dispatches and no equation fell back to the host. */
function onGpu(f: (...xs: NDArray[]) => unknown, ...args: NDArray[]): NDArray[] {
  setDefaultDevice("webgpu");
  try {
    const f0 = webgpuStats.fallbacks, d0 = webgpuStats.dispatches;
    const r = jit(f as never)(...args) as NDArray | NDArray[];
    const outs = Array.isArray(r) ? r : [r];
    outs.forEach((o) => o.dataSync());
    expect(webgpuStats.fallbacks - f0, "equations run on the reference kernels").toBe(0);
    expect(webgpuStats.dispatches - d0).toBeGreaterThan(0);
    return outs;
  } finally {
    setDefaultDevice("js");
  }
}

/** |got - want| <= tol · (1 + max |want|), NaN where want is NaN. */
function expectClose(what: string, got: NDArray, want: NDArray, tol: number): void {
  expect(got.shape).toEqual(want.shape);
  const g = got.dataSync(), w = want.dataSync();
  const scale = 1 + Array.from(w).reduce((m: number, v: number) => (Number.isNaN(v) ? m : Math.max(m, Math.abs(v))), 0);
  for (let i = 0; i < w.length; i++) {
    if (Number.isNaN(w[i]!)) expect(Number.isNaN(g[i]!), `${what}[${i}] = ${g[i]}, want NaN`).toBe(true);
    else expect(Math.abs(g[i]! - w[i]!), `${what}[${i}]: got ${g[i]}, want ${w[i]}`).toBeLessThanOrEqual(tol * scale);
  }
}

/** Symmetric positive definite matrices B Bᵀ + n I, `batch` of them. */
function spd(batch: number, n: number, seed: number): NDArray {
  const b = np.reshape(np.array(noise(batch * n * n, seed), "float32"), [batch, n, n]);
  return np.add(np.matmul(b, np.swapaxes(b, -1, -2)), np.eye(n, undefined, undefined, "float32").mul(n));
}

/** Triangular-ish matrices with a dominant diagonal (the other triangle is noise the solve must ignore). */
function wellConditioned(batch: number, n: number, seed: number): NDArray {
  const v = noise(batch * n * n, seed).map((x, k) => ((k % n) === Math.floor(k / n) % n ? 2 + Math.abs(x) : (0.5 * x) / Math.sqrt(n)));
  return np.reshape(np.array(v, "float32"), [batch, n, n]);
}

describe(`WGSL routines on webgpu${skipNote}`, () => {
  if (!available && webgpuRequired()) {
    it("is available (required under CI=true)", () => {
      throw new Error(`no WebGPU device (${reason}). Fix: run bash scripts/setup-webgpu.sh.`);
    });
    return;
  }

  it.skipIf(!available)("cholesky: batches and sizes (1 to 70) equal the js kernel; only the lower triangle is read", () => {
    for (const [batch, n] of [[1, 1], [3, 5], [2, 17], [1, 70]] as const) {
      const a = spd(batch, n, 11 * n + batch);
      // Garbage in the strict upper triangle must not matter.
      const junk = np.triu(np.reshape(np.array(noise(batch * n * n, 5), "float32"), [batch, n, n]), 1).mul(100);
      const [got] = onGpu(choleskyOf, a.add(junk));
      expectClose(`cholesky ${batch}x${n}x${n}`, got!, choleskyOf(a), 2e-6 * n);
      expect(Array.from(np.triu(got!, 1).dataSync()).every((v) => v === 0)).toBe(true);
    }
  });

  it.skipIf(!available)("cholesky: a matrix that is not positive definite becomes all NaN, its neighbours do not", () => {
    const good = spd(1, 4, 3);
    const bad = np.array([[[1, 0, 0, 0], [2, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]], "float32"); // pivot 1 - 4 < 0
    const a = np.concatenate([good, bad, good], 0);
    const [got] = onGpu(choleskyOf, a);
    const want = choleskyOf(a);
    expectClose("cholesky with a failing matrix", got!, want, 1e-5);
    expect(Array.from(got!.dataSync()).slice(16, 32).every(Number.isNaN)).toBe(true);
  });

  it.skipIf(!available)("cholesky under jit(vmap) equals the js kernel", () => {
    const a = spd(6, 8, 99);
    const [got] = onGpu(vmap(choleskyOf) as never, a);
    expectClose("vmapped cholesky", got!, choleskyOf(a), 2e-5);
  });

  const flags = [false, true];
  for (const leftSide of flags) for (const lower of flags) for (const transposeA of flags) for (const unitDiagonal of flags) {
    const p = { leftSide, lower, transposeA, unitDiagonal };
    it.skipIf(!available)(`triangular_solve ${JSON.stringify(p)}: batched, equals the js kernel`, () => {
      const [batch, m, n] = [3, 7, 5];
      const order = leftSide ? m : n;
      const a = wellConditioned(batch, order, order * 31 + Number(lower) + 2 * Number(transposeA));
      const b = np.reshape(np.array(noise(batch * m * n, 77), "float32"), [batch, m, n]);
      const [got] = onGpu(solveWith(p), a, b);
      expectClose("triangular_solve", got!, solveWith(p)(a, b), 2e-6 * order);
    });
  }

  it.skipIf(!available)("triangular_solve: one 200×200 system with 3 right-hand sides (lower, left)", () => {
    const a = wellConditioned(1, 200, 4);
    const b = np.reshape(np.array(noise(600, 8), "float32"), [1, 200, 3]);
    const p = { leftSide: true, lower: true, transposeA: false, unitDiagonal: false };
    const [got] = onGpu(solveWith(p), a, b);
    expectClose("200x200 solve", got!, solveWith(p)(a, b), 1e-5);
  });

  it.skipIf(!available)("sort float32: NaNs last, signed zeros and duplicates keep their order (checked through an iota operand)", () => {
    const base = noise(1000, 21).map((x) => Math.round(x * 40) / 8);
    const specials = [NaN, -0, 0, Infinity, -Infinity, NaN, 0, -0];
    const v = base.map((x, i) => (i % 97 === 0 ? specials[(i / 97) % specials.length]! : x));
    const x = np.array(v, "float32");
    const iota = np.array(v.map((_, i) => i), "int32");
    const got = onGpu(sortWith(0, 1), x, iota);
    const want = sortWith(0, 1)(x, iota);
    for (let k = 0; k < 2; k++) {
      const g = Array.from(got[k]!.dataSync()), w = Array.from(want[k]!.dataSync());
      expect(g.map((a) => (Object.is(a, -0) ? "-0" : a)), `operand ${k}`).toEqual(w.map((a) => (Object.is(a, -0) ? "-0" : a)));
    }
  });

  it.skipIf(!available)("sort along a middle axis of int32, uint32 and bool keys; lengths 1 to 33 (non-powers of two)", () => {
    for (const n of [1, 2, 3, 7, 16, 33]) {
      const shape = [2, n, 3];
      const size = 6 * n;
      const cases: NDArray[] = [
        np.array(noise(size, n).map((x) => Math.round(x * 5)), "int32").reshape(shape),
        np.array(noise(size, n + 1).map((x) => Math.round((x + 1) * 3e9) >>> 0), "uint32").reshape(shape),
        np.array(noise(size, n + 2).map((x) => x > 0), "bool").reshape(shape),
      ];
      for (const x of cases) {
        const iota = np.array(Array.from({ length: size }, (_, i) => i), "int32").reshape(shape);
        const got = onGpu(sortWith(1, 1), x, iota);
        const want = sortWith(1, 1)(x, iota);
        got.forEach((g, k) => expect(Array.from(g.dataSync()), `${x.dtype} n=${n} operand ${k}`).toEqual(Array.from(want[k]!.dataSync())));
      }
    }
  });

  it.skipIf(!available)("sort with two keys (lexicographic) and a payload, and np.sort / np.argsort under jit", () => {
    const k1 = np.array(noise(500, 3).map((x) => Math.round(x * 3)), "int32").reshape([5, 100]);
    const k2 = np.array(noise(500, 4), "float32").reshape([5, 100]);
    const payload = np.array(noise(500, 5), "float32").reshape([5, 100]);
    const got = onGpu(sortWith(1, 2), k1, k2, payload);
    const want = sortWith(1, 2)(k1, k2, payload);
    got.forEach((g, k) => expect(Array.from(g.dataSync()), `operand ${k}`).toEqual(Array.from(want[k]!.dataSync())));
    const x = np.array(noise(300, 9), "float32").reshape([3, 100]);
    const [sorted, order] = onGpu((a: NDArray) => [np.sort(a, -1), np.argsort(a, -1)], x);
    expect(Array.from(sorted!.dataSync())).toEqual(Array.from(np.sort(x, -1).dataSync()));
    expect(Array.from(order!.dataSync())).toEqual(Array.from(np.argsort(x, -1).dataSync()));
  });
});
