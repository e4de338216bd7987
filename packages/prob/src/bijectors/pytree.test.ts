// Every registered bijector class passes through jit, vmap and grad as a pytree (as TFP's JAX transformation
// test does over its bijector registry): flatten/unflatten, jit in and out, vmap over stacked parameters
// against a loop, and parameter gradients checked by checkGrads (jvp and vjp against finite differences).
import { describe, expect, test } from "vitest";
import { NDArray, np, tree } from "@fluxion/core";
import { checkGrads, grad, jit, vmap } from "@fluxion/transforms";
import * as tfb from "./index.js";
import { closeTo, f64, numbers } from "./bijectors.testing.js";

type AnyBijector = tfb.Bijector<tfb.Value, tfb.Value>;

interface PytreeCase {
  label: string;
  /** Two parameter settings (k = 0, 1) with the same structure, for batching. */
  make: (k: number) => AnyBijector;
  /** An input in the domain for setting k. */
  x: (k: number) => tfb.Value;
}

const vec = (k: number, base: number[]) => f64(base.map((v, i) => v + 0.25 * k * (i + 1)));
const any = (b: unknown) => b as AnyBijector;

const cases: PytreeCase[] = [
  { label: "Identity", make: () => any(new tfb.Identity()), x: (k) => vec(k, [0.1, -0.2, 0.3]) },
  { label: "Exp", make: () => any(new tfb.Exp()), x: (k) => vec(k, [0.1, -0.2, 0.3]) },
  { label: "Log", make: () => any(new tfb.Log()), x: (k) => vec(k, [0.5, 1.5, 2.5]) },
  { label: "Softplus", make: (k) => any(new tfb.Softplus({ hingeSoftness: f64(0.5 + k), low: f64([0.1, 0.2, 0.3 + k]) })), x: (k) => vec(k, [0.1, -0.2, 0.3]) },
  { label: "Sigmoid", make: (k) => any(new tfb.Sigmoid({ low: f64(-1 - k), high: f64([2, 3, 4 + k]) })), x: (k) => vec(k, [0.1, -0.2, 0.3]) },
  { label: "Tanh", make: () => any(new tfb.Tanh()), x: (k) => vec(k, [0.1, -0.2, 0.3]) },
  { label: "NormalCDF", make: () => any(new tfb.NormalCDF()), x: (k) => vec(k, [0.1, -0.2, 0.3]) },
  { label: "Power", make: (k) => any(new tfb.Power({ power: f64(1.5 + k) })), x: (k) => vec(k, [0.5, 1.5, 2.5]) },
  { label: "Shift", make: (k) => any(new tfb.Shift({ shift: vec(k, [1, 2, 3]) })), x: (k) => vec(k, [0.1, -0.2, 0.3]) },
  { label: "Scale", make: (k) => any(new tfb.Scale({ scale: vec(k, [1, -2, 3]) })), x: (k) => vec(k, [0.1, -0.2, 0.3]) },
  { label: "Scale(logScale)", make: (k) => any(new tfb.Scale({ logScale: f64(0.3 * k - 0.2) })), x: (k) => vec(k, [0.1, -0.2, 0.3]) },
  { label: "ScaleMatvecDiag", make: (k) => any(new tfb.ScaleMatvecDiag({ scaleDiag: vec(k, [1, -2, 3]) })), x: (k) => vec(k, [0.1, -0.2, 0.3]) },
  {
    label: "ScaleMatvecTriL",
    make: (k) => any(new tfb.ScaleMatvecTriL({ scaleTril: f64([[1 + k, 0, 0], [0.5, 2, 0], [-0.3, 0.2 * k, 1.5]]) })),
    x: (k) => vec(k, [0.1, -0.2, 0.3]),
  },
  { label: "Invert", make: (k) => any(new tfb.Invert(new tfb.Softplus({ hingeSoftness: f64(1 + k) }))), x: (k) => vec(k, [0.5, 1.5, 2.5]) },
  {
    label: "Chain",
    make: (k) => any(new tfb.Chain([new tfb.Shift({ shift: f64(k) }), new tfb.Scale({ scale: vec(k, [1, 2, 3]) }), new tfb.Exp()])),
    x: (k) => vec(k, [0.1, -0.2, 0.3]),
  },
  {
    label: "JointMap",
    make: (k) => any(new tfb.JointMap({ bijectors: { a: new tfb.Scale({ scale: f64(2 + k) }), b: new tfb.SoftmaxCentered() } })),
    x: (k) => ({ a: vec(k, [0.1, -0.2]), b: vec(k, [0.3, 0.4]) }),
  },
  {
    label: "Blockwise",
    make: (k) => any(new tfb.Blockwise({ bijectors: [new tfb.Scale({ scale: f64(2 + k) }), new tfb.SoftmaxCentered()], blockSizes: [1, 2] })),
    x: (k) => vec(k, [0.1, -0.2, 0.3]),
  },
  { label: "Reshape", make: () => any(new tfb.Reshape({ eventShapeOut: [2, 2] })), x: (k) => vec(k, [0.1, -0.2, 0.3, 0.4]) },
  { label: "Transpose", make: () => any(new tfb.Transpose({ perm: [1, 0] })), x: (k) => np.reshape(vec(k, [0.1, -0.2, 0.3, 0.4, 0.5, 0.6]), [2, 3]) },
  { label: "Split", make: () => any(new tfb.Split({ numOrSizeSplits: [1, -1] })), x: (k) => vec(k, [0.1, -0.2, 0.3]) },
  { label: "Restructure", make: () => any(new tfb.Restructure({ outputStructure: { a: 1, b: 0 } })), x: (k) => [vec(k, [0.1, 0.2]), vec(k, [-0.3])] },
  { label: "FillTriangular", make: () => any(new tfb.FillTriangular({ upper: true })), x: (k) => vec(k, [0.1, -0.2, 0.3]) },
  {
    label: "TransformDiagonal",
    make: (k) => any(new tfb.TransformDiagonal({ diagBijector: new tfb.Softplus({ hingeSoftness: f64(1 + k) }) })),
    x: (k) => np.reshape(vec(k, [0.1, -0.2, 0.3, 0.4]), [2, 2]),
  },
  { label: "FillScaleTriL", make: (k) => any(new tfb.FillScaleTriL({ diagShift: f64(0.01 + 0.1 * k) })), x: (k) => vec(k, [0.1, -0.2, 0.3]) },
  { label: "CorrelationCholesky", make: () => any(new tfb.CorrelationCholesky()), x: (k) => vec(k, [0.1, -0.2, 0.3]) },
  { label: "CholeskyOuterProduct", make: () => any(new tfb.CholeskyOuterProduct()), x: (k) => np.reshape(vec(k, [1, 0, 0.5, 2]), [2, 2]) },
  { label: "SoftmaxCentered", make: () => any(new tfb.SoftmaxCentered()), x: (k) => vec(k, [0.1, -0.2, 0.3]) },
  { label: "IteratedSigmoidCentered", make: () => any(new tfb.IteratedSigmoidCentered()), x: (k) => vec(k, [0.1, -0.2, 0.3]) },
  { label: "Ascending", make: () => any(new tfb.Ascending()), x: (k) => vec(k, [0.1, -0.2, 0.3]) },
];

