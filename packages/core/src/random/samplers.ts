// Samplers built on uniform/normal/bits with JAX's algorithms (jax/_src/random.py): exponential, gumbel,
// truncatedNormal, bernoulli, categorical, randint, permutation and choice; all traceable by jit and vmap.
import { NDArray, type ArrayLike } from "../array/ndarray.js";
import { DTypeError, ShapeError } from "../errors.js";
import { asarray } from "../numpy/convert.js";
import { broadcastShapes, normalizeAxis, shapesEqual, showShape, sizeOf } from "../shape.js";
import { bind1 } from "../trace/core.js";
import { argmaxP, reduceSum } from "../primitives/reductions.js";
import { sort } from "../primitives/sorting.js";
import { gather } from "../primitives/indexing.js";
import { cumsum } from "../primitives/cumulative.js";
import { stopGradient } from "../primitives/custom.js";
import { erfInv } from "./erfinv.js";
import { erfP } from "../primitives/special.js";
import {
  add, broadcastInDim, broadcastToShape, constant, convert, div, fullLike, gt, iota, le, log, log1p, lt, max, min, moveaxis,
  mul, neg, nextafter, rem, reshape, select, slice, sliceAxis, sub,
} from "./ops.js";
import {
  type FloatDType, type PRNGKey, type RoundingOptions, type ShapeLike, asKey, bits, checkFloatDType, normalizeShape, split, uniform,
} from "./prng.js";

export interface DTypeOption {
  dtype?: FloatDType;
}

/** Smallest positive normal number of each float dtype (numpy's finfo.tiny). */
export const FLOAT_TINY: Record<FloatDType, number> = { float32: 2 ** -126, float64: 2 ** -1022 };

const erf = (x: NDArray): NDArray => bind1(erfP, [x]);

/** Row `i` of a [n, 2] array of keys. */
export function keyAt(keys: NDArray, i: number): PRNGKey {
  return reshape(sliceAxis(keys, 0, i, i + 1), [2]);
}

/** A float parameter as an array of `dtype` (numbers become arrays). */
function floatParam(value: number | NDArray, dtype: FloatDType): NDArray {
  return typeof value === "number" ? constant([], value, dtype) : convert(value, dtype);
}

/** Checks that `paramShapes` broadcast to exactly `shape` (JAX's _check_shape). */
function checkShape(op: string, shape: readonly number[], ...paramShapes: (readonly number[])[]): void {
  const joint = broadcastShapes(`random.${op}`, shape, ...paramShapes);
  if (!shapesEqual(joint, shape)) {
    throw new ShapeError(`random.${op}: parameter shapes ${paramShapes.map(showShape).join(", ")} must broadcast to the shape argument ${showShape(shape)}, but together they give ${showShape(joint)}.`);
  }
}

/** random.exponential: Exp(1) samples as -log1p(-u) (1 - u keeps log's argument in (0, 1]). */
export function exponential(key: ArrayLike, shape: ShapeLike = [], options: DTypeOption = {}): NDArray {
  const k = asKey("exponential", key);
  const dtype = checkFloatDType("exponential", options.dtype ?? "float32");
  const u = uniform(k, normalizeShape("exponential", shape), { dtype });
  return neg(log1p(neg(u)));
}

/** random.gumbel: standard Gumbel samples -log(-log(u)), u uniform in [tiny, 1). */
export function gumbel(key: ArrayLike, shape: ShapeLike = [], options: DTypeOption = {}): NDArray {
  const k = asKey("gumbel", key);
  const dtype = checkFloatDType("gumbel", options.dtype ?? "float32");
  const u = uniform(k, normalizeShape("gumbel", shape), { dtype, minval: FLOAT_TINY[dtype], maxval: 1 });
  return neg(log(neg(log(u))));
}

export interface TruncatedNormalOptions extends DTypeOption, RoundingOptions {}

/**
 * random.truncatedNormal: standard normal conditioned on (lower, upper), by inverting the cdf:
 * u uniform in [erf(lower/sqrt2), erf(upper/sqrt2)), sqrt2 erfinv(u), clamped into the open interval.
 * Shape defaults to the broadcast of the bounds' shapes. Differentiable in the bounds.
 */
