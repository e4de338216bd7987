// vmap and jit semantics: axes, nesting, caching, static arguments and compositions.
import { describe, expect, it } from "vitest";
import { NDArray, np } from "@fluxion/core";
import { grad, vmap, jit, makeJaxpr } from "@fluxion/transforms";

const arr = (x: unknown) => (x as NDArray).toArray();

describe("vmap", () => {
  it("maps over per-argument axes with null for broadcast arguments", () => {
    const f = (x: NDArray, w: NDArray) => np.dot(w, x);
    const xs = np.array([[1, 2], [3, 4], [5, 6]]);
    const w = np.array([10, 1]);
    expect(arr(vmap(f, { inAxes: [0, null] })(xs, w))).toEqual([12, 34, 56]);
    expect(arr(vmap(f, { inAxes: [1, null] })(np.transpose(xs), w))).toEqual([12, 34, 56]);
  });
  it("takes per-leaf inAxes for object arguments and outAxes", () => {
    const f = (p: { a: NDArray; b: NDArray }) => np.add(p.a, p.b);
    const out = vmap(f, { inAxes: [{ a: 0, b: null }], outAxes: 1 })({ a: np.array([[1, 2], [3, 4]]), b: np.array([10, 20]) });
    expect(arr(out)).toEqual([[11, 13], [22, 24]]);
  });
  it("nests (vmap of vmap is an outer product)", () => {
    const mulv = vmap(vmap((a: NDArray, b: NDArray) => np.multiply(a, b), { inAxes: [null, 0] }), { inAxes: [0, null] });
    expect(arr(mulv(np.array([1, 2]), np.array([3, 4, 5])))).toEqual([[3, 4, 5], [6, 8, 10]]);
  });
  it("per-example gradients: vmap(grad)", () => {
    const loss = (w: NDArray, x: NDArray) => np.square(np.dot(w, x));
    const w = np.array([1, -1], "float64");
    const xs = np.array([[1, 2], [3, 5]], "float64");
    const g = vmap(grad(loss), { inAxes: [null, 0] })(w, xs);
    expect(arr(g)).toEqual([[-2, -4], [-12, -20]]);
  });
  it("unmapped outputs are broadcast; axisSize without mapped inputs", () => {
    expect(arr(vmap(() => np.array(7), { axisSize: 3 })())).toEqual([7, 7, 7]);
  });
});

describe("jit", () => {
  it("traces once per signature and reuses the cache", () => {
    let traces = 0;
    const f = jit((x: NDArray) => { traces++; return np.multiply(np.sin(x), 2); });
    const a = f(np.array([1, 2, 3]));
    f(np.array([4, 5, 6]));
    expect(traces).toBe(1);
    f(np.array([1, 2]));
    expect(traces).toBe(2);
    f(np.array([1, 2], "float64"));
    expect(traces).toBe(3);
    expect(f.cacheSize).toBe(3);
    expect((a as NDArray).dtype).toBe("float32");
  });
  it("static arguments are part of the key and usable as JS values", () => {
    let traces = 0;
    const f = jit((x: NDArray, n: number) => { traces++; let y = x; for (let i = 0; i < n; i++) y = np.sin(y); return y; }, { staticArgnums: 1 });
    const x = np.array([0.5], "float64");
    expect(arr(f(x, 2))[0]).toBeCloseTo(Math.sin(Math.sin(0.5)), 12);
    f(x, 2);
    f(x, 3);
    expect(traces).toBe(2);
  });
  it("equals eager on a function with closures over arrays", () => {
    const w = np.array([[1, 2], [3, 4]], "float64");
    const f = (x: NDArray) => np.tanh(np.matmul(w, x));
    const x = np.array([0.1, -0.2], "float64");
    expect(arr(jit(f)(x))).toEqual(arr(f(x)));
  });
  it("composes: jit(vmap(grad)) and grad(jit)", () => {
    const loss = (w: NDArray, x: NDArray) => np.sum(np.exp(np.multiply(w, x)));
    const w = np.array([0.5, -0.5], "float64");
    const xs = np.array([[1, 2], [3, 4]], "float64");
    const f = jit(vmap(grad(loss), { inAxes: [null, 0] }));
    const want = [[1, 2], [3, 4]].map((x) => x.map((xi, i) => xi * Math.exp([0.5, -0.5][i]! * xi)));
    (arr(f(w, xs)) as number[][]).flat().forEach((v, i) => expect(v).toBeCloseTo(want.flat()[i]!, 12));
    const g = grad(jit(loss))(w, xs.slice(0));
    expect((g as NDArray).shape).toEqual([2]);
  });
  it("a jitted function's jaxpr reads like a jaxpr", () => {
    const f = (x: NDArray) => np.sin(np.multiply(x, x));
    expect(makeJaxpr(jit(f))(np.array([1, 2, 3])).toString()).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[3]. let
          b:f32[3] = jit[
            jaxpr={ lambda ; c:f32[3]. let
                d:f32[3] = mul c c
                e:f32[3] = sin d
              in (e,) }
            name=f
          ] a
        in (b,) }"
    `);
  });
});
