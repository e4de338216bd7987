// Symbolic markers used by autodiff: Zero tangents (never materialised) and UndefinedPrimal
// placeholders for the linear inputs of a transposed program.
import { ShapedArray } from "../array/aval.js";
import type { NDArray } from "../array/ndarray.js";
import { isFloat } from "../dtype.js";

export class Zero {
  constructor(readonly aval: ShapedArray) {}
  toString(): string { return `Zero(${this.aval})`; }
}
export type Tangent = NDArray | Zero;

export class UndefinedPrimal {
  constructor(readonly aval: ShapedArray) {}
}

/** The aval of tangents for a primal: same shape, same float dtype; non-floats have no tangent space. */
export function tangentAval(aval: ShapedArray): ShapedArray {
  return isFloat(aval.dtype) ? aval : new ShapedArray(aval.shape, "float32", aval.weakType);
}

export function isZero(t: unknown): t is Zero {
  return t instanceof Zero;
}
