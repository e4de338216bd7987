// lax.reduce (monoid computations) and lax.select.
import { describe, expect, it } from "vitest";
import { np, lax, NDArray } from "../index.js";
import { grad, vmap } from "@fluxion/transforms";

describe("lax.reduce", () => {
  const x = np.array([[1, 5, 2], [7, 0, 3]], "float64");
  it("recognises add/max/min and applies the init value", () => {
    expect(lax.reduce(x, 0, lax.add, [1]).toArray()).toEqual([8, 10]);
    expect(lax.reduce(x, 10, (a: NDArray, b: NDArray) => lax.add(a, b), [0, 1]).item()).toBe(28);
    expect(lax.reduce(x, -Infinity, lax.max, [0]).toArray()).toEqual([7, 5, 3]);
    expect(lax.reduce(x, Infinity, lax.min, [1]).toArray()).toEqual([1, 0]);
  });
  it("is differentiable and vmappable", () => {
    expect((grad((v: NDArray) => lax.reduce(v, 0, lax.add, [0, 1]))(x) as NDArray).toArray()).toEqual([[1, 1, 1], [1, 1, 1]]);
    expect((vmap((r: NDArray) => lax.reduce(r, -Infinity, lax.max, [0]))(x) as NDArray).toArray()).toEqual([5, 7]);
  });
  it("refuses other computations with a clear error", () => {
    expect(() => lax.reduce(x, 0, (a: NDArray, b: NDArray) => lax.sub(a, b), [0])).toThrow(/lax\.reduce: the computation must be one of add, max, min, and, or.*sub.*use scan/);
  });
});

describe("lax.select", () => {
  it("picks onTrue where pred is true", () => {
    expect(lax.select(np.array([true, false]), np.array([1, 2]), np.array([3, 4])).toArray()).toEqual([1, 4]);
  });
});
