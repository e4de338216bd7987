// Batched Cholesky factorisation A = L Lᵀ: the eager kernel behind the `cholesky` primitive on the js backend.
import { checkDims, checkLength, type FloatArray } from "./types.js";

/**
 * Writes the lower-triangular factor L of each n×n matrix in `a` into `out` (upper triangle zero).
 *
 * Semantics are LAPACK potrf with uplo = "L", which is what JAX's `cholesky_p` primitive computes:
 * only the lower triangle of A (diagonal included) is read, the strict upper triangle is ignored.
 * JAX's `lax.linalg.cholesky(x, symmetrize_input=True)` symmetrises (x + xᵀ)/2 before binding the
 * primitive; that belongs to the caller, not to this kernel.
 *
 * A matrix that is not numerically positive definite (a pivot <= 0 or NaN) gets an all-NaN output,
 * matching JAX on CPU (it masks the whole factor when potrf reports info != 0); other batch elements
 * are unaffected and nothing throws. `out` may alias `a`.
 */
export function cholesky<T extends FloatArray>(a: T, batch: number, n: number, out: T): void {
  checkDims("cholesky", { batch, n });
  checkLength("cholesky", "a", a, batch * n * n, `[${batch}, ${n}, ${n}]`);
  checkLength("cholesky", "out", out, batch * n * n, `[${batch}, ${n}, ${n}]`);
  const size = n * n;
  const factor = new Float64Array(size);
  for (let matrix = 0; matrix < batch; matrix++) {
    const base = matrix * size;
    let positiveDefinite = true;
    // Row-by-row (Cholesky–Banachiewicz): each entry is a dot product of two contiguous row prefixes.
    rows: for (let i = 0; i < n; i++) {
      const rowI = i * n;
      for (let j = 0; j <= i; j++) {
        const rowJ = j * n;
        let sum = a[base + rowI + j];
        for (let k = 0; k < j; k++) sum -= factor[rowI + k] * factor[rowJ + k];
        if (j < i) {
          factor[rowI + j] = sum / factor[rowJ + j];
        } else if (sum > 0) {
          factor[rowI + i] = Math.sqrt(sum);
        } else {
          // Also reached when sum is NaN, as potrf's check `ajj <= 0 || isnan(ajj)` is.
          positiveDefinite = false;
          break rows;
        }
      }
    }
    if (!positiveDefinite) {
      out.fill(Number.NaN, base, base + size);
      continue;
    }
    for (let i = 0; i < n; i++) {
      const rowI = i * n;
      for (let j = 0; j <= i; j++) out[base + rowI + j] = factor[rowI + j];
      for (let j = i + 1; j < n; j++) out[base + rowI + j] = 0;
    }
  }
}
