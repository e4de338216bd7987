// TruncatedNormal(loc, scale, low, high) (TFP's tfd.TruncatedNormal): every normaliser is a difference of normal
// cdfs taken on the side of 0 where it does not cancel, in log space; sampling inverts that accurate cdf.
import { NDArray, np, special, type ArrayLike, type DType } from "@fluxion/core";
import { Distribution, registerDistribution, type Check, type DistributionOptions } from "./distribution.js";
import type { EventSpace } from "./eventSpace.js";
import { HALF_LOG_2PI, broadcastShapes, broadcastTo, commonFloatDtype, log1mexp, toFloat } from "./internal.js";
import { uniformOpen } from "./sampling.js";

/** log(exp(a) - exp(b)) and the sign of a - b. */
function logSubExp(a: NDArray, b: NDArray): [NDArray, NDArray] {
  const hi = np.maximum(a, b);
  const lo = np.minimum(a, b);
  const gap = np.subtract(lo, hi);
  // Equal (or both -inf) arguments give log 0 = -inf; keep the log1mexp argument finite for gradients.
  const same = np.logicalOr(np.equal(gap, 0), np.isnan(gap));
  const value = np.add(hi, log1mexp(np.where(same, -1, gap)));
  return [np.where(same, -Infinity, value), np.sign(np.subtract(a, b))];
}

/** log(Phi(x) - Phi(y)) for x >= y, reflected to the negative side when both are positive (as TFP). */
function logNdtrDifference(x: NDArray, y: NDArray): NDArray {
  const reflect = np.greaterEqual(y, 0);
  const xh = np.where(reflect, np.negative(y), x);
  const yh = np.where(reflect, np.negative(x), y);
  return logSubExp(special.logNdtr(xh), special.logNdtr(yh))[0];
}

const logPhi = (z: NDArray): NDArray => np.subtract(np.multiply(-0.5, np.square(z)), HALF_LOG_2PI);

/** z phi(z), taken as 0 at z = ±inf. */
function zPhi(z: NDArray): NDArray {
  const finite = np.isfinite(z);
  const safe = np.where(finite, z, 0);
  return np.where(finite, np.multiply(safe, np.exp(logPhi(safe))), 0);
}

export interface TruncatedNormalParams extends DistributionOptions {
  loc: ArrayLike;
  scale: ArrayLike;
  low: ArrayLike;
  high: ArrayLike;
}

export class TruncatedNormal extends Distribution {
  readonly loc: NDArray;
  readonly scale: NDArray;
  readonly low: NDArray;
  readonly high: NDArray;

