// gather / scatter / dynamic_slice / dynamic_update_slice: values against direct index arithmetic on
// JS arrays, jvp against central differences, the transpose identity, vmap against stacked slices, errors.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ShapeError, DTypeError, np, lax, type NDArray } from "@fluxion/core";
import { checkJvp, checkTranspose, checkVmap, rng } from "./gradchecks.testing.js";

const f64 = (shape: number[], seed: number) => {
  const next = rng(seed);
  return np.array(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.round((next() * 8 - 4) * 100) / 100), "float64").reshape(shape);
};
const i32 = (xs: number[] | number[][] | number[][][]) => np.array(xs, "int32");
const flat = (x: NDArray) => Array.from(x.dataSync());
const TAKE0 = { offsetDims: [1], collapsedSliceDims: [0], startIndexMap: [0] };

describe("gather values", () => {
  it("takes rows (x[idx]) with clip and fill modes", () => {
    const x = f64([5, 3], 1);
    const xs = x.toArray() as number[][];
    const idx = i32([[1], [4], [0], [7], [-2]]);
    const clip = lax.gather(x, idx, TAKE0, [1, 3]);
    expect(clip.shape).toEqual([5, 3]);
    expect(clip.toArray()).toEqual([xs[1], xs[4], xs[0], xs[4], xs[0]]);
    const fill = lax.gather(x, idx, TAKE0, [1, 3], { mode: "fill" });
    const rows = fill.toArray() as number[][];
    expect(rows[0]).toEqual(xs[1]);
    expect(rows[3]!.every(Number.isNaN)).toBe(true);
    expect(rows[4]!.every(Number.isNaN)).toBe(true);
    expect(flat(lax.gather(x, idx, TAKE0, [1, 3], { mode: "fill", fillValue: -1 })).slice(9)).toEqual([-1, -1, -1, -1, -1, -1]);
    expect(flat(lax.gather(i32([1, 2, 3]), i32([[5]]), { offsetDims: [], collapsedSliceDims: [0], startIndexMap: [0] }, [1], { mode: "fill" }))).toEqual([-2147483648]);
  });

  it("matches direct indexing for random 2-D windows (property)", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 1e6 }), (n, m, seed) => {
      const next = rng(seed);
      const x = f64([n, m], seed);
      const xs = x.toArray() as number[][];
      const sr = 1 + Math.floor(next() * n);
      const sc = 1 + Math.floor(next() * m);
      const starts = Array.from({ length: 3 }, () => [Math.floor(next() * (n + 4)) - 2, Math.floor(next() * (m + 4)) - 2]);
      const out = lax.gather(x, i32(starts), { offsetDims: [1, 2], collapsedSliceDims: [], startIndexMap: [0, 1] }, [sr, sc]);
      const expected = starts.map(([r, c]) => {
        const r0 = Math.min(Math.max(r!, 0), n - sr);
        const c0 = Math.min(Math.max(c!, 0), m - sc);
        return Array.from({ length: sr }, (_, i) => Array.from({ length: sc }, (_, j) => xs[r0 + i]![c0 + j]!));
      });
      expect(out.toArray()).toEqual(expected);
    }), { seed: 11, numRuns: 60 });
  });

  it("uses operand/indices batching dims as per-example indexing", () => {
    // out[b, k] = x[b, idx[b, k]]
    const x = f64([3, 4], 2);
    const xs = x.toArray() as number[][];
    const idx = [[0, 3], [2, 2], [1, 0]];
    const out = lax.gather(x, i32(idx.map((r) => r.map((v) => [v]))), {
      offsetDims: [], collapsedSliceDims: [1], startIndexMap: [1], operandBatchingDims: [0], startIndicesBatchingDims: [0],
    }, [1, 1]);
    expect(out.toArray()).toEqual(idx.map((r, b) => r.map((v) => xs[b]![v]!)));
  });
});

