// JAX's threefry2x32 PRNG (classic layout, jax_threefry_partitionable=False) as array programs: keys,
// split, foldIn, bits, uniform and normal, bit-for-bit equal to JAX and traceable by jit, vmap and grad.
import { ConcreteArray, NDArray, type ArrayLike } from "../array/ndarray.js";
import { type DType } from "../dtype.js";
import { DTypeError, ShapeError } from "../errors.js";
import { asarray } from "../numpy/convert.js";
import { type Shape, broadcastShapes, shapesEqual, showShape, sizeOf } from "../shape.js";
import { threefry2x32 } from "../primitives/threefry.js";
import { erfInv } from "./erfinv.js";
import { multiplyAdd } from "./fma.js";
import {
  add, and, bitcast, broadcastInDim, broadcastToShape, concatenate, constant, convert, full, fullLike, iota, lt, max, mul,
  or, reshape, select, shiftLeft, shiftRightLogical, slice, sub,
} from "./ops.js";

/*
 * Counter layout (jax/_src/prng.py and jax/_src/random/threefry2x32.py, classic mode), as the oracle in
 * ./reference documents: every operation hashes a flat uint32 count array c of length n with `hashCounts`
 * (JAX's threefry_2x32): pad to even length 2h, hash the pairs (c[i], c[h+i]) and write the first words
 * to out[i] and the second words to out[h+i]. split hashes iota(2 num) and reshapes to [num, 2]; fold_in
 * hashes [0, data]; random_bits hashes iota(ceil(width * size / 32)).
 */

/** A threefry key: a uint32 array of shape [2] (a batch of keys is [..., 2]; map over it with vmap). */
export type PRNGKey = NDArray;
export type FloatDType = "float32" | "float64";
export type ShapeLike = number | Shape;

export interface KeyOptions {
  /** Mimic jax_enable_x64=True: the seed is an int64 and the key its two words [high, low]. Default false. */
  x64?: boolean;
}

/** Rounding of the multiply-adds in uniform's scaling and erfinv's polynomial (see reference/erfinv.ts). */
export interface RoundingOptions {
  /**
   * true (default): each a*b + c is one fused multiply-add, as XLA's CPU and GPU backends compile it on FMA
   * hardware, so results equal JAX on x86-64 (Haswell and later), ARM64 and NVIDIA GPUs. Emulated exactly
   * with float64 intermediates. false: two roundings per step (JAX on hosts without FMA), float32 throughout.
   */
  fusedMultiplyAdd?: boolean;
}

export interface UniformOptions extends RoundingOptions {
  dtype?: FloatDType;
  /** Inclusive lower bound, a number or an array broadcastable to `shape` (default 0). */
  minval?: number | NDArray;
  /** Exclusive upper bound (default 1). */
  maxval?: number | NDArray;
}

export interface NormalOptions extends RoundingOptions {
  dtype?: FloatDType;
}

export interface BitsOptions {
  /**
   * 8, 16 or 32 (default). Narrow widths follow JAX's layout (each 32-bit word split little-endian) but are
   * returned as uint32 arrays holding values below 2^bitWidth, since Fluxion has no uint8/uint16 dtypes.
   */
  bitWidth?: 8 | 16 | 32;
}

const TWO_POW_32 = 4294967296;
// JAX switches to a multi-block counter layout at 2^32 - 1 words; refusing larger requests keeps the layout exact.
const MAX_WORDS = 0xffffffff;

export function normalizeShape(op: string, shape: ShapeLike): number[] {
  const dims = typeof shape === "number" ? [shape] : [...shape];
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(`random.${op}: shape ${showShape(dims)} must hold non-negative integers.`);
  }
  return dims;
}

export function checkFloatDType(op: string, dtype: string): FloatDType {
  if (dtype !== "float32" && dtype !== "float64") {
    throw new DTypeError(`random.${op}: dtype must be "float32" or "float64", got ${dtype}.`);
  }
  return dtype;
}

/** Validates a key argument: one uint32[2] key (arrays and Uint32Arrays accepted). */
export function asKey(op: string, key: ArrayLike): PRNGKey {
  const k = key instanceof NDArray ? key : asarray(key, key instanceof Uint32Array ? "uint32" : undefined);
  if (k.dtype !== "uint32" || !shapesEqual(k.shape, [2])) {
    const batched = k.dtype === "uint32" && k.ndim > 1 && k.shape[k.ndim - 1] === 2;
    throw new ShapeError(
      `random.${op}: key must be a uint32 array of shape [2], got ${k.dtype}${showShape(k.shape)}; ` +
        (batched ? "this looks like a batch of keys: map over it with vmap, or index one key out of it." : "make one with random.key(seed)."),
    );
  }
  return k;
}

/** The two key words as uint32 scalars. */
function keyWords(key: PRNGKey): [NDArray, NDArray] {
  return [reshape(slice(key, [0], [1]), []), reshape(slice(key, [1], [2]), [])];
}

