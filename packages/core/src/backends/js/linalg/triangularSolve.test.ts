// Tests for the batched triangular solve: residuals for all 16 option combinations, ignored triangles, scipy values.
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
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
import { triangularSolve, type TriangularSolveOptions } from "./triangularSolve.js";

const fixtures = JSON.parse(
  readFileSync(new URL("./fixtures/linalg_fixtures.json", import.meta.url), "utf8"),
) as LinalgFixtures;

const allOptions: TriangularSolveOptions[] = [];
for (const leftSide of [true, false])
  for (const lower of [true, false])
    for (const transposeA of [true, false])
      for (const unitDiagonal of [true, false]) allOptions.push({ leftSide, lower, transposeA, unitDiagonal });

const describeOptions = (o: TriangularSolveOptions): string =>
  `leftSide=${o.leftSide} lower=${o.lower} transposeA=${o.transposeA} unitDiagonal=${o.unitDiagonal}`;

/**
 * The dense matrix op(A) that the options denote, built straight from the definition: keep A's named
 * triangle, put ones on the diagonal if unitDiagonal, then transpose if transposeA.
 */
function denseOp(a: ArrayLike<number>, order: number, o: TriangularSolveOptions): Float64Array {
  const kept = new Float64Array(order * order);
  for (let i = 0; i < order; i++) {
    for (let j = 0; j < order; j++) {
      const inTriangle = o.lower ? j <= i : j >= i;
      if (inTriangle) kept[i * order + j] = i === j && o.unitDiagonal ? 1 : a[i * order + j];
    }
  }
  return o.transposeA ? referenceTranspose(kept, order, order) : kept;
}

/**
 * A well-conditioned triangular batch: diagonal magnitudes in [1, 2] with random signs, off-diagonal
 * entries of size 1/order inside the triangle, and NaN everywhere the kernel must not read.
 */
function triangularBatch(rng: SeededRandom, batch: number, order: number, o: TriangularSolveOptions): Float64Array {
  const data = new Float64Array(batch * order * order);
  for (let idx = 0; idx < data.length; idx++) {
    const i = Math.floor((idx % (order * order)) / order);
    const j = idx % order;
    const inTriangle = o.lower ? j <= i : j >= i;
    if (i === j) {
      data[idx] = o.unitDiagonal ? Number.NaN : (1 + rng.uniform()) * (rng.uniform() < 0.5 ? -1 : 1);
    } else {
      data[idx] = inTriangle ? rng.normal() / order : Number.NaN;
    }
  }
  return data;
}

describe("triangularSolve", () => {
  for (const kind of ["float64", "float32"] as FloatKind[]) {
    for (const options of allOptions) {
      it(`solves op(A) X = B or X op(A) = B with small residual (${kind}, ${describeOptions(options)})`, () => {
        fc.assert(
          fc.property(
            fc.integer(),
            fc.integer({ min: 0, max: 9 }),
            fc.integer({ min: 0, max: 9 }),
            fc.integer({ min: 1, max: 3 }),
            (seed, m, n, batch) => {
              const rng = new SeededRandom(seed);
              const order = options.leftSide ? m : n;
              const a = store(kind, triangularBatch(rng, batch, order, options));
              const b = store(kind, rng.normals(batch * m * n));
              const out = allocate(kind, batch * m * n);
              triangularSolve(a, b, batch, m, n, options, out);
              for (let k = 0; k < batch; k++) {
                const op = denseOp(slice64(a, k * order * order, order * order), order, options);
                const x = slice64(out, k * m * n, m * n);
                const rhs = slice64(b, k * m * n, m * n);
                const product = options.leftSide
                  ? referenceProduct(op, x, m, m, n)
                  : referenceProduct(x, op, m, n, n);
                const scale = frobenius(op) * frobenius(x) + frobenius(rhs);
                const residual = frobeniusDifference(product, rhs);
                expect(residual).toBeLessThanOrEqual(residualTolerance(kind) * scale);
              }
            },
          ),
          { seed: 4242, numRuns: 40 },
        );
      });
    }
  }

  it("matches scipy.linalg.solve_triangular for every option combination", () => {
    expect(fixtures.triangularSolve).toHaveLength(16);
    for (const f of fixtures.triangularSolve) {
      const out = new Float64Array(f.m * f.n);
      triangularSolve(Float64Array.from(f.a), Float64Array.from(f.b), 1, f.m, f.n, f, out);
      expect(maxAbsDifference(out, f.x), describeOptions(f)).toBeLessThan(1e-13);
    }
  });

  it("solves batch elements independently and may write over b", () => {
    const options = { leftSide: true, lower: true, transposeA: false, unitDiagonal: false };
    const a = Float64Array.of(2, 0, 1, 4, /* second matrix */ 1, 0, 0, 1);
    const b = Float64Array.of(2, 6, /* second */ 5, 7);
    triangularSolve(a, b, 2, 2, 1, options, b);
    expect(Array.from(b)).toEqual([1, 1.25, 5, 7]);
  });

  it("propagates a zero diagonal as IEEE infinities and NaN instead of throwing", () => {
    const options = { leftSide: true, lower: false, transposeA: false, unitDiagonal: false };
    const out = new Float64Array(2);
    triangularSolve(Float64Array.of(0, 0), Float64Array.of(1, 0), 2, 1, 1, options, out);
    expect(out[0]).toBe(Number.POSITIVE_INFINITY);
    expect(out[1]).toBeNaN();
  });

  it("accepts empty shapes and rejects mismatched buffers", () => {
    const options = { leftSide: false, lower: true, transposeA: true, unitDiagonal: false };
    triangularSolve(new Float64Array(0), new Float64Array(0), 3, 4, 0, options, new Float64Array(0));
    triangularSolve(new Float64Array(3 * 4), new Float64Array(0), 3, 0, 2, options, new Float64Array(0));
    expect(() =>
      triangularSolve(new Float64Array(9), new Float64Array(6), 1, 3, 2, options, new Float64Array(6)),
    ).toThrow(/triangularSolve: a has length 9 but shape \[1, 2, 2\] needs 4/);
  });
});