describe("scatter values", () => {
  const dn = { updateWindowDims: [], insertedWindowDims: [0], scatterDimsToOperandDims: [0] };
  const x = np.array([1, 2, 3, 4, 5], "float64");
  const idx = i32([[1], [3], [1], [9], [-1], [0]]);
  const upd = np.array([10, 20, 30, 40, 50, 0.5], "float64");
  it("combines duplicates and drops out-of-bounds windows", () => {
    expect(flat(lax.scatterAdd(x, idx, upd, dn))).toEqual([1.5, 42, 3, 24, 5]);
    expect(flat(lax.scatter(x, idx, upd, dn))).toEqual([0.5, 30, 3, 20, 5]);
    expect(flat(lax.scatterMul(x, idx, upd, dn))).toEqual([0.5, 600, 3, 80, 5]);
    expect(flat(lax.scatterMin(x, idx, upd, dn))).toEqual([0.5, 2, 3, 4, 5]);
    expect(flat(lax.scatterMax(x, idx, upd, dn))).toEqual([1, 30, 3, 20, 5]);
  });
  it("clamps in clip mode", () => {
    expect(flat(lax.scatterAdd(x, idx, upd, dn, { mode: "clip" }))).toEqual([1.5 + 50, 42, 3, 24, 5 + 40]);
  });
  it("scatters windows with batching dims", () => {
    // out[b, idx[b, k] : +2] += upd[b, k, :]
    const op = np.zeros([2, 5], "float64");
    const ind = i32([[[0], [3]], [[2], [2]]]);
    const u = np.array([[[1, 2], [3, 4]], [[5, 6], [7, 8]]], "float64");
    const out = lax.scatterAdd(op, ind, u, { updateWindowDims: [2], insertedWindowDims: [], scatterDimsToOperandDims: [1], operandBatchingDims: [0], scatterIndicesBatchingDims: [0] });
    expect(out.toArray()).toEqual([[1, 2, 0, 3, 4], [0, 0, 12, 14, 0]]);
  });
  it("agrees with a JS accumulation for random indices (property)", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 1e6 }), (n, k, seed) => {
      const next = rng(seed);
      const base = Array.from({ length: n }, () => Math.floor(next() * 9) - 4);
      const ids = Array.from({ length: k }, () => Math.floor(next() * (n + 2)) - 1);
      const ups = Array.from({ length: k }, () => Math.floor(next() * 9) - 4);
      const expected = { add: [...base], set: [...base], mul: [...base], min: [...base], max: [...base] };
      ids.forEach((i, j) => {
        if (i < 0 || i >= n) return;
        expected.add[i] += ups[j]!;
        expected.set[i] = ups[j]!;
        expected.mul[i] *= ups[j]!;
        expected.min[i] = Math.min(expected.min[i]!, ups[j]!);
        expected.max[i] = Math.max(expected.max[i]!, ups[j]!);
      });
      const args = [np.array(base, "float64"), np.array(ids.map((i) => [i]), "int32").reshape([k, 1]), np.array(ups, "float64").reshape([k])] as const;
      expect(flat(lax.scatterAdd(...args, dn))).toEqual(expected.add);
      expect(flat(lax.scatter(...args, dn))).toEqual(expected.set);
      expect(flat(lax.scatterMul(...args, dn)).map((v) => v + 0)).toEqual(expected.mul.map((v) => v + 0));
      expect(flat(lax.scatterMin(...args, dn))).toEqual(expected.min);
      expect(flat(lax.scatterMax(...args, dn))).toEqual(expected.max);
    }), { seed: 5, numRuns: 80 });
  });
});

describe("dynamic_slice / dynamic_update_slice values", () => {
  const x = np.arange(12).reshape([3, 4]);
  it("clamps starts so the window fits (XLA)", () => {
    expect(lax.dynamicSlice(x, [1, 1], [2, 3]).toArray()).toEqual([[5, 6, 7], [9, 10, 11]]);
    expect(lax.dynamicSlice(x, [1, 1], [2, 4]).toArray()).toEqual([[4, 5, 6, 7], [8, 9, 10, 11]]);
    expect(lax.dynamicSlice(x, [np.array(-5, "int32"), np.array(9, "int32")], [1, 2]).toArray()).toEqual([[2, 3]]);
  });
  it("updates with clamped starts", () => {
    const z = np.zeros([6], "float32");
    const y = np.ones([3], "float32");
    expect(flat(lax.dynamicUpdateSlice(z, y, [2]))).toEqual([0, 0, 1, 1, 1, 0]);
    expect(flat(lax.dynamicUpdateSlice(z, y, [5]))).toEqual([0, 0, 0, 1, 1, 1]);
    expect(flat(lax.dynamicUpdateSlice(z, y, [-3]))).toEqual([1, 1, 1, 0, 0, 0]);
  });
});

