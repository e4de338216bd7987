// Reshape, Transpose, Split, Restructure: TFP's documented examples, shapes, structured event ndims, zero ldj.
import { describe, expect, test } from "vitest";
import { NDArray, np } from "@fluxion/core";
import * as tfb from "./index.js";
import { f64, numbers } from "./bijectors.testing.js";

describe("Reshape", () => {
  test("TFP's documented example: eventShapeOut=[1, -1]", () => {
    const r = new tfb.Reshape({ eventShapeOut: [1, -1] });
    expect(r.forward(f64([3, 4])).shape).toEqual([1, 2]);
    expect(r.forward(f64([[1, 2], [3, 4]])).shape).toEqual([2, 1, 2]);
    expect(r.inverse(f64([[3, 4]])).shape).toEqual([2]);
    expect(numbers(r.inverse(f64([[3, 4]])))).toEqual([3, 4]);
    expect(r.forwardLogDetJacobian(f64([3, 4])).item()).toBe(0);
    expect(r.forwardMinEventNdims).toBe(1);
    expect(r.inverseMinEventNdims).toBe(2);
    expect(r.forwardEventShape([5, 6])).toEqual([5, 1, 6]);
    expect(r.inverseEventShape([5, 1, 6])).toEqual([5, 6]);
  });

  test("explicit eventShapeIn is checked; -1 is inferred; bad parameters are rejected", () => {
    const r = new tfb.Reshape({ eventShapeOut: [6], eventShapeIn: [2, 3] });
    const x = np.reshape(np.arange(12, undefined, 1, "float64"), [2, 2, 3]);
    expect(numbers(r.forward(x))).toEqual(numbers(x));
    expect(r.forward(x).shape).toEqual([2, 6]);
    expect(() => r.forward(f64([[1, 2], [3, 4]]))).toThrow(/does not match/);
    expect(() => new tfb.Reshape({ eventShapeOut: [-1, -1] })).toThrow(/at most one -1/);
    expect(r.forwardLogDetJacobian(x, 3).item()).toBe(0);
  });
});

describe("Transpose", () => {
  test("permutes only the rightmost dims, and inverts", () => {
    const t = new tfb.Transpose({ perm: [1, 0] });
    const x = np.reshape(np.arange(24, undefined, 1, "float64"), [2, 3, 4]);
    const y = t.forward(x);
    expect(y.shape).toEqual([2, 4, 3]);
    expect(numbers(y)).toEqual(numbers(np.transpose(x, [0, 2, 1])));
    expect(numbers(t.inverse(y))).toEqual(numbers(x));
    expect(t.forwardEventShape([2, 3, 4])).toEqual([2, 4, 3]);
    const cyc = new tfb.Transpose({ perm: [2, 0, 1] });
    expect(cyc.forward(x).shape).toEqual([4, 2, 3]);
    expect(numbers(cyc.inverse(np.asarray(cyc.forward(x).toArray(), "float64")))).toEqual(numbers(x));
    expect(cyc.inverseEventShape([4, 2, 3])).toEqual([2, 3, 4]);
    expect(new tfb.Transpose({ rightmostTransposedNdims: 2 }).perm).toEqual([1, 0]);
    expect(() => new tfb.Transpose({ perm: [0, 0] })).toThrow(/permutation/);
  });
});

