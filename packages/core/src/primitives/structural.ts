// Structural primitives: broadcast_in_dim, reshape, transpose, convert_element_type, select_n,
// iota, slice, pad, concatenate, rev — each with all of its rules.
import { ShapedArray } from "../array/aval.js";
import { ConcreteArray, type NDArray } from "../array/ndarray.js";
import { stridedCopy } from "../backends/js/strided.js";
import { type DType, castScalar, isFloat, typedArrayFor } from "../dtype.js";
import { DTypeError, ShapeError } from "../errors.js";
import { type Shape, showShape, sizeOf, stridesOf, shapesEqual } from "../shape.js";
import { bind1 } from "../trace/core.js";
import { type BDim, type Params, type Primitive, definePrimitive } from "../trace/primitive.js";
import { type Tangent, UndefinedPrimal, Zero } from "../trace/values.js";
import { elementwiseBatch } from "./families.js";
import { add, sub, zerosFor } from "./elementwise.js";
import { reduceSum } from "./reductions.js";

const out1 = (data: ReturnType<typeof typedArrayFor>, av: ShapedArray) => [ConcreteArray.fromData(data, av.shape, av.dtype, av.weakType)];

// ---------------------------------------------------------------- broadcast_in_dim
interface BroadcastParams extends Params { shape: readonly number[]; broadcastDimensions: readonly number[] }
export const broadcastInDimP: Primitive<BroadcastParams> = definePrimitive<BroadcastParams>({
  name: "broadcast_in_dim",
  abstractEval([x], { shape, broadcastDimensions: bd }) {
    const ok = bd.length === x!.ndim && bd.every((d, i) => d >= 0 && d < shape.length && (i === 0 || d > bd[i - 1]!) && (x!.shape[i] === 1 || x!.shape[i] === shape[d]));
    if (!ok) throw new ShapeError(`broadcast_in_dim: cannot broadcast operand ${showShape(x!.shape)} to ${showShape(shape)} with broadcastDimensions [${bd}]; each operand axis must map (in increasing order) to an output axis of equal size or have size 1.`);
    return [x!.withShape(shape)];
  },
  js([x], { shape, broadcastDimensions: bd }, [av]) {
    const xs = stridesOf(x!.shape);
    const strides = shape.map(() => 0);
    bd.forEach((d, i) => { if (x!.shape[i] !== 1) strides[d] = xs[i]!; });
    const o = typedArrayFor(av!.dtype, sizeOf(shape));
    stridedCopy(x!.rawData, 0, strides, shape, o);
    return out1(o, av!);
  },
  jvp([x], [t], p) { return [[bind1(broadcastInDimP, [x!], p)], [t instanceof Zero ? new Zero(new ShapedArray(p.shape, t.aval.dtype, t.aval.weakType)) : bind1(broadcastInDimP, [t!], p)]]; },
  transpose([ct], [x], { shape, broadcastDimensions: bd }) {
    if (ct instanceof Zero) return [ct];
    const inShape = (x as UndefinedPrimal).aval.shape;
    const sumAxes = shape.map((_, i) => i).filter((i) => !bd.includes(i));
    const keepOnes = bd.filter((d, i) => inShape[i] === 1 && shape[d] !== 1);
    let r = ct!;
    const all = [...sumAxes, ...keepOnes].sort((a, b) => a - b);
    if (all.length) r = reduceSum(r, all);
    return [reshape(r, inShape)];
  },
  batch([x], [d], { shape, broadcastDimensions: bd }, axisSize) {
    const xm = moveaxis(x!, d!, 0);
    return [[bind1(broadcastInDimP, [xm], { shape: [axisSize, ...shape], broadcastDimensions: [0, ...bd.map((b) => b + 1)] })], [0]];
  },
});
export function broadcastInDim(x: NDArray, shape: Shape, broadcastDimensions: readonly number[]): NDArray {
  if (shapesEqual(x.shape, shape) && broadcastDimensions.every((d, i) => d === i)) return x;
  return bind1(broadcastInDimP, [x], { shape: [...shape], broadcastDimensions: [...broadcastDimensions] });
}
/** Broadcast to `shape` aligning trailing axes (NumPy rules; x must have rank ≤ shape). */
export function broadcastTo(x: NDArray, shape: Shape): NDArray {
  const off = shape.length - x.ndim;
  return broadcastInDim(x, shape, x.shape.map((_, i) => i + off));
}
/** An unbatched value given a leading batch axis of size `axisSize`. */
export function broadcastBatched(x: NDArray, axisSize: number): NDArray {
  return broadcastInDim(x, [axisSize, ...x.shape], x.shape.map((_, i) => i + 1));
}

