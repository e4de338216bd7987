// Oracle for Fluxion's `random` module: JAX's threefry2x32 PRNG in classic mode
// (jax_threefry_partitionable=False) on plain typed arrays: key, split, foldIn, bits, uniform, normal.
import { bitsToF32, bitsToF64, fmaF32, fmaF64, nextafterF32, nextafterF64 } from "./bits.js";
import { erfInvF32, erfInvF64, type ErfInvF32Options, type ErfInvF64Options } from "./erfinv.js";
import { iotaU32, threefry2x32Counts } from "./threefry.js";

/*
 * Counter layout, classic (non-partitionable) mode. All functions hash a flat uint32 count array with
 * threefry2x32Counts (JAX `threefry_2x32`): pad to even length, counter pair i is (c[i], c[h+i]),
 * output word i is the pair's first word and word h+i its second word.
 *
 * - seed (jax/_src/random/threefry2x32.py, threefry_seed / _threefry_seed): key = [seed >> 32, seed & 0xFFFFFFFF]
 *   on the seed's integer type. jax/_src/random/prng.py random_seed first turns a Python int into
 *   np.int64, which with jax_enable_x64 off becomes int32 (wraps modulo 2^32), so the high word is 0.
 * - split (threefry2x32.py, _threefry_split_original): counts = iota(2*num); the 2*num output words
 *   reshaped row-major to [num, 2]. So key j = [out[2j], out[2j+1]]: for num = 4 the first two keys use
 *   the first words of counter pairs (0,4),(1,5) and (2,6),(3,7), the last two keys their second words.
 * - fold_in (threefry2x32.py, threefry_fold_in / _threefry_fold_in): threefry_2x32(key, threefry_seed(uint32 data))
 *   = hash of the single counter pair (0, data); the new key is both output words.
 * - random_bits (threefry2x32.py, _threefry_random_bits_original): max_count = ceil(bit_width * size / 32)
 *   words from counts = iota(max_count). 32 bits: those words. 64 bits: the first half of the words is
 *   the high 32 bits and the second half the low 32 bits of each value. 8/16 bits: each word split
 *   little-endian (value k*(32/w)+i is bits [w*i, w*(i+1)) of word k), truncated to size.
 *   (JAX subdivides into blocks of 2^32-1 words beyond that count; this oracle rejects such sizes.)
 * - uniform (jax/_src/random/core.py, _uniform): bits >> (nbits - nmant) | bits(1.0), bitcast, minus 1,
 *   * (maxval - minval) + minval, then max(minval, .) in the sample dtype.
 * - normal (core.py, _normal_real): u = uniform(key, shape, dtype, nextafter(-1, 0), 1);
 *   sqrt(2) * erf_inv(u), erf_inv lowered through chlo.erf_inv (see erfinv.ts).
 */

/** A threefry key: two uint32 words. */
export type KeyData = Uint32Array;
export type BitWidth = 8 | 16 | 32 | 64;
export type FloatDType = "float32" | "float64";

export interface KeyOptions {
  /**
   * Mimic jax_enable_x64=True: the seed is an int64 and the key is its two's-complement words
   * [high, low]. Default false (JAX's default): the key is [0, seed mod 2^32].
   */
  x64?: boolean;
}

/**
 * Rounding model of the sampler (see ErfInvF32Options): fusedMultiplyAdd (default true) applies to the
 * erfinv Horner steps and to uniform's `unit * (maxval - minval) + minval` (the latter is identical either
 * way when maxval - minval is a power of two, as for the defaults and for normal's range); log1p, if given,
 * must work in the sample dtype.
 */
export type SamplerOptions = ErfInvF32Options & ErfInvF64Options;

const TWO_POW_32 = 4294967296;

function checkKey(op: string, keyData: KeyData): void {
  if (!(keyData instanceof Uint32Array) || keyData.length !== 2) {
    throw new TypeError(`random.${op}: key must be a Uint32Array of length 2 (got length ${keyData.length}); make one with random.key(seed).`);
  }
}

function sizeOf(op: string, shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new RangeError(`random.${op}: shape [${shape.join(", ")}] must hold non-negative integers.`);
    }
    size *= d;
  }
  if (!Number.isSafeInteger(size)) throw new RangeError(`random.${op}: shape [${shape.join(", ")}] is too large.`);
  return size;
}

