// Chain, JointMap, Blockwise, Invert: values, log-det-Jacobians (against jacfwd and against sums of the
// parts), min-event-ndims inference including TFP's documented parts-interact cases, structured inputs.
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { NDArray, np } from "@fluxion/core";
import * as tfb from "./index.js";
import { closeTo, f64, fresh, jacobianMatrix, logAbsDet, numbers } from "./bijectors.testing.js";

const entry = fc.double({ min: -2, max: 2, noNaN: true, noDefaultInfinity: true });

describe("Chain", () => {
  test("TFP's documented Chain([Exp(), Softplus()]): forward 1 + exp(x), inverse log(y - 1)", () => {
    const b = new tfb.Chain([new tfb.Exp(), new tfb.Softplus()]);
    expect(b.name).toBe("chain_of_exp_of_softplus");
    const x = f64([-2, 0, 1.5]);
    expect(closeTo(numbers(b.forward(x)), [-2, 0, 1.5].map((v) => 1 + Math.exp(v)), 1e-15)).toBeNull();
    expect(closeTo(numbers(b.inverse(f64([1.5, 2, 5]))), [0.5, 1, 4].map(Math.log), 1e-14)).toBeNull();
    // d/dx (1 + e^x) = e^x, so the fldj is x itself.
    expect(closeTo(numbers(b.forwardLogDetJacobian(x)), [-2, 0, 1.5], 1e-14, 1e-15)).toBeNull();
    expect(b.forwardLogDetJacobian(x, 1).item()).toBeCloseTo(-0.5, 14);
    expect(closeTo(numbers(b.inverseLogDetJacobian(f64([1.5, 2, 5]))), [0.5, 1, 4].map((v) => -Math.log(v)), 1e-14)).toBeNull();
  });

  test("vector chain: ldj equals log|det J| and the sum of the parts' ldjs along the way", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }).chain((n) => fc.array(entry, { minLength: n, maxLength: n })), (v) => {
        const n = v.length;
        const tril = f64(Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (j < i ? 0.3 * (i - j) : j === i ? 1 + i : 9))));
        const parts = [new tfb.ScaleMatvecTriL({ scaleTril: tril }), new tfb.Softplus(), new tfb.Ascending()] as const;
        const b = new tfb.Chain([...parts]);
        const x = f64(v);
        const expected = logAbsDet(jacobianMatrix((u) => b.forward(u), x));
        expect(b.forwardLogDetJacobian(x).item()).toBeCloseTo(expected, 11);
        const x1 = parts[2].forward(x);
        const x2 = parts[1].forward(x1);
        const sum = parts[2].forwardLogDetJacobian(x).item() + parts[1].forwardLogDetJacobian(x1, 1).item() + parts[0].forwardLogDetJacobian(x2).item();
        expect(b.forwardLogDetJacobian(x).item()).toBeCloseTo(sum, 12);
        const y = fresh(b.forward(x));
        expect(closeTo(numbers(b.inverse(y)), v, 1e-9, 1e-9)).toBeNull();
        expect(b.inverseLogDetJacobian(y).item()).toBeCloseTo(-expected, 9);
      }),
      { seed: 41, numRuns: 15 },
    );
  });

  test("min event ndims are inferred through rank changes; an empty chain is the identity", () => {
    const c = new tfb.Chain([new tfb.Exp(), new tfb.FillTriangular()]);
    expect([c.forwardMinEventNdims, c.inverseMinEventNdims]).toEqual([1, 2]);
    const d = new tfb.Chain([new tfb.FillTriangular(), new tfb.Exp()]);
    expect([d.forwardMinEventNdims, d.inverseMinEventNdims]).toEqual([1, 2]);
    const e = new tfb.Chain([new tfb.Invert(new tfb.FillTriangular()), new tfb.Exp()]);
    expect([e.forwardMinEventNdims, e.inverseMinEventNdims]).toEqual([2, 1]);
    const s = new tfb.Chain([new tfb.SoftmaxCentered(), new tfb.Exp()]);
    expect([s.forwardMinEventNdims, s.inverseMinEventNdims]).toEqual([1, 1]);
    expect(s.forwardEventShape([4, 3])).toEqual([4, 4]);
    // Exp acts on a rank-2 event here: its per-element ldjs (the entries, zeros above the diagonal included)
    // are summed over the whole matrix.
    const x = f64([0.5, -1, 2]);
    expect(c.forwardLogDetJacobian(x).item()).toBeCloseTo(1.5, 14);
    expect(c.forwardLogDetJacobian(f64([x.toArray() as number[], [1, 1, 1]]), 2).item()).toBeCloseTo(4.5, 14);
    const id = new tfb.Chain([]);
    expect(id.name).toBe("identity");
    expect(numbers(id.forward(x))).toEqual(numbers(x));
    expect(id.forwardLogDetJacobian(x).item()).toBe(0);
  });

  test("TFP's parts_interact documentation: Chain([jm, b1]) needs [2, 1], Chain([jm, b2]) needs [2, 2]", () => {
    const jm = new tfb.JointMap({ bijectors: [new tfb.CholeskyOuterProduct(), new tfb.Exp()] });
    expect(jm.forwardMinEventNdims).toEqual([2, 0]);
    expect(jm.inverseMinEventNdims).toEqual([2, 0]);
    const b1 = new tfb.JointMap({ bijectors: [new tfb.SoftmaxCentered(), new tfb.SoftmaxCentered()] });
    const b2 = new tfb.Chain<tfb.Value, tfb.Value>([new tfb.Split({ numOrSizeSplits: 2 }), new tfb.Invert(new tfb.Split({ numOrSizeSplits: 2 }))]);
    expect(b2.forwardMinEventNdims).toEqual([1, 1]);
    const c1 = new tfb.Chain<tfb.Value, tfb.Value>([jm, b1]);
    expect(c1.forwardMinEventNdims).toEqual([2, 1]);
    expect(c1.inverseMinEventNdims).toEqual([2, 1]);
    const c2 = new tfb.Chain<tfb.Value, tfb.Value>([jm, b2]);
    expect(c2.forwardMinEventNdims).toEqual([2, 2]);
    expect(c2.inverseMinEventNdims).toEqual([2, 2]);
  });
});