// ---------------------------------------------------------------- derivatives and batching
interface Case { name: string; f: (...xs: NDArray[]) => NDArray[]; args: () => NDArray[]; vmapAxes: (number | null)[][] }
const dnTake = { offsetDims: [1], collapsedSliceDims: [0], startIndexMap: [0] };
const dnScatter = { updateWindowDims: [1], insertedWindowDims: [0], scatterDimsToOperandDims: [0] };
const dupIdx = () => i32([[2], [0], [2], [5], [1]]);
const cases: Case[] = [
  { name: "gather clip", f: (x, i) => [lax.gather(x!, i!, dnTake, [1, 3])], args: () => [f64([4, 3], 3), dupIdx()], vmapAxes: [[0, null], [1, null], [null, 0], [0, 0], [1, 0]] },
  { name: "gather fill", f: (x, i) => [lax.gather(x!, i!, dnTake, [1, 3], { mode: "fill", fillValue: 0 })], args: () => [f64([4, 3], 4), dupIdx()], vmapAxes: [[0, null], [1, 0]] },
  {
    name: "gather 2-D windows",
    f: (x, i) => [lax.gather(x!, i!, { offsetDims: [1, 2], collapsedSliceDims: [], startIndexMap: [0, 1] }, [2, 2])],
    args: () => [f64([4, 5], 5), i32([[0, 0], [3, 4], [1, 2]])], vmapAxes: [[0, null], [null, 0], [1, 1]],
  },
  ...(["add", "set", "mul", "min", "max"] as const).flatMap((combine) => ["drop", "clip"].map((mode) => ({
    name: `scatter ${combine} ${mode}`,
    f: (x: NDArray, i: NDArray, u: NDArray) => {
      const fn = { add: lax.scatterAdd, set: lax.scatter, mul: lax.scatterMul, min: lax.scatterMin, max: lax.scatterMax }[combine];
      return [fn(x, i, u, dnScatter, { mode: mode as "drop" | "clip" })];
    },
    // Distinct values keep min/max away from ties, where they are not differentiable.
    args: () => [f64([4, 3], 6), dupIdx(), combine === "mul" ? f64([5, 3], 7) : np.add(f64([5, 3], 7), 0.013)],
    vmapAxes: [[0, null, null], [null, null, 1], [null, 0, null], [0, 0, 0], [1, null, 0]],
  }) as Case)),
  {
    name: "scatter mul with zero updates",
    f: (x, i, u) => [lax.scatterMul(x!, i!, u!, dnScatter)],
    args: () => [f64([4, 3], 8), dupIdx(), np.array([[0, 1.5, 2], [0, 0, -1], [3, 0, 0.5], [1, 1, 1], [2, -2, 0.25]], "float64")],
    vmapAxes: [],
  },
  {
    name: "dynamic_slice",
    f: (x, a, b) => [lax.dynamicSlice(x!, [a!, b!], [2, 3])],
    args: () => [f64([4, 5], 9), np.array(1, "int32"), np.array(4, "int32")], vmapAxes: [[0, null, null], [1, null, null]],
  },
  {
    name: "dynamic_update_slice",
    f: (x, u, a, b) => [lax.dynamicUpdateSlice(x!, u!, [a!, b!])],
    args: () => [f64([4, 5], 10), f64([2, 3], 11), np.array(3, "int32"), np.array(-1, "int32")], vmapAxes: [[0, null, null, null], [null, 1, null, null], [1, 0, null, null]],
  },
];

describe.each(cases)("$name", ({ f, args, vmapAxes }) => {
  it("jvp matches central differences", () => {
    const { maxError, scale } = checkJvp(f, args(), 1);
    expect(maxError).toBeLessThan(1e-7 * (1 + scale));
  });
  it("vjp is the transpose of jvp", () => {
    const { maxError, scale } = checkTranspose(f, args(), 2);
    expect(maxError).toBeLessThan(1e-12 * (1 + scale));
  });
  it.each(vmapAxes.map((a) => [a]))("vmap with in-axes %j equals stacking", (axes) => {
    const a = args();
    const size = 3;
    // Build batched arguments: stack `size` perturbed copies along the mapped axis.
    const batched = a.map((x, i) => {
      const d = axes[i];
      if (d === null || d === undefined) return x;
      const copies = Array.from({ length: size }, (_, k) => (x.dtype === "int32" ? np.add(x, k % 2) : np.multiply(x, 1 + k / 7)));
      return np.stack(copies, d);
    });
    expect(checkVmap(f, batched, axes)).toBe(0);
  });
});

