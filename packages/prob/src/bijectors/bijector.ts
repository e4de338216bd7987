// The Bijector base class (TFP's tfp.bijectors.Bijector): forward/inverse with an identity-keyed cache,
// log-det-Jacobians reduced over extra event dims as TFP does, event shapes/ndims, and pytree registration.
import { ConcreteArray, FluxionError, NDArray, ShapeError, np, tree, type ArrayLike, type DType } from "@fluxion/core";
import { broadcastShapes } from "./ops.js";
import { StructureError, flatten, flattenUpTo, isNested, mapStructure, mapStructureUpTo, type Nested } from "./nest.js";

/** Minimum (or actual) event ranks: a number for single-part bijectors, a structure for multipart ones. */
export type Ndims = Nested<number>;
/** A bijector input/output: one array, or a structure of arrays for multipart bijectors. */
export type Value = Nested<NDArray>;
/** What callers may pass where a Value is expected (the bijector's min-event-ndims structure disambiguates). */
export type ValueLike = Nested<ArrayLike>;
export type Shape = readonly number[];
/** One shape, or a structure of shapes matching a multipart bijector's parts. */
export type ShapeStructure = Nested<Shape>;
/** A bijector parameter: an array, or a JS number (weakly typed, as a Python scalar in JAX). */
export type Param = NDArray | number;

/** Argument types of the public methods, derived from the value type of each side. */
export type InputOf<T extends Value> = T extends NDArray ? ArrayLike : ValueLike;
export type ShapeOf<T extends Value> = T extends NDArray ? Shape : ShapeStructure;
export type NdimsOf<T extends Value> = T extends NDArray ? number : Ndims;

/** Invalid bijector parameters or inputs (raised only with `validateArgs`, or for static misuse). */
export class BijectorError extends FluxionError {}

// ---------------------------------------------------------------- parameters and pytree rebuilding

// While positive, constructors store parameters exactly as given: pytree unflattening may hand them
// tracers, cotangents or placeholder leaves, which must not be converted or validated (as JAX asks).
let restoringDepth = 0;

/** Whether a constructor is running to rebuild a bijector from pytree leaves (skip conversion and checks). */
export function isRestoring(): boolean {
  return restoringDepth > 0;
}

function restoring<T>(build: () => T): T {
  restoringDepth++;
  try {
    return build();
  } finally {
    restoringDepth--;
  }
}

/** Converts a user parameter: arrays stay, JS numbers stay (weakly typed), nested lists become arrays. */
export function asParam(x: ArrayLike): Param {
  if (restoringDepth > 0 || x instanceof NDArray || typeof x === "number") return x as Param;
  return np.asarray(x);
}

/** `asParam` for optional parameters; `null`/`undefined` become `null`. */
export function asOptionalParam(x: ArrayLike | null | undefined): Param | null {
  if (x === null || x === undefined) return null;
  return asParam(x);
}

/** Whether a parameter's value can be inspected now (not a tracer inside a transform). */
export function isConcrete(x: unknown): x is number | ConcreteArray {
  return typeof x === "number" || x instanceof ConcreteArray;
}

/** Runs a validation only when checks are on and every input is concrete (as TFP's static assertions). */
export function shouldValidate(validateArgs: boolean, ...values: unknown[]): boolean {
  return validateArgs && restoringDepth === 0 && values.every((v) => v === null || v === undefined || isConcrete(v));
}

/** Elements of a concrete parameter or input, for validation. */
export function valuesOf(x: number | ConcreteArray): number[] {
  return typeof x === "number" ? [x] : Array.from(x.dataSync(), Number);
}

type NodeClass<B> = { readonly prototype: B; readonly name: string };
const registeredClasses: NodeClass<Bijector<Value, Value>>[] = [];

/**
 * Registers a bijector class as a pytree node: the parameters named in `treeKeys` (arrays, numbers, nested
 * bijectors) are children; every other entry of `parameters` is static auxiliary data. `build` reconstructs
 * an instance from a full parameters object and runs with conversion and validation switched off.
 */
