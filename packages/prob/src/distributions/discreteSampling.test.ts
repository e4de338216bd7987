// Sampling of the discrete distributions: shapes and dtypes, DKW bound between the empirical cdf and the
// (fixture-checked) cdf at every observed value, and z-tests of the sample mean and variance.
// False-failure rates per check: DKW alpha = 1e-6; |z| > 5.3 has probability ~1e-7.
import { afterEach, describe, expect, it } from "vitest";
import { NDArray, np, random } from "@fluxion/core";
import * as tfd from "./index.js";
import type { Distribution } from "./index.js";
import { dkwDiscrete } from "./testing/helpers.js";

// Sampling on the js backend is long synchronous work: give vitest's worker RPC an event-loop turn between tests.
afterEach(() => new Promise<void>((resolve) => setTimeout(resolve, 0)));

const N = 2000;
const f64 = (xs: number[] | number[][]) => np.array(xs, "float64");

interface Case {
  name: string;
  make: () => Distribution;
  dtype: string;
  /** cdf at integer points, per batch member j (defaults to the distribution's own cdf). */
  cdf?: (d: Distribution, ks: number[], j: number) => number[];
}

/** cdf by summing exp(logProb) over 0..k (for laws without a cdf method). */
function summedCdf(d: Distribution, ks: number[], j: number, batch: number): number[] {
  const top = Math.max(...ks);
  const grid = Array.from({ length: top + 1 }, (_, k) => Array.from({ length: batch }, () => k));
  const pmf = np.exp(d.logProb(f64(grid))).dataSync();
  const cum: number[] = [];
  let acc = 0;
  for (let k = 0; k <= top; k++) cum.push((acc += pmf[k * batch + j]!));
  return ks.map((k) => cum[k]!);
}

const CASES: Case[] = [
  { name: "Bernoulli", make: () => new tfd.Bernoulli({ probs: f64([0.2, 0.7]) }), dtype: "int32" },
  { name: "Bernoulli(logits)", make: () => new tfd.Bernoulli({ logits: f64([-1, 2]) }), dtype: "int32" },
  { name: "Categorical", make: () => new tfd.Categorical({ logits: f64([[0, 1, 2, -1], [1, 1, 1, 3]]) }), dtype: "int32" },
  { name: "Poisson", make: () => new tfd.Poisson({ rate: f64([3.5, 42]) }), dtype: "float64" },
  { name: "Poisson(logRate)", make: () => new tfd.Poisson({ logRate: f64([Math.log(0.2), Math.log(12)]) }), dtype: "float64" },
  { name: "Binomial", make: () => new tfd.Binomial({ totalCount: f64([12, 300]), probs: f64([0.3, 0.45]) }), dtype: "float64" },
  { name: "Binomial(p > 1/2)", make: () => new tfd.Binomial({ totalCount: f64([20, 500]), logits: f64([2, 0.8]) }), dtype: "float64" },
  { name: "NegativeBinomial", make: () => new tfd.NegativeBinomial({ totalCount: f64([3, 0.8]), probs: f64([0.4, 0.7]) }), dtype: "float64" },
  { name: "Geometric", make: () => new tfd.Geometric({ probs: f64([0.3, 0.05]) }), dtype: "float64" },
  { name: "BetaBinomial", make: () => new tfd.BetaBinomial({ totalCount: f64([10, 40]), concentration1: f64([2, 0.7]), concentration0: f64([3, 1.5]) }), dtype: "float64", cdf: (d, ks, j) => summedCdf(d, ks, j, 2) },
];

function columnOf(x: NDArray, j: number): number[] {
  const d = x.dataSync();
  const b = x.shape[1]!;
  return Array.from({ length: x.shape[0]! }, (_, i) => Number(d[i * b + j]!));
}

describe("discrete sampling", () => {
  CASES.forEach((c, idx) => {
    it(`${c.name}: sample shape/dtype, DKW and moments`, () => {
      const d = c.make();
      const samples = d.sample(random.key(200 + idx), [N]);
      expect(samples.shape).toEqual([N, 2]);
      expect(samples.dtype).toBe(c.dtype);
      expect(d.sample(random.key(1), [2, 3]).shape).toEqual([2, 3, 2]);
      for (let j = 0; j < 2; j++) {
        const xs = columnOf(samples, j);
        expect(xs.every((v) => Number.isInteger(v) && v >= 0)).toBe(true);
        const cdfAt = (ks: number[]) => {
          if (c.cdf) return c.cdf(d, ks, j);
          const grid = ks.map((k) => [k, k]);
          const all = d.cdf(f64(grid)).dataSync();
          return ks.map((_, i) => all[i * 2 + j]!);
        };
        const { distance, bound } = dkwDiscrete(xs, cdfAt, 1e-6);
        expect(distance, `${c.name}[${j}] DKW distance`).toBeLessThan(bound);
        const mean = d.mean().dataSync()[j]!;
        const variance = d.variance().dataSync()[j]!;
        const m = xs.reduce((s, v) => s + v, 0) / N;
        expect(Math.abs(m - mean) / Math.sqrt(variance / N), `${c.name}[${j}] mean z (sample ${m}, exact ${mean})`).toBeLessThan(5.3);
        const centred = xs.map((v) => v - m);
        const s2 = centred.reduce((s, v) => s + v * v, 0) / (N - 1);
        const m4 = centred.reduce((s, v) => s + v ** 4, 0) / N;
        expect(Math.abs(s2 - variance) / Math.sqrt(Math.max(m4 - s2 * s2, 1e-300) / N), `${c.name}[${j}] variance z (sample ${s2}, exact ${variance})`).toBeLessThan(5.3);
      }
    });
  });

  it("OneHotCategorical: one-hot int32 draws whose category frequencies match probs (DKW via the index)", () => {
    const logits = f64([[0, 1, 2, -1], [3, 0, 0, 0]]);
    const d = new tfd.OneHotCategorical({ logits });
    const samples = d.sample(random.key(7), [N]);
    expect(samples.shape).toEqual([N, 2, 4]);
    expect(samples.dtype).toBe("int32");
    expect(np.all(np.equal(np.sum(samples, -1), 1)).item()).toBe(1);
    const index = np.argmax(samples, -1);
    const cat = new tfd.Categorical({ logits });
    for (let j = 0; j < 2; j++) {
      const xs = columnOf(index, j);
      const { distance, bound } = dkwDiscrete(xs, (ks) => {
        const all = cat.cdf(f64(ks.map((k) => [k, k]))).dataSync();
        return ks.map((_, i) => all[i * 2 + j]!);
      }, 1e-6);
      expect(distance).toBeLessThan(bound);
    }
  });
});
