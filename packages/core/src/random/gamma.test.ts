// Gamma, loggamma, beta, dirichlet and multivariateNormal: distributions against scipy tables with fixed keys,
// the implicit reparameterization gradient against central differences of scipy's inverse incomplete gamma,
// and the gradient pipeline (jvp, vjp) through the samplers.
//
// False-failure rates over keys: DKW checks at alpha = 1e-6 each, moment and mean-gradient checks at 5 standard
// errors (about 6e-7 each under the normal approximation); under 1e-4 for the whole file.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ConcreteArray, NDArray, internal, np, random } from "../index.js";
import { dkwBound, gridCdfDistance, moments, valuesOf } from "./testing.js";

interface Table { x: number[]; cdf: number[]; mean: number; var: number; exkurt: number }
interface Fixture { continuous: Record<string, Table>; gammaGrad: { a: number; x: number; dxda: number }[] }
const fixture = JSON.parse(readFileSync(new URL("../../../../scripts/fixtures/random_dists.json", import.meta.url), "utf8")) as Fixture;
const table = (name: string): Table => {
  const t = fixture.continuous[name];
  if (!t) throw new Error(`no fixture table ${name}`);
  return t;
};
const ALPHA = 1e-6;

function expectMatchesTable(values: number[], t: Table, what: string): void {
  expect(gridCdfDistance(values, t.x, t.cdf), `${what}: DKW distance`).toBeLessThan(dkwBound(values.length, ALPHA));
  const m = moments(values);
  expect(Math.abs(m.mean - t.mean), `${what}: mean ${m.mean} vs ${t.mean}`).toBeLessThan(5 * Math.sqrt(t.var / m.n));
  expect(Math.abs(m.variance - t.var), `${what}: variance ${m.variance} vs ${t.var}`).toBeLessThan(5 * t.var * Math.sqrt((t.exkurt + 2) / m.n));
}

/** Mean of `values` within 5 standard errors (estimated from the values) of `expected`. */
function expectMeanNear(values: number[], expected: number, what: string): void {
  const m = moments(values);
  expect(Math.abs(m.mean - expected), `${what}: mean ${m.mean} vs ${expected}`).toBeLessThan(5 * Math.sqrt(m.variance / m.n));
}

const f64 = (xs: number[], shape = [xs.length]) => ConcreteArray.fromData(Float64Array.from(xs), shape, "float64");
const f32 = (xs: number[], shape = [xs.length]) => ConcreteArray.fromData(Float32Array.from(xs), shape, "float32");
const full64 = (n: number, v: number) => f64(new Array<number>(n).fill(v));

/** Forward-mode derivative of `f` at `x` in the direction of ones. */
function tangentOf(f: (x: NDArray) => NDArray, x: NDArray): [NDArray, NDArray] {
  const [[y], [t]] = internal.jvpFlat((v) => [f(v!)], [x], [np.onesLike(x)]);
  if (t instanceof internal.Zero) throw new Error("no tangent flowed");
  return [y!, t as NDArray];
}

