// Cases for the higher-order primitives: jit, cond, while, scan, custom_jvp/vjp, checkpoint.
import { NDArray, np, lax } from "@fluxion/core";
import { jit } from "@fluxion/transforms";
import { type PrimCase, uniform } from "../harness.js";

const softplusJvp = lax.customJvp((x: NDArray) => np.log1p(np.exp(x)));
softplusJvp.defjvp(([x], [t]) => [np.log1p(np.exp(x)), np.multiply(t, np.divide(1, np.add(1, np.exp(np.negative(x)))))]);

const clipGrad = lax.customVjp((x: NDArray, y: NDArray) => np.multiply(np.sin(x), y));
clipGrad.defvjp(
  (x: NDArray, y: NDArray) => [np.multiply(np.sin(x), y), [x, y]] as [NDArray, NDArray[]],
  ([x, y]: NDArray[], ct: NDArray) => [np.multiply(ct, np.multiply(np.cos(x!), y!)), np.multiply(ct, np.sin(x!))] as [NDArray, NDArray],
);

export const cases: PrimCase[] = [
  { prim: "jit", name: "jit", fn: jit((x: NDArray, y: NDArray) => np.multiply(np.sin(x), y)) as (...a: NDArray[]) => unknown, args: (s) => [uniform(s, [3]), uniform(s + 1, [3])] },
  { prim: "cond", name: "cond (true branch)", fn: (x, y) => lax.cond(1, (a: NDArray, b: NDArray) => np.multiply(np.sin(a), b), (a: NDArray, b: NDArray) => np.add(a, b), x, y), args: (s) => [uniform(s, [3]), uniform(s + 1, [3])] },
  { prim: "cond", name: "cond (false branch, closure)", fn: (x, y) => lax.cond(0, (a: NDArray) => np.exp(a), (a: NDArray) => np.multiply(np.cos(a), y), x), args: (s) => [uniform(s, [3]), uniform(s + 1, [3])] },
  { prim: "cond", name: "switchCase on a data-dependent index", fn: (x) => lax.switchCase(np.argmax(x), [(a: NDArray) => np.sin(a), (a: NDArray) => np.cos(a), (a: NDArray) => np.exp(a)], x), args: (s) => [uniform(s, [3])] },
  { prim: "while", name: "while (fixed trip count, fwd only)", fn: (x) => lax.whileLoop((c: [NDArray, NDArray]) => np.less(c[0], 3), (c: [NDArray, NDArray]) => [c[0].add(1), np.sin(c[1]).mul(x)] as [NDArray, NDArray], [np.array(0, "int32"), x] as [NDArray, NDArray])[1], args: (s) => [uniform(s, [3])], grad: "fwd" },
  { prim: "scan", name: "scan (carry and ys)", fn: (c0, xs) => lax.scan((c: NDArray, x: NDArray) => [np.add(np.multiply(c, x), np.sin(c)), np.multiply(c, 2)] as [NDArray, NDArray], c0, xs), args: (s) => [uniform(s, [2]), uniform(s + 1, [4, 2])] },
  { prim: "scan", name: "scan reverse with closure", fn: (c0, xs, w) => lax.scan((c: NDArray, x: NDArray) => [np.tanh(np.add(np.multiply(c, w), x)), c] as [NDArray, NDArray], c0, xs, { reverse: true }), args: (s) => [uniform(s, [2]), uniform(s + 1, [3, 2]), uniform(s + 2, [2])] },
  { prim: "scan", name: "foriLoop (static bounds)", fn: (x) => lax.foriLoop(0, 3, (i: NDArray, c: NDArray) => np.add(np.sin(c), np.multiply(c, i.astype("float64"))), x), args: (s) => [uniform(s, [3])] },
  { prim: "custom_jvp_call", name: "customJvp softplus", fn: (x) => softplusJvp(x), args: (s) => [uniform(s, [4])] },
  { prim: "custom_vjp_call", name: "customVjp sin(x)*y (rev)", fn: (x, y) => clipGrad(x, y), args: (s) => [uniform(s, [3]), uniform(s + 1, [3])], grad: "rev", order: 1 },
  { prim: "custom_lin", name: "customVjp backward rule (rev)", fn: (x, y) => np.sum(clipGrad(np.exp(x), y)), args: (s) => [uniform(s, [3]), uniform(s + 1, [3])], grad: "rev", order: 1 },
  { prim: "checkpoint", name: "checkpoint", fn: lax.checkpoint((x: NDArray, y: NDArray) => np.sin(np.multiply(np.exp(x), y))), args: (s) => [uniform(s, [3]), uniform(s + 1, [3])] },
];
