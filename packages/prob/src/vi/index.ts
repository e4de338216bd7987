// `vi` namespace of @fluxion/prob (TFP's tfp.vi and tfp.experimental.vi): surrogate posteriors and their fitting.
export {
  fitSurrogatePosterior,
  fitSurrogatePosteriorStateless,
  monteCarloVariationalLoss,
  type FitSurrogatePosteriorOptions,
  type FitSurrogatePosteriorOutput,
  type FitSurrogatePosteriorStatelessOptions,
  type FitSurrogatePosteriorResult,
  type TrainableSurrogate,
  type SampleAndLogProb,
  type TargetLogProbFn,
  type TraceableQuantities,
} from "./optimization.js";
export {
  FactoredSurrogatePosterior,
  buildFactoredSurrogatePosterior,
  type BuildFactoredSurrogatePosteriorParams,
  type FactoredSurrogateParameters,
  type EventShapeStructure,
  type SurrogateValue,
} from "./surrogate.js";
