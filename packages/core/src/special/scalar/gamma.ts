// Gamma-family scalar functions in float64: lgamma, gamma, gammaSign, digamma, polygamma, Hurwitz zeta, betaln.
// These are the reference definitions behind Fluxion's `special` primitives; edge cases follow scipy.special.
import {
  BERNOULLI_OVER_FACTORIAL,
  DIGAMMA_ROOT_HI,
  DIGAMMA_ROOT_LO,
  DIGAMMA_ROOT_SERIES,
  LGAMMA_AT_2_SERIES,
  STIRLING_SERIES,
} from "./coefficients.js";

export const LOG_SQRT_2PI = 0.9189385332046728; // log(sqrt(2 pi))
export const EULER_GAMMA = 0.5772156649015329;
const LOG_PI = 1.1447298858494002;

/** sin(pi x) with exact argument reduction, so zeros at the integers are exact. */
export function sinPi(x: number): number {
  if (!Number.isFinite(x)) return NaN;
  if (Math.abs(x) >= 4503599627370496) return 0 * x; // every such double is an integer
  let r = x % 2; // exact
  if (r <= -1) r += 2;
  else if (r > 1) r -= 2;
  // r in (-1, 1]; fold onto [-1/2, 1/2] using sin(pi r) = sin(pi (1 - r))
  if (r > 0.5) r = 1 - r;
  else if (r < -0.5) r = -1 - r;
  return Math.sin(Math.PI * r);
}

/** cos(pi x) with exact argument reduction. */
export function cosPi(x: number): number {
  if (!Number.isFinite(x)) return NaN;
  if (Math.abs(x) >= 9007199254740992) return 1;
  let r = Math.abs(x) % 2; // in [0, 2)
  if (r > 1) r = 2 - r; // cos is even about 1: cos(pi r) = cos(pi (2 - r))
  // r in [0, 1]; cos(pi r) = sin(pi (1/2 - r)), and 1/2 - r is exact
  return Math.sin(Math.PI * (0.5 - r));
}

/** lgamma(2 + z) for |z| <= 1/2 by the shifted A&S 6.1.33 series (no cancellation near x = 2). */
function lgammaNear2(z: number): number {
  const c = LGAMMA_AT_2_SERIES;
  let sum = c[c.length - 1]!;
  for (let k = c.length - 2; k >= 0; k--) sum = sum * z + c[k]!;
  return sum * z;
}

/** log Gamma(1 + z), accurate for small |z| where 1 + z would lose z's digits. */
export function lgamma1p(z: number): number {
  if (Math.abs(z) <= 0.5) return lgammaNear2(z) - Math.log1p(z);
  if (z > 0.5 && z <= 1.5) return lgammaNear2(z - 1);
  return lgamma(1 + z);
}

/**
 * Stirling remainder w(x) = lgamma(x) - [(x - 1/2) log x - x + log sqrt(2 pi)] = log Gamma*(x), x > 0.
 * Used wherever lgamma terms of large arguments would cancel (incomplete gamma/beta prefixes, betaln).
 */
export function stirlingRemainder(x: number): number {
  if (x >= 10) {
    const r = 1 / (x * x);
    let s = 0;
    for (let k = 9; k >= 0; k--) s = s * r + STIRLING_SERIES[k]!;
    return s / x;
  }
  return lgamma(x) - ((x - 0.5) * Math.log(x) - x + LOG_SQRT_2PI);
}

/** log|Gamma(x)|. Non-positive integers give +Infinity (scipy gammaln); lgamma(+-Infinity) = +Infinity (C99). */
export function lgamma(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (!Number.isFinite(x)) return Infinity;
  if (x <= 0 && Math.floor(x) === x) return Infinity;
  const ax = Math.abs(x);
  if (ax < 0.5) return lgammaNear2(x) - Math.log1p(x) - Math.log(ax);
  if (x < 0) {
    // reflection: |Gamma(x)| = pi / (|sin(pi x)| Gamma(1 - x))
    return LOG_PI - Math.log(Math.abs(sinPi(x))) - lgamma(1 - x);
  }
  if (x < 1.5) return lgammaNear2(x - 1) - Math.log1p(x - 1);
  if (x <= 2.5) return lgammaNear2(x - 2);
  if (x < 10) {
    // Gamma(x) = (x-1)(x-2)...(z+2) Gamma(z+2) with z in [-1/2, 1/2]; every subtraction is exact
    const n = Math.floor(x - 1.5);
    let product = 1;
    for (let k = 1; k <= n; k++) product *= x - k;
    return Math.log(product) + lgammaNear2(x - n - 2);
  }
  return x * (Math.log(x) - 1) - 0.5 * Math.log(x) + LOG_SQRT_2PI + stirlingRemainder(x);
}

