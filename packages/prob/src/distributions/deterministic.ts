// Deterministic(loc, atol, rtol) and VectorDeterministic (TFP's tfd.Deterministic / tfd.VectorDeterministic): a
// point mass at loc; values within atol + rtol |loc| of it count as equal.
import { NDArray, np, type ArrayLike, type DType } from "@fluxion/core";
import { Distribution, registerDistribution, type Check, type DistributionOptions } from "./distribution.js";
import type { EventSpace } from "./eventSpace.js";
import { broadcastShapes, broadcastTo, commonFloatDtype, toFloat, type FloatDType } from "./internal.js";

export interface DeterministicParams extends DistributionOptions {
  loc: ArrayLike;
  atol?: ArrayLike;
  rtol?: ArrayLike;
}

abstract class DeterministicBase extends Distribution {
  readonly loc: NDArray;
  readonly atol: NDArray;
  readonly rtol: NDArray;

  constructor(params: DeterministicParams) {
    super(params);
    const dtype = commonFloatDtype([params.loc, params.atol, params.rtol]);
    this.loc = toFloat(params.loc, dtype);
    this.atol = toFloat(params.atol ?? 0, dtype);
    this.rtol = toFloat(params.rtol ?? 0, dtype);
  }
  get dtype(): DType {
    return this.loc.dtype;
  }
  override get floatDtype(): FloatDType {
    return this.loc.dtype as FloatDType;
  }
  override get reparameterizationType(): "NOT_REPARAMETERIZED" {
    return "NOT_REPARAMETERIZED";
  }
  protected override _parameterChecks(): Check[] {
    return [
      { what: "atol", ok: np.greaterEqual(this.atol, 0), requirement: "non-negative", value: this.atol },
      { what: "rtol", ok: np.greaterEqual(this.rtol, 0), requirement: "non-negative", value: this.rtol },
    ];
  }
  protected slack(): NDArray {
    return np.add(this.atol, np.multiply(this.rtol, np.abs(this.loc)));
  }
  protected close(x: NDArray): NDArray {
    return np.lessEqual(np.abs(np.subtract(x, this.loc)), this.slack());
  }
  protected override _sampleN(_key: NDArray, n: number): NDArray {
    return broadcastTo(this.loc, [n, ...this.batchShape, ...this.eventShape]);
  }
  protected override _mean(): NDArray {
    return this.loc;
  }
  protected override _mode(): NDArray {
    return this.loc;
  }
  protected override _variance(): NDArray {
    return np.zerosLike(this.loc);
  }
  protected override _entropy(): NDArray {
    return np.zeros(this.batchShape, this.floatDtype);
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "discrete" };
  }
}

export class Deterministic extends DeterministicBase {
  constructor(params: DeterministicParams) {
    super(params);
    this.validateParameters();
  }
  get batchShape(): number[] {
    return broadcastShapes("Deterministic", this.loc.shape, this.atol.shape, this.rtol.shape);
  }
  protected override _prob(x: NDArray): NDArray {
    return np.astype(this.close(x), this.floatDtype);
  }
  protected override _logProb(x: NDArray): NDArray {
    return np.where(this.close(x), 0, -Infinity);
  }
  protected override _cdf(x: NDArray): NDArray {
    return np.astype(np.greaterEqual(x, np.subtract(this.loc, this.slack())), this.floatDtype);
  }
}
registerDistribution(Deterministic, ["loc", "atol", "rtol"]);

/** A point mass at the vector loc ([..., k]); every coordinate must be within tolerance. */
export class VectorDeterministic extends DeterministicBase {
  constructor(params: DeterministicParams) {
    super(params);
    if (this.loc.ndim < 1) throw new Error("VectorDeterministic: loc needs a last (event) axis.");
    this.validateParameters();
  }
  get batchShape(): number[] {
    return broadcastShapes("VectorDeterministic", this.loc.shape.slice(0, -1), this.atol.shape.slice(0, -1), this.rtol.shape.slice(0, -1));
  }
  override get eventShape(): number[] {
    return [this.loc.shape[this.loc.ndim - 1]!];
  }
  protected override _prob(x: NDArray): NDArray {
    return np.astype(np.all(this.close(x), -1), this.floatDtype);
  }
  protected override _logProb(x: NDArray): NDArray {
    return np.where(np.all(this.close(x), -1), 0, -Infinity);
  }
}
registerDistribution(VectorDeterministic, ["loc", "atol", "rtol"]);
