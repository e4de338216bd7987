// Control flow under every transform, nested in different orders.
import { describe, expect, it } from "vitest";
import { NDArray, np } from "@fluxion/core";
import { grad, vmap, jit, jvp, scan, whileLoop, foriLoop, cond, switchCase, checkGrads, makeJaxpr } from "@fluxion/transforms";

const arr = (x: unknown) => (x as NDArray).toArray();

describe("scan", () => {
  it("computes a cumulative sum with carry and ys", () => {
    const [c, ys] = scan((c: NDArray, x: NDArray) => [np.add(c, x), np.add(c, x)] as [NDArray, NDArray], np.array(0), np.array([1, 2, 3, 4]));
    expect(arr(c)).toBe(10);
    expect(arr(ys)).toEqual([1, 3, 6, 10]);
  });
  it("runs in reverse", () => {
    const [, ys] = scan((c: NDArray, x: NDArray) => [np.add(c, x), c] as [NDArray, NDArray], np.array(0), np.array([1, 2, 3]), { reverse: true });
    expect(arr(ys)).toEqual([5, 3, 0]);
  });
  it("grad(scan) matches the unrolled loop and finite differences", () => {
    const xs = np.array([0.3, -0.2, 0.5, 0.1], "float64");
    const rnn = (w: NDArray) => scan((h: NDArray, x: NDArray) => { const h2 = np.tanh(np.add(np.multiply(w, h), x)); return [h2, h2] as [NDArray, NDArray]; }, np.array(0.1, "float64"), xs)[0];
    const unrolled = (w: NDArray) => { let h: NDArray = np.array(0.1, "float64"); for (const x of arr(xs) as number[]) h = np.tanh(np.add(np.multiply(w, h), x)); return h; };
    const w = np.array(0.7, "float64");
    expect(arr(grad(rnn)(w)) as number).toBeCloseTo(arr(grad(unrolled)(w)) as number, 12);
    checkGrads(rnn, [w], { order: 2 });
  });
  it("grad through a jitted 1000-step scan (reverse-mode of a long loop)", () => {
    const f = jit((x: NDArray) => scan((c: NDArray, _: null) => [np.add(np.multiply(c, 0.999), np.sin(c)), null] as [NDArray, null], x, null, { length: 1000 })[0]);
    const g = grad(f)(np.array(0.1, "float64"));
    expect(Number.isFinite(arr(g) as number)).toBe(true);
  });
  it("vmap(scan) over a batch of sequences equals a loop", () => {
    const cumprod = (xs: NDArray) => scan((c: NDArray, x: NDArray) => [np.multiply(c, x), c] as [NDArray, NDArray], np.array(1, "float64"), xs);
    const xs = np.array([[1, 2, 3], [4, 5, 6]], "float64");
    const [c, ys] = vmap(cumprod)(xs) as [NDArray, NDArray];
    expect(arr(c)).toEqual([6, 120]);
    expect(arr(ys)).toEqual([[1, 1, 2], [1, 4, 20]]);
  });
});