/** Sign of Gamma(x) as scipy.special.gammasgn: NaN at non-positive integers, -1 for -0. */
export function gammaSign(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x > 0) return 1;
  if (x === 0) return Object.is(x, -0) ? -1 : 1;
  if (!Number.isFinite(x) || Math.floor(x) === x) return NaN;
  return Math.floor(x) % 2 === 0 ? 1 : -1;
}

/** Gamma(x); overflows to Infinity past 171.62; NaN at negative integers, +-Infinity at +-0. */
export function gamma(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return Infinity;
  if (x === -Infinity) return NaN;
  if (x === 0) return Object.is(x, -0) ? -Infinity : Infinity;
  if (x < 0 && Math.floor(x) === x) return NaN;
  if (x < 0.5) {
    // reflection Gamma(x) Gamma(1 - x) = pi / sin(pi x)
    if (x > -1e-300 && x < 0) return 1 / x; // 1/Gamma(x) ~ x near 0
    const s = sinPi(x);
    const g = gamma(1 - x);
    if (!Number.isFinite(g)) {
      // Gamma(1 - x) overflows but the quotient may still be (sub)normal
      return Math.sign(s) * Math.exp(LOG_PI - Math.log(Math.abs(s)) - lgamma(1 - x));
    }
    return Math.PI / (s * g);
  }
  if (x < 1.5) return Math.exp(lgammaNear2(x - 1)) / x;
  if (x < 10) {
    const n = Math.floor(x - 1.5);
    let product = 1;
    for (let k = 1; k <= n; k++) product *= x - k;
    return product * Math.exp(lgammaNear2(x - n - 2));
  }
  if (x > 171.7) return Infinity;
  // x^(x - 1/2) e^-x split as v * (v e^-x) with v = x^(x/2 - 1/4), so each factor is exact to an ulp
  const v = Math.pow(x, 0.5 * x - 0.25);
  return 2.5066282746310002 * v * (v * Math.exp(-x)) * Math.exp(stirlingRemainder(x));
}

/** (2k+1)! for k = 0..11, turning B_{2k+2}/(2k+2)! into the digamma asymptotic coefficient B_{2k+2}/(2k+2). */
const ODD_FACTORIALS: readonly number[] = (() => {
  const out: number[] = [];
  let factorial = 1;
  for (let k = 0; k < 12; k++) {
    if (k > 0) factorial *= 2 * k * (2 * k + 1);
    out.push(factorial);
  }
  return out;
})();

/** log(y) - digamma(y) for y > 0, without cancellation when y is large (A&S 6.3.18 for y >= 10). */
export function logMinusDigamma(y: number): number {
  if (y >= 10) {
    const r = 1 / (y * y);
    let s = 0;
    for (let k = 9; k >= 0; k--) s = s * r + BERNOULLI_OVER_FACTORIAL[k]! * ODD_FACTORIALS[k]!;
    return 0.5 / y + s * r;
  }
  return Math.log(y) - digamma(y);
}

/** Digamma psi(x). psi(+0) = -Infinity, psi(-0) = +Infinity, NaN at negative integers and -Infinity (scipy). */
export function digamma(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return Infinity;
  if (x === -Infinity) return NaN;
  if (x === 0) return Object.is(x, -0) ? Infinity : -Infinity;
  if (x < 0) {
    if (Math.floor(x) === x) return NaN;
    // reflection: psi(x) = psi(1 - x) - pi cot(pi x)
    return digamma(1 - x) - (Math.PI * cosPi(x)) / sinPi(x);
  }
  const t = x - DIGAMMA_ROOT_HI - DIGAMMA_ROOT_LO;
  if (Math.abs(t) < 0.3) {
    // Taylor series about the positive zero keeps relative accuracy where psi crosses 0
    const c = DIGAMMA_ROOT_SERIES;
    let s = c[c.length - 1]!;
    for (let k = c.length - 2; k >= 0; k--) s = s * t + c[k]!;
    return s * t;
  }
  let shift = 0;
  let y = x;
  while (y < 10) {
    shift += 1 / y;
    y += 1;
  }
  return Math.log(y) - logMinusDigamma(y) - shift;
}

/**
 * Hurwitz zeta zeta(s, q) = sum_k (q + k)^-s for s > 1 by Euler-Maclaurin summation
 * (as in cephes `zeta`, DLMF 25.11.5 with Bernoulli remainder terms). q may be negative when s
 * is an integer; q a non-positive integer gives +Infinity.
 */
