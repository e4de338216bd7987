// Shared machinery of the primitive property tests: seeded inputs, stacking for vmap checks,
// and numeric comparison with readable failures.
import { NDArray, np, tree } from "@fluxion/core";

export type Fn = (...xs: NDArray[]) => unknown;

export interface PrimCase {
  /** The registered primitive this case exercises. */
  prim: string;
  name: string;
  fn: Fn;
  /** Inputs (float64 where differentiable); called with a seed. */
  args: (seed: number) => NDArray[];
  /** Derivative checks: "both" (default), "fwd", "rev", or false with a reason string in `noGradReason`. */
  grad?: "both" | "fwd" | "rev" | false;
  noGradReason?: string;
  /** Finite-difference order (default 2). */
  order?: number;
  rtol?: number;
  atol?: number;
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Which arguments may be batched by vmap (default: all). */
  vmappable?: readonly boolean[];
  /** Set false when the case has no array arguments (vmap over nothing). */
  vmap?: boolean;
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform values in [lo, hi) of the given shape, float64 unless told. */
export function uniform(seed: number, shape: number[], lo = -1, hi = 1, dtype: "float64" | "float32" = "float64"): NDArray {
  const r = mulberry32(seed * 7919 + shape.length * 31 + 1);
  const n = shape.reduce((a, b) => a * b, 1);
  return np.reshape(np.array(Array.from({ length: n }, () => lo + (hi - lo) * r()), dtype), shape);
}

export function ints(seed: number, shape: number[], lo: number, hi: number, dtype: "int32" | "uint32" = "int32"): NDArray {
  const r = mulberry32(seed * 104729 + 17);
  const n = shape.reduce((a, b) => a * b, 1);
  return np.reshape(np.array(Array.from({ length: n }, () => Math.floor(lo + (hi - lo) * r())), dtype), shape);
}

export function leavesOf(x: unknown): NDArray[] {
  return tree.leaves(x).filter((l): l is NDArray => l instanceof NDArray);
}

export function expectClose(what: string, got: unknown, want: unknown, rtol = 1e-12, atol = 1e-12): void {
  const g = leavesOf(got);
  const w = leavesOf(want);
  if (g.length !== w.length) throw new Error(`${what}: ${g.length} output leaves, expected ${w.length}`);
  g.forEach((x, i) => {
    const y = w[i]!;
    if (x.shape.join() !== y.shape.join()) throw new Error(`${what}: leaf ${i} has shape [${x.shape}], expected [${y.shape}]`);
    if (x.dtype !== y.dtype) throw new Error(`${what}: leaf ${i} has dtype ${x.dtype}, expected ${y.dtype}`);
    const a = x.dataSync();
    const b = y.dataSync();
    for (let k = 0; k < a.length; k++) {
      const p = a[k]!;
      const q = b[k]!;
      if (Number.isNaN(p) && Number.isNaN(q)) continue;
      if (p === q) continue;
      if (!(Math.abs(p - q) <= atol + rtol * Math.abs(q))) throw new Error(`${what}: leaf ${i} element ${k}: got ${p}, expected ${q}`);
    }
  });
}

/** Stacks per-example values along `axis` (the inverse of slicing a batched input). */
export function stackAlong(xs: NDArray[], axis: number): NDArray {
  return np.stack(xs, axis);
}