describe("Split", () => {
  test("TFP's documented example: sizes [4, 1, 3] along the last axis", () => {
    const split = new tfb.Split({ numOrSizeSplits: [4, 1, 3], axis: -1 });
    const ys = split.forward(np.zeros([5, 6, 8], "float64"));
    expect(ys.map((y) => y.shape)).toEqual([[5, 6, 4], [5, 6, 1], [5, 6, 3]]);
    expect(split.inverse(ys).shape).toEqual([5, 6, 8]);
    expect(split.forwardMinEventNdims).toBe(1);
    expect(split.inverseMinEventNdims).toEqual([1, 1, 1]);
    expect(split.forwardEventShape([6, 8])).toEqual([[6, 4], [6, 1], [6, 3]]);
    expect(split.inverseEventShape([[6, 4], [6, 1], [6, 3]])).toEqual([6, 8]);
  });

  test("values, an inferred -1 size, equal splits on axis -2, and structured ldj event ndims", () => {
    const x = np.reshape(np.arange(12, undefined, 1, "float64"), [2, 6]);
    const [a, b] = new tfb.Split({ numOrSizeSplits: [-1, 2] }).forward(x);
    expect(a!.toArray()).toEqual([[0, 1, 2, 3], [6, 7, 8, 9]]);
    expect(b!.toArray()).toEqual([[4, 5], [10, 11]]);
    const rows = new tfb.Split({ numOrSizeSplits: 2, axis: -2 });
    const parts = rows.forward(x);
    expect(parts.map((p) => p.toArray())).toEqual([[[0, 1, 2, 3, 4, 5]], [[6, 7, 8, 9, 10, 11]]]);
    expect(numbers(rows.inverse(parts))).toEqual(numbers(x));
    expect(rows.inverseLogDetJacobian(parts, [2, 2]).item()).toBe(0);
    expect(() => rows.inverseLogDetJacobian(parts, [2, 3])).toThrow(/equal for all parts/);
    expect(() => new tfb.Split({ numOrSizeSplits: 4 }).forward(x)).toThrow(/equal splits/);
    expect(() => new tfb.Split({ numOrSizeSplits: 2, axis: 1 })).toThrow(/negative/);
  });
});

describe("Restructure", () => {
  const values = (s: unknown) => JSON.parse(JSON.stringify(s, (_, v) => (v instanceof NDArray ? v.item() : v))) as unknown;

  test("TFP's documented examples", () => {
    const structure1 = { a: 1, b: 2, c: 0 };
    const listToDict = new tfb.Restructure({ outputStructure: structure1 });
    expect(values(listToDict.forward([0.01, 0.02, 0.03].map((v) => f64(v))))).toEqual({ a: 0.02, b: 0.03, c: 0.01 });
    const dictToDict = new tfb.Restructure({ outputStructure: structure1, inputStructure: { c: 2, d: 1, e: 0 } });
    expect(values(dictToDict.forward({ c: f64(-3.5), d: f64(96), e: f64(12) }))).toEqual({ a: 96, b: -3.5, c: 12 });
    const restructure = new tfb.Restructure({ outputStructure: { foo: [0, 1], bar: [3, 2], baz: [4, 5, 6] } });
    const x = [1, 2, 4, 8, 16, 32, 64].map((v) => f64(v));
    expect(values(restructure.forward(x))).toEqual({ foo: [1, 2], bar: [8, 4], baz: [16, 32, 64] });
    const back = restructure.inverse(restructure.forward(x) as tfb.Value) as NDArray[];
    expect(back.map((v) => v.item())).toEqual([1, 2, 4, 8, 16, 32, 64]);
  });

  test("event shapes and ndims move with the parts; ldj is zero; tokens must match", () => {
    const r = new tfb.Restructure({ outputStructure: { x: 1, y: 0 } });
    expect(r.forwardEventShape([[3], [2, 2]])).toEqual({ x: [2, 2], y: [3] });
    expect(r.forwardEventNdims([1, 2])).toEqual({ x: 2, y: 1 });
    expect(r.inverseEventNdims({ x: 2, y: 1 })).toEqual([1, 2]);
    expect(r.forwardLogDetJacobian([f64([1]), f64([2])]).item()).toBe(0);
    expect(() => new tfb.Restructure({ outputStructure: [0, 2] })).toThrow(/0..n-1/);
    expect(() => new tfb.Restructure({ outputStructure: { a: 0 }, inputStructure: [1] })).toThrow(/must match/);
    expect(() => r.forward([f64(1)])).toThrow(/parts/);
  });
});
