// One example instance per registered distribution class, each with batch shape [3] and every parameter leaf
// carrying that leading axis, so the transformation tests can vmap over it (test helper, as TFP's hypothesis
// strategies for the JAX substrate).
import { np } from "@fluxion/core";
import * as tfb from "../../bijectors/index.js";
import * as tfd from "../index.js";

const f = (x: unknown) => np.array(x as number[], "float64");
const tri = [[1.0, 0, 0], [0.3, 0.8, 0], [-0.5, 0.2, 1.5]];
const tris = f([tri, tri.map((r) => r.map((v) => v * 0.7)), tri.map((r) => r.map((v, j) => (j === 0 ? v + 0.2 : v)))]);

export const EXAMPLES: Record<string, () => tfd.Distribution> = {
  Normal: () => new tfd.Normal({ loc: f([0, 1, -2]), scale: f([1, 0.5, 2]) }),
  HalfNormal: () => new tfd.HalfNormal({ scale: f([1, 0.5, 2]) }),
  LogNormal: () => new tfd.LogNormal({ loc: f([0, 1, -2]), scale: f([1, 0.5, 2]) }),
  StudentT: () => new tfd.StudentT({ df: f([3, 5, 9]), loc: f([0, 1, -2]), scale: f([1, 0.5, 2]) }),
  HalfStudentT: () => new tfd.HalfStudentT({ df: f([3, 5, 9]), loc: f([0, 1, -2]), scale: f([1, 0.5, 2]) }),
  Cauchy: () => new tfd.Cauchy({ loc: f([0, 1, -2]), scale: f([1, 0.5, 2]) }),
  HalfCauchy: () => new tfd.HalfCauchy({ loc: f([0, 1, -2]), scale: f([1, 0.5, 2]) }),
  Laplace: () => new tfd.Laplace({ loc: f([0, 1, -2]), scale: f([1, 0.5, 2]) }),
  Logistic: () => new tfd.Logistic({ loc: f([0, 1, -2]), scale: f([1, 0.5, 2]) }),
  Gumbel: () => new tfd.Gumbel({ loc: f([0, 1, -2]), scale: f([1, 0.5, 2]) }),
  Gamma: () => new tfd.Gamma({ concentration: f([0.8, 2, 5]), rate: f([1, 0.5, 2]) }),
  Exponential: () => new tfd.Exponential({ rate: f([1, 0.5, 2]) }),
  Chi2: () => new tfd.Chi2({ df: f([1.5, 3, 8]) }),
  InverseGamma: () => new tfd.InverseGamma({ concentration: f([2.5, 3, 5]), scale: f([1, 0.5, 2]) }),
  Beta: () => new tfd.Beta({ concentration1: f([0.8, 2, 5]), concentration0: f([1, 3, 2]) }),
  Uniform: () => new tfd.Uniform({ low: f([0, 1, -2]), high: f([1, 3, 0]) }),
  Weibull: () => new tfd.Weibull({ concentration: f([0.8, 2, 5]), scale: f([1, 0.5, 2]) }),
  TruncatedNormal: () => new tfd.TruncatedNormal({ loc: f([0, 1, -2]), scale: f([1, 0.5, 2]), low: f([-1, 0, -3]), high: f([2, 1.5, 1]) }),
  VonMises: () => new tfd.VonMises({ loc: f([0, 1, -2]), concentration: f([0.5, 2, 12]) }),
  Bernoulli: () => new tfd.Bernoulli({ logits: f([-1, 0.5, 2]) }),
  Categorical: () => new tfd.Categorical({ logits: f([[0, 1, 2], [1, 1, 1], [-1, 0, 3]]) }),
  OneHotCategorical: () => new tfd.OneHotCategorical({ probs: f([[0.2, 0.3, 0.5], [0.6, 0.2, 0.2], [0.1, 0.1, 0.8]]) }),
  Poisson: () => new tfd.Poisson({ rate: f([0.5, 4, 30]) }),
  Binomial: () => new tfd.Binomial({ totalCount: f([5, 10, 40]), probs: f([0.3, 0.5, 0.8]) }),
  BetaBinomial: () => new tfd.BetaBinomial({ totalCount: f([5, 10, 40]), concentration1: f([0.8, 2, 5]), concentration0: f([1, 3, 2]) }),
  NegativeBinomial: () => new tfd.NegativeBinomial({ totalCount: f([2, 5, 0.7]), logits: f([-1, 0.5, 1]) }),
  Geometric: () => new tfd.Geometric({ probs: f([0.2, 0.5, 0.9]) }),
  Multinomial: () => new tfd.Multinomial({ totalCount: f([5, 10, 3]), logits: f([[0, 1, 2], [1, 1, 1], [-1, 0, 3]]) }),
  DirichletMultinomial: () => new tfd.DirichletMultinomial({ totalCount: f([5, 10, 3]), concentration: f([[1, 2, 3], [0.5, 0.5, 4], [2, 2, 2]]) }),
  MultivariateNormalDiag: () => new tfd.MultivariateNormalDiag({ loc: f([[0, 1, 2], [1, 1, 1], [-1, 0, 3]]), scaleDiag: f([[1, 2, 0.5], [1, 1, 1], [0.3, 2, 1]]) }),
  MultivariateNormalTriL: () => new tfd.MultivariateNormalTriL({ loc: f([[0, 1, 2], [1, 1, 1], [-1, 0, 3]]), scaleTril: tris }),
  MultivariateNormalFullCovariance: () => new tfd.MultivariateNormalFullCovariance({ loc: f([[0, 1, 2], [1, 1, 1], [-1, 0, 3]]), covarianceMatrix: np.matmul(tris, np.swapaxes(tris, -1, -2)) }),
  MultivariateStudentT: () => new tfd.MultivariateStudentT({ df: f([3, 5, 9]), loc: f([[0, 1, 2], [1, 1, 1], [-1, 0, 3]]), scaleTril: tris }),
  Dirichlet: () => new tfd.Dirichlet({ concentration: f([[1, 2, 3], [0.5, 0.5, 4], [2, 2, 2]]) }),
  Independent: () => new tfd.Independent({ distribution: new tfd.Normal({ loc: f([[0, 1], [1, 2], [2, 3]]), scale: f([[1, 2], [1, 1], [0.5, 3]]) }), reinterpretedBatchNdims: 1 }),
  Sample: () => new tfd.Sample({ distribution: new tfd.Gamma({ concentration: f([0.8, 2, 5]), rate: f([1, 0.5, 2]) }), sampleShape: [2] }),
  LKJ: () => new tfd.LKJ({ dimension: 3, concentration: f([0.8, 1.5, 4]) }),
  CholeskyLKJ: () => new tfd.CholeskyLKJ({ dimension: 3, concentration: f([0.8, 1.5, 4]) }),
  WishartTriL: () => new tfd.WishartTriL({ df: f([4, 6, 9]), scaleTril: tris }),
  Deterministic: () => new tfd.Deterministic({ loc: f([0, 1, -2]), atol: f([0.1, 0.1, 0.1]), rtol: f([0, 0, 0]) }),
  VectorDeterministic: () => new tfd.VectorDeterministic({ loc: f([[0, 1], [1, 2], [-2, 0]]), atol: f([[0.1], [0.1], [0.1]]), rtol: f([[0], [0], [0]]) }),
  TransformedDistribution: () =>
    new tfd.TransformedDistribution({ distribution: new tfd.Gamma({ concentration: f([0.8, 2, 5]), rate: f([1, 0.5, 2]) }), bijector: new tfb.Chain([new tfb.Shift({ shift: f([0, 1, -2]) }), new tfb.Log()]) }),
  MixtureSameFamily: () =>
    new tfd.MixtureSameFamily({
      mixtureDistribution: new tfd.Categorical({ logits: f([[0, 1], [1, 1], [-1, 0]]) }),
      componentsDistribution: new tfd.Normal({ loc: f([[0, 2], [1, -1], [3, 0]]), scale: f([[1, 0.5], [1, 2], [0.3, 1]]) }),
    }),
  Mixture: () =>
    new tfd.Mixture({
      cat: new tfd.Categorical({ probs: f([[0.3, 0.7], [0.5, 0.5], [0.9, 0.1]]) }),
      components: [new tfd.Normal({ loc: f([0, 1, -2]), scale: f([1, 0.5, 2]) }), new tfd.Laplace({ loc: f([1, 0, 0]), scale: f([2, 1, 0.5]) })],
    }),
  Masked: () => new tfd.Masked({ distribution: new tfd.Normal({ loc: f([0, 1, -2]), scale: f([1, 0.5, 2]) }), validityMask: np.array([true, false, true]) }),
  Inflated: () => new tfd.Inflated({ distribution: new tfd.Poisson({ rate: f([0.5, 4, 30]) }), inflatedLocProbs: f([0.1, 0.3, 0.5]), inflatedLoc: f([0, 0, 0]), inflatedLocAtol: f([0.1, 0.1, 0.1]), inflatedLocRtol: f([0, 0, 0]) }),
};
