// Stable log-domain helpers in float64: log1mexp, log1pexp (softplus), logAddExp.
// Branch points follow Maechler (2012), "Accurately computing log(1 - exp(-|a|))", Rmpfr vignette.

const LN2 = 0.6931471805599453;

/** log(1 - exp(-x)) for x >= 0: -Infinity at 0, NaN for x < 0. */
export function log1mexp(x: number): number {
  if (Number.isNaN(x) || x < 0) return NaN;
  // below ln 2, 1 - e^-x is small and expm1 keeps it exact; above, e^-x is small and log1p keeps it
  return x <= LN2 ? Math.log(-Math.expm1(-x)) : Math.log1p(-Math.exp(-x));
}

/** log(1 + exp(x)), the softplus. */
export function log1pexp(x: number): number {
  if (x <= -37) return Math.exp(x); // log1p(e^x) = e^x to double precision
  if (x <= 18) return Math.log1p(Math.exp(x));
  if (x <= 33.3) return x + Math.exp(-x);
  return x; // also propagates NaN
}

/** log(exp(a) + exp(b)) without overflow. */
export function logAddExp(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return NaN;
  if (a === b) return a + LN2; // covers +-Infinity, where a - b would be NaN
  const hi = Math.max(a, b);
  const lo = Math.min(a, b);
  if (hi === Infinity) return Infinity;
  return hi + Math.log1p(Math.exp(lo - hi));
}
