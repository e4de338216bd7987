// Weibull(concentration, scale) (TFP's tfd.Weibull) in closed form: with t = (x/scale)^k, cdf = -expm1(-t).
import { NDArray, np, special, type ArrayLike, type DType } from "@fluxion/core";
import { Distribution, registerDistribution, type Check, type DistributionOptions } from "./distribution.js";
import type { EventSpace } from "./eventSpace.js";
import { EULER_GAMMA, broadcastShapes, commonFloatDtype, log1mexp, toFloat } from "./internal.js";
import { uniformOpen } from "./sampling.js";

export interface WeibullParams extends DistributionOptions {
  concentration: ArrayLike;
  scale: ArrayLike;
}

export class Weibull extends Distribution {
  readonly concentration: NDArray;
  readonly scale: NDArray;

  constructor(params: WeibullParams) {
    super(params);
    const dtype = commonFloatDtype([params.concentration, params.scale]);
    this.concentration = toFloat(params.concentration, dtype);
    this.scale = toFloat(params.scale, dtype);
    this.validateParameters();
  }
  get batchShape(): number[] {
    return broadcastShapes("Weibull", this.concentration.shape, this.scale.shape);
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
  /** (x / scale)^k for x >= 0. */
  private t(x: NDArray): NDArray {
    return np.power(np.divide(np.maximum(x, 0), this.scale), this.concentration);
  }
  // Inverse cdf of a uniform: scale (-log u)^(1/k), with u in (0, 1).
  protected override _sampleN(key: NDArray, n: number): NDArray {
    const u = uniformOpen(key, [n, ...this.batchShape], this.floatDtype);
    return np.multiply(this.scale, np.power(np.negative(np.log(u)), np.reciprocal(this.concentration)));
  }
  protected override _logProb(x: NDArray): NDArray {
    const inside = np.greaterEqual(x, 0);
    const safeX = np.where(inside, x, 1);
    const k = this.concentration;
    const logZ = np.subtract(np.log(safeX), np.log(this.scale));
    const lp = np.subtract(np.add(np.subtract(np.log(k), np.log(this.scale)), np.multiply(np.subtract(k, 1), logZ)), np.exp(np.multiply(k, logZ)));
    return np.where(inside, lp, -Infinity);
  }
  protected override _cdf(x: NDArray): NDArray {
    return np.negative(np.expm1(np.negative(this.t(x))));
  }
  protected override _logCdf(x: NDArray): NDArray {
    return log1mexp(np.negative(this.t(x)));
  }
  protected override _survivalFunction(x: NDArray): NDArray {
    return np.exp(np.negative(this.t(x)));
  }
  protected override _logSurvivalFunction(x: NDArray): NDArray {
    return np.negative(this.t(x));
  }
  protected override _quantile(p: NDArray): NDArray {
    return np.multiply(this.scale, np.power(np.negative(np.log1p(np.negative(p))), np.reciprocal(this.concentration)));
  }
  protected override _mean(): NDArray {
    return np.multiply(this.scale, np.exp(special.gammaln(np.add(1, np.reciprocal(this.concentration)))));
  }
  protected override _variance(): NDArray {
    const k = this.concentration;
    const g1 = special.gammaln(np.add(1, np.reciprocal(k)));
    const g2 = special.gammaln(np.add(1, np.divide(2, k)));
    return np.multiply(np.square(this.scale), np.subtract(np.exp(g2), np.exp(np.multiply(2, g1))));
  }
  // ((k-1)/k)^(1/k) scale for k > 1; the density peaks at 0 otherwise.
  protected override _mode(): NDArray {
    const k = this.concentration;
    const big = np.greater(k, 1);
    const safeK = np.where(big, k, 2);
    const mode = np.multiply(this.scale, np.power(np.divide(np.subtract(safeK, 1), safeK), np.reciprocal(safeK)));
    return np.where(big, mode, 0);
  }
  protected override _entropy(): NDArray {
    const k = this.concentration;
    return np.add(np.add(np.multiply(EULER_GAMMA, np.subtract(1, np.reciprocal(k))), np.subtract(np.log(this.scale), np.log(k))), 1);
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "positive", via: "softplus" };
  }
}
registerDistribution(Weibull, ["concentration", "scale"]);
