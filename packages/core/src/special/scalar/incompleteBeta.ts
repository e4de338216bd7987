// Regularized incomplete beta I_x(a, b), its derivatives in a and b, and its inverse, in float64.
// Continued fraction DLMF 8.17.22 (modified Lentz) on the side x < (a+1)/(a+b+2), symmetry I_x(a,b) = 1 - I_{1-x}(b,a) on the other;
// the shape derivatives differentiate that continued fraction forward-mode, as Boik & Robison-Cox (1998, J. Stat. Software 3(1)) do.
import { ndtri } from "./erf.js";
import { betaln, digamma, LOG_SQRT_2PI, logMinusDigamma, polygamma, stirlingRemainder } from "./gamma.js";
import { log1pmx } from "./incompleteGamma.js";

const EPS = 2.220446049250313e-16;
const MAX_ITERATIONS = 100000;
const TINY = 1e-300;

/**
 * log(x^a y^b / B(a, b)) with y = 1 - x supplied separately (so neither loses digits near 0 or 1).
 * For large a and b the Stirling-scaled form sum a log(x c / a) + b log(y c / b) is used, with t = x c - a
 * entering through log1pmx so that the O(a) terms never cancel.
 */
function logBetaPrefix(a: number, b: number, x: number, y: number): number {
  if (a >= 10 && b >= 10) {
    const c = a + b;
    const t = x * b - y * a; // = x c - a = -(y c - b)
    const ra = t / a;
    const rb = -t / b;
    let exponent: number;
    if (Math.abs(ra) <= 0.5 && Math.abs(rb) <= 0.5) exponent = a * log1pmx(ra) + b * log1pmx(rb);
    else {
      const partA = Math.abs(ra) <= 0.5 ? a * log1pmx(ra) + t : a * Math.log((x * c) / a);
      const partB = Math.abs(rb) <= 0.5 ? b * log1pmx(rb) - t : b * Math.log((y * c) / b);
      exponent = partA + partB;
    }
    return (
      -LOG_SQRT_2PI + 0.5 * Math.log((a / c) * b) + exponent + stirlingRemainder(c) - stirlingRemainder(a) - stirlingRemainder(b)
    );
  }
  // whichever of x, y is below 1/2 is used directly, the other through log1p, so a rounded 1 - x never enters
  const logX = y < 0.5 ? Math.log1p(-y) : Math.log(x);
  const logY = x < 0.5 ? Math.log1p(-x) : Math.log(y);
  return a * logX + b * logY - betaln(a, b);
}

// Outputs of continuedFraction: log f and its partial derivatives in p and q.
let cfValue = 1;
let cfLogDp = 0;
let cfLogDq = 0;
let cfConverged = true;

/** f = 1 + d1/(1 + d2/(1 + ...)) of DLMF 8.17.22, so that I_x(p, q) = x^p y^q / (p B(p, q) f). */
function continuedFraction(p: number, q: number, x: number, wantDerivative: boolean): void {
  let f = 1;
  let c = 1;
  let d = 0;
  let cDp = 0;
  let cDq = 0;
  let dDp = 0;
  let dDq = 0;
  let logDp = 0;
  let logDq = 0;
  const pq = p + q;
  let converged = false;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    let coef: number;
    let coefDp = 0;
    let coefDq = 0;
    if (i % 2 === 1) {
      const m = (i - 1) / 2;
      const den1 = p + 2 * m;
      const den2 = den1 + 1;
      coef = (-(p + m) * (pq + m) * x) / (den1 * den2);
      if (wantDerivative) {
        coefDp = coef * (1 / (p + m) + 1 / (pq + m) - 1 / den1 - 1 / den2);
        coefDq = coef / (pq + m);
      }
    } else {
      const m = i / 2;
      const den1 = p + 2 * m - 1;
      const den2 = den1 + 1;
      coef = (m * (q - m) * x) / (den1 * den2);
      if (wantDerivative) {
        coefDp = -coef * (1 / den1 + 1 / den2);
        coefDq = (m * x) / (den1 * den2);
      }
    }
    let dDen = 1 + coef * d;
    if (dDen === 0) dDen = TINY;
    let cNew = 1 + coef / c;
    if (cNew === 0) cNew = TINY;
    const dNew = 1 / dDen;
    const delta = cNew * dNew;
    f *= delta;
    let done = Math.abs(delta - 1) < EPS;
    if (wantDerivative) {
      const dDenDp = coefDp * d + coef * dDp;
      const dDenDq = coefDq * d + coef * dDq;
      const cNewDp = coefDp / c - (coef * cDp) / (c * c);
      const cNewDq = coefDq / c - (coef * cDq) / (c * c);
      dDp = -dDenDp * dNew * dNew;
      dDq = -dDenDq * dNew * dNew;
      cDp = cNewDp;
      cDq = cNewDq;
      const incP = cDp / cNew + dDp / dNew;
      const incQ = cDq / cNew + dDq / dNew;
      logDp += incP;
      logDq += incQ;
      done = done && Math.abs(incP) <= EPS * Math.abs(logDp) + 1e-300 && Math.abs(incQ) <= EPS * Math.abs(logDq) + 1e-300;
    }
    c = cNew;
    d = dNew;
    if (done) {
      converged = true;
      break;
    }
  }
  cfConverged = converged;
  cfValue = f;
  cfLogDp = logDp;
  cfLogDq = logDq;
}

