// KL divergence (TFP's tfd.kl_divergence) with an analytic registry; importing this module registers the
// built-in pairs.
import "./divergences.js";
export { klDivergence, crossEntropy, registerKl, registeredKl, type KlFunction, type KlOptions, type ClassOf } from "./registry.js";