// ---------------------------------------------------------------- reshape
interface ReshapeParams extends Params { newSizes: readonly number[] }
export const reshapeP: Primitive<ReshapeParams> = definePrimitive<ReshapeParams>({
  name: "reshape",
  abstractEval([x], { newSizes }) {
    if (sizeOf(newSizes) !== x!.size) throw new ShapeError(`reshape: cannot reshape ${x!} (size ${x!.size}) to ${showShape(newSizes)} (size ${sizeOf(newSizes)}); the total size must stay the same.`);
    return [x!.withShape(newSizes)];
  },
  js([x], _p, [av]) { return [x!.share(av!)]; },
  jvp([x], [t], p) { return [[bind1(reshapeP, [x!], p)], [t instanceof Zero ? new Zero(t.aval.withShape(p.newSizes)) : bind1(reshapeP, [t!], p)]]; },
  transpose([ct], [x]) { return [ct instanceof Zero ? new Zero((x as UndefinedPrimal).aval) : reshape(ct!, (x as UndefinedPrimal).aval.shape)]; },
  batch([x], [d], { newSizes }, axisSize) {
    return [[reshape(moveaxis(x!, d!, 0), [axisSize, ...newSizes])], [0]];
  },
});
export function reshape(x: NDArray, shape: Shape): NDArray {
  if (shapesEqual(x.shape, shape)) return x;
  return bind1(reshapeP, [x], { newSizes: [...shape] });
}

// ---------------------------------------------------------------- transpose
interface TransposeParams extends Params { permutation: readonly number[] }
export const transposeP: Primitive<TransposeParams> = definePrimitive<TransposeParams>({
  name: "transpose",
  abstractEval([x], { permutation: perm }) {
    const ok = perm.length === x!.ndim && [...perm].sort((a, b) => a - b).every((p, i) => p === i);
    if (!ok) throw new ShapeError(`transpose: permutation [${perm}] is not a permutation of the axes of ${x}.`);
    return [x!.withShape(perm.map((p) => x!.shape[p]!))];
  },
  js([x], { permutation: perm }, [av]) {
    const xs = stridesOf(x!.shape);
    const o = typedArrayFor(av!.dtype, x!.size);
    stridedCopy(x!.rawData, 0, perm.map((p) => xs[p]!), av!.shape, o);
    return out1(o, av!);
  },
  jvp([x], [t], p) { return [[bind1(transposeP, [x!], p)], [t instanceof Zero ? new Zero(t.aval.withShape(p.permutation.map((i) => t.aval.shape[i]!))) : bind1(transposeP, [t!], p)]]; },
  transpose([ct], _x, { permutation: perm }) {
    if (ct instanceof Zero) return [new Zero(ct.aval.withShape(invertPerm(perm).map((i) => ct.aval.shape[i]!)))];
    return [transpose(ct!, invertPerm(perm))];
  },
  batch([x], [d], { permutation: perm }) {
    return [[transpose(moveaxis(x!, d!, 0), [0, ...perm.map((p) => p + 1)])], [0]];
  },
});
export function invertPerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}
export function transpose(x: NDArray, perm: readonly number[]): NDArray {
  if (perm.every((p, i) => p === i)) return x;
  return bind1(transposeP, [x], { permutation: [...perm] });
}
export function moveaxis(x: NDArray, from: number, to: number): NDArray {
  if (from === to) return x;
  const axes = [...Array(x.ndim).keys()].filter((a) => a !== from);
  axes.splice(to, 0, from);
  return transpose(x, axes);
}