export function truncatedNormal(key: ArrayLike, lower: number | NDArray, upper: number | NDArray, shape?: ShapeLike, options: TruncatedNormalOptions = {}): NDArray {
  const k = asKey("truncatedNormal", key);
  const dtype = checkFloatDType("truncatedNormal", options.dtype ?? "float32");
  const lowerShape = typeof lower === "number" ? [] : lower.shape;
  const upperShape = typeof upper === "number" ? [] : upper.shape;
  let dims: number[];
  if (shape === undefined) dims = broadcastShapes("random.truncatedNormal", lowerShape, upperShape);
  else {
    dims = normalizeShape("truncatedNormal", shape);
    checkShape("truncatedNormal", dims, lowerShape, upperShape);
  }
  const sqrt2 = (like: NDArray) => fullLike(like, Math.SQRT2);
  const lo = floatParam(lower, dtype);
  const hi = floatParam(upper, dtype);
  const a = erf(div(lo, sqrt2(lo)));
  const b = erf(div(hi, sqrt2(hi)));
  const fused = options.fusedMultiplyAdd !== false;
  const u = uniform(k, dims, { dtype, minval: a, maxval: b, fusedMultiplyAdd: fused });
  const out = mul(constant(dims, Math.SQRT2, dtype), erfInv(u, fused));
  const floor = nextafter(stopGradient(lo), fullLike(lo, Infinity));
  const ceiling = nextafter(stopGradient(hi), fullLike(hi, -Infinity));
  return min(max(out, broadcastToShape(floor, dims)), broadcastToShape(ceiling, dims));
}

/** random.bernoulli: booleans true with probability p (u < p with u uniform in p's float dtype). */
export function bernoulli(key: ArrayLike, p: number | NDArray = 0.5, shape?: ShapeLike): NDArray {
  const k = asKey("bernoulli", key);
  const prob = typeof p === "number" ? constant([], p, "float32") : p;
  if (prob.dtype !== "float32" && prob.dtype !== "float64") {
    throw new DTypeError(`random.bernoulli: p must have a float dtype, got ${prob.dtype}; convert with .astype("float32").`);
  }
  let dims: number[];
  if (shape === undefined) dims = [...prob.shape];
  else {
    dims = normalizeShape("bernoulli", shape);
    checkShape("bernoulli", dims, prob.shape);
  }
  const u = uniform(k, dims, { dtype: prob.dtype });
  return lt(u, broadcastToShape(prob, dims));
}

export interface CategoricalOptions {
  /** Axis of `logits` holding the categories (default -1). */
  axis?: number;
  /** Output shape; must end with the batch shape of logits (its shape without `axis`). */
  shape?: ShapeLike;
}

/** random.categorical: int32 category indices drawn by the Gumbel-max trick, argmax(logits + Gumbel noise). */
export function categorical(key: ArrayLike, logits: ArrayLike, options: CategoricalOptions = {}): NDArray {
  const k = asKey("categorical", key);
  const x = asarray(logits);
  if (x.dtype !== "float32" && x.dtype !== "float64") {
    throw new DTypeError(`random.categorical: logits must be float32 or float64, got ${x.dtype}.`);
  }
  if (x.ndim === 0) throw new ShapeError("random.categorical: logits must have at least one axis (the categories).");
  const axis = normalizeAxis("random.categorical", options.axis ?? -1, x.ndim);
  const batchShape = x.shape.filter((_, i) => i !== axis);
  let dims: number[];
  if (options.shape === undefined) dims = batchShape;
  else {
    dims = normalizeShape("categorical", options.shape);
    checkShape("categorical", dims, batchShape);
  }
  const prefix = dims.slice(0, dims.length - batchShape.length);
  const logitsShape = dims.slice(dims.length - batchShape.length);
  logitsShape.splice(axis, 0, x.shape[axis]!);
  const noiseShape = [...prefix, ...logitsShape];
  const noise = gumbel(k, noiseShape, { dtype: x.dtype });
  const expanded = broadcastInDim(x, noiseShape, x.shape.map((_, i) => i + prefix.length));
  return bind1(argmaxP, [add(noise, expanded)], { axis: prefix.length + axis, indexDtype: "int32" });
}

export interface RandintOptions {
  dtype?: "int32" | "uint32";
}

const INT_RANGE = { int32: [-2147483648, 2147483647], uint32: [0, 4294967295] } as const;

