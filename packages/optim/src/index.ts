// @fluxion/optim: quasi-Newton minimisers (BFGS, L-BFGS) with the Hager-Zhang line search,
// Nelder-Mead, and optax-style first-order optimizers, all pure functions that jit and vmap.
export { bfgsMinimize, type BfgsOptions, type BfgsResults } from "./bfgs.js";
export { lbfgsMinimize, type LbfgsOptions, type LbfgsResults } from "./lbfgs.js";
export {
  convergedAll, convergedAny,
  type StoppingCondition, type ValueAndGradientsFunction, type QuasiNewtonOptions, type QuasiNewtonState,
} from "./bfgsUtils.js";
export * as linesearch from "./linesearch/index.js";
