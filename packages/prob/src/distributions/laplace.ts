// Laplace(loc, scale) (TFP's tfd.Laplace): cdf and survival each use the branch that avoids cancellation.
import { NDArray, np, random, type ArrayLike, type DType } from "@fluxion/core";
import { Distribution, registerDistribution, type Check, type DistributionOptions } from "./distribution.js";
import type { EventSpace } from "./eventSpace.js";
import { broadcastShapes, commonFloatDtype, finfo, toFloat } from "./internal.js";

export interface LaplaceParams extends DistributionOptions {
  loc: ArrayLike;
  scale: ArrayLike;
}

/** P(Z <= z) for a standard Laplace, and its log, from the side of 0 that z is on. */
function laplaceCdf(z: NDArray): NDArray {
  const e = np.exp(np.negative(np.abs(z)));
  return np.where(np.less(z, 0), np.multiply(0.5, e), np.subtract(1, np.multiply(0.5, e)));
}
function laplaceLogCdf(z: NDArray): NDArray {
  const negative = np.less(z, 0);
  const lower = np.add(np.where(negative, z, 0), -Math.LN2);
  const upper = np.log1p(np.multiply(-0.5, np.exp(np.negative(np.where(negative, 0, z)))));
  return np.where(negative, lower, upper);
}

export class Laplace extends Distribution {
  readonly loc: NDArray;
  readonly scale: NDArray;

  constructor(params: LaplaceParams) {
    super(params);
    const dtype = commonFloatDtype([params.loc, params.scale]);
    this.loc = toFloat(params.loc, dtype);
    this.scale = toFloat(params.scale, dtype);
    this.validateParameters();
  }
  get batchShape(): number[] {
    return broadcastShapes("Laplace", this.loc.shape, this.scale.shape);
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
  // u uniform in (-1, 1) excluding its endpoints; x = loc - scale sign(u) log(1 - |u|) (TFP's sampler).
  protected override _sampleN(key: NDArray, n: number): NDArray {
    const eps = finfo(this.floatDtype).eps;
    const u = random.uniform(key, [n, ...this.batchShape], { dtype: this.floatDtype, minval: -1 + eps / 2, maxval: 1 });
    return np.subtract(this.loc, np.multiply(np.multiply(this.scale, np.sign(u)), np.log1p(np.negative(np.abs(u)))));
  }
  protected override _logProb(x: NDArray): NDArray {
    return np.subtract(np.negative(np.abs(this.z(x))), np.add(np.log(this.scale), Math.LN2));
  }
  protected override _cdf(x: NDArray): NDArray {
    return laplaceCdf(this.z(x));
  }
  protected override _logCdf(x: NDArray): NDArray {
    return laplaceLogCdf(this.z(x));
  }
  protected override _survivalFunction(x: NDArray): NDArray {
    return laplaceCdf(np.negative(this.z(x)));
  }
  protected override _logSurvivalFunction(x: NDArray): NDArray {
    return laplaceLogCdf(np.negative(this.z(x)));
  }
  // loc + scale log(2p) below the median, loc - scale log(2(1 - p)) above: p - 1/2 would lose a small p's digits.
  protected override _quantile(p: NDArray): NDArray {
    const lower = np.less(p, 0.5);
    const tail = np.where(lower, p, np.subtract(1, p));
    const magnitude = np.log(np.multiply(2, tail));
    return np.add(this.loc, np.multiply(this.scale, np.where(lower, magnitude, np.negative(magnitude))));
  }
  protected override _mean(): NDArray {
    return this.loc;
  }
  protected override _mode(): NDArray {
    return this.loc;
  }
  protected override _stddev(): NDArray {
    return np.multiply(this.scale, Math.SQRT2);
  }
  protected override _entropy(): NDArray {
    return np.add(np.log(this.scale), 1 + Math.LN2);
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "real" };
  }
}
registerDistribution(Laplace, ["loc", "scale"]);
