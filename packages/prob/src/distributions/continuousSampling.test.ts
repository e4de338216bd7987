// Sampling of the scalar continuous distributions: shapes (sample + batch), DKW bound on the empirical cdf against
// the (fixture-checked) cdf, and z-tests of the sample mean and variance.
// False-failure rates, per check: DKW alpha = 1e-6; mean and variance |z| > 5.3 has probability ~1e-7.
import { afterEach, describe, expect, it } from "vitest";
import { NDArray, np, random } from "@fluxion/core";
import * as tfd from "./index.js";
import type { Distribution } from "./index.js";
import { dkw } from "./testing/helpers.js";

// Sampling on the js backend is long synchronous work: give vitest's worker RPC an event-loop turn between tests.
afterEach(() => new Promise<void>((resolve) => setTimeout(resolve, 0)));

const N_ALL = 2000;
// Gamma-based samplers (StudentT, Gamma, Chi2, InverseGamma, Beta) cost ~1 ms per draw on the js backend.
const N_GAMMA = 1000;
const f64 = (xs: number[]) => np.array(xs, "float64");

interface Case {
  name: string;
  make: () => Distribution;
  moments?: boolean; // false for laws without a finite variance (and fourth moment for the variance test)
  circular?: boolean; // VonMises: samples live on [-pi, pi); moments are circular (E cos(x - loc) = 1 - variance)
  gammaBased?: boolean;
}
const CASES: Case[] = [
  { name: "Normal", make: () => new tfd.Normal({ loc: f64([-1, 3]), scale: f64([0.5, 2]) }) },
  { name: "HalfNormal", make: () => new tfd.HalfNormal({ scale: f64([0.5, 2]) }) },
  { name: "LogNormal", make: () => new tfd.LogNormal({ loc: f64([-1, 0.5]), scale: f64([0.3, 0.6]) }) },
  { name: "StudentT", make: () => new tfd.StudentT({ df: f64([5, 9]), loc: f64([1, -2]), scale: f64([1, 0.5]) }), gammaBased: true },
  { name: "HalfStudentT", make: () => new tfd.HalfStudentT({ df: f64([5, 9]), loc: f64([1, -2]), scale: f64([1, 0.5]) }), gammaBased: true },
  { name: "Cauchy", make: () => new tfd.Cauchy({ loc: f64([1, -2]), scale: f64([1, 0.5]) }), moments: false },
  { name: "HalfCauchy", make: () => new tfd.HalfCauchy({ loc: f64([1, -2]), scale: f64([1, 0.5]) }), moments: false },
  { name: "Laplace", make: () => new tfd.Laplace({ loc: f64([1, -2]), scale: f64([1, 0.5]) }) },
  { name: "Logistic", make: () => new tfd.Logistic({ loc: f64([1, -2]), scale: f64([1, 0.5]) }) },
  { name: "Gumbel", make: () => new tfd.Gumbel({ loc: f64([1, -2]), scale: f64([1, 0.5]) }) },
  { name: "Exponential", make: () => new tfd.Exponential({ rate: f64([0.5, 4]) }) },
  { name: "Gamma", make: () => new tfd.Gamma({ concentration: f64([0.7, 6]), rate: f64([2, 0.5]) }), gammaBased: true },
  { name: "Chi2", make: () => new tfd.Chi2({ df: f64([1.5, 7]) }), gammaBased: true },
  { name: "InverseGamma", make: () => new tfd.InverseGamma({ concentration: f64([5, 7]), scale: f64([1, 3]) }), gammaBased: true },
  { name: "Beta", make: () => new tfd.Beta({ concentration1: f64([0.6, 3]), concentration0: f64([2, 1.5]) }), gammaBased: true },
  { name: "Uniform", make: () => new tfd.Uniform({ low: f64([-1, 2]), high: f64([1, 7]) }) },
  { name: "TruncatedNormal", make: () => new tfd.TruncatedNormal({ loc: f64([0, 1]), scale: f64([1, 2]), low: f64([-0.5, 2]), high: f64([2, 6]) }) },
  { name: "Weibull", make: () => new tfd.Weibull({ concentration: f64([0.8, 3]), scale: f64([1, 2]) }) },
  { name: "VonMises", make: () => new tfd.VonMises({ loc: f64([0.5, -1]), concentration: f64([0.8, 12]) }), circular: true },
];

