// FillTriangular, TransformDiagonal, FillScaleTriL, CorrelationCholesky, CholeskyOuterProduct: TFP's documented
// values, round trips, and log-det-Jacobians against log|det| of the Jacobian between the free coordinates.
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { NDArray, np } from "@fluxion/core";
import * as tfb from "./index.js";
import { closeTo, f64, fresh, jacobianMatrix, logAbsDet, lowerTriangleIndices, numbers } from "./bijectors.testing.js";

const entry = fc.double({ min: -2, max: 2, noNaN: true, noDefaultInfinity: true });
const vectorOf = (m: number) => fc.array(entry, { minLength: m, maxLength: m });
/** n and a random vector of length n(n+1)/2. */
const triangleVector = fc.integer({ min: 1, max: 4 }).chain((n) => vectorOf((n * (n + 1)) / 2).map((v) => ({ n, v })));

describe("FillTriangular", () => {
  test("TFP's documented spiral order, lower and upper, and its inverse", () => {
    const x = f64([1, 2, 3, 4, 5, 6]);
    expect(new tfb.FillTriangular().forward(x).toArray()).toEqual([[4, 0, 0], [6, 5, 0], [3, 2, 1]]);
    expect(new tfb.FillTriangular({ upper: true }).forward(x).toArray()).toEqual([[1, 2, 3], [0, 5, 6], [0, 0, 4]]);
    expect(numbers(new tfb.FillTriangular().inverse(f64([[4, 0, 0], [6, 5, 0], [3, 2, 1]])))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(numbers(new tfb.FillTriangular({ upper: true }).inverse(f64([[1, 2, 3], [0, 5, 6], [0, 0, 4]])))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  test("round trips over sizes 1..4 with batch dims; the Jacobian onto the triangle is a permutation", () => {
    fc.assert(
      fc.property(triangleVector, fc.boolean(), ({ n, v }, upper) => {
        const b = new tfb.FillTriangular({ upper });
        const x = f64([v, v.map((e) => -e)]);
        const y = b.forward(x);
        expect(y.shape).toEqual([2, n, n]);
        expect(b.forwardEventShape([2, v.length])).toEqual([2, n, n]);
        expect(b.inverseEventShape([2, n, n])).toEqual([2, v.length]);
        expect(numbers(b.inverse(fresh(y)))).toEqual(numbers(x));
        const tri = upper ? lowerTriangleIndices(n).map((k) => (k % n) * n + Math.floor(k / n)) : lowerTriangleIndices(n);
        const jac = jacobianMatrix((u) => b.forward(u), f64(v), tri);
        expect(Math.abs(logAbsDet(jac))).toBe(0);
        expect(b.forwardLogDetJacobian(f64(v)).item()).toBe(0);
      }),
      { seed: 21, numRuns: 20 },
    );
    expect(() => new tfb.FillTriangular().forward(f64([1, 2, 3, 4]))).toThrow(/triangular number/);
  });
});

describe("TransformDiagonal", () => {
  test("Exp on the diagonal: TFP's example and log|det J| over all n² entries", () => {
    const b = new tfb.TransformDiagonal({ diagBijector: new tfb.Exp() });
    expect(closeTo(numbers(b.forward(f64([[1, 0], [0, 1]]))), [Math.E, 0, 0, Math.E], 1e-15)).toBeNull();
    const x = f64([[0.3, 1.5, -2], [0.25, -0.7, 4], [1, 2, 1.1]]);
    expect(b.forwardLogDetJacobian(x).item()).toBeCloseTo(logAbsDet(jacobianMatrix((u) => b.forward(u), x)), 12);
    expect(b.forwardLogDetJacobian(x).item()).toBeCloseTo(0.3 - 0.7 + 1.1, 14);
    expect(closeTo(numbers(b.inverse(fresh(b.forward(x)))), numbers(x), 1e-14, 1e-15)).toBeNull();
    expect(b.inverseLogDetJacobian(fresh(b.forward(x))).item()).toBeCloseTo(-0.7, 14);
  });
});

describe("FillScaleTriL", () => {
  test("TFP's documented example with diagBijector=Exp, diagShift=null", () => {
    const b = new tfb.FillScaleTriL({ diagBijector: new tfb.Exp(), diagShift: null });
    expect(b.forward(f64([0, 0, 0])).toArray()).toEqual([[1, 0], [0, 1]]);
    expect(closeTo(numbers(b.inverse(f64([[1, 0], [0.5, 2]]))), [Math.LN2, 0.5, 0], 1e-15)).toBeNull();
  });

  test("defaults (Softplus + 1e-5): positive diagonal, round trip, ldj = log|det| onto the lower triangle", () => {
    fc.assert(
      fc.property(triangleVector, ({ n, v }) => {
        const b = new tfb.FillScaleTriL();
        const x = f64(v);
        const y = b.forward(x);
        const yv = numbers(y);
        for (let i = 0; i < n; i++) expect(yv[i * n + i]!).toBeGreaterThan(1e-5);
        for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(yv[i * n + j]).toBe(0);
        expect(closeTo(numbers(b.inverse(fresh(y))), v, 1e-9, 1e-9)).toBeNull();
        const jac = jacobianMatrix((u) => b.forward(u), x, lowerTriangleIndices(n));
        expect(b.forwardLogDetJacobian(x).item()).toBeCloseTo(logAbsDet(jac), 11);
        expect(b.inverseLogDetJacobian(fresh(y)).item()).toBeCloseTo(-logAbsDet(jac), 9);
        expect(b.forwardMinEventNdims).toBe(1);
        expect(b.inverseMinEventNdims).toBe(2);
      }),
      { seed: 22, numRuns: 15 },
    );
  });
});

describe("CorrelationCholesky", () => {
  test("TFP's documented example", () => {
    const b = new tfb.CorrelationCholesky();
    const y = b.forward(f64([2, 2, 1]));
    const s2 = Math.SQRT1_2;
    expect(closeTo(numbers(y), [1, 0, 0, s2, s2, 0, 2 / 3, 2 / 3, 1 / 3], 1e-15, 1e-16)).toBeNull();
    expect(closeTo(numbers(b.inverse(fresh(y))), [2, 2, 1], 1e-14)).toBeNull();
    expect(b.forwardEventShape([3])).toEqual([3, 3]);
    expect(b.inverseEventShape([4, 4])).toEqual([6]);
  });

  test("unit-norm rows, round trip, ldj = log|det| onto the strictly lower triangle", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 4 }).chain((n) => vectorOf((n * (n - 1)) / 2).map((v) => ({ n, v }))),
        ({ n, v }) => {
          const b = new tfb.CorrelationCholesky();
          const x = f64(v);
          const y = b.forward(x);
          const rows = numbers(np.sum(np.square(y), -1));
          expect(closeTo(rows, rows.map(() => 1), 1e-14)).toBeNull();
          expect(closeTo(numbers(b.inverse(fresh(y))), v, 1e-12, 1e-12)).toBeNull();
          const jac = jacobianMatrix((u) => b.forward(u), x, lowerTriangleIndices(n, true));
          expect(b.forwardLogDetJacobian(x).item()).toBeCloseTo(logAbsDet(jac), 11);
          expect(b.inverseLogDetJacobian(fresh(y)).item()).toBeCloseTo(-logAbsDet(jac), 11);
        },
      ),
      { seed: 23, numRuns: 15 },
    );
  });
});

