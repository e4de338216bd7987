// Family helpers: "elementwise unary", "elementwise binary" and friends declared once, so most
// primitives are a line plus their derivative.
import { ShapedArray } from "../array/aval.js";
import { ConcreteArray, type NDArray } from "../array/ndarray.js";
import { type DType, isFloat, isInteger, typedArrayFor } from "../dtype.js";
import { DTypeError, ShapeError } from "../errors.js";
import { shapesEqual, showShape } from "../shape.js";
import { bind, bind1 } from "../trace/core.js";
import { type BDim, type Params, type Primitive, type TransposeRule, definePrimitive } from "../trace/primitive.js";
import { type Tangent, Zero } from "../trace/values.js";
import { moveaxis, broadcastBatched } from "./structural.js";

export type DTypeClass = "float" | "numeric" | "integer" | "intOrBool" | "any";

export function checkDType(op: string, dtype: DType, cls: DTypeClass): void {
  const ok =
    cls === "any" ||
    (cls === "float" && isFloat(dtype)) ||
    (cls === "numeric" && dtype !== "bool") ||
    (cls === "integer" && isInteger(dtype)) ||
    (cls === "intOrBool" && (isInteger(dtype) || dtype === "bool"));
  if (!ok) {
    const want = { float: "a float dtype (float32/float64)", numeric: "a numeric dtype", integer: "an integer dtype", intOrBool: "an integer or bool dtype", any: "" }[cls];
    throw new DTypeError(`${op}: got dtype ${dtype}, but it needs ${want}; convert with .astype(${cls === "float" ? '"float32"' : '"int32"'}).`);
  }
}

export interface UnarySpec {
  dtypes: DTypeClass;
  /** The scalar function, computed in float64 (or exact integer arithmetic for ints). */
  f: (x: number, dtype: DType) => number;
  outDType?: (d: DType) => DType;
  /** Tangent of the output given input x, output y and a nonzero input tangent t. Omitted: zero derivative. */
  jvp?: (x: NDArray, y: NDArray, t: NDArray) => NDArray;
  /** For linear primitives (neg): the transpose as a function of the cotangent. */
  linearTranspose?: (ct: NDArray) => NDArray;
}

export function unaryPrimitive(name: string, spec: UnarySpec): Primitive {
  const outDType = spec.outDType ?? ((d: DType) => d);
  const prim: Primitive = definePrimitive<Params>({
    name,
    abstractEval([x]) {
      checkDType(name, x!.dtype, spec.dtypes);
      return [new ShapedArray(x!.shape, outDType(x!.dtype), x!.weakType)];
    },
    js([x], _p, [out]) {
      const a = x!.rawData;
      const o = typedArrayFor(out!.dtype, a.length);
      const f = spec.f;
      const d = x!.dtype;
      for (let i = 0; i < a.length; i++) o[i] = f(a[i]!, d);
      return [ConcreteArray.fromData(o, out!.shape, out!.dtype, out!.weakType)];
    },
    jvp(primals, tangents) {
      const y = bind1(prim, primals);
      const t = tangents[0]!;
      if (!spec.jvp || t instanceof Zero) return [[y], [new Zero(y.aval)]];
      return [[y], [spec.jvp(primals[0]!, y, t)]];
    },
    transpose: spec.linearTranspose
      ? ([ct]) => [ct instanceof Zero ? ct : spec.linearTranspose!(ct!)]
      : "nonlinear",
    batch(args, dims) {
      return [[bind1(prim, args)], [dims[0]!]];
    },
  });
  return prim;
}

export interface BinarySpec {
  dtypes: DTypeClass;
  f: (a: number, b: number, dtype: DType) => number;
  outDType?: (d: DType) => DType;
  /** Output tangent from primals x, y, output z and input tangents (at least one nonzero). */
  jvp?: (x: NDArray, y: NDArray, z: NDArray, tx: Tangent, ty: Tangent) => Tangent;
  transpose?: TransposeRule<Params>;
}

export function binaryAbstractEval(name: string, cls: DTypeClass, outDType?: (d: DType) => DType) {
  return ([x, y]: readonly ShapedArray[]): ShapedArray[] => {
    if (!shapesEqual(x!.shape, y!.shape)) {
      throw new ShapeError(`${name}: operand shapes ${showShape(x!.shape)} and ${showShape(y!.shape)} differ; lax-level ops need equal shapes (np.* functions broadcast for you, or use np.broadcastTo).`);
    }
    if (x!.dtype !== y!.dtype) {
      throw new DTypeError(`${name}: operand dtypes ${x!.dtype} and ${y!.dtype} differ; convert one with .astype() (np.* functions promote for you).`);
    }
    checkDType(name, x!.dtype, cls);
    return [new ShapedArray(x!.shape, (outDType ?? ((d) => d))(x!.dtype), x!.weakType && y!.weakType)];
  };
}

/** Batching for n-ary elementwise primitives: batch axes moved to the front, unbatched operands broadcast. */
export function elementwiseBatch(prim: Primitive, args: readonly NDArray[], dims: readonly BDim[], params: Params, axisSize: number): [NDArray[], BDim[]] {
  const first = dims.find((d) => d !== null)!;
  if (dims.every((d) => d === first)) return [bind(prim, args, params), args.map(() => first)];
  const moved = args.map((a, i) => (dims[i] === null ? broadcastBatched(a, axisSize) : moveaxis(a, dims[i]!, 0)));
  const outs = bind(prim, moved, params);
  return [outs, outs.map(() => 0)];
}

export function binaryPrimitive(name: string, spec: BinarySpec): Primitive {
  const prim: Primitive = definePrimitive<Params>({
    name,
    abstractEval: binaryAbstractEval(name, spec.dtypes, spec.outDType),
    js([x, y], _p, [out]) {
      const a = x!.rawData;
      const b = y!.rawData;
      const o = typedArrayFor(out!.dtype, a.length);
      const f = spec.f;
      const d = x!.dtype;
      for (let i = 0; i < a.length; i++) o[i] = f(a[i]!, b[i]!, d);
      return [ConcreteArray.fromData(o, out!.shape, out!.dtype, out!.weakType)];
    },
    jvp(primals, tangents) {
      const z = bind1(prim, primals);
      if (!spec.jvp) return [[z], [new Zero(z.aval)]];
      return [[z], [spec.jvp(primals[0]!, primals[1]!, z, tangents[0]!, tangents[1]!)]];
    },
    transpose: spec.transpose ?? "nonlinear",
    batch(args, dims, params, axisSize) {
      return elementwiseBatch(prim, args, dims, params, axisSize);
    },
  });
  return prim;
}
