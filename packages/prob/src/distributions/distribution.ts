// The Distribution base class (TFP's tfd.Distribution): shape semantics sample + batch + event, method
// defaults derived from one another, argument validation, NaN-stat policy, and pytree registration.
import { NDArray, np, tree, type ArrayLike, type DType } from "@fluxion/core";
import { broadcastShapes, broadcastTo, isConcrete, log1mexp, sameShape, shapeSize, type FloatDType } from "./internal.js";
import type { AnyBijector } from "../bijectors/index.js";
import { type EventSpace, eventSpaceBijector } from "./eventSpace.js";

/** A method the distribution does not implement (TFP's NotImplementedError). */
export class NotImplementedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotImplementedError";
  }
}

/** A parameter or value that violates a distribution's constraints (raised when `validateArgs` is on). */
export class InvalidArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidArgumentError";
  }
}

export type ReparameterizationType = "FULLY_REPARAMETERIZED" | "NOT_REPARAMETERIZED";

/** Options every distribution accepts beside its parameters (static: they are pytree auxiliary data). */
export interface DistributionOptions {
  /** Check parameters (at construction) and values (in logProb/cdf/...) and throw InvalidArgumentError. */
  validateArgs?: boolean;
  /** When false, statistics that are undefined (e.g. a Cauchy's mean) throw instead of returning NaN. */
  allowNanStats?: boolean;
  name?: string;
}

/** One constraint on a parameter or value: `ok` is true where it holds. */
export interface Check {
  what: string;
  ok: NDArray;
  requirement: string;
  value?: NDArray;
}

interface PytreeSpec {
  params: readonly string[];
  statics: readonly string[];
}
const pytreeSpecs = new Map<object, PytreeSpec>();

/** Every registered distribution class by name (the pytree/transform tests iterate over it). */
export const distributionRegistry = new Map<string, abstract new (...args: never[]) => Distribution>();

type Fields = Record<string, unknown>;

/**
 * Registers `cls` as a pytree node: `params` (arrays, nested distributions/bijectors, or null) are the
 * children; options and `statics` are auxiliary data ("field=param" when the stored field and the constructor
 * parameter are named differently). Unflattening bypasses the constructor (as JAX requires:
 * leaves may be tracers or placeholders), so derived quantities are computed in methods, never stored.
 */
export function registerDistribution(cls: abstract new (...args: never[]) => Distribution, params: readonly string[], statics: readonly string[] = []): void {
  pytreeSpecs.set(cls.prototype, { params, statics });
  distributionRegistry.set(cls.name, cls);
  tree.registerPytreeNode(
    cls,
    (d: Distribution) => {
      const f = d as unknown as Fields;
      const aux: Fields = { validateArgs: d.validateArgs, allowNanStats: d.allowNanStats, name: d.name };
      for (const s of statics) {
        const field = s.split("=")[0]!;
        aux[field] = f[field];
      }
      return [params.map((p) => f[p]), aux] as const;
    },
    (aux: Fields, children: unknown[]) => {
      const d = Object.create(cls.prototype) as Fields;
      Object.assign(d, aux);
      params.forEach((p, i) => {
        d[p] = children[i];
      });
      return d as unknown as Distribution;
    },
  );
}

function firstFailure(ok: NDArray): number {
  const data = ok.dataSync();
  for (let i = 0; i < data.length; i++) if (!data[i]) return i;
  return -1;
}

function unravel(index: number, shape: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = shape.length - 1; i >= 0; i--) {
    out.unshift(index % shape[i]!);
    index = Math.floor(index / shape[i]!);
  }
  return out;
}

function describeFailure(check: Check): string | null {
  if (!isConcrete(check.ok, check.value)) return null;
  const i = firstFailure(check.ok);
  if (i < 0) return null;
  let got = "";
  if (check.value !== undefined) {
    const v = check.value.dataSync();
    got = v.length === check.ok.size ? `${v[i]}` : v.length === 1 ? `${v[0]}` : `[${Array.from(v.slice(0, 8)).join(", ")}${v.length > 8 ? ", ..." : ""}]`;
    got = `; got ${got}`;
  }
  const where = check.ok.ndim ? ` at index [${unravel(i, check.ok.shape).join(", ")}]` : "";
  return `${check.what} must be ${check.requirement}${got}${where}`;
}

