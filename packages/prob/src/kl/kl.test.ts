// klDivergence: every registered pair against the committed scipy fixture (quadrature / exact sums / numpy
// formulas; generator in fixtures/gen_kl.py), against seeded Monte Carlo estimates, and through jit/vmap/grad.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { NDArray, np, random } from "@fluxion/core";
import { checkGrads, grad, jit, vmap } from "@fluxion/transforms";
import * as tfd from "../distributions/index.js";
import { JointDistributionNamed, JointDistributionSequential } from "../joint/index.js";
import { crossEntropy, klDivergence, registerKl } from "./index.js";

interface Case {
  kind: string;
  p: number[] | Record<string, number[] | number[][]>;
  q: number[] | Record<string, number[] | number[][]>;
  kl: number;
}
const fixture = JSON.parse(readFileSync(new URL("./fixtures/kl.json", import.meta.url), "utf8")) as { cases: Case[] };

const f64 = (x: number | number[] | number[][]) => np.array(x, "float64");
const num = (x: NDArray): number => Number(x.dataSync()[0]);
const nums = (x: NDArray): number[] => Array.from(x.dataSync(), Number);

type Params = Case["p"];
/** Builds the distribution of a fixture case (float64). */
function build(kind: string, side: "p" | "q", a: Params): tfd.Distribution {
  const v = a as number[];
  const r = a as Record<string, number[]>;
  switch (kind) {
    case "Normal":
      return new tfd.Normal({ loc: f64(v[0]!), scale: f64(v[1]!) });
    case "LogNormal":
      return new tfd.LogNormal({ loc: f64(v[0]!), scale: f64(v[1]!) });
    case "HalfNormal":
      return new tfd.HalfNormal({ scale: f64(v[0]!) });
    case "Laplace":
      return new tfd.Laplace({ loc: f64(v[0]!), scale: f64(v[1]!) });
    case "Gumbel":
      return new tfd.Gumbel({ loc: f64(v[0]!), scale: f64(v[1]!) });
    case "Uniform":
      return new tfd.Uniform({ low: f64(v[0]!), high: f64(v[1]!) });
    case "Gamma":
      return new tfd.Gamma({ concentration: f64(v[0]!), rate: f64(v[1]!) });
    case "Exponential":
      return new tfd.Exponential({ rate: f64(v[0]!) });
    case "GammaExponential":
      return side === "p" ? new tfd.Gamma({ concentration: f64(v[0]!), rate: f64(v[1]!) }) : new tfd.Exponential({ rate: f64(v[0]!) });
    case "Chi2Gamma":
      return side === "p" ? new tfd.Chi2({ df: f64(v[0]!) }) : new tfd.Gamma({ concentration: f64(v[0]!), logRate: f64(Math.log(v[1]!)) });
    case "Beta":
      return new tfd.Beta({ concentration1: f64(v[0]!), concentration0: f64(v[1]!) });
    case "Dirichlet":
      return new tfd.Dirichlet({ concentration: f64(v) });
    case "Categorical":
      return side === "p" ? new tfd.Categorical({ probs: f64(v) }) : new tfd.Categorical({ logits: f64(v.map(Math.log)) });
    case "Bernoulli":
      return side === "p" ? new tfd.Bernoulli({ probs: f64(v[0]!) }) : new tfd.Bernoulli({ logits: f64(Math.log(v[0]! / (1 - v[0]!))) });
    case "Poisson":
      return side === "p" ? new tfd.Poisson({ rate: f64(v[0]!) }) : new tfd.Poisson({ logRate: f64(Math.log(v[0]!)) });
    case "MVNTriL":
    case "MVNDiag":
    case "MVNDiagTriL":
      return r.scaleTril ? new tfd.MultivariateNormalTriL({ loc: f64(r.loc!), scaleTril: f64(r.scaleTril as unknown as number[][]) }) : new tfd.MultivariateNormalDiag({ loc: f64(r.loc!), scaleDiag: f64(r.scaleDiag!) });
    default:
      throw new Error(`unknown fixture kind ${kind}`);
  }
}

/** Monte Carlo KL: mean of log p(x) - log q(x) over n draws of p, with its standard error. */
function monteCarloKl(p: tfd.Distribution, q: tfd.Distribution, seed: number, n: number): [number, number] {
  const x = p.sample(random.key(seed), [n]);
  const d = nums(np.subtract(p.logProb(x), q.logProb(x)));
  const mean = d.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  return [mean, sd / Math.sqrt(n)];
}

