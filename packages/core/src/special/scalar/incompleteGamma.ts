// Regularized incomplete gamma P(a, x), Q(a, x), their a-derivative, and inverses, in float64.
// Regimes follow DiDonato & Morris (1986, ACM TOMS 12) as Boost and cephes do: power series for P, Legendre's
// continued fraction for Q, a small-a series for Q, and Temme's uniform expansion for large a with x near a.
import { TEMME_GAMMA } from "./coefficients.js";
import { erfc, ndtri } from "./erf.js";
import { digamma, gamma, lgamma, lgamma1p, logMinusDigamma, stirlingRemainder } from "./gamma.js";

const EPS = 2.220446049250313e-16;
const INV_SQRT_2PI = 0.3989422804014327;
const MAX_ITERATIONS = 100000;

/** log(1 + d) - d without cancellation for small |d| (series in u = d / (2 + d), the atanh form of log1p). */
export function log1pmx(d: number): number {
  if (Math.abs(d) > 0.5) return Math.log1p(d) - d;
  const u = d / (2 + d);
  const u2 = u * u;
  // 2 (u^3/3 + u^5/5 + ...) - d u, since log1p(d) = 2 atanh(u) and 2u - d = -d u
  let s = 0;
  for (let k = 20; k >= 1; k--) s = s * u2 + 1 / (2 * k + 1);
  return 2 * u * u2 * s - d * u;
}

/** a (log(x/a) - (x - a)/a): the exponent of the Stirling-scaled prefix, formed without cancellation. */
function scaledPrefixExponent(a: number, x: number): number {
  const d = (x - a) / a;
  // 1 + d = x/a would lose x's digits when x << a; log(x/a) keeps them
  return Math.abs(d) <= 0.5 ? a * log1pmx(d) : a * Math.log(x / a) + (a - x);
}

/** x^a e^-x / Gamma(a), the common factor of P and Q (= x times the Gamma(a, 1) density at x). */
export function gammaPrefix(a: number, x: number): number {
  if (a >= 10) {
    // Stirling-scaled: sqrt(a / 2pi) exp(a log1pmx((x - a) / a)) / Gamma*(a); no large terms cancel
    return Math.sqrt(a) * INV_SQRT_2PI * Math.exp(scaledPrefixExponent(a, x) - stirlingRemainder(a));
  }
  const logValue = a * Math.log(x) - x - lgamma(a);
  if (x < 700 && logValue > -700 && logValue < 700) {
    const power = Math.pow(x, a);
    if (power > 1e-300 && power < 1e300) return (power * Math.exp(-x)) / gamma(a);
  }
  return Math.exp(logValue);
}

/** log of gammaPrefix, for the inverse solvers where the prefix itself may underflow. */
function logGammaPrefix(a: number, x: number): number {
  if (a >= 10) return 0.5 * Math.log(a) + Math.log(INV_SQRT_2PI) + scaledPrefixExponent(a, x) - stirlingRemainder(a);
  return a * Math.log(x) - x - lgamma(a);
}

// Results of the regime functions: value of the tail named by `lowerTail`, and d(value)/da when asked.
let resultValue = 0;
let resultLower = true;
let resultDerivative = 0;

/** P(a, x) = prefix/a * sum_n x^n / ((a+1)...(a+n)); optionally d log P / da by differentiating term by term. */
function lowerSeries(a: number, x: number, wantDerivative: boolean): void {
  let term = 1;
  let sum = 1;
  let termDerivative = 0; // d term / da
  let sumDerivative = 0;
  for (let n = 1; n < MAX_ITERATIONS; n++) {
    const r = x / (a + n);
    termDerivative = termDerivative * r - (term * r) / (a + n);
    term *= r;
    sum += term;
    sumDerivative += termDerivative;
    if (term < EPS * 0.25 * sum && (!wantDerivative || Math.abs(termDerivative) <= EPS * 0.25 * Math.abs(sumDerivative))) break;
  }
  const p = (gammaPrefix(a, x) / a) * sum;
  resultValue = p;
  resultLower = true;
  if (wantDerivative) {
    // d log P / da = log x - psi(a + 1) + S'/S, with log x - psi(a+1) formed without cancellation
    const logXMinusPsi = Math.log(x / (a + 1)) + logMinusDigamma(a + 1);
    resultDerivative = p * (logXMinusPsi + sumDerivative / sum);
  }
}

