// Sampling of the vector-valued laws: shapes (sample + batch + event), DKW tests of one-dimensional projections
// and marginals against their known univariate laws (whose cdfs are fixture-checked), and mean z-tests.
// False-failure rates per check: DKW alpha = 1e-6; |z| > 5.3 has probability ~1e-7.
import { afterEach, describe, expect, it } from "vitest";
import { NDArray, np, random } from "@fluxion/core";
import * as tfd from "./index.js";
import type { Distribution } from "./index.js";
import { dkw, dkwDiscrete } from "./testing/helpers.js";

// Sampling on the js backend is long synchronous work: give vitest's worker RPC an event-loop turn between tests.
afterEach(() => new Promise<void>((resolve) => setTimeout(resolve, 0)));

const N = 2000;
// The gamma-based samplers cost ~1 ms per draw on the js backend: their tests use fewer draws (DKW bound 0.095).
const N_GAMMA = 800;
const f64 = (xs: unknown) => np.array(xs as number[], "float64");

/** Values of x[:, j] (x is [N, 2, ...]) at flat event offset e. */
function slice(x: NDArray, j: number, e: number): number[] {
  const d = x.dataSync();
  const per = x.size / x.shape[0]!;
  const eventSize = per / 2;
  return Array.from({ length: x.shape[0]! }, (_, i) => d[i * per + j * eventSize + e]!);
}

function checkDkw(label: string, xs: number[], cdf: (v: number[]) => number[]): void {
  const sorted = [...xs].sort((a, b) => a - b);
  const { distance, bound } = dkw(sorted, () => cdf(sorted), 1e-6);
  expect(distance, `${label} DKW`).toBeLessThan(bound);
}
function checkMean(label: string, xs: number[], mean: number, variance: number): void {
  const m = xs.reduce((s, v) => s + v, 0) / xs.length;
  expect(Math.abs(m - mean) / Math.sqrt(variance / xs.length), `${label} mean z (sample ${m}, exact ${mean})`).toBeLessThan(5.3);
}
const cdfOf = (d: Distribution) => (v: number[]) => Array.from(d.cdf(f64(v)).dataSync());

const loc = [[0.5, -1.0, 2.0], [0.0, 0.3, -0.7]];
const tril = [[[1.2, 0, 0], [0.3, 0.8, 0], [-0.5, 0.2, 2.0]], [[0.4, 0, 0], [-0.1, 1.5, 0], [0.6, 0.9, 0.7]]];
const direction = [0.6, -0.3, 0.74];

