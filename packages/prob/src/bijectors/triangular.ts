// Bijectors onto triangular and positive-definite matrices: FillTriangular, TransformDiagonal, FillScaleTriL,
// CorrelationCholesky, CholeskyOuterProduct (TFP's fill_triangular.py, transform_diagonal.py,
// fill_scale_tril.py, correlation_cholesky.py, cholesky_outer_product.py).
import { NDArray, ShapeError, np, type ArrayLike } from "@fluxion/core";
import {
  Bijector,
  BijectorError,
  asOptionalParam,
  defaultName,
  isRestoring,
  registerBijector,
  zeroLdj,
  type BijectorOptions,
  type Param,
  type Shape,
} from "./bijector.js";
import { Chain, type AnyBijector } from "./composition.js";
import { Softplus } from "./elementwise.js";
import { Shift } from "./affine.js";
import { fillTriangular, fillTriangularInverse, matrixDiagPart, matrixTranspose, setMatrixDiag, triangularSide } from "./ops.js";

function statics(options: BijectorOptions, className: string): { name: string; validateArgs: boolean } {
  return { name: options.name ?? defaultName(className), validateArgs: options.validateArgs ?? false };
}

function vectorToMatrixShape(shape: Shape, op: string): number[] {
  if (shape.length < 1) throw new ShapeError(`${op}: expected at least a vector shape, got [${shape}].`);
  const n = triangularSide(shape[shape.length - 1]!, op);
  return [...shape.slice(0, -1), n, n];
}

function matrixToVectorShape(shape: Shape, op: string): number[] {
  const n = shape[shape.length - 1]!;
  if (shape.length < 2 || shape[shape.length - 2] !== n) throw new ShapeError(`${op}: expected square matrices [..., n, n], got [${shape}].`);
  return [...shape.slice(0, -2), (n * (n + 1)) / 2];
}

// ---------------------------------------------------------------- FillTriangular

export interface FillTriangularParams extends BijectorOptions {
  /** Fill the upper triangle instead of the lower one. */
  upper?: boolean;
}

/**
 * Vectors of length n(n+1)/2 to n×n triangular matrices, filled in TFP's clockwise spiral:
 * [1, 2, 3, 4, 5, 6] -> [[4, 0, 0], [6, 5, 0], [3, 2, 1]].
 */
export class FillTriangular extends Bijector {
  readonly upper: boolean;
  constructor(params: FillTriangularParams = {}) {
    const upper = params.upper ?? false;
    const s = statics(params, "FillTriangular");
    super({ forwardMinEventNdims: 1, inverseMinEventNdims: 2, isConstantJacobian: true, ...s, parameters: { upper, ...s } });
    this.upper = upper;
  }
  override get isPermutation(): boolean {
    return true;
  }
  protected _forward(x: NDArray): NDArray {
    return fillTriangular(x, this.upper);
  }
  protected _inverse(y: NDArray): NDArray {
    return fillTriangularInverse(y, this.upper);
  }
  protected override _forwardLogDetJacobian(x: NDArray): NDArray {
    return zeroLdj(x);
  }
  protected override _inverseLogDetJacobian(y: NDArray): NDArray {
    return zeroLdj(y);
  }
  protected override _forwardEventShape(shape: Shape): Shape {
    return vectorToMatrixShape(shape, "FillTriangular.forwardEventShape");
  }
  protected override _inverseEventShape(shape: Shape): Shape {
    return matrixToVectorShape(shape, "FillTriangular.inverseEventShape");
  }
}
registerBijector(FillTriangular, [], (p) => new FillTriangular(p as FillTriangularParams));

// ---------------------------------------------------------------- TransformDiagonal

export interface TransformDiagonalParams extends BijectorOptions {
  /** Bijector applied to the diagonal (scalar or vector events). */
  diagBijector: AnyBijector;
}

