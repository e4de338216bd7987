// @fluxion/prob: TensorFlow Probability's API (distributions, bijectors, ...) over Fluxion arrays, as pytrees.
export * as bijectors from "./bijectors/index.js";
export * as distributions from "./distributions/index.js";
export { JointDistribution, JointDistributionSequential, JointDistributionNamed, JointDistributionCoroutine, JointDistributionPinned, JointDistributionDefaultBijector, Root, RootDistribution, type JointDistributionOptions, type JointValue, type JointValueLike, type ModelGenerator, type Structured } from "./joint/index.js";
export * as psdKernels from "./gp/psdKernels.js";
export { GaussianProcess, GaussianProcessRegressionModel, CholeskyError, type GaussianProcessParams, type GaussianProcessRegressionModelParams } from "./gp/index.js";
export { HiddenMarkovModel, type HiddenMarkovModelParams } from "./hmm/index.js";
export { klDivergence, registerKl, crossEntropy, type KlFunction, type KlOptions } from "./kl/index.js";
export * as vi from "./vi/index.js";
