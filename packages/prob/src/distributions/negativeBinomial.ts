// NegativeBinomial(totalCount, logits | probs) and Geometric(logits | probs) (TFP's tfd.NegativeBinomial,
// tfd.Geometric). TFP's convention: NegativeBinomial counts successes (probability `probs`) before `totalCount`
// failures; Geometric counts failures before the first success (probability `probs`).
import { NDArray, np, random, special, type ArrayLike, type DType } from "@fluxion/core";
import { Distribution, registerDistribution, type Check, type DistributionOptions } from "./distribution.js";
import type { EventSpace } from "./eventSpace.js";
import { broadcastShapes, broadcastTo, commonFloatDtype, isInteger, log1mexp, softplus, toFloat, type FloatDType } from "./internal.js";
import { type LogitsOrProbs, logitsOrProbs, mulNoNan } from "./bernoulli.js";
import { samplePoisson, splitKey, uniformOpen } from "./sampling.js";

/** [log p, log(1 - p)] from logits or probs. */
function logPQ(logits: NDArray | null, probs: NDArray | null): [NDArray, NDArray] {
  if (logits) return [np.negative(softplus(np.negative(logits))), np.negative(softplus(logits))];
  return [np.log(probs!), np.log1p(np.negative(probs!))];
}

export interface NegativeBinomialParams extends DistributionOptions, LogitsOrProbs {
  totalCount: ArrayLike;
}

export class NegativeBinomial extends Distribution {
  readonly totalCount: NDArray;
  readonly logits: NDArray | null;
  readonly probs: NDArray | null;

  constructor(params: NegativeBinomialParams) {
    super(params);
    const dtype = commonFloatDtype([params.totalCount, params.logits, params.probs]);
    this.totalCount = toFloat(params.totalCount, dtype);
    [this.logits, this.probs] = logitsOrProbs("NegativeBinomial", params, dtype);
    this.validateParameters();
  }
  get batchShape(): number[] {
    return broadcastShapes("NegativeBinomial", this.totalCount.shape, (this.logits ?? this.probs)!.shape);
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
    const checks: Check[] = [{ what: "totalCount", ok: np.greater(this.totalCount, 0), requirement: "positive", value: this.totalCount }];
    if (this.probs) checks.push({ what: "probs", ok: np.logicalAnd(np.greaterEqual(this.probs, 0), np.less(this.probs, 1)), requirement: "in [0, 1)", value: this.probs });
    return checks;
  }
  protected override _valueChecks(x: NDArray): Check[] {
    return [{ what: "value", ok: np.logicalAnd(isInteger(x), np.greaterEqual(x, 0)), requirement: "a non-negative integer", value: x }];
  }
  // Gamma-Poisson mixture: rate = Gamma(totalCount) * p / (1 - p).
  protected override _sampleN(key: NDArray, n: number): NDArray {
    const shape = [n, ...this.batchShape];
    const [gammaKey, poissonKey] = splitKey(key, 2);
    const g = random.gamma(gammaKey!, broadcastTo(this.totalCount, shape), shape);
    return samplePoisson(poissonKey!, np.multiply(g, np.exp(this.logitsParameter())), shape);
  }
  // log C(x + n - 1, x) = -log(x + n) - betaln(n, x + 1).
  protected override _logProb(x: NDArray): NDArray {
    const n = this.totalCount;
    const inside = np.greaterEqual(x, 0);
    const safeX = np.where(inside, x, 0);
    const [logP, logQ] = logPQ(this.logits, this.probs);
    const coefficient = np.negative(np.add(np.log(np.add(safeX, n)), special.betaln(n, np.add(safeX, 1))));
    const lp = np.add(np.add(coefficient, mulNoNan(safeX, logP)), np.multiply(n, logQ));
    return np.where(inside, lp, -Infinity);
  }
  protected override _cdf(x: NDArray): NDArray {
    const k = np.floor(np.maximum(x, 0));
    const value = special.betainc(this.totalCount, np.add(k, 1), np.subtract(1, this.probsParameter()));
    return np.where(np.less(x, 0), 0, value);
  }
  protected override _mean(): NDArray {
    return np.multiply(this.totalCount, np.exp(this.logitsParameter()));
  }
  protected override _variance(): NDArray {
    return np.divide(this._mean(), np.subtract(1, this.probsParameter()));
  }
  protected override _mode(): NDArray {
    const n = this.totalCount;
    const value = np.floor(np.multiply(np.subtract(n, 1), np.exp(this.logitsParameter())));
    return np.where(np.greater(n, 1), value, 0);
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "discrete" };
  }
}
registerDistribution(NegativeBinomial, ["totalCount", "logits", "probs"]);