/** An integer bound clipped into the dtype's range (JAX's _convert_and_clip_integer). */
function integerBound(value: number | NDArray, dtype: "int32" | "uint32"): NDArray {
  const [lo, hi] = INT_RANGE[dtype];
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new DTypeError(`random.randint: bounds must be finite integers, got ${value}.`);
    return constant([], Math.min(Math.max(Math.trunc(value), lo), hi), dtype);
  }
  if (value.dtype === "float32" || value.dtype === "float64" || value.dtype === "bool") {
    return convert(max(min(convert(value, "float64"), fullLike(convert(value, "float64"), hi)), fullLike(convert(value, "float64"), lo)), dtype);
  }
  if (value.dtype === dtype) return value;
  // int32 -> uint32 clips negatives to 0; uint32 -> int32 clips above 2^31 - 1.
  if (dtype === "uint32") return convert(max(value, fullLike(value, 0)), "uint32");
  return convert(min(value, fullLike(value, hi)), "int32");
}

/**
 * random.randint: integers in [minval, maxval). JAX's algorithm: two 32-bit draws combined modulo the span
 * (halving the bias of a single modulo), with span 1 when maxval <= minval, all in wrapping uint32 arithmetic.
 */
export function randint(key: ArrayLike, shape: ShapeLike, minval: number | NDArray, maxval: number | NDArray, options: RandintOptions = {}): NDArray {
  const k = asKey("randint", key);
  const dtype = options.dtype ?? "int32";
  if (dtype !== "int32" && dtype !== "uint32") throw new DTypeError(`random.randint: dtype must be "int32" or "uint32", got ${String(dtype)}.`);
  const dims = normalizeShape("randint", shape);
  checkShape("randint", dims, typeof minval === "number" ? [] : minval.shape, typeof maxval === "number" ? [] : maxval.shape);
  // Only a JS number can exceed the dtype's maximum (arrays are already 32-bit).
  const maxvalOutOfRange = typeof maxval === "number" && maxval > INT_RANGE[dtype][1];
  const lo = broadcastToShape(integerBound(minval, dtype), dims);
  const hi = broadcastToShape(integerBound(maxval, dtype), dims);
  const keys = split(k);
  const higherBits = bits(keyAt(keys, 0), dims);
  const lowerBits = bits(keyAt(keys, 1), dims);
  const u32 = (v: number) => constant(dims, v, "uint32");
  let span = convert(sub(hi, lo), "uint32");
  span = select(le(hi, lo), u32(1), span);
  if (maxvalOutOfRange) span = select(gt(hi, lo), add(span, u32(1)), span);
  // 2^32 mod span via (2^16 mod span)^2 mod span, since (a b) mod N = ((a mod N)(b mod N)) mod N.
  let multiplier = rem(u32(2 ** 16), span);
  multiplier = rem(mul(multiplier, multiplier), span);
  let offset = add(mul(rem(higherBits, span), multiplier), rem(lowerBits, span));
  offset = rem(offset, span);
  return add(lo, convert(offset, dtype));
}

/** x taken at a 1-D integer array of `indices` along `axis` (jnp.take). */
function take(x: NDArray, indices: NDArray, axis: number): NDArray {
  const front = moveaxis(x, axis, 0);
  const rest = front.shape.slice(1);
  const starts = reshape(convert(indices, "int32"), [indices.size, 1]);
  const rows = gather(front, starts, { offsetDims: rest.map((_, i) => i + 1), collapsedSliceDims: [0], startIndexMap: [0] }, [1, ...rest]);
  return moveaxis(rows, 0, axis);
}

/**
 * JAX's _shuffle: sort by fresh random 32-bit keys, repeated ceil(3 ln(size) / ln(2^32 - 1)) times so
 * that key collisions (which a stable sort would resolve by position) become negligible (tjablin's analysis,
 * tensorflow/compiler/tf2xla/random_ops.cc).
 */
function shuffle(key: PRNGKey, x: NDArray, axis: number): NDArray {
  const rounds = Math.ceil((3 * Math.log(Math.max(1, x.size))) / Math.log(0xffffffff));
  let current = key;
  let out = x;
  for (let r = 0; r < rounds; r++) {
    const keys = split(current);
    current = keyAt(keys, 0);
    const sortKeys = bits(keyAt(keys, 1), out.shape);
    out = sort([sortKeys, out], axis, 1)[1]!;
  }
  return out;
}

export interface PermutationOptions {
  axis?: number;
  /** Shuffle each slice along `axis` independently (default false: permute whole slices). */
  independent?: boolean;
}

