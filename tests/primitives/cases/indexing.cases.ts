// Cases for gather, scatter (every combine), dynamic_slice, dynamic_update_slice, sort, the cumulative
// primitives and reduce_prod. Index arguments are int32 (not differentiated, but batched by vmap);
// indices go out of bounds on purpose so the clip/fill/drop paths run under every transform.
import { type NDArray, lax } from "@fluxion/core";
import { type PrimCase, ints, uniform } from "../harness.js";

const take0 = { offsetDims: [1], collapsedSliceDims: [0], startIndexMap: [0] };
const window2 = { offsetDims: [1, 2], collapsedSliceDims: [], startIndexMap: [0, 1] };
const scat0 = { updateWindowDims: [1], insertedWindowDims: [0], scatterDimsToOperandDims: [0] };
const scatterFns = { add: lax.scatterAdd, set: lax.scatter, mul: lax.scatterMul, min: lax.scatterMin, max: lax.scatterMax } as const;

const scatterCase = (combine: keyof typeof scatterFns, mode: "drop" | "clip"): PrimCase => ({
  prim: "scatter",
  name: `scatter ${combine} (${mode}, duplicate and out-of-bounds indices)`,
  fn: (x, i, u) => scatterFns[combine](x!, i!, u!, scat0, { mode }),
  args: (s) => [uniform(s, [4, 3]), ints(s, [5, 1], -1, 5), uniform(s + 1, [5, 3], combine === "mul" ? 0.5 : -1, combine === "mul" ? 1.5 : 1)],
});
const cumulative = (prim: string, f: (x: NDArray, axis: number, reverse: boolean) => NDArray, axis: number, reverse: boolean): PrimCase => ({
  prim, name: `${prim} axis ${axis}${reverse ? " reversed" : ""}`, fn: (x) => f(x!, axis, reverse), args: (s) => [uniform(s, [3, 4], 0.5, 1.5)],
});

export const cases: PrimCase[] = [
  { prim: "gather", name: "gather rows (clip)", fn: (x, i) => lax.gather(x!, i!, take0, [1, 3]), args: (s) => [uniform(s, [4, 3]), ints(s, [5, 1], -2, 6)] },
  { prim: "gather", name: "gather rows (fill)", fn: (x, i) => lax.gather(x!, i!, take0, [1, 3], { mode: "fill", fillValue: 0 }), args: (s) => [uniform(s, [4, 3]), ints(s, [5, 1], -2, 6)] },
  { prim: "gather", name: "gather 2-D windows", fn: (x, i) => lax.gather(x!, i!, window2, [2, 2]), args: (s) => [uniform(s, [4, 5]), ints(s, [3, 2], -1, 6)] },
  {
    prim: "gather",
    name: "gather with batching dims",
    fn: (x, i) => lax.gather(x!, i!, { offsetDims: [], collapsedSliceDims: [1], startIndexMap: [1], operandBatchingDims: [0], startIndicesBatchingDims: [0] }, [1, 1]),
    args: (s) => [uniform(s, [3, 4]), ints(s, [3, 2, 1], 0, 4)],
  },
  ...(["add", "set", "mul", "min", "max"] as const).flatMap((c) => [scatterCase(c, "drop"), scatterCase(c, "clip")]),
  { prim: "dynamic_slice", name: "dynamic_slice (clamped starts)", fn: (x, a, b) => lax.dynamicSlice(x!, [a!, b!], [2, 3]), args: (s) => [uniform(s, [4, 5]), ints(s, [], -1, 4), ints(s + 1, [], 0, 5)] },
  {
    prim: "dynamic_update_slice",
    name: "dynamic_update_slice (clamped starts)",
    fn: (x, u, a, b) => lax.dynamicUpdateSlice(x!, u!, [a!, b!]),
    args: (s) => [uniform(s, [4, 5]), uniform(s + 1, [2, 3]), ints(s, [], -1, 4), ints(s + 1, [], 0, 5)],
  },
  { prim: "sort", name: "sort one operand", fn: (x) => lax.sort([x!], 1), args: (s) => [uniform(s, [3, 5])] },
  { prim: "sort", name: "sort key/value with two keys", fn: (k, v) => lax.sort([k!, v!, v!], 0, 2), args: (s) => [uniform(s, [4, 2]), uniform(s + 1, [4, 2])] },
  cumulative("cumsum", lax.cumsum, 0, false),
  cumulative("cumsum", lax.cumsum, 1, true),
  cumulative("cumprod", lax.cumprod, 1, false),
  cumulative("cumprod", lax.cumprod, 0, true),
  cumulative("cummax", lax.cummax, 1, false),
  cumulative("cummin", lax.cummin, 0, true),
  cumulative("cumlogsumexp", lax.cumlogsumexp, 1, true),
  { prim: "reduce_prod", name: "reduce_prod over two axes", fn: (x) => lax.reduceProd(x!, [0, 2]), args: (s) => [uniform(s, [2, 3, 2], 0.5, 1.5)] },
  { prim: "reduce_prod", name: "reduce_prod with signs", fn: (x) => lax.reduceProd(x!, [1]), args: (s) => [uniform(s, [3, 4])] },
];