// ---------------------------------------------------------------- convert_element_type
interface ConvertParams extends Params { newDtype: DType; weakType: boolean }
export const convertElementTypeP: Primitive<ConvertParams> = definePrimitive<ConvertParams>({
  name: "convert_element_type",
  abstractEval([x], { newDtype, weakType }) { return [new ShapedArray(x!.shape, newDtype, weakType)]; },
  js([x], { newDtype }, [av]) {
    const a = x!.rawData;
    const o = typedArrayFor(newDtype, a.length);
    if ((newDtype === "int32" || newDtype === "uint32") && isFloat(x!.dtype)) {
      // Float to int saturates, NaN -> 0 (XLA's and WASM's trunc_sat semantics).
      const lo = newDtype === "int32" ? -2147483648 : 0;
      const hi = newDtype === "int32" ? 2147483647 : 4294967295;
      for (let i = 0; i < a.length; i++) {
        const v = a[i]!;
        o[i] = v !== v ? 0 : v <= lo ? lo : v >= hi ? hi : Math.trunc(v);
      }
    } else if (newDtype === "int32" || newDtype === "uint32" || newDtype === "bool") for (let i = 0; i < a.length; i++) o[i] = castScalar(a[i]!, newDtype);
    else o.set(a);
    return out1(o, av!);
  },
  jvp([x], [t], p) {
    const y = bind1(convertElementTypeP, [x!], p);
    if (t instanceof Zero || !isFloat(x!.dtype) || !isFloat(p.newDtype)) return [[y], [new Zero(y.aval)]];
    return [[y], [bind1(convertElementTypeP, [t!], p)]];
  },
  transpose([ct], [x]) {
    const av = (x as UndefinedPrimal).aval;
    if (ct instanceof Zero) return [new Zero(av)];
    return [convert(ct!, av.dtype, av.weakType)];
  },
  batch([x], [d], p) { return [[bind1(convertElementTypeP, [x!], p)], [d!]]; },
});
export function convert(x: NDArray, dtype: DType, weakType = false): NDArray {
  if (x.dtype === dtype && x.weakType === weakType) return x;
  return bind1(convertElementTypeP, [x], { newDtype: dtype, weakType });
}

// ---------------------------------------------------------------- bitcast_convert_type
interface BitcastParams extends Params { newDtype: DType }
export const bitcastConvertTypeP: Primitive<BitcastParams> = definePrimitive<BitcastParams>({
  name: "bitcast_convert_type",
  abstractEval([x], { newDtype }) {
    const w = (d: DType) => (d === "float64" ? 8 : d === "bool" ? 1 : 4);
    if (w(x!.dtype) !== w(newDtype)) throw new DTypeError(`bitcast_convert_type: cannot bitcast ${x!.dtype} to ${newDtype}: widths differ (only same-width bitcasts are supported).`);
    return [new ShapedArray(x!.shape, newDtype)];
  },
  js([x], { newDtype }, [av]) {
    const src = x!.rawData;
    const o = typedArrayFor(newDtype, src.length);
    new Uint8Array(o.buffer).set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
    return out1(o, av!);
  },
  jvp([x], _t, p) { const y = bind1(bitcastConvertTypeP, [x!], p); return [[y], [new Zero(y.aval)]]; },
  transpose: "nonlinear",
  batch([x], [d], p) { return [[bind1(bitcastConvertTypeP, [x!], p)], [d!]]; },
});

