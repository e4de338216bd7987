// ScaleMatvecDiag / ScaleMatvecTriL (and vector-parameter Scale/Shift): round trips, log-det-Jacobians against
// log|det| of the jacfwd Jacobian, batch broadcasting of parameters against inputs.
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { np } from "@fluxion/core";
import * as tfb from "./index.js";
import { closeTo, f64, fresh, jacobianMatrix, logAbsDet, numbers } from "./bijectors.testing.js";

const entry = fc.double({ min: -3, max: 3, noNaN: true, noDefaultInfinity: true });
const awayFromZero = fc.double({ min: 0.3, max: 3, noNaN: true }).chain((m) => fc.boolean().map((neg) => (neg ? -m : m)));

/** A random n×n matrix with a well-conditioned lower triangle and arbitrary (ignored) upper entries. */
const trilMatrix = (n: number) =>
  fc.tuple(fc.array(entry, { minLength: n * n, maxLength: n * n }), fc.array(awayFromZero, { minLength: n, maxLength: n })).map(([all, diag]) => {
    const m = Array.from({ length: n }, (_, i) => all.slice(i * n, i * n + n));
    diag.forEach((d, i) => (m[i]![i] = d));
    return m;
  });

describe("ScaleMatvecDiag", () => {
  test("forward is diag·x, inverse divides, log-det-Jacobian = Σ log|d| = log|det J|", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }).chain((n) => fc.tuple(fc.array(awayFromZero, { minLength: n, maxLength: n }), fc.array(entry, { minLength: n, maxLength: n }))),
        ([d, xs]) => {
          const b = new tfb.ScaleMatvecDiag({ scaleDiag: f64(d) });
          const x = f64(xs);
          const y = b.forward(x);
          expect(closeTo(numbers(y), xs.map((v, i) => v * d[i]!), 1e-15)).toBeNull();
          expect(closeTo(numbers(b.inverse(fresh(y))), xs, 1e-12, 1e-14)).toBeNull();
          const expected = logAbsDet(jacobianMatrix((v) => b.forward(v), x));
          expect(b.forwardLogDetJacobian(x).item()).toBeCloseTo(expected, 12);
          expect(b.inverseLogDetJacobian(fresh(y)).item()).toBeCloseTo(-expected, 12);
        },
      ),
      { seed: 11, numRuns: 20 },
    );
  });

  test("a batch of diagonals broadcasts against a batch of inputs; ldj has the parameter batch shape", () => {
    const b = new tfb.ScaleMatvecDiag({ scaleDiag: f64([[1, 2], [3, 4], [0.5, -1]]) });
    const y = b.forward(f64([1, 1]));
    expect(y.shape).toEqual([3, 2]);
    expect(closeTo(numbers(b.forwardLogDetJacobian(f64([1, 1]))), [Math.log(2), Math.log(12), Math.log(0.5)])).toBeNull();
    // As TFP, the ldj keeps the parameters' batch shape rather than broadcasting to the input's.
    expect(b.forward(f64([[[1, 1]], [[2, 2]]])).shape).toEqual([2, 3, 2]);
    expect(b.forwardLogDetJacobian(f64([[[1, 1]], [[2, 2]]]), 1).shape).toEqual([3]);
  });
});

