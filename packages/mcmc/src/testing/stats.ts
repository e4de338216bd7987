// Statistical test helpers for the sampler tests: the normal CDF and the one-sample Kolmogorov-Smirnov
// statistic with its asymptotic critical values.

/** Φ(x) via erfc with Numerical Recipes' Chebyshev fit (erfcc, fractional error below 1.2e-7): ample for KS tests. */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
    + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** sup |F_n - F| of a sample against a continuous CDF. */
export function ksStatistic(sample: ArrayLike<number>, cdf: (x: number) => number): number {
  const xs = Float64Array.from(sample).sort();
  const n = xs.length;
  let d = 0;
  xs.forEach((x, i) => {
    const f = cdf(x);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  });
  return d;
}

/** Asymptotic critical value of D at level 0.001 (Kolmogorov's distribution: P(√n D > 1.9495) = 0.001). */
export const ksCritical001 = (n: number): number => 1.9495 / Math.sqrt(n);

export function meanAndVariance(xs: ArrayLike<number>): [number, number] {
  let m = 0;
  for (let i = 0; i < xs.length; i++) m += xs[i]!;
  m /= xs.length;
  let v = 0;
  for (let i = 0; i < xs.length; i++) v += (xs[i]! - m) ** 2;
  return [m, v / (xs.length - 1)];
}

/**
 * Checks n independent N(0, 1) draws: KS at level 0.001, |mean| < 4/√n and |var - 1| < 4√(2/(n-1)) (each about
 * 6e-5). Returns a message per failure, so a test shows every failed check at once.
 */
export function standardNormalChecks(xs: ArrayLike<number>): string[] {
  const n = xs.length;
  const failures: string[] = [];
  const d = ksStatistic(xs, normalCdf);
  if (!(d < ksCritical001(n))) failures.push(`KS D = ${d.toFixed(4)} >= ${ksCritical001(n).toFixed(4)} (n = ${n})`);
  const [m, v] = meanAndVariance(xs);
  if (!(Math.abs(m) < 4 / Math.sqrt(n))) failures.push(`mean ${m.toFixed(4)} outside ±${(4 / Math.sqrt(n)).toFixed(4)}`);
  if (!(Math.abs(v - 1) < 4 * Math.sqrt(2 / (n - 1)))) failures.push(`variance ${v.toFixed(4)} outside 1 ± ${(4 * Math.sqrt(2 / (n - 1))).toFixed(4)}`);
  return failures;
}

/** Gamma(shape 3, rate) CDF, closed form for integer shape: 1 - e^{-rx}(1 + rx + (rx)²/2). */
export const gamma3Cdf = (rate: number) => (x: number): number => {
  const z = rate * x;
  return x <= 0 ? 0 : 1 - Math.exp(-z) * (1 + z + (z * z) / 2);
};

/** Beta(2, 3) CDF, the binomial sum I_x(2, 3) = Σ_{j=2}^{4} C(4, j) x^j (1 - x)^{4-j}. */
export const beta23Cdf = (x: number): number => {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  return 6 * x ** 2 * (1 - x) ** 2 + 4 * x ** 3 * (1 - x) + x ** 4;
};
