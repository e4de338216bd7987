// The `np` namespace: NumPy's names in camelCase over Fluxion primitives (broadcasting and
// JAX's dtype promotion included). More of NumPy lives in sibling files.
import { NDArray, type ArrayLike, installArrayMethods, type IndexItem } from "../array/ndarray.js";
import { type DType, isFloat, promoteKinds, type TypedKind } from "../dtype.js";
import { ShapeError } from "../errors.js";
import { type Shape, normalizeAxes, normalizeAxis, sizeOf } from "../shape.js";
import { bind1 } from "../trace/core.js";
import type { Primitive } from "../trace/primitive.js";
import * as E from "../primitives/elementwise.js";
import * as S from "../primitives/structural.js";
import * as R from "../primitives/reductions.js";
import { dotGeneral } from "../primitives/dot.js";
import { array, asarray, kindOf, promoteAndBroadcast, resultKind, toKind, weakScalar } from "./convert.js";
import { indexArray, updateArray } from "./indexing.js";
import { customJvp } from "../lax/control.js";
import { prod } from "./more.js";

export { array, asarray };
export * as linalg from "./linalg.js";
export type { ArrayLike };
export * from "./more.js";
export * from "./contract.js";
export * from "./stats.js";

// ---------------------------------------------------------------- creation
export function zeros(shape: Shape | number, dtype: DType = "float32"): NDArray {
  return E.full(typeof shape === "number" ? [shape] : shape, 0, dtype);
}
export function ones(shape: Shape | number, dtype: DType = "float32"): NDArray {
  return E.full(typeof shape === "number" ? [shape] : shape, 1, dtype);
}
export function full(shape: Shape | number, value: number | boolean, dtype?: DType): NDArray {
  const d = dtype ?? (typeof value === "boolean" ? "bool" : "float32");
  return E.full(typeof shape === "number" ? [shape] : shape, Number(value), d);
}
export function zerosLike(x: ArrayLike, dtype?: DType): NDArray { const a = asarray(x); return E.full(a.shape, 0, dtype ?? a.dtype); }
export function onesLike(x: ArrayLike, dtype?: DType): NDArray { const a = asarray(x); return E.full(a.shape, 1, dtype ?? a.dtype); }
export function fullLike(x: ArrayLike, value: number, dtype?: DType): NDArray { const a = asarray(x); return E.full(a.shape, value, dtype ?? a.dtype); }

/** `arange(stop)` or `arange(start, stop, step)`; int32 when all arguments are integers (NumPy/JAX). */
export function arange(start: number, stop?: number, step = 1, dtype?: DType): NDArray {
  if (stop === undefined) [start, stop] = [0, start];
  const d = dtype ?? ([start, stop, step].every(Number.isInteger) ? "int32" : "float32");
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const i = S.iota(isFloat(d) ? d : "int32", [n]);
  if (start === 0 && step === 1) return S.convert(i, d);
  return S.convert(E.add(E.mul(S.convert(i, isFloat(d) ? d : "float64"), E.full([n], step, isFloat(d) ? d : "float64")), E.full([n], start, isFloat(d) ? d : "float64")), d);
}
export function linspace(start: number, stop: number, num = 50, endpoint = true, dtype: DType = "float32"): NDArray {
  const div = endpoint ? num - 1 : num;
  const step = div > 0 ? (stop - start) / div : 0;
  const i = S.convert(S.iota("int32", [num]), "float64");
  let out = E.add(E.mul(i, E.full([num], step, "float64")), E.full([num], start, "float64"));
  if (endpoint && num > 1) out = S.concatenate([S.sliceAxis(out, 0, 0, num - 1), E.full([1], stop, "float64")], 0);
  return S.convert(out, dtype);
}
export function eye(n: number, m?: number, k = 0, dtype: DType = "float32"): NDArray {
  const cols = m ?? n;
  const r = S.iota("int32", [n, cols], 0);
  const c = S.iota("int32", [n, cols], 1);
  return S.convert(E.eq(E.add(r, E.full([n, cols], k, "int32")), c), dtype);
}
export const identity = (n: number, dtype: DType = "float32"): NDArray => eye(n, n, 0, dtype);
export function tri(n: number, m?: number, k = 0, dtype: DType = "float32"): NDArray {
  const cols = m ?? n;
  const r = S.iota("int32", [n, cols], 0);
  const c = S.iota("int32", [n, cols], 1);
  return S.convert(E.le(c, E.add(r, E.full([n, cols], k, "int32"))), dtype);
}
export function tril(x: ArrayLike, k = 0): NDArray {
  const a = asarray(x);
  const [n, m] = a.shape.slice(-2) as [number, number];
  return where(S.broadcastTo(S.convert(tri(n, m, k, "bool"), "bool"), a.shape), a, zerosLike(a));
}
export function triu(x: ArrayLike, k = 0): NDArray {
  const a = asarray(x);
  const [n, m] = a.shape.slice(-2) as [number, number];
  return where(S.broadcastTo(tri(n, m, k - 1, "bool"), a.shape), zerosLike(a), a);
}

