// Positive-semidefinite kernels (TFP's tfp.math.psd_kernels): apply / matrix / tensor over example and feature
// dims with TFP's batch-shape padding of parameters; all registered pytrees (parameters are the leaves).
import { ConcreteArray, NDArray, np, tree, type ArrayLike } from "@fluxion/core";
import { broadcastShapes, type FloatDType } from "../distributions/internal.js";

/** A kernel parameter: an array, or a JS number (weakly typed, so it takes the inputs' float dtype exactly). */
export type KernelParam = NDArray | number;

export interface KernelOptions {
  /** How many rightmost dims of an input form one feature vector (default 1). */
  featureNdims?: number;
  validateArgs?: boolean;
  name?: string;
}

/** Invalid kernel parameters (raised when validateArgs is on and the values are concrete). */
export class KernelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KernelError";
  }
}

/** Converts a user parameter: arrays and numbers stay; nested lists become float32 arrays (as np.array). */
export function asKernelParam(x: ArrayLike | null | undefined): KernelParam | null {
  if (x === null || x === undefined) return null;
  if (x instanceof NDArray || typeof x === "number") return x;
  return np.asarray(x);
}

const shapeOf = (p: KernelParam | null): number[] => (p instanceof NDArray ? [...p.shape] : []);

/** `p` with `ndims` trailing unit dims, so it broadcasts against example dims (TFP's pad_shape_with_ones). */
export function padShapeWithOnes(p: KernelParam, ndims: number, start = -1): KernelParam {
  if (typeof p === "number" || ndims === 0) return p;
  const s = [...p.shape];
  const at = start < 0 ? s.length + start + 1 : start;
  return np.reshape(p, [...s.slice(0, at), ...new Array<number>(ndims).fill(1), ...s.slice(at)]);
}

// Scalar math on parameters: JS numbers are computed in JS (exact), never through a float32 array.
const twoLog = (p: KernelParam): KernelParam => (typeof p === "number" ? 2 * Math.log(p) : np.multiply(2, np.log(p)));
const pSquare = (p: KernelParam): KernelParam => (typeof p === "number" ? p * p : np.square(p));
const pNegative = (p: KernelParam): KernelParam => (typeof p === "number" ? -p : np.negative(p));

/** Sum over the rightmost `ndims` dims. */
export function sumRightmost(x: NDArray, ndims: number): NDArray {
  if (ndims === 0) return x;
  return np.sum(x, Array.from({ length: ndims }, (_, i) => x.ndim - 1 - i));
}

/** √x with zero (and zero gradient) at x = 0, as TFP's Matérn kernels guard their norms. */
export function safeSqrt(x: NDArray): NDArray {
  const zero = np.equal(x, 0);
  const safe = np.where(zero, np.onesLike(x), x);
  return np.where(zero, np.zerosLike(x), np.sqrt(safe));
}

interface KernelSpec {
  params: readonly string[];
  statics: readonly string[];
}
const kernelSpecs = new Map<object, KernelSpec>();
type Fields = Record<string, unknown>;

/**
 * Registers a kernel class as a pytree: `params` (arrays, numbers, nested kernels, or null) are children, the
 * options and `statics` auxiliary data. Unflattening bypasses the constructor (leaves may be tracers).
 */
export function registerKernel(cls: { prototype: PositiveSemidefiniteKernel; name: string }, params: readonly string[], statics: readonly string[] = []): void {
  kernelSpecs.set(cls.prototype, { params, statics });
  tree.registerPytreeNode(
    cls,
    (k: PositiveSemidefiniteKernel) => {
      const f = k as unknown as Fields;
      const aux: Fields = { featureNdims: k.featureNdims, validateArgs: k.validateArgs, name: k.name };
      for (const s of statics) aux[s] = f[s];
      return [params.map((p) => f[p]), aux] as const;
    },
    (aux: Fields, children: unknown[]) => {
      const k = Object.create(cls.prototype) as Fields;
      Object.assign(k, aux);
      params.forEach((p, i) => (k[p] = children[i]));
      return k as unknown as PositiveSemidefiniteKernel;
    },
  );
}

/** Base class (TFP's PositiveSemidefiniteKernel). Subclasses implement `_apply` and `batchShape`. */
export abstract class PositiveSemidefiniteKernel {
  readonly featureNdims: number;
  readonly validateArgs: boolean;
  readonly name: string;

