// Exponentially scaled modified Bessel functions of the first kind, e^-|x| I0(x) and e^-|x| I1(x), in float64 (VonMises needs them).
// Power series (all terms positive) for |x| <= 25, Hankel's asymptotic expansion (DLMF 10.40.1) beyond, where its smallest term is ~e^-50.

const SERIES_LIMIT = 25;
const EPS = 2.220446049250313e-16;

/** e^-|x| I_nu(x) for |x| > SERIES_LIMIT and nu in {0, 1}: 1/sqrt(2 pi x) sum_k (-1)^k a_k(nu) / x^k. */
function hankelScaled(nu: number, ax: number): number {
  const mu = 4 * nu * nu;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 200; k++) {
    const odd = 2 * k - 1;
    const next = (-term * (mu - odd * odd)) / (8 * k * ax);
    if (Math.abs(next) >= Math.abs(term)) break; // the expansion is asymptotic: stop at its smallest term
    term = next;
    sum += term;
    if (Math.abs(term) < EPS * 0.1 * Math.abs(sum)) break;
  }
  return sum / Math.sqrt(2 * Math.PI * ax);
}

/** e^-|x| I0(x). */
export function besselI0e(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax === Infinity) return 0;
  if (ax > SERIES_LIMIT) return hankelScaled(0, ax);
  const q = 0.25 * x * x;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 200; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < EPS * 0.1 * sum) break;
  }
  return sum * Math.exp(-ax);
}

/** e^-|x| I1(x) (odd in x). */
export function besselI1e(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax === Infinity) return x > 0 ? 0 : -0;
  if (ax > SERIES_LIMIT) {
    const v = hankelScaled(1, ax);
    return x < 0 ? -v : v;
  }
  const q = 0.25 * x * x;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 200; k++) {
    term *= q / (k * (k + 1));
    sum += term;
    if (term < EPS * 0.1 * sum) break;
  }
  return 0.5 * x * sum * Math.exp(-ax);
}
