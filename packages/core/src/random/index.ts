// The `random` namespace: JAX's functional PRNG (threefry2x32, classic layout) and its samplers.
export { key, PRNGKey, split, foldIn, bits, uniform, normal } from "./prng.js";
export type { PRNGKey as KeyArray, FloatDType, ShapeLike, KeyOptions, RoundingOptions, UniformOptions, NormalOptions, BitsOptions } from "./prng.js";
export { erfInv } from "./erfinv.js";
export { exponential, gumbel, truncatedNormal, bernoulli, categorical, randint, permutation, choice } from "./samplers.js";
export type { DTypeOption, TruncatedNormalOptions, CategoricalOptions, RandintOptions, PermutationOptions, ChoiceOptions } from "./samplers.js";
export { gamma, loggamma, beta, dirichlet, randomGammaGrad } from "./gamma.js";
export type { GammaOptions } from "./gamma.js";
export { poisson } from "./poisson.js";
export type { PoissonOptions } from "./poisson.js";
export { multivariateNormal } from "./multivariate.js";
export type { MultivariateNormalOptions } from "./multivariate.js";
