// Statistical tests of the samplers on targets with known answers. Each test draws from many independent
// chains started away from the target (over-dispersed), so the final states are independent draws whose
// distribution is checked with KS (level 0.001) and moment bounds (about 6e-5 each): with the fixed seeds
// the tests are deterministic; over random seeds each would fail with probability below 0.003.
import { afterEach, describe, expect, test, vi } from "vitest";
import { NDArray, np, random } from "@fluxion/core";
import { jit, vmap } from "@fluxion/transforms";
import {
  DualAveragingStepSizeAdaptation, HamiltonianMonteCarlo, MetropolisAdjustedLangevinAlgorithm, NoUTurnSampler, RandomWalkMetropolis,
  GradientBasedTrajectoryLengthAdaptation, SimpleStepSizeAdaptation, TransformedTransitionKernel, cheesHamiltonianMonteCarlo, effectiveSampleSize,
  getInnermost, potentialScaleReduction, sampleChain, type BijectorLike,
  type KernelResults, type TransitionKernel,
} from "./index.js";
import { beta23Cdf, gamma3Cdf, ksCritical001, ksStatistic, meanAndVariance, standardNormalChecks } from "./testing/stats.js";
import { runOnWasm } from "./testing/device.js";

runOnWasm();

// Long synchronous tests starve the worker's RPC; give the event loop a turn between tests.
afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)));

const standardNormal = (x: NDArray) => np.multiply(np.sum(np.square(x), -1), -0.5);
const scalarStandardNormal = (x: NDArray) => np.multiply(np.square(x), -0.5);
// Each statistical test takes seconds to tens of seconds; allow for a loaded machine.
vi.setConfig({ testTimeout: 300_000 });
const values = (x: NDArray) => Float64Array.from(x.dataSync() as Float64Array);

/** The state of every chain after `steps` transitions, as one compiled program. */
function finalStates<R extends KernelResults>(kernel: TransitionKernel<R>, initial: NDArray, steps: number, seed: number): NDArray {
  const run = jit((x: NDArray, key: NDArray) => sampleChain({ numResults: 1, numBurninSteps: steps - 1, currentState: x, kernel, seed: key, traceFn: () => null }).states);
  const states = run(initial, random.key(seed)) as NDArray;
  return np.reshape(states, states.shape.slice(1));
}

const overdispersed = (seed: number, shape: number[], scale = 2) => np.multiply(random.normal(random.key(seed), shape, { dtype: "float64" }), scale);

describe("slow: 1-d standard normal, 400 independent chains", () => {
  test("NUTS", () => {
    const kernel = new NoUTurnSampler({ targetLogProbFn: scalarStandardNormal as never, stepSize: 0.9 });
    expect(standardNormalChecks(values(finalStates(kernel, overdispersed(1, [400]), 25, 100)))).toEqual([]);
  });
  test("HMC", () => {
    const kernel = new HamiltonianMonteCarlo({ targetLogProbFn: scalarStandardNormal as never, stepSize: 0.5, numLeapfrogSteps: 3 });
    expect(standardNormalChecks(values(finalStates(kernel, overdispersed(2, [400]), 40, 101)))).toEqual([]);
  });
  test("random-walk Metropolis", () => {
    const kernel = new RandomWalkMetropolis({ targetLogProbFn: scalarStandardNormal as never, scale: 2.4 });
    expect(standardNormalChecks(values(finalStates(kernel, overdispersed(3, [400]), 80, 102)))).toEqual([]);
  });
  test("MALA", () => {
    const kernel = new MetropolisAdjustedLangevinAlgorithm({ targetLogProbFn: scalarStandardNormal as never, stepSize: 0.8 });
    expect(standardNormalChecks(values(finalStates(kernel, overdispersed(4, [400]), 60, 103)))).toEqual([]);
  });
});