// ---------------------------------------------------------------- select_n
export const selectNP: Primitive = definePrimitive<Params>({
  name: "select_n",
  abstractEval([pred, ...cases]) {
    if (cases.length < 1) throw new ShapeError("select_n: needs at least one case.");
    const c0 = cases[0]!;
    for (const c of cases) {
      if (!shapesEqual(c.shape, c0.shape) || c.dtype !== c0.dtype) throw new ShapeError(`select_n: cases must share shape and dtype, got ${cases.join(", ")}.`);
    }
    if (!shapesEqual(pred!.shape, c0.shape)) throw new ShapeError(`select_n: predicate shape ${showShape(pred!.shape)} differs from case shape ${showShape(c0.shape)}; broadcast the predicate first (np.where does).`);
    if (pred!.dtype !== "bool" && pred!.dtype !== "int32") throw new DTypeError(`select_n: predicate must be bool or int32, got ${pred!.dtype}.`);
    if (pred!.dtype === "bool" && cases.length > 2) throw new DTypeError("select_n: a bool predicate selects between exactly two cases.");
    return [new ShapedArray(c0.shape, c0.dtype, cases.every((c) => c.weakType))];
  },
  js([pred, ...cases], _p, [av]) {
    const p = pred!.rawData;
    const cs = cases.map((c) => c.rawData);
    const o = typedArrayFor(av!.dtype, p.length);
    for (let i = 0; i < p.length; i++) o[i] = cs[p[i]!]![i]!;
    return out1(o, av!);
  },
  jvp([pred, ...cases], [, ...ts]) {
    const y = bind1(selectNP, [pred!, ...cases]);
    if (ts.every((t): boolean => t instanceof Zero)) return [[y], [new Zero(y.aval)]];
    const tt = ts.map((t) => (t instanceof Zero ? zerosFor(t.aval) : t!));
    return [[y], [bind1(selectNP, [pred!, ...tt])]];
  },
  transpose([ct], [pred, ...cases]) {
    const p = pred as NDArray;
    return [null, ...cases.map((c, i) => {
      if (!(c instanceof UndefinedPrimal)) return null;
      if (ct instanceof Zero) return new Zero(c.aval);
      const z = zerosFor(c.aval);
      const branches = cases.map((_, j) => (j === i ? ct! : z));
      return bind1(selectNP, [p, ...branches]);
    })];
  },
  batch(args, dims, params, axisSize) { return elementwiseBatch(selectNP, args, dims, params, axisSize); },
});
export function selectN(pred: NDArray, ...cases: NDArray[]): NDArray {
  return bind1(selectNP, [pred, ...cases]);
}

// ---------------------------------------------------------------- iota
interface IotaParams extends Params { dtype: DType; shape: readonly number[]; dimension: number }
export const iotaP: Primitive<IotaParams> = definePrimitive<IotaParams>({
  name: "iota",
  abstractEval(_a, { dtype, shape, dimension }) {
    if (dimension < 0 || dimension >= shape.length) throw new ShapeError(`iota: dimension ${dimension} out of range for shape ${showShape(shape)}.`);
    return [new ShapedArray(shape, dtype)];
  },
  js(_a, { shape, dimension }, [av]) {
    const o = typedArrayFor(av!.dtype, sizeOf(shape));
    const st = stridesOf(shape)[dimension]!;
    const n = shape[dimension]!;
    for (let i = 0; i < o.length; i++) o[i] = Math.floor(i / st) % n;
    return out1(o, av!);
  },
  jvp(_p, _t, p) { const y = bind1(iotaP, [], p); return [[y], [new Zero(y.aval)]]; },
  transpose: "nonlinear",
  batch() { throw new Error("iota has no operands to batch"); },
});
export function iota(dtype: DType, shape: Shape, dimension = 0): NDArray {
  return bind1(iotaP, [], { dtype, shape: [...shape], dimension });
}