describe("whileLoop", () => {
  it("vmap(whileLoop) with a different trip count per lane", () => {
    const collatzSteps = (n: NDArray) => whileLoop(
      ([m]: [NDArray, NDArray]) => np.greater(m, 1),
      ([m, k]: [NDArray, NDArray]) => [np.where(np.equal(np.mod(m, 2), 0), np.floorDivide(m, 2), np.add(np.multiply(m, 3), 1)), np.add(k, 1)] as [NDArray, NDArray],
      [n, np.array(0, "int32")] as [NDArray, NDArray],
    )[1];
    const ns = np.array([1, 6, 7, 27], "int32");
    expect(arr(vmap(collatzSteps)(ns))).toEqual([0, 8, 16, 111]);
    expect(arr(jit(vmap(collatzSteps))(ns))).toEqual([0, 8, 16, 111]);
  });
  it("is forward-differentiable (jvp) and gives a clear error in reverse mode", () => {
    const f = (x: NDArray) => whileLoop(([i]: [NDArray, NDArray]) => np.less(i, 3), ([i, y]: [NDArray, NDArray]) => [np.add(i, 1), np.sin(y)] as [NDArray, NDArray], [np.array(0, "int32"), x] as [NDArray, NDArray])[1];
    const x = np.array(0.5, "float64");
    const [, t] = jvp(f, [x], [np.array(1, "float64")]);
    const d = Math.cos(0.5) * Math.cos(Math.sin(0.5)) * Math.cos(Math.sin(Math.sin(0.5)));
    expect(arr(t) as number).toBeCloseTo(d, 12);
    expect(() => grad(f)(x)).toThrow(/Reverse-mode differentiation does not work for whileLoop.*scan, or foriLoop with static/);
  });
  it("foriLoop with number bounds is reverse-differentiable", () => {
    const f = (x: NDArray) => foriLoop(0, 3, (_i: NDArray, y: NDArray) => np.sin(y), x);
    const d = Math.cos(0.5) * Math.cos(Math.sin(0.5)) * Math.cos(Math.sin(Math.sin(0.5)));
    expect(arr(grad(f)(np.array(0.5, "float64"))) as number).toBeCloseTo(d, 12);
  });
  it("foriLoop with array bounds runs as a whileLoop", () => {
    const f = (n: NDArray) => foriLoop(np.array(0, "int32"), n, (i: NDArray, s: NDArray) => np.add(s, i), np.array(0, "int32"));
    expect(arr(f(np.array(5, "int32")))).toBe(10);
    expect(arr(vmap(f)(np.array([3, 4], "int32")))).toEqual([3, 6]);
  });
});

describe("cond / switchCase", () => {
  it("vmap(cond) with a batched predicate selects per example", () => {
    const f = (x: NDArray) => cond(np.greater(x, 0), (a: NDArray) => np.sqrt(a), (a: NDArray) => np.negative(a), x);
    expect(arr(vmap(f)(np.array([4, -2, 9])))).toEqual([2, 2, 3]);
  });
  it("grad(cond) takes the branch's derivative", () => {
    const f = (x: NDArray) => cond(np.greater(x, 0), (a: NDArray) => np.square(a), (a: NDArray) => np.multiply(a, -3), x);
    expect(arr(grad(f)(np.array(2, "float64")))).toBe(4);
    expect(arr(grad(f)(np.array(-2, "float64")))).toBe(-3);
    expect(arr(jit(grad(f))(np.array(-2, "float64")))).toBe(-3);
  });
  it("switchCase clamps its index like lax.switch", () => {
    const fs = [(x: NDArray) => np.add(x, 1), (x: NDArray) => np.add(x, 2)];
    expect(arr(switchCase(7, fs, np.array(0)))).toBe(2);
    expect(arr(switchCase(-1, fs, np.array(0)))).toBe(1);
  });
  it("prints as a cond with both branches", () => {
    const txt = makeJaxpr((x: NDArray) => cond(np.greater(x, 0), (a: NDArray) => np.sin(a), (a: NDArray) => np.cos(a), x))(np.array(1)).toString();
    expect(txt).toContain("= cond[");
    expect(txt).toContain("branches=(");
    expect(txt).toContain("sin");
    expect(txt).toContain("cos");
  });
});

describe("nesting", () => {
  it("grad of a scan containing a cond and a nested scan", () => {
    const f = (w: NDArray) => scan((c: NDArray, x: NDArray) => {
      const inner = scan((d: NDArray, _: null) => [np.sin(np.add(d, w)), null] as [NDArray, null], c, null, { length: 2 })[0];
      const c2 = cond(np.greater(x, 0), (a: NDArray) => np.multiply(a, x), (a: NDArray) => np.exp(a), inner);
      return [c2, c2] as [NDArray, NDArray];
    }, np.array(0.2, "float64"), np.array([0.5, -1, 2], "float64"))[0];
    checkGrads(f, [np.array(0.3, "float64")], { order: 2 });
  });
  it("vmap of grad of a whileLoop-free jit of scan", () => {
    const f = jit((w: NDArray) => scan((c: NDArray, _: null) => [np.multiply(c, w), null] as [NDArray, null], np.array(1, "float64"), null, { length: 3 })[0]);
    expect(arr(vmap(grad(f))(np.array([1, 2], "float64")))).toEqual([3, 12]);
  });
});
