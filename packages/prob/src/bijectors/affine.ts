// Affine bijectors: Shift, Scale (scale or logScale), ScaleMatvecDiag and ScaleMatvecTriL
// (TFP's shift.py, scale.py, scale_matvec_diag.py, scale_matvec_tril.py).
import { ConcreteArray, NDArray, lax, np, type ArrayLike } from "@fluxion/core";
import {
  Bijector,
  BijectorError,
  asOptionalParam,
  asParam,
  defaultName,
  isRestoring,
  registerBijector,
  shouldValidate,
  valuesOf,
  zeroLdj,
  type BijectorOptions,
  type Param,
} from "./bijector.js";
import { broadcastShapes, matrixDiagPart, matrixTranspose, matvec } from "./ops.js";

function statics(options: BijectorOptions, className: string): { name: string; validateArgs: boolean } {
  return { name: options.name ?? defaultName(className), validateArgs: options.validateArgs ?? false };
}

/** Vector/matrix parameters are arrays even when given as JS numbers (their last axes are event axes). */
function asArrayParam(x: ArrayLike): NDArray {
  return isRestoring() ? (x as NDArray) : np.asarray(x);
}

export interface ShiftParams extends BijectorOptions {
  shift: ArrayLike;
}

/** Y = X + shift. */
export class Shift extends Bijector {
  readonly shift: Param;
  constructor(params: ShiftParams) {
    const shift = asParam(params.shift);
    const s = statics(params, "Shift");
    super({ forwardMinEventNdims: 0, isConstantJacobian: true, ...s, parameters: { shift, ...s } });
    this.shift = shift;
  }
  protected _forward(x: NDArray): NDArray {
    return np.add(x, this.shift);
  }
  protected _inverse(y: NDArray): NDArray {
    return np.subtract(y, this.shift);
  }
  protected override _forwardLogDetJacobian(x: NDArray): NDArray {
    return zeroLdj(x);
  }
  protected override _inverseLogDetJacobian(y: NDArray): NDArray {
    return zeroLdj(y);
  }
}
registerBijector(Shift, ["shift"], (p) => new Shift(p as unknown as ShiftParams));

export interface ScaleParams extends BijectorOptions {
  /** Nonzero multiplier. Give exactly one of `scale` and `logScale`. */
  scale?: ArrayLike | null;
  /** log of a positive multiplier (better numerics for tiny scales). */
  logScale?: ArrayLike | null;
}

/** Y = scale · X (or exp(logScale) · X). */
export class Scale extends Bijector {
  readonly scale: Param | null;
  readonly logScale: Param | null;
  constructor(params: ScaleParams) {
    const scale = asOptionalParam(params.scale);
    const logScale = asOptionalParam(params.logScale);
    if (!isRestoring() && (scale === null) === (logScale === null)) throw new BijectorError("Scale: pass exactly one of `scale` and `logScale`.");
    const s = statics(params, "Scale");
    super({ forwardMinEventNdims: 0, isConstantJacobian: true, ...s, parameters: { scale, logScale, ...s } });
    this.scale = scale;
    this.logScale = logScale;
    if (scale !== null && shouldValidate(this.validateArgs, scale) && valuesOf(scale as number | ConcreteArray).some((v) => v === 0)) {
      throw new BijectorError("Scale: argument `scale` must be non-zero.");
    }
  }
  protected _forward(x: NDArray): NDArray {
    if (this.scale !== null) return np.multiply(x, this.scale);
    const l = this.logScale!;
    return np.multiply(x, typeof l === "number" ? Math.exp(l) : np.exp(l));
  }
  protected _inverse(y: NDArray): NDArray {
    if (this.scale !== null) return np.divide(y, this.scale);
    const l = this.logScale!;
    return np.multiply(y, typeof l === "number" ? Math.exp(-l) : np.exp(np.negative(l)));
  }
  protected override _forwardLogDetJacobian(x: NDArray): NDArray {
    // JS-number parameters stay in double precision (np on a lone JS number would compute in float32).
    const [l, s] = [this.logScale, this.scale];
    const ldj = l !== null ? l : typeof s === "number" ? Math.log(Math.abs(s)) : np.log(np.abs(s!));
    return np.add(zeroLdj(x), ldj);
  }
}
registerBijector(Scale, ["scale", "logScale"], (p) => new Scale(p as ScaleParams));

export interface ScaleMatvecDiagParams extends BijectorOptions {
  /** Diagonal [..., k] of the k×k scale matrix. */
  scaleDiag: ArrayLike;
  /** Use the adjoint of the scale (the same matrix for a real diagonal). */
  adjoint?: boolean;
}