  protected constructor(options: KernelOptions, defaultName: string) {
    const nd = options.featureNdims ?? 1;
    if (!Number.isInteger(nd) || nd < 0) throw new KernelError(`${defaultName}: featureNdims must be a non-negative integer, got ${nd}.`);
    this.featureNdims = nd;
    this.validateArgs = options.validateArgs ?? false;
    this.name = options.name ?? defaultName;
  }

  /** Shape of a batch of kernels (the parameters' shapes broadcast; feature dims excluded). */
  abstract get batchShape(): number[];
  /** k(x1, x2) for inputs whose leading dims (incl. `exampleNdims` example dims) broadcast; parameters are padded by `exampleNdims`. */
  protected abstract _apply(x1: NDArray, x2: NDArray, exampleNdims: number): NDArray;

  /** The parameters (children of the pytree) by name. */
  get parameters(): Record<string, unknown> {
    const spec = kernelSpecs.get(Object.getPrototypeOf(this) as object);
    const f = this as unknown as Fields;
    const out: Record<string, unknown> = {};
    for (const p of spec?.params ?? []) out[p] = f[p];
    return out;
  }

  /** float64 if any array parameter is float64, float32 if any is float32, else null (numbers only: the inputs decide). */
  get dtype(): FloatDType | null {
    let found: FloatDType | null = null;
    for (const leaf of tree.leaves(this.parameters)) {
      if (leaf instanceof NDArray) {
        if (leaf.dtype === "float64") return "float64";
        if (leaf.dtype === "float32") found = "float32";
      }
    }
    return found;
  }

  protected checkInput(x: ArrayLike, what: string, minRank: number): NDArray {
    const a = x instanceof NDArray ? x : np.asarray(x, this.dtype ?? "float32");
    if (a.ndim < minRank) throw new KernelError(`${this.constructor.name}.${what}: inputs need at least ${minRank} dims (${minRank - this.featureNdims} example + ${this.featureNdims} feature), got shape [${a.shape}].`);
    return a;
  }

  /**
   * k(x1, x2) pointwise: x1 and x2 are [batch..., examples (exampleNdims dims)..., features...] and broadcast;
   * the result is [broadcast batch..., examples...].
   */
  apply(x1: ArrayLike, x2: ArrayLike, exampleNdims = 0): NDArray {
    const a = this.checkInput(x1, "apply", this.featureNdims + exampleNdims);
    const b = this.checkInput(x2, "apply", this.featureNdims + exampleNdims);
    return this._apply(a, b, exampleNdims);
  }

  /** The kernel matrix [batch..., e1, e2] between x1 [b1..., e1, f...] and x2 [b2..., e2, f...]. */
  matrix(x1: ArrayLike, x2: ArrayLike): NDArray {
    return this.tensor(x1, x2, 1, 1);
  }

  /** k between every example of x1 ([..., E1 (n1 dims), f...]) and of x2: [batch..., E1..., E2...]. */
  tensor(x1: ArrayLike, x2: ArrayLike, x1ExampleNdims: number, x2ExampleNdims: number): NDArray {
    const f = this.featureNdims;
    const a = this.checkInput(x1, "tensor", f + x1ExampleNdims);
    const b = this.checkInput(x2, "tensor", f + x2ExampleNdims);
    // x1 gets unit dims for x2's examples after its own; x2 gets unit dims for x1's examples before its own.
    const aShape = [...a.shape.slice(0, a.ndim - f), ...new Array<number>(x2ExampleNdims).fill(1), ...a.shape.slice(a.ndim - f)];
    const bCut = b.ndim - f - x2ExampleNdims;
    const bShape = [...b.shape.slice(0, bCut), ...new Array<number>(x1ExampleNdims).fill(1), ...b.shape.slice(bCut)];
    return this._apply(np.reshape(a, aShape), np.reshape(b, bShape), x1ExampleNdims + x2ExampleNdims);
  }

  /** k1 + k2 (TFP's `__add__`). */
  add(other: PositiveSemidefiniteKernel): SumKernel {
    return new SumKernel({ kernels: [this, other] });
  }
  /** k1 · k2 (TFP's `__mul__`). */
  multiply(other: PositiveSemidefiniteKernel): ProductKernel {
    return new ProductKernel({ kernels: [this, other] });
  }

  toString(): string {
    return `${this.constructor.name}("${this.name}", batchShape=[${this.batchShape}], featureNdims=${this.featureNdims})`;
  }

