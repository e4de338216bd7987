// Coordinatewise (scalar) bijectors: Identity, Exp, Log, Softplus, Sigmoid, Tanh, NormalCDF, Power.
// Formulas and numerics follow TFP's tensorflow_probability/python/bijectors/<name>.py.
import { ConcreteArray, NDArray, np, special, type ArrayLike } from "@fluxion/core";
import {
  Bijector,
  BijectorError,
  asOptionalParam,
  asParam,
  defaultName,
  registerBijector,
  shouldValidate,
  valuesOf,
  zeroLdj,
  type BijectorOptions,
  type Param,
} from "./bijector.js";
import { sigmoid, softplus, softplusInverse } from "./ops.js";

const LOG_2 = Math.LN2;
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

function statics(options: BijectorOptions, className: string): { name: string; validateArgs: boolean } {
  return { name: options.name ?? defaultName(className), validateArgs: options.validateArgs ?? false };
}

/** Y = X. */
export class Identity extends Bijector {
  constructor(options: BijectorOptions = {}) {
    const s = statics(options, "Identity");
    super({ forwardMinEventNdims: 0, isConstantJacobian: true, ...s, parameters: { ...s } });
  }
  override get isPermutation(): boolean {
    return true;
  }
  protected _forward(x: NDArray): NDArray {
    return x;
  }
  protected _inverse(y: NDArray): NDArray {
    return y;
  }
  protected override _forwardLogDetJacobian(x: NDArray): NDArray {
    return zeroLdj(x);
  }
  protected override _inverseLogDetJacobian(y: NDArray): NDArray {
    return zeroLdj(y);
  }
}
registerBijector(Identity, [], (p) => new Identity(p as BijectorOptions));

/** Y = exp(X). */
export class Exp extends Bijector {
  constructor(options: BijectorOptions = {}) {
    const s = statics(options, "Exp");
    super({ forwardMinEventNdims: 0, ...s, parameters: { ...s } });
  }
  protected _forward(x: NDArray): NDArray {
    return np.exp(x);
  }
  protected _inverse(y: NDArray): NDArray {
    return np.log(y);
  }
  protected override _forwardLogDetJacobian(x: NDArray): NDArray {
    return x;
  }
  protected override _inverseLogDetJacobian(y: NDArray): NDArray {
    return np.negative(np.log(y));
  }
}
registerBijector(Exp, [], (p) => new Exp(p as BijectorOptions));

/** Y = log(X) (TFP's Log = Invert(Exp)). */
export class Log extends Bijector {
  constructor(options: BijectorOptions = {}) {
    const s = statics(options, "Log");
    super({ forwardMinEventNdims: 0, ...s, parameters: { ...s } });
  }
  protected _forward(x: NDArray): NDArray {
    return np.log(x);
  }
  protected _inverse(y: NDArray): NDArray {
    return np.exp(y);
  }
  protected override _forwardLogDetJacobian(x: NDArray): NDArray {
    return np.negative(np.log(x));
  }
  protected override _inverseLogDetJacobian(y: NDArray): NDArray {
    return y;
  }
}
registerBijector(Log, [], (p) => new Log(p as BijectorOptions));

export interface SoftplusParams extends BijectorOptions {
  /** Nonzero c in Y = c·log(1 + exp(X/c)) (default 1); negative c reflects. */
  hingeSoftness?: ArrayLike | null;
  /** Lower bound added to the output (TFP's `low`): Y = softplus(X) + low. */
  low?: ArrayLike | null;
  /** Alias of `low`. */
  lowerBound?: ArrayLike | null;
}

