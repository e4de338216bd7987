// Multinomial(totalCount, logits | probs) and DirichletMultinomial(totalCount, concentration) (TFP's
// tfd.Multinomial, tfd.DirichletMultinomial): counts over the last axis. Multinomial draws are iterated
// conditional binomials (TFP's sampler), so their cost does not grow with totalCount.
import { NDArray, np, random, special, type ArrayLike, type DType } from "@fluxion/core";
import { Distribution, registerDistribution, type Check, type DistributionOptions } from "./distribution.js";
import type { EventSpace } from "./eventSpace.js";
import { broadcastShapes, broadcastTo, commonFloatDtype, diagMatrix, isInteger, toFloat, type FloatDType } from "./internal.js";
import { type LogitsOrProbs, logitsOrProbs, mulNoNan } from "./bernoulli.js";
import { sampleBinomial, splitKey } from "./sampling.js";

/** Counts [..., k] from probabilities [..., k] (rows summing to 1) by k - 1 conditional binomial draws. */
export function sampleMultinomial(key: NDArray, totalCount: NDArray, probs: NDArray, shape: readonly number[]): NDArray {
  const k = probs.shape[probs.ndim - 1]!;
  const p = broadcastTo(probs, [...shape, k]);
  const keys = splitKey(key, Math.max(k - 1, 1));
  let remaining = broadcastTo(totalCount, [...shape]);
  let massLeft = np.ones([...shape], probs.dtype);
  const counts: NDArray[] = [];
  for (let i = 0; i < k - 1; i++) {
    const pi = np.squeeze(p.slice("...", [i, i + 1]), -1);
    const conditional = np.clip(np.divide(pi, np.where(np.greater(massLeft, 0), massLeft, 1)), 0, 1);
    const draw = sampleBinomial(keys[i]!, remaining, conditional, shape);
    counts.push(draw);
    remaining = np.subtract(remaining, draw);
    massLeft = np.subtract(massLeft, pi);
  }
  counts.push(remaining);
  return np.stack(counts, -1);
}

/** log(n! / prod x_i!). */
function logMultinomialCoefficient(n: NDArray, x: NDArray): NDArray {
  return np.subtract(special.gammaln(np.add(n, 1)), np.sum(special.gammaln(np.add(x, 1)), -1));
}

export interface MultinomialParams extends DistributionOptions, LogitsOrProbs {
  totalCount: ArrayLike;
}

export class Multinomial extends Distribution {
  readonly totalCount: NDArray;
  readonly logits: NDArray | null;
  readonly probs: NDArray | null;

  constructor(params: MultinomialParams) {
    super(params);
    const dtype = commonFloatDtype([params.totalCount, params.logits, params.probs]);
    this.totalCount = toFloat(params.totalCount, dtype);
    [this.logits, this.probs] = logitsOrProbs("Multinomial", params, dtype);
    if ((this.logits ?? this.probs)!.ndim < 1) throw new Error("Multinomial: logits/probs need a last axis of categories.");
    this.validateParameters();
  }
  private param(): NDArray {
    return (this.logits ?? this.probs)!;
  }
  get batchShape(): number[] {
    return broadcastShapes("Multinomial", this.totalCount.shape, this.param().shape.slice(0, -1));
  }
  override get eventShape(): number[] {
    return [this.param().shape[this.param().ndim - 1]!];
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
    return this.probs ?? special.softmax(this.logits!, -1);
  }
  logitsParameter(): NDArray {
    return this.logits ?? np.log(this.probs!);
  }
  protected override _parameterChecks(): Check[] {
    const checks: Check[] = [{ what: "totalCount", ok: np.logicalAnd(np.greaterEqual(this.totalCount, 0), isInteger(this.totalCount)), requirement: "a non-negative integer", value: this.totalCount }];
    if (this.probs) checks.push({ what: "probs", ok: np.greaterEqual(this.probs, 0), requirement: "non-negative", value: this.probs });
    return checks;
  }
  protected override _valueChecks(x: NDArray): Check[] {
    return [
      { what: "value", ok: np.all(np.logicalAnd(isInteger(x), np.greaterEqual(x, 0)), -1), requirement: "non-negative integer counts" },
      { what: "value", ok: np.equal(np.sum(x, -1), this.totalCount), requirement: "counts summing to totalCount" },
    ];
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    return sampleMultinomial(key, this.totalCount, this.probsParameter(), [n, ...this.batchShape]);
  }
  protected override _logProb(x: NDArray): NDArray {
    const logP = this.logits ? special.logSoftmax(this.logits, -1) : np.log(this.probs!);
    return np.add(logMultinomialCoefficient(this.totalCount, x), np.sum(mulNoNan(x, logP), -1));
  }
  protected override _mean(): NDArray {
    return np.multiply(np.expandDims(this.totalCount, -1), this.probsParameter());
  }
  protected override _variance(): NDArray {
    const p = this.probsParameter();
    return np.multiply(np.expandDims(this.totalCount, -1), np.multiply(p, np.subtract(1, p)));
  }
  protected override _covariance(): NDArray {
    const p = this.probsParameter();
    const c = np.subtract(diagMatrix(p), np.multiply(np.expandDims(p, -1), np.expandDims(p, -2)));
    return np.multiply(np.expandDims(this.totalCount, [-1, -2]), c);
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "discrete" };
  }
}
registerDistribution(Multinomial, ["totalCount", "logits", "probs"]);

