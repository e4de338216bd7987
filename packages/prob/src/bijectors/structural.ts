// Bijectors that only move elements: Reshape, Transpose, Split and Restructure (TFP's reshape.py,
// transpose.py, split.py, restructure.py). Their log-det-Jacobian is zero.
import { NDArray, ShapeError, np } from "@fluxion/core";
import {
  Bijector,
  BijectorError,
  defaultName,
  registerBijector,
  zeroLdj,
  type BijectorOptions,
  type InputOf,
  type Ndims,
  type NdimsOf,
  type Shape,
  type ShapeStructure,
  type Value,
} from "./bijector.js";
import { setSplitFactory } from "./composition.js";
import { flatten, mapStructure, mapStructureUpTo, type Nested } from "./nest.js";

function statics(options: BijectorOptions, className: string): { name: string; validateArgs: boolean } {
  return { name: options.name ?? defaultName(className), validateArgs: options.validateArgs ?? false };
}

const product = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

// ---------------------------------------------------------------- Reshape

/** `shape` with its trailing `from` event shape (where -1 matches anything) replaced by `to` (-1 resolved). */
function replaceEventShape(shape: Shape, from: readonly number[], to: readonly number[], what: string): number[] {
  if (shape.length < from.length) throw new ShapeError(`${what}: input of shape [${shape}] has lower rank than the event shape [${from}].`);
  const batch = shape.slice(0, shape.length - from.length);
  const event = shape.slice(shape.length - from.length);
  if (event.some((d, i) => from[i] !== -1 && from[i] !== d)) throw new ShapeError(`${what}: input event shape [${event}] does not match [${from}].`);
  const size = product(event);
  const out = [...to];
  const unknown = out.indexOf(-1);
  if (unknown >= 0) {
    const known = product(out.filter((d) => d !== -1));
    if (known === 0 || size % known !== 0) throw new ShapeError(`${what}: cannot reshape event [${event}] to [${to}].`);
    out[unknown] = size / known;
  } else if (product(out) !== size) {
    throw new ShapeError(`${what}: cannot reshape event [${event}] (${size} elements) to [${to}].`);
  }
  return [...batch, ...out];
}

function checkShapeParam(shape: readonly number[], what: string): number[] {
  if (shape.filter((d) => d === -1).length > 1) throw new BijectorError(`${what} must have at most one -1, got [${shape}].`);
  if (shape.some((d) => !Number.isInteger(d) || d < -1)) throw new BijectorError(`${what} elements must be non-negative integers or -1, got [${shape}].`);
  return [...shape];
}

export interface ReshapeParams extends BijectorOptions {
  /** Event shape produced by `forward` (may contain one -1). */
  eventShapeOut: readonly number[];
  /** Event shape consumed by `forward` (default [-1]: a vector). */
  eventShapeIn?: readonly number[];
}

/** Reshapes the rightmost event dims, broadcasting over the leading ones. */
export class Reshape extends Bijector {
  readonly eventShapeOut: readonly number[];
  readonly eventShapeIn: readonly number[];
  constructor(params: ReshapeParams) {
    const eventShapeOut = checkShapeParam(params.eventShapeOut, "Reshape: eventShapeOut");
    const eventShapeIn = checkShapeParam(params.eventShapeIn ?? [-1], "Reshape: eventShapeIn");
    const s = statics(params, "Reshape");
    super({
      forwardMinEventNdims: eventShapeIn.length,
      inverseMinEventNdims: eventShapeOut.length,
      isConstantJacobian: true,
      ...s,
      parameters: { eventShapeOut, eventShapeIn, ...s },
    });
    this.eventShapeOut = eventShapeOut;
    this.eventShapeIn = eventShapeIn;
  }
  override get isPermutation(): boolean {
    return true;
  }
  protected _forward(x: NDArray): NDArray {
    return np.reshape(x, replaceEventShape(x.shape, this.eventShapeIn, this.eventShapeOut, "Reshape.forward"));
  }
  protected _inverse(y: NDArray): NDArray {
    return np.reshape(y, replaceEventShape(y.shape, this.eventShapeOut, this.eventShapeIn, "Reshape.inverse"));
  }
  protected override _forwardLogDetJacobian(x: NDArray): NDArray {
    return zeroLdj(x);
  }
  protected override _inverseLogDetJacobian(y: NDArray): NDArray {
    return zeroLdj(y);
  }
  protected override _forwardEventShape(shape: Shape): Shape {
    return replaceEventShape(shape, this.eventShapeIn, this.eventShapeOut, "Reshape.forwardEventShape");
  }
  protected override _inverseEventShape(shape: Shape): Shape {
    return replaceEventShape(shape, this.eventShapeOut, this.eventShapeIn, "Reshape.inverseEventShape");
  }
}
registerBijector(Reshape, [], (p) => new Reshape(p as unknown as ReshapeParams));

