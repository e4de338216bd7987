// Fused multiply-add a*b + c with a single rounding, emulated with array ops, so the samplers reproduce
// XLA's FMA-contracted Horner steps bit for bit on backends that have no FMA instruction.
import type { NDArray } from "../array/ndarray.js";
import { DTypeError } from "../errors.js";
import { abs, add, and, convert, div, eq, fullLike, gt, le, mul, ne, rem, select, sub } from "./ops.js";

/** Knuth's TwoSum: x + y = sum + error exactly (float64 arrays). */
function twoSum(x: NDArray, y: NDArray): [NDArray, NDArray] {
  const sum = add(x, y);
  const yVirtual = sub(sum, x);
  const error = add(sub(x, sub(sum, yVirtual)), sub(y, yVirtual));
  return [sum, error];
}

/**
 * float32 fma with b already widened. The product of two float32 values is exact in float64, so a*b + c is
 * one float64 addition away from exact, and rounding that float64 sum s to float32 is correct unless s lies
 * exactly halfway between two float32 values while its rounding error (TwoSum) is nonzero; then the error's
 * sign decides. Midpoints are found without nextafter (slow per element): nudging s by |s| 2^-40 either way
 * (far below half a float32 ulp, far above a float64 ulp) rounds to two different float32 values exactly when
 * a midpoint m lies near s, and m is their average (exact in float64). Same results as the oracle's fmaF32.
 */
function fmaF32(a: NDArray, bWide: NDArray, c: NDArray, k: Constants): NDArray {
  const product = mul(convert(a, "float64"), bWide);
  const [sum, error] = twoSum(product, convert(c, "float64"));
  const rounded = convert(sum, "float32");
  const nudge = mul(abs(sum), k.nudge);
  const above = convert(add(sum, nudge), "float32");
  const below = convert(sub(sum, nudge), "float32");
  const midpoint = mul(add(convert(above, "float64"), convert(below, "float64")), k.half);
  const isTie = and(and(ne(above, below), eq(sum, midpoint)), ne(error, k.zero));
  return select(isTie, select(gt(error, k.zero), above, below), rounded);
}

/** float64 constants of the operands' shape, made once per Horner variable rather than once per step. */
interface Constants { zero: NDArray; one: NDArray; two: NDArray; half: NDArray; nudge: NDArray; splitter: NDArray; ulpOfOne: NDArray; halfUlpOfOne: NDArray; max: NDArray }
function constantsLike(x: NDArray): Constants {
  const c = (v: number) => fullLike(x, v);
  return {
    zero: c(0), one: c(1), two: c(2), half: c(0.5), nudge: c(2 ** -40), splitter: c(SPLITTER),
    ulpOfOne: c(2 ** -52), halfUlpOfOne: c(2 ** -53), max: c(Number.MAX_VALUE),
  };
}

// Veltkamp's splitter for binary64: 2^27 + 1.
const SPLITTER = 134217729;

/** Veltkamp's split x = high + low, each half fitting in 26 bits (float64 arrays, away from overflow). */
function split(x: NDArray, k: Constants): [NDArray, NDArray] {
  const scaled = mul(k.splitter, x);
  const high = sub(scaled, sub(scaled, x));
  return [high, sub(x, high)];
}

/** Dekker's exact product a*b = hi + lo, with b already split (float64 arrays, no overflow or underflow). */
function twoProduct(a: NDArray, b: NDArray, [bHi, bLo]: [NDArray, NDArray], k: Constants): [NDArray, NDArray] {
  const hi = mul(a, b);
  const [aHi, aLo] = split(a, k);
  const lo = add(add(add(sub(mul(aHi, bHi), hi), mul(aHi, bLo)), mul(aLo, bHi)), mul(aLo, bLo));
  return [hi, lo];
}

/**
 * x + y rounded to odd: when inexact, whichever of the two doubles bracketing the exact sum has last bit 1.
 * For a normal double s: s (1 + 2^-53) lies between s and its upper neighbour, strictly past the midpoint
 * unless |s| is a power of two (then it is the midpoint and rounds back to s), so
 * d = fl(|s| + |s| 2^-53) - |s| is the ulp of s, or 0 for powers of two (ulp |s| 2^-52). The last bit is the
 * parity of |s| / ulp. The other bracketing double is one ulp toward the error, half an ulp when that steps
 * down out of a power of two's binade. (The low parts here stay far above the subnormal range.)
 */
function addRoundToOdd(x: NDArray, y: NDArray, k: Constants): NDArray {
  const [sum, error] = twoSum(x, y);
  const exact = eq(error, k.zero);
  // Where the sum is exact it is kept; 1 stands in for it so 0 never reaches the ulp computation.
  const magnitude = abs(select(exact, k.one, sum));
  const gap = sub(add(magnitude, mul(magnitude, k.halfUlpOfOne)), magnitude);
  const isPowerOfTwo = eq(gap, k.zero);
  const ulp = select(isPowerOfTwo, mul(magnitude, k.ulpOfOne), gap);
  const lastBitOne = eq(rem(div(magnitude, ulp), k.two), k.one);
  const errorUp = gt(error, k.zero);
  const towardZero = ne(errorUp, gt(sum, k.zero));
  const step = select(and(isPowerOfTwo, towardZero), mul(ulp, k.half), ulp);
  const stepped = select(errorUp, add(sum, step), sub(sum, step));
  return select(exact, sum, select(lastBitOne, sum, stepped));
}

/**
 * float64 fma after Boldo & Melquiond ("Emulation of FMA and correctly rounded sums: proved algorithms using
 * rounding to odd", IEEE TC 2008): exact product, exact sum with c, the two low parts added with rounding to
 * odd, one final rounding. Where that is not finite (an infinite or NaN operand, or an overflowing product)
 * the result is a*b + c, as in the oracle's fmaF64.
 */
function fmaF64(a: NDArray, b: NDArray, bSplit: [NDArray, NDArray], c: NDArray, k: Constants): NDArray {
  const [productHi, productLo] = twoProduct(a, b, bSplit, k);
  const [sumHi, sumLo] = twoSum(c, productHi);
  const fused = add(sumHi, addRoundToOdd(sumLo, productLo, k));
  // |v| <= MAX_VALUE is false for infinities and NaN.
  return select(le(abs(fused), k.max), fused, add(mul(a, b), c));
}

/**
 * `(a, c) => a*b + c` for a fixed `b` (a Horner variable), rounded once (fused) or twice, in b's float dtype.
 * Work that depends only on b (widening, splitting) is done once for every step.
 */
export function multiplyAddBy(b: NDArray, fused: boolean): (a: NDArray, c: NDArray) => NDArray {
  if (!fused) return (a, c) => add(mul(a, b), c);
  if (b.dtype === "float32") {
    const bWide = convert(b, "float64");
    const k = constantsLike(bWide);
    return (a, c) => fmaF32(a, bWide, c, k);
  }
  if (b.dtype === "float64") {
    const k = constantsLike(b);
    const bSplit = split(b, k);
    return (a, c) => fmaF64(a, b, bSplit, c, k);
  }
  throw new DTypeError(`random.multiplyAdd: operands have dtype ${b.dtype}, but a float dtype (float32/float64) is needed.`);
}

/** a*b + c rounded once (fused) or twice (unfused), in the operands' float dtype; operands share shape and dtype. */
export function multiplyAdd(a: NDArray, b: NDArray, c: NDArray, fused: boolean): NDArray {
  return multiplyAddBy(b, fused)(a, c);
}
