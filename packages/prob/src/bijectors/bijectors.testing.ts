// Test helpers for bijectors: Jacobians by forward-mode autodiff, log|det| by an LU written here (an oracle
// independent of np.linalg), array copies that bypass the bijector cache, and seeded input generators.
import { NDArray, np } from "@fluxion/core";
import { jacfwd } from "@fluxion/transforms";

/** Values of an array as plain numbers (row-major). */
export function numbers(x: NDArray): number[] {
  return Array.from(x.dataSync(), Number);
}

/** A new array with the same contents, so bijector caches (keyed by identity) do not apply. */
export function fresh(x: NDArray): NDArray {
  return np.reshape(np.array(numbers(x), x.dtype), x.shape);
}

/** float64 array from nested numbers. */
export function f64(x: number | readonly unknown[]): NDArray {
  return np.array(x as number[], "float64");
}

/**
 * Jacobian of `f` at `x` as a dense [out.size][in.size] matrix (forward mode). `select` may pick a subset of
 * the flattened outputs (rows) and `columns` a subset of the inputs, e.g. the free entries of a triangle.
 */
export function jacobianMatrix(f: (x: NDArray) => NDArray, x: NDArray, select?: readonly number[], columns?: readonly number[]): number[][] {
  const jac = jacfwd(f)(x) as NDArray;
  const nIn = x.size;
  const nOut = jac.size / nIn;
  const data = numbers(jac);
  const rows = select ?? Array.from({ length: nOut }, (_, i) => i);
  const cols = columns ?? Array.from({ length: nIn }, (_, j) => j);
  return rows.map((r) => cols.map((c) => data[r * nIn + c]!));
}

/** log|det A| by LU with partial pivoting (Golub & Van Loan, Algorithm 3.4.1). */
export function logAbsDet(a: readonly (readonly number[])[]): number {
  const n = a.length;
  const m = a.map((row) => [...row]);
  let logDet = 0;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(m[i]![k]!) > Math.abs(m[p]![k]!)) p = i;
    if (p !== k) [m[k], m[p]] = [m[p]!, m[k]!];
    const pivot = m[k]![k]!;
    if (pivot === 0) return -Infinity;
    logDet += Math.log(Math.abs(pivot));
    for (let i = k + 1; i < n; i++) {
      const factor = m[i]![k]! / pivot;
      for (let j = k + 1; j < n; j++) m[i]![j]! -= factor * m[k]![j]!;
    }
  }
  return logDet;
}

/** 0.5·log det(JᵀJ): the volume element of a map into a higher-dimensional space. */
export function halfLogDetGram(j: readonly (readonly number[])[]): number {
  const n = j[0]!.length;
  const gram = Array.from({ length: n }, (_, a) => Array.from({ length: n }, (_, b) => j.reduce((s, row) => s + row[a]! * row[b]!, 0)));
  return 0.5 * logAbsDet(gram);
}

/** Flat indices (row-major in an n×n matrix) of the lower triangle, diagonal included unless `strict`. */
export function lowerTriangleIndices(n: number, strict = false): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j <= (strict ? i - 1 : i); j++) out.push(i * n + j);
  return out;
}

/** |a - b| <= atol + rtol·|b| elementwise, with a readable failure message. */
export function closeTo(actual: readonly number[], expected: readonly number[], rtol = 1e-10, atol = 1e-12): string | null {
  if (actual.length !== expected.length) return `length ${actual.length} != ${expected.length}`;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const b = expected[i]!;
    if (Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b))) continue;
    if (!(Math.abs(a - b) <= atol + rtol * Math.abs(b))) return `index ${i}: ${a} vs ${b} (|diff| ${Math.abs(a - b)})`;
  }
  return null;
}
