// Normal(loc, scale): TFP's tfd.Normal, with log-space cdf/survival through logNdtr for accurate tails.
import { NDArray, np, random, special, type ArrayLike, type DType } from "@fluxion/core";
import { Distribution, registerDistribution, type Check, type DistributionOptions } from "./distribution.js";
import type { EventSpace } from "./eventSpace.js";
import { HALF_LOG_2PI, broadcastShapes, commonFloatDtype, toFloat } from "./internal.js";

export interface NormalParams extends DistributionOptions {
  loc: ArrayLike;
  scale: ArrayLike;
}

export class Normal extends Distribution {
  readonly loc: NDArray;
  readonly scale: NDArray;

  constructor(params: NormalParams) {
    super(params);
    const dtype = commonFloatDtype([params.loc, params.scale]);
    this.loc = toFloat(params.loc, dtype);
    this.scale = toFloat(params.scale, dtype);
    this.validateParameters();
  }
  get batchShape(): number[] {
    return broadcastShapes("Normal", this.loc.shape, this.scale.shape);
  }
  get dtype(): DType {
    return this.loc.dtype;
  }
  protected override _parameterChecks(): Check[] {
    return [{ what: "scale", ok: np.greater(this.scale, 0), requirement: "positive", value: this.scale }];
  }
  private z(x: NDArray): NDArray {
    return np.divide(np.subtract(x, this.loc), this.scale);
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    const eps = random.normal(key, [n, ...this.batchShape], { dtype: this.floatDtype });
    return np.add(np.multiply(eps, this.scale), this.loc);
  }
  protected override _logProb(x: NDArray): NDArray {
    const z = this.z(x);
    return np.subtract(np.multiply(-0.5, np.square(z)), np.add(np.log(this.scale), HALF_LOG_2PI));
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
    return np.add(np.multiply(special.ndtri(p), this.scale), this.loc);
  }
  protected override _mean(): NDArray {
    return this.loc;
  }
  protected override _mode(): NDArray {
    return this.loc;
  }
  protected override _stddev(): NDArray {
    return this.scale;
  }
  protected override _entropy(): NDArray {
    return np.add(np.log(this.scale), 0.5 + HALF_LOG_2PI);
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "real" };
  }
}
registerDistribution(Normal, ["loc", "scale"]);
