// Element types, their storage, and JAX's type-promotion lattice (with weakly typed JS numbers).

export type DType = "float32" | "float64" | "int32" | "uint32" | "bool";
export const DTYPES: readonly DType[] = ["float32", "float64", "int32", "uint32", "bool"];

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array;

export function typedArrayFor(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case "float32": return new Float32Array(size);
    case "float64": return new Float64Array(size);
    case "int32": return new Int32Array(size);
    case "uint32": return new Uint32Array(size);
    case "bool": return new Uint8Array(size);
  }
}

export function bytesPerElement(dtype: DType): number {
  return dtype === "float64" ? 8 : dtype === "bool" ? 1 : 4;
}

export const isFloat = (d: DType): boolean => d === "float32" || d === "float64";
export const isInteger = (d: DType): boolean => d === "int32" || d === "uint32";

/** Short names used by the IR printer (`f32[3,4]`). */
export const shortDType: Record<DType, string> = {
  float32: "f32", float64: "f64", int32: "i32", uint32: "u32", bool: "bool",
};

export function isDType(x: unknown): x is DType {
  return typeof x === "string" && (DTYPES as readonly string[]).includes(x);
}

/** Category rank on the lattice: bool < integers < float32 < float64. */
function rank(d: DType): number {
  return d === "bool" ? 0 : d === "int32" || d === "uint32" ? 1 : d === "float32" ? 2 : 3;
}

export interface TypedKind {
  dtype: DType;
  weakType: boolean;
}

/**
 * Joins two (dtype, weak) pairs on JAX's promotion lattice, canonicalised to 32-bit
 * integers as JAX does with x64 disabled (int32 ∨ uint32 = int64 -> int32). Weak values
 * never widen a strong operand of their own category or higher.
 * Reference: JAX's jax/_src/dtypes.py `_type_promotion_lattice` and its docs "Type promotion semantics".
 */
export function promoteKinds(a: TypedKind, b: TypedKind): TypedKind {
  if (a.weakType && b.weakType) {
    return rank(a.dtype) >= rank(b.dtype) ? a : b;
  }
  if (a.weakType || b.weakType) {
    const [w, s] = a.weakType ? [a, b] : [b, a];
    if (rank(w.dtype) <= rank(s.dtype) || (rank(w.dtype) === 1 && rank(s.dtype) === 1)) {
      return { dtype: s.dtype, weakType: false };
    }
    // A weak float meeting a bool/int array, or a weak int meeting a bool array: the weak category wins
    // at its default width and stays weak.
    return { dtype: rank(w.dtype) >= 2 ? "float32" : "int32", weakType: true };
  }
  if (a.dtype === b.dtype) return { dtype: a.dtype, weakType: false };
  if (rank(a.dtype) === 1 && rank(b.dtype) === 1) return { dtype: "int32", weakType: false };
  return { dtype: rank(a.dtype) >= rank(b.dtype) ? a.dtype : b.dtype, weakType: false };
}

/** The kind a plain JS number takes when it meets arrays: weak int for integers, weak float otherwise. */
export function kindOfNumber(x: number): TypedKind {
  return { dtype: Number.isInteger(x) ? "int32" : "float32", weakType: true };
}

/** Converts a JS number to the value stored for `dtype` (wrapping for ints, as a cast does). */
export function castScalar(x: number, dtype: DType): number {
  switch (dtype) {
    case "float32": return Math.fround(x);
    case "float64": return x;
    case "int32": return Number.isFinite(x) ? Math.trunc(x) | 0 : 0;
    case "uint32": return Number.isFinite(x) ? Math.trunc(x) >>> 0 : 0;
    case "bool": return x !== 0 && !Number.isNaN(x) ? 1 : 0;
  }
}
