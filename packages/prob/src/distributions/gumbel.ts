// Gumbel(loc, scale) (TFP's tfd.Gumbel, the maximum-value type I law).
import { NDArray, np, random, type ArrayLike, type DType } from "@fluxion/core";
import { Distribution, registerDistribution, type Check, type DistributionOptions } from "./distribution.js";
import type { EventSpace } from "./eventSpace.js";
import { EULER_GAMMA, broadcastShapes, commonFloatDtype, log1mexp, toFloat } from "./internal.js";

export interface GumbelParams extends DistributionOptions {
  loc: ArrayLike;
  scale: ArrayLike;
}

export class Gumbel extends Distribution {
  readonly loc: NDArray;
  readonly scale: NDArray;

  constructor(params: GumbelParams) {
    super(params);
    const dtype = commonFloatDtype([params.loc, params.scale]);
    this.loc = toFloat(params.loc, dtype);
    this.scale = toFloat(params.scale, dtype);
    this.validateParameters();
  }
  get batchShape(): number[] {
    return broadcastShapes("Gumbel", this.loc.shape, this.scale.shape);
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
    const g = random.gumbel(key, [n, ...this.batchShape], { dtype: this.floatDtype });
    return np.add(np.multiply(g, this.scale), this.loc);
  }
  protected override _logProb(x: NDArray): NDArray {
    const z = this.z(x);
    return np.subtract(np.negative(np.add(z, np.exp(np.negative(z)))), np.log(this.scale));
  }
  protected override _logCdf(x: NDArray): NDArray {
    return np.negative(np.exp(np.negative(this.z(x))));
  }
  protected override _cdf(x: NDArray): NDArray {
    return np.exp(this._logCdf(x));
  }
  protected override _survivalFunction(x: NDArray): NDArray {
    return np.negative(np.expm1(this._logCdf(x)));
  }
  protected override _logSurvivalFunction(x: NDArray): NDArray {
    return log1mexp(this._logCdf(x));
  }
  protected override _quantile(p: NDArray): NDArray {
    return np.subtract(this.loc, np.multiply(this.scale, np.log(np.negative(np.log(p)))));
  }
  protected override _mean(): NDArray {
    return np.add(this.loc, np.multiply(this.scale, EULER_GAMMA));
  }
  protected override _mode(): NDArray {
    return this.loc;
  }
  protected override _stddev(): NDArray {
    return np.multiply(this.scale, Math.PI / Math.sqrt(6));
  }
  protected override _entropy(): NDArray {
    return np.add(np.log(this.scale), 1 + EULER_GAMMA);
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "real" };
  }
}
registerDistribution(Gumbel, ["loc", "scale"]);