// ---------------------------------------------------------------- Transpose

export interface TransposeParams extends BijectorOptions {
  /** Permutation of the rightmost `perm.length` dims. */
  perm?: readonly number[];
  /** Reverse the rightmost this-many dims (used when `perm` is not given). */
  rightmostTransposedNdims?: number;
}

/** Permutes the rightmost event dims: `y = transpose(x, [...batch axes, ...perm shifted])`. */
export class Transpose extends Bijector {
  readonly perm: readonly number[];
  constructor(params: TransposeParams) {
    let perm: number[];
    if (params.perm !== undefined) {
      perm = [...params.perm];
      if (params.rightmostTransposedNdims !== undefined && params.rightmostTransposedNdims !== perm.length) {
        throw new BijectorError(`Transpose: rightmostTransposedNdims (${params.rightmostTransposedNdims}) must equal perm.length (${perm.length}).`);
      }
    } else if (params.rightmostTransposedNdims !== undefined) {
      perm = Array.from({ length: params.rightmostTransposedNdims }, (_, i) => params.rightmostTransposedNdims! - 1 - i);
    } else {
      throw new BijectorError("Transpose: pass `perm` or `rightmostTransposedNdims`.");
    }
    const sorted = [...perm].sort((a, b) => a - b);
    if (sorted.some((p, i) => p !== i)) throw new BijectorError(`Transpose: \`perm\` must be a permutation of 0..${perm.length - 1}, got [${perm}].`);
    const s = statics(params, "Transpose");
    super({ forwardMinEventNdims: perm.length, isConstantJacobian: true, ...s, parameters: { perm, ...s } });
    this.perm = perm;
  }
  override get isPermutation(): boolean {
    return true;
  }
  private inversePerm(): number[] {
    const inv = new Array<number>(this.perm.length);
    this.perm.forEach((p, i) => (inv[p] = i));
    return inv;
  }
  private permuteRightmost(x: NDArray, perm: readonly number[]): NDArray {
    const b = x.ndim - perm.length;
    if (b < 0) throw new ShapeError(`Transpose: input of shape [${x.shape}] has fewer than ${perm.length} dims.`);
    return np.transpose(x, [...Array.from({ length: b }, (_, i) => i), ...perm.map((p) => b + p)]);
  }
  private permuteShape(shape: Shape, perm: readonly number[]): Shape {
    const b = shape.length - perm.length;
    if (b < 0) throw new ShapeError(`Transpose: shape [${shape}] has fewer than ${perm.length} dims.`);
    return [...shape.slice(0, b), ...perm.map((p) => shape[b + p]!)];
  }
  protected _forward(x: NDArray): NDArray {
    return this.permuteRightmost(x, this.perm);
  }
  protected _inverse(y: NDArray): NDArray {
    return this.permuteRightmost(y, this.inversePerm());
  }
  protected override _forwardLogDetJacobian(x: NDArray): NDArray {
    return zeroLdj(x);
  }
  protected override _inverseLogDetJacobian(y: NDArray): NDArray {
    return zeroLdj(y);
  }
  protected override _forwardEventShape(shape: Shape): Shape {
    return this.permuteShape(shape, this.perm);
  }
  protected override _inverseEventShape(shape: Shape): Shape {
    return this.permuteShape(shape, this.inversePerm());
  }
}
registerBijector(Transpose, [], (p) => new Transpose(p as TransposeParams));

// ---------------------------------------------------------------- Split

export interface SplitParams extends BijectorOptions {
  /** Number of equal splits, or the size of each split (at most one -1, inferred from the input). */
  numOrSizeSplits: number | readonly number[];
  /** Negative axis to split along (default -1). */
  axis?: number;
}