/** JAX's threefry_2x32(key, counts) on a flat uint32 array (see the layout note above). */
export function hashCounts(key: PRNGKey, counts: NDArray): NDArray {
  const n = counts.size;
  const half = Math.ceil(n / 2);
  const first = slice(counts, [0], [half]);
  let second = slice(counts, [half], [n]);
  if (n % 2 === 1) second = concatenate([second, constant([1], 0, "uint32")], 0);
  const [k0, k1] = keyWords(key).map((k) => broadcastInDim(k, [half], []));
  const [out0, out1] = threefry2x32(k0!, k1!, first, second);
  return concatenate([out0, slice(out1, [0], [n - half])], 0);
}

/** `count` random words: the hash of iota(count), as JAX's random_bits draws them. */
export function randomWords(op: string, key: PRNGKey, count: number): NDArray {
  if (count >= MAX_WORDS) {
    throw new ShapeError(`random.${op}: ${count} random words need JAX's multi-block counter layout (from 2^32 - 1 words), which Fluxion does not implement; draw in smaller pieces.`);
  }
  if (count === 0) return constant([0], 0, "uint32");
  return hashCounts(key, iota("uint32", [count]));
}

// ---------------------------------------------------------------- keys

/**
 * random.key / PRNGKey: seeds are JS integers up to ±(2^53 - 1) or int32/uint32 scalar arrays (traceable).
 * Default (as JAX without x64): [0, seed mod 2^32]. x64: [floor(seed / 2^32) mod 2^32, seed mod 2^32].
 */
export function key(seed: number | NDArray, options: KeyOptions = {}): PRNGKey {
  if (seed instanceof NDArray) {
    if (seed.ndim !== 0 || (seed.dtype !== "int32" && seed.dtype !== "uint32")) {
      throw new DTypeError(`random.key: an array seed must be an int32 or uint32 scalar, got ${seed.dtype}${showShape(seed.shape)}; use vmap to make a batch of keys.`);
    }
    const low = convert(seed, "uint32");
    const high = options.x64 === true && seed.dtype === "int32"
      ? select(lt(seed, fullLike(seed, 0)), full([], 0xffffffff, "uint32"), full([], 0, "uint32"))
      : full([], 0, "uint32");
    return concatenate([reshape(high, [1]), reshape(low, [1])], 0);
  }
  if (!Number.isSafeInteger(seed)) {
    throw new DTypeError(`random.key: seed must be an integer with |seed| <= 2^53 - 1, got ${seed}.`);
  }
  const low = ((seed % TWO_POW_32) + TWO_POW_32) % TWO_POW_32;
  const high = options.x64 === true ? ((Math.floor(seed / TWO_POW_32) % TWO_POW_32) + TWO_POW_32) % TWO_POW_32 : 0;
  return ConcreteArray.fromData(Uint32Array.of(high, low), [2], "uint32");
}

/** Alias of `key`, JAX's older name. */
export const PRNGKey = key;

/** random.split: `num` new keys (or a shape of keys) as uint32[...shape, 2]. */
export function split(key: ArrayLike, num: ShapeLike = 2): NDArray {
  const k = asKey("split", key);
  const shape = normalizeShape("split", num);
  const words = randomWords("split", k, 2 * sizeOf(shape));
  return reshape(words, [...shape, 2]);
}

/** random.foldIn: a new key from a key and a 32-bit integer (numbers in [-2^31, 2^32) wrap to uint32). */
export function foldIn(key: ArrayLike, data: number | NDArray): PRNGKey {
  const k = asKey("foldIn", key);
  let word: NDArray;
  if (data instanceof NDArray) {
    if (data.ndim !== 0 || (data.dtype !== "int32" && data.dtype !== "uint32")) {
      throw new DTypeError(`random.foldIn: data must be an int32 or uint32 scalar, got ${data.dtype}${showShape(data.shape)}; use vmap for a batch.`);
    }
    word = reshape(convert(data, "uint32"), [1]);
  } else {
    if (!Number.isInteger(data) || data < -2147483648 || data > 0xffffffff) {
      throw new DTypeError(`random.foldIn: data must be an integer in [-2^31, 2^32), got ${data}.`);
    }
    word = constant([1], data >>> 0, "uint32");
  }
  return hashCounts(k, concatenate([constant([1], 0, "uint32"), word], 0));
}

// ---------------------------------------------------------------- bits

/** random.bits: uniformly distributed unsigned integers (uint32 array of `shape`). */
export function bits(key: ArrayLike, shape: ShapeLike = [], options: BitsOptions = {}): NDArray {
  const k = asKey("bits", key);
  const dims = normalizeShape("bits", shape);
  const width = options.bitWidth ?? 32;
  const size = sizeOf(dims);
  if (width === 32) return reshape(randomWords("bits", k, size), dims);
  if (width !== 8 && width !== 16) {
    throw new DTypeError(`random.bits: bitWidth must be 8, 16 or 32, got ${String(width)} (Fluxion has no 64-bit integer dtype).`);
  }
  const perWord = 32 / width;
  const wordCount = Math.ceil((width * size) / 32);
  const words = randomWords("bits", k, wordCount);
  // Value j*perWord + i is bits [width*i, width*(i+1)) of word j (little-endian, as JAX's view of uint32 as uint8/16).
  const spread = broadcastInDim(words, [wordCount, perWord], [0]);
  const offsets = mul(iota("uint32", [wordCount, perWord], 1), constant([wordCount, perWord], width, "uint32"));
  const pieces = and(shiftRightLogical(spread, offsets), constant([wordCount, perWord], 2 ** width - 1, "uint32"));
  return reshape(slice(reshape(pieces, [wordCount * perWord]), [0], [size]), dims);
}