export function registerBijector<B extends Bijector<Value, Value>>(
  cls: NodeClass<B>,
  treeKeys: readonly string[],
  build: (parameters: Record<string, unknown>) => B,
): void {
  tree.registerPytreeNode<B, Record<string, unknown>>(
    cls,
    (b) => {
      const statics: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(b.parameters)) if (!treeKeys.includes(k) && v !== undefined) statics[k] = v;
      return [treeKeys.map((k) => b.parameters[k]), statics];
    },
    (statics, children) => {
      const parameters: Record<string, unknown> = { ...statics };
      treeKeys.forEach((k, i) => (parameters[k] = children[i]));
      return restoring(() => build(parameters));
    },
  );
  registeredClasses.push(cls as NodeClass<Bijector<Value, Value>>);
}

/** Every bijector class registered as a pytree, in registration order. */
export function registeredBijectorClasses(): readonly NodeClass<Bijector<Value, Value>>[] {
  return [...registeredClasses];
}

// ---------------------------------------------------------------- caching

interface CacheEntry {
  readonly keyLeaves: readonly unknown[];
  readonly signature: string;
  readonly value: Value;
}

const leafOnly = (x: Value) => (isNested(x) ? JSON.stringify(mapStructure(() => 0, x)) : "");
const alive = (x: unknown) => !(x instanceof NDArray) || !x.isDisposed;

/**
 * Results keyed by the identity of the input arrays (TFP's bijector cache): `inverse(forward(x))` returns
 * the very array `x`. Weakly keyed, so cached pairs die with their arrays.
 */
class IdentityCache {
  private readonly entries = new WeakMap<object, CacheEntry[]>();

  get(key: Value): Value | undefined {
    const leaves = flatten(key);
    const first = leaves[0];
    if (typeof first !== "object" || first === null) return undefined;
    const list = this.entries.get(first);
    if (!list) return undefined;
    const signature = leafOnly(key);
    for (const e of list) {
      if (e.signature !== signature || e.keyLeaves.length !== leaves.length) continue;
      if (!e.keyLeaves.every((l, i) => l === leaves[i])) continue;
      if (!flatten(e.value).every(alive) || !leaves.every(alive)) return undefined;
      return e.value;
    }
    return undefined;
  }

  set(key: Value, value: Value): void {
    const leaves = flatten(key);
    const first = leaves[0];
    if (typeof first !== "object" || first === null) return;
    const list = this.entries.get(first) ?? [];
    list.push({ keyLeaves: leaves, signature: leafOnly(key), value });
    if (list.length > 4) list.shift();
    this.entries.set(first, list);
  }
}

// ---------------------------------------------------------------- log-det-Jacobian reduction

function assertNdims(nd: unknown, what: string): number {
  if (typeof nd !== "number" || !Number.isInteger(nd) || nd < 0) {
    throw new BijectorError(`${what}: event ndims must be non-negative integers, got ${JSON.stringify(nd)}.`);
  }
  return nd;
}

/**
 * The common excess `eventNdims - minEventNdims` over all parts (TFP's ldj_reduction_ndims); it must be the
 * same for every part and non-negative.
 */
export function ldjReductionNdims(eventNdims: Ndims, minEventNdims: Ndims, what = "ldjReductionNdims"): number {
  const nds = flattenUpTo(minEventNdims, eventNdims).map((n) => assertNdims(n, what));
  const mins = flatten(minEventNdims).map((n) => assertNdims(n, what));
  const diffs = nds.map((n, i) => n - mins[i]!);
  if (diffs.length === 0) return 0;
  if (diffs.some((d) => d !== diffs[0])) {
    throw new BijectorError(
      `${what}: eventNdims - minEventNdims must be equal for all parts; saw eventNdims=${JSON.stringify(eventNdims)}, minEventNdims=${JSON.stringify(minEventNdims)}.`,
    );
  }
  if (diffs[0]! < 0) throw new BijectorError(`${what}: eventNdims must be at least ${JSON.stringify(minEventNdims)}, saw ${JSON.stringify(eventNdims)}.`);
  return diffs[0]!;
}

/**
 * Shape of the event dims between `minEventNdims` and `eventNdims` over which the unreduced log-det-Jacobian
 * is summed (TFP's ldj_reduction_shape). Parts must agree unless event-shape broadcasting is allowed.
 */
