// Test helpers for the linalg primitives and np.linalg: seeded float64 matrices, plain-JS matrix references,
// and derivative checks by central finite differences (jvp) plus the transpose identity <vjp(u), v> = <u, jvp(v)>.
import { ConcreteArray, type NDArray } from "../array/ndarray.js";
import { SeededRandom } from "../backends/js/linalg/testMatrices.js";
import { sizeOf } from "../shape.js";
import { jvpFlat } from "../trace/jvp.js";
import { vjpFlat } from "../trace/linearize.js";
import { type Tangent, Zero } from "../trace/values.js";
import * as np from "../numpy/index.js";

export { SeededRandom };

export function fromValues(values: ArrayLike<number>, shape: readonly number[]): NDArray {
  return ConcreteArray.fromData(Float64Array.from(values), shape, "float64");
}
export const values = (x: NDArray): Float64Array => Float64Array.from(x.dataSync());

export function randomNormal(rng: SeededRandom, shape: readonly number[]): NDArray {
  return fromValues(rng.normals(sizeOf(shape)), shape);
}

/** Random matrices plus `shift`·I on the diagonal (well conditioned for shift ≈ n). */
export function shiftedRandom(rng: SeededRandom, shape: readonly number[], shift: number): NDArray {
  const data = rng.normals(sizeOf(shape));
  const n = shape[shape.length - 1]!;
  const m = shape[shape.length - 2]!;
  for (let base = 0; base < data.length; base += m * n) for (let i = 0; i < Math.min(m, n); i++) data[base + i * n + i] += shift;
  return fromValues(data, shape);
}

/** Symmetric positive definite batch: B Bᵀ / n + I. */
export function randomSpd(rng: SeededRandom, shape: readonly number[]): NDArray {
  const n = shape[shape.length - 1]!;
  const b = rng.normals(sizeOf(shape));
  const out = new Float64Array(b.length);
  for (let base = 0; base < b.length; base += n * n) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let sum = i === j ? 1 : 0;
        for (let k = 0; k < n; k++) sum += (b[base + i * n + k]! * b[base + j * n + k]!) / n;
        out[base + i * n + j] = sum;
      }
    }
  }
  return fromValues(out, shape);
}

/** Symmetric matrices Q diag(w) Qᵀ with eigenvalues w spaced by at least `gap` (so eigenvectors are smooth). */
export function symmetricWithGap(rng: SeededRandom, batch: number, n: number, gap: number): NDArray {
  const out = new Float64Array(batch * n * n);
  for (let b = 0; b < batch; b++) {
    const q = orthogonal(rng, n);
    const w = Array.from({ length: n }, (_, i) => (i - n / 2) * gap + 0.3 * gap * rng.uniform());
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let k = 0; k < n; k++) sum += q[i * n + k]! * w[k]! * q[j * n + k]!;
        out[b * n * n + i * n + j] = sum;
      }
    }
  }
  return fromValues(out, [batch, n, n]);
}

/** A random orthogonal matrix by Gram–Schmidt on normal columns. */
export function orthogonal(rng: SeededRandom, n: number): Float64Array {
  const q = rng.normals(n * n);
  for (let j = 0; j < n; j++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += q[i * n + j]! * q[i * n + k]!;
        for (let i = 0; i < n; i++) q[i * n + j]! -= dot * q[i * n + k]!;
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += q[i * n + j]! ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) q[i * n + j]! /= norm;
  }
  return q;
}

/** Plain batched product over flat row-major data: [batch, m, k] @ [batch, k, n]. */
export function referenceMatmul(a: ArrayLike<number>, b: ArrayLike<number>, batch: number, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) sum += a[t * m * k + i * k + p]! * b[t * k * n + p * n + j]!;
        out[t * m * n + i * n + j] = sum;
      }
    }
  }
  return out;
}
export function referenceTransposeBatch(a: ArrayLike<number>, batch: number, m: number, n: number): Float64Array {
  const out = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++) for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[t * m * n + j * m + i] = a[t * m * n + i * n + j]!;
  return out;
}
export function norm2(a: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! ** 2;
  return Math.sqrt(sum);
}
export function diffNorm(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(sum);
}
/** Determinant by Laplace expansion along the first row: an oracle independent of LU (n ≤ 6). */
export function laplaceDet(a: readonly number[], n: number): number {
  if (n === 0) return 1;
  if (n === 1) return a[0]!;
  let total = 0;
  for (let col = 0; col < n; col++) {
    const minor: number[] = [];
    for (let i = 1; i < n; i++) for (let j = 0; j < n; j++) if (j !== col) minor.push(a[i * n + j]!);
    total += (col % 2 ? -1 : 1) * a[col]! * laplaceDet(minor, n - 1);
  }
  return total;
}

