// Test helpers for the distributions: fixture decoding and elementwise closeness with readable failures.
import { readFileSync } from "node:fs";
import { NDArray, np } from "@fluxion/core";
import { checkGrads } from "@fluxion/transforms";

export type Encoded = number | string;

export function decode(v: Encoded): number {
  if (typeof v === "number") return v;
  if (v === "inf") return Infinity;
  if (v === "-inf") return -Infinity;
  if (v === "nan") return NaN;
  throw new Error(`bad fixture value ${v}`);
}

export function loadFixture<T>(file: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${file}`, import.meta.url), "utf8")) as T;
}

export interface Tolerance {
  rtol: number;
  atol: number;
}

/** Asserts |got - want| <= atol + rtol |want| elementwise (NaN matches NaN, infinities must match exactly). */
export function expectClose(what: string, got: NDArray | number[], want: readonly number[], tol: Tolerance, context: (i: number) => string = () => ""): void {
  const g = got instanceof NDArray ? Array.from(got.dataSync()) : got;
  if (g.length !== want.length) throw new Error(`${what}: got ${g.length} values, expected ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    const a = g[i]!;
    const b = want[i]!;
    if (Number.isNaN(b) && Number.isNaN(a)) continue;
    if (!Number.isFinite(b) || !Number.isFinite(a)) {
      if (a === b) continue;
      throw new Error(`${what}[${i}]${context(i)}: got ${a}, expected ${b}`);
    }
    const err = Math.abs(a - b);
    if (!(err <= tol.atol + tol.rtol * Math.abs(b))) {
      throw new Error(`${what}[${i}]${context(i)}: got ${a}, expected ${b} (|diff| ${err.toExponential(2)}, rel ${(err / Math.abs(b)).toExponential(2)} > rtol ${tol.rtol} / atol ${tol.atol})`);
    }
  }
}

/** Largest relative error (for reporting). */
export function maxRelError(got: NDArray, want: readonly number[]): number {
  const g = got.dataSync();
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const b = want[i]!;
    if (!Number.isFinite(b)) continue;
    worst = Math.max(worst, Math.abs(g[i]! - b) / Math.max(Math.abs(b), 1e-300));
  }
  return worst;
}

export const f64 = (xs: readonly number[] | number): NDArray => np.array(xs as number[], "float64");
export const f32 = (xs: readonly number[] | number): NDArray => np.array(xs as number[], "float32");

/**
 * Dvoretzky-Kiefer-Wolfowitz: P(sup |F_n - F| > eps) <= 2 exp(-2 n eps^2). Returns the sup distance between the
 * empirical cdf of `samples` and `cdf` and the eps at false-failure rate `alpha`.
 */
export function dkw(samples: readonly number[], cdf: (x: number[]) => number[], alpha: number): { distance: number; bound: number } {
  const xs = [...samples].sort((a, b) => a - b);
  const n = xs.length;
  const f = cdf(xs);
  let d = 0;
  for (let i = 0; i < n; i++) d = Math.max(d, Math.abs(f[i]! - (i + 1) / n), Math.abs(f[i]! - i / n));
  return { distance: d, bound: Math.sqrt(Math.log(2 / alpha) / (2 * n)) };
}

/** The same for a discrete law: sup over support points of |F_n(k) - F(k)| (DKW holds for any distribution). */
export function dkwDiscrete(samples: readonly number[], cdfAt: (k: number[]) => number[], alpha: number): { distance: number; bound: number } {
  const n = samples.length;
  const ks = [...new Set(samples)].sort((a, b) => a - b);
  const f = cdfAt(ks);
  const sorted = [...samples].sort((a, b) => a - b);
  let d = 0;
  let j = 0;
  ks.forEach((k, i) => {
    while (j < n && sorted[j]! <= k) j++;
    d = Math.max(d, Math.abs(f[i]! - j / n));
  });
  return { distance: d, bound: Math.sqrt(Math.log(2 / alpha) / (2 * n)) };
}

/**
 * checkGrads in per-element scaled coordinates: f is called at a0 + s t with s = clip(|a0|, floor, 1), and the
 * derivative is checked in t at t = 0. The same derivative rules are exercised, but every finite-difference step
 * is relative to the size of its coordinate (so x = 1000 with scale 0.01 and x = 1e-4 can share one step size).
 */
export function checkGradsScaled(f: (...args: NDArray[]) => NDArray, args: readonly NDArray[], opts: { eps?: number; rtol?: number; atol?: number; floor?: number } = {}): void {
  const floor = opts.floor ?? 1e-3;
  const scales = args.map((a) => np.clip(np.abs(a), floor, 1));
  const g = (...ts: NDArray[]) => f(...ts.map((t, i) => np.add(args[i]!, np.multiply(scales[i]!, t))));
  checkGrads(g as (...a: never[]) => unknown, args.map((a) => np.zerosLike(a)), { order: 1, eps: opts.eps ?? 1e-6, rtol: opts.rtol ?? 1e-5, atol: opts.atol ?? 1e-5 });
}