describe("slow: many chains through jit(vmap(chain)) instead of a chain axis", () => {
  test("NUTS, 300 chains on a 1-d standard normal, one key per chain", () => {
    const kernel = new NoUTurnSampler({ targetLogProbFn: scalarStandardNormal as never, stepSize: 0.9 });
    const chain = (x: NDArray, key: NDArray) => sampleChain({ numResults: 1, numBurninSteps: 24, currentState: x, kernel, seed: key, traceFn: () => null }).states;
    const states = jit(vmap(chain as never) as never)(overdispersed(14, [300]), random.split(random.key(117), 300)) as NDArray;
    expect(states.shape).toEqual([300, 1]);
    expect(standardNormalChecks(values(states))).toEqual([]);
  });
});

describe("slow: 100-d standard normal, 32 chains (3200 coordinates, independent at stationarity)", () => {
  const check = (x: NDArray) => {
    expect(standardNormalChecks(values(x))).toEqual([]);
    // ‖x‖² ~ χ²₁₀₀ per chain: the mean of 32 has sd √(200/32) = 2.5.
    const norms = values(np.sum(np.square(x), 1));
    expect(Math.abs(meanAndVariance(norms)[0] - 100)).toBeLessThan(4 * Math.sqrt(200 / 32));
  };
  test("NUTS", () => {
    check(finalStates(new NoUTurnSampler({ targetLogProbFn: standardNormal as never, stepSize: 0.45 }), overdispersed(5, [32, 100], 1.5), 12, 104));
  });
  test("HMC", () => {
    check(finalStates(new HamiltonianMonteCarlo({ targetLogProbFn: standardNormal as never, stepSize: 0.3, numLeapfrogSteps: 6 }), overdispersed(6, [32, 100], 1.5), 30, 105));
  });
});

describe("slow: correlated 2-d normal (sd 1 and 3, correlation 0.95), 200 chains", () => {
  const sigma = [[1, 0.95 * 3], [0.95 * 3, 9]];
  const precision = np.linalg.inv(np.array(sigma, "float64"));
  const logProb = (x: NDArray) => np.multiply(np.sum(np.multiply(x, np.matmul(x, precision)), -1), -0.5);
  const chol = np.linalg.cholesky(np.array(sigma, "float64"));
  /** L⁻¹x: iid N(0, 1) coordinates when x ~ N(0, Σ). */
  const whiten = (x: NDArray) => np.transpose(np.linalg.solve(chol, np.transpose(x)));
  const check = (x: NDArray) => {
    expect(standardNormalChecks(values(whiten(x)))).toEqual([]);
    // Sample covariance entries: Var(S_ij) ≈ (Σ_ij² + Σ_ii Σ_jj) / n; 4-sd bounds.
    const n = x.shape[0]!;
    const cov = (np.divide(np.matmul(np.transpose(x), x), n).toArray() as number[][]);
    for (const [i, j] of [[0, 0], [0, 1], [1, 1]] as const) {
      const sd = Math.sqrt((sigma[i]![j]! ** 2 + sigma[i]![i]! * sigma[j]![j]!) / n);
      expect(Math.abs(cov[i]![j]! - sigma[i]![j]!)).toBeLessThan(4 * sd);
    }
  };
  const init = () => overdispersed(7, [200, 2], 3);
  test("NUTS, identity metric", () => {
    check(finalStates(new NoUTurnSampler({ targetLogProbFn: logProb as never, stepSize: 0.3 }), init(), 12, 106));
  });
  test("NUTS, dense metric = Σ", () => {
    check(finalStates(new NoUTurnSampler({ targetLogProbFn: logProb as never, stepSize: 0.8, inverseMassMatrix: np.array(sigma, "float64") }), init(), 15, 107));
  });
  test("HMC, diagonal metric", () => {
    check(finalStates(new HamiltonianMonteCarlo({ targetLogProbFn: logProb as never, stepSize: 0.2, numLeapfrogSteps: 8, inverseMassMatrix: np.array([1, 9], "float64") }), init(), 60, 108));
  });
});

