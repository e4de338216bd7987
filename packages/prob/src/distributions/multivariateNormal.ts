// Multivariate normal laws (TFP's MultivariateNormalDiag / TriL / FullCovariance, all MultivariateNormalLinearOperator
// underneath): loc + L z with z standard normal; log densities through a triangular (or diagonal) solve.
import { NDArray, np, random, type ArrayLike, type DType } from "@fluxion/core";
import { Distribution, registerDistribution, type Check, type DistributionOptions } from "./distribution.js";
import type { EventSpace } from "./eventSpace.js";
import { LOG_2PI, broadcastShapes, broadcastTo, cholesky, commonFloatDtype, diagPart, toFloat } from "./internal.js";
import { DiagScale, type ScaleOperator, TriLScale, outerProduct } from "./linearOperator.js";

/** Shared methods; subclasses say how to build the scale operator from their parameters. */
export abstract class MultivariateNormalLinearOperator extends Distribution {
  abstract readonly loc: NDArray | null;
  /** The scale operator L (covariance L L^T). */
  abstract scale(): ScaleOperator;
  protected abstract scaleBatchShape(): number[];
  protected abstract eventSize(): number;

  get batchShape(): number[] {
    const locBatch = this.loc ? this.loc.shape.slice(0, -1) : [];
    return broadcastShapes(this.constructor.name, locBatch, this.scaleBatchShape());
  }
  override get eventShape(): number[] {
    return [this.eventSize()];
  }
  protected locOrZero(): NDArray {
    return this.loc ?? np.zeros([this.eventSize()], this.floatDtype);
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    const z = random.normal(key, [n, ...this.batchShape, this.eventSize()], { dtype: this.floatDtype });
    return np.add(this.scale().matvec(z), this.locOrZero());
  }
  protected override _logProb(x: NDArray): NDArray {
    const scale = this.scale();
    const w = scale.solve(np.subtract(x, this.locOrZero()));
    const k = this.eventSize();
    return np.subtract(np.multiply(-0.5, np.sum(np.square(w), -1)), np.add(scale.logAbsDet(), 0.5 * k * LOG_2PI));
  }
  protected override _mean(): NDArray {
    return this.locOrZero();
  }
  protected override _mode(): NDArray {
    return this.locOrZero();
  }
  protected override _covariance(): NDArray {
    return outerProduct(this.scale());
  }
  protected override _variance(): NDArray {
    return this.scale().rowSquaredNorms();
  }
  protected override _entropy(): NDArray {
    const k = this.eventSize();
    return np.add(this.scale().logAbsDet(), 0.5 * k * (1 + LOG_2PI));
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "real" };
  }
}

export interface MultivariateNormalDiagParams extends DistributionOptions {
  loc?: ArrayLike | null;
  scaleDiag?: ArrayLike | null;
}

export class MultivariateNormalDiag extends MultivariateNormalLinearOperator {
  readonly loc: NDArray | null;
  readonly scaleDiag: NDArray;

  constructor(params: MultivariateNormalDiagParams) {
    super(params);
    if ((params.loc === undefined || params.loc === null) && (params.scaleDiag === undefined || params.scaleDiag === null)) {
      throw new Error("MultivariateNormalDiag: pass loc, scaleDiag or both (the event size comes from them).");
    }
    const dtype = commonFloatDtype([params.loc, params.scaleDiag]);
    this.loc = params.loc === undefined || params.loc === null ? null : toFloat(params.loc, dtype);
    const k = this.loc ? this.loc.shape[this.loc.ndim - 1]! : 0;
    this.scaleDiag = params.scaleDiag === undefined || params.scaleDiag === null ? np.ones([k], dtype) : toFloat(params.scaleDiag, dtype);
    if (this.scaleDiag.ndim < 1 || (this.loc && this.loc.ndim < 1)) throw new Error("MultivariateNormalDiag: loc and scaleDiag need a last (event) axis.");
    this.validateParameters();
  }
  get dtype(): DType {
    return this.scaleDiag.dtype;
  }
  scale(): ScaleOperator {
    return new DiagScale(this.scaleDiag);
  }
  protected scaleBatchShape(): number[] {
    return this.scaleDiag.shape.slice(0, -1);
  }
  protected eventSize(): number {
    const a = this.scaleDiag.shape[this.scaleDiag.ndim - 1]!;
    const b = this.loc ? this.loc.shape[this.loc.ndim - 1]! : a;
    return Math.max(a, b);
  }
  protected override _parameterChecks(): Check[] {
    return [{ what: "scaleDiag", ok: np.notEqual(this.scaleDiag, 0), requirement: "non-zero (a non-singular scale)", value: this.scaleDiag }];
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    const k = this.eventSize();
    const z = random.normal(key, [n, ...this.batchShape, k], { dtype: this.floatDtype });
    return np.add(np.multiply(this.scaleDiag, z), this.locOrZero());
  }
  protected override _stddev(): NDArray {
    return np.abs(this.scaleDiag);
  }
}
registerDistribution(MultivariateNormalDiag, ["loc", "scaleDiag"]);