  constructor(params: TruncatedNormalParams) {
    super(params);
    const dtype = commonFloatDtype([params.loc, params.scale, params.low, params.high]);
    this.loc = toFloat(params.loc, dtype);
    this.scale = toFloat(params.scale, dtype);
    this.low = toFloat(params.low, dtype);
    this.high = toFloat(params.high, dtype);
    this.validateParameters();
  }
  get batchShape(): number[] {
    return broadcastShapes("TruncatedNormal", this.loc.shape, this.scale.shape, this.low.shape, this.high.shape);
  }
  get dtype(): DType {
    return this.loc.dtype;
  }
  protected override _parameterChecks(): Check[] {
    return [
      { what: "scale", ok: np.greater(this.scale, 0), requirement: "positive", value: this.scale },
      { what: "low", ok: np.less(this.low, this.high), requirement: "less than high", value: this.low },
    ];
  }
  protected override _valueChecks(x: NDArray): Check[] {
    return [{ what: "value", ok: np.logicalAnd(np.greaterEqual(x, this.low), np.lessEqual(x, this.high)), requirement: "in [low, high]", value: x }];
  }
  private standardized(): [NDArray, NDArray] {
    return [np.divide(np.subtract(this.low, this.loc), this.scale), np.divide(np.subtract(this.high, this.loc), this.scale)];
  }
  /** log Z = log(Phi(b) - Phi(a)). */
  private logNormalizer(a: NDArray, b: NDArray): NDArray {
    return logNdtrDifference(b, a);
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    const u = uniformOpen(key, [n, ...this.batchShape], this.floatDtype);
    return np.clip(this._quantile(u), this.low, this.high);
  }
  protected override _logProb(x: NDArray): NDArray {
    const [a, b] = this.standardized();
    const z = np.divide(np.subtract(x, this.loc), this.scale);
    const lp = np.subtract(logPhi(z), np.add(np.log(this.scale), this.logNormalizer(a, b)));
    return np.where(np.logicalOr(np.less(x, this.low), np.greater(x, this.high)), -Infinity, lp);
  }
  protected override _logCdf(x: NDArray): NDArray {
    const [a, b] = this.standardized();
    const z = np.clip(np.divide(np.subtract(x, this.loc), this.scale), a, b);
    const lc = np.subtract(logNdtrDifference(z, a), this.logNormalizer(a, b));
    return np.where(np.greater(x, this.high), 0, np.where(np.less(x, this.low), -Infinity, lc));
  }
  protected override _cdf(x: NDArray): NDArray {
    return np.exp(this._logCdf(x));
  }
  protected override _logSurvivalFunction(x: NDArray): NDArray {
    const [a, b] = this.standardized();
    const z = np.clip(np.divide(np.subtract(x, this.loc), this.scale), a, b);
    const ls = np.subtract(logNdtrDifference(b, z), this.logNormalizer(a, b));
    return np.where(np.greater(x, this.high), -Infinity, np.where(np.less(x, this.low), 0, ls));
  }
  protected override _survivalFunction(x: NDArray): NDArray {
    return np.exp(this._logSurvivalFunction(x));
  }
  // Phi^-1(Phi(a)(1-p) + Phi(b)p), mirrored to -Phi^-1(Phi(-a)(1-p) + Phi(-b)p) when a >= 0 so the argument of
  // ndtri never sits next to 1.
  protected override _quantile(p: NDArray): NDArray {
    const [a, b] = this.standardized();
    const reflect = np.greaterEqual(a, 0);
    const lo = np.where(reflect, np.negative(a), a);
    const hi = np.where(reflect, np.negative(b), b);
    const mix = np.add(np.multiply(special.ndtr(lo), np.subtract(1, p)), np.multiply(special.ndtr(hi), p));
    const q = special.ndtri(mix);
    return np.add(this.loc, np.multiply(this.scale, np.where(reflect, np.negative(q), q)));
  }
  protected override _mean(): NDArray {
    const [a, b] = this.standardized();
    const [lse, sign] = logSubExp(logPhi(a), logPhi(b));
    return np.add(this.loc, np.multiply(np.multiply(this.scale, sign), np.exp(np.subtract(lse, this.logNormalizer(a, b)))));
  }
  protected override _variance(): NDArray {
    const [a, b] = this.standardized();
    const logZ = this.logNormalizer(a, b);
    const first = np.divide(np.subtract(zPhi(a), zPhi(b)), np.exp(logZ));
    const second = np.exp(np.multiply(2, np.subtract(logSubExp(logPhi(a), logPhi(b))[0], logZ)));
    return np.multiply(np.square(this.scale), np.subtract(np.add(1, first), second));
  }
  protected override _mode(): NDArray {
    return np.clip(broadcastTo(this.loc, this.batchShape), this.low, this.high);
  }
  protected override _entropy(): NDArray {
    const [a, b] = this.standardized();
    const logZ = this.logNormalizer(a, b);
    const edge = np.divide(np.multiply(0.5, np.subtract(zPhi(a), zPhi(b))), np.exp(logZ));
    return np.add(np.add(np.add(np.log(this.scale), logZ), edge), 0.5 + HALF_LOG_2PI);
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "interval", low: this.low, high: this.high };
  }
}
registerDistribution(TruncatedNormal, ["loc", "scale", "low", "high"]);