describe("slow: NUTS on a 2-d standard normal with 10 batched chains (TFP's docs workflow)", () => {
  test("sampleChain with burn-in: R-hat, ESS and moments within Monte Carlo error", () => {
    const kernel = new NoUTurnSampler({ targetLogProbFn: standardNormal as never, stepSize: 0.8 });
    const run = jit((x: NDArray, key: NDArray) => sampleChain({
      numResults: 300, numBurninSteps: 50, currentState: x, kernel, seed: key,
      traceFn: (_s, r) => ({ accepted: r.isAccepted, logAcceptRatio: r.logAcceptRatio }),
    }));
    const { states, trace } = run(overdispersed(8, [10, 2]), random.key(109)) as { states: NDArray; trace: { accepted: NDArray; logAcceptRatio: NDArray } };
    expect(states.shape).toEqual([300, 10, 2]);
    expect(trace.accepted.shape).toEqual([300, 10]);
    const rhat = values(potentialScaleReduction(states) as NDArray);
    rhat.forEach((r) => expect(r).toBeLessThan(1.02));
    // NUTS on a standard normal gives more than one effective draw per draw for the mean; 1000 of 3000 is a loose floor.
    const ess = values(effectiveSampleSize(states, { method: "mean" }) as NDArray);
    ess.forEach((e) => expect(e).toBeGreaterThan(1000));
    const squares = np.square(states);
    const essSquares = values(effectiveSampleSize(squares, { method: "mean" }) as NDArray);
    const means = values(np.mean(states, [0, 1]));
    const secondMoments = values(np.mean(squares, [0, 1]));
    for (let d = 0; d < 2; d++) {
      expect(Math.abs(means[d]!)).toBeLessThan(4 / Math.sqrt(ess[d]!));
      expect(Math.abs(secondMoments[d]! - 1)).toBeLessThan(4 * Math.sqrt(2 / essSquares[d]!));
    }
    const meanAccept = np.mean(np.exp(trace.logAcceptRatio)).item();
    expect(meanAccept).toBeGreaterThan(0.7);
  });
});

describe("slow: step-size adaptation reaches its target acceptance", () => {
  const measure = <R extends KernelResults>(kernel: TransitionKernel<R>, initial: NDArray, burnin: number, draws: number, seed: number) => {
    const run = jit((x: NDArray, key: NDArray) => sampleChain({
      numResults: draws, numBurninSteps: burnin, currentState: x, kernel, seed: key,
      traceFn: (_s, r) => ({ logAcceptRatio: getInnermost(r, "logAcceptRatio"), stepSize: getInnermost(r, "stepSize") }),
    }).trace);
    const trace = run(initial, random.key(seed)) as { logAcceptRatio: NDArray; stepSize: NDArray };
    return { acceptance: np.mean(np.exp(np.minimum(trace.logAcceptRatio, 0))).item(), stepSizes: values(trace.stepSize) };
  };
  // Diagonal scales 0.5..2 so the right step size is not 1.
  const scales = np.array([0.5, 0.7, 0.9, 1.1, 1.3, 1.5, 1.7, 1.9, 2.0, 0.6], "float64");
  const logProb = (x: NDArray) => np.multiply(np.sum(np.square(np.divide(x, scales)), -1), -0.5);

  test("dual averaging around HMC (target 0.75, 16 chains)", () => {
    const kernel = new DualAveragingStepSizeAdaptation({
      innerKernel: new HamiltonianMonteCarlo({ targetLogProbFn: logProb as never, stepSize: 1.5, numLeapfrogSteps: 5 }), numAdaptationSteps: 200,
    });
    const { acceptance, stepSizes } = measure(kernel, overdispersed(9, [16, 10], 1), 200, 150, 110);
    expect(Math.abs(acceptance - 0.75)).toBeLessThan(0.07);
    expect(new Set(stepSizes).size).toBe(1);
  });
  test("dual averaging around NUTS (target 0.8, 8 chains)", () => {
    const kernel = new DualAveragingStepSizeAdaptation({
      // Early dual-averaging iterates can be tiny; a depth cap bounds their trees (and the test time).
      innerKernel: new NoUTurnSampler({ targetLogProbFn: logProb as never, stepSize: 1.5, maxTreeDepth: 6 }), numAdaptationSteps: 120, targetAcceptProb: 0.8,
    });
    const { acceptance } = measure(kernel, overdispersed(10, [8, 10], 1), 120, 80, 111);
    expect(Math.abs(acceptance - 0.8)).toBeLessThan(0.07);
  });
  test("simple adaptation around MALA (target 0.574, 32 chains)", () => {
    const kernel = new SimpleStepSizeAdaptation({
      innerKernel: new MetropolisAdjustedLangevinAlgorithm({ targetLogProbFn: logProb as never, stepSize: 0.01 }), numAdaptationSteps: 400, targetAcceptProb: 0.574, adaptationRate: 0.03,
    });
    const { acceptance } = measure(kernel, overdispersed(11, [32, 10], 1), 400, 200, 112);
    expect(Math.abs(acceptance - 0.574)).toBeLessThan(0.07);
  });
});

