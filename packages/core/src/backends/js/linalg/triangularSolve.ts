// Batched triangular solve with JAX's `lax.linalg.triangular_solve` semantics, for the js backend.
import { checkDims, checkLength, type FloatArray } from "./types.js";

export interface TriangularSolveOptions {
  /** true: solve op(A) X = B (A is m×m); false: solve X op(A) = B (A is n×n). B and X are m×n. */
  leftSide: boolean;
  /** Which triangle of A holds the matrix; the other triangle is never read. */
  lower: boolean;
  /** op(A) = Aᵀ when true, A otherwise. */
  transposeA: boolean;
  /** Treat the diagonal of A as ones without reading it. */
  unitDiagonal: boolean;
}

/**
 * Solves a batch of triangular systems and writes X into `out` (shape [batch, m, n]).
 * A zero on the diagonal is not an error: the division yields ±Inf/NaN as IEEE arithmetic does,
 * which is also what LAPACK trsm and JAX return. `out` may alias `b`.
 */
export function triangularSolve<T extends FloatArray>(
  a: T,
  b: T,
  batch: number,
  m: number,
  n: number,
  opts: TriangularSolveOptions,
  out: T,
): void {
  checkDims("triangularSolve", { batch, m, n });
  const order = opts.leftSide ? m : n;
  checkLength("triangularSolve", "a", a, batch * order * order, `[${batch}, ${order}, ${order}]`);
  checkLength("triangularSolve", "b", b, batch * m * n, `[${batch}, ${m}, ${n}]`);
  checkLength("triangularSolve", "out", out, batch * m * n, `[${batch}, ${m}, ${n}]`);

  // Both cases reduce to a dense triangular T (zeros off its triangle) in float64:
  //   left:  T = op(A),   T X = B, eliminated with whole-row updates of X;
  //   right: T = op(A)ᵀ,  T xᵣ = bᵣ for every row r of X, with dot products along rows of T.
  // Entry (i, k) of T is A[i][k] when A is not transposed relative to T, else A[k][i].
  const transposedIntoT = opts.leftSide ? opts.transposeA : !opts.transposeA;
  const triangleIsLower = opts.lower !== transposedIntoT;
  const aSize = order * order;
  const bSize = m * n;
  const triangle = new Float64Array(aSize);
  const solution = new Float64Array(bSize);

  for (let matrix = 0; matrix < batch; matrix++) {
    const aBase = matrix * aSize;
    const bBase = matrix * bSize;
    triangle.fill(0);
    for (let i = 0; i < order; i++) {
      const kStart = triangleIsLower ? 0 : i;
      const kEnd = triangleIsLower ? i + 1 : order;
      for (let k = kStart; k < kEnd; k++) {
        triangle[i * order + k] = transposedIntoT ? a[aBase + k * order + i] : a[aBase + i * order + k];
      }
      if (opts.unitDiagonal) triangle[i * order + i] = 1;
    }
    for (let idx = 0; idx < bSize; idx++) solution[idx] = b[bBase + idx];

    if (opts.leftSide) {
      solveLeft(triangle, solution, m, n, triangleIsLower, opts.unitDiagonal);
    } else {
      for (let r = 0; r < m; r++) solveVector(triangle, solution, r * n, n, triangleIsLower, opts.unitDiagonal);
    }
    for (let idx = 0; idx < bSize; idx++) out[bBase + idx] = solution[idx];
  }
}

/** T X = B in place on X (m×n), T m×m triangular; whole rows of X are updated so access stays contiguous. */
function solveLeft(
  triangle: Float64Array,
  x: Float64Array,
  m: number,
  n: number,
  lower: boolean,
  unitDiagonal: boolean,
): void {
  for (let step = 0; step < m; step++) {
    const i = lower ? step : m - 1 - step;
    const rowI = i * n;
    const kStart = lower ? 0 : i + 1;
    const kEnd = lower ? i : m;
    for (let k = kStart; k < kEnd; k++) {
      const coefficient = triangle[i * m + k];
      const rowK = k * n;
      for (let j = 0; j < n; j++) x[rowI + j] -= coefficient * x[rowK + j];
    }
    if (!unitDiagonal) {
      const pivot = triangle[i * m + i];
      for (let j = 0; j < n; j++) x[rowI + j] /= pivot;
    }
  }
}

/** T x = b in place for one vector of length `order` stored at `offset` in `x`. */
function solveVector(
  triangle: Float64Array,
  x: Float64Array,
  offset: number,
  order: number,
  lower: boolean,
  unitDiagonal: boolean,
): void {
  for (let step = 0; step < order; step++) {
    const i = lower ? step : order - 1 - step;
    const rowI = i * order;
    const kStart = lower ? 0 : i + 1;
    const kEnd = lower ? i : order;
    let sum = x[offset + i];
    for (let k = kStart; k < kEnd; k++) sum -= triangle[rowI + k] * x[offset + k];
    x[offset + i] = unitDiagonal ? sum : sum / triangle[rowI + i];
  }
}
