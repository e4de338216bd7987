// cumsum/cumprod/cummax/cummin/cumlogsumexp and reduce_prod: values against independent forms
// (triangular matmul, prefix reductions, log-sum-exp of prefixes), derivatives that are exact with
// zeros (closed forms and second-order checks), jvp vs differences, transposes, vmap, errors.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { DTypeError, ShapeError, np, lax, internal, type NDArray } from "@fluxion/core";
import { checkJvp, checkTranspose, checkVmap, rng } from "./gradchecks.testing.js";

const f64 = (shape: number[], seed: number, lo = -2, hi = 2) => {
  const next = rng(seed);
  return np.array(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => lo + (hi - lo) * next()), "float64").reshape(shape);
};
const flat = (x: NDArray) => Array.from(x.dataSync());
const close = (a: number[], b: number[], tol = 1e-12) => {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => {
    if (Number.isNaN(b[i]!)) expect(v).toBeNaN();
    else if (!Number.isFinite(b[i]!)) expect(v).toBe(b[i]);
    else expect(Math.abs(v - b[i]!)).toBeLessThanOrEqual(tol * (1 + Math.abs(b[i]!)));
  });
};
/** Prefix reductions written with plain slices, as an oracle independent of the scan kernels. */
function prefixOracle(x: NDArray, axis: number, reverse: boolean, reduce: (s: NDArray) => NDArray): NDArray {
  const n = x.shape[axis]!;
  const parts = Array.from({ length: n }, (_, k) => {
    const s = reverse ? lax.sliceAxis(x, axis, k, n) : lax.sliceAxis(x, axis, 0, k + 1);
    return np.expandDims(reduce(s), axis);
  });
  return np.concatenate(parts, axis);
}

describe("cumulative values", () => {
  it("cumsum equals a lower-triangular matmul; reverse an upper one", () => {
    const x = f64([5, 3], 1);
    const lower = np.tri(5, 5, 0, "float64");
    close(flat(lax.cumsum(x, 0)), flat(np.matmul(lower, x)));
    close(flat(lax.cumsum(x, 0, true)), flat(np.matmul(np.transpose(lower), x)));
  });
  it.each([0, 1, 2])("all five match prefix reductions along axis %i (both directions)", (axis) => {
    const x = f64([3, 4, 5], 2 + axis);
    for (const reverse of [false, true]) {
      close(flat(lax.cumsum(x, axis, reverse)), flat(prefixOracle(x, axis, reverse, (s) => np.sum(s, axis))));
      close(flat(lax.cumprod(x, axis, reverse)), flat(prefixOracle(x, axis, reverse, (s) => lax.reduceProd(s, [axis]))));
      close(flat(lax.cummax(x, axis, reverse)), flat(prefixOracle(x, axis, reverse, (s) => np.max(s, axis))));
      close(flat(lax.cummin(x, axis, reverse)), flat(prefixOracle(x, axis, reverse, (s) => np.min(s, axis))));
      close(flat(lax.cumlogsumexp(x, axis, reverse)), flat(prefixOracle(x, axis, reverse, (s) => np.log(np.sum(np.exp(s), axis)))));
    }
  });
  it("propagates NaN and handles infinities", () => {
    const x = np.array([1, NaN, 3, -Infinity], "float64");
    close(flat(lax.cummax(x)), [1, NaN, NaN, NaN]);
    close(flat(lax.cumlogsumexp(np.array([-Infinity, -Infinity, 0, Infinity, 1], "float64"))), [-Infinity, -Infinity, 0, Infinity, Infinity]);
    close(flat(lax.cumprod(np.array([2, 0, Infinity], "float64"))), [2, 0, NaN]);
  });
  it("integer cumprod wraps like int32 arithmetic", () => {
    const x = np.array([65536, 65536, 3], "int32");
    expect(flat(lax.cumprod(x))).toEqual([65536, 0, 0]);
    expect(flat(lax.cumsum(np.array([2147483647, 1], "int32")))).toEqual([2147483647, -2147483648]);
    expect(flat(lax.reduceProd(np.array([65536, 65537], "int32"), [0]))).toEqual([65536]);
  });
  it("reduce_prod over several axes matches nested products", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e6 }), fc.subarray([0, 1, 2], { minLength: 1 }), (seed, axes) => {
      const x = f64([2, 3, 4], seed);
      let ref = x;
      for (const a of [...axes].sort((p, q) => q - p)) ref = lastAlong(ref, a);
      close(flat(lax.reduceProd(x, axes)), flat(ref));
    }), { seed: 9, numRuns: 20 });
  });
});
/** Product along `axis` by multiplying slices one at a time. */
function lastAlong(x: NDArray, axis: number): NDArray {
  let acc = np.squeeze(lax.sliceAxis(x, axis, 0, 1), axis);
  for (let k = 1; k < x.shape[axis]!; k++) acc = np.multiply(acc, np.squeeze(lax.sliceAxis(x, axis, k, k + 1), axis));
  return acc;
}

