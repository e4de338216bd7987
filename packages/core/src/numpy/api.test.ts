// The np API surface: each elementwise function against Math (float64), its gradient against
// finite differences and vmap against a loop; creation and comparison functions against
// closed forms.
import { describe, expect, it } from "vitest";
import { np, NDArray } from "../index.js";
import { checkGrads, vmap } from "@fluxion/transforms";

type Un = (x: NDArray) => NDArray;
const unary: [string, Un, (x: number) => number, number, number][] = [
  ["cbrt", np.cbrt, Math.cbrt, 0.2, 3], ["reciprocal", np.reciprocal, (x) => 1 / x, 0.5, 3], ["exp2", np.exp2, (x) => 2 ** x, -2, 2],
  ["expm1", np.expm1, Math.expm1, -2, 2], ["log2", np.log2, Math.log2, 0.2, 4], ["log10", np.log10, Math.log10, 0.2, 4],
  ["tan", np.tan, Math.tan, -1.2, 1.2], ["arcsin", np.arcsin, Math.asin, -0.9, 0.9], ["arccos", np.arccos, Math.acos, -0.9, 0.9],
  ["arctan", np.arctan, Math.atan, -3, 3], ["sinh", np.sinh, Math.sinh, -2, 2], ["cosh", np.cosh, Math.cosh, -2, 2], ["tanh", np.tanh, Math.tanh, -2, 2],
  ["arcsinh", np.arcsinh, Math.asinh, -2, 2], ["arccosh", np.arccosh, Math.acosh, 1.2, 3], ["arctanh", np.arctanh, Math.atanh, -0.9, 0.9],
  ["sqrt", np.sqrt, Math.sqrt, 0.1, 4], ["square", np.square, (x) => x * x, -2, 2], ["exp", np.exp, Math.exp, -2, 2], ["log", np.log, Math.log, 0.2, 3],
  ["log1p", np.log1p, Math.log1p, -0.5, 2], ["sin", np.sin, Math.sin, -3, 3], ["cos", np.cos, Math.cos, -3, 3], ["negative", np.negative, (x) => -x, -2, 2],
  ["abs", np.abs, Math.abs, 0.1, 2], ["sign", np.sign, Math.sign, 0.1, 2],
];
const piecewise: [string, Un, (x: number) => number][] = [["floor", np.floor, Math.floor], ["ceil", np.ceil, Math.ceil], ["trunc", np.trunc, Math.trunc]];
const grid = (lo: number, hi: number, n = 7) => np.array(Array.from({ length: n }, (_, i) => lo + ((hi - lo) * (i + 0.37)) / n), "float64");

describe.each(unary)("np.%s", (_name, fn, ref, lo, hi) => {
  const x = grid(lo, hi);
  it("matches Math in float64", () => {
    const got = fn(x).dataSync();
    x.dataSync().forEach((v, i) => expect(got[i]).toBeCloseTo(ref(v), 12));
  });
  it("has the finite-difference gradient and vmaps like a loop", () => {
    checkGrads(fn as never, [x], { order: 1 });
    const m = np.reshape(grid(lo, hi, 6), [2, 3]);
    const v = vmap(fn as never)(m) as NDArray;
    expect(v.toArray()).toEqual([fn(m.slice(0)).toArray(), fn(m.slice(1)).toArray()]);
  });
});

describe.each(piecewise)("np.%s", (_n, fn, ref) => {
  it("matches Math", () => {
    const x = np.array([-2.5, -1, -0.4, 0, 0.4, 1.5, 2.5], "float64");
    expect(fn(x).toArray()).toEqual((x.toArray() as number[]).map(ref));
  });
});

