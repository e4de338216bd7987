// lax.reduce(operand, initValue, computation, dimensions): JAX's general reduction for the monoid
// computations (add, mul, max, min, and, or), recognised by tracing the computation once.
import type { NDArray } from "../array/ndarray.js";
import { ShapedArray } from "../array/aval.js";
import { FluxionError } from "../errors.js";
import { bind1 } from "../trace/core.js";
import { traceToJaxpr } from "../trace/staging.js";
import { reduceAndP, reduceMaxP, reduceMinP, reduceOrP, reduceSumP } from "../primitives/reductions.js";
import { broadcastInDim } from "../primitives/structural.js";
import * as E from "../primitives/elementwise.js";
import { asarray } from "../numpy/convert.js";
import type { Primitive } from "../trace/primitive.js";

const MONOIDS: Record<string, { reduce: () => Primitive | null; combine: (a: NDArray, b: NDArray) => NDArray }> = {
  add: { reduce: () => reduceSumP as unknown as Primitive, combine: E.add },
  max: { reduce: () => reduceMaxP as unknown as Primitive, combine: E.max },
  min: { reduce: () => reduceMinP as unknown as Primitive, combine: E.min },
  and: { reduce: () => reduceAndP as unknown as Primitive, combine: (a, b) => bind1(E.andP, [a, b]) },
  or: { reduce: () => reduceOrP as unknown as Primitive, combine: (a, b) => bind1(E.orP, [a, b]) },
};

export function reduce(operand: NDArray, initValue: NDArray | number, computation: (a: NDArray, b: NDArray) => NDArray, dimensions: readonly number[]): NDArray {
  const s = new ShapedArray([], operand.dtype);
  const j = traceToJaxpr((a, b) => [computation(a!, b!)], [s, s], "lax.reduce").jaxpr;
  const name = j.eqns.length === 1 ? j.eqns[0]!.prim.name : "";
  const m = MONOIDS[name];
  if (!m) {
    throw new FluxionError(`lax.reduce: the computation must be one of add, max, min, and, or (got a program of ${j.eqns.length} equations: ${j.eqns.map((e) => e.prim.name).join(", ")}); for other reductions use scan.`);
  }
  const r = bind1(m.reduce()!, [operand], { axes: [...dimensions] });
  const init = asarray(typeof initValue === "number" ? initValue : initValue, operand.dtype);
  return m.combine(r, broadcastInDim(init.astype(operand.dtype), r.shape, []));
}