export function ldjReductionShape(shapes: ShapeStructure, eventNdims: Ndims, minEventNdims: Ndims, allowEventShapeBroadcasting: boolean, what: string): number[] {
  const reduceNdims = ldjReductionNdims(eventNdims, minEventNdims, what);
  const flatShapes = flattenUpTo(minEventNdims, shapes) as Shape[];
  const flatNdims = flattenUpTo(minEventNdims, eventNdims) as number[];
  const parts = flatShapes.map((s, i) => {
    const nd = flatNdims[i]!;
    if (s.length < nd) throw new ShapeError(`${what}: input must have rank at least ${nd}, saw shape [${s}].`);
    return s.slice(s.length - nd, s.length - nd + reduceNdims);
  });
  if (parts.length === 0) return [];
  let out = [...parts[0]!];
  for (const p of parts.slice(1)) {
    if (allowEventShapeBroadcasting) out = broadcastShapes(out, p, what);
    else if (p.length !== out.length || p.some((d, i) => d !== out[i])) {
      throw new ShapeError(`${what}: event-shape components to the left of minEventNdims must be equal across parts, saw [${out}] and [${p}].`);
    }
  }
  return out;
}

/** Sums `unreduced` over the trailing `reduceShape` (broadcasting it first, for constant Jacobians). */
export function reduceJacobianDetOverShape(unreduced: NDArray, reduceShape: Shape): NDArray {
  if (reduceShape.length === 0) return unreduced;
  const k = reduceShape.length;
  const tail = unreduced.shape.slice(Math.max(0, unreduced.ndim - k));
  const full = tail.length === k && tail.every((d, i) => d === reduceShape[i]);
  const x = full ? unreduced : np.multiply(np.ones(reduceShape, unreduced.dtype), unreduced);
  const axes = Array.from({ length: k }, (_, i) => x.ndim - k + i);
  return np.sum(x, axes);
}

// ---------------------------------------------------------------- the base class

export interface BijectorConfig {
  forwardMinEventNdims: Ndims;
  /** Defaults to `forwardMinEventNdims`. */
  inverseMinEventNdims?: Ndims;
  isConstantJacobian?: boolean;
  validateArgs?: boolean;
  name: string;
  /** Constructor parameters after conversion (pytree children and static data; see registerBijector). */
  parameters: Record<string, unknown>;
}

/** Options every bijector constructor accepts. */
export interface BijectorOptions {
  validateArgs?: boolean;
  name?: string;
}

/** A zero scalar in `x`'s dtype (or float32 for non-float inputs), for constant-Jacobian bijectors. */
export function zeroLdj(x: Value): NDArray {
  const first = flatten(x)[0];
  const dtype: DType = first instanceof NDArray && (first.dtype === "float64" || first.dtype === "float32") ? first.dtype : "float32";
  return np.zeros([], dtype);
}

let chainFactory: ((bijectors: Bijector<Value, Value>[]) => Bijector<Value, Value>) | null = null;
/** Lets composition.ts provide `Chain` to `Bijector.call` without an import cycle. */
export function setChainFactory(f: (bijectors: Bijector<Value, Value>[]) => Bijector<Value, Value>): void {
  chainFactory = f;
}

/**
 * Base class of all bijectors. Subclasses implement `_forward`, `_inverse` and at least one of
 * `_forwardLogDetJacobian` / `_inverseLogDetJacobian` (unreduced: evaluated at the minimum event ndims),
 * and, when they change shapes, `_forwardEventShape` / `_inverseEventShape`.
 */
export abstract class Bijector<X extends Value = NDArray, Y extends Value = NDArray> {
  readonly name: string;
  readonly validateArgs: boolean;
  readonly forwardMinEventNdims: NdimsOf<X>;
  readonly inverseMinEventNdims: NdimsOf<Y>;
  /** Whether the Jacobian does not depend on the input. */
  readonly isConstantJacobian: boolean;
  /** The constructor's parameters (after conversion); pytree children and static data come from here. */
  readonly parameters: Readonly<Record<string, unknown>>;
  private readonly forwardResults = new IdentityCache();
  private readonly inverseResults = new IdentityCache();