describe("JointMap", () => {
  test("TFP's documented example: {a: Exp, b: Scale(2)}", () => {
    const parallel = new tfb.JointMap({ bijectors: { a: new tfb.Exp(), b: new tfb.Scale({ scale: 2 }) } });
    const x = { a: f64(1), b: f64(2) };
    const y = parallel.forward(x) as { a: NDArray; b: NDArray };
    expect(y.a.item()).toBeCloseTo(Math.E, 15);
    expect(y.b.item()).toBe(4);
    const inv = parallel.inverse({ a: f64(1), b: f64(2) }) as { a: NDArray; b: NDArray };
    expect([inv.a.item(), inv.b.item()]).toEqual([0, 1]);
    expect(parallel.forwardLogDetJacobian(x).item()).toBeCloseTo(1 + Math.LN2, 15);
    expect(parallel.name).toBe("jointmap_of_exp_and_scale");
  });

  test("parts with different event ranks reduce independently (JointMap's parts do not interact)", () => {
    const jm = new tfb.JointMap({ bijectors: [new tfb.Exp(), new tfb.SoftmaxCentered()] });
    expect(jm.partsInteract).toBe(false);
    const x = [f64([[0.1, 0.2], [0.3, 0.4]]), f64([[1, 2], [3, 4]])];
    const ldj = jm.forwardLogDetJacobian(x, [1, 1]);
    const expected = numbers(np.add(np.sum(x[0]!, -1), new tfb.SoftmaxCentered().forwardLogDetJacobian(x[1]!)));
    expect(closeTo(numbers(ldj), expected, 1e-14)).toBeNull();
    expect(jm.forwardEventShape([[2], [2]])).toEqual([[2], [3]]);
    expect(jm.forwardEventNdims([1, 1])).toEqual([1, 1]);
    expect(() => new tfb.JointMap({ bijectors: [] })).toThrow(/non-empty/);
  });
});