export function hurwitzZeta(s: number, q: number): number {
  if (Number.isNaN(s) || Number.isNaN(q)) return NaN;
  if (s === 1) return Infinity;
  if (s < 1) return NaN;
  if (q === Infinity) return 0;
  if (q <= 0) {
    if (Math.floor(q) === q) return Infinity;
    if (Math.floor(s) !== s) return NaN; // (q + k)^-s is not real
    if (q === -Infinity) return NaN;
  }
  const target = Math.max(10, s); // shift so that the remainder terms shrink like (s / (2 pi a))^(2j)
  let sum = 0;
  let a = q;
  while (a < target) {
    const term = Math.pow(a, -s);
    sum += term;
    a += 1;
    if (s > 10 && a > 0 && Math.abs(term) < 1e-18 * Math.abs(sum)) return sum; // tail < term * a / (s - 1)
  }
  const aPowS = Math.pow(a, -s);
  let tail = (a * aPowS) / (s - 1) + 0.5 * aPowS;
  let factor = s * aPowS / a; // s (s+1) ... (s + 2j - 2) a^(-s - 2j + 1), j = 1
  const invA2 = 1 / (a * a);
  for (let j = 0; j < BERNOULLI_OVER_FACTORIAL.length; j++) {
    const term = BERNOULLI_OVER_FACTORIAL[j]! * factor;
    tail += term;
    if (Math.abs(term) < 1e-17 * Math.abs(tail + sum)) break;
    factor *= (s + 2 * j + 1) * (s + 2 * j + 2) * invA2;
  }
  return sum + tail;
}

/**
 * Polygamma psi^(n)(x) = (-1)^(n+1) n! zeta(n + 1, x) for integer n >= 1, digamma for n = 0.
 * Non-integer or negative n gives NaN; poles x = 0, -1, ... give (-1)^(n+1) Infinity like scipy.
 */
export function polygamma(n: number, x: number): number {
  if (Number.isNaN(n) || Number.isNaN(x)) return NaN;
  if (n < 0 || Math.floor(n) !== n) return NaN;
  if (n === 0) return digamma(x);
  const sign = n % 2 === 1 ? 1 : -1;
  if (x === Infinity) return 0 * sign;
  if (x === -Infinity) return NaN;
  if (x <= 0 && Math.floor(x) === x) return sign * Infinity;
  if (n === 1 && x < 0) {
    // reflection psi1(1 - x) + psi1(x) = pi^2 / sin^2(pi x): no cancellation, both sides positive
    const s = sinPi(x);
    return (Math.PI * Math.PI) / (s * s) - hurwitzZeta(2, 1 - x);
  }
  const zeta = hurwitzZeta(n + 1, x);
  const factorial = gamma(n + 1);
  if (Number.isFinite(factorial)) return sign * factorial * zeta;
  return sign * Math.sign(zeta) * Math.exp(lgamma(n + 1) + Math.log(Math.abs(zeta)));
}

/** Trigamma psi'(x). */
export function trigamma(x: number): number {
  return polygamma(1, x);
}

/**
 * log|B(a, b)| = log|Gamma(a) Gamma(b) / Gamma(a + b)|. For large arguments the Stirling
 * remainders are combined so the (a - 1/2) log a style terms do not cancel to lose digits.
 */
export function betaln(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return NaN;
  const small = Math.min(a, b);
  const large = Math.max(a, b);
  if (small <= 0 || !Number.isFinite(large)) {
    if (small > 0 && large === Infinity) return -Infinity;
    return lgamma(a) + lgamma(b) - lgamma(a + b);
  }
  if (large < 10) return lgamma(a) + lgamma(b) - lgamma(a + b);
  const sum = small + large;
  const wDiff = stirlingRemainder(large) - stirlingRemainder(sum);
  if (small < 10) {
    // lgamma(large) - lgamma(sum) = -(large - 1/2) log1p(small/large) - small log(sum) + small + wDiff
    return lgamma(small) + wDiff + small - (large - 0.5) * Math.log1p(small / large) - small * Math.log(sum);
  }
  // both large: B = sqrt(2 pi) sqrt(sum/(small large)) (small/sum)^small (large/sum)^large Gamma* ratio
  const logRatio = -small * Math.log1p(large / small) - large * Math.log1p(small / large);
  return (
    LOG_SQRT_2PI + 0.5 * Math.log(sum / (small * large)) + logRatio + stirlingRemainder(small) + wDiff
  );
}