describe("klDivergence against scipy (quadrature, exact sums, numpy formulas)", () => {
  for (const c of fixture.cases) {
    it(`${c.kind} ${JSON.stringify(c.p)} || ${JSON.stringify(c.q)}`, () => {
      const kl = num(klDivergence(build(c.kind, "p", c.p), build(c.kind, "q", c.q)));
      expect(Math.abs(kl - c.kl)).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(c.kl)));
    });
  }
});

// Gamma-based samplers (a rejection loop per draw) and MVN draws are slow on the reference backend: fewer draws there.
const monteCarloSize = (kind: string) => (/Gamma|Chi2|Beta|Dirichlet/.test(kind) ? 2000 : kind.startsWith("MVN") ? 5000 : 20000);

describe("klDivergence against seeded Monte Carlo (|error| < 5 standard errors: false-failure rate ~6e-7 per pair)", () => {
  const picked = fixture.cases.filter((c, i, all) => all.findIndex((d) => d.kind === c.kind) === i && c.kind !== "Uniform");
  picked.forEach((c, i) => {
    it(`${c.kind}`, () => {
      const p = build(c.kind, "p", c.p);
      const q = build(c.kind, "q", c.q);
      const [mc, se] = monteCarloKl(p, q, 100 + i, monteCarloSize(c.kind));
      const exact = num(klDivergence(p, q));
      expect(Math.abs(mc - exact)).toBeLessThan(5 * se + 1e-12);
    });
  });
});