  protected constructor(config: BijectorConfig) {
    this.name = config.name;
    this.validateArgs = config.validateArgs ?? false;
    this.forwardMinEventNdims = config.forwardMinEventNdims as NdimsOf<X>;
    this.inverseMinEventNdims = (config.inverseMinEventNdims ?? config.forwardMinEventNdims) as NdimsOf<Y>;
    this.isConstantJacobian = config.isConstantJacobian ?? false;
    this.parameters = config.parameters;
    // Bound, so that `vmap(b.inverse)` and `grad(b.forward)` work as in JAX.
    this.forward = this.forward.bind(this);
    this.inverse = this.inverse.bind(this);
    this.forwardLogDetJacobian = this.forwardLogDetJacobian.bind(this);
    this.inverseLogDetJacobian = this.inverseLogDetJacobian.bind(this);
  }

  protected abstract _forward(x: X): Y;
  protected abstract _inverse(y: Y): X;
  /** Unreduced log|det J_forward(x)| at the minimum event ndims. */
  protected _forwardLogDetJacobian?(x: X): NDArray;
  /** Unreduced log|det J_inverse(y)| at the minimum event ndims. */
  protected _inverseLogDetJacobian?(y: Y): NDArray;
  protected _forwardEventShape(shape: ShapeOf<X>): ShapeOf<Y> {
    return shape as unknown as ShapeOf<Y>;
  }
  protected _inverseEventShape(shape: ShapeOf<Y>): ShapeOf<X> {
    return shape as unknown as ShapeOf<X>;
  }

  /**
   * Whether the parts of a multipart input interact (TFP's _parts_interact): if so every part must carry
   * the same number of extra event dims. Multipart bijectors interact unless they say otherwise.
   */
  get partsInteract(): boolean {
    return isNested(this.forwardMinEventNdims) || isNested(this.inverseMinEventNdims);
  }

  /** Whether y is a reordering/restructuring of x (zero log-det-Jacobian). */
  get isPermutation(): boolean {
    return false;
  }

  /** Converts user input to arrays, part by part, following a min-event-ndims structure. */
  protected convertInput(value: unknown, structure: Ndims, what: string): Value {
    try {
      return mapStructureUpTo(structure, (v) => (v instanceof NDArray ? v : np.asarray(v as ArrayLike)), value) as Value;
    } catch (e) {
      if (e instanceof StructureError) throw new StructureError(`${this.constructor.name}.${what}: the input does not match the bijector's parts: ${e.message}`);
      throw e;
    }
  }

  /** y = g(x). The result is cached so that `inverse(y)` returns this very `x`. */
  forward(x: InputOf<X>): Y {
    const xv = this.convertInput(x, this.forwardMinEventNdims, "forward") as X;
    const hit = this.forwardResults.get(xv);
    if (hit !== undefined) return hit as Y;
    const y = this._forward(xv);
    this.forwardResults.set(xv, y);
    this.inverseResults.set(y, xv);
    return y;
  }

  /** x = g⁻¹(y). The result is cached so that `forward(x)` returns this very `y`. */
  inverse(y: InputOf<Y>): X {
    const yv = this.convertInput(y, this.inverseMinEventNdims, "inverse") as Y;
    const hit = this.inverseResults.get(yv);
    if (hit !== undefined) return hit as X;
    const x = this._inverse(yv);
    this.inverseResults.set(yv, x);
    this.forwardResults.set(x, yv);
    return x;
  }

  /** Unreduced forward log-det-Jacobian at `x` (already converted). */
  protected unreducedForwardLdj(x: X): NDArray {
    if (this._forwardLogDetJacobian) return this._forwardLogDetJacobian(x);
    if (this._inverseLogDetJacobian) return np.negative(this._inverseLogDetJacobian(this.forward(x as InputOf<X>)));
    throw new BijectorError(`${this.constructor.name}: neither _forwardLogDetJacobian nor _inverseLogDetJacobian is implemented.`);
  }

  /** Unreduced inverse log-det-Jacobian at `y` (already converted). */
  protected unreducedInverseLdj(y: Y): NDArray {
    if (this._inverseLogDetJacobian) return this._inverseLogDetJacobian(y);
    if (this._forwardLogDetJacobian) return np.negative(this._forwardLogDetJacobian(this.inverse(y as InputOf<Y>)));
    throw new BijectorError(`${this.constructor.name}: neither _forwardLogDetJacobian nor _inverseLogDetJacobian is implemented.`);
  }

