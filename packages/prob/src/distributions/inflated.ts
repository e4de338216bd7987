// Inflated({distribution, inflatedLocLogits | inflatedLocProbs, inflatedLoc}) (TFP's tfd.Inflated): a two-part
// mixture of a point mass at inflatedLoc and `distribution` (zero-inflated counts, for instance). As in TFP, logits
// l give the point mass the weight softmax([l, -l])[0] = sigmoid(2 l).
import { NDArray, np, random, special, type ArrayLike, type DType } from "@fluxion/core";
import { Distribution, registerDistribution, type DistributionOptions } from "./distribution.js";
import type { EventSpace } from "./eventSpace.js";
import { broadcastShapes, broadcastTo, commonFloatDtype, toFloat, type FloatDType } from "./internal.js";
import { splitKey } from "./sampling.js";

export interface InflatedParams extends DistributionOptions {
  distribution: Distribution;
  inflatedLocLogits?: ArrayLike | null;
  inflatedLocProbs?: ArrayLike | null;
  inflatedLoc?: ArrayLike;
  inflatedLocAtol?: ArrayLike;
  inflatedLocRtol?: ArrayLike;
}

export class Inflated extends Distribution {
  readonly distribution: Distribution;
  readonly inflatedLocLogits: NDArray | null;
  readonly inflatedLocProbs: NDArray | null;
  readonly inflatedLoc: NDArray;
  readonly inflatedLocAtol: NDArray;
  readonly inflatedLocRtol: NDArray;

  constructor(params: InflatedParams) {
    super(params);
    const hasLogits = params.inflatedLocLogits !== undefined && params.inflatedLocLogits !== null;
    const hasProbs = params.inflatedLocProbs !== undefined && params.inflatedLocProbs !== null;
    if (hasLogits === hasProbs) throw new Error("Inflated: pass exactly one of inflatedLocLogits and inflatedLocProbs.");
    const dtype = commonFloatDtype([params.inflatedLocLogits, params.inflatedLocProbs, params.inflatedLoc], params.distribution.floatDtype);
    this.distribution = params.distribution;
    this.inflatedLocLogits = hasLogits ? toFloat(params.inflatedLocLogits!, dtype) : null;
    this.inflatedLocProbs = hasProbs ? toFloat(params.inflatedLocProbs!, dtype) : null;
    this.inflatedLoc = toFloat(params.inflatedLoc ?? 0, dtype);
    this.inflatedLocAtol = toFloat(params.inflatedLocAtol ?? 0, dtype);
    this.inflatedLocRtol = toFloat(params.inflatedLocRtol ?? 0, dtype);
  }
  private weightParam(): NDArray {
    return (this.inflatedLocLogits ?? this.inflatedLocProbs)!;
  }
  get batchShape(): number[] {
    return broadcastShapes("Inflated", this.distribution.batchShape, this.weightParam().shape, this.inflatedLoc.shape);
  }
  override get eventShape(): number[] {
    return this.distribution.eventShape;
  }
  get dtype(): DType {
    return this.distribution.dtype;
  }
  override get floatDtype(): FloatDType {
    return this.distribution.floatDtype;
  }
  override get reparameterizationType(): "NOT_REPARAMETERIZED" {
    return "NOT_REPARAMETERIZED";
  }
  protected override _convertValue(value: Parameters<Distribution["logProb"]>[0]): NDArray {
    return value instanceof NDArray ? value : np.asarray(value, this.floatDtype);
  }
  /** [log w_point, log w_distribution]. */
  private logWeights(): [NDArray, NDArray] {
    if (this.inflatedLocLogits) {
      const l = this.inflatedLocLogits;
      const lse = special.logsumexp(np.stack([l, np.negative(l)], -1), -1);
      return [np.subtract(l, lse), np.subtract(np.negative(l), lse)];
    }
    return [np.log(this.inflatedLocProbs!), np.log1p(np.negative(this.inflatedLocProbs!))];
  }
  private pointWeight(): NDArray {
    return np.exp(this.logWeights()[0]);
  }
  private atPoint(x: NDArray): NDArray {
    const slack = np.add(this.inflatedLocAtol, np.multiply(this.inflatedLocRtol, np.abs(this.inflatedLoc)));
    return np.lessEqual(np.abs(np.subtract(x, this.inflatedLoc)), slack);
  }
  /**
   * Discrete base: a true mixture of masses, logaddexp(log w0 [x at loc], log w1 + log p(x)). Continuous base (as
   * TFP): log w0 at the point itself, log w1 + log p(x) elsewhere.
   */
  protected override _logProb(x: NDArray): NDArray {
    const [lw0, lw1] = this.logWeights();
    const at = this.atPoint(x);
    const discrete = this.distribution.eventSpace().kind === "discrete";
    if (discrete) {
      const pointTerm = np.where(at, lw0, -Infinity);
      return np.logaddexp(pointTerm, np.add(lw1, this.distribution.logProb(x)));
    }
    const safeX = np.where(at, this.distribution.mean(), x);
    return np.where(at, lw0, np.add(lw1, this.distribution.logProb(safeX)));
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    const [pickKey, drawKey] = splitKey(key, 2);
    const shape = [n, ...this.batchShape];
    const inner = this.distribution.batchShape;
    const draws = broadcastTo(this.distribution.sample(drawKey!, shape.slice(0, shape.length - inner.length)), shape);
    const coin = np.less(random.uniform(pickKey!, shape, { dtype: this.floatDtype }), this.pointWeight());
    return np.where(coin, np.astype(broadcastTo(this.inflatedLoc, shape), draws.dtype), draws);
  }
  protected override _mean(): NDArray {
    const w0 = this.pointWeight();
    return np.add(np.multiply(w0, this.inflatedLoc), np.multiply(np.subtract(1, w0), this.distribution.mean()));
  }
  protected override _variance(): NDArray {
    const w0 = this.pointWeight();
    const m = this._mean();
    const innerSecond = np.add(this.distribution.variance(), np.square(this.distribution.mean()));
    return np.subtract(np.add(np.multiply(w0, np.square(this.inflatedLoc)), np.multiply(np.subtract(1, w0), innerSecond)), np.square(m));
  }
  protected override _eventSpace(): EventSpace {
    return this.distribution.eventSpace();
  }
}
registerDistribution(Inflated, ["distribution", "inflatedLocLogits", "inflatedLocProbs", "inflatedLoc", "inflatedLocAtol", "inflatedLocRtol"]);
