// Tests for the batched Cholesky kernel: reconstruction residuals, triangle conventions, NaN on failure, numpy values.
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cholesky } from "./cholesky.js";
import type { LinalgFixtures } from "./fixtureTypes.js";
import {
  SeededRandom,
  allocate,
  frobenius,
  frobeniusDifference,
  maxAbsDifference,
  referenceProduct,
  referenceTranspose,
  residualTolerance,
  slice64,
  store,
  type FloatKind,
} from "./testMatrices.js";

/** Batch of SPD matrices M Mᵀ + n I (condition number stays modest), with junk in the strict upper triangle. */
function spdBatch(rng: SeededRandom, batch: number, n: number, upperJunk: number): Float64Array {
  const data = new Float64Array(batch * n * n);
  for (let b = 0; b < batch; b++) {
    const factor = rng.normals(n * n);
    const spd = referenceProduct(factor, referenceTranspose(factor, n, n), n, n, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const value = j > i ? upperJunk * rng.normal() : spd[i * n + j] + (i === j ? n : 0);
        data[b * n * n + i * n + j] = value;
      }
    }
  }
  return data;
}

function lowerSymmetrized(a: ArrayLike<number>, n: number): Float64Array {
  const full = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) full[i * n + j] = full[j * n + i] = a[i * n + j];
  return full;
}

const fixtures = JSON.parse(
  readFileSync(new URL("./fixtures/linalg_fixtures.json", import.meta.url), "utf8"),
) as LinalgFixtures;

describe("cholesky", () => {
  for (const kind of ["float64", "float32"] as FloatKind[]) {
    it(`reconstructs A = L Lᵀ from the lower triangle (${kind})`, () => {
      fc.assert(
        fc.property(fc.integer(), fc.integer({ min: 0, max: 12 }), fc.integer({ min: 1, max: 3 }), (seed, n, batch) => {
          const rng = new SeededRandom(seed);
          const a = store(kind, spdBatch(rng, batch, n, 100));
          const out = allocate(kind, batch * n * n);
          cholesky(a, batch, n, out);
          for (let b = 0; b < batch; b++) {
            const factor = slice64(out, b * n * n, n * n);
            const target = lowerSymmetrized(slice64(a, b * n * n, n * n), n);
            const rebuilt = referenceProduct(factor, referenceTranspose(factor, n, n), n, n, n);
            const scale = Math.max(frobenius(target), Number.MIN_VALUE);
            expect(frobeniusDifference(rebuilt, target) / scale).toBeLessThan(residualTolerance(kind));
            for (let i = 0; i < n; i++) {
              expect(factor[i * n + i]).toBeGreaterThan(0);
              for (let j = i + 1; j < n; j++) expect(factor[i * n + j]).toBe(0);
            }
          }
        }),
        { seed: 1729, numRuns: 80 },
      );
    });
  }

  it("matches numpy.linalg.cholesky on fixed matrices whose upper triangle is junk", () => {
    for (const fixture of fixtures.cholesky) {
      const out = new Float64Array(fixture.n * fixture.n);
      cholesky(Float64Array.from(fixture.a), 1, fixture.n, out);
      expect(maxAbsDifference(out, fixture.l), fixture.name).toBeLessThan(1e-13);
    }
  });

  it("fills only the non-positive-definite batch element with NaN", () => {
    const n = 3;
    const rng = new SeededRandom(7);
    const a = spdBatch(rng, 3, n, 0);
    const reference = new Float64Array(a.length);
    cholesky(a, 3, n, reference);
    // Batch element 1 becomes indefinite: its last pivot turns negative.
    a[n * n + (n - 1) * n + (n - 1)] = -50;
    const out = new Float64Array(a.length);
    cholesky(a, 3, n, out);
    for (let idx = 0; idx < n * n; idx++) {
      expect(out[idx]).toBe(reference[idx]);
      expect(out[n * n + idx]).toBeNaN();
      expect(out[2 * n * n + idx]).toBe(reference[2 * n * n + idx]);
    }
  });

  it("treats a zero pivot and NaN input as failures, and 1×1 as a square root", () => {
    const out = new Float64Array(4);
    cholesky(Float64Array.of(0, 0, 0, 1), 1, 2, out);
    expect(Array.from(out).every(Number.isNaN)).toBe(true);
    cholesky(Float64Array.of(4, 0, Number.NaN, 1), 1, 2, out);
    expect(Array.from(out).every(Number.isNaN)).toBe(true);
    const single = new Float32Array(2);
    cholesky(Float32Array.of(9, 2.25), 2, 1, single);
    expect(Array.from(single)).toEqual([3, 1.5]);
  });

  it("accepts n = 0 and writing in place", () => {
    cholesky(new Float64Array(0), 4, 0, new Float64Array(0));
    const a = Float64Array.of(4, 123, 2, 5);
    cholesky(a, 1, 2, a);
    expect(Array.from(a)).toEqual([2, 0, 1, 2]);
  });

  it("rejects buffers whose length disagrees with the shape", () => {
    expect(() => cholesky(new Float64Array(8), 1, 3, new Float64Array(9))).toThrow(/cholesky: a has length 8/);
  });
});