describe("slow: ChEES trajectory-length adaptation on a 10-d standard normal, 64 chains", () => {
  test("the learned trajectory length approaches the ChEES optimum", () => {
    // With fully jittered lengths uT (u ~ U(0,1)) and exact dynamics, ChEES(T) ∝ E_u[sin²(uT)] = ½ - sin(2T)/(4T),
    // maximised where tan(2T) = 2T: T* ≈ 2.247. A small fixed step (0.1) keeps leapfrog close to exact dynamics.
    const kernel = new GradientBasedTrajectoryLengthAdaptation({
      innerKernel: new HamiltonianMonteCarlo({ targetLogProbFn: standardNormal as never, stepSize: 0.1, numLeapfrogSteps: 10 }), numAdaptationSteps: 300,
    });
    const run = jit((x: NDArray, key: NDArray) => sampleChain({ numResults: 1, numBurninSteps: 299, currentState: x, kernel, seed: key, traceFn: () => null }));
    const { finalKernelResults } = run(overdispersed(12, [64, 10], 1.5), random.key(113)) as { finalKernelResults: { averagedMaxTrajectoryLength: NDArray } };
    const length = finalKernelResults.averagedMaxTrajectoryLength.item();
    expect(length).toBeGreaterThan(1.9);
    expect(length).toBeLessThan(2.6);
  });

  test("ChEES-HMC (dual averaging to 0.651 around it) samples N(0, I)", () => {
    const kernel = cheesHamiltonianMonteCarlo({ targetLogProbFn: standardNormal as never, stepSize: 0.3, numAdaptationSteps: 200, initialNumLeapfrogSteps: 4 });
    const run = jit((x: NDArray, key: NDArray) => sampleChain({
      numResults: 100, numBurninSteps: 200, currentState: x, kernel, seed: key,
      traceFn: (_s, r) => getInnermost(r, "logAcceptRatio"),
    }));
    const { states, trace } = run(overdispersed(13, [64, 10], 1.5), random.key(114)) as { states: NDArray; trace: NDArray };
    const acceptance = np.mean(np.exp(np.minimum(trace, 0))).item();
    expect(Math.abs(acceptance - 0.651)).toBeLessThan(0.07);
    expect(standardNormalChecks(values(np.reshape(states.slice(-1), [64 * 10])))).toEqual([]);
  });
});

