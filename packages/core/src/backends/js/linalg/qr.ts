// Batched Householder QR factorisation (JAX `lax.linalg.qr` shapes, LAPACK geqrf/orgqr signs) for the js backend.
import { householderInPlace } from "./householder.js";
import { checkDims, checkLength, type FloatArray } from "./types.js";

/**
 * Factors each m×n matrix as A = Q R with k = min(m, n):
 * - fullMatrices: Q is m×m orthogonal, R is m×n upper triangular (zero below the diagonal);
 * - otherwise:    Q is m×k with orthonormal columns, R is k×n.
 *
 * Sign convention: R's diagonal is whatever LAPACK dgeqrf gives and numpy.linalg.qr returns, not forced
 * positive. Reflector j maps column j to beta e_j with beta = -sign(a_jj) * norm(a_j:m,j); when the part
 * below the diagonal is already zero the reflector is the identity and r_jj keeps a_jj (any sign).
 * Q = H_0 H_1 ... H_{k-1}, accumulated backwards as dorgqr does.
 */
export function qr<T extends FloatArray>(
  a: T,
  batch: number,
  m: number,
  n: number,
  fullMatrices: boolean,
  outQ: T,
  outR: T,
): void {
  checkDims("qr", { batch, m, n });
  const steps = Math.min(m, n);
  const qColumns = fullMatrices ? m : steps;
  const rRows = fullMatrices ? m : steps;
  checkLength("qr", "a", a, batch * m * n, `[${batch}, ${m}, ${n}]`);
  checkLength("qr", "outQ", outQ, batch * m * qColumns, `[${batch}, ${m}, ${qColumns}]`);
  checkLength("qr", "outR", outR, batch * rRows * n, `[${batch}, ${rRows}, ${n}]`);

  const size = m * n;
  // `packed` holds R on and above the diagonal and the reflector tails below it, as geqrf stores them.
  const packed = new Float64Array(size);
  const taus = new Float64Array(steps);
  const q = new Float64Array(m * qColumns);
  const columnWeights = new Float64Array(Math.max(n, qColumns));

  for (let matrix = 0; matrix < batch; matrix++) {
    const base = matrix * size;
    for (let idx = 0; idx < size; idx++) packed[idx] = a[base + idx];

    factorInPlace(packed, m, n, taus, columnWeights);
    formQ(packed, m, n, taus, q, qColumns, columnWeights);

    const rBase = matrix * rRows * n;
    for (let i = 0; i < rRows; i++) {
      for (let c = 0; c < n; c++) outR[rBase + i * n + c] = c >= i ? packed[i * n + c] : 0;
    }
    const qBase = matrix * m * qColumns;
    for (let idx = 0; idx < m * qColumns; idx++) outQ[qBase + idx] = q[idx];
  }
}

/** geqr2: reflector j zeroes column j below the diagonal and is applied to the columns right of it. */
function factorInPlace(packed: Float64Array, m: number, n: number, taus: Float64Array, weights: Float64Array): void {
  for (let j = 0; j < taus.length; j++) {
    const tau = householderInPlace(packed, j * n + j, n, m - j);
    taus[j] = tau;
    if (tau !== 0) applyReflector(packed, n, j, j + 1, n, m, tau, weights);
  }
}

/** org2r: Q = H_0 ... H_{k-1} applied to the first qColumns columns of the identity, last reflector first. */
function formQ(
  packed: Float64Array,
  m: number,
  n: number,
  taus: Float64Array,
  q: Float64Array,
  qColumns: number,
  weights: Float64Array,
): void {
  q.fill(0);
  for (let i = 0; i < qColumns; i++) q[i * qColumns + i] = 1;
  for (let j = taus.length - 1; j >= 0; j--) {
    const tau = taus[j];
    // Reflector tails stay where geqr2 left them (in `packed`) and are applied to q from there.
    if (tau !== 0) applyReflectorFrom(packed, n, j, q, qColumns, j, qColumns, m, tau, weights);
  }
}

/**
 * Applies H = I - tau v vᵀ (v = [1, packed[j+1:m, j]]) from the left to columns [cStart, cEnd) of rows j..m-1 of
 * the same packed matrix (row length `rowLength`).
 */
function applyReflector(
  packed: Float64Array,
  rowLength: number,
  j: number,
  cStart: number,
  cEnd: number,
  m: number,
  tau: number,
  weights: Float64Array,
): void {
  applyReflectorFrom(packed, rowLength, j, packed, rowLength, cStart, cEnd, m, tau, weights);
}

/** Same as applyReflector, with the reflector read from column j of `source` and applied to `target`. */
function applyReflectorFrom(
  source: Float64Array,
  sourceRowLength: number,
  j: number,
  target: Float64Array,
  targetRowLength: number,
  cStart: number,
  cEnd: number,
  m: number,
  tau: number,
  weights: Float64Array,
): void {
  // weights = vᵀ target[j:m, cStart:cEnd], accumulated row by row to keep memory access contiguous.
  const rowJ = j * targetRowLength;
  for (let c = cStart; c < cEnd; c++) weights[c] = target[rowJ + c];
  for (let i = j + 1; i < m; i++) {
    const v = source[i * sourceRowLength + j];
    const row = i * targetRowLength;
    for (let c = cStart; c < cEnd; c++) weights[c] += v * target[row + c];
  }
  for (let c = cStart; c < cEnd; c++) {
    weights[c] *= tau;
    target[rowJ + c] -= weights[c];
  }
  for (let i = j + 1; i < m; i++) {
    const v = source[i * sourceRowLength + j];
    const row = i * targetRowLength;
    for (let c = cStart; c < cEnd; c++) target[row + c] -= v * weights[c];
  }
}
