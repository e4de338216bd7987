// Independent (TFP's tfd.Independent) reinterprets the rightmost batch axes of a distribution as event axes, and
// Sample (tfd.Sample) draws iid copies of a distribution as one event; both sum log-densities over the new axes.
import { NDArray, np } from "@fluxion/core";
import { Distribution, registerDistribution, type DistributionOptions } from "./distribution.js";
import type { EventSpace } from "./eventSpace.js";
import { WrappingDistribution } from "./wrapping.js";
import { shapeSize, sumLastAxes } from "./internal.js";

export interface IndependentParams extends DistributionOptions {
  distribution: Distribution;
  /** How many rightmost batch axes become event axes (default: all of them, as TFP). */
  reinterpretedBatchNdims?: number | null;
}

export class Independent extends WrappingDistribution {
  readonly reinterpretedBatchNdims: number;

  constructor(params: IndependentParams) {
    super(params, "Independent");
    const batchRank = params.distribution.batchShape.length;
    const r = params.reinterpretedBatchNdims ?? batchRank;
    if (!Number.isInteger(r) || r < 0 || r > batchRank) {
      throw new Error(`Independent: reinterpretedBatchNdims must be an integer in [0, ${batchRank}] (the inner ${params.distribution.constructor.name}'s batch rank), got ${r}.`);
    }
    this.reinterpretedBatchNdims = r;
  }
  get batchShape(): number[] {
    const b = this.distribution.batchShape;
    return b.slice(0, b.length - this.reinterpretedBatchNdims);
  }
  override get eventShape(): number[] {
    const b = this.distribution.batchShape;
    return [...b.slice(b.length - this.reinterpretedBatchNdims), ...this.distribution.eventShape];
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    return this.distribution.sample(key, [n]);
  }
  protected override _logProb(x: NDArray): NDArray {
    return sumLastAxes(this.distribution.logProb(x), this.reinterpretedBatchNdims);
  }
  protected override _logCdf(x: NDArray): NDArray {
    return sumLastAxes(this.distribution.logCdf(x), this.reinterpretedBatchNdims);
  }
  protected override _entropy(): NDArray {
    return sumLastAxes(this.distribution.entropy(), this.reinterpretedBatchNdims);
  }
  protected override _mean(): NDArray {
    return this.distribution.mean();
  }
  protected override _variance(): NDArray {
    return this.distribution.variance();
  }
  protected override _stddev(): NDArray {
    return this.distribution.stddev();
  }
  protected override _mode(): NDArray {
    return this.distribution.mode();
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "independent", inner: this.distribution.eventSpace(), reinterpretedBatchNdims: this.reinterpretedBatchNdims, distribution: this.distribution };
  }
}
registerDistribution(Independent, ["distribution"], ["reinterpretedBatchNdims"]);

export interface SampleParams extends DistributionOptions {
  distribution: Distribution;
  sampleShape?: number | readonly number[];
}

export class Sample extends WrappingDistribution {
  readonly sampleShape: number[];

  constructor(params: SampleParams) {
    super(params, "Sample");
    const s = params.sampleShape ?? [];
    this.sampleShape = typeof s === "number" ? [s] : [...s];
  }
  get batchShape(): number[] {
    return this.distribution.batchShape;
  }
  override get eventShape(): number[] {
    return [...this.sampleShape, ...this.distribution.eventShape];
  }
  /** Axis permutation moving the sample axes (at `start`) after the `batchRank` batch axes. */
  private static permutation(rank: number, start: number, sampleRank: number, batchRank: number, sampleFirst: boolean): number[] {
    const before = Array.from({ length: start }, (_, i) => i);
    const sample = Array.from({ length: sampleRank }, (_, i) => start + (sampleFirst ? i : batchRank + i));
    const batch = Array.from({ length: batchRank }, (_, i) => start + (sampleFirst ? sampleRank + i : i));
    const rest = Array.from({ length: rank - start - sampleRank - batchRank }, (_, i) => start + sampleRank + batchRank + i);
    return sampleFirst ? [...before, ...batch, ...sample, ...rest] : [...before, ...sample, ...batch, ...rest];
  }
  // Inner draws come out [n, sample..., batch..., event...]; TFP's layout is [n, batch..., sample..., event...].
  protected override _sampleN(key: NDArray, n: number): NDArray {
    const draws = this.distribution.sample(key, [n, ...this.sampleShape]);
    const perm = Sample.permutation(draws.ndim, 1, this.sampleShape.length, this.batchShape.length, true);
    return np.transpose(draws, perm);
  }
  protected override _logProb(x: NDArray): NDArray {
    const sampleRank = this.sampleShape.length;
    const batchRank = this.batchShape.length;
    const eventRank = this.distribution.eventShape.length;
    // x: [extra..., batch..., sample..., event...] (batch possibly broadcast); put the sample axes before batch.
    const extra = x.ndim - sampleRank - eventRank - batchRank;
    let y = x;
    let leading = extra;
    if (extra < 0) {
      y = np.reshape(x, [...Array(-extra).fill(1), ...x.shape]);
      leading = 0;
    }
    const perm = Sample.permutation(y.ndim, leading, sampleRank, batchRank, false);
    const moved = np.transpose(y, perm);
    const lp = this.distribution.logProb(moved); // [extra..., sample..., batch...]
    return sampleRank ? np.sum(lp, Array.from({ length: sampleRank }, (_, i) => leading + i)) : lp;
  }
  protected override _entropy(): NDArray {
    return np.multiply(this.distribution.entropy(), shapeSize(this.sampleShape));
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "sample", inner: this.distribution.eventSpace(), sampleNdims: this.sampleShape.length, distribution: this.distribution };
  }
}
registerDistribution(Sample, ["distribution"], ["sampleShape"]);
