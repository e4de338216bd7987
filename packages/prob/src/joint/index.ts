// Joint distributions (TFP's JointDistributionSequential / Named / Coroutine), pinning, and their default
// event-space bijector; all registered pytrees.
export {
  JointDistribution,
  Root,
  RootDistribution,
  type JointDistributionOptions,
  type JointModel,
  type JointValue,
  type JointValueLike,
  type ModelGenerator,
  type ModelStep,
  type PartAttributes,
  type Structured,
} from "./jointDistribution.js";
export { JointDistributionSequential, type SequentialModelPart } from "./sequential.js";
export { JointDistributionNamed, type NamedModelPart, type NamedMaker } from "./named.js";
export { JointDistributionCoroutine, type CoroutineModel } from "./coroutine.js";
export { JointDistributionPinned, type PinnedLogProbParts } from "./pinned.js";
export { JointDistributionDefaultBijector, type JointDistributionDefaultBijectorParams } from "./bijector.js";