/** Minimal bijectors in the shape of @fluxion/prob's (forward, inverse, forwardLogDetJacobian(x, eventNdims)). */
const sumLast = (x: NDArray, eventNdims: number) => (eventNdims > 0 ? np.sum(x, Array.from({ length: eventNdims }, (_, i) => x.ndim - 1 - i)) : x);
const expBijector: BijectorLike = {
  forward: ((u: NDArray) => np.exp(u)) as never,
  inverse: ((x: NDArray) => np.log(x)) as never,
  forwardLogDetJacobian: ((u: NDArray, eventNdims: number) => sumLast(u, eventNdims)) as never,
};
const sigmoidBijector: BijectorLike = {
  forward: ((u: NDArray) => np.divide(1, np.add(1, np.exp(np.negative(u))))) as never,
  inverse: ((x: NDArray) => np.subtract(np.log(x), np.log1p(np.negative(x)))) as never,
  // log σ(u) + log(1 - σ(u)) = -softplus(-u) - softplus(u) = -|u| - 2 log(1 + e^{-|u|}).
  forwardLogDetJacobian: ((u: NDArray, eventNdims: number) => sumLast(np.subtract(np.negative(np.abs(u)), np.multiply(np.log1p(np.exp(np.negative(np.abs(u)))), 2)), eventNdims)) as never,
};

describe("slow: Gamma and Beta targets through bijectors (TransformedTransitionKernel), 300 chains", () => {
  // Gamma(3, rate 2): 3 log 2 - log Γ(3) + 2 log x - 2x. Beta(2, 3): log 12 + log x + 2 log(1 - x).
  const gammaLogProb = (x: NDArray) => np.add(np.subtract(np.multiply(np.log(x), 2), np.multiply(x, 2)), 3 * Math.log(2) - Math.log(2));
  const betaLogProb = (x: NDArray) => np.add(np.add(np.log(x), np.multiply(np.log1p(np.negative(x)), 2)), Math.log(12));
  const ks = (xs: NDArray, cdf: (x: number) => number) => ksStatistic(values(xs), cdf) / ksCritical001(xs.size);

  test("NUTS on a pytree state {gamma, beta} with one bijector per part", () => {
    const target = (s: { gamma: NDArray; beta: NDArray }) => np.add(gammaLogProb(s.gamma), betaLogProb(s.beta));
    const kernel = new TransformedTransitionKernel({
      innerKernel: new NoUTurnSampler({ targetLogProbFn: target as never, stepSize: 0.6 }),
      bijector: { gamma: expBijector, beta: sigmoidBijector },
    });
    const init = { gamma: np.full([300], 4.0, "float64"), beta: np.full([300], 0.9, "float64") };
    const run = jit((x: typeof init, key: NDArray) => sampleChain({ numResults: 1, numBurninSteps: 24, currentState: x, kernel, seed: key, traceFn: () => null }).states);
    const states = run(init, random.key(115)) as { gamma: NDArray; beta: NDArray };
    expect(states.gamma.shape).toEqual([1, 300]);
    expect(np.min(states.gamma).item()).toBeGreaterThan(0);
    expect(ks(states.gamma, gamma3Cdf(2))).toBeLessThan(1);
    expect(ks(states.beta, beta23Cdf)).toBeLessThan(1);
  });

  test("dual averaging around the transformed kernel (TFP's nesting), one bijector for the whole state", () => {
    const kernel = new DualAveragingStepSizeAdaptation({
      innerKernel: new TransformedTransitionKernel({ innerKernel: new HamiltonianMonteCarlo({ targetLogProbFn: gammaLogProb as never, stepSize: 0.3, numLeapfrogSteps: 4 }), bijector: expBijector }),
      numAdaptationSteps: 60,
    });
    const run = jit((x: NDArray, key: NDArray) => sampleChain({ numResults: 1, numBurninSteps: 99, currentState: x, kernel, seed: key, traceFn: () => null }));
    const { states, finalKernelResults } = run(np.full([300], 0.2, "float64"), random.key(116)) as { states: NDArray; finalKernelResults: object };
    expect(ks(states, gamma3Cdf(2))).toBeLessThan(1);
    expect(getInnermost(finalKernelResults, "stepSize").item()).not.toBe(0.3);
  });
});
