// Cumulative primitives (cumsum, cumprod, cummax, cummin, cumlogsumexp) along one axis, and the
// associative scan written in array ops that defines their derivatives (as JAX's lax.cumsum & co.).
import { ConcreteArray, type NDArray } from "../array/ndarray.js";
import { type DType, typedArrayFor } from "../dtype.js";
import { ShapeError } from "../errors.js";
import { sizeOf } from "../shape.js";
import { bind1 } from "../trace/core.js";
import { jvpFlat } from "../trace/jvp.js";
import { type Params, type Primitive, definePrimitive } from "../trace/primitive.js";
import { Zero } from "../trace/values.js";
import { type DTypeClass, checkDType } from "./families.js";
import * as E from "./elementwise.js";
import * as S from "./structural.js";

export interface CumulativeParams extends Params { axis: number; reverse: boolean }
type Combine = (a: readonly NDArray[], b: readonly NDArray[]) => NDArray[];

// ---------------------------------------------------------------- associative scan
/** Interleaves `evens` and `odds` along `axis` (evens first): lengths ceil(n/2) and floor(n/2). */
function interleave(evens: NDArray, odds: NDArray, axis: number): NDArray {
  const n = evens.shape[axis]! + odds.shape[axis]!;
  const cfg = (lo: number, hi: number) => {
    const l = evens.shape.map(() => 0);
    const h = evens.shape.map(() => 0);
    const it = evens.shape.map(() => 0);
    l[axis] = lo;
    h[axis] = hi;
    it[axis] = 1;
    return [l, h, it] as const;
  };
  const zero = E.scalar(0, evens.dtype);
  const a = S.pad(evens, zero, ...cfg(0, n % 2 === 0 ? 1 : 0));
  const b = S.pad(odds, zero, ...cfg(1, n % 2 === 0 ? 0 : 1));
  return evens.dtype === "bool" ? bind1(E.orP, [a, b]) : E.add(a, b);
}

/**
 * Inclusive scan of `elems` along `axis` with an associative `combine`, built from slices, pads and
 * `combine` itself (the parallel-prefix recursion of JAX's lax.associative_scan), so any transform
 * of `combine` (jvp, vmap) carries through it.
 */
export function associativeScan(combine: Combine, elems: readonly NDArray[], axis: number, reverse = false): NDArray[] {
  if (!elems.length) return [];
  const n = elems[0]!.shape[axis];
  if (n === undefined) throw new ShapeError(`associativeScan: axis ${axis} is out of range for ${elems[0]}.`);
  for (const e of elems) if (e.shape[axis] !== n) throw new ShapeError(`associativeScan: every element needs size ${n} along axis ${axis}, got ${e}.`);
  const flip = (xs: readonly NDArray[]) => xs.map((x) => S.rev(x, [axis]));
  const sl = (x: NDArray, start: number, stop: number, step = 1) => S.sliceAxis(x, axis, start, Math.max(start, stop), step);
  const scan = (xs: readonly NDArray[]): NDArray[] => {
    const m = xs[0]!.shape[axis]!;
    if (m < 2) return [...xs];
    // Combine adjacent pairs, scan the half-length result (the odd positions), then fill in the evens.
    const reduced = combine(xs.map((x) => sl(x, 0, m - 1, 2)), xs.map((x) => sl(x, 1, m, 2)));
    const odds = scan(reduced);
    const evensTail = m % 2 === 0
      ? combine(odds.map((x) => sl(x, 0, x.shape[axis]! - 1)), xs.map((x) => sl(x, 2, m, 2)))
      : combine(odds, xs.map((x) => sl(x, 2, m, 2)));
    const evens = xs.map((x, i) => S.concatenate([sl(x, 0, 1), evensTail[i]!], axis));
    return evens.map((e, i) => interleave(e, odds[i]!, axis));
  };
  return reverse ? flip(scan(flip(elems))) : scan(elems);
}

/** log(exp(a) + exp(b)) from elementwise primitives, exact for infinities (both -inf stays -inf). */
export function logAddExp(a: NDArray, b: NDArray): NDArray {
  const m = E.max(a, b);
  const d = E.neg(bind1(E.absP, [E.sub(a, b)]));
  const safe = S.selectN(E.ne(d, d), d, E.fullLike(d, -Infinity));
  return E.add(m, bind1(E.log1pP, [E.exp(safe)]));
}

// ---------------------------------------------------------------- primitives
interface CumulativeSpec {
  dtypes: DTypeClass;
  init: (d: DType) => number;
  step: (acc: number, x: number, dtype: DType) => number;
  /** The combine whose associative scan defines the derivative (omitted: linear, see cumsum). */
  combine?: (a: NDArray, b: NDArray) => NDArray;
}

