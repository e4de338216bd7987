// Optax-style optimizers checked against hand-computed updates for three steps (plain JS arithmetic
// of the published formulas), schedules against their closed forms, and `minimize` on real losses.
import { describe, expect, test } from "vitest";
import { NDArray, np } from "@fluxion/core";
import { jit } from "@fluxion/transforms";
import {
  adam, adamw, applyUpdates, chain, clipByGlobalNorm, constantSchedule, cosineDecaySchedule, exponentialDecay,
  linearSchedule, minimize, rmsprop, sgd, warmupCosineDecaySchedule, type GradientTransformation, type Params,
} from "./index.js";

const f64 = (x: number[]) => np.array(x, "float64");
const grads = [[0.5, -1.0, 2.0], [0.25, 0.5, -1.5], [-0.75, 1.25, 0.1]];
const init = [1.0, -2.0, 0.5];

/** Runs three steps of `opt` feeding the fixed gradients; returns the updates of each step. */
function runSteps(opt: GradientTransformation<unknown>, params0 = init): number[][] {
  let params: NDArray = f64(params0);
  let state = opt.init(params);
  const out: number[][] = [];
  for (const g of grads) {
    const [u, s] = opt.update(f64(g), state, params);
    state = s;
    out.push((u as NDArray).toArray() as number[]);
    params = applyUpdates(params, u);
  }
  return out;
}

function expectClose(actual: number[][], expected: number[][], tol = 1e-14) {
  actual.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - expected[i]![j]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected[i]![j]!)))));
}

/** Reference loop over elements for stateful rules. */
function reference(step: (g: number[], p: number[], t: number) => number[], params0 = init): number[][] {
  const p = [...params0];
  return grads.map((g, t) => {
    const u = step(g, p, t + 1);
    u.forEach((ui, i) => (p[i] = p[i]! + ui));
    return u;
  });
}

describe("first-order optimizers: three steps against hand-computed updates", () => {
  test("sgd", () => {
    expectClose(runSteps(sgd(0.1) as GradientTransformation<unknown>), grads.map((g) => g.map((x) => -0.1 * x)));
  });

  test("sgd with momentum and with Nesterov momentum", () => {
    for (const nesterov of [false, true]) {
      const tr = [0, 0, 0];
      const expected = reference((g) => g.map((gi, i) => {
        tr[i] = gi + 0.9 * tr[i]!;
        return -0.1 * (nesterov ? gi + 0.9 * tr[i]! : tr[i]!);
      }));
      expectClose(runSteps(sgd(0.1, { momentum: 0.9, nesterov }) as GradientTransformation<unknown>), expected);
    }
  });

  test("adam", () => {
    const [b1, b2, eps, lr] = [0.9, 0.999, 1e-8, 0.01];
    const m = [0, 0, 0];
    const v = [0, 0, 0];
    const expected = reference((g, _p, t) => g.map((gi, i) => {
      m[i] = b1 * m[i]! + (1 - b1) * gi;
      v[i] = b2 * v[i]! + (1 - b2) * gi * gi;
      return -lr * (m[i]! / (1 - b1 ** t)) / (Math.sqrt(v[i]! / (1 - b2 ** t)) + eps);
    }));
    expectClose(runSteps(adam(lr) as GradientTransformation<unknown>), expected);
  });

  test("adamw adds decoupled weight decay of the current params", () => {
    const [b1, b2, eps, lr, wd] = [0.8, 0.99, 1e-6, 0.05, 0.1];
    const m = [0, 0, 0];
    const v = [0, 0, 0];
    const expected = reference((g, p, t) => g.map((gi, i) => {
      m[i] = b1 * m[i]! + (1 - b1) * gi;
      v[i] = b2 * v[i]! + (1 - b2) * gi * gi;
      return -lr * ((m[i]! / (1 - b1 ** t)) / (Math.sqrt(v[i]! / (1 - b2 ** t)) + eps) + wd * p[i]!);
    }));
    expectClose(runSteps(adamw(lr, { b1, b2, eps, weightDecay: wd }) as GradientTransformation<unknown>), expected);
  });

  test("rmsprop (plain, centred with momentum)", () => {
    const [decay, eps, lr] = [0.9, 1e-8, 0.01];
    const nu = [0, 0, 0];
    const plain = reference((g) => g.map((gi, i) => {
      nu[i] = decay * nu[i]! + (1 - decay) * gi * gi;
      return -lr * gi / Math.sqrt(nu[i]! + eps);
    }));
    expectClose(runSteps(rmsprop(lr) as GradientTransformation<unknown>), plain);
    const mu = [0, 0, 0];
    const nu2 = [0, 0, 0];
    const tr = [0, 0, 0];
    const centred = reference((g) => g.map((gi, i) => {
      mu[i] = decay * mu[i]! + (1 - decay) * gi;
      nu2[i] = decay * nu2[i]! + (1 - decay) * gi * gi;
      const u = -lr * gi / Math.sqrt(nu2[i]! - mu[i]! * mu[i]! + eps);
      tr[i] = u + 0.5 * tr[i]!;
      return tr[i]!;
    }));
    expectClose(runSteps(rmsprop(lr, { centered: true, momentum: 0.5 }) as GradientTransformation<unknown>), centred, 1e-12);
  });

  test("clipByGlobalNorm over a pytree, chained with sgd", () => {
    const opt = chain(clipByGlobalNorm(1.0), sgd(1.0));
    const g = { a: f64([3, 4]), b: f64([12]) };
    const [u] = opt.update(g, opt.init(g), g) as [{ a: NDArray; b: NDArray }, unknown];
    // global norm 13 > 1: every leaf is scaled by 1/13, then negated by sgd(1).
    expect((u.a.toArray() as number[]).map((x) => x * 13)).toEqual([-3, -4]);
    expect((u.b.toArray() as number[])[0]! * 13).toBeCloseTo(-12, 12);
    const small = { a: f64([0.3, 0.4]), b: f64([0]) };
    const [u2] = opt.update(small, opt.init(small), small) as [{ a: NDArray }, unknown];
    expect(u2.a.toArray()).toEqual([-0.3, -0.4]);
  });

  test("a scheduled learning rate is read at counts 0, 1, 2", () => {
    const schedule = exponentialDecay({ initValue: 0.1, transitionSteps: 1, decayRate: 0.5 });
    const expected = grads.map((g, t) => g.map((x) => -0.1 * 0.5 ** t * x));
    expectClose(runSteps(sgd(schedule) as GradientTransformation<unknown>), expected);
  });
});