/**
 * random.key / PRNGKey for threefry2x32. Seeds are integers up to ±2^53 (all JS safe integers).
 * Default (x64 off): [0, seed mod 2^32], so -1 -> [0, 4294967295] and 2^32 + 5 -> [0, 5].
 * x64: [floor(seed / 2^32) mod 2^32, seed mod 2^32], so -1 -> [4294967295, 4294967295].
 * Published cases: jax tests/random_test.py, test_prng_seeds_and_keys.
 */
export function key(seed: number, options: KeyOptions = {}): KeyData {
  if (!Number.isSafeInteger(seed)) {
    throw new TypeError(`random.key: seed must be an integer with |seed| <= 2^53 - 1, got ${seed}.`);
  }
  const lo = ((seed % TWO_POW_32) + TWO_POW_32) % TWO_POW_32;
  if (options.x64 !== true) return Uint32Array.of(0, lo);
  const hi = ((Math.floor(seed / TWO_POW_32) % TWO_POW_32) + TWO_POW_32) % TWO_POW_32;
  return Uint32Array.of(hi, lo);
}

/** random.split: `num` keys (or a shape of keys) as a flat row-major [..., 2] Uint32Array. */
export function split(keyData: KeyData, num: number | readonly number[] = 2): Uint32Array {
  checkKey("split", keyData);
  const count = sizeOf("split", typeof num === "number" ? [num] : num);
  if (2 * count > 0xffffffff) throw new RangeError(`random.split: ${count} keys exceed the uint32 counter range.`);
  return threefry2x32Counts(keyData, iotaU32(2 * count));
}

/**
 * random.fold_in: data is taken as uint32 (integers in [-2^31, 2^32) wrap modulo 2^32, as numpy's
 * uint32 conversion of an int32 does).
 */
export function foldIn(keyData: KeyData, data: number): KeyData {
  checkKey("foldIn", keyData);
  if (!Number.isInteger(data) || data < -2147483648 || data > 0xffffffff) {
    throw new RangeError(`random.foldIn: data must be an integer in [-2^31, 2^32), got ${data}.`);
  }
  return threefry2x32Counts(keyData, Uint32Array.of(0, data >>> 0));
}

function randomWords(op: string, keyData: KeyData, bitWidth: BitWidth, size: number): Uint32Array {
  const maxCount = Math.ceil((bitWidth * size) / 32);
  if (maxCount >= 0xffffffff) {
    throw new RangeError(`random.${op}: ${maxCount} random words need JAX's multi-block path, which this reference does not implement.`);
  }
  return threefry2x32Counts(keyData, iotaU32(maxCount));
}

/** random.bits: uniform unsigned integers of the given width, flat row-major. */
export function bits(keyData: KeyData, shape: readonly number[], bitWidth?: 32): Uint32Array;
export function bits(keyData: KeyData, shape: readonly number[], bitWidth: 16): Uint16Array;
export function bits(keyData: KeyData, shape: readonly number[], bitWidth: 8): Uint8Array;
export function bits(keyData: KeyData, shape: readonly number[], bitWidth: 64): BigUint64Array;
export function bits(
  keyData: KeyData,
  shape: readonly number[],
  bitWidth: BitWidth,
): Uint8Array | Uint16Array | Uint32Array | BigUint64Array;
export function bits(
  keyData: KeyData,
  shape: readonly number[],
  bitWidth: BitWidth = 32,
): Uint8Array | Uint16Array | Uint32Array | BigUint64Array {
  checkKey("bits", keyData);
  const size = sizeOf("bits", shape);
  if (bitWidth !== 8 && bitWidth !== 16 && bitWidth !== 32 && bitWidth !== 64) {
    throw new RangeError(`random.bits: bitWidth must be 8, 16, 32 or 64, got ${String(bitWidth)}.`);
  }
  const words = randomWords("bits", keyData, bitWidth, size);
  if (bitWidth === 32) return words;
  if (bitWidth === 64) {
    const out = new BigUint64Array(size);
    for (let i = 0; i < size; i++) out[i] = (BigInt(words[i]!) << 32n) | BigInt(words[size + i]!);
    return out;
  }
  const perWord = 32 / bitWidth;
  const mask = bitWidth === 8 ? 0xff : 0xffff;
  const out = bitWidth === 8 ? new Uint8Array(size) : new Uint16Array(size);
  for (let i = 0; i < size; i++) {
    out[i] = (words[Math.floor(i / perWord)]! >>> (bitWidth * (i % perWord))) & mask;
  }
  return out;
}