/** forward(x) and the ldj at the minimum event ndims, as one pytree. */
const evaluate = (b: AnyBijector, x: tfb.Value) => ({ y: b.forward(x), ldj: b.forwardLogDetJacobian(x) });
/** The inverse and its ldj at y. */
const evaluateInverse = (b: AnyBijector, y: tfb.Value) => ({ x: b.inverse(y), ildj: b.inverseLogDetJacobian(y) });
const flatNumbers = (v: unknown) => tree.leaves(v).flatMap((l) => numbers(l as NDArray));
/** A scalar summary of a pytree of arrays, for gradients. */
const total = (v: unknown) => tree.leaves(v).reduce((s: NDArray, l) => np.add(s, np.sum(l as NDArray)), f64(0));
/** A copy of a pytree of arrays with fresh array objects (no cache hits). */
const copy = (v: tfb.Value) => tree.map((l: unknown) => np.array(numbers(l as NDArray), "float64").reshape((l as NDArray).shape), v) as tfb.Value;

test("every registered bijector class has a case here", () => {
  const covered = new Set<unknown>(cases.map((c) => c.make(0).constructor));
  const missing = tfb.registeredBijectorClasses().filter((cls) => !covered.has(cls));
  expect(missing.map((c) => c.name)).toEqual([]);
  expect(tfb.registeredBijectorClasses().length).toBeGreaterThanOrEqual(28);
});

