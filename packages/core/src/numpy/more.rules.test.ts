// np breadth beyond the NumPy fixtures: JAX's out-of-bounds modes, empty arrays, derivatives (jvp vs
// central differences and the transpose identity) and vmap of the np functions, and error messages.
import { describe, expect, it } from "vitest";
import { ConcretizationError, DTypeError, ShapeError, np, internal, type NDArray } from "@fluxion/core";
import { checkJvp, checkTranspose, checkVmap, rng } from "../primitives/gradchecks.testing.js";

const f64 = (shape: number[], seed: number, lo = -2, hi = 2) => {
  const next = rng(seed);
  return np.array(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => lo + (hi - lo) * next()), "float64").reshape(shape);
};
const i32 = (xs: number[] | number[][]) => np.array(xs, "int32");
const flat = (x: NDArray) => Array.from(x.dataSync());

describe("out-of-bounds modes and edge cases", () => {
  it("take: fill (default) gives NaN / int min, clip clamps, wrap wraps", () => {
    const x = np.array([10, 20, 30], "float64");
    expect(flat(np.take(x, i32([0, 3, -1, -4])))).toEqual([10, NaN, 30, NaN]);
    expect(flat(np.take(x, i32([0, 3, -1, -4]), 0, "fill", -7))).toEqual([10, -7, 30, -7]);
    expect(flat(np.take(np.array([1, 2], "int32"), [5]))).toEqual([-2147483648]);
    expect(flat(np.take(x, [0, 3, -1, -4], 0, "clip"))).toEqual([10, 30, 10, 10]);
    expect(flat(np.take(x, [0, 3, -1, -4], 0, "wrap"))).toEqual([10, 10, 30, 30]);
  });
  it("x.slice(array) clamps out-of-bounds reads; x.at(array) drops out-of-bounds updates", () => {
    const x = np.array([1, 2, 3, 4], "float64");
    expect(flat(x.slice(i32([7, -9, -1])))).toEqual([4, 1, 4]);
    expect(flat(x.at(i32([7, 1, -9, 1])).add(10))).toEqual([1, 22, 3, 4]);
    expect(flat(x.at(i32([0, 0, 0])).set(np.array([5, 6, 7], "float64")))).toEqual([7, 2, 3, 4]);
    expect(x.at(i32([1])).get().toArray()).toEqual([2]);
  });
  it("empty arrays", () => {
    expect(flat(np.prod(np.zeros([0])))).toEqual([1]);
    expect(np.prod(np.zeros([2, 0]), 1).toArray()).toEqual([1, 1]);
    expect(np.cumsum(np.zeros([0, 3]), 0).shape).toEqual([0, 3]);
    expect(np.sort(np.zeros([3, 0])).shape).toEqual([3, 0]);
    expect(np.take(np.zeros([0]), i32([]).reshape([0])).shape).toEqual([0]);
    expect(np.take(np.arange(4), i32([]).reshape([0, 2]), 0).shape).toEqual([0, 2]);
    expect(np.pad(np.zeros([0, 2]), 1).shape).toEqual([2, 4]);
    expect(np.einsum("ij,jk->ik", np.zeros([2, 0]), np.zeros([0, 3])).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(np.diagonal(np.zeros([2, 3]), 4).shape).toEqual([0]);
    expect(np.arange(6).reshape([2, 3]).slice(i32([]).reshape([0])).shape).toEqual([0, 3]);
  });
  it("NDArray.prod and negative axes", () => {
    const x = np.array([[1, 2], [3, 4]], "float64");
    expect(x.prod().item()).toBe(24);
    expect(x.prod(-1).toArray()).toEqual([2, 12]);
    expect(np.cumsum(x, -2).toArray()).toEqual([[1, 2], [4, 6]]);
    expect(np.prod(np.array([true, true, false]))).toBeDefined();
    expect(np.prod(np.array([true, true])).dtype).toBe("int32");
  });
  it("quantile interpolates at traced q and sorts NaN-aware", () => {
    const x = np.array([3, 1, 2, 10], "float64");
    const [[out]] = internal.vmapFlat((q) => [np.quantile(x, q!)], [np.array([0, 0.5, 1], "float64")], [0], 3);
    expect(flat(out!)).toEqual([1, 2.5, 10]);
    expect(flat(np.median(np.array([1, NaN, 3], "float64")))).toEqual([NaN]);
    expect(flat(np.nanmedian(np.array([1, NaN, 3], "float64")))).toEqual([2]);
    expect(flat(np.nanmedian(np.array([NaN, NaN], "float64")))).toEqual([NaN]);
  });
  it("searchsorted puts NaN last and respects side", () => {
    const a = np.array([1, 2, 2, 3, NaN], "float64");
    expect(flat(np.searchsorted(a, np.array([2, NaN, 0, 4], "float64")))).toEqual([1, 4, 0, 4]);
    expect(flat(np.searchsorted(a, np.array([2, NaN, 0, 4], "float64"), "right"))).toEqual([3, 5, 0, 4]);
  });
  it("argsort is stable both ways", () => {
    const x = np.array([2, 1, 2, 1, 3], "float64");
    expect(flat(np.argsort(x))).toEqual([1, 3, 0, 2, 4]);
    expect(flat(np.argsort(x, -1, { descending: true }))).toEqual([4, 0, 2, 1, 3]);
  });
});

// ---------------------------------------------------------------- derivatives
type Fn = (...xs: NDArray[]) => NDArray[];
const gradCases: [string, Fn, () => NDArray[]][] = [
  ["take with duplicates", (x) => [np.take(x!, i32([[2, 0], [2, 2]]), 1)], () => [f64([3, 4], 1)]],
  ["takeAlongAxis", (x) => [np.takeAlongAxis(x!, i32([[1, 1, 0], [2, 0, 0]]), 1)], () => [f64([2, 3], 2)]],
  ["x.slice(array, slice)", (x) => [x!.slice(i32([2, 0, 2]), "1:3")], () => [f64([3, 4], 3)]],
  ["x.slice(slice, int, array)", (x) => [x!.slice(":", 1, i32([[0, 3], [3, 3]]))], () => [f64([2, 3, 4], 4)]],
  ["x.at(array).set", (x, v) => [x!.at(i32([1, 1, 3])).set(v!)], () => [f64([5], 5), f64([3], 6)]],
  ["x.at(array).add", (x, v) => [x!.at(":", i32([0, 0])).add(v!)], () => [f64([2, 3], 7), f64([2, 2], 8)]],
  ["x.at(array).mul", (x, v) => [x!.at(i32([2, 2, 0])).mul(v!)], () => [f64([4], 9), f64([3], 10)]],
  ["x.at(array).max", (x, v) => [x!.at(i32([2, 2, 0])).max(v!)], () => [f64([4], 11), f64([3], 12)]],
  ...(["reflect", "symmetric", "wrap", "edge", "constant", "linear_ramp", "mean", "maximum", "median"] as const).map((mode) =>
    [`pad ${mode}`, (x: NDArray) => [np.pad(x, [[3, 1], [2, 4]], mode, { statLength: mode === "mean" ? 2 : null, endValues: 0.5 })], () => [f64([3, 3], 13)]] as [string, Fn, () => NDArray[]]),
  ["einsum matmul chain", (a, b, c) => [np.einsum("ij,jk,kl->il", a!, b!, c!)], () => [f64([2, 3], 14), f64([3, 4], 15), f64([4, 2], 16)]],
  ["einsum diagonal + ellipsis", (a, b) => [np.einsum("...ii,...i->...", a!, b!)], () => [f64([2, 3, 3], 17), f64([3], 18)]],
  ["tensordot", (a, b) => [np.tensordot(a!, b!, [[0, 2], [2, 0]])], () => [f64([2, 3, 4], 19), f64([4, 3, 2], 20)]],
  ["trace / diagonal / diag", (a, v) => [np.trace(a!, 1), np.diagonal(a!, -1), np.diag(v!, 1)], () => [f64([3, 4], 21), f64([3], 22)]],
  ["quantile (x and q)", (x, q) => [np.quantile(x!, q!, 1)], () => [f64([3, 7], 23), np.array([0.1, 0.55, 0.93], "float64")]],
  ["median / percentile", (x) => [np.median(x!, 0), np.percentile(x!, [10, 90], 1, "midpoint")], () => [f64([4, 5], 24)]],
  ["sort / argsort-take", (x) => [np.sort(x!, 0), np.takeAlongAxis(x!, np.argsort(x!, 1), 1)], () => [f64([3, 4], 25)]],
  ["roll static and traced", (x, s) => [np.roll(x!, [1, -2], [0, 1]), np.roll(x!, s!, 1)], () => [f64([3, 4], 26), np.array(3, "int32")]],
  ["cross / kron", (a, b) => [np.cross(a!, b!), np.kron(a!, b!)], () => [f64([2, 3], 27), f64([2, 3], 28)]],
  ["prod / cumsum / cumprod", (x) => [np.prod(x!, 1), np.cumsum(x!, 0), np.cumprod(x!)], () => [f64([3, 4], 29)]],
  ["nan reductions", (x) => [np.nanmean(x!, 1), np.nanvar(x!, 0), np.nansum(x!), np.nanmax(x!, 1)], () => [np.where(np.equal(np.arange(12).reshape([3, 4]), 5), NaN, f64([3, 4], 30))]],
  ["tile / repeat / split", (x) => [np.tile(x!, [2, 1]), np.repeat(x!, [2, 0, 1], 0), ...np.arraySplit(x!, 3, 1)], () => [f64([3, 4], 31)]],
  ["diff with prepend", (x) => [np.diff(x!, 2, 1, 0.5)], () => [f64([2, 5], 32)]],
];
describe.each(gradCases)("%s", (_name, f, args) => {
  it("jvp matches central differences", () => {
    const { maxError, scale } = checkJvp(f, args(), 3);
    expect(maxError).toBeLessThan(1e-7 * (1 + scale));
  });
  it("vjp is the transpose of jvp", () => {
    const { maxError, scale } = checkTranspose(f, args(), 4);
    expect(maxError).toBeLessThan(1e-12 * (1 + scale));
  });
});

describe("vmap of np functions equals stacking", () => {
  const stack3 = (x: NDArray, axis: number) => np.stack([x, np.multiply(x, 1.5), np.negative(x)], axis);
  it.each([
    ["einsum", (a: NDArray, b: NDArray) => [np.einsum("ij,jk->ki", a, b)], [f64([2, 3], 40), f64([3, 4], 41)]],
    ["quantile", (a: NDArray) => [np.quantile(a, [0.2, 0.7], 0)], [f64([5, 2], 42)]],
    ["pad reflect", (a: NDArray) => [np.pad(a, [[2, 1], [1, 3]], "reflect")], [f64([3, 3], 43)]],
    ["x.slice(array)", (a: NDArray) => [a.slice(i32([1, 1, 0]), ":")], [f64([2, 3], 44)]],
    ["searchsorted", (a: NDArray, v: NDArray) => [np.searchsorted(np.sort(a), v)], [f64([6], 45), f64([2, 2], 46)]],
  ] as [string, Fn, NDArray[]][])("%s", (_n, f, args) => {
    for (const axis of [0, 1]) {
      expect(checkVmap(f, args.map((a) => stack3(a, Math.min(axis, a.ndim))), args.map((a) => Math.min(axis, a.ndim)))).toBe(0);
      expect(checkVmap(f, [stack3(args[0]!, axis), ...args.slice(1)], args.map((_, i) => (i === 0 ? axis : null)))).toBe(0);
    }
  });
  it("batched integer indices in x.slice and x.at", () => {
    const x = f64([4, 3], 47);
    const idx = i32([[0, 3], [2, 2], [1, 0]]);
    expect(checkVmap((i) => [x.slice(i!)], [idx], [0])).toBe(0);
    expect(checkVmap((a, i) => [a!.at(i!).add(1)], [stack3(x, 1), idx], [1, 0])).toBe(0);
    expect(checkVmap((a, i) => [np.take(a!, i!, 1)], [stack3(x, 0), idx], [0, 0])).toBe(0);
  });
});

describe("np errors name the function and the shapes", () => {
  it.each([
    [() => np.take(np.zeros([2, 3]), [0], 2), /take: axis 2 is out of bounds for an array of rank 2/],
    [() => np.take(np.zeros([3]), [0.5]), /take: indices must be integers/],
    [() => np.take(np.zeros([3]), np.array([0], "float32")), /take: indices must have an integer dtype, got float32/],
    [() => np.takeAlongAxis(np.zeros([2, 3]), i32([0]), 1), /takeAlongAxis: indices of shape \[1\] and array of shape \[2,3\]/],
    [() => np.pad(np.zeros([2, 3]), [[1, 2, 3]]), /pad: padWidth \[\[1,2,3\]\] cannot be broadcast to \(2, 2\)/],
    [() => np.pad(np.zeros([2, 3]), -1), /pad: padWidth -1 must be non-negative/],
    [() => np.pad(np.zeros([0, 3]), 1, "reflect"), /pad: cannot extend the empty axis 0 of an array of shape \[0,3\]/],
    [() => np.split(np.zeros([5]), 2), /split: an axis of size 5 does not split into 2 equal sections; use arraySplit/],
    [() => np.einsum("ij,jk->ik", np.zeros([2, 3]), np.zeros([4, 5])), /einsum: label "j" has sizes 3 and 4 in "ij,jk->ik" \(operand shapes \[2,3\], \[4,5\]\)/],
    [() => np.einsum("ij,jk->ix", np.zeros([2, 3]), np.zeros([3, 5])), /einsum: output label "x" does not appear/],
    [() => np.einsum("ij", np.zeros([2, 3, 4])), /einsum: term "ij" has 2 labels but operand 0 has shape \[2,3,4\]/],
    [() => np.einsum("...ij->ij", np.zeros([2, 3, 4])), /einsum: .* no "\.\.\." in the output/],
    [() => np.tensordot(np.zeros([2, 3]), np.zeros([2, 3]), 1), /tensordot: axes \[1\] of \[2,3\] and \[0\] of \[2,3\] must pair up/],
    [() => np.cross(np.zeros([4]), np.zeros([3])), /cross: incompatible vector sizes 4 and 3/],
    [() => np.quantile(np.zeros([3]), 1.5), /quantile: q = 1.5 is outside \[0, 1\]/],
    [() => np.quantile(np.zeros([0]), 0.5), /quantile: cannot take a quantile over an empty axis \(array shape \[0\]/],
    [() => np.diag(np.zeros([2, 2, 2])), /diag: input must be 1-D or 2-D, got shape \[2,2,2\]/],
    [() => np.diagonal(np.zeros([2, 2]), 0, 1, -1), /diagonal: axis1 and axis2 must differ/],
    [() => np.repeat(np.zeros([3]), [1, 2]), /repeat: 2 repeat counts for an axis of size 3/],
    [() => np.zeros([3]).slice(np.array([true, false, true])), /slice: boolean mask indices have a data-dependent shape/],
    [() => np.zeros([3]).at(np.array([1], "float32")).set(1), /slice: array indices must be integers, got float32/],
    [() => np.zeros([3, 2]).at(i32([0, 1])).set(np.zeros([3])), /at: shapes \[3\], \[2,2\] cannot be broadcast/],
    [() => np.searchsorted(np.zeros([2, 2]), 1), /searchsorted: the sorted array must be 1-D, got shape \[2,2\]/],
  ] as [() => unknown, RegExp][])("%#", (f, re) => {
    expect(f).toThrow(re);
    let err: unknown;
    try { f(); } catch (e) { err = e; }
    expect(err instanceof ShapeError || err instanceof DTypeError).toBe(true);
  });
  it("repeat counts must be concrete", () => {
    expect(() => internal.vmapFlat((r) => [np.repeat(np.zeros([2]), r!)], [i32([[1, 2], [2, 1]])], [0], 2)).toThrow(ConcretizationError);
  });
});