describe("Blockwise", () => {
  test("TFP's documented example: Blockwise([Exp, Sigmoid], [2, 1]) equals split-apply-concat", () => {
    const b = new tfb.Blockwise({ bijectors: [new tfb.Exp(), new tfb.Sigmoid()], blockSizes: [2, 1] });
    const x = f64([[0.5, -1, 2], [0, 1, -3]]);
    const y = b.forward(x);
    const expected = [0.5, -1, 2, 0, 1, -3].map((v, i) => (i % 3 < 2 ? Math.exp(v) : 1 / (1 + Math.exp(-v))));
    expect(closeTo(numbers(y), expected, 1e-15)).toBeNull();
    expect(closeTo(numbers(b.inverse(fresh(y))), numbers(x), 1e-14, 1e-14)).toBeNull();
    const row = f64([0.5, -1, 2]);
    expect(b.forwardLogDetJacobian(row).item()).toBeCloseTo(logAbsDet(jacobianMatrix((u) => b.forward(u), row)), 13);
    expect(b.forwardLogDetJacobian(x).shape).toEqual([2]);
    expect(b.forwardMinEventNdims).toBe(1);
  });

  test("size-changing blocks: Blockwise([Exp, SoftmaxCentered], [1, 2]) maps R^3 to R^4", () => {
    const b = new tfb.Blockwise({ bijectors: [new tfb.Exp(), new tfb.SoftmaxCentered()], blockSizes: [1, 2] });
    const x = f64([0.3, 1, 2]);
    const y = numbers(b.forward(x));
    expect(y.length).toBe(4);
    expect(y[0]).toBeCloseTo(Math.exp(0.3), 15);
    expect(closeTo(y.slice(1), numbers(new tfb.SoftmaxCentered().forward(f64([1, 2]))), 1e-15)).toBeNull();
    expect(b.forwardEventShape([5, 3])).toEqual([5, 4]);
    expect(b.forwardLogDetJacobian(x).item()).toBeCloseTo(0.3 + new tfb.SoftmaxCentered().forwardLogDetJacobian(f64([1, 2])).item(), 14);
    expect(closeTo(numbers(b.inverse(f64(y))), [0.3, 1, 2], 1e-13)).toBeNull();
    expect(() => new tfb.Blockwise({ bijectors: [new tfb.Exp()], blockSizes: [1, 2] })).toThrow(/one entry per bijector/);
    expect(() => new tfb.Blockwise({ bijectors: [new tfb.FillTriangular()] })).toThrow(/rank-changing/);
  });
});

describe("Invert", () => {
  test("swaps forward/inverse, ldjs, event shapes and min event ndims", () => {
    const log = new tfb.Invert(new tfb.Exp());
    const x = f64([0.5, 2, 10]);
    expect(closeTo(numbers(log.forward(x)), [0.5, 2, 10].map(Math.log), 1e-15)).toBeNull();
    expect(closeTo(numbers(log.forwardLogDetJacobian(x)), [0.5, 2, 10].map((v) => -Math.log(v)), 1e-15)).toBeNull();
    const inv = new tfb.Invert(new tfb.FillTriangular());
    expect([inv.forwardMinEventNdims, inv.inverseMinEventNdims]).toEqual([2, 1]);
    expect(inv.forwardEventShape([3, 3])).toEqual([6]);
    expect(inv.inverseEventShape([6])).toEqual([3, 3]);
    expect(inv.forwardEventNdims(3)).toBe(2);
    expect(inv.name).toBe("invert_fill_triangular");
  });
});
