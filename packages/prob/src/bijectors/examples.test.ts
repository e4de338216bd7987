// The bijector examples of TFP's "TensorFlow Probability on JAX" notebook
// (tensorflow_probability/examples/jupyter_notebooks/TensorFlow_Probability_on_JAX.ipynb), reproduced with the
// printed outputs as oracle (float32 there, so compared at float32 precision), plus exact float64 closed forms.
import { describe, expect, test } from "vitest";
import { NDArray, np } from "@fluxion/core";
import { grad, jit, vmap } from "@fluxion/transforms";
import { bijectors as tfb } from "../index.js";
import { closeTo, f64, numbers } from "./bijectors.testing.js";

describe("TFP on JAX notebook: bijectors", () => {
  test("tfb.Exp().inverse(1.) == 0", () => {
    expect(new tfb.Exp().inverse(1).item()).toBe(0);
  });

  test("bij = tfb.Shift(1.)(tfb.Scale(3.)): forward(ones(5)) = 4, inverse(ones(5)) = 0", () => {
    const bij = new tfb.Shift({ shift: 1 }).call(new tfb.Scale({ scale: 3 }));
    expect(bij).toBeInstanceOf(tfb.Chain);
    expect(numbers(bij.forward(np.ones([5])))).toEqual([4, 4, 4, 4, 4]);
    expect(numbers(bij.inverse(np.ones([5])))).toEqual([0, 0, 0, 0, 0]);
    // Shift∘Scale in float64: y = 3x + 1, ldj = log 3 per element.
    const x = f64([-1.5, 0.25]);
    expect(closeTo(numbers(bij.forward(x)), [-3.5, 1.75], 1e-15)).toBeNull();
    expect(bij.forwardLogDetJacobian(x, 1).item()).toBeCloseTo(2 * Math.log(3), 15);
  });

  test("FillScaleTriL(diag_bijector=Exp(), diag_shift=None): forward([0,0,0]) and inverse([[1,0],[.5,2]])", () => {
    const b = new tfb.FillScaleTriL({ diagBijector: new tfb.Exp(), diagShift: null });
    expect(b.forward([0, 0, 0]).toArray()).toEqual([[1, 0], [0, 1]]);
    expect(closeTo(numbers(b.inverse([[1, 0], [0.5, 2]])), [0.6931472, 0.5, 0], 1e-7)).toBeNull();
  });

  test("tfb.Chain([tfb.Exp(), tfb.Softplus()]).forward(-ones(5)) = 1.3678794", () => {
    const b = new tfb.Chain([new tfb.Exp(), new tfb.Softplus()]);
    const y = numbers(b.forward(np.negative(np.ones([5]))));
    expect(closeTo(y, [1.3678794, 1.3678794, 1.3678794, 1.3678794, 1.3678794], 1e-7)).toBeNull();
    expect(b.forward(f64([-1])).item()).toBeCloseTo(1 + Math.exp(-1), 15);
  });

  test("jit(vmap(tfb.Exp().inverse))(arange(4.)) = [-inf, 0, 0.6931472, 1.0986123]", () => {
    const out = numbers(jit(vmap(new tfb.Exp().inverse))(np.arange(4)) as NDArray);
    expect(out[0]).toBe(-Infinity);
    expect(closeTo(out.slice(1), [0, 0.6931472, 1.0986123], 1e-7)).toBeNull();
  });

  test("jit(grad(lambda x: vmap(tfb.Sigmoid().inverse)(x).sum()))(linspace(0., 1., 100)) = 1/(x(1-x))", () => {
    const x = np.linspace(0, 1, 100, true, "float64");
    const g = numbers(jit(grad((v: NDArray) => (vmap(new tfb.Sigmoid().inverse)(v) as NDArray).sum()))(x) as NDArray);
    const xs = numbers(x);
    expect(g[0]).toBe(Infinity);
    expect(g[99]).toBe(Infinity);
    expect(closeTo(g.slice(1, 99), xs.slice(1, 99).map((v) => 1 / (v * (1 - v))), 1e-12)).toBeNull();
  });
});

describe("event-space bijectors for distribution supports (TFP's defaults)", () => {
  test("each support maps unconstrained reals into it", () => {
    const into = (kind: tfb.SupportDescription, x: number[]) => numbers(tfb.eventSpaceBijector(kind)!.forward(f64(x)) as NDArray);
    for (const v of into({ kind: "positive", via: "softplus" }, [-30, 0, 5])) expect(v).toBeGreaterThan(0);
    for (const v of into({ kind: "halfLine", low: f64(2), via: "exp" }, [-30, 0, 5])) expect(v).toBeGreaterThan(2);
    for (const v of into({ kind: "interval", low: f64(-1), high: f64(3) }, [-30, 0, 5])) expect(v > -1 && v < 3).toBe(true);
    expect(into({ kind: "simplex" }, [0, 0, 0])).toEqual([0.25, 0.25, 0.25, 0.25]);
    const corr = into({ kind: "correlationMatrix" }, [0.3, -0.5, 1]);
    expect(closeTo([corr[0]!, corr[4]!, corr[8]!], [1, 1, 1], 1e-14)).toBeNull();
    const spd = tfb.eventSpaceBijector({ kind: "positiveDefinite" })!;
    expect([spd.forwardMinEventNdims, spd.inverseMinEventNdims]).toEqual([1, 2]);
    expect(tfb.eventSpaceBijector({ kind: "discrete" })).toBeNull();
    const base = { defaultEventSpaceBijector: () => new tfb.Softplus() };
    const push = tfb.eventSpaceBijector({ kind: "pushforward", base, bijector: new tfb.Exp() })!;
    expect(push.forward(f64([0])) as NDArray).toBeInstanceOf(NDArray);
    expect((push.forward(f64([0])) as NDArray).item()).toBeCloseTo(Math.exp(Math.log(2)), 15);
  });
});