describe("ScaleMatvecTriL", () => {
  test.each([false, true])("adjoint=%s: forward = op(tril(L))·x, inverse solves it, ldj = log|det J|", (adjoint) => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }).chain((n) => fc.tuple(trilMatrix(n), fc.array(entry, { minLength: n, maxLength: n }))),
        ([m, xs]) => {
          const n = xs.length;
          const b = new tfb.ScaleMatvecTriL({ scaleTril: f64(m), adjoint });
          const x = f64(xs);
          const y = b.forward(x);
          const l = (i: number, j: number) => (j <= i ? m[i]![j]! : 0);
          const expectedY = xs.map((_, i) => xs.reduce((s, v, j) => s + (adjoint ? l(j, i) : l(i, j)) * v, 0));
          expect(closeTo(numbers(y), expectedY, 1e-13, 1e-13)).toBeNull();
          expect(closeTo(numbers(b.inverse(fresh(y))), xs, 1e-9, 1e-10)).toBeNull();
          const jac = jacobianMatrix((v) => b.forward(v), x);
          expect(b.forwardLogDetJacobian(x).item()).toBeCloseTo(logAbsDet(jac), 11);
          expect(b.inverseLogDetJacobian(fresh(y)).item()).toBeCloseTo(-logAbsDet(jac), 11);
          expect(jac.length).toBe(n);
        },
      ),
      { seed: 12, numRuns: 20 },
    );
  });

  test("one scale against a batch of inputs, and a batch of scales against one input", () => {
    const l = f64([[2, 0], [1, 3]]);
    const b = new tfb.ScaleMatvecTriL({ scaleTril: l });
    const xs = f64([[1, 0], [0, 1], [1, 1], [-2, 5]]);
    const y = b.forward(xs);
    expect(numbers(y)).toEqual([2, 1, 0, 3, 2, 4, -4, 13]);
    expect(closeTo(numbers(b.inverse(fresh(y))), numbers(xs), 1e-14, 1e-14)).toBeNull();
    expect(numbers(b.forwardLogDetJacobian(xs, 1))).toEqual([Math.log(6)]);
    const batch = new tfb.ScaleMatvecTriL({ scaleTril: np.stack([l, np.multiply(l, 2)]) });
    expect(closeTo(numbers(batch.inverse(f64([2, 4]))), [1, 1, 0.5, 0.5], 1e-14)).toBeNull();
    expect(closeTo(numbers(batch.forwardLogDetJacobian(f64([1, 1]))), [Math.log(6), Math.log(24)], 1e-14)).toBeNull();
  });

  test("validateArgs rejects a singular scale", () => {
    expect(() => new tfb.ScaleMatvecTriL({ scaleTril: f64([[1, 0], [2, 0]]), validateArgs: true })).toThrow(/non-singular/);
    expect(() => new tfb.ScaleMatvecDiag({ scaleDiag: f64([1, 0]), validateArgs: true })).toThrow(/non-singular/);
  });
});

describe("Scale and Shift with vector parameters", () => {
  test("ldj of Scale([s]) over a vector event sums log|s|; Scale needs exactly one of scale/logScale", () => {
    const b = new tfb.Scale({ scale: f64([2, -3, 0.5]) });
    expect(b.forwardLogDetJacobian(f64([1, 1, 1]), 1).item()).toBeCloseTo(Math.log(3), 14);
    expect(numbers(b.forwardLogDetJacobian(f64([1, 1, 1])))).toEqual([Math.LN2, Math.log(3), Math.log(0.5)]);
    expect(() => new tfb.Scale({})).toThrow(/exactly one/);
    expect(() => new tfb.Scale({ scale: 1, logScale: 0 })).toThrow(/exactly one/);
    expect(() => new tfb.Scale({ scale: f64([1, 0]), validateArgs: true })).toThrow(/non-zero/);
    const s = new tfb.Shift({ shift: f64([-1, 0, 1]) });
    expect(numbers(s.forward(f64([1, 2, 3])))).toEqual([0, 2, 4]);
  });

  test("JS-number parameters keep float32 inputs float32 and float64 inputs exact", () => {
    const b = new tfb.Scale({ logScale: 1.7 });
    expect(b.forward(np.array([1], "float32")).dtype).toBe("float32");
    const y = b.forward(f64([1]));
    expect(y.dtype).toBe("float64");
    expect(numbers(y)[0]).toBe(Math.exp(1.7));
    expect(b.forwardLogDetJacobian(f64([1])).item()).toBe(1.7);
  });
});
