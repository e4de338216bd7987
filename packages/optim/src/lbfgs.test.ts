// L-BFGS against TFP's lbfgs_test.py: bowls (2-d, 3-d with fAbsoluteTolerance, 40-d, 100-d sphere),
// skewed quadratics, Rosenbrock 2-d and 100-d, Himmelblau with TFP's published counts, batching,
// resuming, non-finite objectives, and jit(vmap(lbfgs)) over random restarts.
import { describe, expect, test } from "vitest";
import { NDArray, np, random } from "@fluxion/core";
import { jit, valueAndGrad, vmap } from "@fluxion/transforms";
import { convergedAll, convergedAny, lbfgsMinimize, type LbfgsResults, type ValueAndGradientsFunction } from "./index.js";
import { dataFittingObjective, f64, fixture, himmelblau, himmelblauMinima, quadraticBowl, rosenbrock2d, rosenbrockNd, skewedQuadratic } from "./problems.testing.js";

const vec = (x: NDArray) => x.toArray() as number[];
const maxAbsDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
const normInf = (x: NDArray) => Math.max(...(x.toArray() as number[]).map(Math.abs));

function expectConvergedTo(r: LbfgsResults, minimum: number[], gradTol = 1e-8, posTol = 1e-5) {
  expect(r.converged.item()).toBe(1);
  expect(r.failed.item()).toBe(0);
  expect(normInf(r.objectiveGradient)).toBeLessThanOrEqual(gradTol);
  expect(maxAbsDiff(vec(r.position), minimum)).toBeLessThan(posTol);
}