// Outputs of incompleteBetaTail: the tail it computed (lower = I_x(a,b) or upper = 1 - I_x(a,b)) and
// the partial derivatives of that tail in a and b.
let tailValue = 0;
let tailIsLower = true;
let tailDa = 0;
let tailDb = 0;

/** log(x c / p) + (log p - psi(p)) - (log c - psi(c)) = log x - psi(p) + psi(p + q), without cancellation for large p, q. */
function logXMinusDigammaDiff(p: number, q: number, x: number, y: number): number {
  const c = p + q;
  const t = x * q - y * p; // x c - p
  const r = t / p;
  const logRatio = Math.abs(r) < 0.5 ? Math.log1p(r) : Math.log((x * c) / p);
  return logRatio + logMinusDigamma(p) - logMinusDigamma(c);
}

/**
 * Computes one tail into tailValue/tailIsLower. The continued fraction converges fastest for x below
 * (a+1)/(a+b+2), so that side is tried first; but when its tail is the large one while the caller
 * needs the other (`wantLower` differs), complementing it would cancel (e.g. b = 0.001, x = 0.9), so past 0.9
 * the other tail is summed directly: the fraction still converges there, only more slowly and a little less accurately.
 */
function incompleteBetaTail(a: number, b: number, x: number, y: number, wantLower: boolean, wantDerivative: boolean): void {
  const swap = x > (a + 1) / (a + b + 2);
  betaTailOnSide(a, b, x, y, swap, wantDerivative);
  // far past the threshold the fraction's terms tend to -x/4 and it converges like ((1 - s)/(1 + s))^n, s = sqrt(1 - x):
  // only switch sides when that costs at most a few thousand terms
  const otherX = swap ? x : y;
  if (tailValue > 0.9 && tailIsLower !== wantLower && 1 - otherX > 1e-4) {
    const first = tailValue;
    const firstDa = tailDa;
    const firstDb = tailDb;
    betaTailOnSide(a, b, x, y, !swap, wantDerivative);
    if (!cfConverged) {
      tailValue = first;
      tailIsLower = !swap;
      tailDa = firstDa;
      tailDb = firstDb;
    }
  }
}

function betaTailOnSide(a: number, b: number, x: number, y: number, swap: boolean, wantDerivative: boolean): void {
  const p = swap ? b : a;
  const q = swap ? a : b;
  const xs = swap ? y : x;
  const ys = swap ? x : y;
  continuedFraction(p, q, xs, wantDerivative);
  const j = Math.exp(logBetaPrefix(p, q, xs, ys)) / (p * cfValue);
  tailValue = j;
  tailIsLower = !swap;
  if (wantDerivative) {
    const dLogP = logXMinusDigammaDiff(p, q, xs, ys) - 1 / p - cfLogDp;
    const dLogQ = logXMinusDigammaDiff(q, p, ys, xs) - cfLogDq;
    // when swapped the tail J = I_y(b, a) is the upper tail of I_x(a, b): p is b and q is a
    tailDa = j * (swap ? dLogQ : dLogP);
    tailDb = j * (swap ? dLogP : dLogQ);
  }
}

function betaincInvalid(a: number, b: number, x: number): boolean {
  return Number.isNaN(a) || Number.isNaN(b) || Number.isNaN(x) || a < 0 || b < 0 || x < 0 || x > 1 || (a === 0 && b === 0);
}

/** Regularized incomplete beta I_x(a, b). Edge values follow scipy: a = 0 -> 1, b = 0 -> 0, NaN outside the domain. */
export function betainc(a: number, b: number, x: number): number {
  if (betaincInvalid(a, b, x)) return NaN;
  if (a === Infinity && b === Infinity) return NaN;
  if (x === 0) return 0;
  if (x === 1) return 1;
  if (a === 0 || b === Infinity) return 1;
  if (b === 0 || a === Infinity) return 0;
  incompleteBetaTail(a, b, x, 1 - x, true, false);
  return tailIsLower ? tailValue : 1 - tailValue;
}

// Both shape derivatives come from one pass; these hold the last pair computed.
function betaincDerivatives(a: number, b: number, x: number): boolean {
  if (betaincInvalid(a, b, x) || a === 0 || b === 0 || !Number.isFinite(a) || !Number.isFinite(b)) {
    tailDa = NaN;
    tailDb = NaN;
    return false;
  }
  if (x === 0 || x === 1) {
    tailDa = 0;
    tailDb = 0;
    return false;
  }
  incompleteBetaTail(a, b, x, 1 - x, true, true);
  return !tailIsLower;
}

/** dI_x(a, b)/da. */
export function betaincDa(a: number, b: number, x: number): number {
  const upper = betaincDerivatives(a, b, x);
  return upper ? -tailDa : tailDa;
}

