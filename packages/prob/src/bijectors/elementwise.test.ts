// Scalar bijectors: round trips on random float64 inputs, log-det-Jacobians against forward-mode derivatives,
// reduction over extra event dims, closed-form values, and finite values at the domain edges where TFP's are.
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { NDArray, np } from "@fluxion/core";
import { grad, vmap } from "@fluxion/transforms";
import * as tfb from "./index.js";
import { closeTo, f64, fresh, jacobianMatrix, numbers } from "./bijectors.testing.js";

interface ScalarCase {
  label: string;
  make: () => tfb.Bijector;
  domain: fc.Arbitrary<number>;
  /** Absolute tolerance of the round trip (where the inverse is ill-conditioned near the range's edges). */
  atol?: number;
}

const uniform = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
const cases: ScalarCase[] = [
  { label: "Identity", make: () => new tfb.Identity(), domain: uniform(-10, 10) },
  { label: "Exp", make: () => new tfb.Exp(), domain: uniform(-20, 20) },
  { label: "Log", make: () => new tfb.Log(), domain: uniform(-6, 6).map(Math.exp) },
  { label: "Softplus", make: () => new tfb.Softplus(), domain: uniform(-20, 30) },
  { label: "Softplus(hinge 0.5, low 0.3)", make: () => new tfb.Softplus({ hingeSoftness: 0.5, low: 0.3 }), domain: uniform(-8, 10) },
  { label: "Softplus(hinge -2)", make: () => new tfb.Softplus({ hingeSoftness: f64(-2) }), domain: uniform(-10, 10) },
  { label: "Sigmoid", make: () => new tfb.Sigmoid(), domain: uniform(-15, 15), atol: 1e-8 },
  { label: "Sigmoid(low -2, high 5)", make: () => new tfb.Sigmoid({ low: f64(-2), high: f64(5) }), domain: uniform(-12, 12), atol: 1e-8 },
  { label: "Tanh", make: () => new tfb.Tanh(), domain: uniform(-5, 5), atol: 1e-9 },
  { label: "NormalCDF", make: () => new tfb.NormalCDF(), domain: uniform(-5, 5), atol: 1e-8 },
  { label: "Power(3)", make: () => new tfb.Power({ power: 3 }), domain: uniform(-5, 5).filter((v) => Math.abs(v) > 1e-3) },
  { label: "Power(2.5)", make: () => new tfb.Power({ power: f64(2.5) }), domain: uniform(0.01, 10) },
  { label: "Power(-1.5)", make: () => new tfb.Power({ power: -1.5 }), domain: uniform(0.1, 10) },
  { label: "Shift", make: () => new tfb.Shift({ shift: f64(-1.25) }), domain: uniform(-10, 10) },
  { label: "Scale(scale)", make: () => new tfb.Scale({ scale: f64(-0.3) }), domain: uniform(-10, 10) },
  { label: "Scale(logScale)", make: () => new tfb.Scale({ logScale: f64(1.7) }), domain: uniform(-10, 10) },
];

const inputs = (domain: fc.Arbitrary<number>) => fc.array(domain, { minLength: 1, maxLength: 6 });