  /** Throws when validateArgs is on and a concrete parameter violates `ok`. */
  protected validate(what: string, p: KernelParam | null, ok: (v: number) => boolean, requirement: string): void {
    if (!this.validateArgs || p === null) return;
    // Tracers carry no values: checks apply to concrete parameters only (as TFP's static assertions).
    const values = typeof p === "number" ? [p] : p instanceof ConcreteArray ? Array.from(p.dataSync(), Number) : [];
    const bad = values.find((v) => !ok(v));
    if (bad !== undefined) throw new KernelError(`${this.constructor.name}: ${what} must be ${requirement}; got ${bad} (validateArgs is on).`);
  }
}

// ---------------------------------------------------------------- amplitude / length-scale kernels

export interface AmplitudeLengthScaleParams extends KernelOptions {
  /** Scale of the kernel's values (k(x, x) = amplitude²); null means 1. */
  amplitude?: ArrayLike | null;
  /** Input scale; null means 1. At most one of lengthScale and inverseLengthScale. */
  lengthScale?: ArrayLike | null;
  inverseLengthScale?: ArrayLike | null;
}

/** Shared parameters of the stationary kernels (TFP's _AmplitudeLengthScaleMixin). */
abstract class AmplitudeLengthScaleKernel extends PositiveSemidefiniteKernel {
  readonly amplitude: KernelParam | null;
  readonly lengthScale: KernelParam | null;
  readonly inverseLengthScale: KernelParam | null;

  protected constructor(params: AmplitudeLengthScaleParams, defaultName: string) {
    super(params, defaultName);
    if (params.lengthScale != null && params.inverseLengthScale != null) throw new KernelError(`${defaultName}: pass at most one of lengthScale and inverseLengthScale.`);
    this.amplitude = asKernelParam(params.amplitude);
    this.lengthScale = asKernelParam(params.lengthScale);
    this.inverseLengthScale = asKernelParam(params.inverseLengthScale);
    this.validate("amplitude", this.amplitude, (v) => v > 0, "positive");
    this.validate("lengthScale", this.lengthScale, (v) => v > 0, "positive");
    this.validate("inverseLengthScale", this.inverseLengthScale, (v) => v >= 0, "non-negative");
  }
  get batchShape(): number[] {
    return broadcastShapes(this.constructor.name, shapeOf(this.amplitude), shapeOf(this.lengthScale), shapeOf(this.inverseLengthScale));
  }
  /** 1 / lengthScale, or inverseLengthScale, or null (= 1). */
  protected inverseLengthScaleParameter(): KernelParam | null {
    if (this.inverseLengthScale !== null) return this.inverseLengthScale;
    if (this.lengthScale !== null) return typeof this.lengthScale === "number" ? 1 / this.lengthScale : np.reciprocal(this.lengthScale);
    return null;
  }
  /** amplitude² · exp(logShape), the common tail of every stationary kernel here. */
  protected scaled(logShape: NDArray, exampleNdims: number): NDArray {
    if (this.amplitude === null) return np.exp(logShape);
    const a = padShapeWithOnes(this.amplitude, exampleNdims);
    return np.exp(np.add(logShape, twoLog(a)));
  }
  /** ‖x1 - x2‖² over the feature dims (direct differences: no cancellation, unlike the matmul expansion). */
  protected squaredDistance(x1: NDArray, x2: NDArray): NDArray {
    return sumRightmost(np.square(np.subtract(x1, x2)), this.featureNdims);
  }
  /** ‖x1 - x2‖ / lengthScale with a zero-safe square root. */
  protected scaledNorm(x1: NDArray, x2: NDArray, exampleNdims: number): NDArray {
    const norm = safeSqrt(this.squaredDistance(x1, x2));
    const inv = this.inverseLengthScaleParameter();
    return inv === null ? norm : np.multiply(norm, padShapeWithOnes(inv, exampleNdims));
  }
}

/** a² exp(-‖x - y‖² / (2 l²)). */
export class ExponentiatedQuadratic extends AmplitudeLengthScaleKernel {
  constructor(params: AmplitudeLengthScaleParams = {}) {
    super(params, "ExponentiatedQuadratic");
  }
  protected _apply(x1: NDArray, x2: NDArray, exampleNdims: number): NDArray {
    let exponent = np.multiply(-0.5, this.squaredDistance(x1, x2));
    const inv = this.inverseLengthScaleParameter();
    if (inv !== null) exponent = np.multiply(exponent, pSquare(padShapeWithOnes(inv, exampleNdims)));
    return this.scaled(exponent, exampleNdims);
  }
}