/** Q(a, x) = prefix / f with Legendre's continued fraction f (modified Lentz), forward-differentiated in a. */
function upperContinuedFraction(a: number, x: number, wantDerivative: boolean): void {
  const tiny = 1e-300;
  let b = x + 1 - a;
  let f = b === 0 ? tiny : b;
  let c = f;
  let d = 0;
  // derivatives with respect to a
  let cDer = -1;
  let dDer = 0;
  let logFDer = -1 / f; // d log f / da
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    const anDer = i;
    b += 2;
    // D_i = 1 / (b + an D_{i-1}),  C_i = b + an / C_{i-1}
    let dDen = b + an * d;
    const dDenDer = -1 + anDer * d + an * dDer;
    if (dDen === 0) dDen = tiny;
    const dNew = 1 / dDen;
    const dNewDer = -dDenDer * dNew * dNew;
    let cNew = b + an / c;
    const cNewDer = -1 + anDer / c - (an * cDer) / (c * c);
    if (cNew === 0) cNew = tiny;
    c = cNew;
    cDer = cNewDer;
    d = dNew;
    dDer = dNewDer;
    const delta = c * d;
    f *= delta;
    const logDeltaDer = cDer / c + dDer / d;
    logFDer += logDeltaDer;
    if (Math.abs(delta - 1) < EPS && (!wantDerivative || Math.abs(logDeltaDer) <= EPS * Math.abs(logFDer))) break;
  }
  const q = gammaPrefix(a, x) / f;
  resultValue = q;
  resultLower = false;
  if (wantDerivative) {
    // d log Q / da = log x - psi(a) - f'/f
    const logXMinusPsi = Math.log(x / a) + logMinusDigamma(a);
    resultDerivative = q * (logXMinusPsi - logFDer);
  }
}

/**
 * Q(a, x) for small a and x (DiDonato & Morris 1986, section 2): with u = x^a / Gamma(a + 1),
 * Q = (1 - u) - u a T, T = sum_{n>=1} (-x)^n / (n! (a + n)); 1 - u comes from expm1 so Q keeps its digits.
 */
function upperSmallA(a: number, x: number, wantDerivative: boolean): void {
  let t = 0;
  let tDer = 0; // dT/da
  let power = 1; // (-x)^n / n!
  for (let n = 1; n < 200; n++) {
    power *= -x / n;
    const inv = 1 / (a + n);
    const term = power * inv;
    t += term;
    tDer -= term * inv;
    if (Math.abs(term) < EPS * 0.1 * Math.abs(t) + 1e-300) break;
  }
  const logU = a * Math.log(x) - lgamma1p(a);
  const u = Math.exp(logU);
  const q = -Math.expm1(logU) - u * a * t;
  resultValue = q;
  resultLower = false;
  if (wantDerivative) {
    // P = u (1 + a T):  dP/da = u [(log x - psi(1 + a)) (1 + a T) + T + a T']
    const dP = u * ((Math.log(x) - digamma(1 + a)) * (1 + a * t) + t + a * tDer);
    resultDerivative = -dP; // derivative of the returned (upper) tail
  }
}

/**
 * Temme's uniform expansion (Temme 1979; DiDonato & Morris 1986 eq. 2.1-2.3):
 * Q = erfc(eta sqrt(a/2)) / 2 + e^(-a eta^2 / 2) / sqrt(2 pi a) sum_k C_k(eta) a^-k.
 * The a-derivative at fixed x uses d eta/da = -mu / (a eta) and collapses to the form below.
 */
