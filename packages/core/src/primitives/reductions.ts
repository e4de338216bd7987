// Reductions: reduce_sum/max/min/and/or, argmax/argmin — with their rules.
import { ShapedArray } from "../array/aval.js";
import { ConcreteArray, type NDArray } from "../array/ndarray.js";
import { type DType, typedArrayFor } from "../dtype.js";
import { DTypeError, ShapeError } from "../errors.js";
import { sizeOf, stridesOf } from "../shape.js";
import { bind1 } from "../trace/core.js";
import { type Params, type Primitive, definePrimitive } from "../trace/primitive.js";
import { UndefinedPrimal, Zero } from "../trace/values.js";
import { checkDType, type DTypeClass } from "./families.js";
import { convert, broadcastInDim, moveaxis } from "./structural.js";
import { div, eq, mul } from "./elementwise.js";

export interface ReduceParams extends Params { axes: readonly number[] }

function reducedShape(op: string, x: ShapedArray, axes: readonly number[]): number[] {
  if (axes.some((a) => a < 0 || a >= x.ndim) || new Set(axes).size !== axes.length) {
    throw new ShapeError(`${op}: axes [${axes}] invalid for operand ${x}; use distinct axes in [0, ${x.ndim - 1}].`);
  }
  return x.shape.filter((_, i) => !axes.includes(i));
}