// ---------------------------------------------------------------- slice
interface SliceParams extends Params { startIndices: readonly number[]; limitIndices: readonly number[]; strides: readonly number[] | null }
function sliceShape(x: ShapedArray, { startIndices: s, limitIndices: l, strides: st }: SliceParams): number[] {
  const ok = s.length === x.ndim && l.length === x.ndim && s.every((si, i) => si >= 0 && si <= l[i]! && l[i]! <= x.shape[i]!) && (!st || st.every((v) => v >= 1));
  if (!ok) throw new ShapeError(`slice: start [${s}], limit [${l}], strides [${st ?? ""}] do not fit operand ${x}; need 0 <= start <= limit <= size and strides >= 1.`);
  return s.map((si, i) => Math.max(0, Math.ceil((l[i]! - si) / (st ? st[i]! : 1))));
}
export const sliceP: Primitive<SliceParams> = definePrimitive<SliceParams>({
  name: "slice",
  abstractEval([x], p) { return [x!.withShape(sliceShape(x!, p))]; },
  js([x], { startIndices: s, strides: st }, [av]) {
    const xs = stridesOf(x!.shape);
    const base = s.reduce((acc, si, i) => acc + si * xs[i]!, 0);
    const o = typedArrayFor(av!.dtype, av!.size);
    stridedCopy(x!.rawData, base, xs.map((v, i) => v * (st ? st[i]! : 1)), av!.shape, o);
    return out1(o, av!);
  },
  jvp([x], [t], p) {
    const y = bind1(sliceP, [x!], p);
    return [[y], [t instanceof Zero ? new Zero(t.aval.withShape(y.shape)) : bind1(sliceP, [t!], p)]];
  },
  transpose([ct], [x], { startIndices: s, strides: st }) {
    const av = (x as UndefinedPrimal).aval;
    if (ct instanceof Zero) return [new Zero(av)];
    const c = ct!;
    const lo = s;
    const hi = av.shape.map((n, i) => n - (s[i]! + (c.shape[i]! === 0 ? 0 : (c.shape[i]! - 1) * (st ? st[i]! : 1) + 1)));
    const interior = av.shape.map((_, i) => (st ? st[i]! - 1 : 0));
    return [pad(c, zerosFor(new ShapedArray([], c.dtype)), lo, hi, interior)];
  },
  batch([x], [d], { startIndices: s, limitIndices: l, strides: st }, axisSize) {
    const xm = moveaxis(x!, d!, 0);
    return [[bind1(sliceP, [xm], { startIndices: [0, ...s], limitIndices: [axisSize, ...l], strides: st ? [1, ...st] : null })], [0]];
  },
});
export function slice(x: NDArray, start: readonly number[], limit: readonly number[], strides: readonly number[] | null = null): NDArray {
  if (start.every((v) => v === 0) && limit.every((v, i) => v === x.shape[i]) && (!strides || strides.every((v) => v === 1))) return x;
  return bind1(sliceP, [x], { startIndices: [...start], limitIndices: [...limit], strides: strides ? [...strides] : null });
}
/** Slice along one axis. */
export function sliceAxis(x: NDArray, axis: number, start: number, limit: number, stride = 1): NDArray {
  const s = x.shape.map(() => 0);
  const l = [...x.shape];
  const st = x.shape.map(() => 1);
  s[axis] = start;
  l[axis] = limit;
  st[axis] = stride;
  return slice(x, s, l, stride === 1 ? null : st);
}

