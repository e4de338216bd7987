// Bernoulli(logits | probs) (TFP's tfd.Bernoulli): int32 samples; log-probabilities from logits via softplus, so
// extreme logits keep full accuracy. Also the shared helpers for logits/probs parameterizations.
import { NDArray, np, random, special, type ArrayLike, type DType } from "@fluxion/core";
import { Distribution, registerDistribution, type Check, type DistributionOptions } from "./distribution.js";
import type { EventSpace } from "./eventSpace.js";
import { commonFloatDtype, softplus, toFloat, type FloatDType } from "./internal.js";

export interface LogitsOrProbs {
  logits?: ArrayLike | null;
  probs?: ArrayLike | null;
}

/** Exactly one of logits and probs, converted to `dtype` (the other is null). */
export function logitsOrProbs(what: string, params: LogitsOrProbs, dtype: FloatDType): [NDArray | null, NDArray | null] {
  const hasLogits = params.logits !== undefined && params.logits !== null;
  const hasProbs = params.probs !== undefined && params.probs !== null;
  if (hasLogits === hasProbs) throw new Error(`${what}: pass exactly one of logits and probs.`);
  return [hasLogits ? toFloat(params.logits!, dtype) : null, hasProbs ? toFloat(params.probs!, dtype) : null];
}

/** x * y with 0 * (-inf) = 0 (TFP's multiply_no_nan for log-probabilities weighted by counts). */
export function mulNoNan(x: NDArray, y: NDArray): NDArray {
  const zero = np.equal(x, 0);
  return np.where(zero, 0, np.multiply(x, np.where(zero, 0, y)));
}

export interface BernoulliParams extends DistributionOptions, LogitsOrProbs {
  dtype?: DType;
}

export class Bernoulli extends Distribution {
  readonly logits: NDArray | null;
  readonly probs: NDArray | null;
  readonly sampleDtype: DType;

  constructor(params: BernoulliParams) {
    super(params);
    const dtype = commonFloatDtype([params.logits, params.probs]);
    [this.logits, this.probs] = logitsOrProbs("Bernoulli", params, dtype);
    this.sampleDtype = params.dtype ?? "int32";
    this.validateParameters();
  }
  get batchShape(): number[] {
    return [...(this.logits ?? this.probs)!.shape];
  }
  get dtype(): DType {
    return this.sampleDtype;
  }
  override get floatDtype(): FloatDType {
    return (this.logits ?? this.probs)!.dtype as FloatDType;
  }
  override get reparameterizationType(): "NOT_REPARAMETERIZED" {
    return "NOT_REPARAMETERIZED";
  }
  logitsParameter(): NDArray {
    return this.logits ?? np.subtract(np.log(this.probs!), np.log1p(np.negative(this.probs!)));
  }
  probsParameter(): NDArray {
    return this.probs ?? special.expit(this.logits!);
  }
  /** [log P(0), log P(1)]. */
  private outcomeLogProbs(): [NDArray, NDArray] {
    if (this.logits) return [np.negative(softplus(this.logits)), np.negative(softplus(np.negative(this.logits)))];
    return [np.log1p(np.negative(this.probs!)), np.log(this.probs!)];
  }
  protected override _parameterChecks(): Check[] {
    if (!this.probs) return [];
    return [{ what: "probs", ok: np.logicalAnd(np.greaterEqual(this.probs, 0), np.lessEqual(this.probs, 1)), requirement: "in [0, 1]", value: this.probs }];
  }
  protected override _valueChecks(x: NDArray): Check[] {
    return [{ what: "value", ok: np.logicalOr(np.equal(x, 0), np.equal(x, 1)), requirement: "0 or 1", value: x }];
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    const p = this.probsParameter();
    const u = random.uniform(key, [n, ...this.batchShape], { dtype: this.floatDtype });
    return np.astype(np.less(u, p), this.sampleDtype);
  }
  protected override _logProb(x: NDArray): NDArray {
    const [lp0, lp1] = this.outcomeLogProbs();
    return np.add(mulNoNan(np.subtract(1, x), lp0), mulNoNan(x, lp1));
  }
  protected override _cdf(x: NDArray): NDArray {
    const p = this.probsParameter();
    return np.where(np.less(x, 0), 0, np.where(np.less(x, 1), np.subtract(1, p), 1));
  }
  protected override _entropy(): NDArray {
    const [lp0, lp1] = this.outcomeLogProbs();
    return np.negative(np.add(mulNoNan(np.exp(lp0), lp0), mulNoNan(np.exp(lp1), lp1)));
  }
  protected override _mean(): NDArray {
    return this.probsParameter();
  }
  protected override _variance(): NDArray {
    const [lp0, lp1] = this.outcomeLogProbs();
    return np.exp(np.add(lp0, lp1));
  }
  protected override _mode(): NDArray {
    return np.astype(np.greater(this.probsParameter(), 0.5), this.sampleDtype);
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "discrete" };
  }
}
registerDistribution(Bernoulli, ["logits", "probs"], ["sampleDtype=dtype"]);