/** Maps each input linear index to its output linear index (reduced axes dropped). */
function reduceKernel(x: ConcreteArray, axes: readonly number[], out: ShapedArray, init: number, combine: (acc: number, v: number) => number) {
  const o = typedArrayFor(out.dtype, out.size);
  const acc = new Float64Array(out.size).fill(init);
  const src = x.rawData;
  const shape = x.shape;
  const nd = shape.length;
  const os = stridesOf(out.shape);
  const outStride = new Array<number>(nd).fill(0);
  let k = 0;
  for (let d = 0; d < nd; d++) if (!axes.includes(d)) outStride[d] = os[k++]!;
  const idx = new Array<number>(nd).fill(0);
  let off = 0;
  for (let i = 0; i < src.length; i++) {
    acc[off] = combine(acc[off]!, src[i]!);
    for (let d = nd - 1; d >= 0; d--) {
      off += outStride[d]!;
      if (++idx[d]! < shape[d]!) break;
      off -= outStride[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
  o.set(acc);
  return [ConcreteArray.fromData(o, out.shape, out.dtype, out.weakType)];
}

function reducePrimitive(name: string, dtypes: DTypeClass, init: (d: DType) => number, combine: (a: number, b: number) => number, rules: Pick<Primitive<ReduceParams>, "jvp" | "transpose">): Primitive<ReduceParams> {
  const prim: Primitive<ReduceParams> = definePrimitive<ReduceParams>({
    name,
    abstractEval([x], { axes }) {
      checkDType(name, x!.dtype, dtypes);
      return [x!.withShape(reducedShape(name, x!, axes))];
    },
    js([x], { axes }, [out]) { return reduceKernel(x!, axes, out!, init(x!.dtype), combine); },
    ...rules,
    batch([x], [d], { axes }) {
      const xm = moveaxis(x!, d!, 0);
      return [[bind1(prim, [xm], { axes: axes.map((a) => a + 1) })], [0]];
    },
  });
  return prim;
}

export const reduceSumP: Primitive<ReduceParams> = reducePrimitive("reduce_sum", "numeric", () => 0, (a, b) => a + b, {
  jvp([x], [t], p) {
    const y = bind1(reduceSumP, [x!], p);
    return [[y], [t instanceof Zero ? new Zero(t.aval.withShape(y.shape)) : bind1(reduceSumP, [t!], p)]];
  },
  transpose([ct], [x], { axes }) {
    const av = (x as UndefinedPrimal).aval;
    if (ct instanceof Zero) return [new Zero(av)];
    const keep = av.shape.map((_, i) => i).filter((i) => !axes.includes(i));
    return [broadcastInDim(ct!, av.shape, keep)];
  },
});

const minInit = (d: DType) => (d === "float32" || d === "float64" ? Infinity : d === "int32" ? 2147483647 : d === "uint32" ? 4294967295 : 1);
const maxInit = (d: DType) => (d === "float32" || d === "float64" ? -Infinity : d === "int32" ? -2147483648 : 0);
const nanMax = (a: number, b: number) => (a !== a || b !== b ? NaN : a > b ? a : b);
const nanMin = (a: number, b: number) => (a !== a || b !== b ? NaN : a < b ? a : b);

/** max/min reductions: the tangent at the chosen locations, averaged over ties (as JAX). */
function chooserJvp(prim: () => Primitive<ReduceParams>) {
  return ([x]: readonly NDArray[], [t]: readonly (NDArray | Zero)[], p: ReduceParams): [NDArray[], (NDArray | Zero)[]] => {
    const y = bind1(prim(), [x!], p);
    if (t instanceof Zero) return [[y], [new Zero(t.aval.withShape(y.shape))]];
    const keep = x!.shape.map((_, i) => i).filter((i) => !p.axes.includes(i));
    const loc = convert(eq(x!, broadcastInDim(y, x!.shape, keep)), t!.dtype);
    const counts = bind1(reduceSumP, [loc], p);
    return [[y], [div(bind1(reduceSumP, [mul(t!, loc)], p), counts)]];
  };
}
export const reduceMaxP: Primitive<ReduceParams> = reducePrimitive("reduce_max", "any", maxInit, nanMax, { jvp: chooserJvp(() => reduceMaxP), transpose: "nonlinear" });
export const reduceMinP: Primitive<ReduceParams> = reducePrimitive("reduce_min", "any", minInit, nanMin, { jvp: chooserJvp(() => reduceMinP), transpose: "nonlinear" });
const zeroJvp = (prim: () => Primitive<ReduceParams>) => ([x]: readonly NDArray[], _t: unknown, p: ReduceParams): [NDArray[], Zero[]] => {
  const y = bind1(prim(), [x!], p);
  return [[y], [new Zero(y.aval)]];
};
export const reduceAndP: Primitive<ReduceParams> = reducePrimitive("reduce_and", "intOrBool", () => 1, (a, b) => (a && b ? 1 : 0), { jvp: zeroJvp(() => reduceAndP), transpose: "nonlinear" });
export const reduceOrP: Primitive<ReduceParams> = reducePrimitive("reduce_or", "intOrBool", () => 0, (a, b) => (a || b ? 1 : 0), { jvp: zeroJvp(() => reduceOrP), transpose: "nonlinear" });

export function reduceSum(x: NDArray, axes: readonly number[]): NDArray {
  if (!axes.length) return x;
  return bind1(reduceSumP, [x], { axes: [...axes] });
}

// ---------------------------------------------------------------- argmax / argmin
export interface ArgParams extends Params { axis: number; indexDtype: DType }
function argPrimitive(name: string, better: (a: number, b: number) => boolean): Primitive<ArgParams> {
  const prim: Primitive<ArgParams> = definePrimitive<ArgParams>({
    name,
    abstractEval([x], { axis, indexDtype }) {
      if (axis < 0 || axis >= x!.ndim) throw new ShapeError(`${name}: axis ${axis} out of range for ${x}.`);
      if (x!.shape[axis] === 0) throw new ShapeError(`${name}: cannot take ${name} of an empty axis (operand ${x}).`);
      if (indexDtype !== "int32") throw new DTypeError(`${name}: index dtype must be int32.`);
      return [new ShapedArray(x!.shape.filter((_, i) => i !== axis), indexDtype)];
    },
    js([x], { axis }, [out]) {
      const shape = x!.shape;
      const n = shape[axis]!;
      const inner = sizeOf(shape.slice(axis + 1));
      const outer = sizeOf(shape.slice(0, axis));
      const src = x!.rawData;
      const o = typedArrayFor("int32", outer * inner);
      for (let a = 0; a < outer; a++) {
        for (let b = 0; b < inner; b++) {
          let best = 0;
          let bv = src[a * n * inner + b]!;
          if (bv === bv) {
            for (let k = 1; k < n; k++) {
              const v = src[(a * n + k) * inner + b]!;
              if (v !== v) { best = k; break; } // NaN wins, first one (NumPy)
              if (better(v, bv)) { best = k; bv = v; }
            }
          }
          o[a * inner + b] = best;
        }
      }
      return [ConcreteArray.fromData(o, out!.shape, "int32")];
    },
    jvp([x], _t, p) { const y = bind1(prim, [x!], p); return [[y], [new Zero(y.aval)]]; },
    transpose: "nonlinear",
    batch([x], [d], { axis, indexDtype }) {
      return [[bind1(prim, [moveaxis(x!, d!, 0)], { axis: axis + 1, indexDtype })], [0]];
    },
  });
  return prim;
}
export const argmaxP = argPrimitive("argmax", (a, b) => a > b);
export const argminP = argPrimitive("argmin", (a, b) => a < b);
