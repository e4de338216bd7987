// `np.linalg`: NumPy's linear algebra over the linalg primitives, batched over leading axes as NumPy is, and
// differentiable end to end (solve/inv/det go through the lu and triangular_solve primitives' rules).
import type { ArrayLike, NDArray } from "../array/ndarray.js";
import { isFloat, type TypedKind } from "../dtype.js";
import { ShapeError } from "../errors.js";
import { broadcastShapes, normalizeAxes, shapesEqual } from "../shape.js";
import { bind1 } from "../trace/core.js";
import * as E from "../primitives/elementwise.js";
import * as S from "../primitives/structural.js";
import * as R from "../primitives/reductions.js";
import { diagonalOf, eyeLike, matmulBatched, permutationMatrix, swapLast2, triangularSolve } from "../primitives/linalg.js";
import * as lax from "../lax/linalg.js";
import { kindOf, resultKind, toKind } from "./convert.js";

// ---------------------------------------------------------------- argument handling
/** Ints and bools become the default float (float32), as jnp.linalg promotes to an inexact type. */
function floatKind(k: TypedKind): TypedKind {
  return isFloat(k.dtype) ? { dtype: k.dtype, weakType: false } : { dtype: "float32", weakType: false };
}
function asFloat(x: ArrayLike): NDArray {
  return toKind(x, floatKind(kindOf(x)));
}
function asMatrices(op: string, x: ArrayLike, square: boolean): NDArray {
  const a = asFloat(x);
  if (a.ndim < 2) throw new ShapeError(`np.linalg.${op}: expected an array of matrices [..., m, n], got shape [${a.shape}].`);
  if (square && a.shape[a.ndim - 1] !== a.shape[a.ndim - 2]) {
    throw new ShapeError(`np.linalg.${op}: the last two axes must be square ([..., n, n]), got shape [${a.shape}].`);
  }
  return a;
}
const lastAxis = (x: NDArray): number => x.ndim - 1;
const sumLast = (x: NDArray): NDArray => R.reduceSum(x, [lastAxis(x)]);
const abs = (x: NDArray): NDArray => bind1(E.absP, [x]);

/** Product over the last axis by pairwise halving (log depth, exact IEEE products, differentiable). */
function prodLast(x: NDArray): NDArray {
  const axis = lastAxis(x);
  let current = x;
  let length = x.shape[axis]!;
  if (length === 0) return E.full(x.shape.slice(0, -1), 1, x.dtype);
  while (length > 1) {
    const half = Math.floor(length / 2);
    const paired = E.mul(S.sliceAxis(current, axis, 0, half), S.sliceAxis(current, axis, half, 2 * half));
    current = length % 2 ? S.concatenate([paired, S.sliceAxis(current, axis, 2 * half, length)], axis) : paired;
    length = half + (length % 2);
  }
  return S.reshape(current, x.shape.slice(0, -1));
}

/** (-1)^(number of row swaps) of an LU pivot vector, as a float of `like`'s dtype. */
function permutationSign(pivots: NDArray, like: NDArray): NDArray {
  const steps = S.iota("int32", pivots.shape, pivots.ndim - 1);
  const swaps = sumLast(S.convert(E.ne(pivots, steps), like.dtype));
  return E.sub(E.fullLike(swaps, 1), E.mul(E.fullLike(swaps, 2), E.rem(swaps, E.fullLike(swaps, 2))));
}

// ---------------------------------------------------------------- factorizations
/**
 * Cholesky factor of [..., n, n]: lower L with A = L Lᵀ (or upper U = Lᵀ with `upper`). As jnp.linalg.cholesky,
 * the input is symmetrised ((A + Aᵀ)/2) first. A batch element that is not positive definite gives an all-NaN
 * factor, without throwing and without touching the other elements; check with `np.any(np.isnan(L), [-2, -1])`.
 */
export function cholesky(a: ArrayLike, options: { upper?: boolean } = {}): NDArray {
  const l = lax.cholesky(asMatrices("cholesky", a, true));
  return options.upper ? swapLast2(l) : l;
}

/** QR of [..., m, n]: "reduced" (default) Q m×k, R k×n; "complete" Q m×m, R m×n; "r" returns R only. */
export function qr(a: ArrayLike, mode?: "reduced" | "complete"): [NDArray, NDArray];
export function qr(a: ArrayLike, mode: "r"): NDArray;
export function qr(a: ArrayLike, mode: "reduced" | "complete" | "r" = "reduced"): [NDArray, NDArray] | NDArray {
  const [q, r] = lax.qr(asMatrices("qr", a, false), { fullMatrices: mode === "complete" });
  return mode === "r" ? r : [q, r];
}

