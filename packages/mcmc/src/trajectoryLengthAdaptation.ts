// ChEES-HMC (Hoffman, Radul & Sountsov 2021): adapts HMC's trajectory length by stochastic gradient ascent
// on the ChEES criterion computed across many chains, with jittered (Halton) trajectory lengths; after
// TFP's GradientBasedTrajectoryLengthAdaptation.
import { NDArray, np, tree } from "@fluxion/core";
import { retarget, type KernelResults, type TransitionKernel } from "./kernel.js";
import { HamiltonianMonteCarlo, type HamiltonianMonteCarloResults } from "./hmc.js";
import { DualAveragingStepSizeAdaptation } from "./stepSizeAdaptation.js";
import type { LogProbFn } from "./util/chains.js";
import { splitKeys } from "./util/keys.js";
import { getInnermost, replaceInnermost } from "./util/results.js";
import { uniform01 } from "./util/sampling.js";

export interface GradientBasedTrajectoryLengthAdaptationOptions<R extends KernelResults> {
  /** An HMC kernel (or a wrapper of one) whose results carry numLeapfrogSteps, stepSize, proposedState and proposedVelocity. */
  innerKernel: TransitionKernel<R>;
  numAdaptationSteps: number;
  /** Jitter with the base-2 Halton sequence (more stable) instead of uniform draws. Default true. */
  useHaltonSequenceJitter?: boolean;
  /** Learning rate of the RMSProp-style ascent on log trajectory length. Default 0.025. */
  adaptationRate?: number;
  /** Trajectory lengths are drawn from [(1 - jitterAmount) T, T]. Default 1. */
  jitterAmount?: number;
  /** Trajectory lengths are clipped to stepSize × this. Default 1000. */
  maxLeapfrogSteps?: number;
}

export interface GradientBasedTrajectoryLengthAdaptationResults<R extends KernelResults = KernelResults> {
  innerResults: R;
  /** The current maximum trajectory length T (the jittered length is u T). */
  maxTrajectoryLength: NDArray;
  step: NDArray;
  averagedSqGrad: NDArray;
  /** Iterate average of T (weights t^-1/2), used after adaptation. */
  averagedMaxTrajectoryLength: NDArray;
  /** The ChEES criterion per chain at the last step (a diagnostic). */
  criterion: NDArray;
}

const HALTON_BITS = 10;

