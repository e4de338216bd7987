// Uniform(low, high) (TFP's tfd.Uniform): density on [low, high), cdf clipped to [0, 1].
import { NDArray, np, random, type ArrayLike, type DType } from "@fluxion/core";
import { Distribution, registerDistribution, type Check, type DistributionOptions } from "./distribution.js";
import type { EventSpace } from "./eventSpace.js";
import { broadcastShapes, commonFloatDtype, toFloat } from "./internal.js";

export interface UniformParams extends DistributionOptions {
  low?: ArrayLike;
  high?: ArrayLike;
}

export class Uniform extends Distribution {
  readonly low: NDArray;
  readonly high: NDArray;

  constructor(params: UniformParams = {}) {
    super(params);
    const dtype = commonFloatDtype([params.low, params.high]);
    this.low = toFloat(params.low ?? 0, dtype);
    this.high = toFloat(params.high ?? 1, dtype);
    this.validateParameters();
  }
  get batchShape(): number[] {
    return broadcastShapes("Uniform", this.low.shape, this.high.shape);
  }
  get dtype(): DType {
    return this.low.dtype;
  }
  private range(): NDArray {
    return np.subtract(this.high, this.low);
  }
  protected override _parameterChecks(): Check[] {
    return [{ what: "low", ok: np.less(this.low, this.high), requirement: "less than high", value: this.low }];
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    const u = random.uniform(key, [n, ...this.batchShape], { dtype: this.floatDtype });
    return np.add(this.low, np.multiply(this.range(), u));
  }
  protected override _logProb(x: NDArray): NDArray {
    const outside = np.logicalOr(np.less(x, this.low), np.greaterEqual(x, this.high));
    return np.where(outside, -Infinity, np.negative(np.log(this.range())));
  }
  protected override _prob(x: NDArray): NDArray {
    const outside = np.logicalOr(np.less(x, this.low), np.greaterEqual(x, this.high));
    return np.where(outside, 0, np.reciprocal(this.range()));
  }
  protected override _cdf(x: NDArray): NDArray {
    return np.clip(np.divide(np.subtract(x, this.low), this.range()), 0, 1);
  }
  protected override _survivalFunction(x: NDArray): NDArray {
    return np.clip(np.divide(np.subtract(this.high, x), this.range()), 0, 1);
  }
  protected override _quantile(p: NDArray): NDArray {
    return np.add(this.low, np.multiply(p, this.range()));
  }
  protected override _mean(): NDArray {
    return np.divide(np.add(this.low, this.high), 2);
  }
  protected override _variance(): NDArray {
    return np.divide(np.square(this.range()), 12);
  }
  protected override _entropy(): NDArray {
    return np.log(this.range());
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "interval", low: this.low, high: this.high };
  }
}
registerDistribution(Uniform, ["low", "high"]);
