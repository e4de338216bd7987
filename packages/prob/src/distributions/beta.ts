// Beta(concentration1, concentration0) (TFP's tfd.Beta): log density with xlogy/xlog1py, cdf and quantile through
// the regularized incomplete beta and its inverse, reparameterized samples through random.beta.
import { NDArray, np, random, special, type ArrayLike, type DType } from "@fluxion/core";
import { Distribution, registerDistribution, type Check, type DistributionOptions } from "./distribution.js";
import type { EventSpace } from "./eventSpace.js";
import { broadcastShapes, broadcastTo, commonFloatDtype, toFloat, xlog1py, xlogy } from "./internal.js";

export interface BetaParams extends DistributionOptions {
  concentration1: ArrayLike;
  concentration0: ArrayLike;
}

export class Beta extends Distribution {
  readonly concentration1: NDArray;
  readonly concentration0: NDArray;

  constructor(params: BetaParams) {
    super(params);
    const dtype = commonFloatDtype([params.concentration1, params.concentration0]);
    this.concentration1 = toFloat(params.concentration1, dtype);
    this.concentration0 = toFloat(params.concentration0, dtype);
    this.validateParameters();
  }
  get batchShape(): number[] {
    return broadcastShapes("Beta", this.concentration1.shape, this.concentration0.shape);
  }
  get dtype(): DType {
    return this.concentration1.dtype;
  }
  protected override _parameterChecks(): Check[] {
    return [
      { what: "concentration1", ok: np.greater(this.concentration1, 0), requirement: "positive", value: this.concentration1 },
      { what: "concentration0", ok: np.greater(this.concentration0, 0), requirement: "positive", value: this.concentration0 },
    ];
  }
  protected override _valueChecks(x: NDArray): Check[] {
    return [{ what: "value", ok: np.logicalAnd(np.greaterEqual(x, 0), np.lessEqual(x, 1)), requirement: "in [0, 1]", value: x }];
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    const shape = [n, ...this.batchShape];
    return random.beta(key, broadcastTo(this.concentration1, shape), broadcastTo(this.concentration0, shape), shape);
  }
  protected override _logProb(x: NDArray): NDArray {
    const inside = np.logicalAnd(np.greaterEqual(x, 0), np.lessEqual(x, 1));
    const safeX = np.where(inside, x, 0.5);
    const c1 = this.concentration1;
    const c0 = this.concentration0;
    const lp = np.subtract(np.add(xlogy(np.subtract(c1, 1), safeX), xlog1py(np.subtract(c0, 1), np.negative(safeX))), special.betaln(c1, c0));
    return np.where(inside, lp, -Infinity);
  }
  protected override _cdf(x: NDArray): NDArray {
    const safeX = np.clip(x, 0, 1);
    return special.betainc(this.concentration1, this.concentration0, safeX);
  }
  // Below the median 1 - I_x(c1, c0) is exact enough; above it I_{1-x}(c0, c1) avoids the subtraction (and 1 - x is
  // exact there, while for tiny x it would lose x's digits).
  private survivalParts(x: NDArray): [NDArray, NDArray, NDArray] {
    const safeX = np.clip(x, 0, 1);
    const cdf = special.betainc(this.concentration1, this.concentration0, safeX);
    const upper = special.betainc(this.concentration0, this.concentration1, np.subtract(1, safeX));
    return [np.less(cdf, 0.5), cdf, upper];
  }
  protected override _survivalFunction(x: NDArray): NDArray {
    const [low, cdf, upper] = this.survivalParts(x);
    return np.where(low, np.subtract(1, cdf), upper);
  }
  protected override _logSurvivalFunction(x: NDArray): NDArray {
    const [low, cdf, upper] = this.survivalParts(x);
    return np.where(low, np.log1p(np.negative(cdf)), np.log(upper));
  }
  protected override _quantile(p: NDArray): NDArray {
    return special.betaincinv(this.concentration1, this.concentration0, p);
  }
  protected override _mean(): NDArray {
    return np.divide(this.concentration1, np.add(this.concentration1, this.concentration0));
  }
  protected override _variance(): NDArray {
    const total = np.add(this.concentration1, this.concentration0);
    return np.divide(np.multiply(this.concentration1, this.concentration0), np.multiply(np.square(total), np.add(total, 1)));
  }
  protected override _mode(): NDArray {
    const c1 = this.concentration1;
    const c0 = this.concentration0;
    const mode = np.divide(np.subtract(c1, 1), np.subtract(np.add(c1, c0), 2));
    const ok = np.logicalAnd(np.greater(c1, 1), np.greater(c0, 1));
    return this.undefinedStat("mode", broadcastTo(mode, this.batchShape), broadcastTo(ok, this.batchShape), "concentration1 > 1 and concentration0 > 1");
  }
  protected override _entropy(): NDArray {
    const c1 = this.concentration1;
    const c0 = this.concentration0;
    const total = np.add(c1, c0);
    return np.add(
      np.subtract(np.subtract(special.betaln(c1, c0), np.multiply(np.subtract(c1, 1), special.digamma(c1))), np.multiply(np.subtract(c0, 1), special.digamma(c0))),
      np.multiply(np.subtract(total, 2), special.digamma(total)),
    );
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "unitInterval" };
  }
}
registerDistribution(Beta, ["concentration1", "concentration0"]);