/** Matérn ν = 1/2: a² exp(-‖x - y‖ / l). */
export class MaternOneHalf extends AmplitudeLengthScaleKernel {
  constructor(params: AmplitudeLengthScaleParams = {}) {
    super(params, "MaternOneHalf");
  }
  protected _apply(x1: NDArray, x2: NDArray, exampleNdims: number): NDArray {
    return this.scaled(np.negative(this.scaledNorm(x1, x2, exampleNdims)), exampleNdims);
  }
}

/** Matérn ν = 3/2: a² (1 + √3 r) exp(-√3 r), r = ‖x - y‖ / l (as log1p(s) - s, s = √3 r). */
export class MaternThreeHalves extends AmplitudeLengthScaleKernel {
  constructor(params: AmplitudeLengthScaleParams = {}) {
    super(params, "MaternThreeHalves");
  }
  protected _apply(x1: NDArray, x2: NDArray, exampleNdims: number): NDArray {
    const s = np.multiply(Math.sqrt(3), this.scaledNorm(x1, x2, exampleNdims));
    return this.scaled(np.subtract(np.log1p(s), s), exampleNdims);
  }
}

/** Matérn ν = 5/2: a² (1 + √5 r + 5r²/3) exp(-√5 r), r = ‖x - y‖ / l. */
export class MaternFiveHalves extends AmplitudeLengthScaleKernel {
  constructor(params: AmplitudeLengthScaleParams = {}) {
    super(params, "MaternFiveHalves");
  }
  protected _apply(x1: NDArray, x2: NDArray, exampleNdims: number): NDArray {
    const s = np.multiply(Math.sqrt(5), this.scaledNorm(x1, x2, exampleNdims));
    return this.scaled(np.subtract(np.log1p(np.add(s, np.divide(np.square(s), 3))), s), exampleNdims);
  }
}

export interface RationalQuadraticParams extends AmplitudeLengthScaleParams {
  /** α: the inverse-gamma mixing rate; null means 1. */
  scaleMixtureRate?: ArrayLike | null;
}

/** a² (1 + ‖x - y‖² / (2 α l²))^-α (TFP's RationalQuadratic). */
export class RationalQuadratic extends AmplitudeLengthScaleKernel {
  readonly scaleMixtureRate: KernelParam | null;
  constructor(params: RationalQuadraticParams = {}) {
    super(params, "RationalQuadratic");
    this.scaleMixtureRate = asKernelParam(params.scaleMixtureRate);
    this.validate("scaleMixtureRate", this.scaleMixtureRate, (v) => v > 0, "positive");
  }
  override get batchShape(): number[] {
    return broadcastShapes("RationalQuadratic", super.batchShape, shapeOf(this.scaleMixtureRate));
  }
  protected _apply(x1: NDArray, x2: NDArray, exampleNdims: number): NDArray {
    let d = np.multiply(0.5, this.squaredDistance(x1, x2));
    const inv = this.inverseLengthScaleParameter();
    if (inv !== null) d = np.multiply(d, pSquare(padShapeWithOnes(inv, exampleNdims)));
    const power = this.scaleMixtureRate === null ? 1 : padShapeWithOnes(this.scaleMixtureRate, exampleNdims);
    if (this.scaleMixtureRate !== null) d = np.divide(d, power);
    return this.scaled(np.multiply(pNegative(power), np.log1p(d)), exampleNdims);
  }
}

export interface ExpSinSquaredParams extends KernelOptions {
  amplitude?: ArrayLike | null;
  lengthScale?: ArrayLike | null;
  /** Period of the functions; null means 1. */
  period?: ArrayLike | null;
}

/** a² exp(-2 Σ_k sin²(π |x_k - y_k| / p) / l²) (TFP's ExpSinSquared, the periodic kernel). */
export class ExpSinSquared extends PositiveSemidefiniteKernel {
  readonly amplitude: KernelParam | null;
  readonly lengthScale: KernelParam | null;
  readonly period: KernelParam | null;
  constructor(params: ExpSinSquaredParams = {}) {
    super(params, "ExpSinSquared");
    this.amplitude = asKernelParam(params.amplitude);
    this.lengthScale = asKernelParam(params.lengthScale);
    this.period = asKernelParam(params.period);
    this.validate("amplitude", this.amplitude, (v) => v > 0, "positive");
    this.validate("lengthScale", this.lengthScale, (v) => v > 0, "positive");
    this.validate("period", this.period, (v) => v > 0, "positive");
  }
  get batchShape(): number[] {
    return broadcastShapes("ExpSinSquared", shapeOf(this.amplitude), shapeOf(this.lengthScale), shapeOf(this.period));
  }
  protected _apply(x1: NDArray, x2: NDArray, exampleNdims: number): NDArray {
    let difference = np.multiply(Math.PI, np.abs(np.subtract(x1, x2)));
    if (this.period !== null) difference = np.divide(difference, padShapeWithOnes(this.period, exampleNdims + this.featureNdims));
    let logKernel = sumRightmost(np.multiply(-2, np.square(np.sin(difference))), this.featureNdims);
    if (this.lengthScale !== null) logKernel = np.divide(logKernel, pSquare(padShapeWithOnes(this.lengthScale, exampleNdims)));
    if (this.amplitude !== null) logKernel = np.add(logKernel, twoLog(padShapeWithOnes(this.amplitude, exampleNdims)));
    return np.exp(logKernel);
  }
}