/**
 * JAX's mantissa trick for float32: the top 23 bits of a random word under the exponent of 1.0 give a
 * float in [1, 2); subtracting 1 is exact. Result in [0, 1 - 2^-23], on a grid of 2^-23.
 */
export function unitF32FromBits(word: number): number {
  return Math.fround(bitsToF32((word >>> 9) | 0x3f800000) - 1);
}

/**
 * The float64 version for the 64-bit value (hi << 32) | lo: shifted right by 12 it keeps 52 mantissa
 * bits, 20 from hi and 32 straddling hi and lo. Result in [0, 1 - 2^-52].
 */
export function unitF64FromBits(hi: number, lo: number): number {
  const mantissaHi = (hi >>> 12) | 0x3ff00000;
  const mantissaLo = (((hi & 0xfff) << 20) | (lo >>> 12)) >>> 0;
  return bitsToF64(mantissaHi, mantissaLo) - 1;
}

/** random.uniform in [minval, maxval); minval and maxval are first rounded to the sample dtype. */
export function uniform(keyData: KeyData, shape: readonly number[], dtype: "float32", minval?: number, maxval?: number, options?: SamplerOptions): Float32Array;
export function uniform(keyData: KeyData, shape: readonly number[], dtype: "float64", minval?: number, maxval?: number, options?: SamplerOptions): Float64Array;
export function uniform(keyData: KeyData, shape: readonly number[], dtype?: FloatDType, minval?: number, maxval?: number, options?: SamplerOptions): Float32Array | Float64Array;
export function uniform(
  keyData: KeyData,
  shape: readonly number[],
  dtype: FloatDType = "float32",
  minval = 0,
  maxval = 1,
  options: SamplerOptions = {},
): Float32Array | Float64Array {
  checkKey("uniform", keyData);
  const size = sizeOf("uniform", shape);
  if (dtype === "float32") {
    const words = randomWords("uniform", keyData, 32, size);
    const lo = Math.fround(minval);
    const span = Math.fround(Math.fround(maxval) - lo);
    const fused = options.fusedMultiplyAdd !== false;
    const out = new Float32Array(size);
    for (let i = 0; i < size; i++) {
      const unit = unitF32FromBits(words[i]!);
      const scaled = fused ? fmaF32(unit, span, lo) : Math.fround(Math.fround(unit * span) + lo);
      out[i] = Math.max(lo, scaled);
    }
    return out;
  }
  if (dtype === "float64") {
    const words = randomWords("uniform", keyData, 64, size);
    const fused = options.fusedMultiplyAdd !== false;
    const lo = minval;
    const span = maxval - lo;
    const out = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      const unit = unitF64FromBits(words[i]!, words[size + i]!);
      out[i] = Math.max(lo, fused ? fmaF64(unit, span, lo) : unit * span + lo);
    }
    return out;
  }
  throw new TypeError(`random.uniform: dtype must be "float32" or "float64", got ${String(dtype)}.`);
}

/** random.normal: standard normal samples via the inverse error function, like JAX. */
export function normal(keyData: KeyData, shape: readonly number[], dtype: "float32", options?: SamplerOptions): Float32Array;
export function normal(keyData: KeyData, shape: readonly number[], dtype: "float64", options?: SamplerOptions): Float64Array;
export function normal(keyData: KeyData, shape: readonly number[], dtype?: FloatDType, options?: SamplerOptions): Float32Array | Float64Array;
export function normal(
  keyData: KeyData,
  shape: readonly number[],
  dtype: FloatDType = "float32",
  options: SamplerOptions = {},
): Float32Array | Float64Array {
  checkKey("normal", keyData);
  if (dtype === "float32") {
    const u = uniform(keyData, shape, "float32", nextafterF32(-1, 0), 1, options);
    const sqrt2 = Math.fround(Math.SQRT2);
    for (let i = 0; i < u.length; i++) u[i] = Math.fround(sqrt2 * erfInvF32(u[i]!, options));
    return u;
  }
  if (dtype === "float64") {
    const u = uniform(keyData, shape, "float64", nextafterF64(-1, 0), 1, options);
    for (let i = 0; i < u.length; i++) u[i] = Math.SQRT2 * erfInvF64(u[i]!, options);
    return u;
  }
  throw new TypeError(`random.normal: dtype must be "float32" or "float64", got ${String(dtype)}.`);
}
