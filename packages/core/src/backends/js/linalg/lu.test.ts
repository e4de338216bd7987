// Tests for batched LU with partial pivoting: P A = L U residuals, pivot conventions, scipy values, determinant sign.
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { LinalgFixtures } from "./fixtureTypes.js";
import { lu } from "./lu.js";
import {
  SeededRandom,
  allocate,
  frobenius,
  frobeniusDifference,
  maxAbsDifference,
  referenceProduct,
  residualTolerance,
  slice64,
  store,
  type FloatKind,
} from "./testMatrices.js";

const fixtures = JSON.parse(
  readFileSync(new URL("./fixtures/linalg_fixtures.json", import.meta.url), "utf8"),
) as LinalgFixtures;

/** Splits a packed m×n factor into unit-lower L (m×k) and upper U (k×n), k = min(m, n). */
function unpack(packed: Float64Array, m: number, n: number): { lower: Float64Array; upper: Float64Array } {
  const k = Math.min(m, n);
  const lower = new Float64Array(m * k);
  const upper = new Float64Array(k * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      if (j < i && j < k) lower[i * k + j] = packed[i * n + j];
      if (j >= i && i < k) upper[i * n + j] = packed[i * n + j];
    }
    if (i < k) lower[i * k + i] = 1;
  }
  return { lower, upper };
}

function runLu(a: Float64Array, m: number, n: number) {
  const packed = new Float64Array(m * n);
  const pivots = new Int32Array(Math.min(m, n));
  const permutation = new Int32Array(m);
  lu(a, 1, m, n, packed, pivots, permutation);
  return { packed, pivots, permutation };
}

/** Sign of a permutation from its cycle decomposition: each cycle of length L contributes (-1)^(L-1). */
function permutationSign(perm: ArrayLike<number>): number {
  const seen = new Array<boolean>(perm.length).fill(false);
  let sign = 1;
  for (let start = 0; start < perm.length; start++) {
    if (seen[start]) continue;
    let length = 0;
    for (let i = start; !seen[i]; i = perm[i]) {
      seen[i] = true;
      length++;
    }
    if (length % 2 === 0) sign = -sign;
  }
  return sign;
}

describe("lu", () => {
  for (const kind of ["float64", "float32"] as FloatKind[]) {
    it(`satisfies P A = L U with |L| <= 1 for square and rectangular batches (${kind})`, () => {
      fc.assert(
        fc.property(
          fc.integer(),
          fc.integer({ min: 0, max: 10 }),
          fc.integer({ min: 0, max: 10 }),
          fc.integer({ min: 1, max: 3 }),
          (seed, m, n, batch) => {
            const rng = new SeededRandom(seed);
            const k = Math.min(m, n);
            const a = store(kind, rng.normals(batch * m * n));
            const packed = allocate(kind, batch * m * n);
            const pivots = new Int32Array(batch * k);
            const permutation = new Int32Array(batch * m);
            lu(a, batch, m, n, packed, pivots, permutation);
            for (let b = 0; b < batch; b++) {
              const matrix = slice64(a, b * m * n, m * n);
              const { lower, upper } = unpack(slice64(packed, b * m * n, m * n), m, n);
              const permuted = new Float64Array(m * n);
              const rowOrder = permutation.subarray(b * m, b * m + m);
              for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) permuted[i * n + j] = matrix[rowOrder[i] * n + j];
              const residual = frobeniusDifference(referenceProduct(lower, upper, m, k, n), permuted);
              expect(residual).toBeLessThanOrEqual(residualTolerance(kind) * frobenius(matrix));
              for (const entry of lower) expect(Math.abs(entry)).toBeLessThanOrEqual(1);
              // Replaying the pivot swaps on 0..m-1 must give the permutation.
              const replay = Array.from({ length: m }, (_, i) => i);
              for (let j = 0; j < k; j++) {
                const p = pivots[b * k + j];
                expect(p).toBeGreaterThanOrEqual(j);
                [replay[j], replay[p]] = [replay[p], replay[j]];
              }
              expect(Array.from(rowOrder)).toEqual(replay);
            }
          },
        ),
        { seed: 99, numRuns: 80 },
      );
    });
  }

  it("matches scipy.linalg.lu_factor (packed factor, 0-based pivots) and scipy.linalg.lu (row order)", () => {
    for (const f of fixtures.lu) {
      const { packed, pivots, permutation } = runLu(Float64Array.from(f.a), f.m, f.n);
      expect(maxAbsDifference(packed, f.lu), f.name).toBeLessThan(1e-13);
      expect(Array.from(pivots), f.name).toEqual(f.pivots);
      expect(Array.from(permutation), f.name).toEqual(f.permutation);
    }
  });

  it("continues past an exactly zero pivot column without creating Inf or NaN", () => {
    const zeroPivot = fixtures.lu.find((f) => f.name === "zero_pivot3");
    expect(zeroPivot).toBeDefined();
    const { packed } = runLu(Float64Array.from(zeroPivot!.a), 3, 3);
    expect(packed[0]).toBe(0);
    expect(Array.from(packed).every(Number.isFinite)).toBe(true);
  });

  it("gives the determinant sign of permutation matrices through its pivots", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }).chain((n) => fc.shuffledSubarray([...Array(n).keys()], { minLength: n })),
        (perm) => {
          const n = perm.length;
          // Row i of the matrix is e_{perm[i]}, so det = sign(perm).
          const a = new Float64Array(n * n);
          for (let i = 0; i < n; i++) a[i * n + perm[i]] = 1;
          const { packed, pivots } = runLu(a, n, n);
          let determinant = 1;
          for (let j = 0; j < n; j++) determinant *= (pivots[j] !== j ? -1 : 1) * packed[j * n + j];
          expect(determinant).toBe(permutationSign(perm));
        },
      ),
      { seed: 5, numRuns: 100 },
    );
  });

  it("handles n = 1, empty shapes and in-place output", () => {
    const single = runLu(Float64Array.of(-2.5), 1, 1);
    expect(Array.from(single.packed)).toEqual([-2.5]);
    expect(Array.from(single.pivots)).toEqual([0]);
    const emptyPermutation = new Int32Array(6).fill(-1);
    lu(new Float64Array(0), 2, 3, 0, new Float64Array(0), new Int32Array(0), emptyPermutation);
    expect(Array.from(emptyPermutation)).toEqual([0, 1, 2, 0, 1, 2]);
    const a = Float64Array.of(1, 2, 3, 4);
    const pivots = new Int32Array(2);
    const permutation = new Int32Array(2);
    lu(a, 1, 2, 2, a, pivots, permutation);
    expect(Array.from(a)).toEqual([3, 4, 1 / 3, 2 - 4 / 3]);
    expect(Array.from(permutation)).toEqual([1, 0]);
  });
});