export interface MultivariateNormalTriLParams extends DistributionOptions {
  loc?: ArrayLike | null;
  scaleTril: ArrayLike;
}

export class MultivariateNormalTriL extends MultivariateNormalLinearOperator {
  readonly loc: NDArray | null;
  readonly scaleTril: NDArray;

  constructor(params: MultivariateNormalTriLParams) {
    super(params);
    const dtype = commonFloatDtype([params.loc, params.scaleTril]);
    this.loc = params.loc === undefined || params.loc === null ? null : toFloat(params.loc, dtype);
    this.scaleTril = toFloat(params.scaleTril, dtype);
    if (this.scaleTril.ndim < 2) throw new Error(`MultivariateNormalTriL: scaleTril must be [..., k, k], got [${this.scaleTril.shape}].`);
    this.validateParameters();
  }
  get dtype(): DType {
    return this.scaleTril.dtype;
  }
  scale(): ScaleOperator {
    return new TriLScale(this.scaleTril);
  }
  protected scaleBatchShape(): number[] {
    return this.scaleTril.shape.slice(0, -2);
  }
  protected eventSize(): number {
    return this.scaleTril.shape[this.scaleTril.ndim - 1]!;
  }
  protected override _parameterChecks(): Check[] {
    const d = diagPart(this.scaleTril);
    return [{ what: "scaleTril", ok: np.notEqual(d, 0), requirement: "lower-triangular with a non-zero diagonal", value: d }];
  }
}
registerDistribution(MultivariateNormalTriL, ["loc", "scaleTril"]);

export interface MultivariateNormalFullCovarianceParams extends DistributionOptions {
  loc?: ArrayLike | null;
  covarianceMatrix: ArrayLike;
}

/** Covariance given directly; the scale is its Cholesky factor (computed when needed). */
export class MultivariateNormalFullCovariance extends MultivariateNormalLinearOperator {
  readonly loc: NDArray | null;
  readonly covarianceMatrix: NDArray;

  constructor(params: MultivariateNormalFullCovarianceParams) {
    super(params);
    const dtype = commonFloatDtype([params.loc, params.covarianceMatrix]);
    this.loc = params.loc === undefined || params.loc === null ? null : toFloat(params.loc, dtype);
    this.covarianceMatrix = toFloat(params.covarianceMatrix, dtype);
    if (this.covarianceMatrix.ndim < 2) throw new Error(`MultivariateNormalFullCovariance: covarianceMatrix must be [..., k, k], got [${this.covarianceMatrix.shape}].`);
    this.validateParameters();
  }
  get dtype(): DType {
    return this.covarianceMatrix.dtype;
  }
  scale(): ScaleOperator {
    return new TriLScale(cholesky(this.covarianceMatrix));
  }
  protected scaleBatchShape(): number[] {
    return this.covarianceMatrix.shape.slice(0, -2);
  }
  protected eventSize(): number {
    return this.covarianceMatrix.shape[this.covarianceMatrix.ndim - 1]!;
  }
  protected override _parameterChecks(): Check[] {
    const c = this.covarianceMatrix;
    const symmetric = np.all(np.lessEqual(np.abs(np.subtract(c, np.swapaxes(c, -1, -2))), np.multiply(1e-6, np.add(np.abs(c), 1e-30))), [-2, -1]);
    const l = cholesky(c);
    const pd = np.logicalNot(np.any(np.isnan(l), [-2, -1]));
    return [
      { what: "covarianceMatrix", ok: symmetric, requirement: "symmetric" },
      { what: "covarianceMatrix", ok: pd, requirement: "positive definite (its Cholesky factorization failed)" },
    ];
  }
  protected override _covariance(): NDArray {
    return broadcastTo(this.covarianceMatrix, [...this.batchShape, this.eventSize(), this.eventSize()]);
  }
  protected override _variance(): NDArray {
    return diagPart(this.covarianceMatrix);
  }
}
registerDistribution(MultivariateNormalFullCovariance, ["loc", "covarianceMatrix"]);
