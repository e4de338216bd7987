// Logistic(loc, scale) (TFP's tfd.Logistic): log-space cdf and survival through softplus.
import { NDArray, np, special, type ArrayLike, type DType } from "@fluxion/core";
import { Distribution, registerDistribution, type Check, type DistributionOptions } from "./distribution.js";
import type { EventSpace } from "./eventSpace.js";
import { broadcastShapes, commonFloatDtype, softplus, toFloat } from "./internal.js";
import { uniformOpen } from "./sampling.js";

export interface LogisticParams extends DistributionOptions {
  loc: ArrayLike;
  scale: ArrayLike;
}

export class Logistic extends Distribution {
  readonly loc: NDArray;
  readonly scale: NDArray;

  constructor(params: LogisticParams) {
    super(params);
    const dtype = commonFloatDtype([params.loc, params.scale]);
    this.loc = toFloat(params.loc, dtype);
    this.scale = toFloat(params.scale, dtype);
    this.validateParameters();
  }
  get batchShape(): number[] {
    return broadcastShapes("Logistic", this.loc.shape, this.scale.shape);
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
    const u = uniformOpen(key, [n, ...this.batchShape], this.floatDtype);
    return np.add(np.multiply(np.subtract(np.log(u), np.log1p(np.negative(u))), this.scale), this.loc);
  }
  // -z - 2 softplus(-z) = -|z| - 2 log1p(exp(-|z|)), symmetric and overflow-free.
  protected override _logProb(x: NDArray): NDArray {
    const a = np.abs(this.z(x));
    return np.subtract(np.subtract(np.negative(a), np.multiply(2, np.log1p(np.exp(np.negative(a))))), np.log(this.scale));
  }
  protected override _cdf(x: NDArray): NDArray {
    return special.expit(this.z(x));
  }
  protected override _logCdf(x: NDArray): NDArray {
    return np.negative(softplus(np.negative(this.z(x))));
  }
  protected override _survivalFunction(x: NDArray): NDArray {
    return special.expit(np.negative(this.z(x)));
  }
  protected override _logSurvivalFunction(x: NDArray): NDArray {
    return np.negative(softplus(this.z(x)));
  }
  protected override _quantile(p: NDArray): NDArray {
    return np.add(np.multiply(np.subtract(np.log(p), np.log1p(np.negative(p))), this.scale), this.loc);
  }
  protected override _mean(): NDArray {
    return this.loc;
  }
  protected override _mode(): NDArray {
    return this.loc;
  }
  protected override _stddev(): NDArray {
    return np.multiply(this.scale, Math.PI / Math.sqrt(3));
  }
  protected override _entropy(): NDArray {
    return np.add(np.log(this.scale), 2);
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "real" };
  }
}
registerDistribution(Logistic, ["loc", "scale"]);