// ---------------------------------------------------------------- elementwise
const binary = (name: string, prim: (a: NDArray, b: NDArray) => NDArray, kindFix?: (k: TypedKind) => TypedKind) =>
  (a: ArrayLike, b: ArrayLike): NDArray => {
    const k = resultKind([a, b]);
    const [x, y] = promoteAndBroadcast(name, [a, b], kindFix ? kindFix(k) : k);
    return prim(x!, y!);
  };
const toFloatKind = (k: TypedKind): TypedKind => (isFloat(k.dtype) ? k : { dtype: "float32", weakType: k.weakType });
const floatUnary = (prim: (x: NDArray) => NDArray) => (x: ArrayLike): NDArray => prim(toKind(x, toFloatKind(kindOf(x))));
const unaryOf = (name: string) => (x: NDArray): NDArray => bind1(primOf(name), [x]);
function primOf(name: string): Primitive {
  const p = (E as unknown as Record<string, unknown>)[`${name}P`];
  if (!p) throw new Error(`no primitive ${name}`);
  return p as Primitive;
}

export const add = binary("add", E.add);
export const subtract = binary("subtract", E.sub);
export const multiply = binary("multiply", E.mul);
/** True division: integers are promoted to float (NumPy). */
export const divide = binary("divide", E.div, toFloatKind);
export const trueDivide = divide;
export function floorDivide(a: ArrayLike, b: ArrayLike): NDArray {
  const [x, y] = promoteAndBroadcast("floorDivide", [a, b]);
  if (isFloat(x!.dtype)) return bind1(E.floorP, [E.div(x!, y!)]);
  // Integer floor division: truncate, then step down where the signs differ and there is a remainder.
  const q = E.div(x!, y!);
  const r = E.rem(x!, y!);
  const zero = E.fullLike(x!, 0);
  const fix = logicalAnd(E.ne(r, zero), E.ne(E.lt(r, zero), E.lt(y!, zero)));
  return where(fix, E.sub(q, E.fullLike(q, 1)), q);
}
/** Remainder with the sign of the divisor (NumPy's mod). */
export function mod(a: ArrayLike, b: ArrayLike): NDArray {
  const [x, y] = promoteAndBroadcast("mod", [a, b]);
  const r = E.rem(x!, y!);
  const zero = E.fullLike(r, 0);
  const fix = logicalAnd(E.ne(r, zero), E.ne(E.lt(r, zero), E.lt(y!, zero)));
  return where(fix, E.add(r, y!), r);
}
export const remainder = mod;
export function power(a: ArrayLike, b: ArrayLike): NDArray {
  if (typeof b === "number" && Number.isInteger(b) && Math.abs(b) <= 4 && !(a instanceof NDArray && !isFloat(a.dtype) && b < 0)) {
    const x = asarrayKind(a);
    if (b === 0) return E.fullLike(x, 1);
    if (b === 1) return x;
    if (b === 2) return E.mul(x, x);
    if (b === 3) return E.mul(E.mul(x, x), x);
    if (b === 4) { const s = E.mul(x, x); return E.mul(s, s); }
    if (b < 0) return E.div(E.fullLike(x, 1), power(x, -b));
  }
  return binary("power", E.pow, toFloatKind)(a, b);
}
const asarrayKind = (a: ArrayLike) => toKind(a, kindOf(a));
export const negative = (x: ArrayLike): NDArray => E.neg(asarrayKind(x));
export const positive = (x: ArrayLike): NDArray => asarrayKind(x);
export const abs = (x: ArrayLike): NDArray => { const a = asarrayKind(x); return a.dtype === "uint32" || a.dtype === "bool" ? a : bind1(E.absP, [a]); };
export const absolute = abs;
export const sign = (x: ArrayLike): NDArray => E.sign(asarrayKind(x));
export const square = (x: ArrayLike): NDArray => bind1(E.squareP, [asarrayKind(x)]);
export const reciprocal = (x: ArrayLike): NDArray => divide(1, x);
export const sqrt = floatUnary(E.sqrt);
export const cbrt = floatUnary(unaryOf("cbrt"));
export const exp = floatUnary(E.exp);
export const exp2 = floatUnary(unaryOf("exp2"));
export const expm1 = floatUnary(unaryOf("expm1"));
export const log = floatUnary(E.log);
export const log1p = floatUnary(unaryOf("log1p"));
export const log2 = (x: ArrayLike): NDArray => { const l = log(x); return E.div(l, E.fullLike(l, Math.LN2)); };
export const log10 = (x: ArrayLike): NDArray => { const l = log(x); return E.div(l, E.fullLike(l, Math.LN10)); };
export const sin = floatUnary(E.sin);
export const cos = floatUnary(E.cos);
export const tan = floatUnary(unaryOf("tan"));
export const arcsin = floatUnary(unaryOf("asin"));
export const arccos = floatUnary(unaryOf("acos"));
export const arctan = floatUnary(unaryOf("atan"));
export const sinh = floatUnary(E.sinh);
export const cosh = floatUnary(E.cosh);
export const tanh = floatUnary(unaryOf("tanh"));
export const arcsinh = floatUnary(unaryOf("asinh"));
export const arccosh = floatUnary(unaryOf("acosh"));
export const arctanh = floatUnary(unaryOf("atanh"));
export const arctan2 = binary("arctan2", (a, b) => bind1(E.atan2P, [a, b]), toFloatKind);
export const floor = (x: ArrayLike): NDArray => { const a = asarrayKind(x); return isFloat(a.dtype) ? bind1(E.floorP, [a]) : a; };
export const ceil = (x: ArrayLike): NDArray => { const a = asarrayKind(x); return isFloat(a.dtype) ? bind1(E.ceilP, [a]) : a; };
export const trunc = (x: ArrayLike): NDArray => { const a = asarrayKind(x); return isFloat(a.dtype) ? bind1(E.truncP, [a]) : a; };
export function round(x: ArrayLike, decimals = 0): NDArray {
  const a = asarrayKind(x);
  if (!isFloat(a.dtype)) return a;
  if (decimals === 0) return bind1(E.roundP, [a]);
  const f = E.fullLike(a, 10 ** decimals);
  return E.div(bind1(E.roundP, [E.mul(a, f)]), f);
}
export const maximum = binary("maximum", E.max);
export const minimum = binary("minimum", E.min);
export function clip(x: ArrayLike, lo: ArrayLike | null, hi: ArrayLike | null): NDArray {
  let r = asarrayKind(x);
  if (lo !== null) r = maximum(r, lo);
  if (hi !== null) r = minimum(r, hi);
  return r;
}
/** log(eˣ + eʸ), stable, with the smooth derivative (eˣ⁻ᵒᵘᵗ, eʸ⁻ᵒᵘᵗ) as a custom rule (as JAX). */
export function logaddexp(a: ArrayLike, b: ArrayLike): NDArray {
  const [x, y] = promoteAndBroadcast("logaddexp", [a, b], toFloatKind(resultKind([a, b])));
  return logaddexpRule(x!, y!);
}
function logaddexpPrimal(x: NDArray, y: NDArray): NDArray {
  const m = E.max(x, y);
  // Where both are -inf (or equal infinities) the difference is NaN; use m directly there.
  const d = E.neg(bind1(E.absP, [E.sub(x, y)]));
  const safe = where(isnan(d), E.fullLike(d, -Infinity), d);
  return E.add(m, bind1(E.log1pP, [E.exp(safe)]));
}
const logaddexpRule = customJvp(logaddexpPrimal);
logaddexpRule.defjvp(([x, y], [tx, ty]) => {
  const out = logaddexpPrimal(x, y);
  // exp(x - out) with -inf - -inf = NaN mapped to 0 (no mass flows there).
  const w = (v: NDArray) => { const e = E.exp(E.sub(v, out)); return where(isnan(e), E.fullLike(e, 0), e); };
  return [out, E.add(E.mul(tx, w(x)), E.mul(ty, w(y)))];
});
export function hypot(a: ArrayLike, b: ArrayLike): NDArray {
  const [x, y] = promoteAndBroadcast("hypot", [a, b], toFloatKind(resultKind([a, b])));
  const ax = bind1(E.absP, [x!]);
  const ay = bind1(E.absP, [y!]);
  const m = E.max(ax, ay);
  const n = E.min(ax, ay);
  const safeM = where(E.eq(m, E.fullLike(m, 0)), E.fullLike(m, 1), m);
  const r = E.div(n, safeM);
  return E.mul(m, E.sqrt(E.add(E.fullLike(r, 1), E.mul(r, r))));
}
export function where(cond: ArrayLike, x: ArrayLike, y: ArrayLike): NDArray {
  const c = asarray(cond);
  const k = resultKind([x, y]);
  const pb = c.dtype === "bool" ? c : E.ne(c, E.fullLike(c, 0));
  const [p, a, b] = promoteAndBroadcast("where", [pb, toKind(x, k), toKind(y, k)], undefined as unknown as TypedKind).length ? whereOperands(pb, toKind(x, k), toKind(y, k)) : [];
  return S.selectN(p!, b!, a!);
}
function whereOperands(c: NDArray, x: NDArray, y: NDArray): NDArray[] {
  const shape = [c.shape, x.shape, y.shape].reduce((s, t) => broadcastShapesOf("where", s, t));
  return [S.broadcastTo(c, shape), S.broadcastTo(x, shape), S.broadcastTo(y, shape)];
}
import { broadcastShapes as broadcastShapesOf } from "../shape.js";
export const isnan = (x: ArrayLike): NDArray => { const a = asarrayKind(x); return isFloat(a.dtype) ? E.ne(a, a) : E.full(a.shape, 0, "bool"); };
export const isinf = (x: ArrayLike): NDArray => { const a = asarrayKind(x); return isFloat(a.dtype) ? E.eq(bind1(E.absP, [a]), E.fullLike(a, Infinity)) : E.full(a.shape, 0, "bool"); };
export const isfinite = (x: ArrayLike): NDArray => { const a = asarrayKind(x); return isFloat(a.dtype) ? bind1(E.isFiniteP, [a]) : E.full(a.shape, 1, "bool"); };

