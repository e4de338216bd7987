// @fluxion/optim: quasi-Newton minimisers (BFGS, L-BFGS) with the Hager-Zhang line search,
// Nelder-Mead, and optax-style first-order optimizers, all pure functions that jit and vmap.
export { bfgsMinimize, type BfgsOptions, type BfgsResults } from "./bfgs.js";
export { lbfgsMinimize, type LbfgsOptions, type LbfgsResults } from "./lbfgs.js";
export {
  convergedAll, convergedAny,
  type StoppingCondition, type ValueAndGradientsFunction, type QuasiNewtonOptions, type QuasiNewtonState,
} from "./bfgsUtils.js";
export { nelderMeadMinimize, type NelderMeadOptions, type NelderMeadResults, type ObjectiveFunction } from "./nelderMead.js";
export * as linesearch from "./linesearch/index.js";
export {
  sgd, adam, adamw, rmsprop, chain, identity, scale, scaleBySchedule, scaleByLearningRate, trace, scaleByAdam,
  scaleByRms, scaleByStddev, addDecayedWeights, clipByGlobalNorm, clip, globalNorm, applyUpdates,
  constantSchedule, exponentialDecay, polynomialSchedule, linearSchedule, cosineDecaySchedule, joinSchedules,
  warmupCosineDecaySchedule,
  type GradientTransformation, type Schedule, type ScalarOrSchedule, type Params, type AdamOptions, type AdamState, type RmsOptions,
} from "./optax.js";
export { minimize, type MinimizeOptions, type MinimizeResult } from "./minimize.js";