/** random.permutation: a shuffled arange(n) for a number n, or `x` shuffled along an axis. */
export function permutation(key: ArrayLike, x: number | NDArray, options: PermutationOptions = {}): NDArray {
  const k = asKey("permutation", key);
  if (typeof x === "number") {
    if (!Number.isInteger(x) || x < 0) throw new ShapeError(`random.permutation: n must be a non-negative integer, got ${x}.`);
    return shuffle(k, iota("int32", [x]), 0);
  }
  if (x.ndim === 0) throw new ShapeError("random.permutation: x must be a number or an array with at least one axis.");
  const axis = normalizeAxis("random.permutation", options.axis ?? 0, x.ndim);
  if (options.independent === true || x.ndim === 1) return shuffle(k, x, axis);
  const order = shuffle(k, iota("int32", [x.shape[axis]!]), 0);
  return take(x, order, axis);
}

export interface ChoiceOptions {
  shape?: ShapeLike;
  replace?: boolean;
  /** Probabilities of the entries (1-D, length of the sampled axis); need not be normalised. */
  p?: NDArray;
  axis?: number;
}

/** random.choice: draws from arange(a) (a number) or from `a` along an axis, with or without replacement. */
export function choice(key: ArrayLike, a: number | NDArray, options: ChoiceOptions = {}): NDArray {
  const k = asKey("choice", key);
  const dims = normalizeShape("choice", options.shape ?? []);
  const replace = options.replace ?? true;
  const arr = typeof a === "number" ? null : a;
  if (arr !== null && arr.ndim === 0) throw new ShapeError("random.choice: a must be a number or an array with at least one axis.");
  const axis = arr === null ? 0 : normalizeAxis("random.choice", options.axis ?? 0, arr.ndim);
  const nInputs = arr === null ? (a as number) : arr.shape[axis]!;
  const nDraws = sizeOf(dims);
  if (nDraws === 0) return constant(dims, 0, arr === null ? "int32" : arr.dtype);
  if (!Number.isInteger(nInputs) || nInputs <= 0) throw new ShapeError(`random.choice: a must be a positive integer or a non-empty axis, got ${nInputs}.`);
  if (!replace && nDraws > nInputs) throw new ShapeError(`random.choice: cannot take ${nDraws} samples from ${nInputs} entries without replacement; pass replace: true or a smaller shape.`);
  let indices: NDArray;
  if (options.p === undefined) {
    if (replace) indices = randint(k, dims, 0, nInputs);
    else indices = sliceAxis(shuffle(k, iota("int32", [nInputs]), 0), 0, 0, nDraws);
  } else {
    const p = options.p;
    if (p.dtype !== "float32" && p.dtype !== "float64") throw new DTypeError(`random.choice: p must be float32 or float64, got ${p.dtype}.`);
    if (!shapesEqual(p.shape, [nInputs])) throw new ShapeError(`random.choice: p must have shape [${nInputs}] (one probability per entry), got ${showShape(p.shape)}.`);
    if (replace) {
      const cumulative = cumsum(p, 0);
      const total = reshape(sliceAxis(cumulative, 0, nInputs - 1, nInputs), []);
      const u = uniform(k, dims, { dtype: p.dtype as FloatDType });
      const r = mul(broadcastInDim(total, dims, []), sub(fullLike(u, 1), u));
      // searchsorted(cumulative, r, side="left"): the number of cumulative sums below r.
      const below = lt(broadcastInDim(cumulative, [...dims, nInputs], [dims.length]), broadcastInDim(r, [...dims, nInputs], dims.map((_, i) => i)));
      indices = reduceSum(convert(below, "int32"), [dims.length]);
    } else {
      // Gumbel top-k (Vieira, "Algorithms for sampling without replacement", 2019): the nDraws smallest -g - log p.
      const g = sub(neg(gumbel(k, [nInputs], { dtype: p.dtype as FloatDType })), log(p));
      indices = reshape(slice(sort([g, iota("int32", [nInputs])], 0, 1)[1]!, [0], [nDraws]), dims);
    }
  }
  if (arr === null) return reshape(indices, dims);
  const picked = take(arr, reshape(indices, [nDraws]), axis);
  const outShape = [...arr.shape.slice(0, axis), ...dims, ...arr.shape.slice(axis + 1)];
  return reshape(picked, outShape);
}