// ---------------------------------------------------------------- dot-product kernels

export interface PolynomialParams extends KernelOptions {
  /** Offset: k includes biasAmplitude²; null means 0. */
  biasAmplitude?: ArrayLike | null;
  /** Slope scale; null means 1. */
  slopeAmplitude?: ArrayLike | null;
  /** Point where the linear part crosses zero; null means 0. */
  shift?: ArrayLike | null;
  /** Power of the dot product; null means 1. */
  exponent?: ArrayLike | null;
}

/** b² + s² ((x - c)·(y - c))^e (TFP's Polynomial). */
export class Polynomial extends PositiveSemidefiniteKernel {
  readonly biasAmplitude: KernelParam | null;
  readonly slopeAmplitude: KernelParam | null;
  readonly shift: KernelParam | null;
  readonly exponent: KernelParam | null;
  constructor(params: PolynomialParams = {}, defaultName = "Polynomial") {
    super(params, defaultName);
    this.biasAmplitude = asKernelParam(params.biasAmplitude);
    this.slopeAmplitude = asKernelParam(params.slopeAmplitude);
    this.shift = asKernelParam(params.shift);
    this.exponent = asKernelParam(params.exponent);
    this.validate("biasAmplitude", this.biasAmplitude, (v) => v >= 0, "non-negative");
    this.validate("slopeAmplitude", this.slopeAmplitude, (v) => v >= 0, "non-negative");
    this.validate("exponent", this.exponent, (v) => v > 0, "positive");
  }
  get batchShape(): number[] {
    return broadcastShapes(this.constructor.name, shapeOf(this.biasAmplitude), shapeOf(this.slopeAmplitude), shapeOf(this.shift), shapeOf(this.exponent));
  }
  protected _apply(x1: NDArray, x2: NDArray, exampleNdims: number): NDArray {
    let dot: NDArray;
    if (this.shift === null) dot = sumRightmost(np.multiply(x1, x2), this.featureNdims);
    else {
      const c = padShapeWithOnes(this.shift, exampleNdims + this.featureNdims);
      dot = sumRightmost(np.multiply(np.subtract(x1, c), np.subtract(x2, c)), this.featureNdims);
    }
    if (this.exponent !== null) dot = np.power(dot, padShapeWithOnes(this.exponent, exampleNdims));
    if (this.slopeAmplitude !== null) dot = np.multiply(dot, pSquare(padShapeWithOnes(this.slopeAmplitude, exampleNdims)));
    if (this.biasAmplitude !== null) dot = np.add(dot, pSquare(padShapeWithOnes(this.biasAmplitude, exampleNdims)));
    return dot;
  }
}

export type LinearParams = Omit<PolynomialParams, "exponent">;

/** b² + s² (x - c)·(y - c) (TFP's Linear: Polynomial without the exponent). */
export class Linear extends Polynomial {
  constructor(params: LinearParams = {}) {
    super({ ...params, exponent: null }, "Linear");
  }
}

// ---------------------------------------------------------------- transformed and combined kernels

export interface FeatureScaledParams extends KernelOptions {
  kernel: PositiveSemidefiniteKernel;
  /** Per-feature scales [batch..., features...]: the inner kernel sees x / scaleDiag (ARD). */
  scaleDiag?: ArrayLike | null;
  inverseScaleDiag?: ArrayLike | null;
}

