// Batched symmetric eigendecomposition for the js backend: Householder tridiagonalisation, then implicit
// symmetric QR steps with Wilkinson shifts (Golub & Van Loan, Matrix Computations 4th ed., §8.3.1–8.3.3).
import { householderInPlace } from "./householder.js";
import { checkDims, checkLength, type FloatArray } from "./types.js";

const epsilon = 2 ** -52;
/** dsteqr's deflation floor: smallest normal double, so off-diagonals that reach underflow always deflate. */
const safeMinimum = 2 ** -1022;
/** LAPACK dsteqr allows 30 QR sweeps per eigenvalue before giving up. */
const sweepsPerEigenvalue = 30;

/**
 * For each symmetric n×n matrix A in `a`, writes eigenvalues w in ascending order (numpy / JAX order) to
 * `outValues` ([batch, n]) and the matching orthonormal eigenvectors as the columns of `outVectors`
 * ([batch, n, n]), so A V = V diag(w).
 *
 * Only the lower triangle (lower = true) or the upper triangle (lower = false) of A is read, the
 * semantics of JAX's `eigh_p` primitive; `lax.linalg.eigh(symmetrize_input=True)` symmetrises first,
 * which is the caller's job. Eigenvector signs are not normalised (neither numpy nor JAX fixes them).
 * A matrix with non-finite entries, or whose QR iteration does not converge, gets all-NaN outputs (JAX
 * masks failed batch elements with NaN too). `outVectors` may alias `a`.
 */
export function eigh<T extends FloatArray>(
  a: T,
  batch: number,
  n: number,
  lower: boolean,
  outVectors: T,
  outValues: T,
): void {
  checkDims("eigh", { batch, n });
  checkLength("eigh", "a", a, batch * n * n, `[${batch}, ${n}, ${n}]`);
  checkLength("eigh", "outVectors", outVectors, batch * n * n, `[${batch}, ${n}, ${n}]`);
  checkLength("eigh", "outValues", outValues, batch * n, `[${batch}, ${n}]`);
  const size = n * n;
  const scratch: EighScratch = {
    symmetric: new Float64Array(size),
    orthogonal: new Float64Array(size),
    eigenvectorRows: new Float64Array(size),
    diagonal: new Float64Array(n),
    offDiagonal: new Float64Array(Math.max(n - 1, 0)),
    taus: new Float64Array(n),
    work: new Float64Array(n),
    order: new Int32Array(n),
  };

  for (let matrix = 0; matrix < batch; matrix++) {
    const base = matrix * size;
    const { symmetric, eigenvectorRows, diagonal, order } = scratch;
    let finite = true;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        const value = lower ? a[base + i * n + j] : a[base + j * n + i];
        if (!Number.isFinite(value)) finite = false;
        symmetric[i * n + j] = value;
        symmetric[j * n + i] = value;
      }
    }
    const converged = finite && decompose(scratch, n);
    if (!converged) {
      outVectors.fill(Number.NaN, base, base + size);
      outValues.fill(Number.NaN, matrix * n, matrix * n + n);
      continue;
    }
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((left, right) => diagonal[left] - diagonal[right]);
    for (let c = 0; c < n; c++) {
      const source = order[c];
      outValues[matrix * n + c] = diagonal[source];
      const sourceRow = source * n;
      for (let r = 0; r < n; r++) outVectors[base + r * n + c] = eigenvectorRows[sourceRow + r];
    }
  }
}

interface EighScratch {
  /** Full symmetric copy of A; after reduction row k holds the tail of Householder vector k. */
  symmetric: Float64Array;
  /** Q of A = Q T Qᵀ, built from the reflectors. */
  orthogonal: Float64Array;
  /** Row i is eigenvector i (Vᵀ), so each Givens rotation combines two contiguous rows. */
  eigenvectorRows: Float64Array;
  diagonal: Float64Array;
  /** offDiagonal[i] couples rows i and i + 1 of the tridiagonal matrix. */
  offDiagonal: Float64Array;
  taus: Float64Array;
  work: Float64Array;
  order: Int32Array;
}