// ---------------------------------------------------------------- pad
interface PadParams extends Params { lo: readonly number[]; hi: readonly number[]; interior: readonly number[] }
export const padP: Primitive<PadParams> = definePrimitive<PadParams>({
  name: "pad",
  abstractEval([x, v], { lo, hi, interior }) {
    if (v!.ndim !== 0 || v!.dtype !== x!.dtype) throw new ShapeError(`pad: padding value must be a scalar of dtype ${x!.dtype}, got ${v}.`);
    if (lo.length !== x!.ndim || hi.length !== x!.ndim || interior.length !== x!.ndim || interior.some((i) => i < 0)) throw new ShapeError(`pad: lo/hi/interior must have one entry per axis of ${x} (interior >= 0).`);
    const shape = x!.shape.map((n, i) => lo[i]! + hi[i]! + n + Math.max(0, n - 1) * interior[i]!);
    if (shape.some((n) => n < 0)) throw new ShapeError(`pad: negative output size ${showShape(shape)} for ${x}.`);
    return [x!.withShape(shape)];
  },
  js([x, v], { lo, interior }, [av]) {
    const o = typedArrayFor(av!.dtype, av!.size);
    o.fill(v!.rawData[0]!);
    const src = x!.rawData;
    const xShape = x!.shape;
    const os = stridesOf(av!.shape);
    const nd = xShape.length;
    const idx = new Array<number>(nd).fill(0);
    for (let k = 0; k < src.length; k++) {
      let off = 0;
      let inside = true;
      for (let d = 0; d < nd; d++) {
        const p = lo[d]! + idx[d]! * (interior[d]! + 1);
        if (p < 0 || p >= av!.shape[d]!) { inside = false; break; }
        off += p * os[d]!;
      }
      if (inside) o[off] = src[k]!;
      for (let d = nd - 1; d >= 0; d--) { if (++idx[d]! < xShape[d]!) break; idx[d] = 0; }
    }
    return out1(o, av!);
  },
  jvp([x, v], [tx, tv], p) {
    const y = bind1(padP, [x!, v!], p);
    if (tx instanceof Zero && tv instanceof Zero) return [[y], [new Zero(y.aval)]];
    const a = tx instanceof Zero ? zerosFor(tx.aval) : tx!;
    const b = tv instanceof Zero ? zerosFor(tv.aval) : tv!;
    return [[y], [bind1(padP, [a, b], p)]];
  },
  transpose([ct], [x, v], { lo, hi, interior }) {
    if (ct instanceof Zero) return [x instanceof UndefinedPrimal ? new Zero(x.aval) : null, v instanceof UndefinedPrimal ? new Zero(v.aval) : null];
    const c = ct!;
    // Undo negative padding first, then take every (interior+1)-th element from lo.
    const unneg = pad(c, zerosFor(new ShapedArray([], c.dtype)), lo.map((l) => Math.max(0, -l)), hi.map((h) => Math.max(0, -h)), lo.map(() => 0));
    const xShape = x instanceof UndefinedPrimal ? x.aval.shape : (x as NDArray).shape;
    const start = lo.map((l) => Math.max(0, l));
    const tX = slice(unneg, start, start.map((s, i) => s + (xShape[i]! === 0 ? 0 : (xShape[i]! - 1) * (interior[i]! + 1) + 1)), interior.map((i) => i + 1));
    const tV = v instanceof UndefinedPrimal ? sub(reduceSum(c, c.shape.map((_, i) => i)), reduceSum(tX, tX.shape.map((_, i) => i))) : null;
    return [x instanceof UndefinedPrimal ? tX : null, tV];
  },
  batch([x, v], [dx, dv], p, axisSize) {
    if (dv === null) {
      return [[bind1(padP, [moveaxis(x!, dx!, 0), v!], { lo: [0, ...p.lo], hi: [0, ...p.hi], interior: [0, ...p.interior] })], [0]];
    }
    // Batched padding value: pad with zeros, then take the per-example value wherever the mask
    // (true on original elements) is false.
    const xb = dx === null ? broadcastBatched(x!, axisSize) : moveaxis(x!, dx, 0);
    const bp = { lo: [0, ...p.lo], hi: [0, ...p.hi], interior: [0, ...p.interior] };
    const padded = bind1(padP, [xb, zerosFor(new ShapedArray([], x!.dtype))], bp);
    const mask = bind1(padP, [broadcastInDim(boolScalar(true), xb.shape, []), boolScalar(false)], bp);
    const vb = broadcastInDim(moveaxis(v!, dv, 0), padded.shape, [0]);
    return [[selectN(mask, vb, padded)], [0]];
  },
});
function boolScalar(b: boolean): NDArray {
  const d = new Uint8Array(1);
  d[0] = b ? 1 : 0;
  return ConcreteArray.fromData(d, [], "bool");
}
export function pad(x: NDArray, value: NDArray, lo: readonly number[], hi: readonly number[], interior: readonly number[]): NDArray {
  return bind1(padP, [x, value], { lo: [...lo], hi: [...hi], interior: [...interior] });
}

