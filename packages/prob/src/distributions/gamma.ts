// Gamma(concentration, rate | logRate), Exponential(rate) and Chi2(df) (TFP's tfd.Gamma, tfd.Exponential,
// tfd.Chi2): densities in log space, cdfs through the regularized incomplete gamma functions.
import { NDArray, np, random, special, type ArrayLike, type DType } from "@fluxion/core";
import { Distribution, registerDistribution, type Check, type DistributionOptions } from "./distribution.js";
import type { EventSpace } from "./eventSpace.js";
import { broadcastShapes, broadcastTo, commonFloatDtype, log1mexp, toFloat, xlogy } from "./internal.js";

/** log density of Gamma(c, rate) at x, -inf for x < 0. */
function gammaLogProb(x: NDArray, c: NDArray, rate: NDArray, logRate: NDArray): NDArray {
  const inside = np.greaterEqual(x, 0);
  const safeX = np.where(inside, x, 1);
  const lp = np.add(np.subtract(xlogy(np.subtract(c, 1), safeX), np.multiply(rate, safeX)), np.subtract(np.multiply(c, logRate), special.gammaln(c)));
  return np.where(inside, lp, -Infinity);
}

function gammaEntropy(c: NDArray, logRate: NDArray): NDArray {
  return np.add(np.subtract(c, logRate), np.add(special.gammaln(c), np.multiply(np.subtract(1, c), special.digamma(c))));
}

export interface GammaParams extends DistributionOptions {
  concentration: ArrayLike;
  rate?: ArrayLike | null;
  logRate?: ArrayLike | null;
}

export class Gamma extends Distribution {
  readonly concentration: NDArray;
  readonly rate: NDArray | null;
  readonly logRate: NDArray | null;

  constructor(params: GammaParams) {
    super(params);
    const hasRate = params.rate !== undefined && params.rate !== null;
    const hasLogRate = params.logRate !== undefined && params.logRate !== null;
    if (hasRate === hasLogRate) throw new Error("Gamma: pass exactly one of rate and logRate.");
    const dtype = commonFloatDtype([params.concentration, params.rate, params.logRate]);
    this.concentration = toFloat(params.concentration, dtype);
    this.rate = hasRate ? toFloat(params.rate!, dtype) : null;
    this.logRate = hasLogRate ? toFloat(params.logRate!, dtype) : null;
    this.validateParameters();
  }
  get batchShape(): number[] {
    return broadcastShapes("Gamma", this.concentration.shape, (this.rate ?? this.logRate)!.shape);
  }
  get dtype(): DType {
    return this.concentration.dtype;
  }
  /** The rate, whichever parameterization was given. */
  rateParameter(): NDArray {
    return this.rate ?? np.exp(this.logRate!);
  }
  logRateParameter(): NDArray {
    return this.logRate ?? np.log(this.rate!);
  }
  protected override _parameterChecks(): Check[] {
    const checks: Check[] = [{ what: "concentration", ok: np.greater(this.concentration, 0), requirement: "positive", value: this.concentration }];
    if (this.rate) checks.push({ what: "rate", ok: np.greater(this.rate, 0), requirement: "positive", value: this.rate });
    return checks;
  }
  protected override _valueChecks(x: NDArray): Check[] {
    return [{ what: "value", ok: np.greaterEqual(x, 0), requirement: "non-negative", value: x }];
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    const shape = [n, ...this.batchShape];
    const g = random.gamma(key, broadcastTo(this.concentration, shape), shape);
    return np.divide(g, this.rateParameter());
  }
  protected override _logProb(x: NDArray): NDArray {
    return gammaLogProb(x, this.concentration, this.rateParameter(), this.logRateParameter());
  }
  protected override _cdf(x: NDArray): NDArray {
    return special.gammainc(this.concentration, np.multiply(this.rateParameter(), np.maximum(x, 0)));
  }
  protected override _survivalFunction(x: NDArray): NDArray {
    return special.gammaincc(this.concentration, np.multiply(this.rateParameter(), np.maximum(x, 0)));
  }
  protected override _quantile(p: NDArray): NDArray {
    return np.divide(special.gammaincinv(this.concentration, p), this.rateParameter());
  }
  protected override _mean(): NDArray {
    return np.divide(this.concentration, this.rateParameter());
  }
  protected override _variance(): NDArray {
    return np.divide(this.concentration, np.square(this.rateParameter()));
  }
  protected override _stddev(): NDArray {
    return np.divide(np.sqrt(this.concentration), this.rateParameter());
  }
  protected override _mode(): NDArray {
    const mode = np.divide(np.subtract(this.concentration, 1), this.rateParameter());
    return this.undefinedStat("mode", broadcastTo(mode, this.batchShape), broadcastTo(np.greater(this.concentration, 1), this.batchShape), "concentration > 1");
  }
  protected override _entropy(): NDArray {
    return gammaEntropy(this.concentration, this.logRateParameter());
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "positive", via: "softplus" };
  }
}
registerDistribution(Gamma, ["concentration", "rate", "logRate"]);

