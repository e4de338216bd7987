// The forward/inverse cache: inverse(forward(x)) returns the very array x (and forward(inverse(y)) the very y),
// for single-part, composed and structured bijectors, so a TransformedDistribution's logProb of its own
// sample is computed at the exact x even where the inverse is ill-conditioned.
import { describe, expect, test } from "vitest";
import { NDArray, tree } from "@fluxion/core";
import { jit } from "@fluxion/transforms";
import * as tfb from "./index.js";
import { f64, fresh, numbers } from "./bijectors.testing.js";

type AnyBijector = tfb.Bijector<tfb.Value, tfb.Value>;
const any = (b: unknown) => b as AnyBijector;

describe("identity-keyed cache", () => {
  const cases: [string, AnyBijector, () => tfb.Value][] = [
    ["Exp", any(new tfb.Exp()), () => f64([0.5, -1])],
    ["Sigmoid", any(new tfb.Sigmoid()), () => f64([0.5, -1])],
    ["Chain", any(new tfb.Chain([new tfb.Exp(), new tfb.Softplus()])), () => f64([0.5, -1])],
    ["Invert", any(new tfb.Invert(new tfb.Exp())), () => f64([0.5, 2])],
    ["FillScaleTriL", any(new tfb.FillScaleTriL()), () => f64([0.5, -1, 2])],
    ["CorrelationCholesky", any(new tfb.CorrelationCholesky()), () => f64([0.5, -1, 2])],
    ["Split", any(new tfb.Split({ numOrSizeSplits: 2 })), () => f64([0.5, -1, 2, 3])],
    ["JointMap", any(new tfb.JointMap({ bijectors: { a: new tfb.Exp(), b: new tfb.Tanh() } })), () => ({ a: f64([1]), b: f64([2]) })],
  ];

  test.each(cases)("%s: inverse(forward(x)) is x itself, forward(inverse(y)) is y itself", (_, b, make) => {
    const x = make();
    const y = b.forward(x);
    const back = b.inverse(y);
    const xLeaves = tree.leaves(x);
    tree.leaves(back).forEach((leaf, i) => expect(leaf).toBe(xLeaves[i]));
    if (x instanceof NDArray) expect(back).toBe(x);
    expect(b.forward(x)).toBe(y);
    const y2 = b.forward(make());
    const yFresh = y2 instanceof NDArray ? fresh(y2) : y2;
    const x2 = b.inverse(yFresh);
    expect(b.forward(x2)).toBe(yFresh);
  });

  test("structured values hit the cache by their leaves, even in a new container", () => {
    const split = new tfb.Split({ numOrSizeSplits: 2 });
    const x = f64([1, 2, 3, 4]);
    const parts = split.forward(x);
    expect(split.inverse([parts[0]!, parts[1]!])).toBe(x);
    const jm = new tfb.JointMap({ bijectors: { a: new tfb.Exp(), b: new tfb.Tanh() } });
    const xs = { a: f64([1]), b: f64([2]) };
    const ys = jm.forward(xs) as Record<string, NDArray>;
    const back = jm.inverse({ b: ys.b!, a: ys.a! }) as Record<string, NDArray>;
    expect(back.a).toBe(xs.a);
    expect(back.b).toBe(xs.b);
  });

  test("Sigmoid at x = 40 rounds to y = 1: only the cache recovers x and a finite log-det-Jacobian", () => {
    const b = new tfb.Sigmoid();
    const x = f64([40]);
    const y = b.forward(x);
    expect(numbers(y)).toEqual([1]);
    expect(numbers(b.inverse(fresh(y)))[0]).toBe(Infinity);
    expect(b.inverse(y)).toBe(x);
    const ildj = b.inverseLogDetJacobian(y).item();
    expect(ildj).toBeCloseTo(40, 12);
    expect(Number.isFinite(b.inverseLogDetJacobian(fresh(y)).item())).toBe(false);
  });

  test("disposed arrays are never returned from the cache", () => {
    const b = new tfb.Exp();
    const x = f64([0.25]);
    const y = b.forward(x);
    x.dispose();
    const back = b.inverse(y);
    expect(back).not.toBe(x);
    expect(back.isDisposed).toBe(false);
    expect(numbers(back)[0]).toBeCloseTo(0.25, 15);
  });

  test("under jit the round trip is the identity on the traced input", () => {
    const b = new tfb.Chain([new tfb.Sigmoid(), new tfb.Scale({ scale: 30 })]);
    const roundTrip = jit((v: NDArray) => b.inverse(b.forward(v) as NDArray));
    expect(numbers(roundTrip(f64([2, -3])) as NDArray)).toEqual([2, -3]);
  });
});
