// windowedAdaptiveNuts on joint distributions with pins: conjugate posteriors (normal-normal with known variance,
// gamma-Poisson and beta-binomial through their positivity / unit-interval bijectors) against closed forms,
// constrained draws inside the support, shapes like the unpinned model, progress chunks equal to the plain run.
import { afterEach, describe, expect, test } from "vitest";
import { NDArray, np } from "@fluxion/core";
import { JointDistributionNamed, distributions as tfd } from "@fluxion/prob";
import { effectiveSampleSize, potentialScaleReduction, windowedAdaptiveNuts, type NutsTrace, type ProgressEvent } from "./index.js";
import { runOnWasm } from "./testing/device.js";

runOnWasm();

// Long synchronous tests starve the worker's RPC; give the event loop a turn between tests.
afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)));

const f64 = (x: number | number[]) => np.array(x, "float64");
const nums = (x: NDArray): number[] => Array.from(x.dataSync(), Number);

/**
 * Posterior mean and variance of the draws against the closed form. The mean's error is compared with 4 Monte
 * Carlo standard errors (sd / sqrt(ESS of the mean)); the variance's with 4 standard errors of a variance estimate
 * (var·sqrt(2 / ESS of the sd), the Gaussian value, widened by 1.5 for the skewed gamma and beta posteriors).
 * Each check fails with probability about 6e-5 when the sampler is right, so a test with two checks below 1e-3
 * even allowing for the error of the ESS estimates.
 */
function expectMoments(draws: NDArray, mean: number, variance: number, what: string): void {
  const x = nums(draws);
  const m = x.reduce((a, b) => a + b, 0) / x.length;
  const v = x.reduce((a, b) => a + (b - m) ** 2, 0) / (x.length - 1);
  const essMean = (effectiveSampleSize(draws, { method: "mean" }) as NDArray).item();
  const essSd = (effectiveSampleSize(draws, { method: "sd" }) as NDArray).item();
  expect(essMean, `${what}: ESS of the mean`).toBeGreaterThan(200);
  expect(Math.abs(m - mean), `${what}: mean ${m} vs ${mean}`).toBeLessThan(4 * Math.sqrt(variance / essMean));
  expect(Math.abs(v / variance - 1), `${what}: variance ${v} vs ${variance}`).toBeLessThan(1.5 * 4 * Math.sqrt(2 / essSd));
  expect((potentialScaleReduction(draws) as NDArray).item(), `${what}: R-hat`).toBeLessThan(1.05);
}

describe("slow statistical: windowedAdaptiveNuts on conjugate models", () => {
  test("normal-normal with known variance: mu ~ N(1, 2), y_i ~ N(mu, 1.5), 10 observations pinned by name", () => {
    const y = [2.1, 0.4, 3.3, 1.7, 2.8, -0.5, 1.2, 2.4, 3.9, 0.9];
    const [m0, s0, sigma] = [1, 2, 1.5];
    const model = new JointDistributionNamed({
      mu: new tfd.Normal({ loc: f64(m0), scale: f64(s0) }),
      y: (mu: NDArray) => new tfd.Sample({ distribution: new tfd.Normal({ loc: mu, scale: f64(sigma) }), sampleShape: [y.length] }),
    });
    const out = windowedAdaptiveNuts({ jointDistribution: model, pins: { y: f64(y) }, nDraws: 400, nChains: 4, numAdaptationSteps: 200, seed: 11 });
    const states = out.states as { [k: string]: NDArray };
    expect(Object.keys(states)).toEqual(["mu"]);
    expect(states.mu!.shape).toEqual([400, 4]);
    // Conjugate update: precision 1/s0² + n/σ², mean (m0/s0² + Σy/σ²) / precision.
    const precision = 1 / s0 ** 2 + y.length / sigma ** 2;
    const postMean = (m0 / s0 ** 2 + y.reduce((a, b) => a + b, 0) / sigma ** 2) / precision;
    expectMoments(states.mu!, postMean, 1 / precision, "normal-normal");
    const trace = out.trace as NutsTrace;
    expect(trace.acceptRatio.shape).toEqual([400, 4]);
    const acceptance = np.mean(trace.acceptRatio).item();
    expect(acceptance).toBeGreaterThan(0.65);
    expect(nums(trace.diverging).some(Boolean)).toBe(false);
  }, 600_000);

  // Each model is its own test: a test that blocks the worker for over a minute (easy on a loaded machine)
  // makes vitest report an RPC timeout.
  test("gamma-Poisson through the positivity bijector: Gamma(3, 0.5) prior, 8 Poisson counts", () => {
    const counts = [3, 5, 2, 6, 4, 1, 3, 4];
    const [alpha, beta] = [3, 0.5];
    const model = new JointDistributionNamed({
      lambda: new tfd.Gamma({ concentration: f64(alpha), rate: f64(beta) }),
      counts: (lambda: NDArray) => new tfd.Sample({ distribution: new tfd.Poisson({ rate: lambda }), sampleShape: [counts.length] }),
    });
    const out = windowedAdaptiveNuts({ jointDistribution: model, pins: { counts: f64(counts) }, nDraws: 400, nChains: 4, numAdaptationSteps: 200, seed: 5 });
    const states = out.states as { [k: string]: NDArray };
    expect(Object.keys(states)).toEqual(["lambda"]);
    // (Local names differ from the model's parts: the bundler renames shadowed parameters, which name dependencies.)
    const rates = nums(states.lambda!);
    expect(rates.every((v) => v > 0 && Number.isFinite(v)), "lambda draws are positive").toBe(true);
    // Gamma(α + Σy, β + n).
    const [ga, gb] = [alpha + counts.reduce((t, c) => t + c, 0), beta + counts.length];
    expectMoments(states.lambda!, ga / gb, ga / gb ** 2, "gamma-Poisson");
  }, 600_000);

  test("beta-binomial through the unit-interval bijector: Beta(2, 3) prior, 7 successes in 20", () => {
    const [successes, trials, a0, b0] = [7, 20, 2, 3];
    const model = new JointDistributionNamed({
      p: new tfd.Beta({ concentration1: f64(a0), concentration0: f64(b0) }),
      k: (p: NDArray) => new tfd.Binomial({ totalCount: f64(trials), probs: p }),
    });
    const out = windowedAdaptiveNuts({ jointDistribution: model, pins: { k: f64(successes) }, nDraws: 400, nChains: 4, numAdaptationSteps: 200, seed: 6 });
    const states = out.states as { [k: string]: NDArray };
    const probs = nums(states.p!);
    expect(probs.every((v) => v > 0 && v < 1), "p draws are in (0, 1)").toBe(true);
    // Beta(a + k, b + n - k).
    const [ba, bb] = [a0 + successes, b0 + trials - successes];
    expectMoments(states.p!, ba / (ba + bb), (ba * bb) / ((ba + bb) ** 2 * (ba + bb + 1)), "beta-binomial");
  }, 600_000);
});

