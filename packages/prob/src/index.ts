// @fluxion/prob: TensorFlow Probability's API (distributions, bijectors, ...) over Fluxion arrays, as pytrees.
export * as bijectors from "./bijectors/index.js";
export * as distributions from "./distributions/index.js";