describe("gamma", () => {
  for (const a of [0.2, 0.8, 1.0, 2.5, 12.0]) {
    it(`gamma(${a}) float32 against scipy (n = 4096)`, () => {
      const xs = valuesOf(random.gamma(random.key(600), a, [4096]));
      expect(xs.every((x) => x > 0 && Number.isFinite(x))).toBe(true);
      expectMatchesTable(xs, table(`gamma(${a.toFixed(1)})`), `gamma(${a})`);
    });
  }
  for (const a of [0.2, 2.5]) {
    it(`loggamma(${a}) float64 against P(a, e^t) (n = 4096)`, () => {
      const xs = valuesOf(random.loggamma(random.key(601), a, [4096], { dtype: "float64" }));
      expectMatchesTable(xs, table(`loggamma(${a.toFixed(1)})`), `loggamma(${a})`);
    });
  }

  it("exp(loggamma) equals gamma for the same key where gamma does not underflow", () => {
    const alpha = f64([0.3, 1, 7, 0.05]);
    const g = valuesOf(random.gamma(random.key(602), alpha, [50, 4]));
    const lg = valuesOf(random.loggamma(random.key(602), alpha, [50, 4]));
    g.forEach((x, i) => {
      if (x > 1e-300) expect(Math.abs(Math.exp(lg[i]!) - x) / x, `element ${i}`).toBeLessThan(1e-12);
    });
  });

  it("shapes and dtypes: shape defaults to a's, broadcasts a, float64 follows a's dtype", () => {
    expect(random.gamma(random.key(0), f32([1, 2])).shape).toEqual([2]);
    const wide = random.gamma(random.key(0), f64([1, 2]), [3, 2]);
    expect(wide.shape).toEqual([3, 2]);
    expect(wide.dtype).toBe("float64");
    expect(random.gamma(random.key(0), 2, [0]).shape).toEqual([0]);
    expect(() => random.gamma(random.key(0), f32([1, 2]), [3])).toThrow(/broadcast/);
  });
});