describe("CholeskyOuterProduct", () => {
  test("TFP's documented example", () => {
    const b = new tfb.CholeskyOuterProduct();
    expect(b.forward(f64([[1, 0], [2, 1]])).toArray()).toEqual([[1, 2], [2, 5]]);
    expect(closeTo(numbers(b.inverse(f64([[1, 2], [2, 5]]))), [1, 0, 2, 1], 1e-14, 1e-14)).toBeNull();
  });

  test("the upper triangle is ignored; ldj = log|det| between lower triangles; round trip", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }).chain((n) =>
          fc.tuple(vectorOf(n * n), fc.array(fc.double({ min: 0.2, max: 3, noNaN: true }), { minLength: n, maxLength: n })).map(([all, diag]) => ({ n, all, diag })),
        ),
        ({ n, all, diag }) => {
          const m = all.slice();
          diag.forEach((d, i) => (m[i * n + i] = d));
          const x = np.reshape(f64(m), [n, n]);
          const b = new tfb.CholeskyOuterProduct();
          const y = b.forward(x);
          const lower = lowerTriangleIndices(n);
          const jac = jacobianMatrix((u) => b.forward(u), x, lower, lower);
          expect(b.forwardLogDetJacobian(x).item()).toBeCloseTo(logAbsDet(jac), 11);
          const expectedL = m.map((e, k) => (k % n <= Math.floor(k / n) ? e : 0));
          expect(closeTo(numbers(b.inverse(fresh(y))), expectedL, 1e-10, 1e-10)).toBeNull();
          expect(b.inverseLogDetJacobian(fresh(y)).item()).toBeCloseTo(-logAbsDet(jac), 9);
        },
      ),
      { seed: 24, numRuns: 15 },
    );
  });

  test("TFP's distribution over PSD matrices: Chain([CholeskyOuterProduct(), FillScaleTriL()]) maps R^6 to 3×3 SPD", () => {
    const b = new tfb.Chain([new tfb.CholeskyOuterProduct(), new tfb.FillScaleTriL()]);
    expect(b.forwardMinEventNdims).toBe(1);
    expect(b.inverseMinEventNdims).toBe(2);
    const y = b.forward(f64([0.1, -0.4, 0.3, 1.2, -0.7, 0.5])) as NDArray;
    expect(y.shape).toEqual([3, 3]);
    const eig = numbers(np.linalg.eigvalsh(y));
    for (const e of eig) expect(e).toBeGreaterThan(0);
    expect(closeTo(numbers(b.inverse(fresh(y))), [0.1, -0.4, 0.3, 1.2, -0.7, 0.5], 1e-9, 1e-9)).toBeNull();
  });
});
