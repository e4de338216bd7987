// Variational inference: the factored surrogate recovers a conjugate normal posterior exactly (mean, sd, and the
// negative ELBO at the log evidence), approximates a gamma-Poisson posterior through the Softplus bijector
// (ELBO below the exact evidence), and trains plain distribution pytrees; surrogates are pytrees.
import { describe, expect, it } from "vitest";
import { NDArray, np, random } from "@fluxion/core";
import { jit } from "@fluxion/transforms";
import { adam, exponentialDecay } from "@fluxion/optim";
import * as tfb from "../bijectors/index.js";
import * as tfd from "../distributions/index.js";
import { JointDistributionNamed } from "../joint/index.js";
import { FactoredSurrogatePosterior, buildFactoredSurrogatePosterior, fitSurrogatePosterior, type FactoredSurrogateParameters } from "./index.js";

const f64 = (x: number | number[]) => np.array(x, "float64");
const nums = (x: NDArray): number[] => Array.from(x.dataSync(), Number);
const num = (x: NDArray): number => Number(x.dataSync()[0]);
const softplus = (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / (xs.length - 1));
// log Γ(n + 1) for small integers, exactly.
const logFactorial = (n: number) => Array.from({ length: n }, (_, i) => Math.log(i + 1)).reduce((a, b) => a + b, 0);

describe("fitSurrogatePosterior", () => {
  it("recovers the conjugate normal posterior N(Σy/(n+1), 1/√(n+1)); the loss settles at -log p(y)", () => {
    const y = [0.8, 1.3, -0.2, 0.9, 1.7, 0.4, 1.1, 0.6, 2.0, 0.7];
    const n = y.length;
    const model = new JointDistributionNamed({
      mu: new tfd.Normal({ loc: f64(0), scale: f64(1) }),
      y: (mu: NDArray) => new tfd.Sample({ distribution: new tfd.Normal({ loc: mu, scale: 1 }), sampleShape: n }),
    });
    const pinned = model.experimentalPin({ y: f64(y) });
    const surrogate = buildFactoredSurrogatePosterior({ jointDistribution: pinned, key: random.key(0), dtype: "float64" });
    const { surrogatePosterior, parameters, losses } = fitSurrogatePosterior({
      targetLogProbFn: pinned.unnormalizedLogProb.bind(pinned),
      surrogatePosterior: surrogate,
      optimizer: adam(exponentialDecay({ initValue: 0.1, transitionSteps: 150, decayRate: 0.1 })),
      numSteps: 400,
      sampleSize: 16,
      key: random.key(1),
    });
    expect(losses.shape).toEqual([400]);
    const p = parameters as FactoredSurrogateParameters;
    const postMean = y.reduce((a, b) => a + b, 0) / (n + 1);
    const postSd = 1 / Math.sqrt(n + 1);
    expect(Math.abs(num((p.loc as Record<string, NDArray>).mu!) - postMean)).toBeLessThan(0.01);
    expect(Math.abs(softplus(num((p.rawScale as Record<string, NDArray>).mu!)) / postSd - 1)).toBeLessThan(0.03);
    // At the optimum q is the posterior, so log p(z, y) - log q(z) = log p(y) for every draw.
    const sy = y.reduce((a, b) => a + b, 0);
    const syy = y.reduce((a, b) => a + b * b, 0);
    const logEvidence = -0.5 * n * Math.log(2 * Math.PI) - 0.5 * Math.log(1 + n) - 0.5 * (syy - (sy * sy) / (1 + n));
    const tail = nums(losses).slice(-20);
    expect(Math.abs(mean(tail) + logEvidence)).toBeLessThan(0.01);
    expect(surrogatePosterior).toBeInstanceOf(FactoredSurrogatePosterior);
  });

  it("gamma-Poisson: the Softplus-constrained surrogate matches the Gamma(2 + Σy, 1 + n) posterior's moments; ELBO ≤ log evidence", () => {
    const counts = [3, 1, 4, 1, 5, 2, 6, 2, 3, 5, 3, 2, 1, 4, 2, 3, 3, 2, 4, 1];
    const n = counts.length;
    const sum = counts.reduce((a, b) => a + b, 0);
    const model = new JointDistributionNamed({
      rate: new tfd.Gamma({ concentration: f64(2), rate: f64(1) }),
      counts: (rate: NDArray) => new tfd.Sample({ distribution: new tfd.Poisson({ rate }), sampleShape: n }),
    });
    const pinned = model.experimentalPin({ counts: f64(counts) });
    const surrogate = buildFactoredSurrogatePosterior({ jointDistribution: pinned, key: random.key(2), dtype: "float64" });
    const fit = fitSurrogatePosterior({
      targetLogProbFn: pinned.unnormalizedLogProb.bind(pinned),
      surrogatePosterior: surrogate,
      optimizer: adam(exponentialDecay({ initValue: 0.1, transitionSteps: 150, decayRate: 0.1 })),
      numSteps: 400,
      sampleSize: 16,
      key: random.key(3),
    });
    const q = fit.surrogatePosterior as FactoredSurrogatePosterior;
    const draws = nums((q.sample(random.key(4), [4000]) as Record<string, NDArray>).rate!);
    expect(draws.every((d) => d > 0)).toBe(true);
    const a = 2 + sum, b = 1 + n;
    expect(Math.abs(mean(draws) / (a / b) - 1)).toBeLessThan(0.03);
    expect(Math.abs(sd(draws) / (Math.sqrt(a) / b) - 1)).toBeLessThan(0.15);
    // Exact evidence: the gamma-Poisson marginal, log p(y) = 2 log 1 - lnΓ(2) + lnΓ(a) - a log b - Σ log y_i!.
    const lgammaInt = (k: number) => logFactorial(k - 1);
    const logEvidence = lgammaInt(a) - lgammaInt(2) - a * Math.log(b) - counts.reduce((s, c) => s + logFactorial(c), 0);
    const elbo = -mean(nums(fit.losses).slice(-50));
    expect(elbo).toBeLessThan(logEvidence + 0.01);
    expect(logEvidence - elbo).toBeLessThan(0.05);
  });

  it("trains a plain distribution pytree (every float leaf) and records a custom trace", () => {
    const target = (x: NDArray) => new tfd.MultivariateNormalDiag({ loc: f64([1, -2]), scaleDiag: f64([0.5, 2]) }).logProb(x);
    const start = new tfd.Independent({ distribution: new tfd.Normal({ loc: f64([0, 0]), scale: f64([1, 1]) }), reinterpretedBatchNdims: 1 });
    const fit = fitSurrogatePosterior({
      targetLogProbFn: target,
      surrogatePosterior: start,
      optimizer: adam(exponentialDecay({ initValue: 0.1, transitionSteps: 150, decayRate: 0.1 })),
      numSteps: 400,
      sampleSize: 8,
      key: random.key(5),
      traceFn: ({ parameters }) => ((parameters as tfd.Independent).distribution as tfd.Normal).loc,
    });
    expect((fit.trace as NDArray).shape).toEqual([400, 2]);
    const trained = (fit.surrogatePosterior as tfd.Independent).distribution as tfd.Normal;
    // Stochastic-gradient noise in the location scales with the target's sd: within a tenth of it.
    nums(trained.loc).forEach((v, i) => expect(Math.abs(v - [1, -2][i]!)).toBeLessThan(0.1 * [0.5, 2][i]!));
    nums(trained.scale).forEach((v, i) => expect(Math.abs(Math.abs(v) / [0.5, 2][i]! - 1)).toBeLessThan(0.05));
  });
});