describe("batched starts lower to gather/scatter", () => {
  it("dynamic_slice with batched starts matches per-example slices", () => {
    const x = f64([3, 6], 12);
    const starts = np.array([0, 4, -1], "int32");
    expect(checkVmap((a, s) => [lax.dynamicSlice(a!, [s!], [3])], [x, starts], [0, 0])).toBe(0);
    expect(checkVmap((a, s) => [lax.dynamicSlice(a!, [np.array(1, "int32"), s!], [2, 3])], [x, starts], [null, 0])).toBe(0);
  });
  it("dynamic_update_slice with batched starts matches per-example updates", () => {
    const x = f64([3, 6], 13);
    const u = f64([3, 2], 14);
    const starts = np.array([5, 0, 2], "int32");
    expect(checkVmap((a, v, s) => [lax.dynamicUpdateSlice(a!, v!, [s!])], [x, u, starts], [0, 0, 0])).toBe(0);
    expect(checkVmap((a, v, s) => [lax.dynamicUpdateSlice(a!, v!, [s!])], [f64([6], 15), u, starts], [null, 0, 0])).toBe(0);
  });
});

describe("errors name the op and the shapes", () => {
  it("gather", () => {
    const x = np.zeros([4, 3]);
    expect(() => lax.gather(x, i32([[1]]), dnTake, [1, 4])).toThrow(ShapeError);
    expect(() => lax.gather(x, i32([[1]]), dnTake, [1, 4])).toThrow(/gather: sliceSizes\[1\] = 4.*f32\[4,3\]/);
    expect(() => lax.gather(x, i32([[1, 2]]), dnTake, [1, 3])).toThrow(/gather: startIndexMap has 1 entries.*i32\[1,2\]/);
    expect(() => lax.gather(x, np.array([[1]], "float32"), dnTake, [1, 3])).toThrow(DTypeError);
    expect(() => lax.gather(x, i32([[1]]), { offsetDims: [1], collapsedSliceDims: [1], startIndexMap: [0] }, [1, 3])).toThrow(/gather: collapsed axis 1 must have slice size 1/);
    expect(() => lax.gather(x, i32([[[1]]]), { ...dnTake, operandBatchingDims: [1], startIndicesBatchingDims: [0] }, [1, 1])).toThrow(/gather: .*batching/);
  });
  it("scatter", () => {
    const x = np.zeros([4, 3]);
    expect(() => lax.scatterAdd(x, i32([[1]]), np.zeros([2, 3]), dnScatter)).toThrow(/scatter: updates axis 0 \(size 2\) must match indices axis 0 \(size 1\).*f32\[4,3\]/);
    expect(() => lax.scatterAdd(x, i32([[1]]), np.zeros([1, 4]), dnScatter)).toThrow(/scatter: window axis 1 of updates \(size 4\) is larger than operand axis 1/);
    expect(() => lax.scatterAdd(x, i32([[1]]), np.zeros([1, 3], "float64"), dnScatter)).toThrow(DTypeError);
  });
  it("dynamic_slice / dynamic_update_slice", () => {
    const x = np.zeros([4, 3]);
    expect(() => lax.dynamicSlice(x, [0], [1, 1])).toThrow(/dynamic_slice: needs one start index per axis of operand f32\[4,3\]/);
    expect(() => lax.dynamicSlice(x, [0, 0], [5, 1])).toThrow(/dynamic_slice: sliceSizes \[5,1\] do not fit operand f32\[4,3\]/);
    expect(() => lax.dynamicUpdateSlice(x, np.zeros([5, 1]), [0, 0])).toThrow(/dynamic_update_slice: update f32\[5,1\] does not fit in operand f32\[4,3\]/);
  });
});
