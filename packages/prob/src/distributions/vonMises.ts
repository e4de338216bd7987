// VonMises(loc, concentration) on the circle (TFP's tfd.VonMises): cdf by Hill's algorithm 518 (series for small
// concentration, a normal approximation above 10.5), samples by Best & Fisher's wrapped-Cauchy rejection with
// implicit reparameterization gradients (Figurnov et al. 2018): dx/dk = -(dF/dk) / p(x).
import { NDArray, lax, np, random, special, type ArrayLike, type DType } from "@fluxion/core";
import { jvp } from "@fluxion/transforms";
import { Distribution, registerDistribution, type Check, type DistributionOptions } from "./distribution.js";
import type { EventSpace } from "./eventSpace.js";
import { LOG_2PI, broadcastShapes, broadcastTo, commonFloatDtype, finfo, toFloat, type FloatDType } from "./internal.js";
import { splitKey } from "./sampling.js";

/** cos(x) - 1 = -2 sin^2(x/2), accurate near 0. */
const cosm1 = (x: NDArray): NDArray => np.multiply(-2, np.square(np.sin(np.multiply(0.5, x))));

const SERIES_CUTOFF = 10.5;
const SERIES_TERMS = 30;

/** Hill's backward recurrence for the series part of the cdf, valid for concentration < 10.5. */
function cdfSeries(x: NDArray, k: NDArray): NDArray {
  let rn = np.zerosLike(x);
  let vn = np.zerosLike(x);
  for (let n = SERIES_TERMS; n >= 1; n--) {
    rn = np.reciprocal(np.add(np.divide(2 * n, k), rn));
    vn = np.multiply(rn, np.add(np.divide(np.sin(np.multiply(n, x)), n), vn));
  }
  const cdf = np.add(np.add(0.5, np.divide(x, 2 * Math.PI)), np.divide(vn, Math.PI));
  return np.clip(cdf, 0, 1);
}

/** Hill's normal approximation for large concentration. */
function cdfNormal(x: NDArray, k: NDArray): NDArray {
  const z = np.multiply(np.divide(Math.sqrt(2 / Math.PI), special.i0e(k)), np.sin(np.multiply(0.5, x)));
  const z2 = np.square(z);
  const c = np.multiply(24, k);
  const inner = np.subtract(np.divide(np.subtract(np.subtract(c, np.multiply(2, z2)), 16), 3), np.divide(np.add(np.add(np.square(z2), np.multiply(1.75, z2)), 83.5), np.add(np.subtract(c, z2), -53)));
  const xi = np.subtract(z, np.divide(np.multiply(z2, z), np.square(inner)));
  return special.ndtr(xi);
}

/** P(X <= x) for X ~ VonMises(0, k), counted from -pi, so each full turn adds 1 (TFP's and scipy's convention). */
export function vonMisesCdf(x: NDArray, k: NDArray): NDArray {
  const periods = np.round(np.divide(x, 2 * Math.PI));
  const wrapped = np.subtract(x, np.multiply(2 * Math.PI, periods));
  const series = np.less(k, SERIES_CUTOFF);
  const kSeries = np.where(series, k, 1);
  const kNormal = np.where(series, 2 * SERIES_CUTOFF, k);
  return np.add(np.where(series, cdfSeries(wrapped, kSeries), cdfNormal(wrapped, kNormal)), periods);
}

/** Best & Fisher (1979) rejection sampler for VonMises(0, k), vectorised with a done mask (as TFP). */
function sampleStandardNoGrad(key: NDArray, k: NDArray): NDArray {
  const dtype = k.dtype as FloatDType;
  const r = np.add(1, np.sqrt(np.add(1, np.multiply(4, np.square(k)))));
  const rho = np.divide(np.subtract(r, np.sqrt(np.multiply(2, r))), np.multiply(2, k));
  const sExact = np.divide(np.add(1, np.square(rho)), np.multiply(2, rho));
  // For tiny k the exact s loses precision; 1/k is its limit (TFP's cutoffs).
  const s = np.where(np.greater(k, dtype === "float64" ? 1.2e-4 : 2e-2), sExact, np.reciprocal(k));
  const shape = [...k.shape];
  type State = [NDArray, NDArray, NDArray, NDArray];
  const [, u, w] = lax.whileLoop(
    ([done]: State) => np.logicalNot(np.all(done)),
    ([done, uIn, wIn, kk]: State): State => {
      const [uKey, vKey, next] = splitKey(kk, 3);
      const uNew = random.uniform(uKey!, shape, { dtype, minval: -1, maxval: 1 });
      const zz = np.cos(np.multiply(Math.PI, uNew));
      const wNew = np.divide(np.add(1, np.multiply(s, zz)), np.add(s, zz));
      const y = np.multiply(k, np.subtract(s, wNew));
      const v = random.uniform(vKey!, shape, { dtype });
      const accept = np.logicalOr(np.greaterEqual(np.multiply(y, np.subtract(2, y)), v), np.greaterEqual(np.add(np.log(np.divide(y, v)), 1), y));
      return [np.logicalOr(done, accept), np.where(done, uIn, uNew), np.where(done, wIn, wNew), next!];
    },
    [np.full(shape, false), np.zeros(shape, dtype), np.zeros(shape, dtype), key] as State,
  ) as State;
  return np.multiply(np.sign(u), np.arccos(np.clip(w, -1, 1)));
}

