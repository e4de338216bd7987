// Test helpers for the random module: jit and vmap over flat array functions (through the core
// internals, independent of @fluxion/transforms), and distribution checks with stated error rates.
import { NDArray } from "../array/ndarray.js";
import { bind } from "../trace/core.js";
import { vmapFlat } from "../trace/batching.js";
import { traceClosed } from "../trace/jaxprTransforms.js";
import { jitP } from "../primitives/jit.js";
import { broadcastBatched, moveaxis } from "../primitives/structural.js";

/** Runs `fn` staged into a jaxpr and executed through the jit primitive. */
export function jitCall(fn: (...xs: NDArray[]) => NDArray[], args: readonly NDArray[]): NDArray[] {
  const { jaxpr, consts } = traceClosed(fn, args.map((a) => a.aval), "jit");
  return bind(jitP, [...consts, ...args], { jaxpr, name: "test" });
}

/**
 * vmap of `fn` over axis 0 of the arguments marked true; outputs carry the batch axis first (outputs that do
 * not depend on the mapped inputs, such as empty samples, are broadcast, as vmap with outAxes 0 does).
 */
export function vmapCall(fn: (...xs: NDArray[]) => NDArray[], args: readonly NDArray[], mapped: readonly boolean[]): NDArray[] {
  const axisSize = args.find((_, i) => mapped[i])!.shape[0]!;
  const [outs, dims] = vmapFlat(fn, args, mapped.map((m) => (m ? 0 : null)), axisSize);
  return outs.map((o, i) => {
    return dims[i] === null ? broadcastBatched(o, axisSize) : moveaxis(o, dims[i]!, 0);
  });
}

/** Sample mean and (unbiased) variance of a float array. */
export function moments(values: ArrayLike<number>): { mean: number; variance: number; n: number } {
  const n = values.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (values[i]! - mean) ** 2;
  return { mean, variance: squares / (n - 1), n };
}

/**
 * Largest distance between the empirical cdf of `values` and `cdf` at the sample points (the
 * Kolmogorov-Smirnov statistic D_n), checking both one-sided limits.
 */
export function ksStatistic(values: ArrayLike<number>, cdf: (x: number) => number): number {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(sorted[i]!);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  }
  return d;
}

/** Largest distance between the empirical cdf and tabulated cdf values F(x_j) at grid points x_j. */
export function gridCdfDistance(values: ArrayLike<number>, grid: readonly number[], cdfAtGrid: readonly number[]): number {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  let d = 0;
  let below = 0;
  grid.forEach((x, j) => {
    while (below < n && sorted[below]! <= x) below++;
    d = Math.max(d, Math.abs(below / n - cdfAtGrid[j]!));
  });
  return d;
}

/**
 * Dvoretzky-Kiefer-Wolfowitz with Massart's constant: P(sup |F_n - F| > eps) <= 2 exp(-2 n eps^2), so with
 * eps = sqrt(ln(2 / alpha) / (2n)) a correct sampler fails with probability at most alpha over keys. It
 * bounds both the full KS statistic and its restriction to any grid (a sup over fewer points).
 */
export function dkwBound(n: number, alpha: number): number {
  return Math.sqrt(Math.log(2 / alpha) / (2 * n));
}

/** Float values of an array as numbers. */
export function valuesOf(x: NDArray): number[] {
  return Array.from(x.dataSync() as ArrayLike<number>);
}
