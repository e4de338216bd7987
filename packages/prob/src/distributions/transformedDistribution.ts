// TransformedDistribution({distribution, bijector}) (TFP's tfd.TransformedDistribution): Y = g(X), with
// log p_Y(y) = log p_X(g^-1(y)) + log|det d g^-1 / dy|. Samples pass through the bijector's cache, so logProb of
// a draw uses the exact pre-image. cdf-type methods need a scalar monotone bijector; moments an affine one.
import { NDArray, np, type DType } from "@fluxion/core";
import { jvp } from "@fluxion/transforms";
import type { AnyBijector } from "../bijectors/index.js";
import { Distribution, registerDistribution, type DistributionOptions } from "./distribution.js";
import type { EventSpace } from "./eventSpace.js";
import { broadcastShapes, sameShape, type FloatDType } from "./internal.js";

export interface TransformedDistributionParams extends DistributionOptions {
  distribution: Distribution;
  bijector: AnyBijector;
}

export class TransformedDistribution extends Distribution {
  readonly distribution: Distribution;
  readonly bijector: AnyBijector;

  constructor(params: TransformedDistributionParams) {
    super({ name: `${params.bijector.name}${params.distribution.name}`, ...params });
    this.distribution = params.distribution;
    this.bijector = params.bijector;
  }
  private baseEventNdims(): number {
    return this.distribution.eventShape.length;
  }
  /**
   * The bijector's own batch shape, read off its output and log-det-Jacobian at one base event (only the shapes
   * matter; under jit this traces, it does not compute).
   */
  private bijectorBatchShape(): number[] {
    const x = np.zeros(this.distribution.eventShape, this.distribution.floatDtype);
    const y = this.bijector.forward(x) as NDArray;
    const yBatch = y.shape.slice(0, y.ndim - this.eventShape.length);
    const ldj = this.bijector.forwardLogDetJacobian(x, this.baseEventNdims());
    return broadcastShapes("TransformedDistribution", yBatch, ldj.shape);
  }
  get batchShape(): number[] {
    return broadcastShapes("TransformedDistribution", this.distribution.batchShape, this.bijectorBatchShape());
  }
  override get eventShape(): number[] {
    return [...(this.bijector.forwardEventShape(this.distribution.eventShape) as readonly number[])];
  }
  get dtype(): DType {
    return this.distribution.dtype;
  }
  override get floatDtype(): FloatDType {
    return this.distribution.floatDtype;
  }
  override get reparameterizationType() {
    return this.distribution.reparameterizationType;
  }
  /**
   * Base draws of the full batch shape (extra leading batch axes the bijector adds are drawn independently),
   * pushed forward; returned as the bijector's own output so its cache maps them back exactly.
   */
  override sample(key: Parameters<Distribution["sample"]>[0], sampleShape: number | readonly number[] = []): NDArray {
    const shape = typeof sampleShape === "number" ? [sampleShape] : [...sampleShape];
    const full = this.batchShape;
    const base = this.distribution.batchShape;
    const extra = full.length > base.length && sameShape(full.slice(full.length - base.length), base) ? full.slice(0, full.length - base.length) : [];
    const x = this.distribution.sample(key, [...shape, ...extra]);
    return this.bijector.forward(x) as NDArray;
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    return this.sample(key, [n]);
  }
  protected override _convertValue(value: Parameters<Distribution["logProb"]>[0]): NDArray {
    // Keep the caller's array object: the bijector's inverse cache is keyed by identity.
    return value instanceof NDArray ? value : np.asarray(value, this.floatDtype);
  }
  protected override _logProb(y: NDArray): NDArray {
    const x = this.bijector.inverse(y) as NDArray;
    const ildj = this.bijector.inverseLogDetJacobian(y, this.eventShape.length);
    return np.add(this.distribution.logProb(x), ildj);
  }
  private requireScalar(method: string): void {
    if (this.eventShape.length !== 0 || this.baseEventNdims() !== 0) {
      throw this.notImplemented(`${method} (it needs a scalar, monotone bijector)`);
    }
  }
  /** Elementwise: is the scalar bijector increasing at x (sign of its derivative)? */
  private increasingAt(x: NDArray): NDArray {
    const [, slope] = jvp((v: NDArray) => this.bijector.forward(v) as NDArray, [x], [np.onesLike(x)]) as [NDArray, NDArray];
    return np.greater(slope, 0);
  }
  protected override _cdf(y: NDArray): NDArray {
    this.requireScalar("cdf");
    const x = this.bijector.inverse(y) as NDArray;
    return np.where(this.increasingAt(x), this.distribution.cdf(x), this.distribution.survivalFunction(x));
  }
  protected override _logCdf(y: NDArray): NDArray {
    this.requireScalar("logCdf");
    const x = this.bijector.inverse(y) as NDArray;
    return np.where(this.increasingAt(x), this.distribution.logCdf(x), this.distribution.logSurvivalFunction(x));
  }
  protected override _survivalFunction(y: NDArray): NDArray {
    this.requireScalar("survivalFunction");
    const x = this.bijector.inverse(y) as NDArray;
    return np.where(this.increasingAt(x), this.distribution.survivalFunction(x), this.distribution.cdf(x));
  }
  protected override _logSurvivalFunction(y: NDArray): NDArray {
    this.requireScalar("logSurvivalFunction");
    const x = this.bijector.inverse(y) as NDArray;
    return np.where(this.increasingAt(x), this.distribution.logSurvivalFunction(x), this.distribution.logCdf(x));
  }
  protected override _quantile(p: NDArray): NDArray {
    this.requireScalar("quantile");
    const median = this.distribution.quantile(np.fullLike(p, 0.5));
    const up = this.increasingAt(median);
    const x = this.distribution.quantile(np.where(up, p, np.subtract(1, p)));
    return this.bijector.forward(x) as NDArray;
  }
  private requireAffine(method: string): void {
    if (!this.bijector.isConstantJacobian) throw this.notImplemented(`${method} (it needs an affine bijector)`);
  }
  protected override _mean(): NDArray {
    this.requireAffine("mean");
    return this.bijector.forward(this.distribution.mean()) as NDArray;
  }
  protected override _mode(): NDArray {
    this.requireAffine("mode");
    return this.bijector.forward(this.distribution.mode()) as NDArray;
  }
  protected override _stddev(): NDArray {
    this.requireAffine("stddev");
    this.requireScalar("stddev");
    const s = this.distribution.stddev();
    return np.abs(np.subtract(this.bijector.forward(s) as NDArray, this.bijector.forward(np.zerosLike(s)) as NDArray));
  }
  // Cov(A x + b) = A Cov(x) A^T, with A applied column by column through the bijector (TFP's construction).
  protected override _covariance(): NDArray {
    this.requireAffine("covariance");
    if (this.eventShape.length !== 1 || this.baseEventNdims() !== 1) throw this.notImplemented("covariance (it needs a vector-to-vector bijector)");
    const cov = this.distribution.covariance();
    const apply = (m: NDArray): NDArray => {
      const rows = np.moveaxis(m, -2, 0);
      const shift = this.bijector.forward(np.zerosLike(rows)) as NDArray;
      return np.moveaxis(np.subtract(this.bijector.forward(rows) as NDArray, shift), 0, -2);
    };
    const half = apply(cov);
    return apply(np.swapaxes(half, -1, -2));
  }
  protected override _entropy(): NDArray {
    this.requireAffine("entropy");
    const x = np.zeros([...this.distribution.batchShape, ...this.distribution.eventShape], this.floatDtype);
    return np.add(this.distribution.entropy(), this.bijector.forwardLogDetJacobian(x, this.baseEventNdims()));
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "pushforward", base: this.distribution, bijector: this.bijector };
  }
}
registerDistribution(TransformedDistribution, ["distribution", "bijector"]);