/** Splits one array along a (negative) axis into a list of arrays; the inverse concatenates. */
export class Split extends Bijector<NDArray, NDArray[]> {
  readonly numSplits: number;
  readonly splitSizes: readonly number[] | null;
  readonly axis: number;
  constructor(params: SplitParams) {
    const axis = params.axis ?? -1;
    if (!Number.isInteger(axis) || axis >= 0) throw new BijectorError(`Split: \`axis\` must be a negative integer, got ${axis}.`);
    let splitSizes: number[] | null = null;
    let numSplits: number;
    if (typeof params.numOrSizeSplits === "number") {
      numSplits = params.numOrSizeSplits;
      if (!Number.isInteger(numSplits) || numSplits < 1) throw new BijectorError(`Split: the number of splits must be a positive integer, got ${numSplits}.`);
    } else {
      splitSizes = checkShapeParam(params.numOrSizeSplits, "Split: numOrSizeSplits");
      numSplits = splitSizes.length;
    }
    const s = statics(params, "Split");
    super({
      forwardMinEventNdims: -axis,
      inverseMinEventNdims: Array.from({ length: numSplits }, () => -axis),
      isConstantJacobian: true,
      ...s,
      parameters: { numOrSizeSplits: splitSizes ?? numSplits, axis, ...s },
    });
    this.numSplits = numSplits;
    this.splitSizes = splitSizes;
    this.axis = axis;
  }
  override get isPermutation(): boolean {
    return true;
  }
  /** Split sizes for an axis of length `total`. */
  private sizesFor(total: number): number[] {
    if (this.splitSizes === null) {
      if (total % this.numSplits !== 0) throw new ShapeError(`Split: axis of size ${total} does not divide into ${this.numSplits} equal splits.`);
      return Array.from({ length: this.numSplits }, () => total / this.numSplits);
    }
    const known = this.splitSizes.filter((d) => d !== -1).reduce((a, b) => a + b, 0);
    const sizes = this.splitSizes.map((d) => (d === -1 ? total - known : d));
    if (sizes.reduce((a, b) => a + b, 0) !== total || sizes.some((d) => d < 0)) {
      throw new ShapeError(`Split: split sizes [${this.splitSizes}] do not add up to the axis size ${total}.`);
    }
    return sizes;
  }
  private axisOf(shape: Shape): number {
    const a = shape.length + this.axis;
    if (a < 0) throw new ShapeError(`Split: input of shape [${shape}] has no axis ${this.axis}.`);
    return a;
  }
  protected _forward(x: NDArray): NDArray[] {
    const a = this.axisOf(x.shape);
    const trailing = Array.from({ length: -this.axis - 1 }, () => ":");
    let start = 0;
    return this.sizesFor(x.shape[a]!).map((size) => {
      const part = x.slice("...", `${start}:${start + size}`, ...trailing);
      start += size;
      return part;
    });
  }
  protected _inverse(ys: NDArray[]): NDArray {
    if (!Array.isArray(ys) || ys.length !== this.numSplits) throw new ShapeError(`Split.inverse: expected a list of ${this.numSplits} arrays.`);
    return np.concatenate(ys, this.axis);
  }
  protected override _forwardLogDetJacobian(x: NDArray): NDArray {
    return zeroLdj(x);
  }
  protected override _inverseLogDetJacobian(ys: NDArray[]): NDArray {
    return zeroLdj(ys);
  }
  protected override _forwardEventShape(shape: Shape): Shape[] {
    const a = this.axisOf(shape);
    return this.sizesFor(shape[a]!).map((size) => shape.map((d, i) => (i === a ? size : d)));
  }
  protected override _inverseEventShape(shapes: ShapeStructure): Shape {
    if (!Array.isArray(shapes) || shapes.length !== this.numSplits) throw new ShapeError(`Split.inverseEventShape: expected ${this.numSplits} shapes.`);
    const list = shapes as readonly Shape[];
    const first: Shape = list[0]!;
    const a = this.axisOf(first);
    const total = list.reduce((acc: number, s: Shape) => acc + s[a]!, 0);
    return first.map((d: number, i: number) => (i === a ? total : d));
  }
}
registerBijector(Split, [], (p) => new Split(p as unknown as SplitParams));
setSplitFactory((sizes) => new Split({ numOrSizeSplits: sizes }) as unknown as Bijector<Value, Value>);

// ---------------------------------------------------------------- Restructure

type Token = string | number;