let sampler: ((key: NDArray, k: NDArray) => NDArray) | null = null;
function standardSampler(): (key: NDArray, k: NDArray) => NDArray {
  if (!sampler) {
    const f = lax.customJvp((key: NDArray, k: NDArray) => sampleStandardNoGrad(key, k));
    f.defjvp(([key, k], [, kDot]) => {
      const x = sampleStandardNoGrad(key, k);
      const [, dCdfDk] = jvp((kk: NDArray) => vonMisesCdf(x, kk), [k], [np.onesLike(k)]) as [NDArray, NDArray];
      const invProb = np.multiply(np.exp(np.negative(np.multiply(k, cosm1(x)))), np.multiply(2 * Math.PI, special.i0e(k)));
      return [x, np.multiply(kDot, np.negative(np.multiply(dCdfDk, invProb)))];
    });
    sampler = f;
  }
  return sampler;
}

export interface VonMisesParams extends DistributionOptions {
  loc: ArrayLike;
  concentration: ArrayLike;
}

export class VonMises extends Distribution {
  readonly loc: NDArray;
  readonly concentration: NDArray;

  constructor(params: VonMisesParams) {
    super(params);
    const dtype = commonFloatDtype([params.loc, params.concentration]);
    this.loc = toFloat(params.loc, dtype);
    this.concentration = toFloat(params.concentration, dtype);
    this.validateParameters();
  }
  get batchShape(): number[] {
    return broadcastShapes("VonMises", this.loc.shape, this.concentration.shape);
  }
  get dtype(): DType {
    return this.loc.dtype;
  }
  protected override _parameterChecks(): Check[] {
    return [{ what: "concentration", ok: np.greaterEqual(this.concentration, 0), requirement: "non-negative", value: this.concentration }];
  }
  protected override _sampleN(key: NDArray, n: number): NDArray {
    const shape = [n, ...this.batchShape];
    const k = np.maximum(broadcastTo(this.concentration, shape), finfo(this.floatDtype).tiny);
    const x = np.add(standardSampler()(key, k), this.loc);
    return np.subtract(x, np.multiply(2 * Math.PI, np.round(np.divide(x, 2 * Math.PI))));
  }
  protected override _logProb(x: NDArray): NDArray {
    const k = this.concentration;
    return np.subtract(np.multiply(k, cosm1(np.subtract(x, this.loc))), np.add(np.log(special.i0e(k)), LOG_2PI));
  }
  protected override _cdf(x: NDArray): NDArray {
    const z = np.subtract(x, this.loc);
    const shape = broadcastShapes("VonMises.cdf", z.shape, this.concentration.shape);
    return vonMisesCdf(broadcastTo(z, shape), broadcastTo(this.concentration, shape));
  }
  protected override _mean(): NDArray {
    return this.loc;
  }
  protected override _mode(): NDArray {
    return this.loc;
  }
  /** Circular variance 1 - E cos(x - loc) = 1 - I1(k)/I0(k). */
  protected override _variance(): NDArray {
    const k = this.concentration;
    return np.subtract(1, np.divide(special.i1e(k), special.i0e(k)));
  }
  protected override _entropy(): NDArray {
    const k = this.concentration;
    const i0e = special.i0e(k);
    return np.add(np.add(np.multiply(k, np.subtract(1, np.divide(special.i1e(k), i0e))), np.log(i0e)), LOG_2PI);
  }
  protected override _eventSpace(): EventSpace {
    return { kind: "interval", low: np.full([], -Math.PI, this.floatDtype), high: np.full([], Math.PI, this.floatDtype) };
  }
}
registerDistribution(VonMises, ["loc", "concentration"]);
