// StudentT(df, loc, scale) (TFP's tfd.StudentT), with a two-branch cdf and quantile through the regularized
// incomplete beta so both the centre and the tails keep full relative accuracy.
import { NDArray, np, random, special, type ArrayLike, type DType } from "@fluxion/core";
import { Distribution, registerDistribution, type Check, type DistributionOptions } from "./distribution.js";
import type { EventSpace } from "./eventSpace.js";
import { broadcastShapes, broadcastTo, commonFloatDtype, log1psquare, toFloat } from "./internal.js";
import { splitKey } from "./sampling.js";

/**
 * P(T <= t) for T ~ t(df): near the centre (t^2 < df) 1/2 + sign(t)/2 I(t^2/(t^2+df); 1/2, df/2); in the tails
 * I(df/(df+t^2); df/2, 1/2)/2 (cephes stdtr's split, so neither branch subtracts nearly equal numbers).
 */
export function studentTCdf(df: NDArray, t: NDArray): NDArray {
  const t2 = np.square(t);
  const centre = np.less(t2, df);
  const safeT2Centre = np.where(centre, t2, 0);
  const safeT2Tail = np.where(centre, df, t2);
  const half = np.fullLike(df, 0.5);
  const centreValue = np.add(0.5, np.multiply(np.multiply(0.5, np.sign(t)), special.betainc(half, np.multiply(0.5, df), np.divide(safeT2Centre, np.add(safeT2Centre, df)))));
  const tailHalf = np.multiply(0.5, special.betainc(np.multiply(0.5, df), half, np.divide(df, np.add(df, safeT2Tail))));
  const tailValue = np.where(np.less(t, 0), tailHalf, np.subtract(1, tailHalf));
  return np.where(centre, centreValue, tailValue);
}

/**
 * |t| with P(|T| <= |t|) = c for T ~ t(df), i.e. the positive t with two-sided central probability c. Small c
 * inverts I(u; 1/2, df/2) = c (t^2 = df u/(1-u)); large c inverts the tail I(x; df/2, 1/2) = 1 - c (t^2 = df (1/x - 1)).
 */
export function studentTAbsQuantile(df: NDArray, central: NDArray, tail: NDArray): NDArray {
  const useCentre = np.less(central, 0.5);
  const half = np.fullLike(df, 0.5);
  const u = special.betaincinv(half, np.multiply(0.5, df), np.where(useCentre, central, 0.25));
  const x = special.betaincinv(np.multiply(0.5, df), half, np.where(useCentre, 0.5, tail));
  const t2Centre = np.divide(np.multiply(df, u), np.subtract(1, u));
  const t2Tail = np.multiply(df, np.subtract(np.divide(1, x), 1));
  return np.sqrt(np.where(useCentre, t2Centre, t2Tail));
}

/** log of the t(df) density normaliser: log(sqrt(df) B(df/2, 1/2)). */
function logNormalizer(df: NDArray): NDArray {
  return np.add(np.multiply(0.5, np.log(df)), special.betaln(np.multiply(0.5, df), np.fullLike(df, 0.5)));
}

/** Standard t(df) draws N / sqrt(G / (df/2)) with G ~ Gamma(df/2), reparameterized through the gamma sampler. */
export function standardStudentT(key: NDArray, df: NDArray, shape: readonly number[]): NDArray {
  const [normalKey, gammaKey] = splitKey(key, 2);
  const z = random.normal(normalKey!, [...shape], { dtype: df.dtype as "float32" | "float64" });
  const halfDf = broadcastTo(np.multiply(0.5, df), [...shape]);
  const g = random.gamma(gammaKey!, halfDf, [...shape]);
  return np.multiply(z, np.sqrt(np.divide(halfDf, g)));
}

export interface StudentTParams extends DistributionOptions {
  df: ArrayLike;
  loc: ArrayLike;
  scale: ArrayLike;
}

export class StudentT extends Distribution {
  readonly df: NDArray;
  readonly loc: NDArray;
  readonly scale: NDArray;

