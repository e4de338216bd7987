// tfd: the distributions namespace of @fluxion/prob (TFP's tfp.distributions, camelCase).
export { Distribution, NotImplementedError, InvalidArgumentError, registerDistribution, distributionRegistry, type DistributionOptions, type ReparameterizationType, type Check } from "./distribution.js";
export { type EventSpace } from "./eventSpace.js";
export { Normal, type NormalParams } from "./normal.js";
export { HalfNormal, type HalfNormalParams } from "./halfNormal.js";
export { LogNormal, type LogNormalParams } from "./logNormal.js";
export { StudentT, HalfStudentT, type StudentTParams, type HalfStudentTParams } from "./studentT.js";
export { Cauchy, HalfCauchy, type CauchyParams } from "./cauchy.js";
export { Laplace, type LaplaceParams } from "./laplace.js";
export { Logistic, type LogisticParams } from "./logistic.js";
export { Gumbel, type GumbelParams } from "./gumbel.js";
export { Gamma, Exponential, Chi2, type GammaParams, type ExponentialParams, type Chi2Params } from "./gamma.js";
export { InverseGamma, type InverseGammaParams } from "./inverseGamma.js";
export { Beta, type BetaParams } from "./beta.js";
export { Uniform, type UniformParams } from "./uniform.js";
export { Weibull, type WeibullParams } from "./weibull.js";
export { TruncatedNormal, type TruncatedNormalParams } from "./truncatedNormal.js";
export { VonMises, type VonMisesParams } from "./vonMises.js";
export { Bernoulli, type BernoulliParams, type LogitsOrProbs } from "./bernoulli.js";
export { Categorical, OneHotCategorical, type CategoricalParams } from "./categorical.js";
export { Poisson, type PoissonParams } from "./poisson.js";
export { Binomial, BetaBinomial, type BinomialParams, type BetaBinomialParams } from "./binomial.js";
export { NegativeBinomial, Geometric, type NegativeBinomialParams, type GeometricParams } from "./negativeBinomial.js";
export { Multinomial, DirichletMultinomial, type MultinomialParams, type DirichletMultinomialParams } from "./multinomial.js";
export { MultivariateNormalLinearOperator, MultivariateNormalDiag, MultivariateNormalTriL, MultivariateNormalFullCovariance, type MultivariateNormalDiagParams, type MultivariateNormalTriLParams, type MultivariateNormalFullCovarianceParams } from "./multivariateNormal.js";
export { MultivariateStudentT, type MultivariateStudentTParams } from "./multivariateStudentT.js";
export { Dirichlet, type DirichletParams } from "./dirichlet.js";
export { Independent, Sample, type IndependentParams, type SampleParams } from "./independent.js";
export { LKJ, CholeskyLKJ, type LKJParams, type CholeskyLKJParams } from "./lkj.js";
export { WishartTriL, type WishartTriLParams } from "./wishart.js";
export { Deterministic, VectorDeterministic, type DeterministicParams } from "./deterministic.js";
export { TransformedDistribution, type TransformedDistributionParams } from "./transformedDistribution.js";
export { MixtureSameFamily, Mixture, type MixtureSameFamilyParams, type MixtureParams } from "./mixture.js";
export { Masked, type MaskedParams } from "./masked.js";
export { Inflated, type InflatedParams } from "./inflated.js";
// TFP also reaches joint distributions through `tfd` (GaussianProcess and HiddenMarkovModel are
// top-level exports of @fluxion/prob).
export { JointDistribution, JointDistributionSequential, JointDistributionNamed, JointDistributionCoroutine, JointDistributionPinned, Root } from "../joint/index.js";