describe("lbfgsMinimize: TFP's test problems", () => {
  test("2-d quadratic bowl: 5 evaluations (TFP-on-JAX docs example)", () => {
    const r = lbfgsMinimize(quadraticBowl([1, 1], [2, 3]), { initialPosition: f64([0.6, 0.8]), tolerance: 1e-8 });
    expectConvergedTo(r, [1, 1]);
    expect(r.numObjectiveEvaluations.item()).toBe(5);
  });

  test("3-d bowl: fAbsoluteTolerance stops earlier", () => {
    const fn = quadraticBowl([1, 1, 1], [2, 3, 4]);
    const loose = lbfgsMinimize(fn, { initialPosition: f64([0.1, 0.8, 0.9]), fAbsoluteTolerance: 1 });
    const tight = lbfgsMinimize(fn, { initialPosition: f64([0.1, 0.8, 0.9]) });
    expect(loose.converged.item()).toBe(1);
    expect(tight.converged.item()).toBe(1);
    expect(loose.numIterations.item()).toBeLessThan(tight.numIterations.item());
  });

  test("100-d sphere is solved by the first line search", () => {
    const n = 100;
    const r = lbfgsMinimize(quadraticBowl(Array(n).fill(1), Array(n).fill(1)), { initialPosition: np.zeros([n], "float64") });
    expectConvergedTo(r, Array(n).fill(1));
    expect(r.numIterations.item()).toBe(1);
  });

  test("40-d quadratic bowl (TFP's seed-14159 data)", () => {
    const { minimum, scales } = fixture().bowl40;
    const r = lbfgsMinimize(quadraticBowl(minimum, scales), { initialPosition: np.onesLike(f64(minimum)) });
    expectConvergedTo(r, minimum);
  });

  test.each([["skew50"], ["strongSkew3"]] as const)("skewed quadratic %s", (name) => {
    const { minimum, hessian } = fixture()[name];
    const r = lbfgsMinimize(skewedQuadratic(minimum, hessian), { initialPosition: np.onesLike(f64(minimum)) });
    expectConvergedTo(r, minimum);
  });

  test("Rosenbrock 2-d from (-1.2, 1)", () => {
    const r = lbfgsMinimize(rosenbrock2d, { initialPosition: f64([-1.2, 1]), tolerance: 1e-5 });
    expectConvergedTo(r, [1, 1], 1e-5);
  });

  test("Rosenbrock 100-d from (-1.2, 1, -1.2, 1, ...)", () => {
    const n = 100;
    const start = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? -1.2 : 1));
    const r = lbfgsMinimize(rosenbrockNd, { initialPosition: f64(start), tolerance: 1e-8, maxIterations: 1000 });
    expectConvergedTo(r, Array(n).fill(1));
  });

  test.each([
    [[1, 1], 31],
    [[-2, 2], 17],
  ])("Himmelblau from %j: TFP's minimum and evaluation count %i", (start, evals) => {
    const r = lbfgsMinimize(himmelblau, { initialPosition: f64(start), tolerance: 1e-8 });
    expect(r.converged.item()).toBe(1);
    expect(maxAbsDiff(vec(r.position), himmelblauMinima[start.join(",")]!)).toBeLessThan(1e-5);
    expect(r.numObjectiveEvaluations.item()).toBe(evals);
  });

  // Regression: the line search used to report a non-Wolfe left end as converged (its "flat interval"
  // test was one-sided: true whenever left.f > right.f), and L-BFGS then stored a pair with s'y = -66.9
  // and failed after 2 iterations. SciPy 1.17 (BFGS and L-BFGS-B, exact gradient) goes from both starts
  // to the minimum (-3.7793102533777469, -3.2831859912861694) (Newton's method in mpmath, 30 digits).
  test.each([
    [[-2 / 3, -2]],
    [[-2 / 3, -2 / 3]],
  ])("Himmelblau from %j converges to SciPy's minimum (-3.7793..., -3.2832...)", (start) => {
    const r = lbfgsMinimize(himmelblau, { initialPosition: f64(start), tolerance: 1e-8 });
    expectConvergedTo(r, [-3.7793102533777469, -3.2831859912861694], 1e-8, 1e-9);
    expect(r.objectiveValue.item()).toBeLessThan(1e-15); // f ~ |g|^2 / (2 lambda_min) with |g| <= 1e-8
    // Every accepted step kept the curvature condition, so every stored pair has s'y > 0.
    const s = r.positionDeltas.toArray() as number[][];
    const y = r.gradientDeltas.toArray() as number[][];
    const curvatures = s.map((si, i) => si[0]! * y[i]![0]! + si[1]! * y[i]![1]!).filter((_, i) => s[i]!.some((v) => v !== 0));
    expect(curvatures.length).toBe(Math.min(10, (r.numIterations.item() as number) - 1));
    curvatures.forEach((sy) => expect(sy).toBeGreaterThan(0));
  });

  const starts = [[1, 1], [-2, 2], [-1, -1], [1, -2]];
  const minima = starts.map((s) => himmelblauMinima[s.join(",")]!);

  test("Himmelblau, [2, 2] batch of starts, convergedAll: 36 batched evaluations (TFP)", () => {
    const r = lbfgsMinimize(himmelblau, { initialPosition: f64([[starts[0]!, starts[1]!], [starts[2]!, starts[3]!]]), tolerance: 1e-8, stoppingCondition: convergedAll });
    expect(r.failed.toArray()).toEqual([[false, false], [false, false]]);
    expect(r.converged.toArray()).toEqual([[true, true], [true, true]]);
    (r.position.toArray() as number[][][]).flat().forEach((p, i) => expect(maxAbsDiff(p, minima[i]!)).toBeLessThan(1e-5));
    expect(r.numObjectiveEvaluations.item()).toBe(36);
  });

  test("Himmelblau, convergedAny (28 evaluations), then resumed with convergedAll (36, as if never stopped)", () => {
    const first = lbfgsMinimize(himmelblau, { initialPosition: f64(starts), tolerance: 1e-8, stoppingCondition: convergedAny });
    const conv = first.converged.toArray() as boolean[];
    expect(first.failed.toArray()).toEqual([false, false, false, false]);
    expect(conv.some(Boolean) && !conv.every(Boolean)).toBe(true);
    (first.position.toArray() as number[][]).forEach((p, i) => { if (conv[i]) expect(maxAbsDiff(p, minima[i]!)).toBeLessThan(1e-5); });
    expect(first.numObjectiveEvaluations.item()).toBe(28);
    const resumed = lbfgsMinimize(himmelblau, { previousOptimizerResults: first, stoppingCondition: convergedAll, tolerance: 1e-8 });
    (resumed.position.toArray() as number[][]).forEach((p, i) => expect(maxAbsDiff(p, minima[i]!)).toBeLessThan(1e-5));
    expect(resumed.numObjectiveEvaluations.item()).toBe(36);
  });

  test("initialPosition and previousOptimizerResults are exclusive", () => {
    const fn = quadraticBowl([1, 1], [2, 3]);
    expect(() => lbfgsMinimize(fn, {})).toThrow(/exactly one/);
    const r = lbfgsMinimize(fn, { initialPosition: f64([0.6, 0.8]) });
    expect(() => lbfgsMinimize(fn, { initialPosition: f64([0.6, 0.8]), previousOptimizerResults: r })).toThrow(/exactly one/);
  });

  test("30-d geometric GLM data fitting converges", () => {
    const r = lbfgsMinimize(dataFittingObjective("dataFitting30"), { initialPosition: np.ones([30], "float64"), tolerance: 1e-6 });
    expect(r.converged.item()).toBe(1);
    expect(normInf(r.objectiveGradient)).toBeLessThanOrEqual(1e-6);
  });
});