describe("schedules", () => {
  const at = (s: (c: NDArray) => NDArray | number, c: number) => {
    const v = s(np.array(c, "float64"));
    return typeof v === "number" ? v : v.item();
  };
  test("closed forms", () => {
    expect(at(constantSchedule(0.3), 7)).toBe(0.3);
    const ed = exponentialDecay({ initValue: 1, transitionSteps: 10, decayRate: 0.5, transitionBegin: 5, staircase: true, endValue: 0.3 });
    expect([0, 5, 14, 15, 25, 100].map((c) => at(ed, c))).toEqual([1, 1, 1, 0.5, 0.3, 0.3]);
    const smooth = exponentialDecay({ initValue: 2, transitionSteps: 4, decayRate: 0.9 });
    expect(at(smooth, 6)).toBeCloseTo(2 * 0.9 ** 1.5, 14);
    const cos = cosineDecaySchedule({ initValue: 2, decaySteps: 100, alpha: 0.1 });
    for (const c of [0, 25, 50, 100, 150]) expect(at(cos, c)).toBeCloseTo(2 * (0.9 * 0.5 * (1 + Math.cos(Math.PI * Math.min(c, 100) / 100)) + 0.1), 14);
    const lin = linearSchedule({ initValue: 1, endValue: 0, transitionSteps: 10 });
    expect([0, 5, 10, 20].map((c) => at(lin, c))).toEqual([1, 0.5, 0, 0]);
    const wc = warmupCosineDecaySchedule({ initValue: 0, peakValue: 1, warmupSteps: 10, decaySteps: 110, endValue: 0.1 });
    expect(at(wc, 5)).toBeCloseTo(0.5, 14);
    expect(at(wc, 10)).toBeCloseTo(1, 14);
    expect(at(wc, 60)).toBeCloseTo(0.9 * 0.5 * (1 + Math.cos(Math.PI * 0.5)) + 0.1, 14);
    expect(at(wc, 200)).toBeCloseTo(0.1, 14);
  });
});

describe("minimize", () => {
  // Least squares y = 2 x - 1 on a grid.
  const xs = f64([-1, -0.5, 0, 0.5, 1, 1.5]);
  const ys = np.subtract(np.multiply(xs, 2), 1);
  type P = { w: NDArray; b: NDArray };
  const loss = (p: P) => np.mean(np.square(np.subtract(np.add(np.multiply(xs, p.w), p.b), ys)));
  const params0: P = { w: np.array(0, "float64"), b: np.array(0, "float64") };

  test("decreases the loss with sgd and matches a step-by-step eager loop", () => {
    const r = minimize(loss, { initialParams: params0, optimizer: sgd(0.1) as GradientTransformation<unknown>, numSteps: 50 });
    const losses = r.losses.toArray() as number[];
    expect(losses.length).toBe(50);
    for (let i = 1; i < losses.length; i++) expect(losses[i]!).toBeLessThan(losses[i - 1]!);
    // Eager reference: p <- p - 0.1 grad, with the closed-form gradient of the mean squared error.
    let [w, b] = [0, 0];
    const xv = xs.toArray() as number[];
    for (let step = 0; step < 50; step++) {
      const res = xv.map((x) => w * x + b - (2 * x - 1));
      const gw = (2 / xv.length) * res.reduce((s, r, i) => s + r * xv[i]!, 0);
      const gb = (2 / xv.length) * res.reduce((s, r) => s + r, 0);
      [w, b] = [w - 0.1 * gw, b - 0.1 * gb];
    }
    expect(r.params.w.item()).toBeCloseTo(w, 12);
    expect(r.params.b.item()).toBeCloseTo(b, 12);
  });

  test("adam with a warmup-cosine schedule reaches the least-squares solution", () => {
    const opt = adam(warmupCosineDecaySchedule({ initValue: 0, peakValue: 0.1, warmupSteps: 20, decaySteps: 400, endValue: 0.001 }));
    const r = minimize(loss, { initialParams: params0, optimizer: opt as GradientTransformation<unknown>, numSteps: 400 });
    const losses = r.losses.toArray() as number[];
    expect(losses[losses.length - 1]!).toBeLessThan(1e-6 * losses[0]!);
    expect(r.params.w.item()).toBeCloseTo(2, 3);
    expect(r.params.b.item()).toBeCloseTo(-1, 3);
  });

  test("optimizer update steps compose with jit", () => {
    const opt = adamw(0.01) as GradientTransformation<Params>;
    const p = f64([1, 2]);
    const g = f64([0.1, -0.2]);
    const eager = opt.update(g, opt.init(p), p)[0] as NDArray;
    const compiled = (jit((gg: NDArray, pp: NDArray) => opt.update(gg, opt.init(pp), pp)[0]) as (a: NDArray, b: NDArray) => NDArray)(g, p);
    expect(compiled.toArray()).toEqual(eager.toArray());
  });
});
