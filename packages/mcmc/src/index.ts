// @fluxion/mcmc: transition kernels (HMC, NUTS, RWM, MALA), step-size and trajectory-length adaptation,
// sampleChain, and convergence diagnostics, in TensorFlow Probability's protocol and names.
export type { TransitionKernel, KernelResults } from "./kernel.js";
export { Metric, type MetricKind } from "./metric.js";
export { leapfrogStep, integrate, hamiltonian, type PhasePoint, type FlatLogProbAndGrad } from "./leapfrog.js";
export { HamiltonianMonteCarlo, type HamiltonianMonteCarloOptions, type HamiltonianMonteCarloResults } from "./hmc.js";
export { NoUTurnSampler, progressiveSample, type NoUTurnSamplerOptions, type NoUTurnSamplerResults } from "./nuts.js";
export { RandomWalkMetropolis, type RandomWalkMetropolisOptions, type RandomWalkMetropolisResults } from "./randomWalkMetropolis.js";
export { MetropolisAdjustedLangevinAlgorithm, type MetropolisAdjustedLangevinAlgorithmOptions, type MetropolisAdjustedLangevinAlgorithmResults } from "./mala.js";
export {
  SimpleStepSizeAdaptation, DualAveragingStepSizeAdaptation,
  type SimpleStepSizeAdaptationOptions, type SimpleStepSizeAdaptationResults,
  type DualAveragingStepSizeAdaptationOptions, type DualAveragingStepSizeAdaptationResults,
} from "./stepSizeAdaptation.js";
export {
  GradientBasedTrajectoryLengthAdaptation, cheesHamiltonianMonteCarlo, cheesGradient,
  type GradientBasedTrajectoryLengthAdaptationOptions, type GradientBasedTrajectoryLengthAdaptationResults, type CheesHamiltonianMonteCarloOptions,
} from "./trajectoryLengthAdaptation.js";
export { sampleChain, sampleChainChunked, type SampleChainOptions, type SampleChainChunkedOptions, type SampleChainResult } from "./sampleChain.js";
export { getInnermost, replaceInnermost } from "./util/results.js";
export type { LogProbFn } from "./util/chains.js";
export {
  potentialScaleReduction, effectiveSampleSize, monteCarloStandardError, energyBfmi, countDivergences,
  rhat, rhatBasic, essBasic, essBulk, essTail, essMean, essSd, essQuantile, mcseMean, mcseSd, splitChains, zScale, quantile,
  type Chains, type EssMethod, type PotentialScaleReductionOptions,
} from "./diagnostics.js";
export { summary, Summary, type SummaryRow, type SummaryOptions } from "./summary.js";
export { windowedAdaptiveNutsFromLogProb, stanWarmupSchedule, reasonableStepSize, type WindowedAdaptiveNutsOptions, type WindowedAdaptiveNutsResult, type WarmupSchedule } from "./windowedAdaptiveNuts.js";
export { TransformedTransitionKernel, type TransformedTransitionKernelOptions, type TransformedTransitionKernelResults, type BijectorLike } from "./transformedKernel.js";
export { windowedAdaptiveNuts, type JointWindowedAdaptiveNutsOptions, type JointWindowedAdaptiveNutsResult, type NutsTrace } from "./jointWindowedAdaptiveNuts.js";
export { progressReporter, type ProgressOption, type ProgressEvent, type ProgressReporter } from "./progress.js";
