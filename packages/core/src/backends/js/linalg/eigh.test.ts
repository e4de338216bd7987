// Tests for the batched symmetric eigensolver: A V = V diag(w), VᵀV = I, ascending order, triangle choice, numpy values.
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { eigh } from "./eigh.js";
import type { LinalgFixtures } from "./fixtureTypes.js";
import {
  SeededRandom,
  allocate,
  frobenius,
  frobeniusDifference,
  identity,
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

/** Symmetric batch with NaN in the triangle that must not be read. */
function symmetricBatch(rng: SeededRandom, batch: number, n: number, lower: boolean): Float64Array {
  const data = new Float64Array(batch * n * n);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        const value = rng.normal();
        const readAt = lower ? i * n + j : j * n + i;
        const ignoredAt = lower ? j * n + i : i * n + j;
        if (i !== j) data[b * n * n + ignoredAt] = Number.NaN;
        data[b * n * n + readAt] = value;
      }
    }
  }
  return data;
}

function symmetricFromTriangle(a: ArrayLike<number>, n: number, lower: boolean): Float64Array {
  const full = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const value = lower ? a[i * n + j] : a[j * n + i];
      full[i * n + j] = full[j * n + i] = value;
    }
  }
  return full;
}

/** Returns ‖A V − V diag(w)‖ / ‖A‖ and ‖VᵀV − I‖ for one decomposition. */
function eighResiduals(full: Float64Array, vectors: Float64Array, values: Float64Array, n: number) {
  const av = referenceProduct(full, vectors, n, n, n);
  const vw = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) vw[i * n + j] = vectors[i * n + j] * values[j];
  const gram = referenceProduct(referenceTranspose(vectors, n, n), vectors, n, n, n);
  return {
    eigen: frobeniusDifference(av, vw) / Math.max(frobenius(full), Number.MIN_VALUE),
    orthogonality: frobeniusDifference(gram, identity(n)),
  };
}

