// Shared numerics and shape helpers for the distributions: parameter conversion to a common float dtype,
// shape broadcasting, gradient-safe selects, and stable special compositions (log1mexp, log1psquare, ...).
import { ConcreteArray, NDArray, lax, np, special, type ArrayLike, type DType } from "@fluxion/core";

export type FloatDType = "float32" | "float64";

const isArrayValue = (x: unknown): x is NDArray => x instanceof NDArray;

/**
 * The float dtype parameters share (TFP's dtype_util.common_dtype with a float32 hint): float64 if any array
 * argument is float64, else float32. JS numbers are weakly typed and never widen.
 */
export function commonFloatDtype(values: readonly unknown[], hint: FloatDType = "float32"): FloatDType {
  let wide = false;
  let any = false;
  for (const v of values) {
    if (isArrayValue(v)) {
      any = true;
      if (v.dtype === "float64") wide = true;
    } else if (v instanceof Float64Array) {
      wide = true;
    }
  }
  if (wide) return "float64";
  return any ? "float32" : hint;
}

/** `x` as an array of float `dtype` (arrays of another dtype are converted). */
export function toFloat(x: ArrayLike, dtype: FloatDType): NDArray {
  if (x instanceof NDArray) return x.dtype === dtype && !x.weakType ? x : np.astype(x, dtype);
  return np.asarray(x, dtype);
}

/** NumPy broadcasting of shapes, with an error naming `what`. */
export function broadcastShapes(what: string, ...shapes: (readonly number[])[]): number[] {
  const nd = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < nd; i++) {
    let d = 1;
    for (const s of shapes) {
      const k = s.length - nd + i;
      const e = k >= 0 ? s[k]! : 1;
      if (e === 1) continue;
      if (d !== 1 && d !== e) {
        throw new Error(`${what}: shapes ${shapes.map((t) => `[${t.join(",")}]`).join(", ")} do not broadcast together (axis ${i}: ${d} vs ${e}).`);
      }
      d = e;
    }
    out.push(d);
  }
  return out;
}

export const shapeSize = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
export const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

/** True when every argument is a concrete array (not a tracer), so its values can be inspected. */
export function isConcrete(...xs: readonly (NDArray | null | undefined)[]): boolean {
  return xs.every((x) => x === null || x === undefined || x instanceof ConcreteArray);
}

/** A scalar constant of the given dtype. */
export const scalar = (v: number, dtype: DType): NDArray => np.full([], v, dtype);

/** `where` whose unselected branch never leaks NaN/Inf gradients: evaluate `f` only on safe inputs (double-where). */
export function safeWhere(cond: NDArray, x: NDArray, safeValue: number, f: (safe: NDArray) => NDArray, otherwise: ArrayLike): NDArray {
  const safe = np.where(cond, x, np.fullLike(x, safeValue));
  return np.where(cond, f(safe), otherwise);
}

/** log(1 - exp(x)) for x <= 0, Maechler's two-branch form (accurate near 0 and for very negative x). */
export function log1mexp(x: NDArray): NDArray {
  const near = np.greater(x, -Math.LN2);
  const a = np.where(near, x, np.fullLike(x, -1));
  const b = np.where(near, np.fullLike(x, -1), x);
  return np.where(near, np.log(np.negative(np.expm1(a))), np.log1p(np.negative(np.exp(b))));
}

/** log(1 + x^2) without overflow for large |x| (TFP's log1psquare). */
export function log1psquare(x: NDArray): NDArray {
  const big = np.greater(np.abs(x), np.fullLike(x, x.dtype === "float64" ? 1e150 : 1e18));
  const safeSmall = np.where(big, np.zerosLike(x), x);
  const safeBig = np.where(big, x, np.onesLike(x));
  return np.where(big, np.multiply(2, np.log(np.abs(safeBig))), np.log1p(np.square(safeSmall)));
}

/** log(1 + exp(x)). */
export const softplus = (x: NDArray): NDArray => special.softplus(x);

/** log(sigmoid(x)) = -softplus(-x). */
export const logSigmoid = (x: NDArray): NDArray => np.negative(softplus(np.negative(x)));

/** log(exp(x) - 1) for x > 0, stable at both ends (TFP's softplus_inverse). */
export function softplusInverse(x: NDArray): NDArray {
  const small = np.less(x, 1e-4);
  const big = np.greater(x, x.dtype === "float64" ? 36 : 16);
  const mid = np.where(np.logicalOr(small, big), np.onesLike(x), x);
  const midValue = np.log(np.expm1(mid));
  return np.where(small, np.log(x), np.where(big, x, midValue));
}

/** Sum of the last `n` axes. */
export function sumLastAxes(x: NDArray, n: number): NDArray {
  if (n === 0) return x;
  const axes = Array.from({ length: n }, (_, i) => x.ndim - 1 - i);
  return np.sum(x, axes);
}

/** x broadcast to `shape` (leading axes added as needed). */
export function broadcastTo(x: NDArray, shape: readonly number[]): NDArray {
  return sameShape(x.shape, shape) ? x : np.broadcastTo(x, shape);
}

/** Batched matrix-vector product A x over [..., n, m] and [..., m]. */
export function matvec(a: NDArray, x: NDArray): NDArray {
  return np.squeeze(np.matmul(a, np.expandDims(x, -1)), -1);
}

/** Batched transpose of the last two axes. */
export function matrixTranspose(a: NDArray): NDArray {
  return np.swapaxes(a, -1, -2);
}