describe("lbfgsMinimize: edge cases", () => {
  test("non-finite objectives: -inf converges, +inf fails, without throwing", () => {
    const make = (fill: number): ValueAndGradientsFunction => {
      const value = (x: NDArray) => {
        const q = np.sum(np.multiply(f64([2, 3]), np.square(np.subtract(x, 1))), -1);
        return np.where(np.all(np.logicalAnd(np.greater(x, 0.7), np.less(x, 1.3)), -1), fill, q);
      };
      return (x) => [value(x), (valueAndGrad((z: NDArray) => np.sum(value(z)))(x) as [NDArray, NDArray])[1]];
    };
    const start = f64([[0.8, 0.8], [0, 0]]);
    const down = lbfgsMinimize(make(-Infinity), { initialPosition: start });
    expect(down.converged.toArray()).toEqual([true, true]);
    expect(down.failed.toArray()).toEqual([false, false]);
    expect(down.objectiveValue.toArray()).toEqual([-Infinity, -Infinity]);
    const up = lbfgsMinimize(make(Infinity), { initialPosition: start });
    expect(up.converged.toArray()).toEqual([false, false]);
    expect(up.failed.toArray()).toEqual([true, true]);
    expect(np.all(np.isfinite(up.position)).item()).toBe(1);
  });

  test("a NaN gradient at the start fails; a zero gradient converges with one evaluation", () => {
    const nan: ValueAndGradientsFunction = (x) => [np.sum(x), np.multiply(x, NaN)];
    const r = lbfgsMinimize(nan, { initialPosition: f64([1, 2]) });
    expect(r.failed.item()).toBe(1);
    expect(r.converged.item()).toBe(0);
    const z = lbfgsMinimize(quadraticBowl([1, 1], [2, 3]), { initialPosition: f64([1, 1]) });
    expect(z.converged.item()).toBe(1);
    expect(z.numObjectiveEvaluations.item()).toBe(1);
    expect(z.numIterations.item()).toBe(0);
  });

  test("maxIterations reached: neither converged nor failed", () => {
    const r = lbfgsMinimize(rosenbrock2d, { initialPosition: f64([-1.2, 1]), maxIterations: 4 });
    expect(r.numIterations.item()).toBe(4);
    expect(r.converged.item()).toBe(0);
    expect(r.failed.item()).toBe(0);
  });
});

describe("lbfgsMinimize under transforms", () => {
  test("jit(vmap(lbfgs)) over 10 random starts: each converges, with per-restart evaluation counts", () => {
    const starts = random.uniform(random.key(0), [10, 2], { minval: -5, maxval: 5, dtype: "float64" });
    const run = (x0: NDArray) => lbfgsMinimize(himmelblau, { initialPosition: x0, tolerance: 1e-8 });
    const batched = jit(vmap(run))(starts) as LbfgsResults;
    expect(batched.converged.toArray()).toEqual(Array(10).fill(true));
    expect(batched.failed.toArray()).toEqual(Array(10).fill(false));
    const counts = batched.numObjectiveEvaluations.toArray() as number[];
    const positions = batched.position.toArray() as number[][];
    const values = batched.objectiveValue.toArray() as number[];
    const startRows = starts.toArray() as number[][];
    startRows.forEach((s, i) => {
      // Each restart matches its own unbatched run, evaluation count included.
      const single = run(f64(s));
      expect(counts[i]).toBe(single.numObjectiveEvaluations.item());
      expect(maxAbsDiff(positions[i]!, vec(single.position))).toBeLessThan(1e-12);
      // And it sits at one of Himmelblau's four minima (value 0).
      expect(values[i]).toBeLessThan(1e-12);
      expect(Math.min(...Object.values(himmelblauMinima).map((m) => maxAbsDiff(positions[i]!, m)))).toBeLessThan(1e-5);
    });
    expect(new Set(counts).size).toBeGreaterThan(1);
  });

  test("jit(vmap(lbfgs)) from the starts that used to fail: each lane converges as its own run does", () => {
    const starts = [[-2 / 3, -2], [-2 / 3, -2 / 3], [1, 1]];
    const run = (x0: NDArray) => lbfgsMinimize(himmelblau, { initialPosition: x0, tolerance: 1e-8 });
    const batched = jit(vmap(run))(f64(starts)) as LbfgsResults;
    expect(batched.converged.toArray()).toEqual([true, true, true]);
    expect(batched.failed.toArray()).toEqual([false, false, false]);
    const counts = batched.numObjectiveEvaluations.toArray() as number[];
    (batched.position.toArray() as number[][]).forEach((p, i) => {
      expect(counts[i]).toBe(run(f64(starts[i]!)).numObjectiveEvaluations.item());
      expect(maxAbsDiff(p, i < 2 ? [-3.7793102533777469, -3.2831859912861694] : [3, 2])).toBeLessThan(1e-9);
    });
    expect(counts[2]).toBe(31); // TFP's count from (1, 1)
  });
});

