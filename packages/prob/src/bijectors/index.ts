// `bijectors` namespace of @fluxion/prob (tfp.bijectors): invertible transforms with log-det-Jacobians,
// all registered as pytrees so they pass through jit, vmap and grad.
export {
  Bijector,
  BijectorError,
  ldjReductionNdims,
  ldjReductionShape,
  reduceJacobianDetOverShape,
  registeredBijectorClasses,
  type BijectorOptions,
  type InputOf,
  type Ndims,
  type NdimsOf,
  type Param,
  type Shape,
  type ShapeOf,
  type ShapeStructure,
  type Value,
  type ValueLike,
} from "./bijector.js";
export { Identity, Exp, Log, Softplus, Sigmoid, Tanh, NormalCDF, Power, type SoftplusParams, type SigmoidParams, type PowerParams } from "./elementwise.js";
export { Shift, Scale, ScaleMatvecDiag, ScaleMatvecTriL, type ShiftParams, type ScaleParams, type ScaleMatvecDiagParams, type ScaleMatvecTriLParams } from "./affine.js";
export { Invert } from "./invert.js";
export { Composition, Chain, JointMap, Blockwise, type AnyBijector, type JointMapParams, type BlockwiseParams } from "./composition.js";
export { Reshape, Transpose, Split, Restructure, type ReshapeParams, type TransposeParams, type SplitParams, type RestructureParams } from "./structural.js";
export {
  FillTriangular,
  TransformDiagonal,
  FillScaleTriL,
  CorrelationCholesky,
  CholeskyOuterProduct,
  type FillTriangularParams,
  type TransformDiagonalParams,
  type FillScaleTriLParams,
  type CholeskyOuterProductParams,
} from "./triangular.js";
export { SoftmaxCentered, IteratedSigmoidCentered, Ascending } from "./simplex.js";
export { fillTriangular, fillTriangularInverse, softplusInverse } from "./ops.js";
export { StructureError, type Nested } from "./nest.js";
export { eventSpaceBijector, type SupportDescription } from "./eventSpace.js";
