// Nelder-Mead against TFP's nelder_mead_test.py: quadratic bowls (vertex, simplex, step sizes, 10-d),
// skewed quadratics, sqrt and abs (non-smooth), Rosenbrock, Beale with iteration bounds; jit and vmap.
import { describe, expect, test } from "vitest";
import { NDArray, np } from "@fluxion/core";
import { jit, vmap } from "@fluxion/transforms";
import { nelderMeadMinimize, type NelderMeadResults } from "./index.js";
import { f64, fixture, rosenbrockValue } from "./problems.testing.js";

const vec = (x: NDArray) => x.toArray() as number[];
const maxAbsDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
const bowl = (minimum: number[], scales: number[]) => (x: NDArray) => np.sum(np.multiply(f64(scales), np.square(np.subtract(x, f64(minimum)))), -1);
const skew = (minimum: number[], hessian: number[][]) => (x: NDArray) => {
  const y = np.subtract(x, f64(minimum));
  return np.divide(np.sum(np.multiply(y, np.matmul(f64(hessian), y))), 2);
};
const beale = (c: NDArray) => {
  const x = c.slice(0);
  const y = c.slice(1);
  const t = (a: number, p: number) => np.square(np.add(np.subtract(a, x), np.multiply(x, np.power(y, p))));
  return np.add(np.add(t(1.5, 1), t(2.25, 2)), t(2.625, 3));
};

function expectAt(r: NelderMeadResults, minimum: number[], tol: number) {
  expect(r.converged.item()).toBe(1);
  expect(maxAbsDiff(vec(r.position), minimum)).toBeLessThan(tol);
}

describe("nelderMeadMinimize", () => {
  test("2-d bowl from a vertex", () => {
    expectAt(nelderMeadMinimize(bowl([1, 1], [2, 3]), { initialVertex: f64([0.6, 0.8]), funcTolerance: 1e-12 }), [1, 1], 1e-6);
  });

  test("2-d bowl from a simplex, batch-evaluated", () => {
    const r = nelderMeadMinimize(bowl([1, 1], [2, 3]), { initialSimplex: f64([[0.6, 0.8], [5.0, 4.1], [-1.4, -3.2]]), funcTolerance: 1e-12, batchEvaluateObjective: true });
    expectAt(r, [1, 1], 1e-6);
    expect(r.initialObjectiveValues.toArray()).toEqual(vec(bowl([1, 1], [2, 3])(f64([[0.6, 0.8], [5.0, 4.1], [-1.4, -3.2]]))));
  });

  test("2-d bowl with step sizes", () => {
    const r = nelderMeadMinimize(bowl([1, 1], [2, 3]), { initialVertex: f64([1.29, -0.88]), stepSizes: f64([0.2, 1.3]), funcTolerance: 1e-12, batchEvaluateObjective: true });
    expectAt(r, [1, 1], 1e-6);
    expect(r.initialSimplex.toArray()).toEqual([[1.29, -0.88], [1.29 + 0.2, -0.88], [1.29, -0.88 + 1.3]]);
  });

  test("10-d bowl (TFP's seed-14159 data)", () => {
    const { minimum, scales } = fixture().bowl10;
    expectAt(nelderMeadMinimize(bowl(minimum, scales), { initialVertex: np.ones([10], "float64"), funcTolerance: 1e-12, batchEvaluateObjective: true }), minimum, 1e-6);
  });

  test("skewed quadratics", () => {
    const a = fixture().skew3;
    expectAt(nelderMeadMinimize(skew(a.minimum, a.hessian), { initialVertex: np.ones([3], "float64"), funcTolerance: 1e-12 }), a.minimum, 1e-6);
    const b = fixture().strongSkew3;
    expectAt(nelderMeadMinimize(skew(b.minimum, b.hessian), { initialVertex: np.ones([3], "float64"), funcTolerance: 1e-12 }), b.minimum, 1e-5);
  });

  test("non-smooth objectives: sqrt of a quadratic, and |x|_1", () => {
    expectAt(nelderMeadMinimize((x) => np.sqrt(np.sum(np.square(x), -1)), { initialVertex: f64([1.2, 0.4, -1.8, 2.9]), funcTolerance: 1e-12, batchEvaluateObjective: true }), [0, 0, 0, 0], 1e-6);
    expectAt(nelderMeadMinimize((x) => np.sum(np.abs(x), -1), { initialVertex: f64([0.6, 1.8, -4.3]), funcTolerance: 1e-12 }), [0, 0, 0], 1e-5);
  });

  test("Rosenbrock 2-d from (-1, 1) finds (1, 1)", () => {
    const r = nelderMeadMinimize(rosenbrockValue, { initialVertex: f64([-1, 1]), funcTolerance: 1e-12 });
    expectAt(r, [1, 1], 1e-5);
    const evals = r.numObjectiveEvaluations.item();
    // 3 initial evaluations, then 1 (reflection) + 0..(n+2) per iteration.
    expect(evals).toBeGreaterThanOrEqual(3 + r.numIterations.item());
    expect(evals).toBeLessThanOrEqual(3 + r.numIterations.item() * 5);
  });

  test("maxIterations: exactly the needed count converges, one fewer does not (Beale)", () => {
    const unbounded = nelderMeadMinimize(beale, { initialVertex: f64([0.1, 1]), funcTolerance: 1e-12 });
    expectAt(unbounded, [3, 0.5], 1e-5);
    const k = unbounded.numIterations.item();
    const exact = nelderMeadMinimize(beale, { initialVertex: f64([0.1, 1]), funcTolerance: 1e-12, maxIterations: k });
    expect(exact.converged.item()).toBe(1);
    expect(exact.numIterations.item()).toBe(k);
    const short = nelderMeadMinimize(beale, { initialVertex: f64([0.1, 1]), funcTolerance: 1e-12, maxIterations: k - 1 });
    expect(short.converged.item()).toBe(0);
    expect(short.numIterations.item()).toBe(k - 1);
  });

  test("jit and vmap over starting vertices agree with eager runs", () => {
    const run = (v: NDArray) => nelderMeadMinimize(bowl([1, 1], [2, 3]), { initialVertex: v, funcTolerance: 1e-12 });
    const starts = [[0.6, 0.8], [-2, 3]];
    const eager = starts.map((s) => run(f64(s)));
    const compiled = jit(run)(f64(starts[0]!)) as NelderMeadResults;
    expect(vec(compiled.position)).toEqual(vec(eager[0]!.position));
    const batched = vmap(run)(f64(starts)) as NelderMeadResults;
    expect(batched.numIterations.toArray()).toEqual(eager.map((e) => e.numIterations.item()));
    expect(batched.position.toArray()).toEqual(eager.map((e) => vec(e.position)));
  });
});