  private shapesOf(v: Value, structure: Ndims): ShapeStructure {
    return mapStructureUpTo(structure, (a) => (a as NDArray).shape, v) as ShapeStructure;
  }

  /**
   * log|det ∂g(x)/∂x|, summed over the `eventNdims - forwardMinEventNdims` rightmost dims beyond the minimum
   * (default `forwardMinEventNdims`: no reduction), as TFP.
   */
  forwardLogDetJacobian(x: InputOf<X>, eventNdims?: NdimsOf<X>): NDArray {
    const xv = this.convertInput(x, this.forwardMinEventNdims, "forwardLogDetJacobian") as X;
    const nd: Ndims = eventNdims ?? this.forwardMinEventNdims;
    const reduceShape = ldjReductionShape(this.shapesOf(xv, this.forwardMinEventNdims), nd, this.forwardMinEventNdims, !this.partsInteract, `${this.constructor.name}.forwardLogDetJacobian`);
    return reduceJacobianDetOverShape(this.unreducedForwardLdj(xv), reduceShape);
  }

  /** log|det ∂g⁻¹(y)/∂y|, reduced over extra event dims as `forwardLogDetJacobian`. */
  inverseLogDetJacobian(y: InputOf<Y>, eventNdims?: NdimsOf<Y>): NDArray {
    const yv = this.convertInput(y, this.inverseMinEventNdims, "inverseLogDetJacobian") as Y;
    const nd: Ndims = eventNdims ?? this.inverseMinEventNdims;
    const reduceShape = ldjReductionShape(this.shapesOf(yv, this.inverseMinEventNdims), nd, this.inverseMinEventNdims, !this.partsInteract, `${this.constructor.name}.inverseLogDetJacobian`);
    return reduceJacobianDetOverShape(this.unreducedInverseLdj(yv), reduceShape);
  }

  /** Shape of `forward`'s output for an input of shape `shape` (whole shapes or event shapes). */
  forwardEventShape(shape: ShapeOf<X>): ShapeOf<Y> {
    return this._forwardEventShape(shape);
  }

  /** Shape of `inverse`'s output for an input of shape `shape`. */
  inverseEventShape(shape: ShapeOf<Y>): ShapeOf<X> {
    return this._inverseEventShape(shape);
  }

  /** Event ndims of `forward`'s output given the input's (TFP's forward_event_ndims). */
  forwardEventNdims(eventNdims: NdimsOf<X>): NdimsOf<Y> {
    const extra = ldjReductionNdims(eventNdims, this.forwardMinEventNdims, `${this.constructor.name}.forwardEventNdims`);
    return mapStructure((n) => (n as number) + extra, this.inverseMinEventNdims) as NdimsOf<Y>;
  }

  /** Event ndims of `inverse`'s output given the input's. */
  inverseEventNdims(eventNdims: NdimsOf<Y>): NdimsOf<X> {
    const extra = ldjReductionNdims(eventNdims, this.inverseMinEventNdims, `${this.constructor.name}.inverseEventNdims`);
    return mapStructure((n) => (n as number) + extra, this.forwardMinEventNdims) as NdimsOf<X>;
  }

  /**
   * TFP's `__call__`: applied to a bijector `b`, returns `Chain([this, b])` (this after b); applied to a
   * value, returns `forward(value)`.
   */
  call<W extends Value>(value: Bijector<W, X>): Bijector<W, Y>;
  call(value: InputOf<X>): Y;
  call(value: unknown): unknown {
    if (value instanceof Bijector) {
      if (!chainFactory) throw new BijectorError("Bijector.call: Chain is not loaded; import the bijectors index.");
      return chainFactory([this as unknown as Bijector<Value, Value>, value as Bijector<Value, Value>]);
    }
    return this.forward(value as InputOf<X>);
  }

  toString(): string {
    return `${this.constructor.name}("${this.name}", forwardMinEventNdims=${JSON.stringify(this.forwardMinEventNdims)}, inverseMinEventNdims=${JSON.stringify(this.inverseMinEventNdims)})`;
  }
}

/** `snake_case` default names, as TFP derives them from class names. */
export function defaultName(className: string): string {
  return className.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2").toLowerCase();
}