// ---------------------------------------------------------------- comparisons and logic
export const equal = binary("equal", E.eq);
export const notEqual = binary("notEqual", E.ne);
export const less = binary("less", E.lt);
export const lessEqual = binary("lessEqual", E.le);
export const greater = binary("greater", E.gt);
export const greaterEqual = binary("greaterEqual", E.ge);
const toBool = (x: ArrayLike): NDArray => { const a = asarray(x); return a.dtype === "bool" ? a : E.ne(a, E.fullLike(a, 0)); };
export function logicalAnd(a: ArrayLike, b: ArrayLike): NDArray { const [x, y] = promoteAndBroadcast("logicalAnd", [toBool(a), toBool(b)]); return bind1(E.andP, [x!, y!]); }
export function logicalOr(a: ArrayLike, b: ArrayLike): NDArray { const [x, y] = promoteAndBroadcast("logicalOr", [toBool(a), toBool(b)]); return bind1(E.orP, [x!, y!]); }
export function logicalXor(a: ArrayLike, b: ArrayLike): NDArray { const [x, y] = promoteAndBroadcast("logicalXor", [toBool(a), toBool(b)]); return bind1(E.xorP, [x!, y!]); }
export const logicalNot = (a: ArrayLike): NDArray => bind1(E.notP, [toBool(a)]);

