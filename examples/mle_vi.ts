// The MLE and VI sections of the ProbPipe interop notebook (issue #9): gradients of an expectation
// d/dθ E[f(X)] by the score-function and the reparameterized estimators, maximum likelihood of a Normal
// and a Gamma by gradient ascent, and reverse-KL variational inference on a bimodal target.
import { fileURLToPath } from "node:url";
import { NDArray, np, random, type Device } from "@fluxion/core";
import { jacfwd, stopGradient } from "@fluxion/transforms";
import { adam, minimize } from "@fluxion/optim";
import { bijectors as tfb, distributions as tfd, vi } from "@fluxion/prob";
import { onDevice } from "./device.js";

const f64 = (v: number | number[]) => np.array(v, "float64");
const nums = (a: NDArray) => Array.from(a.dataSync(), Number);
const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const stdErr = (xs: number[]) => Math.sqrt(xs.reduce((a, b) => a + (b - meanOf(xs)) ** 2, 0) / (xs.length - 1) / xs.length);

export const THETA = 1.5;
export const NUM_DRAWS = 4000;
/** The double-well target of the VI section: log p̃(z) = -(z² - 4)² / 4, modes at ±2. */
export const doubleWell = (z: NDArray) => np.multiply(-0.25, np.square(np.subtract(np.square(z), 4)));

export interface GradientEstimate { estimate: number; standardError: number }
export interface MleViResult {
  reparameterized: GradientEstimate;
  scoreFunction: GradientEstimate;
  normalData: number[]; normalFit: { loc: number; scale: number };
  gammaData: number[]; gammaFit: { concentration: number; rate: number };
  vi: { loc: number; scale: number; elboEstimate: number };
}

/** d/dθ E_{X ~ N(θ, 1)}[X²] (= 2θ) from NUM_DRAWS draws, per-draw terms by jacfwd so the standard error is honest. */
function expectationGradients(): { reparameterized: GradientEstimate; scoreFunction: GradientEstimate } {
  const f = (x: NDArray) => np.square(x);
  const key = random.key(0);
  const theta = f64(THETA);
  // Pathwise: X = θ + ε, so each draw contributes f'(X) ∂X/∂θ.
  const pathwise = jacfwd((t: NDArray) => f(new tfd.Normal({ loc: t, scale: 1 }).sample(key, [NUM_DRAWS])))(theta) as NDArray;
  // Score function (REINFORCE): f(X) ∂/∂θ log p(X; θ), with the draws held fixed.
  const x = stopGradient(new tfd.Normal({ loc: theta, scale: 1 }).sample(key, [NUM_DRAWS]));
  const score = jacfwd((t: NDArray) => np.multiply(f(x), new tfd.Normal({ loc: t, scale: 1 }).logProb(x)))(theta) as NDArray;
  const summarise = (terms: NDArray) => ({ estimate: meanOf(nums(terms)), standardError: stdErr(nums(terms)) });
  return { reparameterized: summarise(pathwise), scoreFunction: summarise(score) };
}

/** Maximum likelihood by gradient ascent on the mean log-likelihood (Adam, parameters in log space). */
function fitByGradientAscent(makeDist: (p: NDArray) => tfd.Distribution, data: NDArray, init: number[]): number[] {
  const negLogLik = (logParams: NDArray) => np.negative(np.mean(makeDist(np.exp(logParams)).logProb(data)));
  const { params } = minimize(negLogLik, { initialParams: np.log(f64(init)), optimizer: adam(0.05), numSteps: 600 });
  return nums(np.exp(params));
}

export async function main(opts: { device?: Device; log?: (s: string) => void } = {}): Promise<MleViResult> {
  const log = opts.log ?? console.log;
  return onDevice(opts.device ?? "wasm", () => {
    const { reparameterized, scoreFunction } = expectationGradients();
    log(`d/dθ E[X²], X ~ N(${THETA}, 1) (exact ${2 * THETA}): reparameterized ${reparameterized.estimate.toFixed(4)} ± ${reparameterized.standardError.toFixed(4)}, score function ${scoreFunction.estimate.toFixed(4)} ± ${scoreFunction.standardError.toFixed(4)} (${NUM_DRAWS} draws)`);

    const normalDraws = new tfd.Normal({ loc: f64(1.5), scale: f64(0.7) }).sample(random.key(1), [500]);
    const [loc, scale] = fitByGradientAscent((p) => new tfd.Normal({ loc: np.take(p, 0), scale: np.take(p, 1) }), normalDraws, [1, 1]) as [number, number];
    log(`Normal MLE by gradient ascent (500 draws of N(1.5, 0.7)): loc ${loc.toFixed(6)}, scale ${scale.toFixed(6)}`);
    const gammaDraws = new tfd.Gamma({ concentration: f64(3), rate: f64(2) }).sample(random.key(2), [500]);
    const [concentration, rate] = fitByGradientAscent((p) => new tfd.Gamma({ concentration: np.take(p, 0), rate: np.take(p, 1) }), gammaDraws, [1, 1]) as [number, number];
    log(`Gamma MLE by gradient ascent (500 draws of Gamma(3, 2)): concentration ${concentration.toFixed(6)}, rate ${rate.toFixed(6)}`);

    // Reverse KL(q || p) with a normal q started right of 0: it settles on one mode and ignores the other.
    const surrogate = vi.buildFactoredSurrogatePosterior({ eventShape: [], bijector: new tfb.Identity(), initialLoc: f64(1), initialScale: 0.5, dtype: "float64", key: random.key(3) });
    const fit = vi.fitSurrogatePosterior({ targetLogProbFn: doubleWell, surrogatePosterior: surrogate, optimizer: adam(0.05), numSteps: 600, sampleSize: 32, key: random.key(4) });
    // With the Identity bijector q is N(loc, softplus(rawScale)) itself.
    const q = fit.surrogatePosterior as vi.FactoredSurrogatePosterior;
    const losses = nums(fit.losses);
    const elboEstimate = -meanOf(losses.slice(-100)); // the loss is the negative ELBO (per-step Monte Carlo)
    const qMean = (q.loc as NDArray).item();
    const qScale = (q.scale() as NDArray).item();
    log(`VI on p̃(z) = exp(-(z² - 4)² / 4): q = N(${qMean.toFixed(4)}, ${qScale.toFixed(4)}), ELBO ≈ ${elboEstimate.toFixed(4)} (mean of the last 100 steps)`);
    return {
      reparameterized, scoreFunction,
      normalData: nums(normalDraws), normalFit: { loc, scale },
      gammaData: nums(gammaDraws), gammaFit: { concentration, rate },
      vi: { loc: qMean, scale: qScale, elboEstimate },
    };
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
