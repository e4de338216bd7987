// Binomial(totalCount, logits | probs) and BetaBinomial(totalCount, concentration1, concentration0) (TFP's
// tfd.Binomial, tfd.BetaBinomial): binomial coefficients as -log(n + 1) - betaln(k + 1, n - k + 1), which stays
// accurate for large counts; the binomial cdf through the regularized incomplete beta.
import { NDArray, np, random, special, type ArrayLike, type DType } from "@fluxion/core";
import { Distribution, registerDistribution, type Check, type DistributionOptions } from "./distribution.js";
import type { EventSpace } from "./eventSpace.js";
import { broadcastShapes, broadcastTo, commonFloatDtype, isInteger, softplus, toFloat, type FloatDType } from "./internal.js";
import { type LogitsOrProbs, logitsOrProbs, mulNoNan } from "./bernoulli.js";
import { sampleBinomial, splitKey } from "./sampling.js";

/** log C(n, k). */
export function logChoose(n: NDArray, k: NDArray): NDArray {
  return np.negative(np.add(np.log1p(n), special.betaln(np.add(k, 1), np.add(np.subtract(n, k), 1))));
}

export interface BinomialParams extends DistributionOptions, LogitsOrProbs {
  totalCount: ArrayLike;
}

export class Binomial extends Distribution {
  readonly totalCount: NDArray;
  readonly logits: NDArray | null;
  readonly probs: NDArray | null;

  constructor(params: BinomialParams) {
    super(params);
    const dtype = commonFloatDtype([params.totalCount, params.logits, params.probs]);
    this.totalCount = toFloat(params.totalCount, dtype);
    [this.logits, this.probs] = logitsOrProbs("Binomial", params, dtype);
    this.validateParameters();
  }
  get batchShape(): number[] {
    return broadcastShapes("Binomial", this.totalCount.shape, (this.logits ?? this.probs)!.shape);
  }
  get dtype(): DType {
    return this.totalCount.dtype;
  }
  override get floatDtype(): FloatDType {
    return this.dtype as FloatDType;
  }
  override get reparameterizationType(): "NOT_REPARAMETERIZED" {
    return "NOT_REPARAMETERIZED";
  }
  probsParameter(): NDArray {
    return this.probs ?? special.expit(this.logits!);
  }
  logitsParameter(): NDArray {
    return this.logits ?? np.subtract(np.log(this.probs!), np.log1p(np.negative(this.probs!)));
  }
  protected override _parameterChecks(): Check[] {
    const checks: Check[] = [{ what: "totalCount", ok: np.logicalAnd(np.greaterEqual(this.totalCount, 0), isInteger(this.totalCount)), requirement: "a non-negative integer", value: this.totalCount }];
    if (this.probs) checks.push({ what: "probs", ok: np.logicalAnd(np.greaterEqual(this.probs, 0), np.lessEqual(this.probs, 1)), requirement: "in [0, 1]", value: this.probs });
    return checks;
  }
  protected override _valueChecks(x: NDArray): Check[] {
    return [{ what: "value", ok: np.logicalAnd(isInteger(x), np.logicalAnd(np.greaterEqual(x, 0), np.lessEqual(x, this.totalCount))), requirement: "an integer in [0, totalCount]", value: x }];
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    return sampleBinomial(key, this.totalCount, this.probsParameter(), [n, ...this.batchShape]);
  }
  protected override _logProb(x: NDArray): NDArray {
    const n = this.totalCount;
    const [log0, log1] = this.logits
      ? [np.negative(softplus(this.logits)), np.negative(softplus(np.negative(this.logits)))]
      : [np.log1p(np.negative(this.probs!)), np.log(this.probs!)];
    const lp = np.add(np.add(logChoose(n, x), mulNoNan(x, log1)), mulNoNan(np.subtract(n, x), log0));
    return np.where(np.logicalOr(np.less(x, 0), np.greater(x, n)), -Infinity, lp);
  }
  // P(X <= k) = I_{1-p}(n - k, k + 1) for 0 <= k < n.
  protected override _cdf(x: NDArray): NDArray {
    const n = this.totalCount;
    const k = np.floor(x);
    const inner = np.logicalAnd(np.greaterEqual(k, 0), np.less(k, n));
    const safeK = np.where(inner, k, 0);
    const safeN = np.where(inner, n, 1);
    const p = this.probsParameter();
    const value = special.betainc(np.subtract(safeN, safeK), np.add(safeK, 1), np.subtract(1, p));
    return np.where(np.less(k, 0), 0, np.where(np.greaterEqual(k, n), 1, value));
  }
  protected override _mean(): NDArray {
    return np.multiply(this.totalCount, this.probsParameter());
  }
  protected override _variance(): NDArray {
    const p = this.probsParameter();
    return np.multiply(np.multiply(this.totalCount, p), np.subtract(1, p));
  }
  protected override _mode(): NDArray {
    return np.minimum(np.floor(np.multiply(np.add(this.totalCount, 1), this.probsParameter())), this.totalCount);
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "discrete" };
  }
}
registerDistribution(Binomial, ["totalCount", "logits", "probs"]);