export interface EighOptions {
  /** Symmetrise (A + Aᵀ)/2 before decomposing (default true, as jnp.linalg.eigh); false reads only `UPLO`. */
  symmetrizeInput?: boolean;
}
/**
 * Eigenvalues (ascending) and eigenvectors (columns) of symmetric [..., n, n], NumPy's order: [w, v].
 * Gradients through v are NaN/Inf where eigenvalues coincide (the eigenvectors are not unique there);
 * gradients through w alone stay finite. Eigenvector signs are arbitrary (as NumPy/LAPACK) and can flip under
 * tiny perturbations of A; the derivative is that of the branch with locally constant signs.
 */
export function eigh(a: ArrayLike, UPLO: "L" | "U" = "L", options: EighOptions = {}): [NDArray, NDArray] {
  const [v, w] = lax.eigh(asMatrices("eigh", a, true), { lower: UPLO === "L", symmetrizeInput: options.symmetrizeInput ?? true });
  return [w, v];
}
/** Eigenvalues of symmetric [..., n, n], ascending. */
export function eigvalsh(a: ArrayLike, UPLO: "L" | "U" = "L", options: EighOptions = {}): NDArray {
  return eigh(a, UPLO, options)[0];
}

// ---------------------------------------------------------------- solving
/**
 * Solves A X = B for A [..., n, n]. B is a vector [n] or a stack of matrices [..., n, k] (NumPy 2 rule: only a
 * 1-D b is a vector); leading axes broadcast. Uses P A = L U and two triangular solves, so gradients flow to both
 * A and B. A singular A gives Inf/NaN entries (no throw), as LAPACK-backed JAX does.
 */
export function solve(a: ArrayLike, b: ArrayLike): NDArray {
  const kind = floatKind(resultKind([a, b]));
  const matrix = asMatrices("solve", toKind(a, kind), true);
  const rhsIn = toKind(b, kind);
  const n = matrix.shape[matrix.ndim - 1]!;
  const vector = rhsIn.ndim === 1;
  let rhs = vector ? S.reshape(rhsIn, [rhsIn.shape[0]!, 1]) : rhsIn;
  if (rhs.ndim < 2 || rhs.shape[rhs.ndim - 2] !== n) {
    throw new ShapeError(`np.linalg.solve: a has shape [${matrix.shape}] so b must be [${n}] or [..., ${n}, k], got [${rhsIn.shape}].`);
  }
  const batch = broadcastShapes("np.linalg.solve", matrix.shape.slice(0, -2), rhs.shape.slice(0, -2));
  const lhs = shapesEqual(matrix.shape.slice(0, -2), batch) ? matrix : S.broadcastTo(matrix, [...batch, n, n]);
  if (!shapesEqual(rhs.shape.slice(0, -2), batch)) rhs = S.broadcastTo(rhs, [...batch, ...rhs.shape.slice(-2)]);
  const [factors, , permutation] = lax.lu(lhs);
  const permuted = matmulBatched(permutationMatrix(permutation, kind.dtype), rhs);
  const y = triangularSolve(factors, permuted, { leftSide: true, lower: true, transposeA: false, unitDiagonal: true });
  const x = triangularSolve(factors, y, { leftSide: true, lower: false, transposeA: false, unitDiagonal: false });
  return vector ? S.reshape(x, x.shape.slice(0, -1)) : x;
}

/** Inverse of [..., n, n] as solve(A, I); a singular matrix gives Inf/NaN entries. */
export function inv(a: ArrayLike): NDArray {
  const matrix = asMatrices("inv", a, true);
  return solve(matrix, eyeLike(matrix.shape, matrix.dtype));
}

/** Determinant of [..., n, n]: product of U's diagonal times the sign of the LU row permutation. */
export function det(a: ArrayLike): NDArray {
  const matrix = asMatrices("det", a, true);
  const [factors, pivots] = lax.lu(matrix);
  const diagonal = diagonalOf(factors);
  return E.mul(prodLast(diagonal), permutationSign(pivots, diagonal));
}

/**
 * [sign, logabsdet] of [..., n, n] with det = sign · exp(logabsdet), robust to over/underflow. A singular matrix
 * gives sign 0 and logabsdet -Inf (NumPy).
 */