export interface DirichletMultinomialParams extends DistributionOptions {
  totalCount: ArrayLike;
  concentration: ArrayLike;
}

export class DirichletMultinomial extends Distribution {
  readonly totalCount: NDArray;
  readonly concentration: NDArray;

  constructor(params: DirichletMultinomialParams) {
    super(params);
    const dtype = commonFloatDtype([params.totalCount, params.concentration]);
    this.totalCount = toFloat(params.totalCount, dtype);
    this.concentration = toFloat(params.concentration, dtype);
    if (this.concentration.ndim < 1) throw new Error("DirichletMultinomial: concentration needs a last axis of categories.");
    this.validateParameters();
  }
  get batchShape(): number[] {
    return broadcastShapes("DirichletMultinomial", this.totalCount.shape, this.concentration.shape.slice(0, -1));
  }
  override get eventShape(): number[] {
    return [this.concentration.shape[this.concentration.ndim - 1]!];
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
      { what: "concentration", ok: np.greater(this.concentration, 0), requirement: "positive", value: this.concentration },
    ];
  }
  protected override _valueChecks(x: NDArray): Check[] {
    return [
      { what: "value", ok: np.all(np.logicalAnd(isInteger(x), np.greaterEqual(x, 0)), -1), requirement: "non-negative integer counts" },
      { what: "value", ok: np.equal(np.sum(x, -1), this.totalCount), requirement: "counts summing to totalCount" },
    ];
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    const shape = [n, ...this.batchShape];
    const [dirichletKey, multinomialKey] = splitKey(key, 2);
    const alpha = broadcastTo(this.concentration, [...this.batchShape, ...this.eventShape]);
    const p = random.dirichlet(dirichletKey!, alpha, shape);
    return sampleMultinomial(multinomialKey!, this.totalCount, p, shape);
  }
  // log n + B(a0, n) - sum over x_i > 0 of (log x_i + B(a_i, x_i)): the pmf as beta functions (TFP's form).
  protected override _logProb(x: NDArray): NDArray {
    const a = this.concentration;
    const n = this.totalCount;
    const total = np.sum(a, -1);
    const positive = np.greater(x, 0);
    const safeX = np.where(positive, x, 1);
    const terms = np.where(positive, np.add(np.log(safeX), special.betaln(a, safeX)), 0);
    const positiveN = np.greater(n, 0);
    const safeN = np.where(positiveN, n, 1);
    const head = np.where(positiveN, np.add(np.log(safeN), special.betaln(total, safeN)), 0);
    return np.subtract(head, np.sum(terms, -1));
  }
  private meanProbs(): NDArray {
    return np.divide(this.concentration, np.sum(this.concentration, -1, true));
  }
  protected override _mean(): NDArray {
    return np.multiply(np.expandDims(this.totalCount, -1), this.meanProbs());
  }
  /** n (a0 + n) / (a0 + 1): the overdispersion factor on the multinomial covariance. */
  private factor(): NDArray {
    const total = np.sum(this.concentration, -1);
    return np.divide(np.multiply(this.totalCount, np.add(total, this.totalCount)), np.add(total, 1));
  }
  protected override _variance(): NDArray {
    const p = this.meanProbs();
    return np.multiply(np.expandDims(this.factor(), -1), np.multiply(p, np.subtract(1, p)));
  }
  protected override _covariance(): NDArray {
    const p = this.meanProbs();
    const c = np.subtract(diagMatrix(p), np.multiply(np.expandDims(p, -1), np.expandDims(p, -2)));
    return np.multiply(np.expandDims(this.factor(), [-1, -2]), c);
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "discrete" };
  }
}
registerDistribution(DirichletMultinomial, ["totalCount", "concentration"]);
