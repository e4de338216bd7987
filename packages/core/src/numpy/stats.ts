// Order statistics for the np namespace: quantile / percentile / median and their NaN-ignoring
// versions, computed by sorting and interpolating (NumPy's methods; q may be traced).
import { NDArray, type ArrayLike } from "../array/ndarray.js";
import { isFloat } from "../dtype.js";
import { ShapeError } from "../errors.js";
import { normalizeAxes } from "../shape.js";
import { bind1 } from "../trace/core.js";
import * as E from "../primitives/elementwise.js";
import * as S from "../primitives/structural.js";
import * as R from "../primitives/reductions.js";
import { sort as laxSort } from "../primitives/sorting.js";
import { gatherAlongAxis } from "../primitives/indexing.js";
import { asarray, kindOf, toKind } from "./convert.js";

/** NumPy's quantile methods (Hyndman & Fan 1996 continuous ones plus the discrete lower/higher/nearest/midpoint). */
export type QuantileMethod = "linear" | "lower" | "higher" | "midpoint" | "nearest" | "hazen" | "weibull" | "median_unbiased" | "normal_unbiased" | "interpolated_inverted_cdf";
type Axis = number | readonly number[] | null | undefined;
const range = (n: number): number[] => [...Array(n).keys()];

/** (alpha, beta) of the continuous methods: virtual index = n·q + alpha + q·(1 − alpha − beta) − 1 (NumPy's table). */
const CONTINUOUS: Partial<Record<QuantileMethod, [number, number]>> = {
  linear: [1, 1], hazen: [0.5, 0.5], weibull: [0, 0], median_unbiased: [1 / 3, 1 / 3], normal_unbiased: [3 / 8, 3 / 8], interpolated_inverted_cdf: [0, 1],
};

function checkQ(name: string, q: ArrayLike, scale: number): void {
  const vals: unknown[] = typeof q === "number" ? [q] : Array.isArray(q) ? (q as unknown[]).flat(Infinity) : [];
  for (const v of vals) {
    if (typeof v === "number" && !(v >= 0 && v <= scale)) throw new ShapeError(`${name}: q = ${v} is outside [0, ${scale}].`);
  }
}

