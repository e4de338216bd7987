// reduce_prod with a derivative that is exact when entries are zero: each entry's partial is the
// product of all the others, formed as (exclusive product from the left) × (exclusive product from the right).
import { ConcreteArray, type NDArray } from "../array/ndarray.js";
import { typedArrayFor } from "../dtype.js";
import { ShapeError } from "../errors.js";
import { sizeOf, stridesOf } from "../shape.js";
import { bind1 } from "../trace/core.js";
import { type Params, type Primitive, definePrimitive } from "../trace/primitive.js";
import { Zero } from "../trace/values.js";
import { checkDType } from "./families.js";
import * as E from "./elementwise.js";
import * as S from "./structural.js";
import { reduceSum } from "./reductions.js";
import { cumprod } from "./cumulative.js";

export interface ReduceProdParams extends Params { axes: readonly number[] }

/** ∂/∂x_i Π_j x_j = Π_{j≠i} x_j along the last axis, for every i, with no division. */
export function productOfOthers(x: NDArray): NDArray {
  const last = x.ndim - 1;
  const n = x.shape[last]!;
  const ones = E.full([...x.shape.slice(0, -1), 1], 1, x.dtype);
  const left = cumprod(S.concatenate([ones, S.sliceAxis(x, last, 0, n - 1)], last), last);
  const right = cumprod(S.concatenate([S.sliceAxis(x, last, 1, n), ones], last), last, true);
  return E.mul(left, right);
}

export const reduceProdP: Primitive<ReduceProdParams> = definePrimitive<ReduceProdParams>({
  name: "reduce_prod",
  abstractEval([x], { axes }) {
    checkDType("reduce_prod", x!.dtype, "numeric");
    if (axes.some((a) => !Number.isInteger(a) || a < 0 || a >= x!.ndim) || new Set(axes).size !== axes.length) {
      throw new ShapeError(`reduce_prod: axes [${axes}] invalid for operand ${x}; use distinct axes in [0, ${x!.ndim - 1}].`);
    }
    return [x!.withShape(x!.shape.filter((_, i) => !axes.includes(i)))];
  },
  js([x], { axes }, [av]) {
    const out = typedArrayFor(av!.dtype, av!.size);
    const acc = new Float64Array(av!.size).fill(1);
    const isInt = x!.dtype === "int32" || x!.dtype === "uint32";
    const os = stridesOf(av!.shape);
    const outStride = new Array<number>(x!.ndim).fill(0);
    let k = 0;
    for (let d = 0; d < x!.ndim; d++) if (!axes.includes(d)) outStride[d] = os[k++]!;
    const src = x!.rawData;
    const idx = new Array<number>(x!.ndim).fill(0);
    let off = 0;
    for (let i = 0; i < src.length; i++) {
      acc[off] = isInt ? Math.imul(acc[off]!, src[i]!) : acc[off]! * src[i]!;
      for (let d = x!.ndim - 1; d >= 0; d--) {
        off += outStride[d]!;
        if (++idx[d]! < x!.shape[d]!) break;
        off -= outStride[d]! * x!.shape[d]!;
        idx[d] = 0;
      }
    }
    out.set(acc);
    return [ConcreteArray.fromData(out, av!.shape, av!.dtype, av!.weakType)];
  },
  jvp([x], [t], p) {
    const y = bind1(reduceProdP, [x!], p);
    if (t instanceof Zero) return [[y], [new Zero(t.aval.withShape(y.shape))]];
    const keep = x!.shape.map((_, i) => i).filter((i) => !p.axes.includes(i));
    const n = sizeOf(p.axes.map((a) => x!.shape[a]!));
    const flat = (v: NDArray) => S.reshape(S.transpose(v, [...keep, ...p.axes]), [...y.shape, n]);
    if (n === 0) return [[y], [new Zero(t.aval.withShape(y.shape))]];
    return [[y], [reduceSum(E.mul(flat(t!), productOfOthers(flat(x!))), [y.ndim])]];
  },
  transpose: "nonlinear",
  batch([x], [d], { axes }) {
    return [[bind1(reduceProdP, [S.moveaxis(x!, d!, 0)], { axes: axes.map((a) => a + 1) })], [0]];
  },
});

export function reduceProd(x: NDArray, axes: readonly number[]): NDArray {
  if (!axes.length) return x;
  return bind1(reduceProdP, [x], { axes: [...axes].sort((a, b) => a - b) });
}
