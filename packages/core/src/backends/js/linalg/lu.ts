// Batched LU factorisation with partial pivoting (JAX `lax.linalg.lu` conventions) for the js backend.
import { checkDims, checkLength, type FloatArray } from "./types.js";

/**
 * Factors each m×n matrix as P A = L U and writes, per batch element:
 * - `outLU` (m×n): L's strict lower part (its unit diagonal implicit) and U's upper part, packed as getrf does;
 * - `outPivots` (min(m, n)): 0-based row swaps, row i was exchanged with row pivots[i] at step i;
 * - `outPermutation` (m): the row order those swaps produce, so A[permutation[i], :] = (L U)[i, :].
 *
 * The pivot is the first entry of largest magnitude in the column (idamax). An exactly zero pivot
 * column is handled like LAPACK getrf: no swap, no division (so no Inf/NaN is created), U gets a zero
 * on its diagonal and elimination continues; getrf would report info > 0, JAX returns the factor as
 * is. Solving with such a U then yields Inf/NaN. `outLU` may alias `a`.
 */
export function lu<T extends FloatArray>(
  a: T,
  batch: number,
  m: number,
  n: number,
  outLU: T,
  outPivots: Int32Array,
  outPermutation: Int32Array,
): void {
  checkDims("lu", { batch, m, n });
  const steps = Math.min(m, n);
  checkLength("lu", "a", a, batch * m * n, `[${batch}, ${m}, ${n}]`);
  checkLength("lu", "outLU", outLU, batch * m * n, `[${batch}, ${m}, ${n}]`);
  checkLength("lu", "outPivots", outPivots, batch * steps, `[${batch}, ${steps}]`);
  checkLength("lu", "outPermutation", outPermutation, batch * m, `[${batch}, ${m}]`);
  const size = m * n;
  const factors = new Float64Array(size);
  const permutation = new Int32Array(m);

  for (let matrix = 0; matrix < batch; matrix++) {
    const base = matrix * size;
    for (let idx = 0; idx < size; idx++) factors[idx] = a[base + idx];
    for (let i = 0; i < m; i++) permutation[i] = i;

    // Right-looking elimination: every update touches whole contiguous row segments.
    for (let j = 0; j < steps; j++) {
      let pivotRow = j;
      let pivotMagnitude = Math.abs(factors[j * n + j]);
      for (let i = j + 1; i < m; i++) {
        const magnitude = Math.abs(factors[i * n + j]);
        if (magnitude > pivotMagnitude) {
          pivotMagnitude = magnitude;
          pivotRow = i;
        }
      }
      outPivots[matrix * steps + j] = pivotRow;
      if (pivotRow !== j) {
        const rowJ = j * n;
        const rowP = pivotRow * n;
        for (let c = 0; c < n; c++) {
          const held = factors[rowJ + c];
          factors[rowJ + c] = factors[rowP + c];
          factors[rowP + c] = held;
        }
        const heldIndex = permutation[j];
        permutation[j] = permutation[pivotRow];
        permutation[pivotRow] = heldIndex;
      }
      const pivot = factors[j * n + j];
      if (pivot !== 0) {
        for (let i = j + 1; i < m; i++) factors[i * n + j] /= pivot;
      }
      const rowJ = j * n;
      for (let i = j + 1; i < m; i++) {
        const rowI = i * n;
        const multiplier = factors[rowI + j];
        for (let c = j + 1; c < n; c++) factors[rowI + c] -= multiplier * factors[rowJ + c];
      }
    }

    for (let idx = 0; idx < size; idx++) outLU[base + idx] = factors[idx];
    for (let i = 0; i < m; i++) outPermutation[matrix * m + i] = permutation[i];
  }
}