export class GradientBasedTrajectoryLengthAdaptation<R extends KernelResults = KernelResults>
implements TransitionKernel<GradientBasedTrajectoryLengthAdaptationResults<R>> {
  readonly innerKernel: TransitionKernel<R>;
  readonly numAdaptationSteps: number;
  readonly useHaltonSequenceJitter: boolean;
  readonly adaptationRate: number;
  readonly jitterAmount: number;
  readonly maxLeapfrogSteps: number;

  constructor(options: GradientBasedTrajectoryLengthAdaptationOptions<R>) {
    this.innerKernel = options.innerKernel;
    this.numAdaptationSteps = options.numAdaptationSteps;
    this.useHaltonSequenceJitter = options.useHaltonSequenceJitter ?? true;
    this.adaptationRate = options.adaptationRate ?? 0.025;
    this.jitterAmount = options.jitterAmount ?? 1;
    this.maxLeapfrogSteps = options.maxLeapfrogSteps ?? 1000;
  }

  get isCalibrated(): boolean { return false; }

  withTargetLogProbFn(targetLogProbFn: LogProbFn): GradientBasedTrajectoryLengthAdaptation<R> {
    return new GradientBasedTrajectoryLengthAdaptation({ ...this, innerKernel: retarget(this.innerKernel, targetLogProbFn) });
  }

  bootstrapResults(state: unknown): GradientBasedTrajectoryLengthAdaptationResults<R> {
    const innerResults = this.innerKernel.bootstrapResults(state);
    const stepSize = getInnermost(innerResults, "stepSize");
    if (stepSize.ndim !== 0) throw new RangeError(`GradientBasedTrajectoryLengthAdaptation: the step size must be a scalar shared by all chains, got shape [${stepSize.shape}].`);
    const logAcceptRatio = getInnermost(innerResults, "logAcceptRatio");
    if (logAcceptRatio.size < 2) throw new RangeError("GradientBasedTrajectoryLengthAdaptation: the ChEES criterion averages over chains and needs at least 2 (give the state a leading chain axis).");
    const dtype = stepSize.dtype;
    return {
      innerResults,
      maxTrajectoryLength: np.multiply(stepSize, getInnermost(innerResults, "numLeapfrogSteps").astype(dtype)),
      step: np.asarray(0, "int32"),
      averagedSqGrad: np.zeros([], dtype),
      averagedMaxTrajectoryLength: np.zeros([], dtype),
      criterion: np.zerosLike(logAcceptRatio),
    };
  }

  oneStep(state: unknown, results: GradientBasedTrajectoryLengthAdaptationResults<R>, key: NDArray): [unknown, GradientBasedTrajectoryLengthAdaptationResults<R>] {
    const [jitterKey, innerKey] = splitKeys(key, 2);
    const stepSize = getInnermost(results.innerResults, "stepSize");
    const dtype = stepSize.dtype;
    const unit = this.useHaltonSequenceJitter ? haltonBase2(results.step, dtype) : uniform01(jitterKey, [], dtype);
    const jitter = np.add(np.multiply(unit, this.jitterAmount), 1 - this.jitterAmount);
    const adapting = np.less(results.step, this.numAdaptationSteps);
    const maxLength = np.where(adapting, results.maxTrajectoryLength, results.averagedMaxTrajectoryLength);
    const numLeapfrogSteps = np.maximum(np.ceil(np.divide(np.multiply(maxLength, jitter), stepSize)), 1).astype("int32");
    const inner = replaceInnermost(results.innerResults, "numLeapfrogSteps", numLeapfrogSteps);
    const [next, innerResults] = this.innerKernel.oneStep(state, inner, innerKey);

    const acceptProb = np.exp(np.minimum(getInnermost(innerResults, "logAcceptRatio"), 0));
    const { criterion, gradient } = cheesGradient(state, getInnermost<unknown>(innerResults, "proposedState"), getInnermost<unknown>(innerResults, "proposedVelocity"), acceptProb);
    const chainAxes = Array.from({ length: acceptProb.ndim }, (_, i) => i);
    const jittered = np.multiply(gradient, jitter);
    const usable = np.logicalAnd(np.greater(acceptProb, 1e-4), np.isfinite(jittered));
    const perChain = np.where(usable, jittered, 0);
    const trajectoryGrad = np.divide(np.sum(np.multiply(perChain, acceptProb), chainAxes), np.add(np.sum(acceptProb, chainAxes), 1e-20));

    // RMSProp with bias correction on log T; updates clipped to about log(2)/2 (TFP's constants).
    const t = np.add(results.step, 1).astype(dtype);
    const decay = 0.95;
    const averagedSqGrad = np.add(np.multiply(results.averagedSqGrad, decay), np.multiply(np.square(trajectoryGrad), 1 - decay));
    const corrected = np.divide(averagedSqGrad, np.subtract(1, np.power(decay, t)));
    const learningRate = np.divide(this.adaptationRate, np.sqrt(np.add(corrected, 1e-20)));
    const logUpdate = np.clip(np.multiply(learningRate, trajectoryGrad), -0.35, 0.35);
    const updated = np.multiply(results.maxTrajectoryLength, np.exp(logUpdate));
    const averageWeight = np.power(t, -0.5);
    const averaged = np.exp(np.add(
      np.multiply(averageWeight, np.log(updated)),
      np.multiply(np.subtract(1, averageWeight), np.log(np.add(results.averagedMaxTrajectoryLength, 1e-10))),
    ));
    const clipped = np.clip(updated, 0, np.multiply(stepSize, this.maxLeapfrogSteps));
    return [next, {
      innerResults,
      maxTrajectoryLength: np.where(adapting, clipped, results.maxTrajectoryLength),
      step: np.add(results.step, 1),
      averagedSqGrad: np.where(adapting, averagedSqGrad, results.averagedSqGrad),
      averagedMaxTrajectoryLength: np.where(adapting, averaged, results.averagedMaxTrajectoryLength),
      criterion,
    }];
  }
}

/**
 * The ChEES criterion ¼ (‖x' - E x'‖² - ‖x - E x‖²)² per chain, and its derivative along the proposal's
 * velocity v, d/dt at t = 0 with x' + t v: Δ · Σ (x' - E x') v. Means are over chains (the proposal's
 * weighted by acceptance) and treated as constants, as in the paper.
 */
