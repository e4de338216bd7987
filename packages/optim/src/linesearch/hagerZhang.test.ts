// Hager-Zhang line search: TFP's hager_zhang_test.py cases (quadratic, two minima, batched, bracket
// failures, Rosenbrock along a descent direction, approximate Wolfe, +inf recovery) plus NaN recovery.
import { describe, expect, test } from "vitest";
import { NDArray, np } from "@fluxion/core";
import { jit, vmap } from "@fluxion/transforms";
import { hagerZhang, type LinePoint } from "./hagerZhang.js";

const f64 = (x: number | number[]) => np.array(x, "float64");
const num = (x: NDArray) => x.item();
const bool = (x: NDArray) => x.toArray() as boolean | boolean[];

function isExactWolfe(x: number, fx: number, dfx: number, f0: number, df0: number, delta = 0.1, sigma = 0.9): boolean {
  return fx <= f0 + delta * x * df0 && dfx >= sigma * df0;
}
function isApproxWolfe(fx: number, dfx: number, f0: number, df0: number, delta = 0.1, sigma = 0.9, eps = 1e-6): boolean {
  return fx <= f0 + eps * Math.abs(f0) && (2 * delta - 1) * df0 >= dfx && dfx >= sigma * df0;
}

// (x - 1.3)^2
const quadratic = (x: NDArray): LinePoint => ({ x, f: np.square(np.subtract(x, 1.3)), df: np.multiply(np.subtract(x, 1.3), 2) });
// Two minima in the positive direction, near 0.46 and 2.65 (TFP's test_multiple_minima).
function twoMinima(x: NDArray): LinePoint {
  const p = (c: number[]) => c.reduce((acc: NDArray, ci) => np.add(np.multiply(acc, x), ci), np.zerosLike(x));
  return { x, f: p([0.988, -4.96, 4.978, 5.015, -6.043, -1]), df: p([4.94, -19.84, 14.934, 10.03, -6.043]) };
}

