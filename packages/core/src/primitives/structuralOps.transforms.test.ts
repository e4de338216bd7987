// The indexing, sorting, cumulative and reduce_prod primitives through the user-facing transforms:
// checkGrads to second order (fwd and rev), grad closed forms, vmap with in-axes 0 and 1 against
// stacking, jit against eager evaluation, and the printed IR.
import { describe, expect, it } from "vitest";
import { np, lax, type NDArray } from "@fluxion/core";
import { checkGrads, grad, jit, makeJaxpr, vmap } from "@fluxion/transforms";
import { rng } from "./gradchecks.testing.js";

const f64 = (shape: number[], seed: number, lo = -2, hi = 2) => {
  const next = rng(seed);
  return np.array(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => lo + (hi - lo) * next()), "float64").reshape(shape);
};
const i32 = (xs: number[][]) => np.array(xs, "int32");
const take0 = { offsetDims: [1], collapsedSliceDims: [0], startIndexMap: [0] };
const scat0 = { updateWindowDims: [1], insertedWindowDims: [0], scatterDimsToOperandDims: [0] };
const idx = () => i32([[2], [0], [2], [3]]);

const cases: [string, (x: NDArray, y: NDArray) => NDArray, () => [NDArray, NDArray]][] = [
  ["gather", (x) => np.sin(lax.gather(x, idx(), take0, [1, 2])), () => [f64([4, 2], 1), f64([4, 2], 2)]],
  ["scatter add", (x, u) => np.multiply(lax.scatterAdd(x, idx(), u, scat0), x), () => [f64([4, 2], 3), f64([4, 2], 4)]],
  ["scatter set", (x, u) => np.multiply(lax.scatter(x, idx(), u, scat0), x), () => [f64([4, 2], 5), f64([4, 2], 6)]],
  ["scatter mul", (x, u) => lax.scatterMul(x, idx(), u, scat0), () => [f64([4, 2], 7), f64([4, 2], 8)]],
  ["scatter min", (x, u) => np.multiply(lax.scatterMin(x, idx(), u, scat0), x), () => [f64([4, 2], 9), np.add(f64([4, 2], 10), 0.011)]],
  ["dynamic slice/update", (x, u) => lax.dynamicUpdateSlice(np.multiply(x, x), lax.dynamicSlice(u, [1, 0], [2, 2]), [2, 0]), () => [f64([4, 2], 11), f64([4, 2], 12)]],
  ["sort key/value", (x, u) => np.multiply(...(lax.sort([x, u], 0) as [NDArray, NDArray])), () => [f64([4, 2], 13), f64([4, 2], 14)]],
  ["cumprod", (x) => lax.cumprod(x, 0, true), () => [f64([4, 2], 15), f64([4, 2], 16)]],
  ["cumlogsumexp", (x) => lax.cumlogsumexp(x, 1), () => [f64([4, 2], 17), f64([4, 2], 18)]],
  ["cummax", (x) => np.multiply(lax.cummax(x, 0), x), () => [f64([4, 2], 19), f64([4, 2], 20)]],
  ["reduce_prod", (x) => lax.reduceProd(x, [0]), () => [f64([4, 2], 21), f64([4, 2], 22)]],
  ["reduce_prod with zeros", (x) => lax.reduceProd(np.multiply(x, np.array([[0, 1], [1, 0], [1, 1], [0, 1]], "float64")), [0, 1]), () => [f64([4, 2], 23), f64([4, 2], 24)]],
];

describe.each(cases)("%s", (_name, f, args) => {
  it("checkGrads to second order (fwd and rev)", () => {
    checkGrads(f, args(), { order: 2, rtol: 1e-6, atol: 1e-8, seed: 3 });
  });
  it("vmap with in-axes 0 and 1 equals stacking", () => {
    const [x, y] = args();
    for (const axis of [0, 1]) {
      const xs = np.stack([x, np.multiply(x, 0.5), np.negative(x)], axis);
      const out = vmap(f, { inAxes: [axis, null] })(xs, y) as NDArray;
      const ref = np.stack([0, 1, 2].map((b) => f(np.take(xs, b, axis), y)));
      expect(Array.from(out.dataSync())).toEqual(Array.from(ref.dataSync()));
    }
  });
  it("jit agrees with eager evaluation", () => {
    const [x, y] = args();
    // Bitwise on the js device; compiled devices may differ in the last bits of transcendentals.
    const got = Array.from((jit(f)(x, y) as NDArray).dataSync());
    const want = Array.from(f(x, y).dataSync());
    got.forEach((g, i) => expect(Math.abs(g - want[i]!)).toBeLessThanOrEqual(4e-16 * Math.abs(want[i]!)));
  });
});

describe("closed-form gradients", () => {
  it("grad of a gather-sum counts duplicate indices (transpose = scatter-add)", () => {
    const g = grad((x: NDArray) => np.sum(lax.gather(x, idx(), take0, [1, 2])))(f64([4, 2], 30)) as NDArray;
    expect(g.toArray()).toEqual([[1, 1], [0, 0], [2, 2], [1, 1]]);
  });
  it("grad of prod at zeros is the product of the other entries", () => {
    const g = grad((x: NDArray) => np.prod(x))(np.array([0, 2, 3, 0.5], "float64")) as NDArray;
    expect(g.toArray()).toEqual([3, 0, 0, 0]);
  });
  it("grad of a quantile puts the weight on its two neighbours", () => {
    // q = 0.3 of 5 sorted values sits at position 1.2: weight 0.8 on the 2nd smallest (2), 0.2 on the 3rd (3).
    const g = grad((x: NDArray) => np.quantile(x, 0.3))(np.array([5, 1, 4, 2, 3], "float64")) as NDArray;
    const v = Array.from(g.dataSync());
    expect(v[0]).toBe(0);
    expect(v[1]).toBe(0);
    expect(Math.abs(v[3]! - 0.8)).toBeLessThan(1e-12);
    expect(Math.abs(v[4]! - 0.2)).toBeLessThan(1e-12);
  });
});

describe("printed IR", () => {
  it("gather and scatter print their dimension numbers JAX-style", () => {
    const text = makeJaxpr((x: NDArray) => lax.scatterAdd(x, idx(), lax.gather(x, idx(), take0, [1, 2]), scat0))(np.zeros([4, 2])).toString();
    expect(text).toContain("gather[dimension_numbers=GatherDimensionNumbers(offset_dims=(1,), collapsed_slice_dims=(0,), start_index_map=(0,), operand_batching_dims=(), start_indices_batching_dims=()) slice_sizes=(1, 2) mode=clip]");
    expect(text).toContain("scatter[combine=add dimension_numbers=ScatterDimensionNumbers(update_window_dims=(1,), inserted_window_dims=(0,), scatter_dims_to_operand_dims=(0,), operand_batching_dims=(), scatter_indices_batching_dims=()) mode=drop]");
  });
});