// ---------------------------------------------------------------- concatenate
interface ConcatParams extends Params { dimension: number }
export const concatenateP: Primitive<ConcatParams> = definePrimitive<ConcatParams>({
  name: "concatenate",
  abstractEval(xs, { dimension: dim }) {
    const x0 = xs[0]!;
    if (!xs.length) throw new ShapeError("concatenate: needs at least one operand.");
    for (const x of xs) {
      if (x.ndim !== x0.ndim || x.dtype !== x0.dtype || x.shape.some((n, i) => i !== dim && n !== x0.shape[i])) {
        throw new ShapeError(`concatenate: operands ${xs.join(", ")} must match in dtype and in every axis but ${dim}.`);
      }
    }
    const shape = [...x0.shape];
    shape[dim] = xs.reduce((s, x) => s + x.shape[dim]!, 0);
    return [new ShapedArray(shape, x0.dtype, xs.every((x) => x.weakType))];
  },
  js(xs, { dimension: dim }, [av]) {
    const o = typedArrayFor(av!.dtype, av!.size);
    const outer = sizeOf(av!.shape.slice(0, dim));
    const innerOut = sizeOf(av!.shape.slice(dim));
    let colOff = 0;
    for (const x of xs) {
      const inner = sizeOf(x.shape.slice(dim));
      const src = x.rawData;
      for (let r = 0; r < outer; r++) o.set(src.subarray(r * inner, (r + 1) * inner), r * innerOut + colOff);
      colOff += inner;
    }
    return out1(o, av!);
  },
  jvp(xs, ts, p) {
    const y = bind1(concatenateP, xs, p);
    if (ts.every((t): boolean => t instanceof Zero)) return [[y], [new Zero(y.aval)]];
    return [[y], [bind1(concatenateP, ts.map((t) => (t instanceof Zero ? zerosFor(t.aval) : t!)), p)]];
  },
  transpose([ct], xs, { dimension: dim }) {
    let off = 0;
    return xs.map((x) => {
      const av = x instanceof UndefinedPrimal ? x.aval : (x as NDArray).aval;
      const start = off;
      off += av.shape[dim]!;
      if (!(x instanceof UndefinedPrimal)) return null;
      if (ct instanceof Zero) return new Zero(av);
      return sliceAxis(ct!, dim, start, start + av.shape[dim]!);
    });
  },
  batch(xs, dims, { dimension }, axisSize) {
    const moved = xs.map((x, i) => (dims[i] === null ? broadcastBatched(x, axisSize) : moveaxis(x, dims[i]!, 0)));
    return [[bind1(concatenateP, moved, { dimension: dimension + 1 })], [0]];
  },
});
export function concatenate(xs: readonly NDArray[], dimension: number): NDArray {
  if (xs.length === 1) return xs[0]!;
  return bind1(concatenateP, xs, { dimension });
}

// ---------------------------------------------------------------- rev
interface RevParams extends Params { dimensions: readonly number[] }
export const revP: Primitive<RevParams> = definePrimitive<RevParams>({
  name: "rev",
  abstractEval([x], { dimensions }) {
    if (dimensions.some((d) => d < 0 || d >= x!.ndim)) throw new ShapeError(`rev: dimensions [${dimensions}] out of range for ${x}.`);
    return [x!];
  },
  js([x], { dimensions }, [av]) {
    const xs = stridesOf(x!.shape);
    let base = 0;
    const st = xs.map((s, i) => {
      if (!dimensions.includes(i)) return s;
      base += (x!.shape[i]! - 1) * s;
      return -s;
    });
    const o = typedArrayFor(av!.dtype, av!.size);
    if (av!.size) stridedCopy(x!.rawData, base, st, av!.shape, o);
    return out1(o, av!);
  },
  jvp([x], [t], p) { return [[bind1(revP, [x!], p)], [t instanceof Zero ? t : bind1(revP, [t!], p)]]; },
  transpose([ct], _x, p) { return [ct instanceof Zero ? ct : bind1(revP, [ct!], p)]; },
  batch([x], [d], { dimensions }) { return [[bind1(revP, [moveaxis(x!, d!, 0)], { dimensions: dimensions.map((v) => v + 1) })], [0]]; },
});
export function rev(x: NDArray, dimensions: readonly number[]): NDArray {
  if (!dimensions.length) return x;
  return bind1(revP, [x], { dimensions: [...dimensions] });
}

export type { BDim };