export abstract class Distribution {
  readonly validateArgs: boolean;
  readonly allowNanStats: boolean;
  readonly name: string;

  protected constructor(options: DistributionOptions = {}) {
    this.validateArgs = options.validateArgs ?? false;
    this.allowNanStats = options.allowNanStats ?? true;
    this.name = options.name ?? new.target.name;
  }

  /** Shape of independent, non-identical draws (broadcast of the parameters' batch shapes). */
  abstract get batchShape(): number[];
  /** Shape of a single draw. */
  get eventShape(): number[] {
    return [];
  }
  /** dtype of samples. */
  abstract get dtype(): DType;
  /** Float dtype the parameters (and log-densities) use. */
  get floatDtype(): FloatDType {
    return this.dtype === "float64" ? "float64" : "float32";
  }
  get reparameterizationType(): ReparameterizationType {
    return "FULLY_REPARAMETERIZED";
  }
  /** The constructor parameters (children of the pytree) and static options, by name. */
  get parameters(): Record<string, unknown> {
    const spec = pytreeSpecs.get(Object.getPrototypeOf(this) as object);
    const f = this as unknown as Fields;
    const out: Record<string, unknown> = {};
    for (const p of spec?.params ?? []) out[p] = f[p];
    // A static "field=param" is stored as `field` but named `param` in the constructor.
    for (const s of spec?.statics ?? []) {
      const [field, param] = s.split("=");
      out[param ?? field!] = f[field!];
    }
    out.validateArgs = this.validateArgs;
    out.allowNanStats = this.allowNanStats;
    out.name = this.name;
    return out;
  }
  /** A new instance with some parameters replaced (TFP's copy). */
  copy(overrides: Record<string, unknown> = {}): this {
    const ctor = this.constructor as new (params: Record<string, unknown>) => this;
    return new ctor({ ...this.parameters, ...overrides });
  }
  toString(): string {
    const ev = this.eventShape.length ? `, eventShape=[${this.eventShape}]` : "";
    return `${this.constructor.name}("${this.name}", batchShape=[${this.batchShape}]${ev}, dtype=${this.dtype})`;
  }

  // ------------------------------------------------------------------ public API

  /** Draws with shape sampleShape + batchShape + eventShape. */
  sample(key: ArrayLike, sampleShape: number | readonly number[] = []): NDArray {
    const shape = typeof sampleShape === "number" ? [sampleShape] : [...sampleShape];
    const k = key instanceof NDArray ? key : np.asarray(key, "uint32");
    const n = shapeSize(shape);
    const draws = this._sampleN(k, n);
    const tail = draws.shape.slice(1);
    return np.reshape(draws, [...shape, ...tail]);
  }