describe("windowedAdaptiveNuts: bookkeeping", () => {
  const model = new JointDistributionNamed({
    scale: new tfd.HalfNormal({ scale: f64(1) }),
    y: (scale: NDArray) => new tfd.Sample({ distribution: new tfd.Normal({ loc: f64(0), scale }), sampleShape: [3] }),
  });
  const pins = { y: f64([0.3, -1.1, 0.8]) };

  test("progress: the callback sees monotone steps over warmup then sampling, and the draws equal the run without progress", () => {
    const events: ProgressEvent[] = [];
    const base = { jointDistribution: model, pins, nDraws: 30, nChains: 2, numAdaptationSteps: 40, seed: 3 };
    const plain = windowedAdaptiveNuts(base);
    const chunked = windowedAdaptiveNuts({ ...base, progress: (e) => events.push(e), chunkSize: 16 });
    expect(events.map((e) => [e.phase, e.phaseDone, e.done])).toEqual([
      ["warmup", 0, 0], ["warmup", 16, 16], ["warmup", 32, 32], ["warmup", 40, 40],
      ["sampling", 16, 56], ["sampling", 30, 70],
    ]);
    expect(events.every((e) => e.total === 70)).toBe(true);
    const a = (plain.states as { scale: NDArray }).scale;
    const b = (chunked.states as { scale: NDArray }).scale;
    expect(b.shape).toEqual([30, 2]);
    expect(np.max(np.abs(np.subtract(a, b))).item()).toBeLessThan(1e-12);
    expect(Math.abs(plain.stepSize.item() - chunked.stepSize.item())).toBeLessThan(1e-12);
    expect(nums(a).every((v) => v > 0)).toBe(true);
  }, 600_000);

  test("a model whose log-density is not one value per draw is refused with the fix", () => {
    const batched = new JointDistributionNamed({
      x: new tfd.Normal({ loc: f64([0, 0, 0]), scale: 1 }),
      y: (x: NDArray) => new tfd.Normal({ loc: x, scale: 1 }),
    });
    expect(() => windowedAdaptiveNuts({ jointDistribution: batched, pins: { y: f64([1, 2, 3]) }, nDraws: 5, nChains: 2, seed: 0 }))
      .toThrow(/windowedAdaptiveNuts: .*shape \[3\].*Independent or Sample.*batchNdims: 0/);
    expect(() => windowedAdaptiveNuts({ jointDistribution: model, pins, nDraws: 0, seed: 0 })).toThrow(/nDraws must be a positive integer/);
  });
});