describe("multivariate sampling", () => {
  const gaussians: [string, () => tfd.MultivariateNormalLinearOperator][] = [
    ["MultivariateNormalTriL", () => new tfd.MultivariateNormalTriL({ loc: f64(loc), scaleTril: f64(tril) })],
    ["MultivariateNormalFullCovariance", () => new tfd.MultivariateNormalFullCovariance({ loc: f64(loc), covarianceMatrix: np.matmul(f64(tril), np.swapaxes(f64(tril), -1, -2)) })],
    ["MultivariateNormalDiag", () => new tfd.MultivariateNormalDiag({ loc: f64(loc), scaleDiag: f64([[0.5, 2, 1.1], [3, 0.2, 0.9]]) })],
  ];
  gaussians.forEach(([name, make], idx) => {
    it(`${name}: shapes, projection a'x ~ Normal(a'mu, sqrt(a'Sigma a)) by DKW, coordinate means`, () => {
      const d = make();
      const x = d.sample(random.key(300 + idx), [N]);
      expect(x.shape).toEqual([N, 2, 3]);
      expect(d.sample(random.key(1), [4, 5]).shape).toEqual([4, 5, 2, 3]);
      const proj = np.sum(np.multiply(x, f64(direction)), -1);
      const mu = np.sum(np.multiply(d.mean(), f64(direction)), -1).dataSync();
      const cov = d.covariance();
      const a = f64(direction);
      const s2 = np.sum(np.multiply(np.sum(np.multiply(cov, a), -1), a), -1).dataSync();
      for (let j = 0; j < 2; j++) {
        const normal = new tfd.Normal({ loc: mu[j]!, scale: Math.sqrt(s2[j]!) });
        checkDkw(`${name}[${j}] projection`, slice(proj, j, 0), (v) => Array.from(normal.cdf(f64(v)).dataSync()));
        const m = d.mean().dataSync();
        const variance = d.variance().dataSync();
        for (let e = 0; e < 3; e++) checkMean(`${name}[${j}][${e}]`, slice(x, j, e), m[j * 3 + e]!, variance[j * 3 + e]!);
      }
    });
  });

  it("MultivariateStudentT: projection a'x ~ StudentT(df, a'mu, sqrt(a'LL'a)) by DKW", () => {
    const df = [3.5, 12];
    const d = new tfd.MultivariateStudentT({ df: f64(df), loc: f64(loc), scaleTril: f64(tril) });
    const x = d.sample(random.key(310), [N]);
    expect(x.shape).toEqual([N, 2, 3]);
    const a = f64(direction);
    const proj = np.sum(np.multiply(x, a), -1);
    const l = f64(tril);
    const la = np.sum(np.multiply(np.swapaxes(l, -1, -2), np.expandDims(a, -1)), -2); // L^T a
    const s2 = np.sum(np.square(la), -1).dataSync();
    const mu = np.sum(np.multiply(f64(loc), a), -1).dataSync();
    for (let j = 0; j < 2; j++) {
      const t = new tfd.StudentT({ df: df[j]!, loc: mu[j]!, scale: Math.sqrt(s2[j]!) });
      checkDkw(`MultivariateStudentT[${j}] projection`, slice(proj, j, 0), cdfOf(t));
    }
  });

  it("Dirichlet: simplex draws; marginal x_i ~ Beta(a_i, a0 - a_i) by DKW", () => {
    const conc = [[1.5, 2.0, 3.0], [0.4, 0.7, 5.0]];
    const d = new tfd.Dirichlet({ concentration: f64(conc) });
    const x = d.sample(random.key(311), [N_GAMMA]);
    expect(x.shape).toEqual([N_GAMMA, 2, 3]);
    const sums = np.sum(x, -1).dataSync();
    expect(Math.max(...Array.from(sums, (v) => Math.abs(v - 1)))).toBeLessThan(1e-12);
    for (let j = 0; j < 2; j++) {
      const total = conc[j]!.reduce((s, v) => s + v, 0);
      for (const e of [0, 2]) {
        const beta = new tfd.Beta({ concentration1: conc[j]![e]!, concentration0: total - conc[j]![e]! });
        checkDkw(`Dirichlet[${j}][${e}]`, slice(x, j, e), cdfOf(beta));
      }
    }
  });

  it("Multinomial: counts sum to totalCount; marginal x_i ~ Binomial(n, p_i) by DKW", () => {
    const n = [7, 30];
    const p = [[0.2, 0.5, 0.3], [0.05, 0.05, 0.9]];
    const d = new tfd.Multinomial({ totalCount: f64(n), probs: f64(p) });
    const x = d.sample(random.key(312), [N]);
    expect(x.shape).toEqual([N, 2, 3]);
    expect(np.all(np.equal(np.sum(x, -1), f64(n))).item()).toBe(1);
    for (let j = 0; j < 2; j++) {
      for (let e = 0; e < 3; e++) {
        const b = new tfd.Binomial({ totalCount: n[j]!, probs: p[j]![e]! });
        const { distance, bound } = dkwDiscrete(slice(x, j, e), cdfOf(b), 1e-6);
        expect(distance, `Multinomial[${j}][${e}]`).toBeLessThan(bound);
      }
    }
  });

  it("DirichletMultinomial: counts sum to totalCount; marginal x_i ~ BetaBinomial(n, a_i, a0 - a_i) by DKW", () => {
    const n = [7, 30];
    const alpha = [[0.5, 2.0, 1.5], [10.0, 3.0, 0.3]];
    const d = new tfd.DirichletMultinomial({ totalCount: f64(n), concentration: f64(alpha) });
    const x = d.sample(random.key(313), [N_GAMMA]);
    expect(x.shape).toEqual([N_GAMMA, 2, 3]);
    expect(np.all(np.equal(np.sum(x, -1), f64(n))).item()).toBe(1);
    for (let j = 0; j < 2; j++) {
      const total = alpha[j]!.reduce((s, v) => s + v, 0);
      const e = 1;
      const bb = new tfd.BetaBinomial({ totalCount: n[j]!, concentration1: alpha[j]![e]!, concentration0: total - alpha[j]![e]! });
      const pmf = Array.from(np.exp(bb.logProb(f64(Array.from({ length: n[j]! + 1 }, (_, k) => k)))).dataSync());
      const cum: number[] = [];
      pmf.reduce((s, v, k) => ((cum[k] = s + v), s + v), 0);
      const { distance, bound } = dkwDiscrete(slice(x, j, e), (ks) => ks.map((k) => cum[k]!), 1e-6);
      expect(distance, `DirichletMultinomial[${j}][${e}]`).toBeLessThan(bound);
    }
  });

  it("LKJ (correlation matrices and Cholesky output) and CholeskyLKJ: unit diagonal; (r_ij + 1)/2 ~ Beta(eta - 1 + D/2, same) by DKW", () => {
    const eta = [1.5, 4];
    const n = 500;
    const checkMarginals = (label: string, corr: NDArray) => {
      const data = corr.dataSync();
      for (let j = 0; j < 2; j++) {
        const beta = new tfd.Beta({ concentration1: eta[j]! + 0.5, concentration0: eta[j]! + 0.5 });
        for (const [r, c] of [[0, 1], [1, 2]]) {
          const us = Array.from({ length: n }, (_, i) => (data[((i * 2 + j) * 3 + r!) * 3 + c!]! + 1) / 2);
          checkDkw(`${label}[${j}] r_${r}${c}`, us, cdfOf(beta));
        }
        for (let i = 0; i < n; i++) for (let a = 0; a < 3; a++) expect(Math.abs(data[((i * 2 + j) * 3 + a) * 3 + a]! - 1)).toBeLessThan(1e-12);
      }
    };
    const lkj = new tfd.LKJ({ dimension: 3, concentration: f64(eta) });
    const x = lkj.sample(random.key(320), [n]);
    expect(x.shape).toEqual([n, 2, 3, 3]);
    checkMarginals("LKJ", x);
    const chol = new tfd.CholeskyLKJ({ dimension: 3, concentration: f64(eta) });
    const l = chol.sample(random.key(321), [n]);
    expect(np.all(np.equal(np.triu(l, 1), 0)).item()).toBe(1);
    checkMarginals("CholeskyLKJ", np.matmul(l, np.swapaxes(l, -1, -2)));
    const lkjChol = new tfd.LKJ({ dimension: 3, concentration: f64(eta), inputOutputCholesky: true });
    expect(lkjChol.sample(random.key(322), [4]).shape).toEqual([4, 2, 3, 3]);
  });

  it("WishartTriL: X_ii / Sigma_ii ~ Chi2(df) by DKW; off-diagonal mean z-test; Cholesky output", () => {
    const df = [4.5, 9];
    const n = N_GAMMA;
    const d = new tfd.WishartTriL({ df: f64(df), scaleTril: f64(tril) });
    const x = d.sample(random.key(330), [n]);
    expect(x.shape).toEqual([n, 2, 3, 3]);
    const data = x.dataSync();
    const sigma = np.matmul(f64(tril), np.swapaxes(f64(tril), -1, -2)).dataSync();
    const mean = d.mean().dataSync();
    const variance = d.variance().dataSync();
    for (let j = 0; j < 2; j++) {
      const chi2 = new tfd.Chi2({ df: df[j]! });
      for (const a of [0, 2]) {
        const s = sigma[j * 9 + a * 3 + a]!;
        checkDkw(`Wishart[${j}] X_${a}${a}`, Array.from({ length: n }, (_, i) => data[(i * 2 + j) * 9 + a * 3 + a]! / s), cdfOf(chi2));
      }
      const e = j * 9 + 1 * 3 + 2;
      checkMean(`Wishart[${j}] X_12`, Array.from({ length: n }, (_, i) => data[(i * 2 + j) * 9 + 5]!), mean[e]!, variance[e]!);
    }
    const c = new tfd.WishartTriL({ df: f64(df), scaleTril: f64(tril), inputOutputCholesky: true });
    const l = c.sample(random.key(331), [3]);
    expect(np.all(np.equal(np.triu(l, 1), 0)).item()).toBe(1);
  });
});