/** k(x / scaleDiag, y / scaleDiag) (TFP's FeatureScaled: automatic relevance determination). */
export class FeatureScaled extends PositiveSemidefiniteKernel {
  readonly kernel: PositiveSemidefiniteKernel;
  readonly scaleDiag: KernelParam | null;
  readonly inverseScaleDiag: KernelParam | null;
  constructor(params: FeatureScaledParams) {
    super({ featureNdims: params.kernel.featureNdims, ...params }, "FeatureScaled");
    if ((params.scaleDiag == null) === (params.inverseScaleDiag == null)) throw new KernelError("FeatureScaled: pass exactly one of scaleDiag and inverseScaleDiag.");
    if (this.featureNdims !== params.kernel.featureNdims) throw new KernelError("FeatureScaled: featureNdims must equal the inner kernel's.");
    this.kernel = params.kernel;
    this.scaleDiag = asKernelParam(params.scaleDiag);
    this.inverseScaleDiag = asKernelParam(params.inverseScaleDiag);
    this.validate("scaleDiag", this.scaleDiag, (v) => v > 0, "positive");
  }
  get batchShape(): number[] {
    const s = shapeOf(this.scaleDiag ?? this.inverseScaleDiag);
    return broadcastShapes("FeatureScaled", this.kernel.batchShape, s.slice(0, Math.max(0, s.length - this.featureNdims)));
  }
  private rescale(x: NDArray, exampleNdims: number): NDArray {
    // Unit example dims go just before the feature dims (TFP pads at start = -(featureNdims + 1)).
    if (this.scaleDiag !== null) return np.divide(x, padShapeWithOnes(this.scaleDiag, exampleNdims, -(this.featureNdims + 1)));
    return np.multiply(x, padShapeWithOnes(this.inverseScaleDiag!, exampleNdims, -(this.featureNdims + 1)));
  }
  protected _apply(x1: NDArray, x2: NDArray, exampleNdims: number): NDArray {
    return this.kernel.apply(this.rescale(x1, exampleNdims), this.rescale(x2, exampleNdims), exampleNdims);
  }
}

export interface CombinationParams extends KernelOptions {
  kernels: readonly PositiveSemidefiniteKernel[];
}

abstract class CombinationKernel extends PositiveSemidefiniteKernel {
  readonly kernels: PositiveSemidefiniteKernel[];
  protected constructor(params: CombinationParams, defaultName: string) {
    const ks = [...params.kernels];
    if (ks.length === 0) throw new KernelError(`${defaultName}: pass at least one kernel.`);
    super({ featureNdims: ks[0]!.featureNdims, ...params }, defaultName);
    if (ks.some((k) => k.featureNdims !== this.featureNdims)) throw new KernelError(`${defaultName}: every kernel must have the same featureNdims.`);
    this.kernels = ks;
  }
  get batchShape(): number[] {
    return broadcastShapes(this.constructor.name, ...this.kernels.map((k) => k.batchShape));
  }
}

/** Σ_i k_i (TFP's _SumKernel, what `k1 + k2` builds). */
export class SumKernel extends CombinationKernel {
  constructor(params: CombinationParams) {
    super(params, "SumKernel");
  }
  protected _apply(x1: NDArray, x2: NDArray, exampleNdims: number): NDArray {
    return this.kernels.map((k) => k.apply(x1, x2, exampleNdims)).reduce((a, b) => np.add(a, b));
  }
}

/** Π_i k_i (TFP's _ProductKernel, what `k1 * k2` builds). */
export class ProductKernel extends CombinationKernel {
  constructor(params: CombinationParams) {
    super(params, "ProductKernel");
  }
  protected _apply(x1: NDArray, x2: NDArray, exampleNdims: number): NDArray {
    return this.kernels.map((k) => k.apply(x1, x2, exampleNdims)).reduce((a, b) => np.multiply(a, b));
  }
}

const STATIONARY = ["amplitude", "lengthScale", "inverseLengthScale"] as const;
registerKernel(ExponentiatedQuadratic, STATIONARY);
registerKernel(MaternOneHalf, STATIONARY);
registerKernel(MaternThreeHalves, STATIONARY);
registerKernel(MaternFiveHalves, STATIONARY);
registerKernel(RationalQuadratic, [...STATIONARY, "scaleMixtureRate"]);
registerKernel(ExpSinSquared, ["amplitude", "lengthScale", "period"]);
registerKernel(Polynomial, ["biasAmplitude", "slopeAmplitude", "shift", "exponent"]);
registerKernel(Linear, ["biasAmplitude", "slopeAmplitude", "shift", "exponent"]);
registerKernel(FeatureScaled, ["kernel", "scaleDiag", "inverseScaleDiag"]);
registerKernel(SumKernel, ["kernels"]);
registerKernel(ProductKernel, ["kernels"]);
