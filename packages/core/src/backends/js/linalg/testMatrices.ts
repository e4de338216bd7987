// Seeded random matrices and plain triple-loop references used by the linalg kernel tests.
import type { FloatArray } from "./types.js";

export type FloatKind = "float64" | "float32";

/** mulberry32: a tiny deterministic 32-bit generator, so each fast-check seed maps to fixed matrices. */
export class SeededRandom {
  private state: number;
  private spareNormal: number | undefined;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal via the Box–Muller transform. */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const spare = this.spareNormal;
      this.spareNormal = undefined;
      return spare;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - this.uniform()));
    const angle = 2 * Math.PI * this.uniform();
    this.spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  normals(count: number): Float64Array {
    const values = new Float64Array(count);
    for (let i = 0; i < count; i++) values[i] = this.normal();
    return values;
  }
}

export function allocate(kind: FloatKind, length: number): FloatArray {
  return kind === "float64" ? new Float64Array(length) : new Float32Array(length);
}

/** Copies float64 values into storage of the requested kind (rounding to float32 when asked). */
export function store(kind: FloatKind, values: ArrayLike<number>): FloatArray {
  const stored = allocate(kind, values.length);
  for (let i = 0; i < values.length; i++) stored[i] = values[i];
  return stored;
}

/** Reads a view of one matrix out of a batch as float64. */
export function slice64(data: ArrayLike<number>, start: number, length: number): Float64Array {
  const view = new Float64Array(length);
  for (let i = 0; i < length; i++) view[i] = data[start + i];
  return view;
}

/** Plain triple loop: C = A B with A r×k, B k×c (the oracle the kernels are checked against). */
export function referenceProduct(
  left: ArrayLike<number>,
  right: ArrayLike<number>,
  rows: number,
  inner: number,
  cols: number,
): Float64Array {
  const product = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let sum = 0;
      for (let p = 0; p < inner; p++) sum += left[i * inner + p] * right[p * cols + j];
      product[i * cols + j] = sum;
    }
  }
  return product;
}

export function referenceTranspose(data: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const transposed = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) transposed[j * rows + i] = data[i * cols + j];
  return transposed;
}

export function frobenius(data: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum += data[i] * data[i];
  return Math.sqrt(sum);
}

export function frobeniusDifference(left: ArrayLike<number>, right: ArrayLike<number>): number {
  if (left.length !== right.length) throw new Error(`length mismatch ${left.length} vs ${right.length}`);
  let sum = 0;
  for (let i = 0; i < left.length; i++) sum += (left[i] - right[i]) ** 2;
  return Math.sqrt(sum);
}

export function identity(order: number): Float64Array {
  const eye = new Float64Array(order * order);
  for (let i = 0; i < order; i++) eye[i * order + i] = 1;
  return eye;
}

/** Largest |a - b| over two equally long arrays. */
export function maxAbsDifference(left: ArrayLike<number>, right: ArrayLike<number>): number {
  if (left.length !== right.length) throw new Error(`length mismatch ${left.length} vs ${right.length}`);
  let largest = 0;
  for (let i = 0; i < left.length; i++) largest = Math.max(largest, Math.abs(left[i] - right[i]));
  return largest;
}

/** Relative-residual tolerance the tests allow for each storage type (float64 ≈ 1e-12, float32 ≈ 1e-5). */
export function residualTolerance(kind: FloatKind): number {
  return kind === "float64" ? 1e-12 : 1e-5;
}