describe("lbfgsMinimize: options", () => {
  test("xTolerance and fRelativeTolerance stop earlier than the gradient test, and report converged", () => {
    const fn = rosenbrock2d;
    const strict = lbfgsMinimize(fn, { initialPosition: f64([-1.2, 1]), maxIterations: 200 });
    const byX = lbfgsMinimize(fn, { initialPosition: f64([-1.2, 1]), maxIterations: 200, xTolerance: 1e-2 });
    const byF = lbfgsMinimize(fn, { initialPosition: f64([-1.2, 1]), maxIterations: 200, fRelativeTolerance: 1e-2 });
    expect(strict.converged.item()).toBe(1);
    for (const r of [byX, byF]) {
      expect(r.converged.item()).toBe(1);
      expect(r.numIterations.item()).toBeLessThan(strict.numIterations.item());
    }
    // They stopped on their own tests, not on the gradient.
    expect(normInf(byX.objectiveGradient)).toBeGreaterThan(1e-8);
    expect(normInf(byF.objectiveGradient)).toBeGreaterThan(1e-8);
  });

  test("float32 inputs run in float32 and converge to float32 accuracy", () => {
    const m = np.array([1, 1]);
    const s = np.array([2, 3]);
    const fn = valueAndGrad((x: NDArray) => np.sum(np.multiply(s, np.square(np.subtract(x, m))))) as ValueAndGradientsFunction;
    const r = lbfgsMinimize(fn, { initialPosition: np.array([0.6, 0.8]), tolerance: 1e-5 });
    expect(r.position.dtype).toBe("float32");
    expect(r.converged.item()).toBe(1);
    expect(maxAbsDiff(vec(r.position), [1, 1])).toBeLessThan(1e-5);
  });

  test("numCorrectionPairs sets the queue length", () => {
    const r = lbfgsMinimize(rosenbrock2d, { initialPosition: f64([-1.2, 1]), numCorrectionPairs: 3, tolerance: 1e-8, maxIterations: 200 });
    expect(r.positionDeltas.shape).toEqual([3, 2]);
    expect(r.converged.item()).toBe(1);
    expect(maxAbsDiff(vec(r.position), [1, 1])).toBeLessThan(1e-5);
  });

  test("acceptWolfeInitialStep: Rosenbrock 2-d reaches the same minimum with fewer evaluations (about one per iteration)", () => {
    const tfp = lbfgsMinimize(rosenbrock2d, { initialPosition: f64([-1.2, 1]), tolerance: 1e-8, maxIterations: 200 });
    const cg = lbfgsMinimize(rosenbrock2d, { initialPosition: f64([-1.2, 1]), tolerance: 1e-8, maxIterations: 200, acceptWolfeInitialStep: true });
    expectConvergedTo(tfp, [1, 1]);
    expectConvergedTo(cg, [1, 1]);
    const evals = cg.numObjectiveEvaluations.item();
    expect(evals).toBeLessThan(tfp.numObjectiveEvaluations.item());
    expect(evals).toBeLessThanOrEqual(1.5 * cg.numIterations.item() + 1);
  });

  test("acceptWolfeInitialStep: 100-d Rosenbrock to |g|inf <= 1e-5 in at most 650 evaluations (SciPy's L-BFGS-B: 625)", () => {
    const start = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? -1.2 : 1));
    const run = jit((x0: NDArray) => {
      const r = lbfgsMinimize(rosenbrockNd, { initialPosition: x0, tolerance: 1e-5, maxIterations: 2000, acceptWolfeInitialStep: true });
      return [r.converged, r.numObjectiveEvaluations, r.position, r.objectiveGradient];
    });
    const [converged, evals, position, gradient] = run(f64(start)) as NDArray[];
    expect(converged!.item()).toBe(1);
    expect(normInf(gradient!)).toBeLessThanOrEqual(1e-5);
    expect(maxAbsDiff(vec(position!), Array(100).fill(1))).toBeLessThan(1e-4);
    expect(evals!.item()).toBeLessThanOrEqual(650);
  }, 120_000);
});