export function slogdet(a: ArrayLike): [NDArray, NDArray] {
  const matrix = asMatrices("slogdet", a, true);
  const [factors, pivots] = lax.lu(matrix);
  const diagonal = diagonalOf(factors);
  const logabsdet = sumLast(E.log(abs(diagonal)));
  const zero = E.fullLike(diagonal, 0);
  const negatives = sumLast(S.convert(E.lt(diagonal, zero), diagonal.dtype));
  const negativeSign = E.sub(E.fullLike(negatives, 1), E.mul(E.fullLike(negatives, 2), E.rem(negatives, E.fullLike(negatives, 2))));
  const singular = E.gt(sumLast(S.convert(E.eq(diagonal, zero), diagonal.dtype)), E.fullLike(negatives, 0));
  const sign = S.selectN(singular, E.mul(negativeSign, permutationSign(pivots, diagonal)), E.fullLike(negatives, 0));
  return [sign, logabsdet];
}

/** A^n for integer n (negative n inverts first; n = 0 gives identities), by repeated squaring. */
export function matrixPower(a: ArrayLike, n: number): NDArray {
  if (!Number.isInteger(n)) throw new ShapeError(`np.linalg.matrixPower: the exponent must be an integer, got ${n}.`);
  let base = asMatrices("matrixPower", a, true);
  if (n === 0) return eyeLike(base.shape, base.dtype);
  if (n < 0) base = inv(base);
  let remaining = Math.abs(n);
  let result: NDArray | null = null;
  while (remaining > 0) {
    if (remaining & 1) result = result === null ? base : matmulBatched(result, base);
    remaining = Math.floor(remaining / 2);
    if (remaining > 0) base = matmulBatched(base, base);
  }
  return result!;
}

// ---------------------------------------------------------------- norms
export type VectorOrd = number | null;
export type MatrixOrd = "fro" | "nuc" | 1 | -1 | 2 | -2 | typeof Infinity | null;

/** Singular values of [..., m, n] (ascending) as sqrt of the eigenvalues of the smaller Gram matrix. */
function singularValuesAscending(x: NDArray): NDArray {
  const [m, n] = x.shape.slice(-2) as [number, number];
  const gram = m >= n ? matmulBatched(swapLast2(x), x) : matmulBatched(x, swapLast2(x));
  const [, w] = lax.eigh(gram, { symmetrizeInput: true });
  // Rounding can leave tiny negative eigenvalues of a positive semidefinite Gram matrix.
  return E.sqrt(E.max(w, E.fullLike(w, 0)));
}

/** Vector p-norm along `axis` (default: all axes flattened); ord as numpy (null/2, 1, ±Infinity, 0, any p). */
export function vectorNorm(x: ArrayLike, options: { ord?: VectorOrd; axis?: number | readonly number[] | null; keepdims?: boolean } = {}): NDArray {
  const a = asFloat(x);
  const axes = normalizeAxes("np.linalg.vectorNorm", options.axis ?? null, a.ndim);
  const ord = options.ord ?? 2;
  const reduceWith = (r: NDArray): NDArray => (options.keepdims ? S.reshape(r, a.shape.map((d, i) => (axes.includes(i) ? 1 : d))) : r);
  if (typeof ord !== "number" || Number.isNaN(ord)) throw new ShapeError(`np.linalg.vectorNorm: invalid ord ${String(ord)}.`);
  if (ord === 2) return reduceWith(E.sqrt(R.reduceSum(E.mul(a, a), axes)));
  if (ord === Infinity) return reduceWith(bind1(R.reduceMaxP, [abs(a)], { axes }));
  if (ord === -Infinity) return reduceWith(bind1(R.reduceMinP, [abs(a)], { axes }));
  if (ord === 0) return reduceWith(R.reduceSum(S.convert(E.ne(a, E.fullLike(a, 0)), a.dtype), axes));
  if (ord === 1) return reduceWith(R.reduceSum(abs(a), axes));
  const summed = R.reduceSum(E.pow(abs(a), E.fullLike(a, ord)), axes);
  return reduceWith(E.pow(summed, E.fullLike(summed, 1 / ord)));
}

