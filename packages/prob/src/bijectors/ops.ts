// Array helpers the bijectors share (last-axis slices and scans, matrix diagonals, TFP's fill_triangular,
// softplus inverse), written over np so they differentiate, batch and stage like any other code.
import { NDArray, ShapeError, np, special, type ArrayLike, type DType } from "@fluxion/core";

/** NumPy broadcasting of two shapes. */
export function broadcastShapes(a: readonly number[], b: readonly number[], what = "broadcastShapes"): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new ShapeError(`${what}: shapes [${a}] and [${b}] do not broadcast.`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** `x[..., start:stop]` along the last axis. */
export function sliceLast(x: NDArray, start: number, stop?: number): NDArray {
  return x.slice("...", `${start}:${stop === undefined ? "" : stop}`);
}

/** `x[..., i]` (the last axis removed). */
export function takeLast(x: NDArray, i: number): NDArray {
  return x.slice("...", i);
}

/** Machine epsilon of a float dtype. */
export function eps(dtype: DType): number {
  return dtype === "float64" ? 2.220446049250313e-16 : 1.1920928955078125e-7;
}

/**
 * Inclusive (or exclusive) scan along the last axis by log-depth doubling (Hillis & Steele, "Data parallel
 * algorithms", CACM 1986): ceil(log2 n) shifted combines instead of n sequential ones.
 */
function scanLast(x: NDArray, combine: (a: NDArray, b: NDArray) => NDArray, identity: number, exclusive: boolean): NDArray {
  const n = x.shape[x.ndim - 1]!;
  const batch = x.shape.slice(0, -1);
  let y = x;
  for (let shift = 1; shift < n; shift *= 2) {
    const shifted = np.concatenate([np.full([...batch, shift], identity, x.dtype), sliceLast(y, 0, n - shift)], -1);
    y = combine(y, shifted);
  }
  if (!exclusive || n === 0) return y;
  return np.concatenate([np.full([...batch, 1], identity, x.dtype), sliceLast(y, 0, n - 1)], -1);
}

export function cumsumLast(x: NDArray, exclusive = false): NDArray {
  return scanLast(x, np.add, 0, exclusive);
}

export function cumprodLast(x: NDArray, exclusive = false): NDArray {
  return scanLast(x, np.multiply, 1, exclusive);
}

function squareSize(x: NDArray, op: string): number {
  const n = x.shape[x.ndim - 1]!;
  if (x.ndim < 2 || x.shape[x.ndim - 2] !== n) throw new ShapeError(`${op}: expected square matrices [..., n, n], got shape [${x.shape}].`);
  return n;
}

/** Diagonals of a batch of square matrices: [..., n, n] -> [..., n] (a strided view of the flattened matrix). */
export function matrixDiagPart(x: NDArray): NDArray {
  const n = squareSize(x, "matrixDiagPart");
  const flat = np.reshape(x, [...x.shape.slice(0, -2), n * n]);
  return flat.slice("...", `0::${n + 1}`);
}

function eyeMask(n: number): NDArray {
  return np.equal(np.eye(n, n, 0, "int32"), 1);
}

/** `x` with its diagonal replaced by `diag` (tf.linalg.set_diag). */
export function setMatrixDiag(x: NDArray, diag: NDArray): NDArray {
  const n = squareSize(x, "setMatrixDiag");
  return np.where(eyeMask(n), np.expandDims(diag, -2), x);
}

/** Diagonal matrices from a batch of vectors: [..., n] -> [..., n, n]. */
export function matrixDiag(diag: NDArray): NDArray {
  const n = diag.shape[diag.ndim - 1]!;
  return np.where(eyeMask(n), np.expandDims(diag, -2), np.zeros([], diag.dtype));
}

/** Matrix–vector product over batches: [..., m, n] @ [..., n] -> [..., m]. */
export function matvec(a: NDArray, x: ArrayLike): NDArray {
  return np.squeeze(np.matmul(a, np.expandDims(x, -1)), -1);
}

/** Swaps the last two axes. */
export function matrixTranspose(a: NDArray): NDArray {
  return np.swapaxes(a, -1, -2);
}

/** Side n of the n×n triangle holding m = n(n+1)/2 elements; throws if m is not triangular. */
export function triangularSide(m: number, op: string): number {
  const n = Math.round(Math.sqrt(0.25 + 2 * m) - 0.5);
  if ((n * (n + 1)) / 2 !== m) throw new ShapeError(`${op}: the last axis (${m}) is not a triangular number n(n+1)/2.`);
  return n;
}

/**
 * TFP's fill_triangular (tfp.math.fill_triangular): fills a lower (or upper) triangle from a vector in a
 * clockwise spiral, so [1..6] -> [[4,0,0],[6,5,0],[3,2,1]] (lower). Built from a reversed tail and one
 * reshape, as TFP's derivation in tensorflow_probability/python/math/linalg.py.
 */
export function fillTriangular(x: NDArray, upper = false): NDArray {
  const m = x.shape[x.ndim - 1]!;
  const n = triangularSide(m, "fillTriangular");
  const batch = x.shape.slice(0, -1);
  if (n <= 1) return np.reshape(x, [...batch, n, n]);
  const parts = upper ? [x, np.flip(sliceLast(x, n), -1)] : [sliceLast(x, n), np.flip(x, -1)];
  const square = np.reshape(np.concatenate(parts, -1), [...batch, n, n]);
  return upper ? np.triu(square) : np.tril(square);
}

/** Inverse of `fillTriangular`: [..., n, n] -> [..., n(n+1)/2]; the other triangle is assumed zero. */
export function fillTriangularInverse(y: NDArray, upper = false): NDArray {
  const n = squareSize(y, "fillTriangularInverse");
  const m = (n * (n + 1)) / 2;
  const batch = y.shape.slice(0, -2);
  if (n <= 1) return np.reshape(y, [...batch, m]);
  const initial = upper ? y.slice("...", 0, ":") : np.flip(y.slice("...", -1, ":"), -1);
  const triangle = upper ? y.slice("...", "1:", ":") : y.slice("...", ":-1", ":");
  const rotated = np.flip(triangle, [-1, -2]);
  const consolidated = np.reshape(np.add(triangle, rotated), [...batch, n * (n - 1)]);
  return np.concatenate([initial, sliceLast(consolidated, 0, m - n)], -1);
}

/**
 * log(exp(x) - 1) without overflow or cancellation (TFP's tfp.math.softplus_inverse): log(x) for tiny x,
 * x for large x, and x + log(-expm1(-x)) between.
 */
export function softplusInverse(x: NDArray): NDArray {
  const threshold = Math.log(eps(x.dtype)) + 2;
  const tooSmall = np.less(x, Math.exp(threshold));
  const tooLarge = np.greater(x, -threshold);
  const safe = np.where(np.logicalOr(tooSmall, tooLarge), np.onesLike(x), x);
  const mid = np.add(safe, np.log(np.negative(np.expm1(np.negative(safe)))));
  return np.where(tooSmall, np.log(x), np.where(tooLarge, x, mid));
}

/** softplus(x) = log(1 + exp(x)), with a gradient that stays exp(x) (not 0/0) for very negative x. */
export function softplus(x: ArrayLike): NDArray {
  return special.softplus(x);
}

/** logistic sigmoid 1/(1 + exp(-x)). */
export function sigmoid(x: ArrayLike): NDArray {
  return special.expit(x);
}
