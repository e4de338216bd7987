// MixtureSameFamily({mixtureDistribution, componentsDistribution}) and Mixture({cat, components}) (TFP's
// tfd.MixtureSameFamily, tfd.Mixture): log p(x) = logsumexp_k(log w_k + log p_k(x)); moments by the laws of total
// expectation and variance; draws select one component per sample by a one-hot mask over all component draws.
import { NDArray, np, special, type DType } from "@fluxion/core";
import { Distribution, registerDistribution, type DistributionOptions } from "./distribution.js";
import type { EventSpace } from "./eventSpace.js";
import { broadcastShapes, broadcastTo, oneHot, type FloatDType } from "./internal.js";
import { Categorical } from "./categorical.js";
import { splitKey } from "./sampling.js";

/** Appends `n` trailing unit axes. */
const padEvent = (x: NDArray, n: number): NDArray => (n ? np.reshape(x, [...x.shape, ...Array(n).fill(1)]) : x);

export interface MixtureSameFamilyParams extends DistributionOptions {
  mixtureDistribution: Categorical;
  componentsDistribution: Distribution;
}

export class MixtureSameFamily extends Distribution {
  readonly mixtureDistribution: Categorical;
  readonly componentsDistribution: Distribution;

  constructor(params: MixtureSameFamilyParams) {
    super(params);
    if (!(params.mixtureDistribution instanceof Categorical)) throw new Error("MixtureSameFamily: mixtureDistribution must be a Categorical.");
    const cb = params.componentsDistribution.batchShape;
    if (cb.length < 1) throw new Error("MixtureSameFamily: componentsDistribution needs a rightmost batch axis of components.");
    if (cb[cb.length - 1] !== params.mixtureDistribution.numCategories) {
      throw new Error(`MixtureSameFamily: ${params.mixtureDistribution.numCategories} mixture weights but ${cb[cb.length - 1]} components (the components' last batch axis).`);
    }
    this.mixtureDistribution = params.mixtureDistribution;
    this.componentsDistribution = params.componentsDistribution;
  }
  private eventRank(): number {
    return this.componentsDistribution.eventShape.length;
  }
  get batchShape(): number[] {
    const cb = this.componentsDistribution.batchShape;
    return broadcastShapes("MixtureSameFamily", this.mixtureDistribution.batchShape, cb.slice(0, -1));
  }
  override get eventShape(): number[] {
    return this.componentsDistribution.eventShape;
  }
  get dtype(): DType {
    return this.componentsDistribution.dtype;
  }
  override get floatDtype(): FloatDType {
    return this.componentsDistribution.floatDtype;
  }
  override get reparameterizationType(): "NOT_REPARAMETERIZED" {
    return "NOT_REPARAMETERIZED";
  }
  protected override _convertValue(value: Parameters<Distribution["logProb"]>[0]): NDArray {
    return value instanceof NDArray ? value : np.asarray(value, this.floatDtype);
  }
  /** Mixture log-weights [..., K]. */
  private logWeights(): NDArray {
    return special.logSoftmax(this.mixtureDistribution.logitsParameter(), -1);
  }
  private weights(): NDArray {
    return this.mixtureDistribution.probsParameter();
  }
  /** x [..., event] -> [..., 1, event], so it broadcasts against the component axis. */
  private expand(x: NDArray): NDArray {
    return np.expandDims(x, x.ndim - this.eventRank());
  }
  protected override _logProb(x: NDArray): NDArray {
    return special.logsumexp(np.add(this.componentsDistribution.logProb(this.expand(x)), this.logWeights()), -1);
  }
  protected override _logCdf(x: NDArray): NDArray {
    return special.logsumexp(np.add(this.componentsDistribution.logCdf(this.expand(x)), this.logWeights()), -1);
  }
  protected override _cdf(x: NDArray): NDArray {
    return np.sum(np.multiply(this.componentsDistribution.cdf(this.expand(x)), this.weights()), -1);
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    const [catKey, componentKey] = splitKey(key, 2);
    const k = this.mixtureDistribution.numCategories;
    const draws = this.componentsDistribution.sample(componentKey!, [n]); // [n, ...batch, K, ...event]
    const index = this.mixtureDistribution.sample(catKey!, [n]); // [n, ...catBatch]
    const mask = padEvent(oneHot(np.astype(index, draws.dtype === "float64" ? "float64" : "float32"), k, draws.dtype === "float64" ? "float64" : "float32"), this.eventRank());
    const axis = draws.ndim - 1 - this.eventRank();
    const picked = np.sum(np.multiply(np.astype(draws, mask.dtype), mask), axis);
    return draws.dtype === mask.dtype ? picked : np.astype(picked, draws.dtype);
  }
  /** Weights [..., K] padded with unit event axes to line up with component statistics. */
  private paddedWeights(): NDArray {
    return padEvent(this.weights(), this.eventRank());
  }
  private componentAxis(): number {
    return -1 - this.eventRank();
  }
  protected override _mean(): NDArray {
    return np.sum(np.multiply(this.componentsDistribution.mean(), this.paddedWeights()), this.componentAxis());
  }
  protected override _variance(): NDArray {
    const w = this.paddedWeights();
    const means = this.componentsDistribution.mean();
    const mean = np.sum(np.multiply(means, w), this.componentAxis(), true);
    const within = np.sum(np.multiply(this.componentsDistribution.variance(), w), this.componentAxis());
    const between = np.sum(np.multiply(np.square(np.subtract(means, mean)), w), this.componentAxis());
    return np.add(within, between);
  }
  protected override _covariance(): NDArray {
    if (this.eventRank() !== 1) throw this.notImplemented("covariance (vector events only)");
    const w = np.expandDims(this.weights(), [-1, -2]);
    const means = this.componentsDistribution.mean(); // [..., K, d]
    const mean = np.sum(np.multiply(means, np.expandDims(this.weights(), -1)), -2, true);
    const centred = np.subtract(means, mean);
    const outer = np.multiply(np.expandDims(centred, -1), np.expandDims(centred, -2));
    return np.sum(np.multiply(np.add(this.componentsDistribution.covariance(), outer), w), -3);
  }
  protected override _eventSpace(): EventSpace {
    return this.componentsDistribution.eventSpace();
  }
}
registerDistribution(MixtureSameFamily, ["mixtureDistribution", "componentsDistribution"]);

