// Dirichlet(concentration) on the simplex (TFP's tfd.Dirichlet); reparameterized samples through random.dirichlet
// (normalised gamma draws with implicit gradients).
import { NDArray, np, random, special, type ArrayLike, type DType } from "@fluxion/core";
import { Distribution, registerDistribution, type Check, type DistributionOptions } from "./distribution.js";
import type { EventSpace } from "./eventSpace.js";
import { broadcastTo, commonFloatDtype, diagMatrix, toFloat, xlogy } from "./internal.js";

/** log multivariate beta over the last axis: sum lgamma(a) - lgamma(sum a). */
export function lbeta(a: NDArray): NDArray {
  return np.subtract(np.sum(special.gammaln(a), -1), special.gammaln(np.sum(a, -1)));
}

export interface DirichletParams extends DistributionOptions {
  concentration: ArrayLike;
}

export class Dirichlet extends Distribution {
  readonly concentration: NDArray;

  constructor(params: DirichletParams) {
    super(params);
    this.concentration = toFloat(params.concentration, commonFloatDtype([params.concentration]));
    if (this.concentration.ndim < 1) throw new Error("Dirichlet: concentration needs a last (event) axis.");
    this.validateParameters();
  }
  get batchShape(): number[] {
    return this.concentration.shape.slice(0, -1);
  }
  override get eventShape(): number[] {
    return [this.concentration.shape[this.concentration.ndim - 1]!];
  }
  get dtype(): DType {
    return this.concentration.dtype;
  }
  private total(keepdims = false): NDArray {
    return np.sum(this.concentration, -1, keepdims);
  }
  protected override _parameterChecks(): Check[] {
    return [{ what: "concentration", ok: np.greater(this.concentration, 0), requirement: "positive", value: this.concentration }];
  }
  protected override _valueChecks(x: NDArray): Check[] {
    const tol = this.floatDtype === "float64" ? 1e-10 : 1e-5;
    return [
      { what: "value", ok: np.all(np.greaterEqual(x, 0), -1), requirement: "non-negative" },
      { what: "value", ok: np.less(np.abs(np.subtract(np.sum(x, -1), 1)), tol), requirement: "on the simplex (summing to 1)" },
    ];
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    const alpha = broadcastTo(this.concentration, [...this.batchShape, ...this.eventShape]);
    return random.dirichlet(key, alpha, [n, ...this.batchShape]);
  }
  protected override _logProb(x: NDArray): NDArray {
    return np.subtract(np.sum(xlogy(np.subtract(this.concentration, 1), x), -1), lbeta(this.concentration));
  }
  protected override _mean(): NDArray {
    return np.divide(this.concentration, this.total(true));
  }
  protected override _variance(): NDArray {
    const total = this.total(true);
    const m = np.divide(this.concentration, total);
    return np.divide(np.multiply(m, np.subtract(1, m)), np.add(total, 1));
  }
  protected override _covariance(): NDArray {
    const total = this.total(true);
    const m = np.divide(this.concentration, total);
    const outer = np.multiply(np.expandDims(m, -1), np.expandDims(m, -2));
    return np.divide(np.subtract(diagMatrix(m), outer), np.expandDims(np.add(total, 1), -1));
  }
  protected override _mode(): NDArray {
    const k = this.eventShape[0]!;
    const mode = np.divide(np.subtract(this.concentration, 1), np.subtract(this.total(true), k));
    const defined = np.all(np.greater(this.concentration, 1), -1, true);
    const shape = [...this.batchShape, k];
    return this.undefinedStat("mode", broadcastTo(mode, shape), broadcastTo(defined, shape), "every concentration > 1");
  }
  protected override _entropy(): NDArray {
    const a = this.concentration;
    const total = this.total();
    const k = this.eventShape[0]!;
    return np.subtract(np.add(lbeta(a), np.multiply(np.subtract(total, k), special.digamma(total))), np.sum(np.multiply(np.subtract(a, 1), special.digamma(a)), -1));
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "simplex" };
  }
}
registerDistribution(Dirichlet, ["concentration"]);