export function cheesGradient(previous: unknown, proposed: unknown, velocity: unknown, acceptProb: NDArray): { criterion: NDArray; gradient: NDArray } {
  const rank = acceptProb.ndim;
  const chainAxes = Array.from({ length: rank }, (_, i) => i);
  const prevParts = tree.leaves<NDArray>(previous);
  const propParts = tree.leaves<NDArray>(proposed);
  const velParts = tree.leaves<NDArray>(velocity);
  let change: NDArray | null = null;
  let drift: NDArray | null = null;
  prevParts.forEach((x, i) => {
    const xp = propParts[i]!;
    const v = velParts[i]!;
    const eventAxes = Array.from({ length: x.ndim - rank }, (_, k) => k + rank);
    const weights = np.reshape(acceptProb.astype(xp.dtype), [...acceptProb.shape, ...eventAxes.map(() => 1)]);
    const safe = np.where(np.isfinite(xp), xp, 0);
    const proposedMean = np.divide(np.sum(np.multiply(weights, safe), chainAxes, true), np.add(np.sum(weights, chainAxes, true), 1e-20));
    const centeredPrev = np.subtract(x, np.mean(x, chainAxes, true));
    const centeredProp = np.subtract(xp, proposedMean);
    const sq = (a: NDArray) => (eventAxes.length ? np.sum(a, eventAxes) : a);
    const partChange = np.subtract(sq(np.square(centeredProp)), sq(np.square(centeredPrev)));
    const partDrift = sq(np.multiply(centeredProp, v));
    change = change === null ? partChange : np.add(change, partChange);
    drift = drift === null ? partDrift : np.add(drift, partDrift);
  });
  const delta = change!;
  return { criterion: np.multiply(np.square(delta), 0.25), gradient: np.multiply(delta, drift!) };
}

/** The base-2 radical inverse of step + 1 over HALTON_BITS bits (TFP's _halton_sequence). */
function haltonBase2(step: NDArray, dtype: "float32" | "float64" | "int32" | "uint32" | "bool"): NDArray {
  const i = np.add(step, 1);
  const masks = np.array(Array.from({ length: HALTON_BITS }, (_, b) => 2 ** b), "int32");
  const bits = np.mod(np.floorDivide(i, masks), 2).astype(dtype);
  const weights = np.array(Array.from({ length: HALTON_BITS }, (_, b) => 0.5 / 2 ** b), dtype);
  return np.sum(np.multiply(bits, weights));
}

export interface CheesHamiltonianMonteCarloOptions {
  targetLogProbFn: LogProbFn;
  /** Initial step size (adapted by dual averaging). */
  stepSize: NDArray | number;
  numAdaptationSteps: number;
  /** The initial maximum trajectory length is stepSize × this (default 1, as TFP's example). */
  initialNumLeapfrogSteps?: number;
  /** Hoffman et al. (2021) target 0.651, the optimal HMC acceptance of Betancourt et al. (2014). */
  targetAcceptProb?: number;
  inverseMassMatrix?: NDArray;
  maxLeapfrogSteps?: number;
}

/** ChEES-HMC as the paper runs it: dual-averaging step size around trajectory-length adaptation around HMC. */
export function cheesHamiltonianMonteCarlo(options: CheesHamiltonianMonteCarloOptions): DualAveragingStepSizeAdaptation<GradientBasedTrajectoryLengthAdaptationResults<HamiltonianMonteCarloResults>> {
  const hmc = new HamiltonianMonteCarlo({
    targetLogProbFn: options.targetLogProbFn,
    stepSize: options.stepSize,
    numLeapfrogSteps: options.initialNumLeapfrogSteps ?? 1,
    ...(options.inverseMassMatrix ? { inverseMassMatrix: options.inverseMassMatrix } : {}),
  });
  const trajectory = new GradientBasedTrajectoryLengthAdaptation({
    innerKernel: hmc,
    numAdaptationSteps: options.numAdaptationSteps,
    ...(options.maxLeapfrogSteps !== undefined ? { maxLeapfrogSteps: options.maxLeapfrogSteps } : {}),
  });
  return new DualAveragingStepSizeAdaptation({
    innerKernel: trajectory,
    numAdaptationSteps: options.numAdaptationSteps,
    targetAcceptProb: options.targetAcceptProb ?? 0.651,
  });
}

tree.registerPytreeNode(
  GradientBasedTrajectoryLengthAdaptation,
  (k) => [[k.innerKernel], {
    numAdaptationSteps: k.numAdaptationSteps, useHaltonSequenceJitter: k.useHaltonSequenceJitter, adaptationRate: k.adaptationRate,
    jitterAmount: k.jitterAmount, maxLeapfrogSteps: k.maxLeapfrogSteps,
  }] as const,
  (aux, [innerKernel]) => new GradientBasedTrajectoryLengthAdaptation({ ...aux, innerKernel: innerKernel as TransitionKernel }),
);