  constructor(params: StudentTParams) {
    super(params);
    const dtype = commonFloatDtype([params.df, params.loc, params.scale]);
    this.df = toFloat(params.df, dtype);
    this.loc = toFloat(params.loc, dtype);
    this.scale = toFloat(params.scale, dtype);
    this.validateParameters();
  }
  get batchShape(): number[] {
    return broadcastShapes("StudentT", this.df.shape, this.loc.shape, this.scale.shape);
  }
  get dtype(): DType {
    return this.loc.dtype;
  }
  protected override _parameterChecks(): Check[] {
    return [
      { what: "df", ok: np.greater(this.df, 0), requirement: "positive", value: this.df },
      { what: "scale", ok: np.greater(this.scale, 0), requirement: "positive", value: this.scale },
    ];
  }
  private z(x: NDArray): NDArray {
    return np.divide(np.subtract(x, this.loc), this.scale);
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    const t = standardStudentT(key, this.df, [n, ...this.batchShape]);
    return np.add(np.multiply(t, this.scale), this.loc);
  }
  protected override _logProb(x: NDArray): NDArray {
    const z = this.z(x);
    // log1p(z^2/df) as log1psquare(z/sqrt(df)) stays finite for huge |z|.
    const core = np.multiply(np.multiply(-0.5, np.add(this.df, 1)), log1psquare(np.divide(z, np.sqrt(this.df))));
    return np.subtract(core, np.add(logNormalizer(this.df), np.log(this.scale)));
  }
  protected override _cdf(x: NDArray): NDArray {
    return studentTCdf(this.df, this.z(x));
  }
  protected override _survivalFunction(x: NDArray): NDArray {
    return studentTCdf(this.df, np.negative(this.z(x)));
  }
  protected override _quantile(p: NDArray): NDArray {
    // central = |2p - 1|, tail = 2 min(p, 1 - p): each computed without cancellation.
    const central = np.abs(np.subtract(np.multiply(2, p), 1));
    const tail = np.multiply(2, np.minimum(p, np.subtract(1, p)));
    const t = np.multiply(np.sign(np.subtract(p, 0.5)), studentTAbsQuantile(this.df, central, tail));
    return np.add(np.multiply(t, this.scale), this.loc);
  }
  protected override _mean(): NDArray {
    return this.undefinedStat("mean", broadcastTo(this.loc, this.batchShape), broadcastTo(np.greater(this.df, 1), this.batchShape), "df > 1");
  }
  protected override _variance(): NDArray {
    const big = np.greater(this.df, 2);
    const denom = np.where(big, np.subtract(this.df, 2), 1);
    const finite = np.divide(np.multiply(np.square(this.scale), this.df), denom);
    const value = np.where(big, finite, Infinity);
    return this.undefinedStat("variance", broadcastTo(value, this.batchShape), broadcastTo(np.greater(this.df, 1), this.batchShape), "df > 1");
  }
  protected override _mode(): NDArray {
    return this.loc;
  }
  protected override _entropy(): NDArray {
    const halfDf = np.multiply(0.5, this.df);
    const halfDf1 = np.multiply(0.5, np.add(this.df, 1));
    const digammas = np.multiply(halfDf1, np.subtract(special.digamma(halfDf1), special.digamma(halfDf)));
    return np.add(np.add(digammas, logNormalizer(this.df)), np.log(this.scale));
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "real" };
  }
}
registerDistribution(StudentT, ["df", "loc", "scale"]);

export interface HalfStudentTParams extends StudentTParams {}

/** HalfStudentT(df, loc, scale): loc + |T| scale (TFP's tfd.HalfStudentT), support [loc, inf). */
export class HalfStudentT extends Distribution {
  readonly df: NDArray;
  readonly loc: NDArray;
  readonly scale: NDArray;