export interface MixtureParams extends DistributionOptions {
  cat: Categorical;
  components: readonly Distribution[];
}

export class Mixture extends Distribution {
  readonly cat: Categorical;
  readonly components: Distribution[];

  constructor(params: MixtureParams) {
    super(params);
    if (!(params.cat instanceof Categorical)) throw new Error("Mixture: cat must be a Categorical.");
    if (params.components.length !== params.cat.numCategories) {
      throw new Error(`Mixture: cat has ${params.cat.numCategories} categories but ${params.components.length} components were given.`);
    }
    const ev = params.components[0]!.eventShape;
    for (const c of params.components) {
      if (c.eventShape.length !== ev.length || c.eventShape.some((d, i) => d !== ev[i])) throw new Error(`Mixture: components have different event shapes ([${ev}] vs [${c.eventShape}]).`);
    }
    this.cat = params.cat;
    this.components = [...params.components];
  }
  private eventRank(): number {
    return this.components[0]!.eventShape.length;
  }
  get batchShape(): number[] {
    return broadcastShapes("Mixture", this.cat.batchShape, ...this.components.map((c) => c.batchShape));
  }
  override get eventShape(): number[] {
    return this.components[0]!.eventShape;
  }
  get dtype(): DType {
    return this.components[0]!.dtype;
  }
  override get floatDtype(): FloatDType {
    return this.components[0]!.floatDtype;
  }
  override get reparameterizationType(): "NOT_REPARAMETERIZED" {
    return "NOT_REPARAMETERIZED";
  }
  protected override _convertValue(value: Parameters<Distribution["logProb"]>[0]): NDArray {
    return value instanceof NDArray ? value : np.asarray(value, this.floatDtype);
  }
  /** [f(c_0), ..., f(c_K-1)] stacked on a new last axis, broadcast to a common shape. */
  private stack(f: (c: Distribution) => NDArray): NDArray {
    const parts = this.components.map(f);
    const shape = broadcastShapes("Mixture", ...parts.map((p) => p.shape));
    return np.stack(parts.map((p) => broadcastTo(p, shape)), -1);
  }
  protected override _logProb(x: NDArray): NDArray {
    return special.logsumexp(np.add(this.stack((c) => c.logProb(x)), special.logSoftmax(this.cat.logitsParameter(), -1)), -1);
  }
  protected override _logCdf(x: NDArray): NDArray {
    return special.logsumexp(np.add(this.stack((c) => c.logCdf(x)), special.logSoftmax(this.cat.logitsParameter(), -1)), -1);
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    const keys = splitKey(key, this.components.length + 1);
    const shape = [n, ...this.batchShape, ...this.eventShape];
    const dtype = this.floatDtype;
    const draws = this.components.map((c, i) => np.astype(broadcastTo(c.sample(keys[i + 1]!, [n]), shape), dtype));
    const index = np.astype(this.cat.sample(keys[0]!, [n]), dtype);
    let out = np.zeros(shape, dtype);
    draws.forEach((d, i) => {
      out = np.where(padEvent(np.equal(index, i), this.eventRank()), d, out);
    });
    return this.dtype === dtype ? out : np.astype(out, this.dtype);
  }
  private paddedWeights(): NDArray {
    return padEvent(this.cat.probsParameter(), this.eventRank());
  }
  /** Statistics stacked on a new axis just before the event axes. */
  private stackStat(f: (c: Distribution) => NDArray): NDArray {
    const shape = [...this.batchShape, ...this.eventShape];
    return np.stack(this.components.map((c) => broadcastTo(f(c), shape)), -1 - this.eventRank());
  }
  protected override _mean(): NDArray {
    return np.sum(np.multiply(this.stackStat((c) => c.mean()), this.paddedWeights()), -1 - this.eventRank());
  }
  protected override _stddev(): NDArray {
    const axis = -1 - this.eventRank();
    const w = this.paddedWeights();
    const means = this.stackStat((c) => c.mean());
    const mean = np.sum(np.multiply(means, w), axis, true);
    const second = np.sum(np.multiply(np.add(this.stackStat((c) => c.variance()), np.square(np.subtract(means, mean))), w), axis);
    return np.sqrt(second);
  }
  protected override _eventSpace(): EventSpace {
    return this.components[0]!.eventSpace();
  }
}
registerDistribution(Mixture, ["cat", "components"]);