function temme(a: number, x: number, wantDerivative: boolean): void {
  const mu = (x - a) / a;
  const halfEta2 = -log1pmx(mu); // eta^2 / 2 = mu - log(1 + mu)
  const eta = mu < 0 ? -Math.sqrt(2 * halfEta2) : Math.sqrt(2 * halfEta2);
  const invA = 1 / a;
  let sum = 0; // sum_k C_k a^-k
  let sumPrime = 0; // sum_k C_k'(eta) a^-k
  let sumK = 0; // sum_k k C_k a^-(k+1)
  let c0 = 0;
  let aPow = 1;
  for (let k = 0; k < TEMME_GAMMA.length; k++) {
    const row = TEMME_GAMMA[k]!;
    let value = row[row.length - 1]!;
    let derivative = 0;
    for (let j = row.length - 2; j >= 0; j--) {
      derivative = derivative * eta + value;
      value = value * eta + row[j]!;
    }
    if (k === 0) c0 = value;
    sum += value * aPow;
    sumPrime += derivative * aPow;
    sumK += k * value * aPow * invA;
    aPow *= invA;
  }
  const envelope = Math.exp(-a * halfEta2) * INV_SQRT_2PI / Math.sqrt(a);
  const w = Math.sqrt(a * halfEta2); // |eta| sqrt(a/2)
  if (mu < 0) {
    resultValue = 0.5 * erfc(w) - envelope * sum; // P
    resultLower = true;
  } else {
    resultValue = 0.5 * erfc(w) + envelope * sum; // Q
    resultLower = false;
  }
  if (wantDerivative) {
    const logLambda = Math.log1p(mu);
    const logLambdaOverMu = mu === 0 ? 1 : logLambda / mu;
    const muOverEta = eta === 0 ? 1 : mu / eta;
    // dQ/da = E [log(lambda)/mu + log(lambda)(S - C_0) - S/(2a) - (mu/(a eta)) S' - sum k C_k a^-(k+1)]
    const dQ =
      envelope *
      (logLambdaOverMu + logLambda * (sum - c0) - 0.5 * invA * sum - muOverEta * invA * sumPrime - sumK);
    resultDerivative = resultLower ? -dQ : dQ;
  }
}

/** Picks the regime; leaves the tail it computed accurately in resultValue / resultLower. */
function evaluate(a: number, x: number, wantDerivative: boolean): void {
  if (a >= 20) {
    const sigma = Math.abs((x - a) / a);
    if (sigma < 0.4) {
      temme(a, x, wantDerivative);
      return;
    }
  }
  if (x <= 1.5) {
    // P is near 1 exactly when x^a is: then take Q from the small-a series
    if (a < x || (a <= 1.5 && a * Math.log(x) > -0.4)) upperSmallA(a, x, wantDerivative);
    else lowerSeries(a, x, wantDerivative);
    return;
  }
  if (x < a) lowerSeries(a, x, wantDerivative);
  else upperContinuedFraction(a, x, wantDerivative);
}

/** Returns NaN for invalid input, the value for a trivial case, or undefined when the general code must run. */
function trivialLower(a: number, x: number): number | undefined {
  if (Number.isNaN(a) || Number.isNaN(x) || a < 0 || x < 0) return NaN;
  if (a === 0) return x > 0 ? 1 : NaN;
  if (x === 0) return 0;
  if (a === Infinity) return x === Infinity ? NaN : 0;
  if (x === Infinity) return 1;
  return undefined;
}

/** Regularized lower incomplete gamma P(a, x) = gamma(a, x) / Gamma(a); NaN for a < 0 or x < 0 (scipy). */
export function gammainc(a: number, x: number): number {
  const trivial = trivialLower(a, x);
  if (trivial !== undefined) return trivial;
  evaluate(a, x, false);
  return resultLower ? resultValue : 1 - resultValue;
}

/** Regularized upper incomplete gamma Q(a, x) = 1 - P(a, x), accurate when Q is tiny. */
export function gammaincc(a: number, x: number): number {
  const trivial = trivialLower(a, x);
  if (trivial !== undefined) return Number.isNaN(trivial) ? NaN : 1 - trivial;
  evaluate(a, x, false);
  return resultLower ? 1 - resultValue : resultValue;
}

/** dP(a, x)/da (so dQ/da is its negative). Zero at x = 0 and x = Infinity; NaN for a <= 0. */
export function gammaincDa(a: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(x) || a <= 0 || x < 0) return NaN;
  if (x === 0 || x === Infinity || a === Infinity) return 0;
  evaluate(a, x, true);
  return resultLower ? resultDerivative : -resultDerivative;
}

/**
 * log of the tail (lower if `lower`) at x and its derivative in t = log x; used by the inverses. Both tails are
 * log-concave in t (log-gamma distribution), so Newton on them converges from any start (see solveGammaTail).
 */
let tailLog = 0;
let tailLogSlope = 0;
function logTail(a: number, x: number, lower: boolean): void {
  evaluate(a, x, false);
  const computed = resultValue;
  let value: number;
  if (resultLower === lower) value = computed;
  else value = 1 - computed;
  // d tail / dt = x dP/dx = prefix (lower), -prefix (upper)
  const logPrefix = logGammaPrefix(a, x);
  tailLog = Math.log(value);
  tailLogSlope = (lower ? 1 : -1) * Math.exp(logPrefix - tailLog);
}

