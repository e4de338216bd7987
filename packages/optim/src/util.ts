// Small array helpers shared by the optimizers: masks over leading batch dimensions, TFP-style
// `divide_no_nan`, `nextafter`-based closeness, and a data-dependent branch over pytrees.
import { NDArray, np, tree, type ArrayLike } from "@fluxion/core";
import { cond } from "@fluxion/transforms";

/** A boolean or numeric array used as a per-batch-member mask. */
export type Mask = NDArray;

/**
 * `where` with the mask aligned to the *leading* dimensions of the values (TFP's
 * `where_left_justified_mask`): a mask of shape [...] selects whole trailing blocks of [..., n].
 */
export function whereLeft(mask: Mask, ifTrue: NDArray, ifFalse: NDArray): NDArray {
  const rank = Math.max(ifTrue.ndim, ifFalse.ndim);
  const m = mask.ndim < rank ? np.reshape(mask, [...mask.shape, ...Array<number>(rank - mask.ndim).fill(1)]) : mask;
  return np.where(m, ifTrue, ifFalse);
}

/** `whereLeft` over two pytrees of the same structure. */
export function treeWhere<T>(mask: Mask, ifTrue: T, ifFalse: T): T {
  return tree.map((a: NDArray, b: NDArray) => whereLeft(mask, a, b), ifTrue, ifFalse) as T;
}

/** x / y, with 0 where y == 0 (TF's `divide_no_nan`). */
export function divideNoNan(x: NDArray, y: NDArray): NDArray {
  const zero = np.equal(y, 0);
  const safe = np.where(zero, np.onesLike(y), y);
  return np.where(zero, np.zerosLike(np.divide(x, safe)), np.divide(x, safe));
}

/**
 * TFP's `_very_close(x, y) = nextafter(x, y) >= y`: x is at least y, or the next float after x
 * towards y is y. Adjacent floats are detected by their midpoint rounding onto one of them.
 */
export function veryClose(x: NDArray, y: NDArray): NDArray {
  const mid = np.add(np.multiply(x, 0.5), np.multiply(y, 0.5));
  const adjacent = np.logicalAnd(np.logicalAnd(np.isfinite(x), np.isfinite(y)), np.logicalOr(np.equal(mid, x), np.equal(mid, y)));
  return np.logicalOr(np.greaterEqual(x, y), adjacent);
}

/**
 * x and y are equal or adjacent floats, in either order. TFP's `func_is_flat` uses the one-sided
 * `_very_close` on function values, which is also true whenever left.f > right.f (a steep interval,
 * not a flat one) and made the line search report a non-Wolfe left end as converged.
 */
export function withinOneUlp(x: NDArray, y: NDArray): NDArray {
  return np.logicalAnd(veryClose(x, y), veryClose(y, x));
}

/** Max-norm over the last axis (TFP's `bfgs_utils.norm(..., dims=1)`). */
export function normInf(x: NDArray): NDArray {
  return np.max(np.abs(x), -1);
}

/** Sum over the last axis of a product: batched dot products. */
export function dotLast(a: NDArray, b: NDArray): NDArray {
  return np.sum(np.multiply(a, b), -1);
}

/** Batched matrix-vector product: [..., n, n] x [..., n] -> [..., n]. */
export function matvec(m: NDArray, v: NDArray): NDArray {
  return np.sum(np.multiply(m, np.expandDims(v, -2)), -1);
}

/** Batched outer product: [..., n] x [..., m] -> [..., n, m]. */
export function outer(a: NDArray, b: NDArray): NDArray {
  return np.multiply(np.expandDims(a, -1), np.expandDims(b, -2));
}

export const toInt = (b: NDArray): NDArray => np.astype(b, "int32");
export const intScalar = (v: number): NDArray => np.array(v, "int32");
export const isNegInf = (x: NDArray): NDArray => np.lessEqual(x, -Infinity);

/**
 * TFP's `prefer_static.cond(reduce_any(mask), then, else)`: a real branch (lax.cond), so skipped
 * work costs nothing eagerly and under jit; under vmap both branches run and are selected per lane.
 */
export function ifAny<T>(mask: Mask, thenFn: () => T, elseFn: () => T): T {
  return ifTrue(np.any(mask), thenFn, elseFn);
}

/** A data-dependent branch on a scalar boolean, with the branches closing over their inputs. */
export function ifTrue<T>(pred: ArrayLike, thenFn: () => T, elseFn: () => T): T {
  return cond(pred, () => thenFn(), () => elseFn()) as T;
}

/** Converts an ArrayLike to an array, keeping its dtype when it is already an array. */
export function toArray(x: ArrayLike, dtype?: "float32" | "float64"): NDArray {
  if (x instanceof NDArray) return dtype && x.dtype !== dtype ? np.astype(x, dtype) : x;
  return np.asarray(x, dtype);
}

/** Float dtype of an array, for building constants that match it. */
export function floatDtypeOf(x: NDArray): "float32" | "float64" {
  return x.dtype === "float64" ? "float64" : "float32";
}