function quantileImpl(name: string, a: ArrayLike, q: ArrayLike, axis: Axis, method: QuantileMethod, keepdims: boolean, ignoreNaN: boolean): NDArray {
  let x = toKind(a, kindOf(a));
  if (!isFloat(x.dtype)) x = S.convert(x, "float32");
  const methods = ["lower", "higher", "midpoint", "nearest", ...Object.keys(CONTINUOUS)];
  if (!methods.includes(method)) throw new ShapeError(`${name}: unknown method "${String(method)}"; use one of ${methods.join(", ")}.`);
  const qa = q instanceof NDArray ? S.convert(q, x.dtype) : asarray(q, x.dtype);
  const axes = normalizeAxes(name, axis, x.ndim);
  const keep = range(x.ndim).filter((d) => !axes.includes(d));
  const keepShape = keep.map((d) => x.shape[d]!);
  const n = axes.reduce((s, d) => s * x.shape[d]!, 1);
  if (n === 0) throw new ShapeError(`${name}: cannot take a quantile over an empty axis (array shape [${x.shape}], axis ${JSON.stringify(axis ?? null)}).`);
  const k = keep.length;
  const flatX = S.reshape(S.transpose(x, [...keep, ...axes]), [...keepShape, n]);
  const [sorted] = laxSort([flatX], k);
  const nq = qa.size;
  const shape = [...keepShape, nq];
  const dt = x.dtype;
  const c = (v: number) => E.full(shape, v, dt);
  const qB = S.broadcastInDim(S.reshape(qa, [nq]), shape, [k]);
  const isNan = E.ne(flatX, flatX);
  // Valid entries per slice: NaNs sort last, so the first `count` sorted values are the numbers.
  const count = ignoreNaN ? R.reduceSum(S.convert(bind1(E.notP, [isNan]), dt), [k]) : E.full(keepShape, n, dt);
  const cnt = S.broadcastInDim(count, shape, range(k));
  const last = E.sub(cnt, c(1));
  const floorOf = (v: NDArray) => bind1(E.floorP, [v]);
  const clip = (v: NDArray) => E.max(E.min(v, last), c(0));
  const at = (pos: NDArray) => gatherAlongAxis(sorted!, S.convert(E.max(pos, c(0)), "int32"), k);
  let result: NDArray;
  const linearPos = E.mul(qB, last);
  if (method === "lower" || method === "higher" || method === "nearest") {
    const pos = method === "lower" ? floorOf(linearPos) : method === "higher" ? bind1(E.ceilP, [linearPos]) : bind1(E.roundP, [linearPos]);
    result = at(clip(pos));
  } else {
    let pos: NDArray;
    let frac: NDArray;
    if (method === "midpoint") {
      pos = floorOf(linearPos);
      frac = S.selectN(E.eq(pos, linearPos), c(0.5), c(0));
    } else {
      const [alpha, beta] = CONTINUOUS[method]!;
      const virtual = clip(E.sub(E.add(E.mul(cnt, qB), E.add(c(alpha), E.mul(qB, c(1 - alpha - beta)))), c(1)));
      pos = floorOf(virtual);
      frac = E.sub(virtual, pos);
    }
    const lo = at(pos);
    const hi = at(E.min(E.add(pos, c(1)), last));
    // NumPy's _lerp: a + (b − a)·t, computed from the nearer end for t ≥ 1/2 (monotone and exact at t = 1).
    const d = E.sub(hi, lo);
    result = S.selectN(E.ge(frac, c(0.5)), E.add(lo, E.mul(d, frac)), E.sub(hi, E.mul(d, E.sub(c(1), frac))));
  }
  const invalid = ignoreNaN ? E.eq(cnt, c(0)) : S.broadcastInDim(bind1(R.reduceOrP, [isNan], { axes: [k] }), shape, range(k));
  result = S.selectN(invalid, result, c(NaN));
  const outKeep = keepdims ? x.shape.map((s, d) => (axes.includes(d) ? 1 : s)) : keepShape;
  return S.reshape(S.moveaxis(result, k, 0), [...qa.shape, ...outKeep]);
}

/** The q-th quantile(s) along `axis` (all axes by default); output shape q.shape + reduced shape. Any NaN gives NaN. */
export function quantile(a: ArrayLike, q: ArrayLike, axis?: Axis, method: QuantileMethod = "linear", keepdims = false): NDArray {
  checkQ("quantile", q, 1);
  return quantileImpl("quantile", a, q, axis, method, keepdims, false);
}
function percentToFraction(q: ArrayLike): NDArray {
  const p = q instanceof NDArray ? (isFloat(q.dtype) ? q : S.convert(q, "float64")) : asarray(q, "float64");
  return E.div(p, E.full(p.shape, 100, p.dtype));
}
/** quantile with q in percent. */
export function percentile(a: ArrayLike, q: ArrayLike, axis?: Axis, method: QuantileMethod = "linear", keepdims = false): NDArray {
  checkQ("percentile", q, 100);
  return quantileImpl("percentile", a, percentToFraction(q), axis, method, keepdims, false);
}
export function median(a: ArrayLike, axis?: Axis, keepdims = false): NDArray {
  return quantileImpl("median", a, 0.5, axis, "linear", keepdims, false);
}
/** quantile ignoring NaNs (all-NaN slices give NaN). */
export function nanquantile(a: ArrayLike, q: ArrayLike, axis?: Axis, method: QuantileMethod = "linear", keepdims = false): NDArray {
  checkQ("nanquantile", q, 1);
  return quantileImpl("nanquantile", a, q, axis, method, keepdims, true);
}
export function nanpercentile(a: ArrayLike, q: ArrayLike, axis?: Axis, method: QuantileMethod = "linear", keepdims = false): NDArray {
  checkQ("nanpercentile", q, 100);
  return quantileImpl("nanpercentile", a, percentToFraction(q), axis, method, keepdims, true);
}
export function nanmedian(a: ArrayLike, axis?: Axis, keepdims = false): NDArray {
  return quantileImpl("nanmedian", a, 0.5, axis, "linear", keepdims, true);
}
export { nanquantile as nanQuantile, nanpercentile as nanPercentile, nanmedian as nanMedian };
