// Error-function family in float64: erf, erfc, erfcx, erfinv, erfcinv, and the standard normal ndtr, ndtri, logNdtr.
// Tails stay relatively accurate (erfc down to ~1e-308, logNdtr to x = -1e150) because exp(-x^2) is computed with x^2 split exactly.
import { ERF_SERIES, ERFCX_CHEBYSHEV, ERFCX_T_MAX, ERFCX_X0 } from "./coefficients.js";

const INV_SQRT_PI = 0.5641895835477563;
const TWO_OVER_SQRT_PI = 1.1283791670955126;
const SQRT2 = 1.4142135623730951;
const SQRT1_2 = 0.7071067811865476;
const LN2 = 0.6931471805599453;

/** Rounding error of p = x * x (Dekker / Veltkamp), so x^2 = p + error exactly. */
function squareError(x: number, p: number): number {
  const c = 134217729 * x; // 2^27 + 1
  const hi = c - (c - x);
  const lo = x - hi;
  return hi * hi - p + 2 * hi * lo + lo * lo;
}

/** exp(-x^2) with the rounding of x^2 compensated (it would cost ~x^2 ulps otherwise). */
export function expNegSquare(x: number): number {
  const p = x * x;
  if (p > 746 || !Number.isFinite(p)) return 0;
  return Math.exp(-p) * (1 - squareError(x, p));
}

/** exp(x^2) with the rounding of x^2 compensated. */
export function expSquare(x: number): number {
  const p = x * x;
  if (p > 710) return Infinity;
  return Math.exp(p) * (1 + squareError(x, p));
}

/** exp(-x^2 / 2) with the rounding of x^2 compensated. */
export function expNegHalfSquare(x: number): number {
  const p = x * x;
  if (p > 1492 || !Number.isFinite(p)) return 0;
  return Math.exp(-0.5 * p) * (1 - 0.5 * squareError(x, p));
}

/** erf(x) / x from its Maclaurin series, for |x| < 1/2. */
function erfSmall(x: number): number {
  const z = x * x;
  const c = ERF_SERIES;
  let s = c[c.length - 1]!;
  for (let k = c.length - 2; k >= 0; k--) s = s * z + c[k]!;
  return x * s;
}

/** erfcx(x) for x >= 1/2: t exp(h(t)), t = 2 / (2 + x), h a Chebyshev series (Clenshaw). */
function erfcxLarge(x: number): number {
  if (x > 1e8) return INV_SQRT_PI / x; // 1/(x sqrt(pi)) (1 - 1/(2x^2) + ...) and the correction is below an ulp
  const t = 2 / (2 + x);
  const u = (2 * t) / ERFCX_T_MAX - 1;
  const c = ERFCX_CHEBYSHEV;
  let b1 = 0;
  let b2 = 0;
  const u2 = 2 * u;
  for (let k = c.length - 1; k >= 1; k--) {
    const b0 = u2 * b1 - b2 + c[k]!;
    b2 = b1;
    b1 = b0;
  }
  const h = u * b1 - b2 + c[0]!;
  return t * Math.exp(h);
}

/** Error function. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < ERFCX_X0) return erfSmall(x);
  if (ax > 6) return x > 0 ? 1 : -1;
  const tail = erfcxLarge(ax) * expNegSquare(ax);
  return x > 0 ? 1 - tail : tail - 1;
}

/** Complementary error function 1 - erf(x), relatively accurate for large x until it underflows (x > 27.2). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (Math.abs(x) < ERFCX_X0) return 1 - erfSmall(x);
  if (x > 0) return x > 27.3 ? 0 : erfcxLarge(x) * expNegSquare(x);
  return x < -6 ? 2 : 2 - erfcxLarge(-x) * expNegSquare(x);
}

/** Scaled complementary error function exp(x^2) erfc(x); overflows for x < -26.6. */
export function erfcx(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x >= ERFCX_X0) return erfcxLarge(x);
  if (x > -ERFCX_X0) return expSquare(x) * (1 - erfSmall(x));
  if (x < -26.7) return Infinity;
  return 2 * expSquare(x) - erfcxLarge(-x);
}