/** Column j of an [n, b] array. */
function columnOf(x: NDArray, j: number): number[] {
  const d = x.dataSync();
  const b = x.shape[1]!;
  return Array.from({ length: x.shape[0]! }, (_, i) => d[i * b + j]!);
}

describe("continuous sampling", () => {
  CASES.forEach((c, idx) => {
    it(`${c.name}: sample shape, DKW and moments`, () => {
      const d = c.make();
      const N = c.gammaBased ? N_GAMMA : N_ALL;
      const samples = d.sample(random.key(100 + idx), [N]);
      expect(samples.shape).toEqual([N, 2]);
      expect(samples.dtype).toBe("float64");
      expect(d.sample(random.key(1), [3, 4]).shape).toEqual([3, 4, 2]);
      expect(np.all(np.isfinite(samples)).item()).toBe(1);
      // On the circle the cdf counts from loc - pi: evaluate it at loc + wrap(x - loc).
      const locs = c.circular ? (d as tfd.VonMises).loc : null;
      const onCircle = locs ? np.add(locs, np.subtract(np.subtract(samples, locs), np.multiply(2 * Math.PI, np.round(np.divide(np.subtract(samples, locs), 2 * Math.PI))))) : samples;
      const cdfs = d.cdf(onCircle).dataSync();
      for (let j = 0; j < 2; j++) {
        const xs = columnOf(samples, j);
        const fs = Array.from({ length: N }, (_, i) => cdfs[i * 2 + j]!);
        // Pair each sample with its cdf value; DKW compares the empirical cdf with F at the samples.
        const ys = columnOf(onCircle, j);
        const order = ys.map((_, i) => i).sort((a, b) => ys[a]! - ys[b]!);
        const sortedCdf = order.map((i) => fs[i]!);
        const { distance, bound } = dkw(order.map((i) => ys[i]!), () => sortedCdf, 1e-6);
        expect(distance, `${c.name}[${j}] DKW distance`).toBeLessThan(bound);
        if (c.moments === false) continue;
        if (locs) {
          const loc = locs.dataSync()[j]!;
          const cosines = xs.map((v) => Math.cos(v - loc));
          const sines = xs.map((v) => Math.sin(v - loc));
          const mc = cosines.reduce((s, v) => s + v, 0) / N;
          const ms = sines.reduce((s, v) => s + v, 0) / N;
          const sdc = Math.sqrt(cosines.reduce((s, v) => s + (v - mc) ** 2, 0) / (N - 1) / N);
          const sds = Math.sqrt(sines.reduce((s, v) => s + (v - ms) ** 2, 0) / (N - 1) / N);
          const want = 1 - d.variance().dataSync()[j]!;
          expect(Math.abs(mc - want) / sdc, `${c.name}[${j}] E cos z-score`).toBeLessThan(5.3);
          expect(Math.abs(ms) / sds, `${c.name}[${j}] E sin z-score`).toBeLessThan(5.3);
          continue;
        }
        const mean = d.mean().dataSync()[j]!;
        const variance = d.variance().dataSync()[j]!;
        const m = xs.reduce((s, v) => s + v, 0) / N;
        const z = (m - mean) / Math.sqrt(variance / N);
        expect(Math.abs(z), `${c.name}[${j}] mean z-score (sample ${m}, exact ${mean})`).toBeLessThan(5.3);
        const centred = xs.map((v) => v - m);
        const s2 = centred.reduce((s, v) => s + v * v, 0) / (N - 1);
        const m4 = centred.reduce((s, v) => s + v ** 4, 0) / N;
        const zv = (s2 - variance) / Math.sqrt(Math.max(m4 - s2 * s2, 1e-300) / N);
        expect(Math.abs(zv), `${c.name}[${j}] variance z-score (sample ${s2}, exact ${variance})`).toBeLessThan(5.3);
      }
    });
  });
});