describe.each(cases)("$label", ({ make, domain, atol }) => {
  test("inverse(forward(x)) = x and forward(inverse(y)) = y without the cache", () => {
    fc.assert(
      fc.property(inputs(domain), (values) => {
        const b = make();
        const x = f64(values);
        const y = b.forward(x);
        expect(closeTo(numbers(b.inverse(fresh(y))), values, 1e-9, atol ?? 1e-12)).toBeNull();
        expect(closeTo(numbers(b.forward(fresh(b.inverse(fresh(y))))), numbers(y), 1e-9, atol ?? 1e-12)).toBeNull();
      }),
      { seed: 20240611, numRuns: 25 },
    );
  });

  test("log-det-Jacobians match jacfwd, and ildj(y) = -fldj(x)", () => {
    fc.assert(
      fc.property(inputs(domain), (values) => {
        const b = make();
        const x = f64(values);
        const n = values.length;
        const jac = jacobianMatrix((v) => b.forward(v), x);
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) expect(Math.abs(jac[i]![j]!)).toBe(0);
        const expected = jac.map((row, i) => Math.log(Math.abs(row[i]!)));
        const fldj = np.broadcastTo(b.forwardLogDetJacobian(x), [n]);
        expect(closeTo(numbers(fldj), expected, 1e-9, 1e-10)).toBeNull();
        const y = fresh(b.forward(x));
        const ildj = np.broadcastTo(b.inverseLogDetJacobian(y), [n]);
        expect(closeTo(numbers(ildj), expected.map((v) => -v), 1e-9, 1e-9)).toBeNull();
        const invJac = jacobianMatrix((v) => b.inverse(v), y);
        expect(closeTo(numbers(ildj), invJac.map((row, i) => Math.log(Math.abs(row[i]!))), 1e-7, 1e-8)).toBeNull();
      }),
      { seed: 7, numRuns: 15 },
    );
  });

  test("eventNdims sums the log-det-Jacobian over the extra event dims", () => {
    const b = make();
    const x = f64([
      [0.5, 0.75, 1.5],
      [1.25, 0.25, 2],
    ]);
    const full = numbers(np.broadcastTo(b.forwardLogDetJacobian(x), [2, 3]));
    // Constant-Jacobian bijectors return an unbroadcast scalar, as TFP.
    const byRow = numbers(np.broadcastTo(b.forwardLogDetJacobian(x, 1), [2]));
    expect(closeTo(byRow, [full[0]! + full[1]! + full[2]!, full[3]! + full[4]! + full[5]!], 1e-12, 1e-12)).toBeNull();
    const total = b.forwardLogDetJacobian(x, 2);
    expect(total.shape).toEqual([]);
    expect(total.item()).toBeCloseTo(full.reduce((s, v) => s + v, 0), 10);
    expect(() => b.forwardLogDetJacobian(x, 3)).toThrow(/rank at least 3/);
  });
});

describe("closed forms (TFP formulas)", () => {
  test("Softplus with hinge softness c and low: c·log(1+exp(x/c)) + low; its inverse; Softplus lowerBound alias", () => {
    const b = new tfb.Softplus({ hingeSoftness: 0.5, low: 0.3 });
    const xs = [-3, -0.2, 0, 1.7];
    expect(closeTo(numbers(b.forward(f64(xs))), xs.map((x) => 0.5 * Math.log1p(Math.exp(x / 0.5)) + 0.3))).toBeNull();
    const alias = new tfb.Softplus({ hingeSoftness: 0.5, lowerBound: 0.3 });
    expect(numbers(alias.forward(f64(xs)))).toEqual(numbers(b.forward(f64(xs))));
    expect(() => new tfb.Softplus({ low: 1, lowerBound: 1 })).toThrow(/not both/);
    expect(() => new tfb.Softplus({ hingeSoftness: 0, validateArgs: true })).toThrow(/non-zero/);
  });

  test("Sigmoid(low, high) never leaves [low, high] and maps 0 to the midpoint", () => {
    const b = new tfb.Sigmoid({ low: f64(-2), high: f64(5) });
    const y = numbers(b.forward(f64([-1000, -40, 0, 40, 1000])));
    expect(y[0]).toBe(-2);
    expect(y[4]).toBe(5);
    expect(y[2]).toBeCloseTo(1.5, 14);
    for (const v of y) expect(v >= -2 && v <= 5).toBe(true);
    expect(() => new tfb.Sigmoid({ low: 1 })).toThrow(/both/);
    expect(() => new tfb.Sigmoid({ low: 3, high: 1, validateArgs: true })).toThrow(/low/);
  });

  test("Power with an odd integer exponent inverts negative values; others give NaN there", () => {
    expect(closeTo(numbers(new tfb.Power({ power: 3 }).inverse(f64([-8, 27]))), [-2, 3])).toBeNull();
    expect(Number.isNaN(numbers(new tfb.Power({ power: 2 }).inverse(f64([-4])))[0])).toBe(true);
    expect(() => new tfb.Power({ power: 2, validateArgs: true }).forward(f64([-1]))).toThrow(/non-negative/);
    expect(() => new tfb.Power({ power: 0, validateArgs: true })).toThrow(/non-zero/);
  });

  test("Exp and Log are each other's inverse; NormalCDF is Φ", () => {
    const x = f64([-1, 0, 2]);
    expect(closeTo(numbers(new tfb.Log().forward(new tfb.Exp().forward(x))), [-1, 0, 2], 1e-15)).toBeNull();
    expect(closeTo(numbers(new tfb.NormalCDF().forward(f64([-1.959963984540054, 0, 1]))), [0.025, 0.5, 0.8413447460685429], 1e-12)).toBeNull();
    expect(() => new tfb.NormalCDF({ validateArgs: true }).inverse(f64([1.5]))).toThrow(/\[0, 1\]/);
  });
});

