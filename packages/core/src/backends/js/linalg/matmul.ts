// Batched matrix product and last-two-axes transpose for the js backend's linear-algebra kernels.
import { checkDims, checkLength, type FloatArray } from "./types.js";

const kBlock = 64;

/**
 * out[i] = a[i] @ b[i] for i < batch, with a[i] m×k, b[i] k×n, out[i] m×n, all row-major.
 * Sums accumulate in float64 whatever the storage type. `out` must not alias `a` or `b`.
 */
export function matmul<T extends FloatArray>(
  a: T,
  b: T,
  batch: number,
  m: number,
  k: number,
  n: number,
  out: T,
): void {
  checkDims("matmul", { batch, m, k, n });
  checkLength("matmul", "a", a, batch * m * k, `[${batch}, ${m}, ${k}]`);
  checkLength("matmul", "b", b, batch * k * n, `[${batch}, ${k}, ${n}]`);
  checkLength("matmul", "out", out, batch * m * n, `[${batch}, ${m}, ${n}]`);
  const accumulator = new Float64Array(m * n);
  for (let matrix = 0; matrix < batch; matrix++) {
    const aBase = matrix * m * k;
    const bBase = matrix * k * n;
    const outBase = matrix * m * n;
    accumulator.fill(0);
    // i-k-j order streams rows of b; the k blocks keep a slab of b in cache across all rows of a.
    for (let kStart = 0; kStart < k; kStart += kBlock) {
      const kEnd = Math.min(k, kStart + kBlock);
      for (let i = 0; i < m; i++) {
        const aRow = aBase + i * k;
        const accRow = i * n;
        for (let p = kStart; p < kEnd; p++) {
          const aValue = a[aRow + p];
          const bRow = bBase + p * n;
          for (let j = 0; j < n; j++) accumulator[accRow + j] += aValue * b[bRow + j];
        }
      }
    }
    for (let idx = 0; idx < m * n; idx++) out[outBase + idx] = accumulator[idx];
  }
}

/** out[i] = a[i]ᵀ for i < batch, with a[i] m×n and out[i] n×m. `out` must not alias `a`. */
export function transposeLast2<T extends FloatArray>(a: T, batch: number, m: number, n: number, out: T): void {
  checkDims("transposeLast2", { batch, m, n });
  checkLength("transposeLast2", "a", a, batch * m * n, `[${batch}, ${m}, ${n}]`);
  checkLength("transposeLast2", "out", out, batch * m * n, `[${batch}, ${n}, ${m}]`);
  const size = m * n;
  for (let matrix = 0; matrix < batch; matrix++) {
    const base = matrix * size;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) out[base + j * m + i] = a[base + i * n + j];
    }
  }
}
