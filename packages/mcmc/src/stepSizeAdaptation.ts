// Step-size adaptation wrappers around HMC-like kernels (anything whose results carry `stepSize` and
// `logAcceptRatio`), as TFP's SimpleStepSizeAdaptation and DualAveragingStepSizeAdaptation.
import { NDArray, np, tree } from "@fluxion/core";
import { retarget, type KernelResults, type TransitionKernel } from "./kernel.js";
import type { LogProbFn } from "./util/chains.js";
import { getInnermost, logAcceptProbFor, replaceInnermost } from "./util/results.js";

export interface SimpleStepSizeAdaptationOptions<R extends KernelResults> {
  innerKernel: TransitionKernel<R>;
  /** Steps (from the first) during which the step size changes; afterwards it stays fixed. */
  numAdaptationSteps: number;
  targetAcceptProb?: number;
  /** Multiplicative rate: the step size is multiplied by (1 + rate) or divided by it. Default 0.01. */
  adaptationRate?: number;
}

export interface SimpleStepSizeAdaptationResults<R extends KernelResults = KernelResults> {
  innerResults: R;
  step: NDArray;
  /** Step size for the next transition. */
  newStepSize: NDArray;
}

/** Multiplies the step size by (1 + rate) when the (chain-averaged) acceptance exceeds the target, divides it otherwise (TFP's rule). */
export class SimpleStepSizeAdaptation<R extends KernelResults = KernelResults> implements TransitionKernel<SimpleStepSizeAdaptationResults<R>> {
  readonly innerKernel: TransitionKernel<R>;
  readonly numAdaptationSteps: number;
  readonly targetAcceptProb: number;
  readonly adaptationRate: number;

  constructor(options: SimpleStepSizeAdaptationOptions<R>) {
    this.innerKernel = options.innerKernel;
    this.numAdaptationSteps = options.numAdaptationSteps;
    this.targetAcceptProb = options.targetAcceptProb ?? 0.75;
    this.adaptationRate = options.adaptationRate ?? 0.01;
  }

  get isCalibrated(): boolean { return false; }

  withTargetLogProbFn(targetLogProbFn: LogProbFn): SimpleStepSizeAdaptation<R> {
    return new SimpleStepSizeAdaptation({ ...this, innerKernel: retarget(this.innerKernel, targetLogProbFn) });
  }

  bootstrapResults(state: unknown): SimpleStepSizeAdaptationResults<R> {
    const innerResults = this.innerKernel.bootstrapResults(state);
    return { innerResults, step: np.asarray(0, "int32"), newStepSize: getInnermost(innerResults, "stepSize") };
  }

  oneStep(state: unknown, results: SimpleStepSizeAdaptationResults<R>, key: NDArray): [unknown, SimpleStepSizeAdaptationResults<R>] {
    const inner = replaceInnermost(results.innerResults, "stepSize", results.newStepSize);
    const [next, innerResults] = this.innerKernel.oneStep(state, inner, key);
    const stepSize = results.newStepSize;
    const logAcceptProb = logAcceptProbFor(getInnermost(innerResults, "logAcceptRatio"), stepSize);
    const rate = this.adaptationRate;
    const factor = np.where(np.less(logAcceptProb, Math.log(this.targetAcceptProb)), np.asarray(1 / (1 + rate), stepSize.dtype), np.asarray(1 + rate, stepSize.dtype));
    const adapting = np.less(results.step, this.numAdaptationSteps);
    const newStepSize = np.where(adapting, np.multiply(stepSize, factor), stepSize);
    return [next, { innerResults, step: np.add(results.step, 1), newStepSize }];
  }
}

export interface DualAveragingStepSizeAdaptationOptions<R extends KernelResults> {
  innerKernel: TransitionKernel<R>;
  numAdaptationSteps: number;
  /** Default 0.75 as TFP (Stan uses 0.8 for NUTS, 0.65 for HMC). */
  targetAcceptProb?: number;
  /** γ of Hoffman & Gelman (2014), eq. (6). Default 0.05. */
  explorationShrinkage?: number;
  /** μ, the log step size the iterates shrink towards. Default log(10 ε₀) (Stan). */
  shrinkageTarget?: number;
  /** t₀. Default 10. */
  stepCountSmoothing?: number;
  /** κ of the iterate averaging weight t^-κ. Default 0.75. */
  decayRate?: number;
}

export interface DualAveragingStepSizeAdaptationResults<R extends KernelResults = KernelResults> {
  innerResults: R;
  step: NDArray;
  /** Σ (target - acceptance) over the adaptation steps so far (H̄ₜ (t + t₀) of Hoffman & Gelman). */
  errorSum: NDArray;
  logAveragedStepSize: NDArray;
  logShrinkageTarget: NDArray;
  newStepSize: NDArray;
}

/**
 * Nesterov dual averaging of the log step size (Hoffman & Gelman 2014, Algorithm 5; Stan's constants):
 * log εₜ = μ - √t / (γ (t + t₀)) Σᵢ (δ - αᵢ), and the iterate average log ε̄ₜ = t^-κ log εₜ + (1 - t^-κ) log ε̄ₜ₋₁,
 * whose value the step size takes from the end of adaptation on. αᵢ is the acceptance reduced over chains.
 */