/** x > 0 with erfc(x) = q for q in (0, 1/2]: Newton on log erfc, which is concave, so it converges monotonically. */
function erfcinvSmall(q: number): number {
  const logQ = Math.log(q);
  const l = -logQ;
  // leading asymptotics of erfc: x^2 ~ -log(q sqrt(pi) x)
  let x = Math.sqrt(Math.max(l - 0.5 * Math.log(Math.PI * l), 0.25));
  for (let iter = 0; iter < 60; iter++) {
    let logErfc: number;
    let slope: number; // d/dx log erfc(x) = -2 / (sqrt(pi) erfcx(x))
    if (x >= ERFCX_X0) {
      const e = erfcxLarge(x);
      const p = x * x;
      logErfc = Math.log(e) - p - squareError(x, p);
      slope = -TWO_OVER_SQRT_PI / e;
    } else {
      const e = erfc(x);
      logErfc = Math.log(e);
      slope = (-TWO_OVER_SQRT_PI * expNegSquare(x)) / e;
    }
    const step = (logErfc - logQ) / slope;
    x -= step;
    if (Math.abs(step) <= 1e-16 * x) break;
  }
  return x;
}

/** Inverse of erf on [-1, 1]; +-1 map to +-Infinity, outside is NaN. */
export function erfinv(y: number): number {
  if (Number.isNaN(y) || y < -1 || y > 1) return NaN;
  if (y === 1) return Infinity;
  if (y === -1) return -Infinity;
  if (y === 0) return y;
  const ay = Math.abs(y);
  if (ay > 0.5) {
    const x = erfcinvSmall(1 - ay); // 1 - ay is exact here
    return y > 0 ? x : -x;
  }
  // Maclaurin series of erfinv as the starting point, then Halley on erf (f''/f' = -2x)
  const z = ay * ay;
  let x = 0.886226925452758 * ay * (1 + z * (0.2617993877991494 + z * (0.14393173084921979 + z * 0.09766361950392055)));
  for (let iter = 0; iter < 8; iter++) {
    const f = erfSmallOrFull(x) - ay;
    const ratio = f / (TWO_OVER_SQRT_PI * expNegSquare(x));
    const step = ratio / (1 + x * ratio);
    x -= step;
    if (Math.abs(step) <= 1e-17 * x) break;
  }
  return y > 0 ? x : -x;
}

function erfSmallOrFull(x: number): number {
  return x < ERFCX_X0 ? erfSmall(x) : erf(x);
}

/** Inverse of erfc on [0, 2]: erfcinv(0) = Infinity, erfcinv(2) = -Infinity, outside NaN. */
export function erfcinv(q: number): number {
  if (Number.isNaN(q) || q < 0 || q > 2) return NaN;
  if (q === 0) return Infinity;
  if (q === 2) return -Infinity;
  if (q <= 0.5) return erfcinvSmall(q);
  if (q < 1.5) return erfinv(1 - q); // exact subtraction for q in [1/2, 2]
  return -erfcinvSmall(2 - q);
}

/** Standard normal CDF. For x < -1 it is erfcx(-x/sqrt2) exp(-x^2/2) / 2, so rounding x/sqrt2 costs nothing. */
export function ndtr(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < -1) return 0.5 * erfcxLarge(-x * SQRT1_2) * expNegHalfSquare(x);
  if (x > 1) return 1 - 0.5 * erfcxLarge(x * SQRT1_2) * expNegHalfSquare(x);
  return 0.5 * erfc(-x * SQRT1_2);
}

/** log of the standard normal CDF; the left tail is computed in log space, the right via log1p(-ndtr(-x)). */
export function logNdtr(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x > 0) return Math.log1p(-ndtr(-x));
  if (x < -1) {
    if (x === -Infinity) return -Infinity;
    return Math.log(erfcxLarge(-x * SQRT1_2)) - LN2 - 0.5 * x * x;
  }
  return Math.log(ndtr(x));
}

/** Inverse of the standard normal CDF (quantile); 0 -> -Infinity, 1 -> Infinity. */
export function ndtri(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p < 0.25) return -SQRT2 * erfcinvSmall(2 * p);
  if (p <= 0.75) return SQRT2 * erfinv(2 * p - 1); // 2p - 1 is exact on [1/4, 3/4]
  return SQRT2 * erfcinvSmall(2 * (1 - p)); // 1 - p is exact for p >= 1/2
}