/** Leaves eigenvalues (unsorted) in `diagonal` and eigenvectors in the rows of `eigenvectorRows`. */
function decompose(scratch: EighScratch, n: number): boolean {
  tridiagonalize(scratch, n);
  formOrthogonal(scratch, n);
  const { orthogonal, eigenvectorRows } = scratch;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) eigenvectorRows[i * n + j] = orthogonal[j * n + i];
  }
  return diagonalizeTridiagonal(scratch, n);
}

/**
 * Reduces the symmetric matrix to tridiagonal T = Hₙ₋₃ … H₀ A H₀ … Hₙ₋₃. Reflector k zeroes row (and column)
 * k beyond the subdiagonal; the two-sided update is the symmetric rank-2 form A ← A − v wᵀ − w vᵀ with
 * w = p − (tau/2)(vᵀp) v, p = tau A v (Golub & Van Loan §8.3.1).
 */
function tridiagonalize(scratch: EighScratch, n: number): void {
  const { symmetric, diagonal, offDiagonal, taus, work } = scratch;
  for (let k = 0; k + 2 < n; k++) {
    const rowK = k * n;
    const tau = householderInPlace(symmetric, rowK + k + 1, 1, n - k - 1);
    taus[k] = tau;
    diagonal[k] = symmetric[rowK + k];
    offDiagonal[k] = symmetric[rowK + k + 1];
    if (tau === 0) continue;
    const first = k + 1;
    // v[first] = 1 implicitly; v[i] for i > first sits in row k of `symmetric`.
    const vAt = (i: number): number => (i === first ? 1 : symmetric[rowK + i]);
    let vDotP = 0;
    for (let i = first; i < n; i++) {
      const row = i * n;
      let sum = symmetric[row + first];
      for (let j = first + 1; j < n; j++) sum += symmetric[row + j] * symmetric[rowK + j];
      work[i] = tau * sum;
      vDotP += vAt(i) * work[i];
    }
    const correction = 0.5 * tau * vDotP;
    for (let i = first; i < n; i++) work[i] -= correction * vAt(i);
    for (let i = first; i < n; i++) {
      const row = i * n;
      const vI = vAt(i);
      const wI = work[i];
      symmetric[row + first] -= vI * work[first] + wI;
      for (let j = first + 1; j < n; j++) symmetric[row + j] -= vI * work[j] + wI * symmetric[rowK + j];
    }
  }
  if (n >= 2) {
    diagonal[n - 2] = symmetric[(n - 2) * n + n - 2];
    offDiagonal[n - 2] = symmetric[(n - 2) * n + n - 1];
  }
  if (n >= 1) diagonal[n - 1] = symmetric[n * n - 1];
}

/** Q = H₀ H₁ … Hₙ₋₃, accumulated from the last reflector backwards so each one touches a shrinking block. */
function formOrthogonal(scratch: EighScratch, n: number): void {
  const { symmetric, orthogonal, taus, work } = scratch;
  orthogonal.fill(0);
  for (let i = 0; i < n; i++) orthogonal[i * n + i] = 1;
  for (let k = n - 3; k >= 0; k--) {
    const tau = taus[k];
    if (tau === 0) continue;
    const rowK = k * n;
    const first = k + 1;
    const firstRow = first * n;
    for (let c = first; c < n; c++) work[c] = orthogonal[firstRow + c];
    for (let i = first + 1; i < n; i++) {
      const v = symmetric[rowK + i];
      const row = i * n;
      for (let c = first; c < n; c++) work[c] += v * orthogonal[row + c];
    }
    for (let c = first; c < n; c++) {
      work[c] *= tau;
      orthogonal[firstRow + c] -= work[c];
    }
    for (let i = first + 1; i < n; i++) {
      const v = symmetric[rowK + i];
      const row = i * n;
      for (let c = first; c < n; c++) orthogonal[row + c] -= v * work[c];
    }
  }
}