describe("derivatives exact with zeros and ties", () => {
  const grad1 = (f: (x: NDArray) => NDArray, x: NDArray): number[] => {
    const [, vjpFn] = internal.vjpFlat((a) => [f(a!)], [x]);
    const [g] = vjpFn([np.onesLike(f(x))]);
    return flat(g as NDArray);
  };
  it("reduce_prod gradient is the product of the others", () => {
    const cases = [[0, 2, 3], [0, 0, 3], [1.5, -2, 4], [0], [5, 0, 0, 0]];
    for (const c of cases) {
      const expected = c.map((_, i) => c.reduce((acc, v, j) => (j === i ? acc : acc * v), 1));
      close(grad1((x) => lax.reduceProd(x, [0]), np.array(c, "float64")), expected);
    }
  });
  it("cumprod gradient of the sum of prefixes (with zeros) is exact", () => {
    const c = [2, 0, 3, 0.5, 0, -1];
    // d/dx_i Σ_k Π_{j≤k} x_j = Σ_{k≥i} Π_{j≤k, j≠i} x_j
    const expected = c.map((_, i) => {
      let s = 0;
      for (let k = i; k < c.length; k++) s += c.slice(0, k + 1).reduce((acc, v, j) => (j === i ? acc : acc * v), 1);
      return s;
    });
    close(grad1((x) => np.sum(lax.cumprod(x)), np.array(c, "float64")), expected);
  });
  it("cummax gives the tangent to the running maximum (distinct values) and shares it on ties", () => {
    // Prefix maxima of [1, 3, 2, 5, 4] come from positions 0, 1, 1, 3, 3.
    close(grad1((x) => np.sum(lax.cummax(x)), np.array([1, 3, 2, 5, 4], "float64")), [1, 2, 0, 2, 0]);
    const tie = grad1((x) => lax.cummax(x), np.array([2, 2], "float64"));
    close([tie[0]! + tie[1]!], [2]);
  });
  it("second derivatives of reduce_prod and cumprod are right at zeros", () => {
    for (const c of [[0, 2, 3], [0, 0, 3], [1, 2, 0, 4]]) {
      const x = np.array(c, "float64");
      const v = np.array(c.map((_, i) => 0.3 + i), "float64");
      const jvpOf = (f: (a: NDArray) => NDArray) => (a: NDArray) => {
        const [, [t]] = internal.jvpFlat((b) => [f(b!)], [a], [v]);
        return [t as NDArray];
      };
      for (const f of [(a: NDArray) => lax.reduceProd(a, [0]), (a: NDArray) => lax.cumprod(a)]) {
        const { maxError, scale } = checkJvp(jvpOf(f), [x], 3, 1e-5);
        expect(maxError).toBeLessThan(1e-7 * (1 + scale));
      }
    }
  });
});

const positive = (shape: number[], seed: number) => f64(shape, seed, 0.5, 2);
const ops: [string, (x: NDArray, axis: number, reverse: boolean) => NDArray][] = [
  ["cumsum", lax.cumsum], ["cumprod", lax.cumprod], ["cummax", lax.cummax], ["cummin", lax.cummin], ["cumlogsumexp", lax.cumlogsumexp],
  ["reduce_prod", (x, axis) => lax.reduceProd(x, [axis])],
];
describe.each(ops)("%s rules", (_name, op) => {
  const configs = [{ axis: 0, reverse: false }, { axis: 1, reverse: true }, { axis: 2, reverse: false }];
  it.each(configs)("jvp matches central differences (axis $axis, reverse $reverse)", ({ axis, reverse }) => {
    const x = f64([3, 4, 5], 20 + axis);
    const { maxError, scale } = checkJvp((a) => [op(a!, axis, reverse)], [x], 4);
    expect(maxError).toBeLessThan(1e-7 * (1 + scale));
  });
  it.each(configs)("vjp is the transpose of jvp (axis $axis, reverse $reverse)", ({ axis, reverse }) => {
    const x = positive([3, 4, 5], 30 + axis);
    const { maxError, scale } = checkTranspose((a) => [op(a!, axis, reverse)], [x], 5);
    expect(maxError).toBeLessThan(1e-12 * (1 + scale));
  });
  it.each([[0, 0], [0, 1], [1, 0], [1, 2], [1, 1]])("vmap (op axis %i, in-axis %i) equals stacking", (axis, inAxis) => {
    const x = f64([3, 4, 5], 40 + axis);
    expect(checkVmap((a) => [op(a!, axis, true)], [x], [inAxis])).toBe(0);
  });
});

describe("cumulative errors", () => {
  it("names the op, the axis and the operand", () => {
    expect(() => lax.cumsum(np.zeros([2, 3]), 2)).toThrow(ShapeError);
    expect(() => lax.cumsum(np.zeros([2, 3]), 2)).toThrow(/cumsum: axis 2 is out of range for operand f32\[2,3\]/);
    expect(() => lax.cumlogsumexp(np.zeros([2], "int32"))).toThrow(DTypeError);
    expect(() => lax.cumlogsumexp(np.zeros([2], "int32"))).toThrow(/cumlogsumexp: got dtype int32/);
    expect(() => lax.reduceProd(np.zeros([2, 3]), [3])).toThrow(/reduce_prod: axes \[3\] invalid for operand f32\[2,3\]/);
    expect(() => lax.associativeScan(([a], [b]) => [np.add(a!, b!)], [np.zeros([2]), np.zeros([3])], 0)).toThrow(/associativeScan: every element needs size 2/);
  });
});