/** Y = diag(scaleDiag) @ X, without materialising the matrix. */
export class ScaleMatvecDiag extends Bijector {
  readonly scaleDiag: NDArray;
  readonly adjoint: boolean;
  constructor(params: ScaleMatvecDiagParams) {
    const scaleDiag = asArrayParam(params.scaleDiag);
    const s = statics(params, "ScaleMatvecDiag");
    const adjoint = params.adjoint ?? false;
    super({ forwardMinEventNdims: 1, isConstantJacobian: true, ...s, parameters: { scaleDiag, adjoint, ...s } });
    this.scaleDiag = scaleDiag;
    this.adjoint = adjoint;
    if (shouldValidate(this.validateArgs, scaleDiag) && valuesOf(scaleDiag as ConcreteArray).some((v) => v === 0)) {
      throw new BijectorError("ScaleMatvecDiag: `scaleDiag` must be non-zero (the scale must be non-singular).");
    }
  }
  protected _forward(x: NDArray): NDArray {
    return np.multiply(this.scaleDiag, x);
  }
  protected _inverse(y: NDArray): NDArray {
    return np.divide(y, this.scaleDiag);
  }
  protected override _forwardLogDetJacobian(x: NDArray): NDArray {
    return np.add(np.sum(np.log(np.abs(this.scaleDiag)), -1), zeroLdj(x));
  }
}
registerBijector(ScaleMatvecDiag, ["scaleDiag"], (p) => new ScaleMatvecDiag(p as unknown as ScaleMatvecDiagParams));

export interface ScaleMatvecTriLParams extends BijectorOptions {
  /** Lower-triangular [..., k, k] scale; entries above the diagonal are ignored. */
  scaleTril: ArrayLike;
  /** Use Lᵀ instead of L (an upper-triangular transform). */
  adjoint?: boolean;
}

/** The float dtype two operands compute in. */
function commonFloat(a: NDArray, b: NDArray): [NDArray, NDArray] {
  if (a.dtype === b.dtype) return [a, b];
  const dtype = a.dtype === "float64" || b.dtype === "float64" ? "float64" : "float32";
  return [np.astype(a, dtype), np.astype(b, dtype)];
}

/** Broadcasts the batch (all but the last two) axes of two stacks of matrices against each other. */
function broadcastBatch(a: NDArray, b: NDArray): [NDArray, NDArray] {
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), "ScaleMatvecTriL.inverse");
  return [np.broadcastTo(a, [...batch, ...a.shape.slice(-2)]), np.broadcastTo(b, [...batch, ...b.shape.slice(-2)])];
}

/** Y = L @ X with L lower triangular (linear-time determinant, triangular-solve inverse). */
export class ScaleMatvecTriL extends Bijector {
  readonly scaleTril: NDArray;
  readonly adjoint: boolean;
  constructor(params: ScaleMatvecTriLParams) {
    const scaleTril = asArrayParam(params.scaleTril);
    const s = statics(params, "ScaleMatvecTriL");
    const adjoint = params.adjoint ?? false;
    super({ forwardMinEventNdims: 1, isConstantJacobian: true, ...s, parameters: { scaleTril, adjoint, ...s } });
    this.scaleTril = scaleTril;
    this.adjoint = adjoint;
    if (shouldValidate(this.validateArgs, scaleTril) && valuesOf(matrixDiagPart(scaleTril) as ConcreteArray).some((v) => v === 0)) {
      throw new BijectorError("ScaleMatvecTriL: the diagonal of `scaleTril` must be non-zero (the scale must be non-singular).");
    }
  }
  private tril(): NDArray {
    return np.tril(this.scaleTril);
  }
  protected _forward(x: NDArray): NDArray {
    const l = this.tril();
    return matvec(this.adjoint ? matrixTranspose(l) : l, x);
  }
  protected _inverse(y: NDArray): NDArray {
    const [l, column] = commonFloat(this.tril(), np.expandDims(y, -1));
    // Both operands get the full broadcast batch shape, so the right side is always read as [..., k, 1].
    const [lb, rhs] = broadcastBatch(l, column);
    const x = lax.linalg.triangularSolve(lb, rhs, { leftSide: true, lower: true, transposeA: this.adjoint });
    return np.squeeze(x, -1);
  }
  protected override _forwardLogDetJacobian(x: NDArray): NDArray {
    return np.add(np.sum(np.log(np.abs(matrixDiagPart(this.scaleTril))), -1), zeroLdj(x));
  }
}
registerBijector(ScaleMatvecTriL, ["scaleTril"], (p) => new ScaleMatvecTriL(p as unknown as ScaleMatvecTriLParams));
