// Tests for batched Householder QR: A = Q R residuals, orthonormal Q, triangular R, numpy's sign convention.
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { LinalgFixtures } from "./fixtureTypes.js";
import { qr } from "./qr.js";
import {
  SeededRandom,
  allocate,
  frobenius,
  frobeniusDifference,
  identity,
  maxAbsDifference,
  referenceProduct,
  referenceTranspose,
  residualTolerance,
  slice64,
  store,
  type FloatKind,
} from "./testMatrices.js";

const fixtures = JSON.parse(
  readFileSync(new URL("./fixtures/linalg_fixtures.json", import.meta.url), "utf8"),
) as LinalgFixtures;

describe("qr", () => {
  for (const kind of ["float64", "float32"] as FloatKind[]) {
    for (const fullMatrices of [true, false]) {
      it(`gives A = Q R, QᵀQ = I and upper-triangular R (${kind}, fullMatrices=${fullMatrices})`, () => {
        fc.assert(
          fc.property(
            fc.integer(),
            fc.integer({ min: 0, max: 10 }),
            fc.integer({ min: 0, max: 10 }),
            fc.integer({ min: 1, max: 3 }),
            (seed, m, n, batch) => {
              const rng = new SeededRandom(seed);
              const k = Math.min(m, n);
              const qColumns = fullMatrices ? m : k;
              const rRows = fullMatrices ? m : k;
              const a = store(kind, rng.normals(batch * m * n));
              const outQ = allocate(kind, batch * m * qColumns);
              const outR = allocate(kind, batch * rRows * n);
              qr(a, batch, m, n, fullMatrices, outQ, outR);
              const tolerance = residualTolerance(kind);
              for (let b = 0; b < batch; b++) {
                const matrix = slice64(a, b * m * n, m * n);
                const q = slice64(outQ, b * m * qColumns, m * qColumns);
                const r = slice64(outR, b * rRows * n, rRows * n);
                const residual = frobeniusDifference(referenceProduct(q, r, m, qColumns, n), matrix);
                expect(residual).toBeLessThanOrEqual(tolerance * Math.max(frobenius(matrix), 1e-300));
                const gram = referenceProduct(referenceTranspose(q, m, qColumns), q, qColumns, m, qColumns);
                expect(frobeniusDifference(gram, identity(qColumns))).toBeLessThanOrEqual(tolerance * Math.max(1, qColumns));
                for (let i = 0; i < rRows; i++) for (let j = 0; j < Math.min(i, n); j++) expect(r[i * n + j]).toBe(0);
              }
            },
          ),
          { seed: 31337, numRuns: 60 },
        );
      });
    }
  }

  it("matches numpy.linalg.qr entry by entry, signs included, in both modes", () => {
    expect(fixtures.qr.length).toBeGreaterThanOrEqual(10);
    for (const f of fixtures.qr) {
      const k = Math.min(f.m, f.n);
      const outQ = new Float64Array(f.m * (f.fullMatrices ? f.m : k));
      const outR = new Float64Array((f.fullMatrices ? f.m : k) * f.n);
      qr(Float64Array.from(f.a), 1, f.m, f.n, f.fullMatrices, outQ, outR);
      expect(maxAbsDifference(outQ, f.q), f.name).toBeLessThan(1e-13);
      expect(maxAbsDifference(outR, f.r), f.name).toBeLessThan(1e-13);
    }
  });

  it("keeps the sign of a diagonal entry whose column is already reduced (LAPACK's tau = 0 case)", () => {
    const outQ = new Float64Array(4);
    const outR = new Float64Array(4);
    qr(Float64Array.of(-3, 1, 0, 2), 1, 2, 2, true, outQ, outR);
    expect(Array.from(outQ)).toEqual([1, 0, 0, 1]);
    expect(Array.from(outR)).toEqual([-3, 1, 0, 2]);
  });

  it("handles a zero matrix, n = 1 columns and empty shapes", () => {
    const outQ = new Float64Array(9);
    const outR = new Float64Array(6);
    qr(new Float64Array(6), 1, 3, 2, true, outQ, outR);
    expect(Array.from(outQ)).toEqual(Array.from(identity(3)));
    expect(Array.from(outR)).toEqual([0, 0, 0, 0, 0, 0]);
    const columnQ = new Float64Array(2);
    const columnR = new Float64Array(1);
    qr(Float64Array.of(3, 4), 1, 2, 1, false, columnQ, columnR);
    expect(columnR[0]).toBeCloseTo(-5, 15);
    expect(maxAbsDifference(columnQ, [-0.6, -0.8])).toBeLessThan(1e-15);
    const emptyQ = new Float64Array(4).fill(7);
    qr(new Float64Array(0), 1, 2, 0, true, emptyQ, new Float64Array(0));
    expect(Array.from(emptyQ)).toEqual([1, 0, 0, 1]);
  });
});