describe("values at domain edges are finite where TFP's are", () => {
  const finite = (a: NDArray) => numbers(a).every(Number.isFinite);
  const grads = (f: (x: NDArray) => NDArray, x: NDArray) => vmap(grad((v: NDArray) => f(v)))(x) as NDArray;

  test("Softplus: far tails of forward, inverse and both log-det-Jacobians", () => {
    const b = new tfb.Softplus();
    const x = f64([-1000, -50, 50, 1000]);
    expect(finite(b.forward(x))).toBe(true);
    expect(finite(b.forwardLogDetJacobian(x))).toBe(true);
    expect(closeTo(numbers(b.forwardLogDetJacobian(x)), [-1000, -50, -1.9287498479639178e-22, 0], 1e-12, 1e-300)).toBeNull();
    const y = f64([1e-300, 1e-20, 40, 1e300]);
    expect(finite(b.inverse(y))).toBe(true);
    expect(finite(b.inverseLogDetJacobian(y))).toBe(true);
    expect(numbers(b.inverse(f64([1e-300])))[0]).toBeCloseTo(Math.log(1e-300), 10);
    expect(finite(grads((v) => b.forward(v), x))).toBe(true);
    expect(finite(grads((v) => b.forwardLogDetJacobian(v), x))).toBe(true);
    expect(finite(grads((v) => b.inverse(v), f64([1e-200, 1e-20, 40, 1e200])))).toBe(true);
  });

  test("Sigmoid and Tanh: log-det-Jacobians and their gradients at ±1000", () => {
    const x = f64([-1000, 1000]);
    for (const b of [new tfb.Sigmoid(), new tfb.Tanh(), new tfb.Sigmoid({ low: f64(-1), high: f64(2) })]) {
      expect(finite(b.forward(x))).toBe(true);
      expect(finite(b.forwardLogDetJacobian(x))).toBe(true);
      expect(finite(grads((v) => b.forward(v), x))).toBe(true);
      expect(finite(grads((v) => b.forwardLogDetJacobian(v), x))).toBe(true);
    }
    expect(closeTo(numbers(new tfb.Tanh().forwardLogDetJacobian(x)), [2 * (Math.LN2 - 1000), 2 * (Math.LN2 - 1000)], 1e-14)).toBeNull();
  });

  test("NormalCDF: log-det-Jacobian at ±40 and inverse at 1e-300", () => {
    const b = new tfb.NormalCDF();
    expect(finite(b.forwardLogDetJacobian(f64([-40, 40])))).toBe(true);
    expect(finite(b.inverse(f64([1e-300, 0.5])))).toBe(true);
    expect(finite(b.inverseLogDetJacobian(f64([1e-300, 0.5])))).toBe(true);
  });
});