describe("meta-distributions, joints, batches and the registry", () => {
  it("Independent sums the inner KL over reinterpreted dims; Sample multiplies by the number of copies", () => {
    const la = f64([[0, 1], [2, -1]]), sa = f64([[1, 2], [0.5, 1]]);
    const lb = f64([[0.5, 1], [1, 0]]), sb = f64([[2, 1], [1, 3]]);
    const inner = klDivergence(new tfd.Normal({ loc: la, scale: sa }), new tfd.Normal({ loc: lb, scale: sb }));
    const ind = klDivergence(new tfd.Independent({ distribution: new tfd.Normal({ loc: la, scale: sa }), reinterpretedBatchNdims: 1 }), new tfd.Independent({ distribution: new tfd.Normal({ loc: lb, scale: sb }), reinterpretedBatchNdims: 1 }));
    expect(ind.shape).toEqual([2]);
    const iv = nums(inner);
    expect(nums(ind)).toEqual([iv[0]! + iv[1]!, iv[2]! + iv[3]!]);
    const s = klDivergence(new tfd.Sample({ distribution: new tfd.Gamma({ concentration: f64(2), rate: f64(1) }), sampleShape: [2, 3] }), new tfd.Sample({ distribution: new tfd.Gamma({ concentration: f64(3), rate: f64(2) }), sampleShape: [2, 3] }));
    const g = num(klDivergence(new tfd.Gamma({ concentration: f64(2), rate: f64(1) }), new tfd.Gamma({ concentration: f64(3), rate: f64(2) })));
    expect(Math.abs(num(s) - 6 * g)).toBeLessThan(1e-12);
  });

  it("KL between joints of independent parts is the sum of the parts' KLs (and an error when parts depend)", () => {
    const a = new JointDistributionNamed({ x: new tfd.Normal({ loc: f64(0), scale: f64(1) }), r: new tfd.Exponential({ rate: f64(2) }) });
    const b = new JointDistributionNamed({ x: new tfd.Normal({ loc: f64(1), scale: f64(2) }), r: new tfd.Exponential({ rate: f64(0.5) }) });
    const expected = num(klDivergence(new tfd.Normal({ loc: f64(0), scale: f64(1) }), new tfd.Normal({ loc: f64(1), scale: f64(2) }))) + Math.log(2 / 0.5) + 0.5 / 2 - 1;
    expect(Math.abs(num(klDivergence(a, b)) - expected)).toBeLessThan(1e-12);
    const dependent = new JointDistributionSequential([new tfd.Normal({ loc: 0, scale: 1 }), (m: NDArray) => new tfd.Normal({ loc: m, scale: 1 })]);
    expect(() => klDivergence(dependent, dependent)).toThrow(/independent/);
  });

  it("batch shapes broadcast; unregistered pairs raise a clear error; registerKl adds pairs and nearest ancestors win", () => {
    const kl = klDivergence(new tfd.Normal({ loc: f64([0, 1, 2]), scale: f64(1) }), new tfd.Normal({ loc: f64([[0], [1]]), scale: f64(2) }));
    expect(kl.shape).toEqual([2, 3]);
    expect(() => klDivergence(new tfd.Normal({ loc: 0, scale: 1 }), new tfd.StudentT({ df: 3, loc: 0, scale: 1 }))).toThrow(/no KL\(Normal \|\| StudentT\) is registered.*registerKl\(Normal, StudentT/);
    class MyNormal extends tfd.Normal {}
    // A subclass inherits the parent's pair...
    expect(num(klDivergence(new MyNormal({ loc: f64(0), scale: f64(1) }), new tfd.Normal({ loc: f64(0), scale: f64(1) })))).toBe(0);
    // ...until a nearer pair is registered.
    registerKl(MyNormal, tfd.Normal, () => np.array(42, "float64"));
    expect(num(klDivergence(new MyNormal({ loc: f64(0), scale: f64(1) }), new tfd.Normal({ loc: f64(0), scale: f64(1) })))).toBe(42);
    expect(() => registerKl(MyNormal, tfd.Normal, () => np.array(0))).toThrow(/already registered/);
    const ce = num(crossEntropy(new tfd.Normal({ loc: f64(0), scale: f64(1) }), new tfd.Normal({ loc: f64(1), scale: f64(2) })));
    // Cross entropy of N(0,1) under N(1,2): log(2 sqrt(2 pi)) + (1 + 1) / 8.
    expect(Math.abs(ce - (Math.log(2 * Math.sqrt(2 * Math.PI)) + 2 / 8))).toBeLessThan(1e-12);
    expect(() => klDivergence(new tfd.Uniform({ low: f64(0), high: f64(3) }), new tfd.Uniform({ low: f64(0), high: f64(1) }), { allowNanStats: false })).not.toThrow();
    expect(num(klDivergence(new tfd.Uniform({ low: f64(0), high: f64(3) }), new tfd.Uniform({ low: f64(0), high: f64(1) })))).toBe(Infinity);
  });

  it("passes through jit, vmap and grad (gradients match finite differences)", () => {
    const kl = (p: tfd.Distribution, q: tfd.Distribution) => klDivergence(p, q);
    const p = new tfd.MultivariateNormalTriL({ loc: f64([0.1, -0.2]), scaleTril: f64([[1, 0], [0.3, 0.8]]) });
    const q = new tfd.MultivariateNormalTriL({ loc: f64([1, 0]), scaleTril: f64([[2, 0], [-0.4, 0.5]]) });
    expect(Math.abs(num(jit(kl)(p, q) as NDArray) - num(kl(p, q)))).toBeLessThan(1e-12);
    const batchP = new tfd.Gamma({ concentration: f64([1, 2, 3]), rate: f64([1, 0.5, 2]) });
    const batchQ = new tfd.Gamma({ concentration: f64([2, 2, 1]), rate: f64([1, 1, 1]) });
    const mapped = vmap(kl)(batchP, batchQ) as NDArray;
    const direct = nums(kl(batchP, batchQ));
    nums(mapped).forEach((v, i) => expect(Math.abs(v - direct[i]!)).toBeLessThan(1e-12));
    checkGrads((a: tfd.Distribution, b: tfd.Distribution) => klDivergence(a, b), [p, q], { order: 1, eps: 1e-6, rtol: 1e-6 });
    checkGrads((a: tfd.Distribution, b: tfd.Distribution) => klDivergence(a, b), [new tfd.Beta({ concentration1: f64(2), concentration0: f64(3) }), new tfd.Beta({ concentration1: f64(1.5), concentration0: f64(0.7) })], { order: 1, eps: 1e-6, rtol: 1e-6 });
    const g = grad((a: tfd.Normal) => klDivergence(a, new tfd.Normal({ loc: f64(1), scale: f64(2) })))(new tfd.Normal({ loc: f64(0.5), scale: f64(1) })) as tfd.Normal;
    // d/dμa = (μa - μb)/σb²; d/dσa = σa/σb² - 1/σa.
    expect(Math.abs(num(g.loc) - (0.5 - 1) / 4)).toBeLessThan(1e-12);
    expect(Math.abs(num(g.scale) - (1 / 4 - 1))).toBeLessThan(1e-12);
  });
});
