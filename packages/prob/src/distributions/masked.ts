// Masked({distribution, validityMask}) (TFP's tfd.Masked): invalid batch members contribute log-probability 0 and
// draw a fixed safe sample, so a ragged batch can be evaluated as one array program.
import { NDArray, np, type ArrayLike } from "@fluxion/core";
import { stopGradient } from "@fluxion/transforms";
import { Distribution, registerDistribution, type DistributionOptions } from "./distribution.js";
import type { EventSpace } from "./eventSpace.js";
import { broadcastShapes, broadcastTo } from "./internal.js";
import { WrappingDistribution } from "./wrapping.js";

export interface MaskedParams extends DistributionOptions {
  distribution: Distribution;
  /** true (or nonzero) where the batch member is valid; broadcasts with the distribution's batch shape. */
  validityMask: ArrayLike;
}

export class Masked extends WrappingDistribution {
  /**
   * 1 where valid, 0 where masked, in the distribution's float dtype (read as valid where > 1/2): a float leaf
   * keeps the pytree differentiable as a whole (grad over a bool leaf is an error); its own gradient is zero.
   */
  readonly validityMask: NDArray;

  constructor(params: MaskedParams) {
    super(params, "Masked");
    const m = params.validityMask instanceof NDArray ? params.validityMask : np.asarray(params.validityMask);
    this.validityMask = np.astype(m.dtype === "bool" ? m : np.notEqual(m, 0), params.distribution.floatDtype);
  }
  get batchShape(): number[] {
    return broadcastShapes("Masked", this.distribution.batchShape, this.validityMask.shape);
  }
  override get eventShape(): number[] {
    return this.distribution.eventShape;
  }
  /** The boolean mask with unit event axes appended. */
  private eventMask(extraAxes: number): NDArray {
    const valid = np.greater(this.validityMask, 0.5);
    return extraAxes ? np.reshape(valid, [...valid.shape, ...Array(extraAxes).fill(1)]) : valid;
  }
  /** TFP's default safe sample: one draw with the all-zeros key, gradient stopped. */
  private safeSample(): NDArray {
    return stopGradient(this.distribution.sample(np.zeros([2], "uint32"))) as NDArray;
  }
  private masked(value: NDArray, eventAxes: number, fill: NDArray | number): NDArray {
    return np.where(this.eventMask(eventAxes), value, fill);
  }
  private safeInput(x: NDArray): NDArray {
    return np.where(this.eventMask(this.eventShape.length), x, this.safeSample());
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    const shape = [n, ...this.batchShape];
    const inner = this.distribution.batchShape;
    const extra = shape.slice(0, shape.length - inner.length);
    const draws = broadcastTo(this.distribution.sample(key, extra), [...shape, ...this.eventShape]);
    return np.where(this.eventMask(this.eventShape.length), draws, this.safeSample());
  }
  protected override _logProb(x: NDArray): NDArray {
    return this.masked(this.distribution.logProb(this.safeInput(x)), 0, 0);
  }
  protected override _prob(x: NDArray): NDArray {
    return this.masked(this.distribution.prob(this.safeInput(x)), 0, 1);
  }
  protected override _logCdf(x: NDArray): NDArray {
    return this.masked(this.distribution.logCdf(this.safeInput(x)), 0, 0);
  }
  protected override _cdf(x: NDArray): NDArray {
    return this.masked(this.distribution.cdf(this.safeInput(x)), 0, 1);
  }
  protected override _logSurvivalFunction(x: NDArray): NDArray {
    return this.masked(this.distribution.logSurvivalFunction(this.safeInput(x)), 0, -Infinity);
  }
  protected override _survivalFunction(x: NDArray): NDArray {
    return this.masked(this.distribution.survivalFunction(this.safeInput(x)), 0, 0);
  }
  protected override _entropy(): NDArray {
    return this.masked(this.distribution.entropy(), 0, 0);
  }
  protected override _mean(): NDArray {
    return this.masked(this.distribution.mean(), this.eventShape.length, this.safeSample());
  }
  protected override _mode(): NDArray {
    return this.masked(this.distribution.mode(), this.eventShape.length, this.safeSample());
  }
  protected override _variance(): NDArray {
    return this.masked(this.distribution.variance(), this.eventShape.length, 0);
  }
  protected override _stddev(): NDArray {
    return this.masked(this.distribution.stddev(), this.eventShape.length, 0);
  }
  protected override _covariance(): NDArray {
    return this.masked(this.distribution.covariance(), 2 * this.eventShape.length, 0);
  }
  protected override _quantile(p: NDArray): NDArray {
    return this.masked(this.distribution.quantile(p), this.eventShape.length, this.safeSample());
  }
  protected override _eventSpace(): EventSpace {
    return this.distribution.eventSpace();
  }
}
registerDistribution(Masked, ["distribution", "validityMask"]);