describe.each(cases)("$label", ({ make, x }) => {
  test("flatten/unflatten rebuilds the same class and values; parameters are the leaves", () => {
    const b = make(0);
    const [leaves, def] = tree.flatten(b);
    for (const l of leaves) expect(l).toBeInstanceOf(NDArray);
    const rebuilt = tree.unflatten(def, leaves) as AnyBijector;
    expect(rebuilt.constructor).toBe(b.constructor);
    expect(flatNumbers(evaluate(rebuilt, x(0)))).toEqual(flatNumbers(evaluate(b, x(0))));
    expect(tree.structure(make(1)).equals(def)).toBe(true);
  });

  test("jit: bijectors go in and out; forward, inverse and ldjs match eager", () => {
    const b = make(0);
    const eager = evaluate(b, x(0));
    const jitted = jit((bij: AnyBijector, v: tfb.Value) => evaluate(bij, v))(b, x(0));
    expect(closeTo(flatNumbers(jitted), flatNumbers(eager), 1e-13, 1e-14)).toBeNull();
    const y = copy(eager.y);
    const inverse = jit((bij: AnyBijector, v: tfb.Value) => evaluateInverse(bij, v))(b, y);
    expect(closeTo(flatNumbers(inverse), flatNumbers(evaluateInverse(b, copy(y))), 1e-13, 1e-14)).toBeNull();
    const passed = jit((bij: AnyBijector) => bij)(b) as AnyBijector;
    expect(passed.constructor).toBe(b.constructor);
    expect(closeTo(flatNumbers(evaluate(passed, x(0))), flatNumbers(eager), 1e-13, 1e-14)).toBeNull();
  });

  test("vmap over stacked parameters and inputs equals a loop", () => {
    const [b0, b1] = [make(0), make(1)];
    const stacked = tree.map((l0: unknown, l1: unknown) => np.stack([l0 as NDArray, l1 as NDArray]), b0, b1) as AnyBijector;
    const xs = tree.map((l0: unknown, l1: unknown) => np.stack([l0 as NDArray, l1 as NDArray]), x(0), x(1)) as tfb.Value;
    const batched = vmap((bij: AnyBijector, v: tfb.Value) => evaluate(bij, v))(stacked, xs);
    const looped = tree.map((r0: unknown, r1: unknown) => np.stack([r0 as NDArray, r1 as NDArray]), evaluate(b0, x(0)), evaluate(b1, x(1)));
    expect(closeTo(flatNumbers(batched), flatNumbers(looped), 1e-13, 1e-14)).toBeNull();
  });

  test("grad: parameter gradients come back as the same class and agree with finite differences", () => {
    const b = make(0);
    const objective = (bij: AnyBijector) => total(evaluate(bij, x(0)));
    const g = grad(objective)(b) as AnyBijector;
    expect(g.constructor).toBe(b.constructor);
    expect(tree.structure(g).equals(tree.structure(b))).toBe(true);
    if (tree.leaves(b).length > 0) checkGrads(objective as (...a: never[]) => unknown, [b], { eps: 1e-6, rtol: 1e-6, atol: 1e-8 });
    checkGrads(((v: tfb.Value) => total(evaluate(b, v))) as (...a: never[]) => unknown, [x(0)], { eps: 1e-6, rtol: 1e-6, atol: 1e-8 });
  });
});