describe("eigh", () => {
  for (const kind of ["float64", "float32"] as FloatKind[]) {
    for (const lower of [true, false]) {
      it(`gives A V = V diag(w) with orthonormal V and ascending w (${kind}, lower=${lower})`, () => {
        fc.assert(
          fc.property(fc.integer(), fc.integer({ min: 0, max: 16 }), fc.integer({ min: 1, max: 3 }), (seed, n, batch) => {
            const rng = new SeededRandom(seed);
            const a = store(kind, symmetricBatch(rng, batch, n, lower));
            const vectors = allocate(kind, batch * n * n);
            const values = allocate(kind, batch * n);
            eigh(a, batch, n, lower, vectors, values);
            const tolerance = residualTolerance(kind);
            for (let b = 0; b < batch; b++) {
              const full = symmetricFromTriangle(slice64(a, b * n * n, n * n), n, lower);
              const w = slice64(values, b * n, n);
              const { eigen, orthogonality } = eighResiduals(full, slice64(vectors, b * n * n, n * n), w, n);
              expect(eigen).toBeLessThanOrEqual(tolerance);
              expect(orthogonality).toBeLessThanOrEqual(tolerance * Math.max(1, n));
              for (let i = 1; i < n; i++) expect(w[i]).toBeGreaterThanOrEqual(w[i - 1]);
            }
          }),
          { seed: 2718, numRuns: 60 },
        );
      });
    }
  }

  it("keeps float64 residuals below 1e-12 at n = 64 and n = 100", () => {
    for (const n of [64, 100]) {
      const rng = new SeededRandom(n);
      const a = symmetricBatch(rng, 1, n, true);
      const vectors = new Float64Array(n * n);
      const values = new Float64Array(n);
      eigh(a, 1, n, true, vectors, values);
      const { eigen, orthogonality } = eighResiduals(symmetricFromTriangle(a, n, true), vectors, values, n);
      expect(eigen).toBeLessThan(1e-12);
      expect(orthogonality).toBeLessThan(1e-12);
    }
  });

  it("reproduces numpy.linalg.eigvalsh on fixed matrices (random, clustered, Wilkinson W21+, graded, zero)", () => {
    expect(fixtures.eigvalsh.length).toBeGreaterThanOrEqual(8);
    for (const f of fixtures.eigvalsh) {
      const n = f.n;
      const a = Float64Array.from(f.a);
      const vectors = new Float64Array(n * n);
      const values = new Float64Array(n);
      eigh(a, 1, n, f.lower, vectors, values);
      const scale = Math.max(1, ...f.values.map(Math.abs));
      for (let i = 0; i < n; i++) {
        expect(Math.abs(values[i] - f.values[i]), `${f.name}[${i}]`).toBeLessThanOrEqual(1e-13 * scale);
      }
      const { eigen, orthogonality } = eighResiduals(symmetricFromTriangle(a, n, f.lower), vectors, values, n);
      expect(eigen, f.name).toBeLessThan(1e-13);
      expect(orthogonality, f.name).toBeLessThan(1e-13);
    }
  });

  it("separates a repeated eigenvalue into orthonormal vectors on a larger random spectrum", () => {
    // A = Q diag(spectrum) Qᵀ with Q from Gram–Schmidt on a random matrix; spectrum has a triple eigenvalue.
    const n = 12;
    const rng = new SeededRandom(11);
    const basis = rng.normals(n * n);
    for (let c = 0; c < n; c++) {
      for (let p = 0; p < c; p++) {
        let dot = 0;
        for (let r = 0; r < n; r++) dot += basis[r * n + c] * basis[r * n + p];
        for (let r = 0; r < n; r++) basis[r * n + c] -= dot * basis[r * n + p];
      }
      let norm = 0;
      for (let r = 0; r < n; r++) norm += basis[r * n + c] ** 2;
      for (let r = 0; r < n; r++) basis[r * n + c] /= Math.sqrt(norm);
    }
    const spectrum = [-4, -1, 0.5, 0.5, 0.5, 1, 2, 3, 5, 7, 7.5, 10];
    const scaled = new Float64Array(n * n);
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) scaled[r * n + c] = basis[r * n + c] * spectrum[c];
    const a = referenceProduct(scaled, referenceTranspose(basis, n, n), n, n, n);
    const vectors = new Float64Array(n * n);
    const values = new Float64Array(n);
    eigh(a, 1, n, true, vectors, values);
    for (let i = 0; i < n; i++) expect(Math.abs(values[i] - spectrum[i])).toBeLessThan(1e-13);
    const { eigen, orthogonality } = eighResiduals(symmetricFromTriangle(a, n, true), vectors, values, n);
    expect(eigen).toBeLessThan(1e-14);
    expect(orthogonality).toBeLessThan(1e-13);
  });

  it("fills only the batch element with a non-finite entry with NaN", () => {
    const a = Float64Array.of(2, 0, 1, 3, /* second */ Number.POSITIVE_INFINITY, 0, 0, 1);
    const vectors = new Float64Array(8);
    const values = new Float64Array(4);
    eigh(a, 2, 2, true, vectors, values);
    const w0 = (5 - Math.sqrt(5)) / 2;
    expect(values[0]).toBeCloseTo(w0, 14);
    expect(values[1]).toBeCloseTo((5 + Math.sqrt(5)) / 2, 14);
    expect(Array.from(vectors.subarray(0, 4)).every(Number.isFinite)).toBe(true);
    expect(Array.from(values.subarray(2)).every(Number.isNaN)).toBe(true);
    expect(Array.from(vectors.subarray(4)).every(Number.isNaN)).toBe(true);
  });

  it("handles n = 1, n = 0 and matrices of extreme scale", () => {
    const vectors = new Float32Array(1);
    const values = new Float32Array(1);
    eigh(Float32Array.of(-7), 1, 1, false, vectors, values);
    expect([vectors[0], values[0]]).toEqual([1, -7]);
    eigh(new Float64Array(0), 3, 0, true, new Float64Array(0), new Float64Array(0));
    for (const magnitude of [1e-300, 1e300]) {
      const a = Float64Array.of(2 * magnitude, 0, magnitude, 2 * magnitude);
      const outVectors = new Float64Array(4);
      const outValues = new Float64Array(2);
      eigh(a, 1, 2, true, outVectors, outValues);
      expect(outValues[0] / magnitude).toBeCloseTo(1, 14);
      expect(outValues[1] / magnitude).toBeCloseTo(3, 14);
    }
  });
});
