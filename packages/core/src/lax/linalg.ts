// `lax.linalg`: JAX's jax.lax.linalg over the linear-algebra primitives (batched over leading axes; JAX's
// argument order and output order, e.g. eigh returns [eigenvectors, eigenvalues]).
import type { NDArray } from "../array/ndarray.js";
import { ShapeError } from "../errors.js";
import { broadcastShapes, shapesEqual } from "../shape.js";
import { bind, bind1 } from "../trace/core.js";
import { add, div, fullLike } from "../primitives/elementwise.js";
import { broadcastTo, reshape } from "../primitives/structural.js";
import { choleskyP, eighP, luP, qrP, swapLast2, triangularSolveP } from "../primitives/linalg.js";

export interface TriangularSolveOptions {
  /** true: solve op(A) X = B; false (JAX's default): solve X op(A) = B. */
  leftSide?: boolean;
  /** Read the lower triangle of A (default false: the upper one, as JAX). */
  lower?: boolean;
  /** op(A) = Aᵀ (default false). */
  transposeA?: boolean;
  /** Treat the diagonal of A as ones without reading it (default false). */
  unitDiagonal?: boolean;
}

/** (x + xᵀ) / 2 over the last two axes. */
export function symmetrize(x: NDArray): NDArray {
  return div(add(x, swapLast2(x)), fullLike(x, 2));
}

/**
 * Solves op(A) X = B (leftSide) or X op(A) = B with A triangular ([..., k, k]). B is [..., m, n], or a
 * vector [..., k] when it has one axis fewer than A (as JAX). Leading axes broadcast. A zero on A's diagonal
 * gives ±Inf/NaN entries rather than an error (LAPACK trsm semantics). Differentiable in both A and B.
 */
export function triangularSolve(a: NDArray, b: NDArray, options: TriangularSolveOptions = {}): NDArray {
  const params = {
    leftSide: options.leftSide ?? false,
    lower: options.lower ?? false,
    transposeA: options.transposeA ?? false,
    unitDiagonal: options.unitDiagonal ?? false,
  };
  if (a.ndim < 2) throw new ShapeError(`lax.linalg.triangularSolve: a must be [..., k, k], got [${a.shape}].`);
  const vector = b.ndim === a.ndim - 1;
  let rhs = vector ? reshape(b, params.leftSide ? [...b.shape, 1] : [...b.shape.slice(0, -1), 1, b.shape[b.ndim - 1]!]) : b;
  if (rhs.ndim < 2) throw new ShapeError(`lax.linalg.triangularSolve: b must be [..., m, n] or a vector, got [${b.shape}].`);
  const batch = broadcastShapes("lax.linalg.triangularSolve", a.shape.slice(0, -2), rhs.shape.slice(0, -2));
  const lhs = shapesEqual(a.shape.slice(0, -2), batch) ? a : broadcastTo(a, [...batch, ...a.shape.slice(-2)]);
  if (!shapesEqual(rhs.shape.slice(0, -2), batch)) rhs = broadcastTo(rhs, [...batch, ...rhs.shape.slice(-2)]);
  const x = bind1(triangularSolveP, [lhs, rhs], params);
  if (!vector) return x;
  return reshape(x, params.leftSide ? x.shape.slice(0, -1) : [...x.shape.slice(0, -2), x.shape[x.ndim - 1]!]);
}

/**
 * Lower Cholesky factor L of [..., n, n] with A = L Lᵀ. By default the input is symmetrised ((A + Aᵀ)/2) first,
 * as JAX; with `symmetrizeInput: false` only the lower triangle is read. A batch element that is not positive
 * definite comes back all-NaN (other elements are unaffected); test with `np.isnan(L)`.
 */
export function cholesky(x: NDArray, options: { symmetrizeInput?: boolean } = {}): NDArray {
  const input = (options.symmetrizeInput ?? true) ? symmetrize(x) : x;
  return bind1(choleskyP, [input]);
}

/**
 * Pivoted LU of [..., m, n]: [lu, pivots, permutation] with P A = L U, L unit lower (packed below the diagonal of
 * `lu`), U upper, `pivots` the 0-based row swaps ([..., min(m, n)], int32) and `permutation` ([..., m], int32)
 * the resulting row order: A[permutation] = L U.
 */
export function lu(x: NDArray): [NDArray, NDArray, NDArray] {
  const [factors, pivots, permutation] = bind(luP, [x]);
  return [factors!, pivots!, permutation!];
}

/** QR of [..., m, n]: [q, r]; fullMatrices (JAX's default true) gives Q m×m and R m×n, else Q m×k and R k×n. */
export function qr(x: NDArray, options: { fullMatrices?: boolean } = {}): [NDArray, NDArray] {
  const [q, r] = bind(qrP, [x], { fullMatrices: options.fullMatrices ?? true });
  return [q!, r!];
}

/**
 * Symmetric eigendecomposition of [..., n, n]: [v, w] with eigenvectors as the columns of v and eigenvalues w
 * ascending (JAX's order). Symmetrises the input first by default; otherwise reads only the `lower` (default)
 * or upper triangle. Derivatives of v are NaN/Inf where eigenvalues coincide.
 */
export function eigh(x: NDArray, options: { lower?: boolean; symmetrizeInput?: boolean } = {}): [NDArray, NDArray] {
  const input = (options.symmetrizeInput ?? true) ? symmetrize(x) : x;
  const [v, w] = bind(eighP, [input], { lower: options.lower ?? true });
  return [v!, w!];
}