/** Y = c·log(1 + exp(X/c)) + low. */
export class Softplus extends Bijector {
  readonly hingeSoftness: Param | null;
  readonly low: Param | null;
  constructor(params: SoftplusParams = {}) {
    if (params.low != null && params.lowerBound != null) throw new BijectorError("Softplus: pass `low` or its alias `lowerBound`, not both.");
    const hingeSoftness = asOptionalParam(params.hingeSoftness);
    const low = asOptionalParam(params.low ?? params.lowerBound);
    const s = statics(params, "Softplus");
    super({ forwardMinEventNdims: 0, ...s, parameters: { hingeSoftness, low, ...s } });
    this.hingeSoftness = hingeSoftness;
    this.low = low;
    if (shouldValidate(this.validateArgs, hingeSoftness) && hingeSoftness !== null && valuesOf(hingeSoftness as number | ConcreteArray).some((v) => v === 0)) {
      throw new BijectorError("Softplus: argument `hingeSoftness` must be non-zero.");
    }
  }
  protected _forward(x: NDArray): NDArray {
    const c = this.hingeSoftness;
    const y = c === null ? softplus(x) : np.multiply(c, softplus(np.divide(x, c)));
    return this.low === null ? y : np.add(y, this.low);
  }
  protected _inverse(y: NDArray): NDArray {
    const c = this.hingeSoftness;
    const shifted = this.low === null ? y : np.subtract(y, this.low);
    return c === null ? softplusInverse(shifted) : np.multiply(c, softplusInverse(np.divide(shifted, c)));
  }
  protected override _forwardLogDetJacobian(x: NDArray): NDArray {
    const u = this.hingeSoftness === null ? x : np.divide(x, this.hingeSoftness);
    return np.negative(softplus(np.negative(u)));
  }
  protected override _inverseLogDetJacobian(y: NDArray): NDArray {
    // d x / d y = 1 / (1 - exp(-y)): -log(-expm1(-y)) is stable for large y and accurate for small y.
    let u = this.low === null ? y : np.subtract(y, this.low);
    if (this.hingeSoftness !== null) u = np.divide(u, this.hingeSoftness);
    return np.negative(np.log(np.negative(np.expm1(np.negative(u)))));
  }
}
registerBijector(Softplus, ["hingeSoftness", "low"], (p) => new Softplus(p as SoftplusParams));

export interface SigmoidParams extends BijectorOptions {
  /** Lower end of the output interval (default 0); pass both `low` and `high` or neither. */
  low?: ArrayLike | null;
  /** Upper end of the output interval (default 1). */
  high?: ArrayLike | null;
}

/** Y = low + (high - low)·sigmoid(X). */
export class Sigmoid extends Bijector {
  readonly low: Param | null;
  readonly high: Param | null;
  constructor(params: SigmoidParams = {}) {
    const hasLow = params.low !== null && params.low !== undefined;
    const hasHigh = params.high !== null && params.high !== undefined;
    if (hasLow !== hasHigh) throw new BijectorError("Sigmoid: pass both `low` and `high`, or neither.");
    const low = asOptionalParam(params.low);
    const high = asOptionalParam(params.high);
    const s = statics(params, "Sigmoid");
    super({ forwardMinEventNdims: 0, ...s, parameters: { low, high, ...s } });
    this.low = low;
    this.high = high;
    if (hasLow && shouldValidate(this.validateArgs, low, high) && np.any(np.greaterEqual(low!, high!)).item()) {
      throw new BijectorError("Sigmoid: not defined when `low` >= `high`.");
    }
  }
  /** high - low, in double precision when both are JS numbers. */
  private width(): Param {
    const [lo, hi] = [this.low!, this.high!];
    return typeof lo === "number" && typeof hi === "number" ? hi - lo : np.subtract(hi, lo);
  }
  protected _forward(x: NDArray): NDArray {
    if (this.low === null || this.high === null) return sigmoid(x);
    // Both halves are evaluated from the side where they cannot overshoot `high` (TFP's note).
    const diff = this.width();
    const left = np.add(this.low, np.multiply(diff, sigmoid(x)));
    const right = np.subtract(this.high, np.multiply(diff, sigmoid(np.negative(x))));
    return np.where(np.less(x, 0), left, right);
  }
  protected _inverse(y: NDArray): NDArray {
    if (this.low === null || this.high === null) return np.subtract(np.log(y), np.log1p(np.negative(y)));
    return np.subtract(np.log(np.subtract(y, this.low)), np.log(np.subtract(this.high, y)));
  }
  // Only the forward LDJ is implemented: TFP notes -log(y) - log1p(-y) loses precision.
  protected override _forwardLogDetJacobian(x: NDArray): NDArray {
    const ldj = np.negative(np.add(softplus(np.negative(x)), softplus(x)));
    if (this.low === null || this.high === null) return ldj;
    const w = this.width();
    return np.add(ldj, typeof w === "number" ? Math.log(w) : np.log(w));
  }
}
registerBijector(Sigmoid, ["low", "high"], (p) => new Sigmoid(p as SigmoidParams));