  logProb(value: ArrayLike): NDArray {
    const x = this.checkValue("logProb", value);
    if (this.overrides("_logProb")) return this._logProb(x);
    if (this.overrides("_prob")) return np.log(this._prob(x));
    throw this.notImplemented("logProb");
  }
  prob(value: ArrayLike): NDArray {
    const x = this.checkValue("prob", value);
    if (this.overrides("_prob")) return this._prob(x);
    if (this.overrides("_logProb")) return np.exp(this._logProb(x));
    throw this.notImplemented("prob");
  }
  logCdf(value: ArrayLike): NDArray {
    const x = this.checkValue("logCdf", value);
    if (this.overrides("_logCdf")) return this._logCdf(x);
    if (this.overrides("_cdf")) return np.log(this._cdf(x));
    throw this.notImplemented("logCdf");
  }
  cdf(value: ArrayLike): NDArray {
    const x = this.checkValue("cdf", value);
    if (this.overrides("_cdf")) return this._cdf(x);
    if (this.overrides("_logCdf")) return np.exp(this._logCdf(x));
    throw this.notImplemented("cdf");
  }
  survivalFunction(value: ArrayLike): NDArray {
    const x = this.checkValue("survivalFunction", value);
    if (this.overrides("_survivalFunction")) return this._survivalFunction(x);
    if (this.overrides("_logSurvivalFunction")) return np.exp(this._logSurvivalFunction(x));
    if (this.overrides("_cdf")) return np.subtract(1, this._cdf(x));
    if (this.overrides("_logCdf")) return np.negative(np.expm1(this._logCdf(x)));
    throw this.notImplemented("survivalFunction");
  }
  logSurvivalFunction(value: ArrayLike): NDArray {
    const x = this.checkValue("logSurvivalFunction", value);
    if (this.overrides("_logSurvivalFunction")) return this._logSurvivalFunction(x);
    if (this.overrides("_survivalFunction")) return np.log(this._survivalFunction(x));
    if (this.overrides("_logCdf")) return log1mexp(this._logCdf(x));
    if (this.overrides("_cdf")) return np.log1p(np.negative(this._cdf(x)));
    throw this.notImplemented("logSurvivalFunction");
  }
  quantile(p: ArrayLike): NDArray {
    if (!this.overrides("_quantile")) throw this.notImplemented("quantile");
    const q = p instanceof NDArray ? (p.dtype === this.floatDtype ? p : np.astype(p, this.floatDtype)) : np.asarray(p, this.floatDtype);
    if (this.validateArgs) this.assertChecks("quantile", [{ what: "probability", ok: np.logicalAnd(np.greaterEqual(q, 0), np.lessEqual(q, 1)), requirement: "in [0, 1]", value: q }]);
    return this._quantile(q);
  }
  mean(): NDArray {
    if (!this.overrides("_mean")) throw this.notImplemented("mean");
    return this.broadcastStat(this._mean());
  }
  mode(): NDArray {
    if (!this.overrides("_mode")) throw this.notImplemented("mode");
    return this.broadcastStat(this._mode());
  }
  variance(): NDArray {
    if (this.overrides("_variance")) return this.broadcastStat(this._variance());
    if (this.overrides("_stddev")) return this.broadcastStat(np.square(this._stddev()));
    if (this.overrides("_covariance") && this.eventShape.length === 1) return this.broadcastStat(diagOf(this._covariance()));
    throw this.notImplemented("variance");
  }
  stddev(): NDArray {
    if (this.overrides("_stddev")) return this.broadcastStat(this._stddev());
    return np.sqrt(this.variance());
  }
  covariance(): NDArray {
    if (this.overrides("_covariance")) {
      const c = this._covariance();
      const ev = this.eventShape;
      return broadcastTo(c, [...this.batchShape, ...ev, ...ev]);
    }
    if (this.eventShape.length === 0 && (this.overrides("_variance") || this.overrides("_stddev"))) return this.variance();
    throw this.notImplemented("covariance");
  }
  entropy(): NDArray {
    if (!this.overrides("_entropy")) throw this.notImplemented("entropy");
    return broadcastTo(this._entropy(), this.batchShape);
  }
  /**
   * The bijector from unconstrained reals onto this distribution's support (what MCMC and VI use); null for
   * discrete distributions, as TFP's None.
   */
  defaultEventSpaceBijector(): AnyBijector | null {
    if (!this.overrides("_eventSpace")) throw this.notImplemented("defaultEventSpaceBijector");
    return eventSpaceBijector(this._eventSpace());
  }
  /** Which support the default event-space bijector maps onto (a description; see eventSpace.ts). */
  eventSpace(): EventSpace {
    if (!this.overrides("_eventSpace")) throw this.notImplemented("defaultEventSpaceBijector");
    return this._eventSpace();
  }

  // ------------------------------------------------------------------ implementation hooks

