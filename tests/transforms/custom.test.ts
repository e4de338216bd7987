// customJvp, customVjp and checkpoint: the user's rules are the ones used.
import { describe, expect, it } from "vitest";
import { NDArray, np } from "@fluxion/core";
import { grad, vmap, jit, jvp, customJvp, customVjp, checkpoint, checkGrads } from "@fluxion/transforms";

const arr = (x: unknown) => (x as NDArray).toArray();

describe("customJvp", () => {
  // log1pexp with a numerically safe derivative: sigmoid(x). At x = 1000 autodiff of the primal
  // formula gives NaN (inf/inf); the custom rule must be used instead.
  const log1pexp = customJvp((x: NDArray) => np.log1p(np.exp(x)));
  log1pexp.defjvp(([x], [t]) => [np.log1p(np.exp(x)), np.multiply(t, np.divide(1, np.add(1, np.exp(np.negative(x)))))]);
  it("uses the rule in grad, jvp, vmap and jit", () => {
    expect(arr(grad(log1pexp)(np.array(1000, "float64")))).toBe(1);
    expect(arr(jvp(log1pexp, [np.array(0, "float64")], [np.array(2, "float64")])[1])).toBe(1);
    expect(arr(vmap(grad(log1pexp))(np.array([0, 1000], "float64")))).toEqual([0.5, 1]);
    expect(arr(jit(grad(log1pexp))(np.array(1000, "float64")))).toBe(1);
  });
  it("second derivatives go through the rule", () => {
    const s = 1 / (1 + Math.exp(-0.3));
    expect(arr(grad(grad(log1pexp) as never)(np.array(0.3, "float64"))) as number).toBeCloseTo(s * (1 - s), 12);
  });
});

describe("customVjp", () => {
  // Gradient clipping: identity forward, clipped cotangent backward.
  const clipGradient = customVjp((x: NDArray) => x);
  clipGradient.defvjp((x: NDArray) => [x, null] as [NDArray, null], (_r: null, g: NDArray) => [np.clip(g, -1, 1)] as [NDArray]);
  it("uses the backward rule in grad, vmap and jit", () => {
    const f = (x: NDArray) => np.sum(np.multiply(clipGradient(x), 5));
    expect(arr(grad(f)(np.array([1, 2], "float64")))).toEqual([1, 1]);
    expect(arr(vmap(grad(f))(np.array([[1], [2]], "float64")))).toEqual([[1], [1]]);
    expect(arr(jit(grad(f))(np.array([1, 2], "float64")))).toEqual([1, 1]);
  });
  it("refuses forward mode with a clear error", () => {
    expect(() => jvp(clipGradient, [np.array(1, "float64")], [np.array(1, "float64")])).toThrow(/forward-mode.*customVjp|customVjp.*forward-mode/);
  });
});

describe("checkpoint", () => {
  it("gives the same gradients as the plain function", () => {
    const body = (x: NDArray) => np.sin(np.multiply(np.exp(x), np.cos(x)));
    const x = np.array([0.1, 0.5, -0.3], "float64");
    const plain = grad((v: NDArray) => np.sum(body(body(v))))(x);
    const remat = grad((v: NDArray) => np.sum(checkpoint(body)(checkpoint(body)(v))))(x);
    (arr(remat) as number[]).forEach((v, i) => expect(v).toBeCloseTo((arr(plain) as number[])[i]!, 13));
    checkGrads((v: NDArray) => checkpoint(body)(v), [x], { order: 2 });
  });
});