/**
 * Implicit symmetric QR iteration with Wilkinson shifts on (diagonal, offDiagonal), rotating the rows of
 * `eigenvectorRows` along. Deflation uses dsteqr's test e² ≤ eps² |dᵢ| |dᵢ₊₁| + safmin on a copy scaled by
 * a power of two to norm ~1, so the test neither underflows nor overflows and the scaling is exact.
 */
function diagonalizeTridiagonal(scratch: EighScratch, n: number): boolean {
  const { diagonal: d, offDiagonal: e, eigenvectorRows: rows } = scratch;
  let largest = 0;
  for (let i = 0; i < n; i++) largest = Math.max(largest, Math.abs(d[i]));
  for (let i = 0; i + 1 < n; i++) largest = Math.max(largest, Math.abs(e[i]));
  if (largest === 0) return true;
  const exponent = Math.min(1000, Math.max(-1000, Math.floor(Math.log2(largest))));
  const scale = 2 ** -exponent;
  for (let i = 0; i < n; i++) d[i] *= scale;
  for (let i = 0; i + 1 < n; i++) e[i] *= scale;

  const epsilonSquared = epsilon * epsilon;
  const maxSweeps = sweepsPerEigenvalue * n;
  let sweeps = 0;
  let hi = n - 1;
  while (hi > 0) {
    // Find the unreduced block [lo, hi] that ends at hi, zeroing negligible couplings on the way.
    let lo = hi;
    while (lo > 0) {
      const coupling = e[lo - 1];
      if (coupling * coupling <= epsilonSquared * Math.abs(d[lo - 1]) * Math.abs(d[lo]) + safeMinimum) {
        e[lo - 1] = 0;
        break;
      }
      lo--;
    }
    if (lo === hi) {
      hi--;
      continue;
    }
    if (++sweeps > maxSweeps) return false;
    implicitQrStep(d, e, rows, n, lo, hi);
  }
  for (let i = 0; i < n; i++) d[i] /= scale;
  return true;
}

/** One shifted QR sweep on the block [lo, hi], chasing the bulge down with Givens rotations (GVL Alg. 8.3.2). */
function implicitQrStep(
  d: Float64Array,
  e: Float64Array,
  rows: Float64Array,
  n: number,
  lo: number,
  hi: number,
): void {
  // Wilkinson shift: the eigenvalue of the trailing 2×2 block closer to d[hi], in a cancellation-free form.
  const halfGap = (d[hi - 1] - d[hi]) / 2;
  const lastCoupling = e[hi - 1];
  const denominator = halfGap + (halfGap >= 0 ? 1 : -1) * Math.hypot(halfGap, lastCoupling);
  const shift = d[hi] - lastCoupling * (lastCoupling / denominator);

  let x = d[lo] - shift;
  let z = e[lo];
  for (let k = lo; k < hi; k++) {
    // Rotation J = [[c, s], [-s, c]] on indices (k, k+1) with J [x, z]ᵀ = [r, 0]ᵀ.
    const r = Math.hypot(x, z);
    const c = r === 0 ? 1 : x / r;
    const s = r === 0 ? 0 : z / r;
    if (k > lo) e[k - 1] = r;
    const dk = d[k];
    const dNext = d[k + 1];
    const ek = e[k];
    const cs = c * s;
    d[k] = c * c * dk + 2 * cs * ek + s * s * dNext;
    d[k + 1] = s * s * dk - 2 * cs * ek + c * c * dNext;
    e[k] = cs * (dNext - dk) + (c * c - s * s) * ek;
    if (k + 1 < hi) {
      // The rotation spills e[k+1] into a bulge at (k, k+2), which the next rotation removes.
      x = e[k];
      z = s * e[k + 1];
      e[k + 1] *= c;
    }
    const rowK = k * n;
    const rowNext = rowK + n;
    for (let col = 0; col < n; col++) {
      const upper = rows[rowK + col];
      const below = rows[rowNext + col];
      rows[rowK + col] = c * upper + s * below;
      rows[rowNext + col] = c * below - s * upper;
    }
  }
}
