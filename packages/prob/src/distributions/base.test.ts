// The Distribution base: argument validation (errors name the class, parameter and offending value), NaN
// semantics when validation is off, allowNanStats, unsupported methods, dtype rules, parameters/copy, and the
// published normaliser of LKJ (the volume of 3x3 correlation matrices is pi^2 / 2).
import { describe, expect, it } from "vitest";
import { NDArray, np } from "@fluxion/core";
import { jit } from "@fluxion/transforms";
import * as tfd from "./index.js";

const f64 = (x: unknown) => np.array(x as number[], "float64");

describe("validateArgs", () => {
  it("invalid parameters raise InvalidArgumentError naming the class, the parameter and the value", () => {
    expect(() => new tfd.Normal({ loc: 0, scale: [1, -2], validateArgs: true })).toThrow(/^Normal: parameter scale must be positive; got -2 at index \[1\]/);
    expect(() => new tfd.Gamma({ concentration: 0, rate: 1, validateArgs: true })).toThrow(/Gamma: parameter concentration must be positive; got 0/);
    expect(() => new tfd.Categorical({ probs: [0.5, 0.6], validateArgs: true })).toThrow(/Categorical: parameter probs must be summing to 1/);
    expect(() => new tfd.Binomial({ totalCount: 2.5, probs: 0.5, validateArgs: true })).toThrow(/Binomial: parameter totalCount must be a non-negative integer; got 2.5/);
    expect(() => new tfd.Uniform({ low: 2, high: 1, validateArgs: true })).toThrow(/Uniform: parameter low must be less than high; got 2/);
    expect(() => new tfd.MultivariateNormalFullCovariance({ covarianceMatrix: [[1, 2], [2, 1]], validateArgs: true })).toThrow(/positive definite/);
    try {
      new tfd.Normal({ loc: 0, scale: -1, validateArgs: true });
    } catch (e) {
      expect(e).toBeInstanceOf(tfd.InvalidArgumentError);
    }
  });

  it("values outside the support raise in logProb/cdf when validateArgs is on", () => {
    expect(() => new tfd.Poisson({ rate: 2, validateArgs: true }).logProb([1, -1])).toThrow(/Poisson.logProb: value must be non-negative; got -1 at index \[1\]/);
    expect(() => new tfd.Beta({ concentration1: 2, concentration0: 2, validateArgs: true }).cdf(1.5)).toThrow(/Beta.cdf: value must be in \[0, 1\]; got 1.5/);
    expect(() => new tfd.Bernoulli({ probs: 0.3, validateArgs: true }).logProb(2)).toThrow(/Bernoulli.logProb: value must be 0 or 1/);
    expect(() => new tfd.Normal({ loc: 0, scale: 1, validateArgs: true }).quantile(1.2)).toThrow(/Normal.quantile: probability must be in \[0, 1\]/);
    expect(() => new tfd.LKJ({ dimension: 2, concentration: 2, validateArgs: true }).logProb([[1, 0.5], [0.4, 1]])).toThrow(/LKJ.logProb: value must be symmetric/);
    expect(() => new tfd.CholeskyLKJ({ dimension: 2, concentration: 2, validateArgs: true }).logProb([[1, 0], [0.5, 0.5]])).toThrow(/rows of unit norm/);
  });

  it("without validateArgs, invalid parameters give NaN (as TFP), and jit never inspects traced values", () => {
    const bad = new tfd.Normal({ loc: 0, scale: f64(-1) });
    expect(Number.isNaN(bad.logProb(0.5).item())).toBe(true);
    const checked = (scale: NDArray) => new tfd.Normal({ loc: 0, scale, validateArgs: true }).logProb(0.5);
    expect(Number.isNaN((jit(checked)(f64(-1)) as NDArray).item())).toBe(true);
  });
});

