// BFGS against TFP's bfgs_test.py: quadratic bowls (2-d, 10-d), skewed quadratics, Rosenbrock,
// Himmelblau with TFP's published evaluation counts, batching, non-finite objectives, jit and vmap.
import { describe, expect, test } from "vitest";
import { NDArray, np } from "@fluxion/core";
import { jit, valueAndGrad, vmap } from "@fluxion/transforms";
import { bfgsMinimize, convergedAny, type BfgsResults, type ValueAndGradientsFunction } from "./index.js";
import { dataFittingObjective, f64, fixture, himmelblau, himmelblauMinima, quadraticBowl, rosenbrock2d, skewedQuadratic } from "./problems.testing.js";

const vec = (x: NDArray) => x.toArray() as number[];
const maxAbsDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
const normInf = (x: NDArray) => Math.max(...(x.toArray() as number[]).map(Math.abs));

function expectConvergedTo(r: BfgsResults, minimum: number[], gradTol = 1e-8, posTol = 1e-5) {
  expect(r.converged.item()).toBe(1);
  expect(r.failed.item()).toBe(0);
  expect(normInf(r.objectiveGradient)).toBeLessThanOrEqual(gradTol);
  expect(maxAbsDiff(vec(r.position), minimum)).toBeLessThan(posTol);
}

describe("bfgsMinimize", () => {
  test("2-d quadratic bowl: converges in 5 evaluations (TFP's docstring example)", () => {
    const r = bfgsMinimize(quadraticBowl([1, 1], [2, 3]), { initialPosition: f64([0.6, 0.8]), tolerance: 1e-8 });
    expectConvergedTo(r, [1, 1]);
    expect(r.numObjectiveEvaluations.item()).toBe(5);
  });
});

