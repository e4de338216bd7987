// HalfNormal(scale): |X| for X ~ Normal(0, scale) (TFP's tfd.HalfNormal); tails through logNdtr.
import { NDArray, np, random, special, type ArrayLike, type DType } from "@fluxion/core";
import { Distribution, registerDistribution, type Check, type DistributionOptions } from "./distribution.js";
import type { EventSpace } from "./eventSpace.js";
import { commonFloatDtype, toFloat } from "./internal.js";

export interface HalfNormalParams extends DistributionOptions {
  scale: ArrayLike;
}

export class HalfNormal extends Distribution {
  readonly scale: NDArray;

  constructor(params: HalfNormalParams) {
    super(params);
    this.scale = toFloat(params.scale, commonFloatDtype([params.scale]));
    this.validateParameters();
  }
  get batchShape(): number[] {
    return [...this.scale.shape];
  }
  get dtype(): DType {
    return this.scale.dtype;
  }
  protected override _parameterChecks(): Check[] {
    return [{ what: "scale", ok: np.greater(this.scale, 0), requirement: "positive", value: this.scale }];
  }
  protected override _valueChecks(x: NDArray): Check[] {
    return [{ what: "value", ok: np.greaterEqual(x, 0), requirement: "non-negative", value: x }];
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    const eps = random.normal(key, [n, ...this.batchShape], { dtype: this.floatDtype });
    return np.multiply(np.abs(eps), this.scale);
  }
  protected override _logProb(x: NDArray): NDArray {
    const z = np.divide(x, this.scale);
    const lp = np.subtract(np.multiply(-0.5, np.square(z)), np.add(np.log(this.scale), 0.5 * Math.log(Math.PI / 2)));
    return np.where(np.less(x, 0), -Infinity, lp);
  }
  protected override _cdf(x: NDArray): NDArray {
    return special.erf(np.divide(np.maximum(x, 0), np.multiply(this.scale, Math.SQRT2)));
  }
  // 1 - erf(z / sqrt2) = 2 Phi(-z): the normal tail keeps full relative accuracy far out.
  protected override _survivalFunction(x: NDArray): NDArray {
    return np.multiply(2, special.ndtr(np.negative(np.divide(np.maximum(x, 0), this.scale))));
  }
  protected override _logSurvivalFunction(x: NDArray): NDArray {
    return np.add(Math.LN2, special.logNdtr(np.negative(np.divide(np.maximum(x, 0), this.scale))));
  }
  protected override _quantile(p: NDArray): NDArray {
    return np.multiply(special.erfinv(p), np.multiply(this.scale, Math.SQRT2));
  }
  protected override _mean(): NDArray {
    return np.multiply(this.scale, Math.sqrt(2 / Math.PI));
  }
  protected override _variance(): NDArray {
    return np.multiply(np.square(this.scale), 1 - 2 / Math.PI);
  }
  protected override _mode(): NDArray {
    return np.zerosLike(this.scale);
  }
  protected override _entropy(): NDArray {
    return np.add(np.log(this.scale), 0.5 * Math.log(Math.PI / 2) + 0.5);
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "positive", via: "softplus" };
  }
}
registerDistribution(HalfNormal, ["scale"]);