export interface BetaBinomialParams extends DistributionOptions {
  totalCount: ArrayLike;
  concentration1: ArrayLike;
  concentration0: ArrayLike;
}

export class BetaBinomial extends Distribution {
  readonly totalCount: NDArray;
  readonly concentration1: NDArray;
  readonly concentration0: NDArray;

  constructor(params: BetaBinomialParams) {
    super(params);
    const dtype = commonFloatDtype([params.totalCount, params.concentration1, params.concentration0]);
    this.totalCount = toFloat(params.totalCount, dtype);
    this.concentration1 = toFloat(params.concentration1, dtype);
    this.concentration0 = toFloat(params.concentration0, dtype);
    this.validateParameters();
  }
  get batchShape(): number[] {
    return broadcastShapes("BetaBinomial", this.totalCount.shape, this.concentration1.shape, this.concentration0.shape);
  }
  get dtype(): DType {
    return this.totalCount.dtype;
  }
  override get floatDtype(): FloatDType {
    return this.dtype as FloatDType;
  }
  override get reparameterizationType(): "NOT_REPARAMETERIZED" {
    return "NOT_REPARAMETERIZED";
  }
  protected override _parameterChecks(): Check[] {
    return [
      { what: "totalCount", ok: np.logicalAnd(np.greaterEqual(this.totalCount, 0), isInteger(this.totalCount)), requirement: "a non-negative integer", value: this.totalCount },
      { what: "concentration1", ok: np.greater(this.concentration1, 0), requirement: "positive", value: this.concentration1 },
      { what: "concentration0", ok: np.greater(this.concentration0, 0), requirement: "positive", value: this.concentration0 },
    ];
  }
  protected override _valueChecks(x: NDArray): Check[] {
    return [{ what: "value", ok: np.logicalAnd(isInteger(x), np.logicalAnd(np.greaterEqual(x, 0), np.lessEqual(x, this.totalCount))), requirement: "an integer in [0, totalCount]", value: x }];
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    const shape = [n, ...this.batchShape];
    const [betaKey, binomialKey] = splitKey(key, 2);
    const p = random.beta(betaKey!, broadcastTo(this.concentration1, shape), broadcastTo(this.concentration0, shape), shape);
    return sampleBinomial(binomialKey!, this.totalCount, p, shape);
  }
  protected override _logProb(x: NDArray): NDArray {
    const n = this.totalCount;
    const c1 = this.concentration1;
    const c0 = this.concentration0;
    const inside = np.logicalAnd(np.greaterEqual(x, 0), np.lessEqual(x, n));
    const safeX = np.where(inside, x, 0);
    const lp = np.add(logChoose(n, safeX), np.subtract(special.betaln(np.add(safeX, c1), np.add(np.subtract(n, safeX), c0)), special.betaln(c1, c0)));
    return np.where(inside, lp, -Infinity);
  }
  protected override _mean(): NDArray {
    return np.divide(np.multiply(this.totalCount, this.concentration1), np.add(this.concentration1, this.concentration0));
  }
  protected override _variance(): NDArray {
    const n = this.totalCount;
    const total = np.add(this.concentration1, this.concentration0);
    const num = np.multiply(np.multiply(np.multiply(n, this.concentration1), this.concentration0), np.add(total, n));
    return np.divide(num, np.multiply(np.square(total), np.add(total, 1)));
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "discrete" };
  }
}
registerDistribution(BetaBinomial, ["totalCount", "concentration1", "concentration0"]);