describe("binary and comparison functions", () => {
  const a = np.array([-1.5, 0.5, 2, 3], "float64");
  const b = np.array([2, -0.5, 2, 1], "float64");
  it("arctan2, logaddexp, hypot", () => {
    const A = a.toArray() as number[], B = b.toArray() as number[];
    (np.arctan2(a, b).toArray() as number[]).forEach((v, i) => expect(v).toBeCloseTo(Math.atan2(A[i]!, B[i]!), 14));
    (np.logaddexp(a, b).toArray() as number[]).forEach((v, i) => expect(v).toBeCloseTo(Math.log(Math.exp(A[i]!) + Math.exp(B[i]!)), 14));
    (np.hypot(a, b).toArray() as number[]).forEach((v, i) => expect(v).toBeCloseTo(Math.hypot(A[i]!, B[i]!), 14));
    expect(np.logaddexp(np.array([-Infinity]), np.array([-Infinity])).item()).toBe(-Infinity);
    checkGrads((x: NDArray, y: NDArray) => np.arctan2(x, y), [a, b], { order: 1 });
    checkGrads((x: NDArray, y: NDArray) => np.logaddexp(x, y), [a, b], { order: 2 });
    checkGrads((x: NDArray, y: NDArray) => np.hypot(x, y), [a, b], { order: 1 });
  });
  it("comparisons and logic", () => {
    expect(np.notEqual(a, b).toArray()).toEqual([true, true, false, true]);
    expect(np.lessEqual(a, b).toArray()).toEqual([true, false, true, false]);
    expect(np.greaterEqual(a, b).toArray()).toEqual([false, true, true, true]);
    expect(np.logicalOr([true, false, false], [false, false, true]).toArray()).toEqual([true, false, true]);
    expect(np.logicalNot([true, false]).toArray()).toEqual([false, true]);
    expect(np.logicalXor([true, true, false], [true, false, false]).toArray()).toEqual([false, true, false]);
    expect(np.isinf(np.array([1, Infinity, -Infinity, NaN])).toArray()).toEqual([false, true, true, false]);
  });
});

describe("creation", () => {
  it("full, fullLike, identity", () => {
    expect(np.full([2, 2], 7).toArray()).toEqual([[7, 7], [7, 7]]);
    expect(np.full([2], true).dtype).toBe("bool");
    expect(np.fullLike(np.zeros([3], "int32"), 4).toArray()).toEqual([4, 4, 4]);
    expect(np.fullLike(np.zeros([3], "int32"), 4).dtype).toBe("int32");
    expect(np.identity(3).toArray()).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
  });
});

describe("reductions, shapes and products without a dedicated suite", () => {
  const m = np.array([[1, 2, 3], [4, 5, 7]], "float64");
  it("var and std (population, ddof)", () => {
    expect(np.var(m).item()).toBeCloseTo(((1 + 4 + 9 + 16 + 25 + 49) / 6) - (22 / 6) ** 2, 12);
    (np.std(m, 1).toArray() as number[]).forEach((v, i) => expect(v).toBeCloseTo(Math.sqrt([2 / 3, 14 / 9][i]!), 14));
    expect(np.var(m, 0, false, 1).toArray()).toEqual([4.5, 4.5, 8]);
    checkGrads((x: NDArray) => np.var(x, 1), [m], { order: 2 });
  });
  it("ravel, broadcastArrays, hstack, vstack", () => {
    expect(np.ravel(m).toArray()).toEqual([1, 2, 3, 4, 5, 7]);
    const [a, b] = np.broadcastArrays(np.array([1, 2, 3]), np.array([[10], [20]]));
    expect(a!.shape).toEqual([2, 3]);
    expect(b!.toArray()).toEqual([[10, 10, 10], [20, 20, 20]]);
    expect(np.hstack([np.array([1, 2]), np.array([3])]).toArray()).toEqual([1, 2, 3]);
    expect(np.vstack([np.array([1, 2]), np.array([3, 4])]).toArray()).toEqual([[1, 2], [3, 4]]);
  });
  it("vdot and inner", () => {
    expect(np.vdot(m, m).item()).toBe(104);
    expect(np.inner(m, m).toArray()).toEqual([[14, 35], [35, 90]]);
    checkGrads((x: NDArray, y: NDArray) => np.inner(x, y), [m, np.array([[0.5, -1, 2]], "float64")], { order: 1 });
  });
});
