// Bit-level helpers for the threefry reference: uint32 arithmetic, float bitcasts, float32
// neighbours and a correctly rounded float32 fused multiply-add. The engine's random kernels reuse them.

/** Rotate a uint32 left by `r` bits (0 ≤ r < 32); the result is a uint32 number. */
export function rotl32(x: number, r: number): number {
  const s = r & 31;
  if (s === 0) return x >>> 0;
  return ((x << s) | (x >>> (32 - s))) >>> 0;
}

/** uint32 addition modulo 2^32 (the sum of two uint32 values is exact in a double before wrapping). */
export function addU32(a: number, b: number): number {
  return (a + b) >>> 0;
}

// One scratch buffer serves every bitcast; DataView fixes the byte order so results do not depend on the host.
const scratch = new DataView(new ArrayBuffer(8));

/** The IEEE-754 binary32 bit pattern of `x` (after rounding x to float32), as a uint32. */
export function f32ToBits(x: number): number {
  scratch.setFloat32(0, x, true);
  return scratch.getUint32(0, true);
}

/** The float32 value whose bit pattern is the uint32 `bits`. */
export function bitsToF32(bits: number): number {
  scratch.setUint32(0, bits >>> 0, true);
  return scratch.getFloat32(0, true);
}

/** The IEEE-754 binary64 bit pattern of `x` as [high word, low word]. */
export function f64ToBits(x: number): [hi: number, lo: number] {
  scratch.setFloat64(0, x, true);
  return [scratch.getUint32(4, true), scratch.getUint32(0, true)];
}

/** The float64 value whose bit pattern is (hi << 32) | lo. */
export function bitsToF64(hi: number, lo: number): number {
  scratch.setUint32(4, hi >>> 0, true);
  scratch.setUint32(0, lo >>> 0, true);
  return scratch.getFloat64(0, true);
}

/**
 * C's `nextafterf`: the float32 adjacent to fround(x) in the direction of `toward`.
 * Used for JAX's normal sampler, whose lower bound is nextafter(-1, 0) in the sample dtype.
 */
export function nextafterF32(x: number, toward: number): number {
  const from = Math.fround(x);
  const to = Math.fround(toward);
  if (Number.isNaN(from) || Number.isNaN(to)) return NaN;
  if (from === to) return to;
  if (from === 0) return to > 0 ? bitsToF32(1) : bitsToF32(0x80000001);
  const bits = f32ToBits(from);
  // Moving away from zero increments the magnitude bits for either sign.
  const awayFromZero = (to > from) === (from > 0);
  return bitsToF32(awayFromZero ? bits + 1 : bits - 1);
}

/** C's `nextafter` for float64. */
export function nextafterF64(x: number, toward: number): number {
  if (Number.isNaN(x) || Number.isNaN(toward)) return NaN;
  if (x === toward) return toward;
  if (x === 0) return toward > 0 ? Number.MIN_VALUE : -Number.MIN_VALUE;
  let [hi, lo] = f64ToBits(x);
  const awayFromZero = (toward > x) === (x > 0);
  if (awayFromZero) {
    lo = (lo + 1) >>> 0;
    if (lo === 0) hi = (hi + 1) >>> 0;
  } else {
    if (lo === 0) hi = (hi - 1) >>> 0;
    lo = (lo - 1) >>> 0;
  }
  return bitsToF64(hi, lo);
}

/**
 * float32 fused multiply-add fma(a, b, c) = round_f32(a*b + c) with a single rounding.
 * The product of two float32 values is exact in a double; the sum's rounding error is recovered
 * with Knuth's TwoSum, and it only matters when the double sum sits exactly on a float32
 * midpoint (otherwise the nearest float32 of the double sum and of the exact sum coincide).
 * Exists because XLA lets LLVM contract `p * w + c` into an FMA on hosts that have one.
 */
export function fmaF32(a: number, b: number, c: number): number {
  const product = Math.fround(a) * Math.fround(b);
  const addend = Math.fround(c);
  const sum = product + addend;
  if (!Number.isFinite(sum)) return Math.fround(sum);
  const bv = sum - product;
  const error = product - (sum - bv) + (addend - bv);
  const rounded = Math.fround(sum);
  if (error === 0 || rounded === sum) return rounded;
  // Aim at ±Infinity: nextafterF32 rounds its target to float32, which here would give `rounded` back.
  const other = nextafterF32(rounded, sum > rounded ? Infinity : -Infinity);
  if (Math.abs(sum - rounded) !== Math.abs(other - sum)) return rounded;
  // The double sum is a float32 tie; the true sum lies on the side the rounding error points to.
  return error > 0 ? Math.max(rounded, other) : Math.min(rounded, other);
}

/** float32 multiply-add with two roundings (no contraction), for comparison with fmaF32. */
export function mulAddF32(a: number, b: number, c: number): number {
  return Math.fround(Math.fround(a * b) + c);
}

// Veltkamp's splitter for binary64: 2^27 + 1.
const SPLITTER = 134217729;

/** Dekker's exact product: a*b = hi + lo when no overflow or underflow occurs. */
function twoProduct(a: number, b: number): [hi: number, lo: number] {
  const hi = a * b;
  const ca = SPLITTER * a;
  const aHi = ca - (ca - a);
  const aLo = a - aHi;
  const cb = SPLITTER * b;
  const bHi = cb - (cb - b);
  const bLo = b - bHi;
  const lo = aHi * bHi - hi + aHi * bLo + aLo * bHi + aLo * bLo;
  return [hi, lo];
}

/** Knuth's TwoSum: a + b = sum + error exactly. */
function twoSum(a: number, b: number): [sum: number, error: number] {
  const sum = a + b;
  const bv = sum - a;
  return [sum, a - (sum - bv) + (b - bv)];
}

/** a + b rounded to odd: when inexact, the one of the two bracketing doubles whose last bit is 1. */
function addRoundToOdd(a: number, b: number): number {
  const [sum, error] = twoSum(a, b);
  if (error === 0 || (f64ToBits(sum)[1] & 1) === 1) return sum;
  return nextafterF64(sum, error > 0 ? Infinity : -Infinity);
}

/**
 * float64 fused multiply-add round(a*b + c), emulated with Boldo & Melquiond's algorithm ("Emulation of
 * FMA and correctly rounded sums: proved algorithms using rounding to odd", IEEE TC 2008): exact product,
 * exact sum with c, the two low parts added with rounding to odd, then one final rounding. Exact while a*b
 * stays clear of overflow (|a|, |b| < 2^995) and of the subnormal range (|a*b| > 2^-969), which covers the
 * erfinv polynomial.
 */
export function fmaF64(a: number, b: number, c: number): number {
  const [productHi, productLo] = twoProduct(a, b);
  if (!Number.isFinite(productHi) || !Number.isFinite(productLo) || !Number.isFinite(c)) return a * b + c;
  const [sumHi, sumLo] = twoSum(c, productHi);
  return sumHi + addRoundToOdd(sumLo, productLo);
}
