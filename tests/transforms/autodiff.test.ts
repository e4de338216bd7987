// grad / valueAndGrad / jvp / vjp / jacobians on pytrees, against closed forms.
import { describe, expect, it } from "vitest";
import { NDArray, np } from "@fluxion/core";
import { grad, valueAndGrad, jvp, vjp, jacfwd, jacrev, hessian, checkGrads, stopGradient } from "@fluxion/transforms";

const arr = (x: unknown) => (x as NDArray).toArray();
const close = (got: unknown, want: number[] | number, tol = 1e-12) => {
  const g = (Array.isArray(want) ? (arr(got) as number[]).flat(3) : [arr(got) as number]) as number[];
  const w = Array.isArray(want) ? want.flat(3) : [want];
  expect(g.length).toBe(w.length);
  g.forEach((v, i) => expect(Math.abs(v - w[i]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(w[i]!))));
};

describe("grad", () => {
  it("matches the closed form of d/dx sum(x^2 sin x)", () => {
    const x = np.array([0.5, -1.0, 2.0], "float64");
    const g = grad((x: NDArray) => np.sum(np.multiply(np.square(x), np.sin(x))))(x);
    close(g, [0.5, -1.0, 2.0].map((v) => 2 * v * Math.sin(v) + v * v * Math.cos(v)));
  });
  it("takes argnums and returns a tuple for several", () => {
    const f = (x: NDArray, y: NDArray) => np.sum(np.multiply(x, np.exp(y)));
    const x = np.array([1, 2], "float64");
    const y = np.array([0.5, -0.5], "float64");
    close(grad(f, { argnums: 1 })(x, y), [1 * Math.exp(0.5), 2 * Math.exp(-0.5)]);
    const [gx, gy] = grad(f, { argnums: [0, 1] })(x, y) as NDArray[];
    close(gx, [Math.exp(0.5), Math.exp(-0.5)]);
    close(gy, [Math.exp(0.5), 2 * Math.exp(-0.5)]);
  });
  it("differentiates pytree (object) arguments and returns the same structure", () => {
    const params = { w: np.array([1, -2], "float64"), b: np.array(0.5, "float64") };
    const x = np.array([3, 4], "float64");
    const loss = (p: typeof params) => np.square(np.add(np.sum(np.multiply(p.w, x)), p.b));
    const g = grad(loss as never)(params) as typeof params;
    const r = 3 - 8 + 0.5;
    close(g.w, [2 * r * 3, 2 * r * 4]);
    close(g.b, 2 * r);
  });
  it("supports hasAux", () => {
    const [g, aux] = grad((x: NDArray) => [np.sum(np.square(x)), { n: x.size }], { hasAux: true })(np.array([1, 2], "float64")) as [NDArray, { n: number }];
    close(g, [2, 4]);
    expect(aux.n).toBe(2);
  });
  it("hasAux returns concrete aux arrays (not tracers), also under jit", async () => {
    const { jit } = await import("@fluxion/transforms");
    const f = (x: NDArray) => [np.sum(np.square(x)), { sq: np.square(x), n: 2 }];
    const [[v, aux], g] = valueAndGrad(f, { hasAux: true })(np.array([1, 3], "float64")) as [[NDArray, { sq: NDArray; n: NDArray }], NDArray];
    expect(v.item()).toBe(10);
    expect(aux.sq.toArray()).toEqual([1, 9]);
    expect(np.add(aux.sq, 1).toArray()).toEqual([2, 10]);
    expect(g.toArray()).toEqual([2, 6]);
    const [, auxJ] = jit(grad(f, { hasAux: true }))(np.array([2], "float64")) as [NDArray, { sq: NDArray }];
    expect(auxJ.sq.toArray()).toEqual([4]);
  });
  it("valueAndGrad returns both", () => {
    const [v, g] = valueAndGrad((x: NDArray) => np.sum(np.exp(x)))(np.array([0, 1], "float64"));
    close(v, 1 + Math.E);
    close(g, [1, Math.E]);
  });
  it("grad of grad is the second derivative", () => {
    const d2 = grad(grad((x: NDArray) => np.multiply(np.sin(x), np.exp(x))) as never)(np.array(0.7, "float64"));
    close(d2, 2 * Math.cos(0.7) * Math.exp(0.7), 1e-12);
  });
  it("third order through checkGrads", () => {
    checkGrads((x: NDArray) => np.tanh(np.multiply(x, np.cosh(x))), [np.array([0.3, -0.4], "float64")], { order: 3 });
  });
  it("stopGradient blocks the derivative", () => {
    close(grad((x: NDArray) => np.add(np.multiply(stopGradient(x), x), x))(np.array(3, "float64")), 4);
  });
  it("works on concrete values inside (Python-style control flow on primal values)", () => {
    const f = (x: NDArray) => (x.item() > 0 ? np.square(x) : np.negative(x));
    close(grad(f)(np.array(3, "float64")), 6);
    close(grad(f)(np.array(-3, "float64")), -1);
  });
});

describe("jvp / vjp", () => {
  it("jvp pushes a tangent through a pytree function", () => {
    const [y, t] = jvp((p: { a: NDArray; b: NDArray }) => np.multiply(p.a, np.sin(p.b)), [{ a: np.array(2, "float64"), b: np.array(0.3, "float64") }], [{ a: np.array(1, "float64"), b: np.array(0, "float64") }]);
    close(y, 2 * Math.sin(0.3));
    close(t, Math.sin(0.3));
  });
  it("vjp returns one cotangent per primal", () => {
    const [y, pull] = vjp((a: NDArray, b: NDArray) => np.multiply(a, b), np.array([1, 2], "float64"), np.array([3, 4], "float64"));
    close(y, [3, 8]);
    const [ga, gb] = pull(np.array([1, 10], "float64"));
    close(ga, [3, 40]);
    close(gb, [1, 20]);
  });
  it("integer inputs get zero cotangents in vjp", () => {
    const [, pull] = vjp((a: NDArray, k: NDArray) => np.multiply(a, k.astype("float64")), np.array([1, 2], "float64"), np.array([3, 4], "int32"));
    const [, gk] = pull(np.array([1, 1], "float64"));
    expect((gk as NDArray).toArray()).toEqual([0, 0]);
  });
});

describe("jacobians", () => {
  const f = (x: NDArray) => np.multiply(np.sin(x), np.sum(x));
  const x = np.array([0.1, 0.2, 0.3], "float64");
  it("jacfwd equals jacrev equals the closed form", () => {
    const s = 0.6;
    const want = [0, 1, 2].map((i) => [0, 1, 2].map((j) => (i === j ? Math.cos([0.1, 0.2, 0.3][i]!) * s : 0) + Math.sin([0.1, 0.2, 0.3][i]!)));
    close(jacfwd(f)(x), want);
    close(jacrev(f)(x), want);
  });
  it("hessian of a quadratic form is A + Aᵀ", () => {
    const A = np.array([[1, 2], [0, 3]], "float64");
    const h = hessian((v: NDArray) => np.dot(v, np.matmul(A, v)))(np.array([0.3, -0.2], "float64"));
    close(h, [[2, 2], [2, 6]]);
  });
  it("jacobian of a matrix-valued function has shape out + in", () => {
    const j = jacrev((v: NDArray) => np.outer(v, v))(np.array([1, 2], "float64")) as NDArray;
    expect(j.shape).toEqual([2, 2, 2]);
  });
});
