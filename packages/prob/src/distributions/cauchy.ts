// Cauchy(loc, scale) and HalfCauchy(loc, scale) (TFP's tfd.Cauchy / tfd.HalfCauchy). The cdf is written as
// atan2(1, -z) / pi, which equals 1/2 + atan(z)/pi but keeps full relative accuracy in both tails.
import { NDArray, np, random, type ArrayLike, type DType } from "@fluxion/core";
import { Distribution, registerDistribution, type Check, type DistributionOptions } from "./distribution.js";
import type { EventSpace } from "./eventSpace.js";
import { LOG_PI, broadcastShapes, commonFloatDtype, log1psquare, toFloat } from "./internal.js";
import { uniformOpen } from "./sampling.js";

export interface CauchyParams extends DistributionOptions {
  loc: ArrayLike;
  scale: ArrayLike;
}

abstract class CauchyBase extends Distribution {
  readonly loc: NDArray;
  readonly scale: NDArray;

  constructor(params: CauchyParams) {
    super(params);
    const dtype = commonFloatDtype([params.loc, params.scale]);
    this.loc = toFloat(params.loc, dtype);
    this.scale = toFloat(params.scale, dtype);
  }
  get batchShape(): number[] {
    return broadcastShapes(this.constructor.name, this.loc.shape, this.scale.shape);
  }
  get dtype(): DType {
    return this.loc.dtype;
  }
  protected override _parameterChecks(): Check[] {
    return [{ what: "scale", ok: np.greater(this.scale, 0), requirement: "positive", value: this.scale }];
  }
  protected z(x: NDArray): NDArray {
    return np.divide(np.subtract(x, this.loc), this.scale);
  }
  private nanStat(method: string): NDArray {
    const shape = this.batchShape;
    return this.undefinedStat(method, np.full(shape, NaN, this.floatDtype), np.full(shape, false), `the distribution has a mean (a ${this.constructor.name} never does)`);
  }
  protected override _mean(): NDArray {
    return this.nanStat("mean");
  }
  protected override _variance(): NDArray {
    return this.nanStat("variance");
  }
  protected override _mode(): NDArray {
    return this.loc;
  }
}

export class Cauchy extends CauchyBase {
  constructor(params: CauchyParams) {
    super(params);
    this.validateParameters();
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    const u = uniformOpen(key, [n, ...this.batchShape], this.floatDtype);
    return np.add(np.multiply(np.tan(np.multiply(Math.PI, np.subtract(u, 0.5))), this.scale), this.loc);
  }
  protected override _logProb(x: NDArray): NDArray {
    return np.negative(np.add(np.add(log1psquare(this.z(x)), np.log(this.scale)), LOG_PI));
  }
  protected override _cdf(x: NDArray): NDArray {
    return np.divide(np.arctan2(1, np.negative(this.z(x))), Math.PI);
  }
  protected override _logCdf(x: NDArray): NDArray {
    return np.log(this._cdf(x));
  }
  protected override _survivalFunction(x: NDArray): NDArray {
    return np.divide(np.arctan2(1, this.z(x)), Math.PI);
  }
  protected override _logSurvivalFunction(x: NDArray): NDArray {
    return np.log(this._survivalFunction(x));
  }
  // tan(pi (p - 1/2)) = -cot(pi p) = cot(pi (1 - p)): each side uses the probability it can hold exactly.
  protected override _quantile(p: NDArray): NDArray {
    const lower = np.less(p, 0.5);
    const tail = np.where(lower, p, np.subtract(1, p));
    const cot = np.reciprocal(np.tan(np.multiply(Math.PI, tail)));
    return np.add(np.multiply(np.where(lower, np.negative(cot), cot), this.scale), this.loc);
  }
  protected override _entropy(): NDArray {
    return np.add(np.log(this.scale), Math.log(4 * Math.PI));
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "real" };
  }
}
registerDistribution(Cauchy, ["loc", "scale"]);

export class HalfCauchy extends CauchyBase {
  constructor(params: CauchyParams) {
    super(params);
    this.validateParameters();
  }
  protected override _valueChecks(x: NDArray): Check[] {
    return [{ what: "value", ok: np.greaterEqual(x, this.loc), requirement: ">= loc", value: x }];
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    const u = uniformOpen(key, [n, ...this.batchShape], this.floatDtype);
    return np.add(np.multiply(np.tan(np.multiply(Math.PI / 2, u)), this.scale), this.loc);
  }
  protected override _logProb(x: NDArray): NDArray {
    const lp = np.negative(np.add(np.add(log1psquare(this.z(x)), np.log(this.scale)), LOG_PI - Math.LN2));
    return np.where(np.less(x, this.loc), -Infinity, lp);
  }
  // For z >= 0: cdf = (2/pi) atan(z), survival = (2/pi) atan2(1, z).
  protected override _cdf(x: NDArray): NDArray {
    return np.multiply(2 / Math.PI, np.arctan(np.maximum(this.z(x), 0)));
  }
  protected override _logCdf(x: NDArray): NDArray {
    return np.log(this._cdf(x));
  }
  protected override _survivalFunction(x: NDArray): NDArray {
    return np.multiply(2 / Math.PI, np.arctan2(1, np.maximum(this.z(x), 0)));
  }
  protected override _logSurvivalFunction(x: NDArray): NDArray {
    return np.log(this._survivalFunction(x));
  }
  protected override _quantile(p: NDArray): NDArray {
    return np.add(np.multiply(np.tan(np.multiply(Math.PI / 2, p)), this.scale), this.loc);
  }
  protected override _entropy(): NDArray {
    return np.add(np.log(this.scale), Math.log(2 * Math.PI));
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "halfLine", low: this.loc, via: "softplus" };
  }
}
registerDistribution(HalfCauchy, ["loc", "scale"]);