/**
 * Newton in t = log x on log(tail) - log(target), safeguarded by a bracket. The state is x itself (updated as
 * x e^-step) because t = log x carries only ~|t| ulps of x: at x = 1e-300 that would be 1e-13 relative.
 */
function solveGammaTail(a: number, target: number, lower: boolean, tStart: number): number {
  const logTarget = Math.log(target);
  // P ~ x^a / Gamma(a + 1) is exact far into the left tail: a start below the smallest double means the root underflows
  if (lower && tStart < -745.2) return 0;
  let x = Math.exp(tStart);
  let lo = -Infinity; // bracket on t: the root lies in (lo, hi)
  let hi = Infinity;
  let small = 0;
  for (let iter = 0; iter < 200; iter++) {
    if (x === Infinity) return x;
    const t = Math.log(x);
    logTail(a, x, lower);
    const g = tailLog - logTarget;
    if (g === 0) break;
    const rootRight = lower ? g < 0 : g > 0;
    if (rootRight) lo = t;
    else hi = t;
    let step = g / tailLogSlope;
    const next = t - step;
    // near the root t is too coarse (|t| ulps) to test the bracket against, and Newton is trustworthy there
    const trustNewton = Math.abs(step) < 1e-6;
    if (!trustNewton && (!Number.isFinite(next) || next <= lo || next >= hi)) {
      let bisected: number;
      if (Number.isFinite(lo) && Number.isFinite(hi)) bisected = 0.5 * (lo + hi);
      else bisected = Number.isFinite(lo) ? lo + Math.max(1, Math.abs(lo)) : hi - Math.max(1, Math.abs(hi));
      step = t - bisected;
      x = Math.exp(bisected);
    } else if (next < -745.1) {
      // the step leaves the double range; the root is there only if the smallest double still overshoots
      if (x === Number.MIN_VALUE) return lower && g > 0 ? 0 : x;
      x = Number.MIN_VALUE;
    } else {
      x *= Math.exp(-step);
    }
    // Newton converges quadratically here, so one step after |step| < 1e-9 lands at full precision
    if (Math.abs(step) < 1e-9) small++;
    if (small >= 2 || Math.abs(step) < 1e-17) break;
  }
  return x;
}

/** Starting point in t = log x: Wilson-Hilferty for moderate probabilities, tail asymptotics otherwise. */
function gammaStart(a: number, pLower: number, qUpper: number, lower: boolean): number {
  const z = lower ? ndtri(pLower) : -ndtri(qUpper);
  const s = 1 / (9 * a);
  const wh = 1 - s + z * Math.sqrt(s);
  if (a >= 1 && wh > 0.1) return Math.log(a) + 3 * Math.log(wh);
  if (lower && pLower <= 0.5) {
    // P ~ x^a / Gamma(a + 1) as x -> 0
    return (Math.log(pLower) + lgamma1p(a)) / a;
  }
  // Q ~ x^(a-1) e^-x / Gamma(a) as x -> infinity: two fixed-point steps
  const logQ = lower ? Math.log1p(-pLower) : Math.log(qUpper);
  let x = Math.max(1, a - logQ);
  for (let i = 0; i < 2; i++) x = Math.max(1e-3, -logQ - lgamma(a) + (a - 1) * Math.log(x));
  return Math.log(x);
}

/** x with P(a, x) = p (scipy gammaincinv): Gamma(a, 1) quantile. p = 0 -> 0, p = 1 -> Infinity. */
export function gammaincinv(a: number, p: number): number {
  if (Number.isNaN(a) || Number.isNaN(p) || !(a > 0) || p < 0 || p > 1) return NaN;
  if (p === 0) return 0;
  if (p === 1) return Infinity;
  if (a === Infinity) return Infinity;
  const lower = p <= 0.5;
  const q = 1 - p;
  return solveGammaTail(a, lower ? p : q, lower, gammaStart(a, p, q, lower));
}

/** x with Q(a, x) = q (scipy gammainccinv). q = 1 -> 0, q = 0 -> Infinity. */
export function gammainccinv(a: number, q: number): number {
  if (Number.isNaN(a) || Number.isNaN(q) || !(a > 0) || q < 0 || q > 1) return NaN;
  if (q === 1) return 0;
  if (q === 0) return Infinity;
  if (a === Infinity) return Infinity;
  const lower = q > 0.5;
  const p = 1 - q;
  return solveGammaTail(a, lower ? p : q, lower, gammaStart(a, p, q, lower));
}