// ---------------------------------------------------------------- reductions
type Axis = number | readonly number[] | null | undefined;
function keep(x: NDArray, r: NDArray, axes: number[], keepdims: boolean): NDArray {
  if (!keepdims) return r;
  return S.reshape(r, x.shape.map((d, i) => (axes.includes(i) ? 1 : d)));
}
export function sum(x: ArrayLike, axis?: Axis, keepdims = false, dtype?: DType): NDArray {
  let a = asarrayKind(x);
  if (dtype) a = S.convert(a, dtype);
  else if (a.dtype === "bool") a = S.convert(a, "int32");
  const axes = normalizeAxes("sum", axis, a.ndim);
  return keep(a, R.reduceSum(a, axes), axes, keepdims);
}
export function mean(x: ArrayLike, axis?: Axis, keepdims = false): NDArray {
  let a = asarrayKind(x);
  if (!isFloat(a.dtype)) a = S.convert(a, "float32");
  const axes = normalizeAxes("mean", axis, a.ndim);
  const n = sizeOf(axes.map((i) => a.shape[i]!));
  const s = sum(a, axes, keepdims);
  return E.div(s, E.fullLike(s, n));
}
export function varOf(x: ArrayLike, axis?: Axis, keepdims = false, ddof = 0): NDArray {
  let a = asarrayKind(x);
  if (!isFloat(a.dtype)) a = S.convert(a, "float32");
  const axes = normalizeAxes("var", axis, a.ndim);
  const m = mean(a, axes, true);
  const d = E.sub(a, S.broadcastTo(m, a.shape));
  const n = sizeOf(axes.map((i) => a.shape[i]!));
  const s = sum(E.mul(d, d), axes, keepdims);
  return E.div(s, E.fullLike(s, n - ddof));
}
export { varOf as var };
export const std = (x: ArrayLike, axis?: Axis, keepdims = false, ddof = 0): NDArray => E.sqrt(varOf(x, axis, keepdims, ddof));
function reduceWith(name: string, prim: Primitive<R.ReduceParams>) {
  return (x: ArrayLike, axis?: Axis, keepdims = false): NDArray => {
    const a = asarrayKind(x);
    const axes = normalizeAxes(name, axis, a.ndim);
    for (const ax of axes) if (a.shape[ax] === 0) throw new ShapeError(`${name}: zero-size axis ${ax} of [${a.shape}] has no identity; pass a non-empty array.`);
    return keep(a, axes.length ? bind1(prim, [a], { axes }) : a, axes, keepdims);
  };
}
export const max = reduceWith("max", R.reduceMaxP);
export const min = reduceWith("min", R.reduceMinP);
export const amax = max;
export const amin = min;
export function any(x: ArrayLike, axis?: Axis, keepdims = false): NDArray {
  const a = toBool(x);
  const axes = normalizeAxes("any", axis, a.ndim);
  return keep(a, axes.length ? bind1(R.reduceOrP, [a], { axes }) : a, axes, keepdims);
}
export function all(x: ArrayLike, axis?: Axis, keepdims = false): NDArray {
  const a = toBool(x);
  const axes = normalizeAxes("all", axis, a.ndim);
  return keep(a, axes.length ? bind1(R.reduceAndP, [a], { axes }) : a, axes, keepdims);
}
function argReduce(name: string, prim: Primitive<R.ArgParams>) {
  return (x: ArrayLike, axis?: number | null): NDArray => {
    let a = asarrayKind(x);
    let ax: number;
    if (axis === null || axis === undefined) { a = S.reshape(a, [a.size]); ax = 0; } else ax = normalizeAxis(name, axis, a.ndim);
    return bind1(prim, [a], { axis: ax, indexDtype: "int32" });
  };
}
export const argmax = argReduce("argmax", R.argmaxP);
export const argmin = argReduce("argmin", R.argminP);