/** Matrix norm over the last two axes (or `axis` = [row, col]); ord "fro" (default), "nuc", ±1, ±2, ±Infinity. */
export function matrixNorm(x: ArrayLike, options: { ord?: MatrixOrd; axis?: readonly [number, number]; keepdims?: boolean } = {}): NDArray {
  const a = asFloat(x);
  if (a.ndim < 2) throw new ShapeError(`np.linalg.matrixNorm: needs at least 2 dimensions, got shape [${a.shape}].`);
  const [rowIn, colIn] = options.axis ?? [-2, -1];
  const row = rowIn < 0 ? rowIn + a.ndim : rowIn;
  const col = colIn < 0 ? colIn + a.ndim : colIn;
  if (row === col || row < 0 || col < 0 || row >= a.ndim || col >= a.ndim) {
    throw new ShapeError(`np.linalg.matrixNorm: axis [${rowIn}, ${colIn}] must name two distinct axes of shape [${a.shape}].`);
  }
  const ord = options.ord ?? "fro";
  const keepShape = a.shape.map((d, i) => (i === row || i === col ? 1 : d));
  const finish = (r: NDArray): NDArray => (options.keepdims ? S.reshape(r, keepShape) : r);
  const both = [row, col].sort((p, q) => p - q);
  if (ord === "fro") return finish(E.sqrt(R.reduceSum(E.mul(a, a), both)));
  if (ord === 1 || ord === -1 || ord === Infinity || ord === -Infinity) {
    // 1: largest column sum of |A| (sum over rows, then extreme over columns); ∞: largest row sum.
    const summedAxis = ord === 1 || ord === -1 ? row : col;
    const keptAxis = ord === 1 || ord === -1 ? col : row;
    const sums = R.reduceSum(abs(a), [summedAxis]);
    const after = keptAxis > summedAxis ? keptAxis - 1 : keptAxis;
    const prim = ord > 0 ? R.reduceMaxP : R.reduceMinP;
    return finish(bind1(prim, [sums], { axes: [after] }));
  }
  if (ord === 2 || ord === -2 || ord === "nuc") {
    const rest = [...a.shape.keys()].filter((i) => i !== row && i !== col);
    const moved = S.transpose(a, [...rest, row, col]);
    const sv = singularValuesAscending(moved);
    const k = sv.shape[sv.ndim - 1]!;
    const pick =
      ord === "nuc" ? sumLast(sv) : S.reshape(S.sliceAxis(sv, sv.ndim - 1, ord === 2 ? k - 1 : 0, ord === 2 ? k : 1), sv.shape.slice(0, -1));
    return finish(pick);
  }
  throw new ShapeError(`np.linalg.matrixNorm: invalid ord ${String(ord)}; use "fro", "nuc", 1, -1, 2, -2, Infinity or -Infinity.`);
}

/**
 * NumPy's norm: with axis null, a 1-D (or any, when ord is null) array gets the 2-norm of its flattened entries
 * and a 2-D array with ord set gets the matrix norm; an integer axis gives vector norms, a pair of axes matrix norms.
 * Note: ord 2/-2/"nuc" use eigh of AᵀA, so small singular values lose relative accuracy (≈ eps·κ²).
 */
export function norm(x: ArrayLike, ord: VectorOrd | MatrixOrd = null, axis: number | readonly number[] | null = null, keepdims = false): NDArray {
  const a = asFloat(x);
  if (axis === null) {
    if (ord === null) return vectorNorm(a, { axis: null, keepdims });
    if (a.ndim === 1) return vectorNorm(a, { ord: ord as VectorOrd, axis: 0, keepdims });
    if (a.ndim === 2) return matrixNorm(a, { ord: ord as MatrixOrd, axis: [0, 1], keepdims });
    throw new ShapeError(`np.linalg.norm: with ord set and axis null the array must be 1-D or 2-D, got shape [${a.shape}]; pass axis.`);
  }
  const axes = typeof axis === "number" ? [axis] : [...axis];
  if (axes.length === 1) {
    if (typeof ord === "string") throw new ShapeError(`np.linalg.norm: ord "${ord}" is a matrix norm; pass two axes.`);
    return vectorNorm(a, { ord, axis: axes[0]!, keepdims });
  }
  if (axes.length === 2) return matrixNorm(a, { ord: ord as MatrixOrd, axis: [axes[0]!, axes[1]!], keepdims });
  throw new ShapeError(`np.linalg.norm: axis must be one or two axes, got ${JSON.stringify(axis)}.`);
}

/** Condition number of [..., n, n]: σmax/σmin for p null/2 (σmin/σmax for -2), else norm(A, p)·norm(A⁻¹, p). */
export function cond(x: ArrayLike, p: MatrixOrd = null): NDArray {
  const a = asMatrices("cond", x, false);
  if (p === null || p === 2 || p === -2) {
    const sv = singularValuesAscending(a);
    const k = sv.shape[sv.ndim - 1]!;
    const smallest = S.reshape(S.sliceAxis(sv, sv.ndim - 1, 0, 1), sv.shape.slice(0, -1));
    const largest = S.reshape(S.sliceAxis(sv, sv.ndim - 1, k - 1, k), sv.shape.slice(0, -1));
    return p === -2 ? E.div(smallest, largest) : E.div(largest, smallest);
  }
  const square = asMatrices("cond", a, true);
  return E.mul(matrixNorm(square, { ord: p }), matrixNorm(inv(square), { ord: p }));
}
