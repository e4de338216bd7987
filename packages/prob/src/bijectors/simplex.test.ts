// SoftmaxCentered, IteratedSigmoidCentered, Ascending: TFP's documented values, round trips, and
// log-det-Jacobians against the Jacobian (the embedding volume √det(JᵀJ) for SoftmaxCentered, the first n
// output coordinates for IteratedSigmoidCentered, as TFP defines them).
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { np } from "@fluxion/core";
import * as tfb from "./index.js";
import { closeTo, f64, fresh, halfLogDetGram, jacobianMatrix, logAbsDet, numbers } from "./bijectors.testing.js";

const entry = fc.double({ min: -4, max: 4, noNaN: true, noDefaultInfinity: true });
const vector = fc.array(entry, { minLength: 1, maxLength: 5 });

describe("SoftmaxCentered", () => {
  test("TFP's documented example: forward(log [2, 3, 4]) = [0.2, 0.3, 0.4, 0.1]", () => {
    const b = new tfb.SoftmaxCentered();
    expect(closeTo(numbers(b.forward(np.log(f64([2, 3, 4])))), [0.2, 0.3, 0.4, 0.1], 1e-15)).toBeNull();
    expect(closeTo(numbers(b.inverse(f64([0.2, 0.3, 0.4, 0.1]))), [2, 3, 4].map(Math.log), 1e-14)).toBeNull();
    expect(b.forwardEventShape([5, 3])).toEqual([5, 4]);
    expect(b.inverseEventShape([4])).toEqual([3]);
  });

  test("round trip; ldj = ½ log det(JᵀJ) of the (n+1)×n Jacobian; ildj = -fldj", () => {
    fc.assert(
      fc.property(vector, (v) => {
        const b = new tfb.SoftmaxCentered();
        const x = f64(v);
        const y = b.forward(x);
        expect(np.sum(y).item()).toBeCloseTo(1, 14);
        expect(closeTo(numbers(b.inverse(fresh(y))), v, 1e-12, 1e-12)).toBeNull();
        const expected = halfLogDetGram(jacobianMatrix((u) => b.forward(u), x));
        expect(b.forwardLogDetJacobian(x).item()).toBeCloseTo(expected, 11);
        expect(b.inverseLogDetJacobian(fresh(y)).item()).toBeCloseTo(-expected, 11);
      }),
      { seed: 31, numRuns: 20 },
    );
  });

  test("finite log-det-Jacobian for very large logits", () => {
    const ldj = new tfb.SoftmaxCentered().forwardLogDetJacobian(f64([500, -500, 20]));
    expect(Number.isFinite(ldj.item())).toBe(true);
  });
});

describe("IteratedSigmoidCentered", () => {
  test("TFP's documented example: 0 maps to the barycentre", () => {
    const b = new tfb.IteratedSigmoidCentered();
    expect(closeTo(numbers(b.forward(f64([0, 0, 0]))), [0.25, 0.25, 0.25, 0.25], 1e-15)).toBeNull();
    expect(closeTo(numbers(b.inverse(f64([0.25, 0.25, 0.25, 0.25]))), [0, 0, 0], 1e-15, 1e-15)).toBeNull();
  });

  test("round trip; ldj = log|det| of the Jacobian onto the first n coordinates", () => {
    fc.assert(
      fc.property(vector, (v) => {
        const b = new tfb.IteratedSigmoidCentered();
        const x = f64(v);
        const y = b.forward(x);
        expect(np.sum(y).item()).toBeCloseTo(1, 14);
        for (const e of numbers(y)) expect(e).toBeGreaterThan(0);
        expect(closeTo(numbers(b.inverse(fresh(y))), v, 1e-9, 1e-9)).toBeNull();
        const rows = v.map((_, i) => i);
        const expected = logAbsDet(jacobianMatrix((u) => b.forward(u), x, rows));
        expect(b.forwardLogDetJacobian(x).item()).toBeCloseTo(expected, 10);
        expect(b.inverseLogDetJacobian(fresh(y)).item()).toBeCloseTo(-expected, 9);
      }),
      { seed: 32, numRuns: 20 },
    );
  });
});

describe("Ascending", () => {
  test("TFP's documented examples", () => {
    const b = new tfb.Ascending();
    expect(numbers(b.inverse(f64([2, 3, 4])))).toEqual([2, 0, 0]);
    expect(closeTo(numbers(b.forward(f64([0.06428002, -1.07774478, -0.71530371]))), [0.06428002, 0.40464228, 0.8936858], 1e-7)).toBeNull();
  });

  test("strictly increasing output, round trip, ldj = log|det J| (batched)", () => {
    fc.assert(
      fc.property(vector, (v) => {
        const b = new tfb.Ascending();
        const x = f64(v);
        const y = numbers(b.forward(x));
        for (let i = 1; i < y.length; i++) expect(y[i]!).toBeGreaterThan(y[i - 1]!);
        expect(closeTo(numbers(b.inverse(f64(y))), v, 1e-9, 1e-9)).toBeNull();
        const expected = logAbsDet(jacobianMatrix((u) => b.forward(u), x));
        expect(b.forwardLogDetJacobian(x).item()).toBeCloseTo(expected, 11);
        expect(b.inverseLogDetJacobian(f64(y)).item()).toBeCloseTo(-expected, 9);
        const batch = f64([v, v.map((e) => e / 2)]);
        expect(b.forwardLogDetJacobian(batch).shape).toEqual([2]);
        expect(b.forwardLogDetJacobian(batch, 2).item()).toBeCloseTo(v.slice(1).reduce((s, e) => s + 1.5 * e, 0), 11);
      }),
      { seed: 33, numRuns: 20 },
    );
    expect(() => new tfb.Ascending({ validateArgs: true }).inverse(f64([1, 1, 2]))).toThrow(/strictly increasing/);
  });
});
