// InverseGamma(concentration, scale) (TFP's tfd.InverseGamma): 1/X for X ~ Gamma(concentration, rate=scale).
import { NDArray, np, random, special, type ArrayLike, type DType } from "@fluxion/core";
import { Distribution, registerDistribution, type Check, type DistributionOptions } from "./distribution.js";
import type { EventSpace } from "./eventSpace.js";
import { broadcastShapes, broadcastTo, commonFloatDtype, gammainccinv, toFloat } from "./internal.js";

export interface InverseGammaParams extends DistributionOptions {
  concentration: ArrayLike;
  scale: ArrayLike;
}

export class InverseGamma extends Distribution {
  readonly concentration: NDArray;
  readonly scale: NDArray;

  constructor(params: InverseGammaParams) {
    super(params);
    const dtype = commonFloatDtype([params.concentration, params.scale]);
    this.concentration = toFloat(params.concentration, dtype);
    this.scale = toFloat(params.scale, dtype);
    this.validateParameters();
  }
  get batchShape(): number[] {
    return broadcastShapes("InverseGamma", this.concentration.shape, this.scale.shape);
  }
  get dtype(): DType {
    return this.concentration.dtype;
  }
  protected override _parameterChecks(): Check[] {
    return [
      { what: "concentration", ok: np.greater(this.concentration, 0), requirement: "positive", value: this.concentration },
      { what: "scale", ok: np.greater(this.scale, 0), requirement: "positive", value: this.scale },
    ];
  }
  protected override _valueChecks(x: NDArray): Check[] {
    return [{ what: "value", ok: np.greaterEqual(x, 0), requirement: "non-negative", value: x }];
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    const shape = [n, ...this.batchShape];
    return np.divide(this.scale, random.gamma(key, broadcastTo(this.concentration, shape), shape));
  }
  protected override _logProb(x: NDArray): NDArray {
    const inside = np.greater(x, 0);
    const safeX = np.where(inside, x, 1);
    const c = this.concentration;
    const lp = np.subtract(
      np.subtract(np.multiply(np.negative(np.add(c, 1)), np.log(safeX)), np.divide(this.scale, safeX)),
      np.subtract(special.gammaln(c), np.multiply(c, np.log(this.scale))),
    );
    return np.where(inside, lp, -Infinity);
  }
  private y(x: NDArray): NDArray {
    return np.divide(this.scale, np.maximum(x, 0));
  }
  protected override _cdf(x: NDArray): NDArray {
    return special.gammaincc(this.concentration, this.y(x));
  }
  protected override _survivalFunction(x: NDArray): NDArray {
    return special.gammainc(this.concentration, this.y(x));
  }
  protected override _quantile(p: NDArray): NDArray {
    return np.divide(this.scale, gammainccinv(this.concentration, p));
  }
  protected override _mean(): NDArray {
    const c = this.concentration;
    const ok = np.greater(c, 1);
    const value = np.divide(this.scale, np.subtract(np.where(ok, c, 2), 1));
    return this.undefinedStat("mean", broadcastTo(value, this.batchShape), broadcastTo(ok, this.batchShape), "concentration > 1");
  }
  protected override _variance(): NDArray {
    const c = this.concentration;
    const ok = np.greater(c, 2);
    const safe = np.where(ok, c, 3);
    const value = np.divide(np.square(this.scale), np.multiply(np.square(np.subtract(safe, 1)), np.subtract(safe, 2)));
    return this.undefinedStat("variance", broadcastTo(value, this.batchShape), broadcastTo(ok, this.batchShape), "concentration > 2");
  }
  protected override _mode(): NDArray {
    return np.divide(this.scale, np.add(this.concentration, 1));
  }
  protected override _entropy(): NDArray {
    const c = this.concentration;
    return np.subtract(np.add(np.add(c, np.log(this.scale)), special.gammaln(c)), np.multiply(np.add(c, 1), special.digamma(c)));
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "positive", via: "softplus" };
  }
}
registerDistribution(InverseGamma, ["concentration", "scale"]);