function cumulativeKernel(x: ConcreteArray, axis: number, reverse: boolean, spec: CumulativeSpec, out: ReturnType<typeof typedArrayFor>): void {
  const shape = x.shape;
  const n = shape[axis]!;
  const inner = sizeOf(shape.slice(axis + 1));
  const outer = sizeOf(shape.slice(0, axis));
  const src = x.rawData;
  const init = spec.init(x.dtype);
  // Integers re-read the stored (wrapped) value so products stay exact modulo 2^32; floats accumulate in float64.
  const wrap = !(x.dtype === "float32" || x.dtype === "float64");
  for (let a = 0; a < outer; a++) {
    for (let b = 0; b < inner; b++) {
      const base = a * n * inner + b;
      let acc = init;
      for (let k = 0; k < n; k++) {
        const o = base + (reverse ? n - 1 - k : k) * inner;
        const v = spec.step(acc, src[o]!, x.dtype);
        out[o] = v;
        acc = wrap ? out[o]! : v;
      }
    }
  }
}

function cumulativePrimitive(name: string, spec: CumulativeSpec, linear: boolean): Primitive<CumulativeParams> {
  const prim: Primitive<CumulativeParams> = definePrimitive<CumulativeParams>({
    name,
    abstractEval([x], { axis }) {
      checkDType(name, x!.dtype, spec.dtypes);
      if (!Number.isInteger(axis) || axis < 0 || axis >= x!.ndim) throw new ShapeError(`${name}: axis ${axis} is out of range for operand ${x}; use an axis in [0, ${x!.ndim - 1}].`);
      return [x!];
    },
    js([x], { axis, reverse }, [av]) {
      const o = typedArrayFor(av!.dtype, av!.size);
      cumulativeKernel(x!, axis, reverse, spec, o);
      return [ConcreteArray.fromData(o, av!.shape, av!.dtype, av!.weakType)];
    },
    jvp([x], [t], p) {
      const y = bind1(prim, [x!], p);
      if (t instanceof Zero) return [[y], [new Zero(t.aval)]];
      if (linear) return [[y], [bind1(prim, [t!], p)]];
      // JAX's definition: the derivative of the associative-scan implementation (exact with zeros and ties).
      const combine = spec.combine!;
      const [, [dy]] = jvpFlat((a: NDArray) => associativeScan(([u], [v]) => [combine(u!, v!)], [a], p.axis, p.reverse), [x!], [t!]);
      return [[y], [dy!]];
    },
    transpose: linear
      ? ([ct], _x, { axis, reverse }) => [ct instanceof Zero ? ct : bind1(prim, [ct!], { axis, reverse: !reverse })]
      : "nonlinear",
    batch([x], [d], { axis, reverse }) {
      return [[bind1(prim, [x!], { axis: axis + (d! <= axis ? 1 : 0), reverse })], [d!]];
    },
  });
  return prim;
}

const nanMax = (a: number, b: number) => (a !== a || b !== b ? NaN : a > b ? a : b);
const nanMin = (a: number, b: number) => (a !== a || b !== b ? NaN : a < b ? a : b);
const maxInit = (d: DType) => (d === "float32" || d === "float64" ? -Infinity : d === "int32" ? -2147483648 : 0);
const minInit = (d: DType) => (d === "float32" || d === "float64" ? Infinity : d === "int32" ? 2147483647 : d === "uint32" ? 4294967295 : 1);
function logAddExpScalar(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = a > b ? a : b;
  if (m === Infinity || a !== a || b !== b) return a + b === a + b ? m : NaN;
  return m + Math.log1p(Math.exp(-Math.abs(a - b)));
}

export const cumsumP = cumulativePrimitive("cumsum", { dtypes: "numeric", init: () => 0, step: (a, x) => a + x }, true);
export const cumprodP = cumulativePrimitive("cumprod", { dtypes: "numeric", init: () => 1, step: (a, x, d) => (d === "int32" || d === "uint32" ? Math.imul(a, x) : a * x), combine: E.mul }, false);
export const cummaxP = cumulativePrimitive("cummax", { dtypes: "numeric", init: maxInit, step: nanMax, combine: E.max }, false);
export const cumminP = cumulativePrimitive("cummin", { dtypes: "numeric", init: minInit, step: nanMin, combine: E.min }, false);
export const cumlogsumexpP = cumulativePrimitive("cumlogsumexp", { dtypes: "float", init: () => -Infinity, step: logAddExpScalar, combine: logAddExp }, false);

const cumulative = (prim: () => Primitive<CumulativeParams>) => (x: NDArray, axis = 0, reverse = false): NDArray => {
  const p = prim();
  const ax = axis < 0 ? axis + x.ndim : axis;
  return bind1(p, [x], { axis: ax, reverse });
};
/** Inclusive cumulative sum along `axis` (lax.cumsum). */
export const cumsum = cumulative(() => cumsumP);
export const cumprod = cumulative(() => cumprodP);
export const cummax = cumulative(() => cummaxP);
export const cummin = cumulative(() => cumminP);
export const cumlogsumexp = cumulative(() => cumlogsumexpP);