export class DualAveragingStepSizeAdaptation<R extends KernelResults = KernelResults> implements TransitionKernel<DualAveragingStepSizeAdaptationResults<R>> {
  readonly innerKernel: TransitionKernel<R>;
  readonly numAdaptationSteps: number;
  readonly targetAcceptProb: number;
  readonly explorationShrinkage: number;
  readonly shrinkageTarget: number | undefined;
  readonly stepCountSmoothing: number;
  readonly decayRate: number;

  constructor(options: DualAveragingStepSizeAdaptationOptions<R>) {
    this.innerKernel = options.innerKernel;
    this.numAdaptationSteps = options.numAdaptationSteps;
    this.targetAcceptProb = options.targetAcceptProb ?? 0.75;
    this.explorationShrinkage = options.explorationShrinkage ?? 0.05;
    this.shrinkageTarget = options.shrinkageTarget;
    this.stepCountSmoothing = options.stepCountSmoothing ?? 10;
    this.decayRate = options.decayRate ?? 0.75;
  }

  get isCalibrated(): boolean { return false; }

  withTargetLogProbFn(targetLogProbFn: LogProbFn): DualAveragingStepSizeAdaptation<R> {
    const { shrinkageTarget, ...rest } = this;
    return new DualAveragingStepSizeAdaptation({ ...rest, ...(shrinkageTarget === undefined ? {} : { shrinkageTarget }), innerKernel: retarget(this.innerKernel, targetLogProbFn) });
  }

  bootstrapResults(state: unknown): DualAveragingStepSizeAdaptationResults<R> {
    const innerResults = this.innerKernel.bootstrapResults(state);
    const stepSize = getInnermost(innerResults, "stepSize");
    const logShrinkageTarget = this.shrinkageTarget === undefined
      ? np.log(np.multiply(stepSize, 10))
      : np.fullLike(stepSize, this.shrinkageTarget);
    return {
      innerResults,
      step: np.asarray(0, "int32"),
      errorSum: np.zerosLike(stepSize),
      logAveragedStepSize: np.zerosLike(stepSize),
      logShrinkageTarget,
      newStepSize: stepSize,
    };
  }

  oneStep(state: unknown, results: DualAveragingStepSizeAdaptationResults<R>, key: NDArray): [unknown, DualAveragingStepSizeAdaptationResults<R>] {
    const inner = replaceInnermost(results.innerResults, "stepSize", results.newStepSize);
    const [next, innerResults] = this.innerKernel.oneStep(state, inner, key);
    const dtype = results.newStepSize.dtype;
    const acceptProb = np.exp(logAcceptProbFor(getInnermost(innerResults, "logAcceptRatio"), results.newStepSize)).astype(dtype);
    const t = np.add(results.step, 1).astype(dtype);
    const errorSum = np.add(results.errorSum, np.subtract(this.targetAcceptProb, acceptProb));
    const logStepSize = np.subtract(
      results.logShrinkageTarget,
      np.multiply(np.divide(np.sqrt(t), np.multiply(np.add(t, this.stepCountSmoothing), this.explorationShrinkage)), errorSum),
    );
    const weight = np.power(t, -this.decayRate);
    const logAveragedStepSize = np.add(np.multiply(weight, logStepSize), np.multiply(np.subtract(1, weight), results.logAveragedStepSize));
    const adapting = np.less(results.step, this.numAdaptationSteps);
    const lastAdaptation = np.equal(np.add(results.step, 1), this.numAdaptationSteps);
    const adaptedStepSize = np.exp(np.where(lastAdaptation, logAveragedStepSize, logStepSize));
    return [next, {
      innerResults,
      step: np.add(results.step, 1),
      errorSum: np.where(adapting, errorSum, results.errorSum),
      logAveragedStepSize: np.where(adapting, logAveragedStepSize, results.logAveragedStepSize),
      logShrinkageTarget: results.logShrinkageTarget,
      newStepSize: np.where(adapting, adaptedStepSize, results.newStepSize),
    }];
  }
}

tree.registerPytreeNode(
  SimpleStepSizeAdaptation,
  (k) => [[k.innerKernel], { numAdaptationSteps: k.numAdaptationSteps, targetAcceptProb: k.targetAcceptProb, adaptationRate: k.adaptationRate }] as const,
  (aux, [innerKernel]) => new SimpleStepSizeAdaptation({ ...aux, innerKernel: innerKernel as TransitionKernel }),
);
tree.registerPytreeNode(
  DualAveragingStepSizeAdaptation,
  (k) => [[k.innerKernel], {
    numAdaptationSteps: k.numAdaptationSteps, targetAcceptProb: k.targetAcceptProb, explorationShrinkage: k.explorationShrinkage,
    shrinkageTarget: k.shrinkageTarget, stepCountSmoothing: k.stepCountSmoothing, decayRate: k.decayRate,
  }] as const,
  (aux, [innerKernel]) => new DualAveragingStepSizeAdaptation({ ...aux, innerKernel: innerKernel as TransitionKernel }),
);
