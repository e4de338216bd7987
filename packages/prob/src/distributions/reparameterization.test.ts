// Reparameterized sampling: pathwise derivatives of draws w.r.t. parameters (jvp through sample) average to the
// derivative of the exact mean (or of E cos for VonMises). z-tests with |z| < 5.3 (false-failure ~1e-7 each).
import { afterEach, describe, expect, it } from "vitest";
import { NDArray, np, random, special } from "@fluxion/core";
import { jvp } from "@fluxion/transforms";
import * as tfd from "./index.js";

// Sampling on the js backend is long synchronous work: give vitest's worker RPC an event-loop turn between tests.
afterEach(() => new Promise<void>((resolve) => setTimeout(resolve, 0)));

const f64 = (x: number) => np.array(x, "float64");
const N = 1000;

/** Per-draw d sample / d theta by forward mode, and the z-score of its mean against `want`. */
function zScore(sampleFn: (theta: NDArray) => NDArray, theta: number, want: number): number {
  const [, tangent] = jvp(sampleFn, [f64(theta)], [f64(1)]) as [NDArray, NDArray];
  const d = Array.from(tangent.dataSync());
  const m = d.reduce((s, v) => s + v, 0) / d.length;
  const sd = Math.sqrt(d.reduce((s, v) => s + (v - m) ** 2, 0) / (d.length - 1) / d.length);
  return sd === 0 ? (Math.abs(m - want) < 1e-12 ? 0 : Infinity) : (m - want) / sd;
}

describe("pathwise sample gradients", () => {
  const key = random.key(99);
  it("Normal: d x / d loc = 1 exactly; d x / d scale = (x - loc) / scale", () => {
    const [, t] = jvp((loc: NDArray) => new tfd.Normal({ loc, scale: f64(2) }).sample(key, [5]), [f64(1)], [f64(1)]) as [NDArray, NDArray];
    expect(Array.from(t.dataSync())).toEqual([1, 1, 1, 1, 1]);
    const x = new tfd.Normal({ loc: f64(1), scale: f64(2) }).sample(key, [5]);
    const [, ts] = jvp((scale: NDArray) => new tfd.Normal({ loc: f64(1), scale }).sample(key, [5]), [f64(2)], [f64(1)]) as [NDArray, NDArray];
    Array.from(ts.dataSync()).forEach((v, i) => expect(v).toBeCloseTo((x.dataSync()[i]! - 1) / 2, 12));
  });
  it("Gamma: E[d x / d concentration] = 1 / rate (implicit reparameterization)", () => {
    expect(Math.abs(zScore((c) => new tfd.Gamma({ concentration: c, rate: f64(2) }).sample(key, [N]), 1.7, 0.5))).toBeLessThan(5.3);
  });
  it("Beta: E[d x / d concentration1] = c0 / (c1 + c0)^2", () => {
    const c0 = 3;
    const c1 = 2;
    expect(Math.abs(zScore((a) => new tfd.Beta({ concentration1: a, concentration0: f64(c0) }).sample(key, [N]), c1, c0 / (c1 + c0) ** 2))).toBeLessThan(5.3);
  });
  it("StudentT: E[d x / d loc] = 1 and the df-path stays finite", () => {
    expect(zScore((loc) => new tfd.StudentT({ df: f64(5), loc, scale: f64(1) }).sample(key, [50]), 0, 1)).toBe(0);
    const [, t] = jvp((df: NDArray) => new tfd.StudentT({ df, loc: f64(0), scale: f64(1) }).sample(key, [50]), [f64(5)], [f64(1)]) as [NDArray, NDArray];
    expect(Array.from(t.dataSync()).every(Number.isFinite)).toBe(true);
  });
  it("TruncatedNormal: E[d x / d loc] = d mean / d loc (inverse-cdf pathwise gradient)", () => {
    const mean = (loc: number) => new tfd.TruncatedNormal({ loc: f64(loc), scale: f64(1), low: f64(-0.5), high: f64(2) }).mean().item();
    const h = 1e-5;
    const want = (mean(0.3 + h) - mean(0.3 - h)) / (2 * h);
    expect(Math.abs(zScore((loc) => new tfd.TruncatedNormal({ loc, scale: f64(1), low: f64(-0.5), high: f64(2) }).sample(key, [N]), 0.3, want))).toBeLessThan(5.3);
  });
  it("VonMises: E[d cos(x) / d concentration] = d/dk I1(k)/I0(k) (implicit gradient through the cdf)", () => {
    const k = 2;
    const ratio = (v: number) => special.i1e(f64(v)).item() / special.i0e(f64(v)).item();
    const h = 1e-5;
    const want = (ratio(k + h) - ratio(k - h)) / (2 * h);
    expect(Math.abs(zScore((c) => np.cos(new tfd.VonMises({ loc: f64(0), concentration: c }).sample(key, [N])), k, want))).toBeLessThan(5.3);
  });
  it("Dirichlet: E[d x_0 / d a_0] = (a0_total - a_0) / a0_total^2", () => {
    const a = [2, 3, 1.5];
    const total = a.reduce((s, v) => s + v, 0);
    const fn = (a0: NDArray) => {
      const conc = np.concatenate([np.reshape(a0, [1]), np.array(a.slice(1), "float64")]);
      return np.squeeze(new tfd.Dirichlet({ concentration: conc }).sample(key, [N]).slice(":", [0, 1]), -1);
    };
    expect(Math.abs(zScore(fn, a[0]!, (total - a[0]!) / total ** 2))).toBeLessThan(5.3);
  });
});