export interface GeometricParams extends DistributionOptions, LogitsOrProbs {}

export class Geometric extends Distribution {
  readonly logits: NDArray | null;
  readonly probs: NDArray | null;

  constructor(params: GeometricParams) {
    super(params);
    const dtype = commonFloatDtype([params.logits, params.probs]);
    [this.logits, this.probs] = logitsOrProbs("Geometric", params, dtype);
    this.validateParameters();
  }
  get batchShape(): number[] {
    return [...(this.logits ?? this.probs)!.shape];
  }
  get dtype(): DType {
    return (this.logits ?? this.probs)!.dtype;
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
    if (!this.probs) return [];
    return [{ what: "probs", ok: np.logicalAnd(np.greater(this.probs, 0), np.lessEqual(this.probs, 1)), requirement: "in (0, 1]", value: this.probs }];
  }
  protected override _valueChecks(x: NDArray): Check[] {
    return [{ what: "value", ok: np.logicalAnd(isInteger(x), np.greaterEqual(x, 0)), requirement: "a non-negative integer", value: x }];
  }
  // floor(log u / log(1 - p)) with u in (0, 1): the inverse cdf of the failure count.
  protected override _sampleN(key: NDArray, n: number): NDArray {
    const u = uniformOpen(key, [n, ...this.batchShape], this.floatDtype);
    const [, logQ] = logPQ(this.logits, this.probs);
    return np.floor(np.divide(np.log(u), logQ));
  }
  protected override _logProb(x: NDArray): NDArray {
    const inside = np.greaterEqual(x, 0);
    const safeX = np.where(inside, x, 0);
    const [logP, logQ] = logPQ(this.logits, this.probs);
    return np.where(inside, np.add(mulNoNan(safeX, logQ), logP), -Infinity);
  }
  /** log P(X > x) = (floor(x) + 1) log(1 - p). */
  protected override _logSurvivalFunction(x: NDArray): NDArray {
    const [, logQ] = logPQ(this.logits, this.probs);
    const value = np.multiply(np.add(np.floor(np.maximum(x, 0)), 1), logQ);
    return np.where(np.less(x, 0), 0, value);
  }
  protected override _logCdf(x: NDArray): NDArray {
    const [, logQ] = logPQ(this.logits, this.probs);
    const value = log1mexp(np.multiply(np.add(np.floor(np.maximum(x, 0)), 1), logQ));
    return np.where(np.less(x, 0), -Infinity, value);
  }
  protected override _cdf(x: NDArray): NDArray {
    const [, logQ] = logPQ(this.logits, this.probs);
    const value = np.negative(np.expm1(np.multiply(np.add(np.floor(np.maximum(x, 0)), 1), logQ)));
    return np.where(np.less(x, 0), 0, value);
  }
  protected override _entropy(): NDArray {
    const p = this.probsParameter();
    const [logP, logQ] = logPQ(this.logits, this.probs);
    return np.divide(np.negative(np.add(mulNoNan(np.subtract(1, p), logQ), mulNoNan(p, logP))), p);
  }
  protected override _mean(): NDArray {
    return np.exp(np.negative(this.logitsParameter()));
  }
  protected override _variance(): NDArray {
    const p = this.probsParameter();
    return np.divide(np.subtract(1, p), np.square(p));
  }
  protected override _mode(): NDArray {
    return np.zerosLike(this.probsParameter());
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "discrete" };
  }
}
registerDistribution(Geometric, ["logits", "probs"]);