  protected _sampleN(_key: NDArray, _n: number): NDArray {
    throw this.notImplemented("sample");
  }
  protected _logProb(_x: NDArray): NDArray {
    throw this.notImplemented("logProb");
  }
  protected _prob(_x: NDArray): NDArray {
    throw this.notImplemented("prob");
  }
  protected _logCdf(_x: NDArray): NDArray {
    throw this.notImplemented("logCdf");
  }
  protected _cdf(_x: NDArray): NDArray {
    throw this.notImplemented("cdf");
  }
  protected _survivalFunction(_x: NDArray): NDArray {
    throw this.notImplemented("survivalFunction");
  }
  protected _logSurvivalFunction(_x: NDArray): NDArray {
    throw this.notImplemented("logSurvivalFunction");
  }
  protected _quantile(_p: NDArray): NDArray {
    throw this.notImplemented("quantile");
  }
  protected _mean(): NDArray {
    throw this.notImplemented("mean");
  }
  protected _mode(): NDArray {
    throw this.notImplemented("mode");
  }
  protected _variance(): NDArray {
    throw this.notImplemented("variance");
  }
  protected _stddev(): NDArray {
    throw this.notImplemented("stddev");
  }
  protected _covariance(): NDArray {
    throw this.notImplemented("covariance");
  }
  protected _entropy(): NDArray {
    throw this.notImplemented("entropy");
  }
  protected _eventSpace(): EventSpace {
    throw this.notImplemented("defaultEventSpaceBijector");
  }
  /** Constraints on the parameters, checked at construction when validateArgs is on. */
  protected _parameterChecks(): Check[] {
    return [];
  }
  /** Constraints on a value passed to logProb/cdf/..., checked when validateArgs is on. */
  protected _valueChecks(_x: NDArray): Check[] {
    return [];
  }
  /** Converts a user value to the dtype the density is computed in. */
  protected _convertValue(value: ArrayLike): NDArray {
    const d = this.floatDtype;
    if (value instanceof NDArray) return value.dtype === d ? value : np.astype(value, d);
    return np.asarray(value, d);
  }

  // ------------------------------------------------------------------ helpers for subclasses

  /** Runs the parameter checks (subclass constructors call this last). */
  protected validateParameters(): void {
    if (this.validateArgs) this.assertChecks("constructor", this._parameterChecks());
  }
  protected assertChecks(method: string, checks: readonly Check[]): void {
    for (const c of checks) {
      const failure = describeFailure(c);
      if (!failure) continue;
      const where = method === "constructor" ? `${this.constructor.name}: parameter ` : `${this.constructor.name}.${method}: `;
      throw new InvalidArgumentError(`${where}${failure} (validateArgs is on).`);
    }
  }
  private checkValue(method: string, value: ArrayLike): NDArray {
    const x = this._convertValue(value);
    if (this.validateArgs) this.assertChecks(method, this._valueChecks(x));
    return x;
  }
  /**
   * A statistic defined only where `defined` holds: NaN elsewhere when allowNanStats, otherwise an error
   * (when the parameters are concrete; under tracing NaN is the only option, as in TFP's JAX substrate).
   */
  protected undefinedStat(method: string, value: NDArray, defined: NDArray, requirement: string): NDArray {
    if (!this.allowNanStats && isConcrete(defined) && firstFailure(defined) >= 0) {
      throw new InvalidArgumentError(`${this.constructor.name}.${method} is undefined unless ${requirement}; pass allowNanStats: true to get NaN instead.`);
    }
    const shape = broadcastShapes(`${this.constructor.name}.${method}`, value.shape, defined.shape);
    return np.where(broadcastTo(defined, shape), broadcastTo(value, shape), np.full(shape, NaN, value.dtype));
  }
  protected notImplemented(method: string): NotImplementedError {
    return new NotImplementedError(`${this.constructor.name}.${method} is not implemented (TFP does not define it for this distribution either, or it has no closed form).`);
  }
  private overrides(hook: string): boolean {
    const own = (this as unknown as Fields)[hook];
    const base = (Distribution.prototype as unknown as Fields)[hook];
    return own !== base;
  }
  private broadcastStat(x: NDArray): NDArray {
    const shape = [...this.batchShape, ...this.eventShape];
    if (sameShape(x.shape, shape)) return x;
    return broadcastTo(x, broadcastShapes(`${this.constructor.name} statistic`, x.shape, shape));
  }
}

function diagOf(c: NDArray): NDArray {
  const n = c.shape[c.ndim - 1]!;
  return np.sum(np.multiply(c, np.eye(n, n, 0, c.dtype)), -1);
}