describe("allowNanStats", () => {
  it("undefined statistics are NaN by default and raise when allowNanStats is false", () => {
    expect(Number.isNaN(new tfd.Cauchy({ loc: 0, scale: 1 }).mean().item())).toBe(true);
    expect(() => new tfd.Cauchy({ loc: 0, scale: 1, allowNanStats: false }).mean()).toThrow(/Cauchy.mean is undefined/);
    const t = new tfd.StudentT({ df: f64([0.5, 1.5, 3]), loc: 0, scale: 1 });
    const v = t.variance().toArray() as number[];
    expect(Number.isNaN(v[0]!)).toBe(true);
    expect(v[1]).toBe(Infinity);
    expect(v[2]).toBeCloseTo(3, 12);
    expect(() => new tfd.StudentT({ df: f64([0.5, 3]), loc: 0, scale: 1, allowNanStats: false }).mean()).toThrow(/StudentT.mean is undefined unless df > 1/);
    expect(() => new tfd.Gamma({ concentration: 0.5, rate: 1, allowNanStats: false }).mode()).toThrow(/Gamma.mode is undefined unless concentration > 1/);
  });
});

describe("unsupported methods and dtypes", () => {
  it("methods a distribution lacks throw NotImplementedError naming the method and class", () => {
    expect(() => new tfd.Categorical({ logits: [0, 1] }).quantile(0.5)).toThrow(/^Categorical.quantile is not implemented/);
    expect(() => new tfd.BetaBinomial({ totalCount: 3, concentration1: 1, concentration0: 1 }).cdf(1)).toThrow(/BetaBinomial.cdf is not implemented/);
    expect(() => new tfd.LKJ({ dimension: 2, concentration: 1 }).variance()).toThrow(tfd.NotImplementedError);
    expect(() => new tfd.Normal({ loc: 0, scale: 1 }).covariance()).not.toThrow();
  });

  it("parameters share the widest float dtype; JS numbers are weak (float32 by default)", () => {
    expect(new tfd.Normal({ loc: 0, scale: 1 }).dtype).toBe("float32");
    const d = new tfd.Normal({ loc: 0, scale: f64(1) });
    expect(d.dtype).toBe("float64");
    expect(d.loc.dtype).toBe("float64");
    expect(new tfd.Gamma({ concentration: np.array([1, 2], "int32"), rate: 1 }).dtype).toBe("float32");
    expect(new tfd.Bernoulli({ probs: f64(0.5) }).dtype).toBe("int32");
    expect(new tfd.Bernoulli({ probs: f64(0.5) }).logProb(1).dtype).toBe("float64");
    expect(new tfd.Poisson({ rate: f64(2) }).dtype).toBe("float64");
  });

  it("parameters and copy rebuild the distribution with overrides", () => {
    const d = new tfd.Normal({ loc: f64([1, 2]), scale: f64(3), name: "n", validateArgs: true });
    expect(Object.keys(d.parameters).sort()).toEqual(["allowNanStats", "loc", "name", "scale", "validateArgs"]);
    const e = d.copy({ scale: f64(5) });
    expect(e).toBeInstanceOf(tfd.Normal);
    expect(e.scale.item()).toBe(5);
    expect(e.validateArgs).toBe(true);
    expect(e.name).toBe("n");
    const b = new tfd.Bernoulli({ logits: f64(0), dtype: "float32" });
    expect(b.copy().dtype).toBe("float32");
    expect(String(d)).toBe('Normal("n", batchShape=[2], dtype=float64)');
  });
});

describe("LKJ normaliser", () => {
  it("LKJ(3, concentration 1) is uniform over 3x3 correlation matrices, whose volume is pi^2 / 2", () => {
    const d = new tfd.LKJ({ dimension: 3, concentration: f64(1) });
    const x = f64([[1, 0.3, -0.2], [0.3, 1, 0.5], [-0.2, 0.5, 1]]);
    expect(d.logProb(x).item()).toBeCloseTo(-Math.log((Math.PI * Math.PI) / 2), 13);
  });
});