// ---------------------------------------------------------------- shapes
export function reshape(x: ArrayLike, shape: Shape | number): NDArray {
  const a = asarrayKind(x);
  const s = typeof shape === "number" ? [shape] : [...shape];
  const neg = s.indexOf(-1);
  if (neg >= 0) {
    const known = sizeOf(s.filter((d) => d !== -1));
    if (known === 0 || a.size % known !== 0) throw new ShapeError(`reshape: cannot infer -1 when reshaping [${a.shape}] to [${s}].`);
    s[neg] = a.size / known;
  }
  return S.reshape(a, s);
}
export const ravel = (x: ArrayLike): NDArray => reshape(x, [-1]);
export function transpose(x: ArrayLike, axes?: readonly number[]): NDArray {
  const a = asarrayKind(x);
  const perm = axes ? axes.map((ax) => normalizeAxis("transpose", ax, a.ndim)) : [...Array(a.ndim).keys()].reverse();
  return S.transpose(a, perm);
}
export function swapaxes(x: ArrayLike, a1: number, a2: number): NDArray {
  const a = asarrayKind(x);
  const perm = [...Array(a.ndim).keys()];
  const i = normalizeAxis("swapaxes", a1, a.ndim);
  const j = normalizeAxis("swapaxes", a2, a.ndim);
  [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  return S.transpose(a, perm);
}
export function moveaxis(x: ArrayLike, source: number, destination: number): NDArray {
  const a = asarrayKind(x);
  return S.moveaxis(a, normalizeAxis("moveaxis", source, a.ndim), normalizeAxis("moveaxis", destination, a.ndim));
}
export function expandDims(x: ArrayLike, axis: number | readonly number[]): NDArray {
  const a = asarrayKind(x);
  const axes = typeof axis === "number" ? [axis] : [...axis];
  const nd = a.ndim + axes.length;
  const norm = axes.map((ax) => normalizeAxis("expandDims", ax, nd)).sort((p, q) => p - q);
  const shape = [...a.shape];
  for (const ax of norm) shape.splice(ax, 0, 1);
  return S.reshape(a, shape);
}
export function squeeze(x: ArrayLike, axis?: number | readonly number[]): NDArray {
  const a = asarrayKind(x);
  const axes = axis === undefined ? a.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0) : normalizeAxes("squeeze", axis, a.ndim);
  for (const ax of axes) if (a.shape[ax] !== 1) throw new ShapeError(`squeeze: axis ${ax} of [${a.shape}] has size ${a.shape[ax]}, not 1.`);
  return S.reshape(a, a.shape.filter((_, i) => !axes.includes(i)));
}
export function broadcastTo(x: ArrayLike, shape: Shape): NDArray {
  const a = asarrayKind(x);
  broadcastShapesOf("broadcastTo", a.shape, shape);
  if (a.ndim > shape.length) throw new ShapeError(`broadcastTo: cannot broadcast [${a.shape}] to lower-rank [${shape}].`);
  return S.broadcastTo(a, shape);
}
export function broadcastArrays(...xs: ArrayLike[]): NDArray[] {
  const arrs = xs.map(asarrayKind);
  const shape = broadcastShapesOf("broadcastArrays", ...arrs.map((a) => a.shape));
  return arrs.map((a) => S.broadcastTo(a, shape));
}
export function concatenate(xs: readonly ArrayLike[], axis = 0): NDArray {
  if (!xs.length) throw new ShapeError("concatenate: needs at least one array.");
  const k = resultKind(xs);
  const arrs = xs.map((x) => toKind(x, k));
  return S.concatenate(arrs, normalizeAxis("concatenate", axis, arrs[0]!.ndim));
}
export function stack(xs: readonly ArrayLike[], axis = 0): NDArray {
  if (!xs.length) throw new ShapeError("stack: needs at least one array.");
  const arrs = xs.map(asarrayKind);
  return concatenate(arrs.map((a) => expandDims(a, axis)), axis);
}
export const hstack = (xs: readonly ArrayLike[]): NDArray => { const a = xs.map(asarrayKind); return concatenate(a, a[0]!.ndim === 1 ? 0 : 1); };
export const vstack = (xs: readonly ArrayLike[]): NDArray => concatenate(xs.map(asarrayKind).map((a) => (a.ndim === 1 ? expandDims(a, 0) : a)), 0);
export function flip(x: ArrayLike, axis?: number | readonly number[]): NDArray {
  const a = asarrayKind(x);
  return S.rev(a, normalizeAxes("flip", axis ?? null, a.ndim));
}
export function astype(x: ArrayLike, dtype: DType): NDArray {
  return S.convert(asarrayKind(x), dtype);
}

