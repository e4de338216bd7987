// NDArray basics and JAX's dtype promotion with weakly typed JS numbers.
import { describe, expect, it } from "vitest";
import { np, tidy, memoryStats, ConcreteArray } from "../index.js";
import { promoteKinds, type DType } from "../dtype.js";

describe("NDArray", () => {
  it("reports shape, dtype, size and converts to JS", async () => {
    const x = np.array([[1, 2, 3], [4, 5, 6]]);
    expect(x.shape).toEqual([2, 3]);
    expect(x.dtype).toBe("float32");
    expect(x.ndim).toBe(2);
    expect(x.size).toBe(6);
    expect(x.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(Array.from(await x.data())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(x.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(np.array(7).item()).toBe(7);
    expect(np.array([true, false]).dtype).toBe("bool");
    expect(np.array([true, false]).toArray()).toEqual([true, false]);
    expect(np.array(new Int32Array([1, 2])).dtype).toBe("int32");
    expect(() => np.array([[1, 2], [3]])).toThrow(/ragged/);
    expect(() => np.ones([2]).item()).toThrow(/only arrays with one element/);
  });
  it("has arithmetic and reduction methods", () => {
    const x = np.array([1, 2, 3, 4]).reshape(2, 2);
    expect(x.add(1).mul(2).toArray()).toEqual([[4, 6], [8, 10]]);
    expect(x.T.toArray()).toEqual([[1, 3], [2, 4]]);
    expect(x.sum().item()).toBe(10);
    expect(x.sum(0).toArray()).toEqual([4, 6]);
    expect(x.max(1, true).toArray()).toEqual([[2], [4]]);
    expect(x.mean().item()).toBe(2.5);
    expect(x.astype("int32").dtype).toBe("int32");
    expect(x.neg().toArray()).toEqual([[-1, -2], [-3, -4]]);
    expect(x.pow(2).toArray()).toEqual([[1, 4], [9, 16]]);
    expect(x.argmax(1).toArray()).toEqual([1, 1]);
  });
  it("slices with integers, ranges, steps, newaxis and ellipsis", () => {
    const x = np.arange(24).reshape(2, 3, 4);
    expect(x.slice(1, 2).toArray()).toEqual([20, 21, 22, 23]);
    expect(x.slice(0, ":", 0).toArray()).toEqual([0, 4, 8]);
    expect(x.slice("...", -1).toArray()).toEqual([[3, 7, 11], [15, 19, 23]]);
    expect(x.slice(0, 0, "::-1").toArray()).toEqual([3, 2, 1, 0]);
    expect(x.slice(0, 0, "1::2").toArray()).toEqual([1, 3]);
    expect(x.slice(0, [1, 3]).shape).toEqual([2, 4]);
    expect(x.slice(null, 0).shape).toEqual([1, 3, 4]);
    expect(() => x.slice(0, 5)).toThrow(/index 5 is out of bounds for axis 1 with size 3/);
  });
  it("functional updates with at()", () => {
    const x = np.zeros([3, 3]);
    expect(x.at(1, 1).set(5).toArray()).toEqual([[0, 0, 0], [0, 5, 0], [0, 0, 0]]);
    expect(x.at(":", 0).add(np.array([1, 2, 3])).slice(":", 0).toArray()).toEqual([1, 2, 3]);
    expect(np.ones([4]).at("::2").mul(3).toArray()).toEqual([3, 1, 3, 1]);
    expect(x.toArray()).toEqual([[0, 0, 0], [0, 0, 0], [0, 0, 0]]);
  });
  it("dispose, using and tidy free buffers", () => {
    const before = memoryStats().liveBuffers;
    {
      using a = np.ones([10]) as ConcreteArray;
      expect(memoryStats().liveBuffers).toBe(before + 1);
      expect(a.isDisposed).toBe(false);
    }
    expect(memoryStats().liveBuffers).toBe(before);
    const r = tidy(() => [np.ones([3]), np.zeros([2])] as const);
    expect(memoryStats().liveBuffers).toBe(before + 2);
    r.forEach((a) => a.dispose());
    expect(memoryStats().liveBuffers).toBe(before);
  });
});

describe("dtype promotion (JAX lattice, x64 canonicalised to 32-bit ints)", () => {
  // Reference: JAX docs, "Type promotion semantics" table (i* / f* are weak Python scalars).
  const k = (dtype: DType, weakType = false) => ({ dtype, weakType });
  it.each([
    ["bool", "int32", "int32"], ["int32", "uint32", "int32"], ["int32", "float32", "float32"], ["uint32", "float64", "float64"],
    ["float32", "float64", "float64"], ["bool", "float32", "float32"], ["int32", "int32", "int32"],
  ] as const)("%s ∨ %s = %s", (a, b, c) => {
    expect(promoteKinds(k(a), k(b))).toEqual(k(c));
    expect(promoteKinds(k(b), k(a))).toEqual(k(c));
  });
  it("weak JS numbers never widen an array of their category or higher", () => {
    expect(np.add(np.ones([2], "int32"), 3).dtype).toBe("int32");
    expect(np.add(np.ones([2], "uint32"), 3).dtype).toBe("uint32");
    expect(np.add(np.ones([2], "float32"), 3).dtype).toBe("float32");
    expect(np.add(np.ones([2], "float64"), 0.5).dtype).toBe("float64");
    expect(np.multiply(np.ones([2], "float32"), 1e-50).dtype).toBe("float32");
  });
  it("a weak float meeting an int array gives a weak float32", () => {
    const r = np.add(np.ones([2], "int32"), 1.5);
    expect(r.dtype).toBe("float32");
    expect(r.weakType).toBe(true);
    expect(np.add(r, np.ones([2], "float64")).dtype).toBe("float64");
  });
  it("bool meets a weak int as int32; true division promotes ints to float", () => {
    expect(np.add(np.array([true]), 2).dtype).toBe("int32");
    expect(np.divide(np.array([3], "int32"), 2).toArray()).toEqual([1.5]);
    expect(np.floorDivide(np.array([-7, 7], "int32"), 2).toArray()).toEqual([-4, 3]);
    expect(np.mod(np.array([-7, 7], "int32"), 3).toArray()).toEqual([2, 1]);
  });
});