/** dI_x(a, b)/db. */
export function betaincDb(a: number, b: number, x: number): number {
  const upper = betaincDerivatives(a, b, x);
  return upper ? -tailDb : tailDb;
}

// Log of a tail at x = 1/(1 + e^-t) and its t-derivative, for the inverse.
let logTailValue = 0;
let logTailSlope = 0;
function betaLogTail(a: number, b: number, x: number, y: number, lower: boolean): void {
  incompleteBetaTail(a, b, x, y, lower, false);
  const value = tailIsLower === lower ? tailValue : 1 - tailValue;
  logTailValue = Math.log(value);
  // dI/dt = x y dI/dx = x^a y^b / B(a, b)
  const slope = Math.exp(logBetaPrefix(a, b, x, y) - logTailValue);
  logTailSlope = lower ? slope : -slope;
}

/**
 * x with I_x(a, b) = p (scipy betaincinv): Beta(a, b) quantile. Newton in t = logit(x) on the log of the
 * smaller tail; the logit of a Beta variable has a log-concave density, so both log-tails are concave in t
 * and Newton converges from any start; a bracket guards against overshoot.
 */
export function betaincinv(a: number, b: number, p: number): number {
  if (Number.isNaN(a) || Number.isNaN(b) || Number.isNaN(p) || !(a > 0) || !(b > 0) || p < 0 || p > 1) return NaN;
  if (p === 0) return 0;
  if (p === 1) return 1;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return NaN;
  const lower = p <= 0.5;
  const target = lower ? p : 1 - p;
  const logTarget = Math.log(target);
  // start: for a, b >= 1 the normal approximation of logit(X) (mean psi(a) - psi(b), variance psi'(a) + psi'(b)),
  // pushed toward the power-law tails I ~ x^a / (a B), 1 - I ~ y^b / (b B) when those are far out; for small shapes
  // the logit is far from normal and the power laws alone are the better start
  const logB = betaln(a, b);
  const logX = (logTarget + Math.log(a) + logB) / a;
  const logY = (logTarget + Math.log(b) + logB) / b;
  // a power-law root beyond the double range: the answer rounds to 0 or 1 (the law is exact that far out)
  if (lower && logX < -745.2) return 0;
  if (!lower && logY < -38) return 1;
  let t: number;
  if (Math.min(a, b) >= 1) {
    const z = lower ? ndtri(p) : -ndtri(target);
    t = digamma(a) - digamma(b) + z * Math.sqrt(polygamma(1, a) + polygamma(1, b));
    if (lower && logX < -1) t = Math.min(t, logX - Math.log1p(-Math.exp(logX)));
    if (!lower && logY < -1) t = Math.max(t, Math.log1p(-Math.exp(logY)) - logY);
  } else if (lower) t = logX < -1e-3 ? logX - Math.log1p(-Math.exp(logX)) : 0;
  else t = logY < -1e-3 ? Math.log1p(-Math.exp(logY)) - logY : 0;
  t = Math.min(Math.max(t, -740), 740);
  // the state is (x, y = 1 - x), both kept to full relative precision; t = logit(x) only steers the bracket
  let x = 1 / (1 + Math.exp(-t));
  let y = 1 / (1 + Math.exp(t));
  let lo = -Infinity;
  let hi = Infinity;
  let small = 0;
  for (let iter = 0; iter < 300; iter++) {
    if (x === 0 || y === 0) break;
    t = Math.log(x) - Math.log(y);
    betaLogTail(a, b, x, y, lower);
    const g = logTailValue - logTarget;
    if (g === 0) break;
    const rootRight = lower ? g < 0 : g > 0;
    if (rootRight) lo = t;
    else hi = t;
    let step = g / logTailSlope;
    const next = t - step;
    const trustNewton = Math.abs(step) < 1e-6; // t is too coarse near the root to test the bracket against
    if (!trustNewton && (!Number.isFinite(next) || next <= lo || next >= hi)) {
      let bisected: number;
      if (Number.isFinite(lo) && Number.isFinite(hi)) bisected = 0.5 * (lo + hi);
      else bisected = Number.isFinite(lo) ? lo + Math.max(1, Math.abs(lo)) : hi - Math.max(1, Math.abs(hi));
      step = t - bisected;
      x = 1 / (1 + Math.exp(-bisected));
      y = 1 / (1 + Math.exp(bisected));
    } else if (next < -745.1) {
      // the step leaves the double range; the root is there only if the smallest double still overshoots
      if (x === Number.MIN_VALUE) return lower && g > 0 ? 0 : x;
      x = Number.MIN_VALUE;
      y = 1;
    } else {
      // logistic(t - step) written in terms of the current x and y
      const growth = Math.exp(step);
      const xNew = x / (x + y * growth);
      y = y / (y + x / growth);
      x = xNew;
    }
    if (Math.abs(step) < 1e-9) small++;
    if (small >= 2 || Math.abs(step) < 1e-17) break;
  }
  return x;
}