/** Y = tanh(X). */
export class Tanh extends Bijector {
  constructor(options: BijectorOptions = {}) {
    const s = statics(options, "Tanh");
    super({ forwardMinEventNdims: 0, ...s, parameters: { ...s } });
  }
  protected _forward(x: NDArray): NDArray {
    return np.tanh(x);
  }
  protected _inverse(y: NDArray): NDArray {
    return np.arctanh(y);
  }
  protected override _forwardLogDetJacobian(x: NDArray): NDArray {
    // log(1 - tanh(x)²) = 2(log 2 - x - softplus(-2x)), finite for every finite x.
    return np.multiply(2, np.subtract(np.subtract(LOG_2, x), softplus(np.multiply(-2, x))));
  }
}
registerBijector(Tanh, [], (p) => new Tanh(p as BijectorOptions));

/** Y = Φ(X), the standard normal cdf. */
export class NormalCDF extends Bijector {
  constructor(options: BijectorOptions = {}) {
    const s = { name: options.name ?? "normal", validateArgs: options.validateArgs ?? false };
    super({ forwardMinEventNdims: 0, ...s, parameters: { ...s } });
  }
  protected _forward(x: NDArray): NDArray {
    return special.ndtr(x);
  }
  protected _inverse(y: NDArray): NDArray {
    if (shouldValidate(this.validateArgs, y) && valuesOf(y as ConcreteArray).some((v) => !(v >= 0 && v <= 1))) {
      throw new BijectorError("NormalCDF.inverse: the input must lie in [0, 1].");
    }
    return special.ndtri(y);
  }
  protected override _forwardLogDetJacobian(x: NDArray): NDArray {
    return np.subtract(-HALF_LOG_2PI, np.divide(np.square(x), 2));
  }
}
registerBijector(NormalCDF, [], (p) => new NormalCDF(p as BijectorOptions));

export interface PowerParams extends BijectorOptions {
  /** Nonzero exponent; the domain is x ≥ 0 unless it is an odd integer. */
  power: ArrayLike;
}

function isOddInteger(p: Param): NDArray {
  return np.logicalAnd(np.equal(p, np.round(p)), np.equal(np.mod(np.abs(p), 2), 1));
}

/** Y = X^power. */
export class Power extends Bijector {
  readonly power: Param;
  constructor(params: PowerParams) {
    const power = asParam(params.power);
    const s = statics(params, "Power");
    super({ forwardMinEventNdims: 0, ...s, parameters: { power, ...s } });
    this.power = power;
    if (shouldValidate(this.validateArgs, power) && valuesOf(power as number | ConcreteArray).some((v) => v === 0)) {
      throw new BijectorError("Power: argument `power` must be non-zero.");
    }
  }
  private checkDomain(t: NDArray, what: string): void {
    if (!shouldValidate(this.validateArgs, t, this.power)) return;
    if (np.any(np.logicalAnd(np.less(t, 0), np.logicalNot(isOddInteger(this.power)))).item()) {
      throw new BijectorError(`Power.${what}: elements must be non-negative, except for odd-integer powers.`);
    }
  }
  protected _forward(x: NDArray): NDArray {
    this.checkDomain(x, "forward");
    return np.power(x, this.power);
  }
  protected _inverse(y: NDArray): NDArray {
    this.checkDomain(y, "inverse");
    // Odd integer powers take the real root of |y| and restore the sign; the absolute value is taken
    // only on that branch so that negative inputs to other powers still give NaN, as TFP.
    const odd = isOddInteger(this.power);
    const p = this.power;
    const magnitude = np.power(np.where(odd, np.abs(y), y), typeof p === "number" ? 1 / p : np.divide(1, p));
    return np.where(odd, np.multiply(np.sign(y), magnitude), magnitude);
  }
  protected override _forwardLogDetJacobian(x: NDArray): NDArray {
    // JS-number powers are combined in double precision (np on two JS numbers would round to float32).
    const p = this.power;
    const logAbsPower = typeof p === "number" ? Math.log(Math.abs(p)) : np.log(np.abs(p));
    const exponent = typeof p === "number" ? np.add(np.zerosLike(x), p - 1) : np.subtract(p, 1);
    return np.add(logAbsPower, special.xlogy(exponent, np.abs(x)));
  }
}
registerBijector(Power, ["power"], (p) => new Power(p as unknown as PowerParams));
