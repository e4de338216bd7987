// Turning ArrayLike inputs into NDArrays, and dtype promotion / broadcasting of operands.
import { ConcreteArray, NDArray, type ArrayLike, type NestedNumbers } from "../array/ndarray.js";
import { type DType, type TypedArray, type TypedKind, castScalar, kindOfNumber, promoteKinds, typedArrayFor } from "../dtype.js";
import { DTypeError, ShapeError } from "../errors.js";
import { broadcastShapes } from "../shape.js";
import { convert, broadcastTo } from "../primitives/structural.js";
import { EvalTrace, currentTrace } from "../trace/core.js";

function inferShape(x: NestedNumbers): number[] {
  const shape: number[] = [];
  let cur: NestedNumbers = x;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0] as NestedNumbers;
    if (cur === undefined) break;
  }
  return shape;
}

function isTypedArray(x: unknown): x is TypedArray {
  return x instanceof Float32Array || x instanceof Float64Array || x instanceof Int32Array || x instanceof Uint32Array || x instanceof Uint8Array;
}
function dtypeOfTyped(x: TypedArray): DType {
  return x instanceof Float32Array ? "float32" : x instanceof Float64Array ? "float64" : x instanceof Int32Array ? "int32" : x instanceof Uint32Array ? "uint32" : "bool";
}

/** Builds a concrete array from JS data. Numbers default to float32, booleans to bool (API.md). */
export function array(x: ArrayLike, dtype?: DType): NDArray {
  if (x instanceof NDArray) return dtype && dtype !== x.dtype ? convert(x, dtype) : x;
  if (isTypedArray(x)) {
    const d = dtype ?? dtypeOfTyped(x);
    const data = typedArrayFor(d, x.length);
    if (d === dtypeOfTyped(x)) data.set(x);
    else for (let i = 0; i < x.length; i++) data[i] = castScalar(x[i]!, d);
    return ConcreteArray.fromData(data, [x.length], d);
  }
  const shape = inferShape(x as NestedNumbers);
  const flat: (number | boolean)[] = [];
  const walk = (v: NestedNumbers, depth: number) => {
    if (depth === shape.length) {
      if (Array.isArray(v)) throw new ShapeError(`array: ragged nested array (expected shape [${shape}]).`);
      flat.push(v as number | boolean);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) throw new ShapeError(`array: ragged nested array; every row at depth ${depth} must have length ${shape[depth]}.`);
    for (const e of v) walk(e as NestedNumbers, depth + 1);
  };
  walk(x as NestedNumbers, 0);
  for (const v of flat) {
    if (typeof v !== "number" && typeof v !== "boolean") throw new DTypeError(`array: expected numbers or booleans, got ${typeof v}.`);
  }
  const d: DType = dtype ?? (flat.length > 0 && flat.every((v) => typeof v === "boolean") ? "bool" : "float32");
  const data = typedArrayFor(d, flat.length);
  for (let i = 0; i < flat.length; i++) data[i] = castScalar(Number(flat[i]), d);
  return ConcreteArray.fromData(data, shape, d);
}

export function asarray(x: ArrayLike, dtype?: DType): NDArray {
  return array(x, dtype);
}

export function kindOf(x: ArrayLike): TypedKind {
  if (x instanceof NDArray) return { dtype: x.dtype, weakType: x.weakType };
  if (typeof x === "number") return kindOfNumber(x);
  if (typeof x === "boolean") return { dtype: "bool", weakType: false };
  if (isTypedArray(x)) return { dtype: dtypeOfTyped(x), weakType: false };
  return { dtype: array(x).dtype, weakType: false };
}

/** A JS scalar as a weakly typed array of the given dtype. */
export function weakScalar(x: number | boolean, dtype: DType): NDArray {
  const data = typedArrayFor(dtype, 1);
  data[0] = castScalar(Number(x), dtype);
  return ConcreteArray.fromData(data, [], dtype, true);
}

/** Result kind of combining operands under JAX's promotion rules. */
export function resultKind(xs: readonly ArrayLike[]): TypedKind {
  return xs.map(kindOf).reduce(promoteKinds);
}

/** Converts each operand to `kind` (JS scalars become weak scalars). */
export function toKind(x: ArrayLike, kind: TypedKind): NDArray {
  if (typeof x === "number" || typeof x === "boolean") return weakScalar(x, kind.dtype);
  const a = array(x);
  return a.dtype === kind.dtype && a.weakType === kind.weakType ? a : convert(a, kind.dtype, kind.weakType);
}

/** Promotes and broadcasts operands to a common dtype and shape (NumPy rules). */
export function promoteAndBroadcast(op: string, xs: readonly ArrayLike[], kind?: TypedKind): NDArray[] {
  const k = kind ?? resultKind(xs);
  const arrs = xs.map((x) => toKind(x, k));
  const shape = broadcastShapes(op, ...arrs.map((a) => a.shape));
  const eager = currentTrace() instanceof EvalTrace;
  return arrs.map((a, i) => {
    if (a.shape.length === shape.length && a.shape.every((d, j) => d === shape[j])) return a;
    const b = broadcastTo(a, shape);
    // Temporaries made here (from JS numbers or dtype conversion) are freed at once when eager.
    if (eager && a !== xs[i] && a instanceof ConcreteArray) a.dispose();
    return b;
  });
}