/**
 * Eigenvector columns with a fixed sign convention: each column is flipped so that its dot product with a fixed
 * generic vector is positive. The solver's signs are arbitrary and may jump under tiny perturbations (as LAPACK's
 * do), which would make finite differences of raw eigenvectors meaningless; the flip has zero derivative.
 */
export function fixEigenvectorSigns(v: NDArray): NDArray {
  const n = v.shape[v.ndim - 2]!;
  const reference = fromValues(Array.from({ length: n }, (_, i) => 1 + 0.618 * i + 0.1 * i * i), [n, 1]);
  const projections = np.sum(np.multiply(v, reference), -2, true);
  return np.multiply(v, np.sign(projections));
}

// ---------------------------------------------------------------- derivative checks
type Fn = (...xs: NDArray[]) => NDArray[];
const isFloatArray = (x: NDArray): boolean => x.dtype === "float64" || x.dtype === "float32";
const tangentValues = (t: Tangent, size: number): Float64Array => (t instanceof Zero ? new Float64Array(size) : values(t));
const inner = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
};

export interface DerivativeReport {
  /** max over outputs of ‖jvp − fd‖ / max(‖fd‖, 1e-3·scale). */
  jvpError: number;
  /** |<vjp(u), v> − <u, jvp(v)>| / (‖u‖‖jvp(v)‖), the Cauchy–Schwarz scale of the two sides. */
  transposeError: number;
}

/**
 * Compares the jvp of `fn` in a random direction with central differences of step `eps` (float64), and checks
 * that the vjp is the transpose of the jvp. Non-float outputs (pivots, permutations) are skipped.
 */
export function checkDerivatives(fn: Fn, primals: readonly NDArray[], rng: SeededRandom, eps = 1e-6): DerivativeReport {
  const directions = primals.map((p) => randomNormal(rng, p.shape));
  const [outs, tangents] = jvpFlat(fn, primals, directions);
  const plus = fn(...primals.map((p, i) => fromValues(values(p).map((v, k) => v + eps * values(directions[i]!)[k]!), p.shape)));
  const minus = fn(...primals.map((p, i) => fromValues(values(p).map((v, k) => v - eps * values(directions[i]!)[k]!), p.shape)));
  let jvpError = 0;
  outs.forEach((o, i) => {
    if (!isFloatArray(o)) return;
    const fd = values(plus[i]!).map((v, k) => (v - values(minus[i]!)[k]!) / (2 * eps));
    const jv = tangentValues(tangents[i]!, o.size);
    const scale = Math.max(norm2(fd), 1e-3 * Math.max(norm2(values(o)), 1));
    jvpError = Math.max(jvpError, diffNorm(jv, fd) / scale);
  });
  const [, vjpFn] = vjpFlat(fn, primals);
  const cotangents: Tangent[] = outs.map((o) => (isFloatArray(o) ? randomNormal(rng, o.shape) : new Zero(o.aval)));
  const pulled = vjpFn(cotangents);
  let left = 0;
  primals.forEach((p, i) => (left += inner(tangentValues(pulled[i]!, p.size), values(directions[i]!))));
  let right = 0;
  let magnitude = 0;
  outs.forEach((o, i) => {
    if (!isFloatArray(o)) return;
    const u = values(cotangents[i] as NDArray);
    const jv = tangentValues(tangents[i]!, o.size);
    right += inner(u, jv);
    magnitude += norm2(u) * norm2(jv);
  });
  const transposeError = Math.abs(left - right) / Math.max(magnitude, 1e-300);
  return { jvpError, transposeError };
}
