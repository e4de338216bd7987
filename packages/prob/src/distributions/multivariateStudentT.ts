// MultivariateStudentT(df, loc, scaleTril): TFP's MultivariateStudentTLinearOperator with a lower-triangular scale.
// x = loc + L z sqrt(df / chi2_df); covariance df/(df - 2) L L^T.
import { NDArray, np, random, special, type ArrayLike, type DType } from "@fluxion/core";
import { Distribution, registerDistribution, type Check, type DistributionOptions } from "./distribution.js";
import type { EventSpace } from "./eventSpace.js";
import { LOG_PI, broadcastShapes, broadcastTo, commonFloatDtype, diagPart, toFloat } from "./internal.js";
import { type ScaleOperator, TriLScale, outerProduct } from "./linearOperator.js";
import { splitKey } from "./sampling.js";

export interface MultivariateStudentTParams extends DistributionOptions {
  df: ArrayLike;
  loc: ArrayLike;
  scaleTril: ArrayLike;
}

export class MultivariateStudentT extends Distribution {
  readonly df: NDArray;
  readonly loc: NDArray;
  readonly scaleTril: NDArray;

  constructor(params: MultivariateStudentTParams) {
    super(params);
    const dtype = commonFloatDtype([params.df, params.loc, params.scaleTril]);
    this.df = toFloat(params.df, dtype);
    this.loc = toFloat(params.loc, dtype);
    this.scaleTril = toFloat(params.scaleTril, dtype);
    if (this.scaleTril.ndim < 2 || this.loc.ndim < 1) throw new Error("MultivariateStudentT: loc must be [..., k] and scaleTril [..., k, k].");
    this.validateParameters();
  }
  get batchShape(): number[] {
    return broadcastShapes("MultivariateStudentT", this.df.shape, this.loc.shape.slice(0, -1), this.scaleTril.shape.slice(0, -2));
  }
  override get eventShape(): number[] {
    return [this.scaleTril.shape[this.scaleTril.ndim - 1]!];
  }
  get dtype(): DType {
    return this.loc.dtype;
  }
  scale(): ScaleOperator {
    return new TriLScale(this.scaleTril);
  }
  private k(): number {
    return this.eventShape[0]!;
  }
  protected override _parameterChecks(): Check[] {
    const d = diagPart(this.scaleTril);
    return [
      { what: "df", ok: np.greater(this.df, 0), requirement: "positive", value: this.df },
      { what: "scaleTril", ok: np.notEqual(d, 0), requirement: "lower-triangular with a non-zero diagonal", value: d },
    ];
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    const [normalKey, gammaKey] = splitKey(key, 2);
    const shape = [n, ...this.batchShape];
    const z = random.normal(normalKey!, [...shape, this.k()], { dtype: this.floatDtype });
    const halfDf = broadcastTo(np.multiply(0.5, this.df), shape);
    const g = random.gamma(gammaKey!, halfDf, shape);
    const factor = np.sqrt(np.divide(halfDf, g));
    return np.add(np.multiply(this.scale().matvec(z), np.expandDims(factor, -1)), this.loc);
  }
  protected override _logProb(x: NDArray): NDArray {
    const scale = this.scale();
    const k = this.k();
    const df = this.df;
    const mahalanobis = np.sum(np.square(scale.solve(np.subtract(x, this.loc))), -1);
    const core = np.multiply(np.multiply(-0.5, np.add(df, k)), np.log1p(np.divide(mahalanobis, df)));
    const norm = np.add(
      np.subtract(special.gammaln(np.multiply(0.5, np.add(df, k))), special.gammaln(np.multiply(0.5, df))),
      np.multiply(-0.5 * k, np.add(np.log(df), LOG_PI)),
    );
    return np.subtract(np.add(core, norm), scale.logAbsDet());
  }
  protected override _mean(): NDArray {
    const defined = broadcastTo(np.expandDims(np.greater(this.df, 1), -1), [...this.batchShape, this.k()]);
    return this.undefinedStat("mean", broadcastTo(this.loc, [...this.batchShape, this.k()]), defined, "df > 1");
  }
  protected override _mode(): NDArray {
    return this.loc;
  }
  private covarianceFactor(): NDArray {
    const big = np.greater(this.df, 2);
    const safe = np.where(big, this.df, 3);
    return np.where(big, np.divide(safe, np.subtract(safe, 2)), Infinity);
  }
  protected override _covariance(): NDArray {
    const shape = [...this.batchShape, this.k(), this.k()];
    const value = np.multiply(np.expandDims(this.covarianceFactor(), [-1, -2]), outerProduct(this.scale()));
    const defined = broadcastTo(np.expandDims(np.greater(this.df, 1), [-1, -2]), shape);
    return this.undefinedStat("covariance", broadcastTo(value, shape), defined, "df > 1");
  }
  protected override _variance(): NDArray {
    const shape = [...this.batchShape, this.k()];
    const value = np.multiply(np.expandDims(this.covarianceFactor(), -1), this.scale().rowSquaredNorms());
    const defined = broadcastTo(np.expandDims(np.greater(this.df, 1), -1), shape);
    return this.undefinedStat("variance", broadcastTo(value, shape), defined, "df > 1");
  }
  protected override _entropy(): NDArray {
    const k = this.k();
    const df = this.df;
    const halfSum = np.multiply(0.5, np.add(df, k));
    const beta = np.add(np.multiply(0.5 * k, np.add(np.log(df), LOG_PI)), np.subtract(special.gammaln(np.multiply(0.5, df)), special.gammaln(halfSum)));
    const digammas = np.multiply(halfSum, np.subtract(special.digamma(halfSum), special.digamma(np.multiply(0.5, df))));
    return np.add(np.add(this.scale().logAbsDet(), beta), digammas);
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "real" };
  }
}
registerDistribution(MultivariateStudentT, ["df", "loc", "scaleTril"]);