describe("reparameterized gradient", () => {
  it(`random_gamma_grad agrees with central differences of scipy's gammaincinv (${fixture.gammaGrad.length} points)`, () => {
    const a = f64(fixture.gammaGrad.map((g) => g.a));
    const x = f64(fixture.gammaGrad.map((g) => g.x));
    const got = valuesOf(random.randomGammaGrad(a, x));
    fixture.gammaGrad.forEach((g, i) => {
      expect(Math.abs(got[i]! - g.dxda) / Math.abs(g.dxda), `a=${g.a} x=${g.x}: ${got[i]} vs ${g.dxda}`).toBeLessThan(1e-6);
    });
  });

  it("jvp of gamma w.r.t. a is random_gamma_grad at the sample; d/da E[X] = 1", () => {
    const n = 4096;
    const [sample, tangent] = tangentOf((a) => random.gamma(random.key(610), a), full64(n, 2.5));
    const expected = valuesOf(random.randomGammaGrad(full64(n, 2.5), sample));
    expect(valuesOf(tangent)).toEqual(expected);
    expectMeanNear(valuesOf(tangent), 1, "d/da E[Gamma(a)]");
  });

  it("vjp of sum(gamma(key, a)) gives the same per-element gradients (reverse mode)", () => {
    const alpha = f64([0.3, 1.7, 9]);
    const [[sample], pullback] = internal.vjpFlat((a) => [random.gamma(random.key(611), a!)], [alpha]);
    const [ct] = pullback([np.onesLike(sample!)]);
    expect(valuesOf(ct as NDArray)).toEqual(valuesOf(random.randomGammaGrad(alpha, sample!)));
  });

  it("loggamma: d/da E[log X] = trigamma(a)", () => {
    const [, tangent] = tangentOf((a) => random.loggamma(random.key(612), a), full64(4096, 0.8));
    expectMeanNear(valuesOf(tangent), table("loggamma(0.8)").var, "d/da E[log Gamma(a)]");
  });

  it("beta: d/da E[X] = b / (a + b)^2", () => {
    const [, tangent] = tangentOf((a) => random.beta(random.key(613), a, 5), full64(4096, 2));
    expectMeanNear(valuesOf(tangent), 5 / 49, "d/da E[Beta(a, 5)]");
  });

  it("second derivatives are refused with a clear error", () => {
    const inner = (a: NDArray) => tangentOf((v) => random.gamma(random.key(614), v), a)[1];
    expect(() => tangentOf(inner, full64(2, 1.5))).toThrow(/second derivatives/);
  });

  it("truncatedNormal: jvp w.r.t. the bounds matches central differences (float64, same key)", () => {
    const key = random.key(615);
    const h = 1e-6;
    const sampleAt = (lo: number) => valuesOf(random.truncatedNormal(key, f64([lo]), 1.5, [64], { dtype: "float64" }));
    const [, tangent] = tangentOf((lo) => random.truncatedNormal(key, lo, 1.5, [64], { dtype: "float64" }), f64([-0.4]));
    const plus = sampleAt(-0.4 + h);
    const minus = sampleAt(-0.4 - h);
    valuesOf(tangent).forEach((t, i) => {
      const fd = (plus[i]! - minus[i]!) / (2 * h);
      expect(Math.abs(t - fd), `element ${i}: ${t} vs ${fd}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(fd)));
    });
  });
});

describe("beta and dirichlet", () => {
  const betaCases: [number, number][] = [[0.5, 0.5], [2.0, 5.0], [0.2, 5.0]];
  for (const [a, b] of betaCases) {
    it(`beta(${a}, ${b}) against scipy (n = 4096)`, () => {
      const xs = valuesOf(random.beta(random.key(620), a, b, [4096]));
      expect(xs.every((x) => x >= 0 && x <= 1)).toBe(true);
      expectMatchesTable(xs, table(`beta(${a.toFixed(1)},${b.toFixed(1)})`), `beta(${a},${b})`);
    });
  }

  it("dirichlet: rows sum to 1; the marginal of Dirichlet([0.8, 0.9]) is Beta(0.8, 0.9)", () => {
    const alpha = f32([0.8, 0.9]);
    // Two components: the first marginal is Beta(0.8, 0.9), which the fixture tabulates.
    const draws = valuesOf(random.dirichlet(random.key(621), alpha, [4096]));
    const first = draws.filter((_, i) => i % 2 === 0);
    draws.forEach((_, i) => {
      if (i % 2 === 0) expect(Math.abs(draws[i]! + draws[i + 1]! - 1)).toBeLessThan(1e-6);
    });
    expectMatchesTable(first, table("beta(0.8,0.9)"), "dirichlet marginal");
    const three = random.dirichlet(random.key(622), f32([0.8, 0.9, 2.5]), [2, 5]);
    expect(three.shape).toEqual([2, 5, 3]);
    const sums = valuesOf(np.sum(three, -1));
    sums.forEach((s) => expect(Math.abs(s - 1)).toBeLessThan(1e-6));
  });
});

describe("multivariateNormal", () => {
  it("sample mean and covariance match (n = 4096, float64), cholesky and eigh", () => {
    const mean = [1, -2, 0.5];
    const cov = [2, 0.6, -0.3, 0.6, 1, 0.2, -0.3, 0.2, 0.5];
    for (const method of ["cholesky", "eigh"] as const) {
      const n = 4096;
      const xs = valuesOf(random.multivariateNormal(random.key(630), f64(mean), f64(cov, [3, 3]), { shape: [n], method }));
      for (let i = 0; i < 3; i++) {
        const col = xs.filter((_, k) => k % 3 === i);
        expectMeanNear(col, mean[i]!, `${method} mean ${i}`);
        for (let j = 0; j < 3; j++) {
          const other = xs.filter((_, k) => k % 3 === j);
          const products = col.map((v, k) => (v - mean[i]!) * (other[k]! - mean[j]!));
          expectMeanNear(products, cov[3 * i + j]!, `${method} cov ${i},${j}`);
        }
      }
    }
  });

  it("batch shapes broadcast between mean and cov", () => {
    const out = random.multivariateNormal(random.key(631), f32([0, 0, 1, 1], [2, 1, 2]), np.eye(2), { shape: [2, 4] });
    expect(out.shape).toEqual([2, 4, 2]);
    expect(random.multivariateNormal(random.key(631), f32([0, 0]), np.eye(2)).shape).toEqual([2]);
    expect(() => random.multivariateNormal(random.key(0), f32([0, 0]), np.eye(3))).toThrow(/cov must have shape/);
  });
});