describe("bfgsMinimize: TFP's test problems", () => {
  test("2-d bowl with a given initial inverse Hessian", () => {
    const r = bfgsMinimize(quadraticBowl([1, 1], [2, 3]), { initialPosition: f64([0.6, 0.8]), initialInverseHessianEstimate: f64([[2, 1], [1, 2]]) });
    expectConvergedTo(r, [1, 1]);
  });

  test("a non positive definite or asymmetric initial inverse Hessian is rejected", () => {
    const fn = quadraticBowl([1, 1], [2, 3]);
    expect(() => bfgsMinimize(fn, { initialPosition: f64([0.6, 0.8]), initialInverseHessianEstimate: f64([[-2, 1], [1, -2]]) })).toThrow(/positive definite/);
    expect(() => bfgsMinimize(fn, { initialPosition: f64([0.6, 0.8]), initialInverseHessianEstimate: f64([[2, 0], [1, 2]]) })).toThrow(/symmetric/);
    // validateArgs: false runs anyway (TFP's "simply checking that this runs").
    const r = bfgsMinimize(fn, { initialPosition: f64([0.6, 0.8]), initialInverseHessianEstimate: f64([[-2, 1], [1, -2]]), validateArgs: false });
    expect(r.numIterations.item()).toBeGreaterThanOrEqual(1);
  });

  test("a batch of inverse Hessians, one per start", () => {
    const r = bfgsMinimize(quadraticBowl([1, 1], [2, 3]), {
      initialPosition: f64([[0.6, 0.8], [0.5, 0.5]]),
      initialInverseHessianEstimate: f64([[[2, 1], [1, 2]], [[1, 0], [0, 1]]]),
    });
    expect(r.converged.toArray()).toEqual([true, true]);
    const pos = r.position.toArray() as number[][];
    for (const p of pos) expect(maxAbsDiff(p, [1, 1])).toBeLessThan(1e-5);
  });

  test("10-d quadratic bowl (TFP's seed-14159 data)", () => {
    const { minimum, scales } = fixture().bowl10;
    const r = bfgsMinimize(quadraticBowl(minimum, scales), { initialPosition: np.onesLike(f64(minimum)) });
    expectConvergedTo(r, minimum);
  });

  test.each([["skew3"], ["strongSkew3"]] as const)("skewed 3-d quadratic %s", (name) => {
    const { minimum, hessian } = fixture()[name];
    const r = bfgsMinimize(skewedQuadratic(minimum, hessian), { initialPosition: np.onesLike(f64(minimum)) });
    expectConvergedTo(r, minimum);
  });

  test("Rosenbrock 2-d from (-1.2, 1)", () => {
    const r = bfgsMinimize(rosenbrock2d, { initialPosition: f64([-1.2, 1]), tolerance: 1e-5 });
    expectConvergedTo(r, [1, 1], 1e-5);
  });

  test.each([
    [[1, 1], 30],
    [[-2, 2], 17],
    [[-1, -1], 30],
    [[1, -2], 26],
  ])("Himmelblau from %j: TFP's minimum and evaluation count %i", (start, evals) => {
    const r = bfgsMinimize(himmelblau, { initialPosition: f64(start), tolerance: 1e-8 });
    expect(r.converged.item()).toBe(1);
    expect(maxAbsDiff(vec(r.position), himmelblauMinima[start.join(",")]!)).toBeLessThan(1e-5);
    expect(r.numObjectiveEvaluations.item()).toBe(evals);
  });

  const starts = [[1, 1], [-2, 2], [-1, -1], [1, -2]];
  const minima = starts.map((s) => himmelblauMinima[s.join(",")]!);

  test("Himmelblau, batch of 4 starts, convergedAll: 38 batched evaluations (TFP)", () => {
    const r = bfgsMinimize(himmelblau, { initialPosition: f64(starts), tolerance: 1e-8 });
    expect(r.failed.toArray()).toEqual([false, false, false, false]);
    expect(r.converged.toArray()).toEqual([true, true, true, true]);
    (r.position.toArray() as number[][]).forEach((p, i) => expect(maxAbsDiff(p, minima[i]!)).toBeLessThan(1e-5));
    expect(r.numObjectiveEvaluations.item()).toBe(38);
  });

  test("Himmelblau, batch of 4 starts, convergedAny: 31 batched evaluations (TFP)", () => {
    const r = bfgsMinimize(himmelblau, { initialPosition: f64(starts), tolerance: 1e-8, stoppingCondition: convergedAny });
    const conv = r.converged.toArray() as boolean[];
    expect(r.failed.toArray()).toEqual([false, false, false, false]);
    expect(conv.some(Boolean) && !conv.every(Boolean)).toBe(true);
    (r.position.toArray() as number[][]).forEach((p, i) => { if (conv[i]) expect(maxAbsDiff(p, minima[i]!)).toBeLessThan(1e-5); });
    expect(r.numObjectiveEvaluations.item()).toBe(31);
  });

  test("scaleInitialInverseHessian changes the second iterate as in TFP's test", () => {
    const fn = valueAndGrad((c: NDArray) => np.add(np.sin(c.slice(0)), np.sin(c.slice(1)))) as ValueAndGradientsFunction;
    const expected: Record<string, number[]> = {
      "true,1": [-0.62581634, -0.7477782], "false,1": [-0.62581634, -0.7477782],
      "true,2": [-1.70200959, -0.37774139], "false,2": [-1.24714478, -0.55028845],
      "true,50": [-1.57079633, -1.57079633], "false,50": [-1.57079633, -1.57079633],
    };
    for (const scale of [true, false]) {
      for (const maxIterations of [1, 2, 50]) {
        const r = bfgsMinimize(fn, { initialPosition: f64([1, -2]), tolerance: 1e-8, scaleInitialInverseHessian: scale, maxIterations });
        expect(maxAbsDiff(vec(r.position), expected[`${scale},${maxIterations}`]!)).toBeLessThan(1e-6);
      }
    }
  });

  test("geometric GLM data fitting: TFP's minimum and 18 evaluations", () => {
    const r = bfgsMinimize(dataFittingObjective(), { initialPosition: np.ones([3], "float64"), tolerance: 1e-6 });
    expect(maxAbsDiff(vec(r.position), [-0.020460034354, 0.171708568111, 0.021200423717])).toBeLessThan(1e-6);
    expect(r.numObjectiveEvaluations.item()).toBe(18);
  });
});