// ---------------------------------------------------------------- linear algebra
export function matmul(a: ArrayLike, b: ArrayLike): NDArray {
  const k = resultKind([a, b]);
  let x = toKind(a, k);
  let y = toKind(b, k);
  if (x.ndim === 0 || y.ndim === 0) throw new ShapeError(`matmul: operands must be at least 1-D, got [${x.shape}] and [${y.shape}]; use multiply for scalars.`);
  const xv = x.ndim === 1;
  const yv = y.ndim === 1;
  // Vector and matrix cases without batch axes are single contractions (no reshapes).
  if (x.ndim <= 2 && y.ndim <= 2) {
    const kx = x.shape[x.ndim - 1];
    const ky = y.shape[yv ? 0 : y.ndim - 2];
    if (kx !== ky) throw new ShapeError(`matmul: inner dimensions differ: [${x.shape}] @ [${y.shape}] (${kx} vs ${ky}).`);
    return dotGeneral(x, y, [[x.ndim - 1], [0]]);
  }
  if (xv) x = S.reshape(x, [1, x.shape[0]!]);
  if (yv) y = S.reshape(y, [y.shape[0]!, 1]);
  if (x.shape[x.ndim - 1] !== y.shape[y.ndim - 2]) {
    throw new ShapeError(`matmul: inner dimensions differ: [${asarray(a).shape}] @ [${asarray(b).shape}] (${x.shape[x.ndim - 1]} vs ${y.shape[y.ndim - 2]}).`);
  }
  const batch = broadcastShapesOf("matmul", x.shape.slice(0, -2), y.shape.slice(0, -2));
  x = S.broadcastTo(x, [...batch, ...x.shape.slice(-2)]);
  y = S.broadcastTo(y, [...batch, ...y.shape.slice(-2)]);
  const nb = batch.length;
  const bd = [...Array(nb).keys()];
  let out = dotGeneral(x, y, [[nb + 1], [nb]], [bd, bd]);
  if (xv) out = S.reshape(out, [...out.shape.slice(0, -2), out.shape[out.ndim - 1]!]);
  if (yv) out = S.reshape(out, out.shape.slice(0, -1));
  return out;
}
export function dot(a: ArrayLike, b: ArrayLike): NDArray {
  const x = asarrayKind(a);
  const y = asarrayKind(b);
  if (x.ndim === 0 || y.ndim === 0) return multiply(x, y);
  if (y.ndim <= 2) return matmul(x, y);
  const k = resultKind([x, y]);
  return dotGeneral(toKind(x, k), toKind(y, k), [[x.ndim - 1], [y.ndim - 2]]);
}
export function vdot(a: ArrayLike, b: ArrayLike): NDArray { return sum(multiply(ravel(a), ravel(b))); }
export function inner(a: ArrayLike, b: ArrayLike): NDArray {
  const k = resultKind([a, b]);
  const x = toKind(a, k);
  const y = toKind(b, k);
  if (x.ndim === 0 || y.ndim === 0) return multiply(x, y);
  return dotGeneral(x, y, [[x.ndim - 1], [y.ndim - 1]]);
}
export function outer(a: ArrayLike, b: ArrayLike): NDArray {
  const x = ravel(a);
  const y = ravel(b);
  return multiply(S.reshape(x, [x.size, 1]), S.reshape(y, [1, y.size]));
}

// ---------------------------------------------------------------- NDArray methods
installArrayMethods({
  add, sub: subtract, mul: multiply, div: divide, pow: power, neg: negative,
  reshape: (a, s) => reshape(a, s),
  transpose: (a, axes) => transpose(a, axes),
  astype: (a, d) => astype(a, d),
  reduce(kind, a, axis, keepdims) {
    switch (kind) {
      case "sum": return sum(a, axis, keepdims);
      case "mean": return mean(a, axis, keepdims);
      case "max": return max(a, axis, keepdims);
      case "min": return min(a, axis, keepdims);
      case "any": return any(a, axis, keepdims);
      case "all": return all(a, axis, keepdims);
      case "var": return varOf(a, axis, keepdims);
      case "std": return std(a, axis, keepdims);
      case "argmax": return argmax(a, axis as number | null);
      case "argmin": return argmin(a, axis as number | null);
      case "prod": return prod(a, axis, keepdims);
    }
  },
  slice: (a, index: readonly IndexItem[]) => indexArray(a, index),
  atUpdate: (a, index, mode, v) => updateArray(a, index, mode, v),
});
void promoteKinds;
void weakScalar;