describe("buildFactoredSurrogatePosterior", () => {
  it("event shapes and bijectors by part; logProb of a draw equals the log q returned with it", () => {
    const q = buildFactoredSurrogatePosterior({
      eventShape: { scale: [], weights: [3], probs: [4] },
      bijector: { scale: new tfb.Softplus(), weights: null, probs: new tfb.SoftmaxCentered() },
      key: random.key(6),
      dtype: "float64",
    });
    const loc = q.loc as Record<string, NDArray>;
    expect(loc.probs!.shape).toEqual([3]); // the simplex in R^4 pulls back to R^3
    const [draw, lq] = q.sampleAndLogProb(random.key(7), [5]);
    const z = draw as Record<string, NDArray>;
    expect([z.scale!.shape, z.weights!.shape, z.probs!.shape]).toEqual([[5], [5, 3], [5, 4]]);
    expect(nums(z.scale!).every((v) => v > 0)).toBe(true);
    nums(np.sum(z.probs!, -1)).forEach((s) => expect(Math.abs(s - 1)).toBeLessThan(1e-12));
    // Locations start in [-2, 2) and scales at 0.01, as TFP.
    nums(loc.weights!).forEach((v) => expect(v >= -2 && v < 2).toBe(true));
    nums((q.scale() as Record<string, NDArray>).weights!).forEach((v) => expect(Math.abs(v - 0.01)).toBeLessThan(1e-12));
    // Through the inverse bijector (fresh arrays, so no cache) the density is the same.
    const fresh = { scale: np.add(z.scale!, 0), weights: np.add(z.weights!, 0), probs: np.add(z.probs!, 0) };
    const lp = nums(q.logProb(fresh));
    nums(lq).forEach((v, i) => expect(Math.abs(v - lp[i]!)).toBeLessThan(1e-8 * (1 + Math.abs(v))));
  });

  it("is a pytree: jit of sampleAndLogProb equals eager; a batch of surrogates", () => {
    const q = buildFactoredSurrogatePosterior({ eventShape: [[], [2]], bijector: [new tfb.Exp(), null], key: random.key(8), dtype: "float64", batchShape: [3] });
    expect((q.loc as NDArray[])[1]!.shape).toEqual([3, 2]);
    const key = random.key(9);
    const [zj, lj] = jit((s: FactoredSurrogatePosterior, k: NDArray) => s.sampleAndLogProb(k, [2]))(q, key) as [NDArray[], NDArray];
    const [ze, le] = q.sampleAndLogProb(key, [2]) as [NDArray[], NDArray];
    expect(lj.shape).toEqual([2, 3]);
    nums(lj).forEach((v, i) => expect(Math.abs(v - nums(le)[i]!)).toBeLessThan(1e-12));
    nums(zj[0]!).forEach((v, i) => expect(Math.abs(v - nums(ze[0]!)[i]!)).toBeLessThan(1e-12));
    expect(() => buildFactoredSurrogatePosterior({ eventShape: [2] })).toThrow(/pass a `key`/);
  });
});