export interface ExponentialParams extends DistributionOptions {
  rate: ArrayLike;
}

/** Exponential(rate): Gamma(1, rate), with closed-form cdf, survival and quantile. */
export class Exponential extends Distribution {
  readonly rate: NDArray;

  constructor(params: ExponentialParams) {
    super(params);
    this.rate = toFloat(params.rate, commonFloatDtype([params.rate]));
    this.validateParameters();
  }
  get batchShape(): number[] {
    return [...this.rate.shape];
  }
  get dtype(): DType {
    return this.rate.dtype;
  }
  protected override _parameterChecks(): Check[] {
    return [{ what: "rate", ok: np.greater(this.rate, 0), requirement: "positive", value: this.rate }];
  }
  protected override _valueChecks(x: NDArray): Check[] {
    return [{ what: "value", ok: np.greaterEqual(x, 0), requirement: "non-negative", value: x }];
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    const e = random.exponential(key, [n, ...this.batchShape], { dtype: this.floatDtype });
    return np.divide(e, this.rate);
  }
  protected override _logProb(x: NDArray): NDArray {
    const lp = np.subtract(np.log(this.rate), np.multiply(this.rate, x));
    return np.where(np.less(x, 0), -Infinity, lp);
  }
  protected override _cdf(x: NDArray): NDArray {
    return np.negative(np.expm1(np.negative(np.multiply(this.rate, np.maximum(x, 0)))));
  }
  protected override _logCdf(x: NDArray): NDArray {
    return log1mexp(np.negative(np.multiply(this.rate, np.maximum(x, 0))));
  }
  protected override _survivalFunction(x: NDArray): NDArray {
    return np.exp(this._logSurvivalFunction(x));
  }
  protected override _logSurvivalFunction(x: NDArray): NDArray {
    return np.negative(np.multiply(this.rate, np.maximum(x, 0)));
  }
  protected override _quantile(p: NDArray): NDArray {
    return np.divide(np.negative(np.log1p(np.negative(p))), this.rate);
  }
  protected override _mean(): NDArray {
    return np.reciprocal(this.rate);
  }
  protected override _stddev(): NDArray {
    return np.reciprocal(this.rate);
  }
  protected override _mode(): NDArray {
    return np.zerosLike(this.rate);
  }
  protected override _entropy(): NDArray {
    return np.subtract(1, np.log(this.rate));
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "positive", via: "softplus" };
  }
}
registerDistribution(Exponential, ["rate"]);

export interface Chi2Params extends DistributionOptions {
  df: ArrayLike;
}

/** Chi2(df): Gamma(df / 2, 1 / 2). */
export class Chi2 extends Distribution {
  readonly df: NDArray;

  constructor(params: Chi2Params) {
    super(params);
    this.df = toFloat(params.df, commonFloatDtype([params.df]));
    this.validateParameters();
  }
  get batchShape(): number[] {
    return [...this.df.shape];
  }
  get dtype(): DType {
    return this.df.dtype;
  }
  private half(): NDArray {
    return np.multiply(0.5, this.df);
  }
  protected override _parameterChecks(): Check[] {
    return [{ what: "df", ok: np.greater(this.df, 0), requirement: "positive", value: this.df }];
  }
  protected override _valueChecks(x: NDArray): Check[] {
    return [{ what: "value", ok: np.greaterEqual(x, 0), requirement: "non-negative", value: x }];
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    const shape = [n, ...this.batchShape];
    return np.multiply(2, random.gamma(key, broadcastTo(this.half(), shape), shape));
  }
  protected override _logProb(x: NDArray): NDArray {
    return gammaLogProb(x, this.half(), np.fullLike(this.df, 0.5), np.fullLike(this.df, -Math.LN2));
  }
  protected override _cdf(x: NDArray): NDArray {
    return special.gammainc(this.half(), np.multiply(0.5, np.maximum(x, 0)));
  }
  protected override _survivalFunction(x: NDArray): NDArray {
    return special.gammaincc(this.half(), np.multiply(0.5, np.maximum(x, 0)));
  }
  protected override _quantile(p: NDArray): NDArray {
    return np.multiply(2, special.gammaincinv(this.half(), p));
  }
  protected override _mean(): NDArray {
    return this.df;
  }
  protected override _variance(): NDArray {
    return np.multiply(2, this.df);
  }
  protected override _mode(): NDArray {
    return this.undefinedStat("mode", np.subtract(this.df, 2), np.greater(this.df, 2), "df > 2");
  }
  protected override _entropy(): NDArray {
    return gammaEntropy(this.half(), np.fullLike(this.df, -Math.LN2));
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "positive", via: "softplus" };
  }
}
registerDistribution(Chi2, ["df"]);