  constructor(params: HalfStudentTParams) {
    super(params);
    const dtype = commonFloatDtype([params.df, params.loc, params.scale]);
    this.df = toFloat(params.df, dtype);
    this.loc = toFloat(params.loc, dtype);
    this.scale = toFloat(params.scale, dtype);
    this.validateParameters();
  }
  get batchShape(): number[] {
    return broadcastShapes("HalfStudentT", this.df.shape, this.loc.shape, this.scale.shape);
  }
  get dtype(): DType {
    return this.loc.dtype;
  }
  protected override _parameterChecks(): Check[] {
    return [
      { what: "df", ok: np.greater(this.df, 0), requirement: "positive", value: this.df },
      { what: "scale", ok: np.greater(this.scale, 0), requirement: "positive", value: this.scale },
    ];
  }
  protected override _valueChecks(x: NDArray): Check[] {
    return [{ what: "value", ok: np.greaterEqual(x, this.loc), requirement: ">= loc", value: x }];
  }
  private z(x: NDArray): NDArray {
    return np.divide(np.maximum(np.subtract(x, this.loc), 0), this.scale);
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    const t = standardStudentT(key, this.df, [n, ...this.batchShape]);
    return np.add(np.multiply(np.abs(t), this.scale), this.loc);
  }
  protected override _logProb(x: NDArray): NDArray {
    const z = np.divide(np.subtract(x, this.loc), this.scale);
    const core = np.multiply(np.multiply(-0.5, np.add(this.df, 1)), log1psquare(np.divide(z, np.sqrt(this.df))));
    const lp = np.add(np.subtract(core, np.add(logNormalizer(this.df), np.log(this.scale))), Math.LN2);
    return np.where(np.less(x, this.loc), -Infinity, lp);
  }
  // P(|T| <= z) = 2 F(z) - 1, evaluated by the same two branches as the t cdf.
  protected override _cdf(x: NDArray): NDArray {
    return np.subtract(np.multiply(2, studentTCdf(this.df, this.z(x))), 1);
  }
  protected override _survivalFunction(x: NDArray): NDArray {
    return np.multiply(2, studentTCdf(this.df, np.negative(this.z(x))));
  }
  protected override _quantile(p: NDArray): NDArray {
    const t = studentTAbsQuantile(this.df, p, np.subtract(1, p));
    return np.add(np.multiply(t, this.scale), this.loc);
  }
  /** E|T| = 2 sqrt(df) Gamma((df+1)/2) / (sqrt(pi) (df - 1) Gamma(df/2)). */
  private absMoment(): NDArray {
    const safeDf = np.where(np.greater(this.df, 1), this.df, 2);
    const logRatio = np.subtract(special.gammaln(np.multiply(0.5, np.add(safeDf, 1))), special.gammaln(np.multiply(0.5, safeDf)));
    return np.divide(np.multiply(2, np.multiply(np.sqrt(safeDf), np.exp(logRatio))), np.multiply(Math.sqrt(Math.PI), np.subtract(safeDf, 1)));
  }
  protected override _mean(): NDArray {
    const value = np.add(this.loc, np.multiply(this.scale, this.absMoment()));
    return this.undefinedStat("mean", broadcastTo(value, this.batchShape), broadcastTo(np.greater(this.df, 1), this.batchShape), "df > 1");
  }
  protected override _variance(): NDArray {
    const big = np.greater(this.df, 2);
    const safeDf = np.where(big, this.df, 3);
    const second = np.divide(safeDf, np.subtract(safeDf, 2));
    const finite = np.multiply(np.square(this.scale), np.subtract(second, np.square(this.absMoment())));
    const value = np.where(big, finite, Infinity);
    return this.undefinedStat("variance", broadcastTo(value, this.batchShape), broadcastTo(np.greater(this.df, 1), this.batchShape), "df > 1");
  }
  protected override _mode(): NDArray {
    return this.loc;
  }
  protected override _entropy(): NDArray {
    const halfDf = np.multiply(0.5, this.df);
    const halfDf1 = np.multiply(0.5, np.add(this.df, 1));
    const digammas = np.multiply(halfDf1, np.subtract(special.digamma(halfDf1), special.digamma(halfDf)));
    return np.subtract(np.add(np.add(digammas, logNormalizer(this.df)), np.log(this.scale)), Math.LN2);
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "halfLine", low: this.loc, via: "softplus" };
  }
}
registerDistribution(HalfStudentT, ["df", "loc", "scale"]);