// ---------------------------------------------------------------- uniform and normal

/**
 * JAX's mantissa trick: random mantissa bits under the exponent of 1.0 give a float in [1, 2); minus 1 is
 * exact. float32: top 23 bits of one word. float64: 52 bits of the 64-bit value (hi << 32) | lo, assembled
 * arithmetically (no 64-bit integer dtype): (hi >>> 12) 2^-20 + (((hi & 0xfff) << 20) | (lo >>> 12)) 2^-52,
 * two exact terms on disjoint bits, so the sum is exactly the bit pattern's value minus 1.
 */
export function unitFloats(op: string, key: PRNGKey, shape: Shape, dtype: FloatDType): NDArray {
  const size = sizeOf(shape);
  const u32 = (value: number): NDArray => constant(shape, value, "uint32");
  if (dtype === "float32") {
    const words = reshape(randomWords(op, key, size), shape);
    const mantissa = or(shiftRightLogical(words, u32(9)), u32(0x3f800000));
    return sub(bitcast(mantissa, "float32"), constant(shape, 1, "float32"));
  }
  const words = randomWords(op, key, 2 * size);
  const high = reshape(slice(words, [0], [size]), shape);
  const low = reshape(slice(words, [size], [2 * size]), shape);
  const top = convert(shiftRightLogical(high, u32(12)), "float64");
  const rest = convert(or(shiftLeft(and(high, u32(0xfff)), u32(20)), shiftRightLogical(low, u32(12))), "float64");
  return add(mul(top, constant(shape, 2 ** -20, "float64")), mul(rest, constant(shape, 2 ** -52, "float64")));
}

/** A bound as an array of `dtype` broadcast to `shape` (checked against JAX's broadcasting rule). */
export function boundArray(op: string, name: string, value: number | NDArray, shape: Shape, dtype: FloatDType): NDArray {
  if (typeof value === "number") return constant(shape, value, dtype);
  const joint = broadcastShapes(`random.${op}`, value.shape, shape);
  if (!shapesEqual(joint, shape)) {
    throw new ShapeError(`random.${op}: ${name} of shape ${showShape(value.shape)} does not broadcast to the sample shape ${showShape(shape)}; pass a shape that covers it.`);
  }
  return broadcastToShape(convert(value, dtype), shape);
}

/** Whether unit * span is exact for every unit (span a power of two), so fused and unfused rounding agree. */
function productIsExact(span: number): boolean {
  if (!(span > 0) || !Number.isFinite(span)) return false;
  const e = Math.round(Math.log2(span));
  return 2 ** e === span && e > -900;
}

/** random.uniform: floats in [minval, maxval) of the given shape and dtype (default float32 in [0, 1)). */
export function uniform(key: ArrayLike, shape: ShapeLike = [], options: UniformOptions = {}): NDArray {
  const k = asKey("uniform", key);
  const dims = normalizeShape("uniform", shape);
  const dtype = checkFloatDType("uniform", options.dtype ?? "float32");
  const minval = options.minval ?? 0;
  const maxval = options.maxval ?? 1;
  const unit = unitFloats("uniform", k, dims, dtype);
  const lo = boundArray("uniform", "minval", minval, dims, dtype);
  const hi = boundArray("uniform", "maxval", maxval, dims, dtype);
  const span = sub(hi, lo);
  let fused = options.fusedMultiplyAdd !== false;
  if (fused && typeof minval === "number" && typeof maxval === "number") {
    const spanValue = dtype === "float32" ? Math.fround(Math.fround(maxval) - Math.fround(minval)) : maxval - minval;
    if (productIsExact(spanValue)) fused = false;
  }
  return max(lo, multiplyAdd(unit, span, lo, fused));
}

// nextafter(-1, 0) in each dtype: normal's lower bound keeps erfinv finite.
const NORMAL_LOWER: Record<FloatDType, number> = { float32: -(1 - 2 ** -24), float64: -(1 - 2 ** -53) };

/** random.normal: standard normal samples, sqrt(2) erfinv(u) with u uniform in (-1, 1), as JAX. */
export function normal(key: ArrayLike, shape: ShapeLike = [], options: NormalOptions = {}): NDArray {
  const k = asKey("normal", key);
  const dims = normalizeShape("normal", shape);
  const dtype = checkFloatDType("normal", options.dtype ?? "float32");
  const fused = options.fusedMultiplyAdd !== false;
  const u = uniform(k, dims, { dtype, minval: NORMAL_LOWER[dtype], maxval: 1, fusedMultiplyAdd: fused });
  return mul(constant(dims, Math.SQRT2, dtype), erfInv(u, fused));
}

export type { DType };