/** Applies a bijector to the diagonal of a matrix, leaving the other entries alone. */
export class TransformDiagonal extends Bijector {
  readonly diagBijector: AnyBijector;
  constructor(params: TransformDiagonalParams) {
    const diagBijector = params.diagBijector;
    if (!isRestoring() && !(diagBijector instanceof Bijector)) throw new BijectorError("TransformDiagonal: `diagBijector` must be a Bijector.");
    const s = statics(params, "TransformDiagonal");
    super({ forwardMinEventNdims: 2, inverseMinEventNdims: 2, isConstantJacobian: diagBijector.isConstantJacobian, ...s, parameters: { diagBijector, ...s } });
    this.diagBijector = diagBijector;
  }
  protected _forward(x: NDArray): NDArray {
    return setMatrixDiag(x, this.diagBijector.forward(matrixDiagPart(x)) as NDArray);
  }
  protected _inverse(y: NDArray): NDArray {
    return setMatrixDiag(y, this.diagBijector.inverse(matrixDiagPart(y)) as NDArray);
  }
  // The Jacobian is block diagonal: the diagonal bijector's block and an identity for the rest.
  protected override _forwardLogDetJacobian(x: NDArray): NDArray {
    return this.diagBijector.forwardLogDetJacobian(matrixDiagPart(x), 1);
  }
  protected override _inverseLogDetJacobian(y: NDArray): NDArray {
    return this.diagBijector.inverseLogDetJacobian(matrixDiagPart(y), 1);
  }
}
registerBijector(TransformDiagonal, ["diagBijector"], (p) => new TransformDiagonal(p as unknown as TransformDiagonalParams));

// ---------------------------------------------------------------- FillScaleTriL

export interface FillScaleTriLParams extends BijectorOptions {
  /** Bijector making the diagonal positive (default Softplus). */
  diagBijector?: AnyBijector | null;
  /** Added to the diagonal after `diagBijector` (default 1e-5; `null` for none). */
  diagShift?: ArrayLike | null;
}

/**
 * Unconstrained vectors to lower-triangular matrices with positive diagonal:
 * `Chain([TransformDiagonal(Chain([Shift(diagShift), diagBijector])), FillTriangular()])`.
 */
export class FillScaleTriL extends Chain {
  readonly diagBijector: AnyBijector;
  readonly diagShift: Param | null;
  constructor(params: FillScaleTriLParams = {}) {
    const diagBijector = params.diagBijector ?? (new Softplus({ validateArgs: params.validateArgs }) as AnyBijector);
    const diagShift = params.diagShift === undefined ? (isRestoring() ? null : 1e-5) : asOptionalParam(params.diagShift);
    const diag = diagShift === null ? diagBijector : (new Chain([new Shift({ shift: diagShift }), diagBijector]) as AnyBijector);
    const name = params.name ?? "fill_scale_tril";
    const validateArgs = params.validateArgs ?? false;
    super([new TransformDiagonal({ diagBijector: diag, validateArgs }), new FillTriangular({ validateArgs })] as AnyBijector[], { name, validateArgs }, { diagBijector, diagShift, name, validateArgs });
    this.diagBijector = diagBijector;
    this.diagShift = diagShift;
  }
}
registerBijector(FillScaleTriL, ["diagBijector", "diagShift"], (p) => new FillScaleTriL(p as FillScaleTriLParams));

// ---------------------------------------------------------------- CorrelationCholesky

/**
 * Unconstrained vectors of length n(n-1)/2 to Cholesky factors of n×n correlation matrices (unit-norm rows,
 * positive diagonal): fill a strictly lower triangle, put ones on the diagonal, normalise each row
 * (Lewandowski, Kurowicka & Joe 2009; Stan manual §24.2).
 */
