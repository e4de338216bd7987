// Categorical(logits | probs) and OneHotCategorical (TFP's tfd.Categorical, tfd.OneHotCategorical): categories
// on the last parameter axis; log-probabilities through logSoftmax; samples by the Gumbel-max trick.
import { NDArray, np, random, special, type ArrayLike, type DType } from "@fluxion/core";
import { Distribution, registerDistribution, type Check, type DistributionOptions } from "./distribution.js";
import type { EventSpace } from "./eventSpace.js";
import { broadcastShapes, broadcastTo, commonFloatDtype, diagMatrix, isInteger, oneHot, type FloatDType } from "./internal.js";
import { type LogitsOrProbs, logitsOrProbs, mulNoNan } from "./bernoulli.js";

export interface CategoricalParams extends DistributionOptions, LogitsOrProbs {
  dtype?: DType;
}

/** Shared parameter handling of the two categorical laws. */
abstract class CategoricalBase extends Distribution {
  readonly logits: NDArray | null;
  readonly probs: NDArray | null;
  readonly sampleDtype: DType;

  constructor(params: CategoricalParams) {
    super(params);
    const dtype = commonFloatDtype([params.logits, params.probs]);
    [this.logits, this.probs] = logitsOrProbs(new.target.name, params, dtype);
    if ((this.logits ?? this.probs)!.ndim < 1) throw new Error(`${new.target.name}: logits/probs need a last axis of categories; got a scalar.`);
    this.sampleDtype = params.dtype ?? "int32";
  }
  protected param(): NDArray {
    return (this.logits ?? this.probs)!;
  }
  get numCategories(): number {
    const p = this.param();
    return p.shape[p.ndim - 1]!;
  }
  get batchShape(): number[] {
    return this.param().shape.slice(0, -1);
  }
  get dtype(): DType {
    return this.sampleDtype;
  }
  override get floatDtype(): FloatDType {
    return this.param().dtype as FloatDType;
  }
  override get reparameterizationType(): "NOT_REPARAMETERIZED" {
    return "NOT_REPARAMETERIZED";
  }
  logitsParameter(): NDArray {
    return this.logits ?? np.log(this.probs!);
  }
  probsParameter(): NDArray {
    return this.probs ?? special.softmax(this.logits!, -1);
  }
  /** Normalised log-probabilities [..., K]. */
  protected logProbs(): NDArray {
    return this.logits ? special.logSoftmax(this.logits, -1) : np.log(this.probs!);
  }
  protected override _parameterChecks(): Check[] {
    if (!this.probs) return [];
    const total = np.sum(this.probs, -1);
    const tol = this.floatDtype === "float64" ? 1e-10 : 1e-5;
    return [
      { what: "probs", ok: np.greaterEqual(this.probs, 0), requirement: "non-negative", value: this.probs },
      { what: "probs", ok: np.less(np.abs(np.subtract(total, 1)), tol), requirement: "summing to 1 over the last axis", value: total },
    ];
  }
  protected sampleIndices(key: NDArray, n: number): NDArray {
    return random.categorical(key, this.logitsParameter(), { axis: -1, shape: [n, ...this.batchShape] });
  }
  protected override _entropy(): NDArray {
    const lp = this.logProbs();
    return np.negative(np.sum(mulNoNan(np.exp(lp), lp), -1));
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "discrete" };
  }
}

export class Categorical extends CategoricalBase {
  constructor(params: CategoricalParams) {
    super(params);
    this.validateParameters();
  }
  protected override _valueChecks(x: NDArray): Check[] {
    return [{ what: "value", ok: np.logicalAnd(isInteger(x), np.logicalAnd(np.greaterEqual(x, 0), np.less(x, this.numCategories))), requirement: `an integer in [0, ${this.numCategories - 1}]`, value: x }];
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    return np.astype(this.sampleIndices(key, n), this.sampleDtype);
  }
  /** log p_k, -inf for k outside {0, ..., K-1}. */
  protected override _logProb(x: NDArray): NDArray {
    const lp = this.logProbs();
    const k = this.numCategories;
    const oh = np.equal(np.expandDims(x, -1), np.arange(0, k, 1, x.dtype));
    const shape = broadcastShapes("Categorical.logProb", oh.shape, lp.shape);
    const ohB = broadcastTo(oh, shape);
    const picked = np.sum(np.where(ohB, broadcastTo(lp, shape), 0), -1);
    return np.where(np.any(ohB, -1), picked, -Infinity);
  }
  /** P(X <= x) = sum of p_j for j <= floor(x). */
  protected override _cdf(x: NDArray): NDArray {
    const p = this.probsParameter();
    const below = np.lessEqual(np.arange(0, this.numCategories, 1, x.dtype), np.expandDims(np.floor(x), -1));
    const shape = broadcastShapes("Categorical.cdf", below.shape, p.shape);
    return np.sum(np.where(broadcastTo(below, shape), broadcastTo(p, shape), 0), -1);
  }
  protected override _mean(): NDArray {
    const labels = np.arange(0, this.numCategories, 1, this.floatDtype);
    return np.sum(np.multiply(this.probsParameter(), labels), -1);
  }
  protected override _variance(): NDArray {
    const labels = np.arange(0, this.numCategories, 1, this.floatDtype);
    const p = this.probsParameter();
    const mean = np.sum(np.multiply(p, labels), -1, true);
    return np.sum(np.multiply(p, np.square(np.subtract(labels, mean))), -1);
  }
  protected override _mode(): NDArray {
    return np.astype(np.argmax(this.param(), -1), this.sampleDtype);
  }
}
registerDistribution(Categorical, ["logits", "probs"], ["sampleDtype=dtype"]);

export class OneHotCategorical extends CategoricalBase {
  constructor(params: CategoricalParams) {
    super(params);
    this.validateParameters();
  }
  override get eventShape(): number[] {
    return [this.numCategories];
  }
  protected override _valueChecks(x: NDArray): Check[] {
    const ok = np.logicalAnd(np.all(np.logicalOr(np.equal(x, 0), np.equal(x, 1)), -1), np.equal(np.sum(x, -1), 1));
    return [{ what: "value", ok, requirement: "one-hot over the last axis" }];
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    return np.astype(oneHot(np.astype(this.sampleIndices(key, n), this.floatDtype), this.numCategories, this.floatDtype), this.sampleDtype);
  }
  protected override _logProb(x: NDArray): NDArray {
    return np.sum(mulNoNan(x, this.logProbs()), -1);
  }
  protected override _mean(): NDArray {
    return this.probsParameter();
  }
  protected override _variance(): NDArray {
    const p = this.probsParameter();
    return np.multiply(p, np.subtract(1, p));
  }
  protected override _covariance(): NDArray {
    const p = this.probsParameter();
    return np.subtract(diagMatrix(p), np.multiply(np.expandDims(p, -1), np.expandDims(p, -2)));
  }
  protected override _mode(): NDArray {
    return np.astype(oneHot(np.astype(np.argmax(this.param(), -1), this.floatDtype), this.numCategories, this.floatDtype), this.sampleDtype);
  }
}
registerDistribution(OneHotCategorical, ["logits", "probs"], ["sampleDtype=dtype"]);