/** The diagonal of the last two axes, [..., n, n] -> [..., n] (a masked sum, so it differentiates simply). */
export function diagPart(a: NDArray): NDArray {
  const n = a.shape[a.ndim - 1]!;
  return np.sum(np.multiply(a, np.eye(n, n, 0, a.dtype)), -1);
}

/** A diagonal matrix [..., n, n] from [..., n]. */
export function diagMatrix(d: NDArray): NDArray {
  const n = d.shape[d.ndim - 1]!;
  return np.multiply(np.expandDims(d, -1), np.eye(n, n, 0, d.dtype));
}

/** Solve L X = B for lower-triangular L ([..., n, n]) and B a matrix [..., n, k] (leading axes broadcast). */
export function solveLowerMatrix(l: NDArray, b: NDArray, transposeA = false): NDArray {
  return lax.linalg.triangularSolve(l, b, { leftSide: true, lower: true, transposeA });
}

/**
 * Solve L x = y for lower-triangular L [B..., n, n] and vectors y [S..., B'..., n] (B' broadcasting with B). Extra
 * leading axes S of y become right-hand-side columns, so L is never copied per sample.
 */
export function solveLower(l: NDArray, y: NDArray, transposeA = false): NDArray {
  const n = l.shape[l.ndim - 1]!;
  const lBatch = l.shape.slice(0, -2);
  const yBatch = y.shape.slice(0, -1);
  const extraRank = Math.max(0, yBatch.length - lBatch.length);
  const extra = yBatch.slice(0, extraRank);
  const batch = broadcastShapes("solveLower", lBatch, yBatch.slice(extraRank));
  const columns = shapeSize(extra);
  const yb = broadcastTo(y, [...extra, ...batch, n]);
  const lb = broadcastTo(l, [...batch, n, n]);
  const rhs = np.moveaxis(np.reshape(yb, [columns, ...batch, n]), 0, -1);
  const x = solveLowerMatrix(lb, rhs, transposeA);
  return np.reshape(np.moveaxis(x, -1, 0), [...extra, ...batch, n]);
}

/** Lower Cholesky factor. */
export function cholesky(a: NDArray): NDArray {
  return np.linalg.cholesky(a);
}

/** One-hot encoding of integer-valued float `x` over `k` classes as float (last axis). */
export function oneHot(x: NDArray, k: number, dtype: DType): NDArray {
  const classes = np.arange(0, k, 1, dtype);
  return np.astype(np.equal(np.expandDims(x, -1), classes), dtype);
}

/** x[..., idx] along the last axis by a one-hot contraction (idx a float/int array of the batch shape). */
export function takeLast(x: NDArray, idx: NDArray): NDArray {
  const k = x.shape[x.ndim - 1]!;
  const oh = oneHot(np.astype(idx, x.dtype), k, x.dtype);
  const shape = broadcastShapes("takeLast", x.shape, oh.shape);
  return np.sum(np.multiply(broadcastTo(x, shape), broadcastTo(oh, shape)), -1);
}

/** Gradient-free value of a float array's machine epsilon / tiny by dtype. */
export const finfo = (dtype: DType) =>
  dtype === "float64"
    ? { eps: 2 ** -52, tiny: 2 ** -1022, max: Number.MAX_VALUE }
    : { eps: 2 ** -23, tiny: 2 ** -126, max: 3.4028234663852886e38 };

/** The integer-valued check used for discrete supports. */
export const isInteger = (x: NDArray): NDArray => np.equal(np.floor(x), x);

/** sqrt(2 pi) and friends. */
export const LOG_2PI = Math.log(2 * Math.PI);
export const LOG_PI = Math.log(Math.PI);
export const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
export const EULER_GAMMA = 0.5772156649015329;

/**
 * a log(y) with 0 log 0 = 0, whose derivative in `a` is log(y) (also where a = 0): the density terms
 * (c - 1) log x need d/dc at c = 1.
 */
export function xlogy(a: NDArray, y: NDArray): NDArray {
  const both = np.logicalAnd(np.equal(a, 0), np.equal(y, 0));
  return np.where(both, 0, np.multiply(a, np.log(np.where(both, 1, y))));
}

/** a log1p(y) with 0 log1p(-1) = 0, derivative log1p(y) in `a`. */
export function xlog1py(a: NDArray, y: NDArray): NDArray {
  const both = np.logicalAnd(np.equal(a, 0), np.equal(y, -1));
  return np.where(both, 0, np.multiply(a, np.log1p(np.where(both, 0, y))));
}

/**
 * Inverse of the regularized upper incomplete gamma Q(a, x) = q: P^-1(a, 1 - q) polished by Newton steps on Q
 * itself, so small q (where 1 - q has lost its digits) is still accurate; the derivative is the implicit one
 * (-1 / density) at convergence.
 */
export function gammainccinv(a: NDArray, q: NDArray): NDArray {
  let x = special.gammaincinv(a, np.subtract(1, q));
  for (let i = 0; i < 3; i++) {
    const safe = np.maximum(x, finfo(x.dtype).tiny);
    const logDensity = np.subtract(np.subtract(np.multiply(np.subtract(a, 1), np.log(safe)), safe), special.gammaln(a));
    const step = np.multiply(np.subtract(special.gammaincc(a, safe), q), np.exp(np.negative(logDensity)));
    const ok = np.logicalAnd(np.isfinite(step), np.greater(x, 0));
    x = np.where(ok, np.add(x, np.where(ok, step, 0)), x);
  }
  return x;
}