describe("hagerZhang", () => {
  test.each([0.1, 7.0])("quadratic from step %s converges to an exact Wolfe point", (start) => {
    const r = hagerZhang(quadratic, { initialStepSize: f64(start) });
    expect(bool(r.converged)).toBe(true);
    expect(bool(r.failed)).toBe(false);
    expect(num(r.left.x)).toBeCloseTo(num(r.right.x), 12);
    const v0 = quadratic(f64(0));
    expect(isExactWolfe(num(r.left.x), num(r.left.f), num(r.left.df), num(v0.f), num(v0.df))).toBe(true);
    expect(num(r.funcEvals)).toBeGreaterThanOrEqual(3);
  });

  test.each([0.1, 1.5, 2.0, 4.0])("two minima from step %s", (start) => {
    const r = hagerZhang(twoMinima, { initialStepSize: f64(start) });
    expect(bool(r.converged)).toBe(true);
    const v0 = twoMinima(f64(0));
    expect(isExactWolfe(num(r.left.x), num(r.left.f), num(r.left.df), num(v0.f), num(v0.df))).toBe(true);
  });

  test("a batch of steps gives the per-step results, with fewer batched evaluations than separate runs", () => {
    const starts = [0.1, 1.5, 2.0, 4.0];
    const batched = hagerZhang(twoMinima, { initialStepSize: f64(starts) });
    const mapped = starts.map((s) => hagerZhang(twoMinima, { initialStepSize: f64(s) }));
    expect(bool(batched.converged)).toEqual([true, true, true, true]);
    const lefts = batched.left.x.toArray() as number[];
    mapped.forEach((m, i) => expect(lefts[i]).toBeCloseTo(num(m.left.x), 5));
    expect(num(batched.funcEvals)).toBeLessThan(mapped.reduce((s, m) => s + num(m.funcEvals), 0));
    // vmap gives the same points, with per-member evaluation counts equal to the separate runs.
    const v = vmap((s: NDArray) => hagerZhang(twoMinima, { initialStepSize: s }))(f64(starts)) as { left: LinePoint; funcEvals: NDArray };
    expect(v.left.x.toArray()).toEqual(mapped.map((m) => num(m.left.x)));
    expect(v.funcEvals.toArray()).toEqual(mapped.map((m) => num(m.funcEvals)));
  });

  test("bracket failures are reported per batch member (TFP's test_batch_bracket_failures)", () => {
    const fdf = (x: NDArray): LinePoint => {
      const z = np.subtract(x, 1);
      return { x, f: np.subtract(np.exp(np.negative(z)), np.exp(np.negative(np.square(z)))), df: np.subtract(np.multiply(np.multiply(z, 2), np.exp(np.negative(np.square(z)))), np.exp(np.negative(z))) };
    };
    const r = hagerZhang(fdf, { initialStepSize: f64([0.01, 0.1, 1.0, 1.5, 2.0, -5.0]) });
    expect(bool(r.converged)).toEqual([true, true, true, true, true, false]);
    expect(bool(r.failed)).toEqual([false, false, false, false, false, true]);
    const v0 = fdf(f64(0));
    const xs = r.left.x.toArray() as number[];
    const fs = r.left.f.toArray() as number[];
    const dfs = r.left.df.toArray() as number[];
    expect(xs.map((x, i) => isExactWolfe(x, fs[i]!, dfs[i]!, num(v0.f), num(v0.df)))).toEqual([false, true, false, true, true, false]);
  });

  test("Rosenbrock along a descent direction", () => {
    const x0 = [-3, -4];
    const dir = [0.5, 1];
    const fdf = (t: NDArray): LinePoint => {
      const x = np.add(x0[0]!, np.multiply(t, dir[0]!));
      const y = np.add(x0[1]!, np.multiply(t, dir[1]!));
      const f = np.add(np.square(np.subtract(1, x)), np.multiply(np.square(np.subtract(y, np.square(x))), 100));
      const dfx = np.add(np.multiply(np.subtract(x, 1), 2), np.multiply(np.multiply(x, np.subtract(np.square(x), y)), 400));
      const dfy = np.multiply(np.subtract(y, np.square(x)), 200);
      return { x: t, f, df: np.add(np.multiply(dfx, dir[0]!), np.multiply(dfy, dir[1]!)) };
    };
    const r = hagerZhang(fdf, { initialStepSize: f64(1) });
    expect(bool(r.converged)).toBe(true);
  });

  test("approximate Wolfe conditions near a minimum at machine precision (TFP's test_approx_wolfe)", () => {
    const shift = 0.99999999255000149;
    const fdf = (x: NDArray): LinePoint => {
      const s = np.add(x, shift);
      return { x, f: np.add(np.subtract(1, np.multiply(s, 2)), np.square(s)), df: np.add(-2, np.multiply(s, 2)) };
    };
    const r = hagerZhang(fdf, { initialStepSize: f64(1e-8) });
    expect(bool(r.converged)).toBe(true);
    const v0 = fdf(f64(0));
    expect(isExactWolfe(num(r.left.x), num(r.left.f), num(r.left.df), num(v0.f), num(v0.df))).toBe(false);
    expect(isApproxWolfe(num(r.left.f), num(r.left.df), num(v0.f), num(v0.df))).toBe(true);
  });

  test("recovers from +inf beyond x = 4 while expanding (TFP's test_inf_recovery)", () => {
    const fdf = (x: NDArray): LinePoint => {
      const over = np.greater(x, 4);
      return { x, f: np.where(over, Infinity, np.square(np.subtract(x, 2))), df: np.where(over, NaN, np.multiply(np.subtract(x, 2), 2)) };
    };
    const r = hagerZhang(fdf, { initialStepSize: f64(1), expansionParam: 5 });
    expect(bool(r.converged)).toBe(true);
    const v0 = fdf(f64(0));
    expect(isExactWolfe(num(r.left.x), num(r.left.f), num(r.left.df), num(v0.f), num(v0.df))).toBe(true);
  });

  test("a NaN objective at the first step is shrunk away rather than failing", () => {
    // f = (x - 2)^2 for x <= 3, NaN beyond: the initial step 10 lands in the NaN region.
    const fdf = (x: NDArray): LinePoint => {
      const over = np.greater(x, 3);
      return { x, f: np.where(over, NaN, np.square(np.subtract(x, 2))), df: np.where(over, NaN, np.multiply(np.subtract(x, 2), 2)) };
    };
    const r = hagerZhang(fdf, { initialStepSize: f64(10) });
    expect(bool(r.failed)).toBe(false);
    expect(bool(r.converged)).toBe(true);
    expect(num(r.left.x)).toBeLessThanOrEqual(3);
    const v0 = fdf(f64(0));
    expect(isExactWolfe(num(r.left.x), num(r.left.f), num(r.left.df), num(v0.f), num(v0.df))).toBe(true);
  });

  test("invalid inputs fail without searching; converged members are left alone", () => {
    // A non-descent direction at 0 (df(0) > 0) is invalid.
    const up = (x: NDArray): LinePoint => ({ x, f: np.square(np.add(x, 1)), df: np.multiply(np.add(x, 1), 2) });
    const r = hagerZhang(up, { initialStepSize: f64(1) });
    expect(bool(r.failed)).toBe(true);
    expect(bool(r.converged)).toBe(false);
    expect(num(r.funcEvals)).toBe(2);
    const c = hagerZhang(quadratic, { initialStepSize: f64([1, 1]), convergedMask: [true, false] });
    expect(bool(c.converged)).toEqual([true, true]);
    expect((c.left.x.toArray() as number[])[0]).toBe(0);
  });

  test("runs under jit with the same answer", () => {
    const run = (s: NDArray) => hagerZhang(quadratic, { initialStepSize: s });
    const eager = run(f64(0.1));
    const compiled = jit(run)(f64(0.1)) as typeof eager;
    expect(num(compiled.left.x)).toBe(num(eager.left.x));
    expect(num(compiled.funcEvals)).toBe(num(eager.funcEvals));
  });

  test("acceptWolfeInitialStep: a Wolfe initial step costs one evaluation; otherwise TFP's search runs", () => {
    // From 1.0 on (x - 1.3)^2: f(1) = 0.09 <= 1.69 - 0.1 * 5.2 and f'(1) = -0.6 >= 0.9 * -2.6, exact Wolfe.
    const accepted = hagerZhang(quadratic, { initialStepSize: f64(1), acceptWolfeInitialStep: true });
    expect(bool(accepted.converged)).toBe(true);
    expect(num(accepted.funcEvals)).toBe(2); // the initial step and the point at 0 (no valueAtZero given)
    expect(num(accepted.left.x)).toBe(1);
    expect(num(accepted.right.x)).toBe(1);
    const tfp = hagerZhang(quadratic, { initialStepSize: f64(1) });
    expect(num(tfp.funcEvals)).toBeGreaterThan(2);
    // From 7.0 the step is not Wolfe (f rises): the option changes nothing.
    const far = hagerZhang(quadratic, { initialStepSize: f64(7), acceptWolfeInitialStep: true });
    const farTfp = hagerZhang(quadratic, { initialStepSize: f64(7) });
    expect(num(far.left.x)).toBe(num(farTfp.left.x));
    expect(num(far.funcEvals)).toBe(num(farTfp.funcEvals));
  });

  test("acceptWolfeInitialStep per batch member: accepted members keep their step, the others search", () => {
    const steps = f64([1, 7, 1.2]);
    const r = hagerZhang(quadratic, { initialStepSize: steps, acceptWolfeInitialStep: true });
    const left = r.left.x.toArray() as number[];
    expect(bool(r.converged)).toEqual([true, true, true]);
    expect(left[0]).toBe(1);
    expect(left[2]).toBe(1.2);
    const v0 = quadratic(f64(0));
    expect(isExactWolfe(left[1]!, (r.left.f.toArray() as number[])[1]!, (r.left.df.toArray() as number[])[1]!, num(v0.f), num(v0.df))).toBe(true);
    expect(left[1]).not.toBe(7);
  });
});
