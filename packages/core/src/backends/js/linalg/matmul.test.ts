// Tests for the batched matmul and transposeLast2 helpers against a plain triple loop and index definitions.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { matmul, transposeLast2 } from "./matmul.js";
import {
  SeededRandom,
  allocate,
  frobenius,
  frobeniusDifference,
  referenceProduct,
  slice64,
  store,
  type FloatKind,
} from "./testMatrices.js";

describe("matmul", () => {
  for (const kind of ["float64", "float32"] as FloatKind[]) {
    it(`equals the triple-loop product per batch element (${kind})`, () => {
      fc.assert(
        fc.property(
          fc.integer(),
          fc.integer({ min: 0, max: 7 }),
          // k crosses the 64-wide blocking boundary in some runs.
          fc.integer({ min: 0, max: 140 }),
          fc.integer({ min: 0, max: 7 }),
          fc.integer({ min: 1, max: 3 }),
          (seed, m, k, n, batch) => {
            const rng = new SeededRandom(seed);
            const a = store(kind, rng.normals(batch * m * k));
            const b = store(kind, rng.normals(batch * k * n));
            const out = allocate(kind, batch * m * n);
            matmul(a, b, batch, m, k, n, out);
            for (let i = 0; i < batch; i++) {
              const expected = referenceProduct(slice64(a, i * m * k, m * k), slice64(b, i * k * n, k * n), m, k, n);
              const got = slice64(out, i * m * n, m * n);
              const tolerance = kind === "float64" ? 1e-13 : 1e-6;
              expect(frobeniusDifference(got, expected)).toBeLessThanOrEqual(tolerance * (1 + frobenius(expected)) * Math.sqrt(k + 1));
            }
          },
        ),
        { seed: 8, numRuns: 60 },
      );
    });
  }

  it("propagates NaN from a zero times infinity like IEEE arithmetic", () => {
    const out = new Float64Array(1);
    matmul(Float64Array.of(0, 1), Float64Array.of(Number.POSITIVE_INFINITY, 2), 1, 1, 2, 1, out);
    expect(out[0]).toBeNaN();
  });

  it("rejects an output of the wrong size", () => {
    expect(() => matmul(new Float64Array(6), new Float64Array(6), 1, 2, 3, 2, new Float64Array(5))).toThrow(
      /matmul: out has length 5 but shape \[1, 2, 2\] needs 4/,
    );
  });
});

describe("transposeLast2", () => {
  it("moves element (i, j) of every matrix to (j, i)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 3 }), (m, n, batch) => {
        const a = Float32Array.from({ length: batch * m * n }, (_, idx) => idx);
        const out = new Float32Array(batch * m * n);
        transposeLast2(a, batch, m, n, out);
        for (let b = 0; b < batch; b++)
          for (let i = 0; i < m; i++)
            for (let j = 0; j < n; j++) expect(out[b * m * n + j * m + i]).toBe(a[b * m * n + i * n + j]);
      }),
      { seed: 3, numRuns: 40 },
    );
  });
});