export class CorrelationCholesky extends Bijector {
  constructor(options: BijectorOptions = {}) {
    const s = statics(options, "CorrelationCholesky");
    super({ forwardMinEventNdims: 1, inverseMinEventNdims: 2, ...s, parameters: { ...s } });
  }
  protected _forward(x: NDArray): NDArray {
    const tril = fillTriangular(x);
    const batch = x.shape.slice(0, -1);
    const n = tril.shape[tril.ndim - 1]! + 1;
    // Pad a zero row on top and a zero column on the right: [..., n-1, n-1] -> [..., n, n].
    const withColumn = np.concatenate([tril, np.zeros([...batch, n - 1, 1], x.dtype)], -1);
    const padded = np.concatenate([np.zeros([...batch, 1, n], x.dtype), withColumn], -2);
    const y = setMatrixDiag(padded, np.ones([...batch, n], x.dtype));
    const norms = np.sqrt(np.sum(np.square(y), -1, true));
    return np.divide(y, norms);
  }
  protected _inverse(y: NDArray): NDArray {
    const n = y.shape[y.ndim - 1]!;
    const diag = np.expandDims(matrixDiagPart(y), -1);
    const offDiagonal = setMatrixDiag(y, np.zeros([...y.shape.slice(0, -2), n], y.dtype));
    const x = np.divide(offDiagonal, diag);
    return fillTriangularInverse(x.slice("...", "1:", ":-1"));
  }
  // Row k maps R^k to the unit ball with |det J| = s^-(k+2), s the row norm before normalising (TFP's proof),
  // and 1/s is the row's diagonal entry.
  protected override _inverseLogDetJacobian(y: NDArray): NDArray {
    const n = y.shape[y.ndim - 1]!;
    const weights = np.arange(2, n + 2, 1, y.dtype);
    return np.negative(np.sum(np.multiply(weights, np.log(matrixDiagPart(y))), -1));
  }
  protected override _forwardLogDetJacobian(x: NDArray): NDArray {
    return np.negative(this._inverseLogDetJacobian(this.forward(x)));
  }
  protected override _forwardEventShape(shape: Shape): Shape {
    const m = vectorToMatrixShape(shape, "CorrelationCholesky.forwardEventShape");
    const n = m[m.length - 1]! + 1;
    return [...m.slice(0, -2), n, n];
  }
  protected override _inverseEventShape(shape: Shape): Shape {
    const n = shape[shape.length - 1]! - 1;
    return matrixToVectorShape([...shape.slice(0, -2), n, n], "CorrelationCholesky.inverseEventShape");
  }
}
registerBijector(CorrelationCholesky, [], (p) => new CorrelationCholesky(p as BijectorOptions));

// ---------------------------------------------------------------- CholeskyOuterProduct

export interface CholeskyOuterProductParams extends BijectorOptions {
  /** Lower Cholesky factor of a batch of SPD matrices (default np.linalg.cholesky). */
  choleskyFn?: (a: NDArray) => NDArray;
}

const defaultCholesky = (a: NDArray): NDArray => np.linalg.cholesky(a);

/** Y = X Xᵀ for lower-triangular X with positive diagonal (the upper triangle of X is ignored). */
export class CholeskyOuterProduct extends Bijector {
  readonly choleskyFn: (a: NDArray) => NDArray;
  constructor(params: CholeskyOuterProductParams = {}) {
    const choleskyFn = params.choleskyFn ?? defaultCholesky;
    const s = statics(params, "CholeskyOuterProduct");
    super({ forwardMinEventNdims: 2, ...s, parameters: { choleskyFn, ...s } });
    this.choleskyFn = choleskyFn;
  }
  protected _forward(x: NDArray): NDArray {
    const l = np.tril(x);
    return np.matmul(l, matrixTranspose(l));
  }
  protected _inverse(y: NDArray): NDArray {
    return this.choleskyFn(y);
  }
  // d vec(Y)/d vec(X) over the lower triangles is triangular with diagonal 2·X[j,j] (one per element (i, j),
  // i ≥ j), so log|det| = n log 2 + Σ_j (n - j) log X[j,j] (TFP's derivation, 0-based j).
  protected override _forwardLogDetJacobian(x: NDArray): NDArray {
    const n = x.shape[x.ndim - 1]!;
    const exponents = np.arange(n, 0, -1, x.dtype);
    return np.add(n * Math.LN2, np.sum(np.multiply(exponents, np.log(matrixDiagPart(x))), -1));
  }
}
registerBijector(CholeskyOuterProduct, [], (p) => new CholeskyOuterProduct(p as CholeskyOuterProductParams));