describe("bfgsMinimize: edge cases", () => {
  const holeObjective = (fill: number) => {
    const m = f64([1, 1]);
    const s = f64([2, 3]);
    const value = (x: NDArray) => {
      const q = np.sum(np.multiply(s, np.square(np.subtract(x, m))), -1);
      const hole = np.all(np.logicalAnd(np.greater(x, 0.7), np.less(x, 1.3)), -1);
      return np.where(hole, fill, q);
    };
    const fn: ValueAndGradientsFunction = (x) => {
      const [, g] = valueAndGrad((z: NDArray) => np.sum(value(z)))(x) as [NDArray, NDArray];
      return [value(x), g];
    };
    return { fn, value };
  };
  const startsOf = { fromStart: [0.8, 0.8], duringOpt: [0, 0], mixed: [[0.8, 0.8], [0, 0]] };

  test.each(Object.entries(startsOf))("stops gently at a -inf objective (%s)", (_name, start) => {
    const { fn, value } = holeObjective(-Infinity);
    const r = bfgsMinimize(fn, { initialPosition: f64(start as number[]) });
    expect((np.all(r.converged).item())).toBe(1);
    expect((np.any(r.failed).item())).toBe(0);
    expect(np.all(np.equal(r.objectiveValue, -Infinity)).item()).toBe(1);
    expect(np.all(np.isfinite(r.position)).item()).toBe(1);
    expect(np.all(np.equal(value(r.position), -Infinity)).item()).toBe(1);
  });

  test.each(Object.entries(startsOf))("fails promptly at a +inf objective (%s)", (_name, start) => {
    const { fn } = holeObjective(Infinity);
    const r = bfgsMinimize(fn, { initialPosition: f64(start as number[]) });
    expect(np.any(r.converged).item()).toBe(0);
    expect(np.all(r.failed).item()).toBe(1);
    expect(np.all(np.isfinite(r.position)).item()).toBe(1);
  });

  test("a NaN objective at the start fails without throwing", () => {
    const fn: ValueAndGradientsFunction = (x) => [np.sum(np.log(np.subtract(x, 5))), np.divide(1, np.subtract(x, 5))];
    const r = bfgsMinimize(fn, { initialPosition: f64([1, 2]) });
    expect(r.failed.item()).toBe(1);
    expect(r.converged.item()).toBe(0);
  });

  test("a NaN region met by the line search is stepped back from, and the minimum is found", () => {
    // 10 (sum x - sum log x): minimum at x = 1, NaN for x < 0; the first unit step from (5, 5) lands at (-3, -3).
    const fn = valueAndGrad((x: NDArray) => np.multiply(np.subtract(np.sum(x), np.sum(np.log(x))), 10)) as ValueAndGradientsFunction;
    const r = bfgsMinimize(fn, { initialPosition: f64([5, 5]) });
    expect(r.failed.item()).toBe(0);
    expectConvergedTo(r, [1, 1]);
  });

  test("a zero gradient at the start converges at once with one evaluation", () => {
    const r = bfgsMinimize(quadraticBowl([1, 1], [2, 3]), { initialPosition: f64([1, 1]) });
    expect(r.converged.item()).toBe(1);
    expect(r.numIterations.item()).toBe(0);
    expect(r.numObjectiveEvaluations.item()).toBe(1);
  });

  test("maxIterations reached: neither converged nor failed", () => {
    const r = bfgsMinimize(rosenbrock2d, { initialPosition: f64([-1.2, 1]), maxIterations: 3 });
    expect(r.numIterations.item()).toBe(3);
    expect(r.converged.item()).toBe(0);
    expect(r.failed.item()).toBe(0);
  });
});

describe("bfgsMinimize under transforms", () => {
  test("jit gives the eager result", () => {
    const run = (x0: NDArray) => bfgsMinimize(himmelblau, { initialPosition: x0 });
    const eager = run(f64([1, 1]));
    const compiled = jit(run)(f64([1, 1])) as BfgsResults;
    expect(vec(compiled.position)).toEqual(vec(eager.position));
    expect(compiled.numObjectiveEvaluations.item()).toBe(30);
  });

  test("vmap over starts: each restart converges with its own (unbatched) evaluation count", () => {
    const starts = [[1, 1], [-2, 2], [-1, -1], [1, -2]];
    const r = vmap((x0: NDArray) => bfgsMinimize(himmelblau, { initialPosition: x0 }))(f64(starts)) as BfgsResults;
    expect(r.converged.toArray()).toEqual([true, true, true, true]);
    expect(r.numObjectiveEvaluations.toArray()).toEqual([30, 17, 30, 26]);
    (r.position.toArray() as number[][]).forEach((p, i) => expect(maxAbsDiff(p, himmelblauMinima[starts[i]!.join(",")]!)).toBeLessThan(1e-5));
  });
});
