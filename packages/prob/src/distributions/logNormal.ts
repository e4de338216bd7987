// LogNormal(loc, scale): exp(X) for X ~ Normal(loc, scale) (TFP's tfd.LogNormal), written out in closed form.
import { NDArray, np, random, special, type ArrayLike, type DType } from "@fluxion/core";
import { Distribution, registerDistribution, type Check, type DistributionOptions } from "./distribution.js";
import type { EventSpace } from "./eventSpace.js";
import { HALF_LOG_2PI, broadcastShapes, commonFloatDtype, toFloat } from "./internal.js";

export interface LogNormalParams extends DistributionOptions {
  loc: ArrayLike;
  scale: ArrayLike;
}

export class LogNormal extends Distribution {
  readonly loc: NDArray;
  readonly scale: NDArray;

  constructor(params: LogNormalParams) {
    super(params);
    const dtype = commonFloatDtype([params.loc, params.scale]);
    this.loc = toFloat(params.loc, dtype);
    this.scale = toFloat(params.scale, dtype);
    this.validateParameters();
  }
  get batchShape(): number[] {
    return broadcastShapes("LogNormal", this.loc.shape, this.scale.shape);
  }
  get dtype(): DType {
    return this.loc.dtype;
  }
  protected override _parameterChecks(): Check[] {
    return [{ what: "scale", ok: np.greater(this.scale, 0), requirement: "positive", value: this.scale }];
  }
  protected override _valueChecks(x: NDArray): Check[] {
    return [{ what: "value", ok: np.greaterEqual(x, 0), requirement: "non-negative", value: x }];
  }
  /** (log x - loc) / scale, with x <= 0 mapped to -inf. */
  private z(x: NDArray): NDArray {
    const positive = np.greater(x, 0);
    const logX = np.where(positive, np.log(np.where(positive, x, 1)), -Infinity);
    return np.divide(np.subtract(logX, this.loc), this.scale);
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    const eps = random.normal(key, [n, ...this.batchShape], { dtype: this.floatDtype });
    return np.exp(np.add(np.multiply(eps, this.scale), this.loc));
  }
  protected override _logProb(x: NDArray): NDArray {
    const positive = np.greater(x, 0);
    const logX = np.log(np.where(positive, x, 1));
    const z = np.divide(np.subtract(logX, this.loc), this.scale);
    const lp = np.subtract(np.multiply(-0.5, np.square(z)), np.add(np.add(np.log(this.scale), HALF_LOG_2PI), logX));
    return np.where(positive, lp, -Infinity);
  }
  protected override _cdf(x: NDArray): NDArray {
    return special.ndtr(this.z(x));
  }
  protected override _logCdf(x: NDArray): NDArray {
    return special.logNdtr(this.z(x));
  }
  protected override _survivalFunction(x: NDArray): NDArray {
    return special.ndtr(np.negative(this.z(x)));
  }
  protected override _logSurvivalFunction(x: NDArray): NDArray {
    return special.logNdtr(np.negative(this.z(x)));
  }
  protected override _quantile(p: NDArray): NDArray {
    return np.exp(np.add(np.multiply(special.ndtri(p), this.scale), this.loc));
  }
  protected override _mean(): NDArray {
    return np.exp(np.add(this.loc, np.multiply(0.5, np.square(this.scale))));
  }
  protected override _variance(): NDArray {
    const s2 = np.square(this.scale);
    return np.multiply(np.expm1(s2), np.exp(np.add(np.multiply(2, this.loc), s2)));
  }
  protected override _mode(): NDArray {
    return np.exp(np.subtract(this.loc, np.square(this.scale)));
  }
  protected override _entropy(): NDArray {
    return np.add(np.add(this.loc, np.log(this.scale)), 0.5 + HALF_LOG_2PI);
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "positive", via: "exp" };
  }
}
registerDistribution(LogNormal, ["loc", "scale"]);