function tokensOf(structure: unknown, what: string): Token[] {
  const tokens = flatten(structure);
  for (const t of tokens) if (typeof t !== "string" && typeof t !== "number") throw new BijectorError(`${what}: tokens must be strings or integers, got ${String(t)}.`);
  if (new Set(tokens).size !== tokens.length) throw new BijectorError(`${what}: tokens must be unique, got [${tokens.join(", ")}].`);
  return tokens as Token[];
}

export interface RestructureParams extends BijectorOptions {
  /** Structure of tokens describing `forward`'s output. */
  outputStructure: Nested<Token>;
  /** Structure of tokens describing `forward`'s input (default: a list for integer tokens 0..n-1, an object for strings). */
  inputStructure?: Nested<Token>;
}

/** Moves the parts of a structured value into another structure, matched by token (TFP's Restructure). */
export class Restructure extends Bijector<Value, Value> {
  readonly outputStructure: Nested<Token>;
  readonly inputStructure: Nested<Token>;
  constructor(params: RestructureParams) {
    const outputTokens = tokensOf(params.outputStructure, "Restructure: outputStructure");
    let inputStructure = params.inputStructure;
    if (inputStructure === undefined) {
      if (outputTokens.every((t) => typeof t === "string")) {
        inputStructure = Object.fromEntries(outputTokens.map((t) => [t, t]));
      } else if (outputTokens.every((t) => typeof t === "number") && [...outputTokens].sort((a, b) => (a as number) - (b as number)).every((t, i) => t === i)) {
        inputStructure = outputTokens.map((_, i) => i);
      } else {
        throw new BijectorError(`Restructure: without inputStructure, tokens must be all strings or the integers 0..n-1; saw [${outputTokens.join(", ")}].`);
      }
    } else {
      const inputTokens = tokensOf(inputStructure, "Restructure: inputStructure");
      const outSet = new Set(outputTokens);
      if (inputTokens.length !== outputTokens.length || !inputTokens.every((t) => outSet.has(t))) {
        throw new BijectorError(`Restructure: inputStructure tokens [${inputTokens.join(", ")}] must match outputStructure tokens [${outputTokens.join(", ")}].`);
      }
    }
    const s = statics(params, "Restructure");
    super({
      forwardMinEventNdims: mapStructure(() => 0, inputStructure) as Ndims,
      inverseMinEventNdims: mapStructure(() => 0, params.outputStructure) as Ndims,
      isConstantJacobian: true,
      ...s,
      parameters: { outputStructure: params.outputStructure, inputStructure, ...s },
    });
    this.outputStructure = params.outputStructure;
    this.inputStructure = inputStructure;
  }
  override get partsInteract(): boolean {
    return false;
  }
  override get isPermutation(): boolean {
    return true;
  }
  private move<T>(value: unknown, from: Nested<Token>, to: Nested<Token>): T {
    const byToken = new Map<Token, unknown>();
    mapStructureUpTo(from, (token, v) => byToken.set(token as Token, v), from, value);
    return mapStructure((token) => byToken.get(token as Token), to) as T;
  }
  protected _forward(x: Value): Value {
    return this.move(x, this.inputStructure, this.outputStructure);
  }
  protected _inverse(y: Value): Value {
    return this.move(y, this.outputStructure, this.inputStructure);
  }
  override forwardLogDetJacobian(x: InputOf<Value>): NDArray {
    return zeroLdj(this.convertInput(x, this.forwardMinEventNdims, "forwardLogDetJacobian"));
  }
  override inverseLogDetJacobian(y: InputOf<Value>): NDArray {
    return zeroLdj(this.convertInput(y, this.inverseMinEventNdims, "inverseLogDetJacobian"));
  }
  protected override _forwardEventShape(shape: ShapeStructure): ShapeStructure {
    return this.move(shape, this.inputStructure, this.outputStructure);
  }
  protected override _inverseEventShape(shape: ShapeStructure): ShapeStructure {
    return this.move(shape, this.outputStructure, this.inputStructure);
  }
  override forwardEventNdims(eventNdims: NdimsOf<Value>): NdimsOf<Value> {
    return this.move(eventNdims, this.inputStructure, this.outputStructure);
  }
  override inverseEventNdims(eventNdims: NdimsOf<Value>): NdimsOf<Value> {
    return this.move(eventNdims, this.outputStructure, this.inputStructure);
  }
}
registerBijector(Restructure, [], (p) => new Restructure(p as unknown as RestructureParams));

