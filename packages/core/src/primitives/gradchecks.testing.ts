// Test support for the indexing/sorting/cumulative primitive tests: jvp against central finite
// differences, the transpose identity <vjp(u), v> = <u, jvp(v)>, and vmap against stacked slices.
import { ConcreteArray, type NDArray } from "../array/ndarray.js";
import { isFloat, typedArrayFor } from "../dtype.js";
import { jvpFlat } from "../trace/jvp.js";
import { vjpFlat } from "../trace/linearize.js";
import { vmapFlat } from "../trace/batching.js";
import { type Tangent, Zero, tangentAval } from "../trace/values.js";
import * as S from "./structural.js";

export type FlatFn = (...xs: NDArray[]) => NDArray[];

/** mulberry32: a small seeded generator, so every direction in these checks is reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function randomLike(x: NDArray, next: () => number): NDArray {
  const d = typedArrayFor(x.dtype, x.size);
  for (let i = 0; i < d.length; i++) d[i] = 2 * next() - 1;
  return ConcreteArray.fromData(d, x.shape, x.dtype);
}
const data = (x: NDArray): Float64Array => Float64Array.from(x.dataSync());
function axpy(a: number, v: NDArray, x: NDArray): NDArray {
  const xs = data(x);
  const vs = data(v);
  const o = typedArrayFor(x.dtype, x.size);
  for (let i = 0; i < o.length; i++) o[i] = xs[i]! + a * vs[i]!;
  return ConcreteArray.fromData(o, x.shape, x.dtype);
}
const tangentData = (t: Tangent, size: number): Float64Array => (t instanceof Zero ? new Float64Array(size) : data(t));
const diffable = (x: NDArray) => isFloat(x.dtype);

export interface CheckResult { maxError: number; scale: number }

/** Largest |jvp − central difference| over every output element, and the magnitude it is relative to. */
export function checkJvp(f: FlatFn, args: readonly NDArray[], seed = 0, eps = 1e-6): CheckResult {
  const next = rng(seed);
  const dirs = args.map((a) => (diffable(a) ? randomLike(a, next) : null));
  const tangents: Tangent[] = args.map((a, i) => dirs[i] ?? new Zero(tangentAval(a.aval)));
  const [outs, touts] = jvpFlat(f, args, tangents);
  const plus = f(...args.map((a, i) => (dirs[i] ? axpy(eps, dirs[i]!, a) : a)));
  const minus = f(...args.map((a, i) => (dirs[i] ? axpy(-eps, dirs[i]!, a) : a)));
  let maxError = 0;
  let scale = 0;
  outs.forEach((o, k) => {
    if (!diffable(o)) return;
    const t = tangentData(touts[k]!, o.size);
    const p = data(plus[k]!);
    const m = data(minus[k]!);
    for (let i = 0; i < t.length; i++) {
      const fd = (p[i]! - m[i]!) / (2 * eps);
      maxError = Math.max(maxError, Math.abs(fd - t[i]!));
      scale = Math.max(scale, Math.abs(fd));
    }
  });
  return { maxError, scale };
}

/** |<vjp(u), v> − <u, jvp(v)>| for random u, v, and the size of the terms. */
export function checkTranspose(f: FlatFn, args: readonly NDArray[], seed = 0): CheckResult {
  const next = rng(seed + 1);
  const dirs = args.map((a) => (diffable(a) ? randomLike(a, next) : null));
  const tangents: Tangent[] = args.map((a, i) => dirs[i] ?? new Zero(tangentAval(a.aval)));
  const [outs, touts] = jvpFlat(f, args, tangents);
  const cts = outs.map((o) => (diffable(o) ? randomLike(o, next) : new Zero(tangentAval(o.aval))));
  const [, vjpFn] = vjpFlat(f, args);
  const ctIn = vjpFn(cts);
  let lhs = 0;
  let scale = 0;
  args.forEach((a, i) => {
    if (!dirs[i]) return;
    const c = tangentData(ctIn[i]!, a.size);
    const v = data(dirs[i]!);
    for (let j = 0; j < c.length; j++) { lhs += c[j]! * v[j]!; scale += Math.abs(c[j]! * v[j]!); }
  });
  let rhs = 0;
  outs.forEach((o, k) => {
    const u = cts[k]!;
    if (u instanceof Zero) return;
    const t = tangentData(touts[k]!, o.size);
    const ud = data(u);
    for (let j = 0; j < t.length; j++) { rhs += ud[j]! * t[j]!; scale += Math.abs(ud[j]! * t[j]!); }
  });
  return { maxError: Math.abs(lhs - rhs), scale };
}

/** Largest |vmap(f) − stack of f over slices| with the given in-axes (null = not mapped). */
export function checkVmap(f: FlatFn, args: readonly NDArray[], inAxes: readonly (number | null)[]): number {
  const size = args.find((_, i) => inAxes[i] !== null)!.shape[inAxes[args.findIndex((_, i) => inAxes[i] !== null)]!]!;
  const [outs, outDims] = vmapFlat(f, args, inAxes, size);
  let maxError = 0;
  for (let b = 0; b < size; b++) {
    const sliced = args.map((a, i) => {
      const d = inAxes[i];
      if (d === null || d === undefined) return a;
      const s = S.sliceAxis(a, d, b, b + 1);
      return S.reshape(s, a.shape.filter((_, j) => j !== d));
    });
    const ref = f(...sliced);
    ref.forEach((r, k) => {
      const d = outDims[k];
      const o = d === null || d === undefined ? outs[k]! : S.reshape(S.sliceAxis(outs[k]!, d, b, b + 1), r.shape);
      const x = data(o);
      const y = data(r);
      if (x.length !== y.length) { maxError = Infinity; return; }
      for (let i = 0; i < x.length; i++) {
        if (Number.isNaN(x[i]!) && Number.isNaN(y[i]!)) continue;
        maxError = Math.max(maxError, Math.abs(x[i]! - y[i]!));
      }
    });
  }
  return maxError;
}
