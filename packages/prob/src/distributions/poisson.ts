// Poisson(rate | logRate) (TFP's tfd.Poisson): float-valued counts; log pmf x log(rate) - rate - lgamma(x + 1),
// which (as TFP, unless forceProbsToZeroOutsideSupport) also interpolates between integers; cdf through Q(x+1, rate).
import { NDArray, np, special, type ArrayLike, type DType } from "@fluxion/core";
import { Distribution, registerDistribution, type Check, type DistributionOptions } from "./distribution.js";
import type { EventSpace } from "./eventSpace.js";
import { commonFloatDtype, isInteger, toFloat, type FloatDType } from "./internal.js";
import { samplePoisson } from "./sampling.js";

export interface PoissonParams extends DistributionOptions {
  rate?: ArrayLike | null;
  logRate?: ArrayLike | null;
  /** When true, non-integer values get log-probability -inf (TFP's option of the same name). */
  forceProbsToZeroOutsideSupport?: boolean;
}

export class Poisson extends Distribution {
  readonly rate: NDArray | null;
  readonly logRate: NDArray | null;
  readonly forceProbsToZeroOutsideSupport: boolean;

  constructor(params: PoissonParams) {
    super(params);
    const hasRate = params.rate !== undefined && params.rate !== null;
    const hasLogRate = params.logRate !== undefined && params.logRate !== null;
    if (hasRate === hasLogRate) throw new Error("Poisson: pass exactly one of rate and logRate.");
    const dtype = commonFloatDtype([params.rate, params.logRate]);
    this.rate = hasRate ? toFloat(params.rate!, dtype) : null;
    this.logRate = hasLogRate ? toFloat(params.logRate!, dtype) : null;
    this.forceProbsToZeroOutsideSupport = params.forceProbsToZeroOutsideSupport ?? false;
    this.validateParameters();
  }
  get batchShape(): number[] {
    return [...(this.rate ?? this.logRate)!.shape];
  }
  get dtype(): DType {
    return (this.rate ?? this.logRate)!.dtype;
  }
  override get floatDtype(): FloatDType {
    return this.dtype as FloatDType;
  }
  override get reparameterizationType(): "NOT_REPARAMETERIZED" {
    return "NOT_REPARAMETERIZED";
  }
  rateParameter(): NDArray {
    return this.rate ?? np.exp(this.logRate!);
  }
  logRateParameter(): NDArray {
    return this.logRate ?? np.log(this.rate!);
  }
  protected override _parameterChecks(): Check[] {
    if (!this.rate) return [];
    return [{ what: "rate", ok: np.greaterEqual(this.rate, 0), requirement: "non-negative", value: this.rate }];
  }
  protected override _valueChecks(x: NDArray): Check[] {
    const checks: Check[] = [{ what: "value", ok: np.greaterEqual(x, 0), requirement: "non-negative", value: x }];
    if (this.forceProbsToZeroOutsideSupport) checks.push({ what: "value", ok: isInteger(x), requirement: "an integer", value: x });
    return checks;
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    const shape = [n, ...this.batchShape];
    return samplePoisson(key, this.rateParameter(), shape);
  }
  protected override _logProb(x: NDArray): NDArray {
    const inside = np.greaterEqual(x, 0);
    const safeX = np.where(inside, x, 0);
    const rate = this.rateParameter();
    // x log(rate) with 0 log 0 = 0 so rate = 0 puts all mass on 0.
    const xLogRate = np.where(np.equal(safeX, 0), 0, np.multiply(safeX, this.logRateParameter()));
    const lp = np.subtract(np.subtract(xLogRate, rate), special.gammaln(np.add(safeX, 1)));
    const supported = this.forceProbsToZeroOutsideSupport ? np.logicalAnd(inside, isInteger(x)) : inside;
    return np.where(supported, lp, -Infinity);
  }
  private kPlusOne(x: NDArray): NDArray {
    return np.add(np.floor(np.maximum(x, 0)), 1);
  }
  protected override _cdf(x: NDArray): NDArray {
    return np.where(np.less(x, 0), 0, special.gammaincc(this.kPlusOne(x), this.rateParameter()));
  }
  protected override _logCdf(x: NDArray): NDArray {
    return np.log(this._cdf(x));
  }
  protected override _survivalFunction(x: NDArray): NDArray {
    return np.where(np.less(x, 0), 1, special.gammainc(this.kPlusOne(x), this.rateParameter()));
  }
  protected override _logSurvivalFunction(x: NDArray): NDArray {
    return np.log(this._survivalFunction(x));
  }
  protected override _mean(): NDArray {
    return this.rateParameter();
  }
  protected override _variance(): NDArray {
    return this.rateParameter();
  }
  protected override _mode(): NDArray {
    return np.floor(this.rateParameter());
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "discrete" };
  }
}
registerDistribution(Poisson, ["rate", "logRate"], ["forceProbsToZeroOutsideSupport"]);

