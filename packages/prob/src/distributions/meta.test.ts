// Meta-distributions: TransformedDistribution (against the closed-form laws it should reproduce, the bijector cache,
// cdfs through decreasing bijectors, the notebook's reshaped multinomial), MixtureSameFamily and Mixture (scipy
// fixtures, sampling by DKW), Deterministic, Masked and Inflated (zero-inflated Poisson fixture).
import { afterEach, describe, expect, it } from "vitest";
import { NDArray, np, random } from "@fluxion/core";
import * as tfb from "../bijectors/index.js";
import * as tfd from "./index.js";
import { type Encoded, checkGradsScaled, decode, dkw, dkwDiscrete, expectClose, loadFixture } from "./testing/helpers.js";

// Sampling on the js backend is long synchronous work: give vitest's worker RPC an event-loop turn between tests.
afterEach(() => new Promise<void>((resolve) => setTimeout(resolve, 0)));

const f64 = (x: unknown) => np.array(x as number[], "float64");
const f32 = (x: unknown) => np.array(x as number[], "float32");
const TIGHT = { rtol: 1e-10, atol: 1e-12 };
const vals = (x: NDArray) => Array.from(x.dataSync());
type Nested = Encoded | Nested[];
const flat = (v: Nested): number[] => (Array.isArray(v) ? v.flatMap(flat) : [decode(v)]);
const META = loadFixture<Record<string, Record<string, Nested>>>("meta.json");

describe("TransformedDistribution", () => {
  const xs = f64([0.05, 0.4, 1, 2.5, 9]);
  it("Normal pushed through Exp is the LogNormal (logProb, cdf, survival, quantile)", () => {
    const t = new tfd.TransformedDistribution({ distribution: new tfd.Normal({ loc: f64(0.3), scale: f64(0.8) }), bijector: new tfb.Exp() });
    const l = new tfd.LogNormal({ loc: f64(0.3), scale: f64(0.8) });
    for (const m of ["logProb", "cdf", "logCdf", "survivalFunction", "logSurvivalFunction"] as const) expectClose(`Transformed ${m}`, t[m](xs), vals(l[m](xs)), TIGHT);
    const ps = f64([0.01, 0.3, 0.5, 0.99]);
    expectClose("Transformed quantile", t.quantile(ps), vals(l.quantile(ps)), TIGHT);
    expect(t.batchShape).toEqual([]);
    expect(t.eventShape).toEqual([]);
    expect(() => t.mean()).toThrow(/mean.*affine/);
  });

  it("affine pushforwards reproduce Normal(2, 3) for increasing and decreasing scales", () => {
    const target = new tfd.Normal({ loc: f64(2), scale: f64(3) });
    const y = f64([-4, 0, 2, 5.5, 11]);
    for (const s of [3, -3]) {
      const t = new tfd.TransformedDistribution({ distribution: new tfd.Normal({ loc: f64(0), scale: f64(1) }), bijector: new tfb.Chain([new tfb.Shift({ shift: f64(2) }), new tfb.Scale({ scale: f64(s) })]) });
      for (const m of ["logProb", "cdf", "logCdf", "survivalFunction", "logSurvivalFunction"] as const) expectClose(`scale ${s} ${m}`, t[m](y), vals(target[m](y)), TIGHT);
      expectClose(`scale ${s} quantile`, t.quantile(f64([0.1, 0.5, 0.8])), vals(target.quantile(f64([0.1, 0.5, 0.8]))), TIGHT);
      expectClose(`scale ${s} mean`, t.mean(), [2], TIGHT);
      expectClose(`scale ${s} mode`, t.mode(), [2], TIGHT);
      expectClose(`scale ${s} stddev`, t.stddev(), [3], TIGHT);
      expectClose(`scale ${s} entropy`, t.entropy(), vals(target.entropy()), TIGHT);
    }
  });

  it("a batch of shifts gives the transformed law that batch shape and independent draws", () => {
    const t = new tfd.TransformedDistribution({ distribution: new tfd.Normal({ loc: f64(0), scale: f64(1) }), bijector: new tfb.Shift({ shift: f64([0, 10, 20]) }) });
    expect(t.batchShape).toEqual([3]);
    const s = t.sample(random.key(1), [4]);
    expect(s.shape).toEqual([4, 3]);
    const centred = np.subtract(s, f64([0, 10, 20])).dataSync();
    expect(new Set(Array.from(centred).map((v) => v.toFixed(12))).size).toBe(12);
  });

  it("MultivariateNormalDiag(0, 1) through ScaleMatvecTriL and Shift is MultivariateNormalTriL", () => {
    const tril = f64([[1.2, 0, 0], [0.3, 0.8, 0], [-0.5, 0.2, 2.0]]);
    const loc = f64([0.5, -1, 2]);
    const t = new tfd.TransformedDistribution({
      distribution: new tfd.MultivariateNormalDiag({ loc: f64([0, 0, 0]) }),
      bijector: new tfb.Chain([new tfb.Shift({ shift: loc }), new tfb.ScaleMatvecTriL({ scaleTril: tril })]),
    });
    const m = new tfd.MultivariateNormalTriL({ loc, scaleTril: tril });
    const x = f64([[0, 0, 0], [1, -2, 3], [0.5, -1, 2]]);
    expect(t.eventShape).toEqual([3]);
    expectClose("mvn logProb", t.logProb(x), vals(m.logProb(x)), TIGHT);
    expectClose("mvn mean", t.mean(), vals(m.mean()), TIGHT);
    expectClose("mvn covariance", t.covariance(), vals(m.covariance()), TIGHT);
    expectClose("mvn entropy", t.entropy(), vals(m.entropy()), TIGHT);
  });

  it("the notebook's six-way multinomial reshaped to [2, 3] keeps its log_prob (-178.21973)", () => {
    const six = new tfd.Multinomial({ totalCount: 1000, probs: f64([0.3, 0.25, 0.2, 0.15, 0.08, 0.02]) });
    const t = new tfd.TransformedDistribution({ distribution: six, bijector: new tfb.Reshape({ eventShapeOut: [2, 3] }) });
    expect(t.eventShape).toEqual([2, 3]);
    expectClose("reshaped multinomial", t.logProb(f64([[500, 100, 100], [150, 100, 50]])), [-178.21973], { rtol: 2e-6, atol: 1e-5 });
  });

  it("logProb of its own sample uses the cached pre-image (exact where the inverse is ill-conditioned)", () => {
    const base = new tfd.Normal({ loc: f32(0), scale: f32(10) });
    const t = new tfd.TransformedDistribution({ distribution: base, bijector: new tfb.Sigmoid() });
    const y = t.sample(random.key(3), [200]);
    const x = base.sample(random.key(3), [200]); // the same base draws
    const exact = np.subtract(base.logProb(x), new tfb.Sigmoid().forwardLogDetJacobian(x, 0));
    expectClose("cached logProb", t.logProb(y), vals(exact), { rtol: 1e-6, atol: 1e-4 });
    // A copy of y (a different array object) misses the cache; for |x| > 17 float32 sigmoid(x) rounds to 1.
    const copy = np.array(Array.from(y.dataSync()), "float32");
    const uncached = vals(t.logProb(copy));
    expect(uncached.some((v, i) => !(Math.abs(v - vals(exact)[i]!) < 1e-3))).toBe(true);
  });

  it("logProb gradients through the bijector match finite differences", () => {
    const f = (loc: NDArray, scale: NDArray, shift: NDArray, y: NDArray) =>
      new tfd.TransformedDistribution({ distribution: new tfd.Gamma({ concentration: loc, rate: scale }), bijector: new tfb.Chain([new tfb.Shift({ shift }), new tfb.Log()]) }).logProb(y);
    checkGradsScaled(f, [f64([2, 3]), f64([1.5, 0.5]), f64([0.3, -1]), f64([0.1, 1.2])]);
  });
});

describe("MixtureSameFamily", () => {
  const fx = META.normalMixture!;
  const make = (dtype: "float32" | "float64") =>
    new tfd.MixtureSameFamily({
      mixtureDistribution: new tfd.Categorical({ logits: np.array(flat(fx.logits!), dtype).reshape([2, 3]) }),
      componentsDistribution: new tfd.Normal({ loc: np.array(flat(fx.loc!), dtype).reshape([2, 3]), scale: np.array(flat(fx.scale!), dtype).reshape([2, 3]) }),
    });
  it("Gaussian mixture: logProb, cdf, mean, variance vs scipy (float64 tight, float32 loose)", () => {
    for (const dtype of ["float64", "float32"] as const) {
      const d = make(dtype);
      expect(d.batchShape).toEqual([2]);
      const tol = dtype === "float64" ? TIGHT : { rtol: 1e-4, atol: 1e-5 };
      const x = np.array(flat(fx.x!), dtype).reshape([4, 2]);
      expectClose("mixture logProb", d.logProb(x), flat(fx.logProb!), tol);
      expectClose("mixture cdf", d.cdf(x), flat(fx.cdf!), tol);
      expectClose("mixture mean", d.mean(), flat(fx.mean!), tol);
      expectClose("mixture variance", d.variance(), flat(fx.variance!), tol);
    }
  });
  it("sampling: shapes and DKW against the mixture cdf (alpha 1e-6)", () => {
    const d = make("float64");
    const n = 2000;
    const s = d.sample(random.key(21), [n]);
    expect(s.shape).toEqual([n, 2]);
    const data = s.dataSync();
    for (let j = 0; j < 2; j++) {
      const col = Array.from({ length: n }, (_, i) => data[i * 2 + j]!).sort((a, b) => a - b);
      const cdf = d.cdf(f64(col.map((v) => [v, v]))).dataSync();
      const { distance, bound } = dkw(col, () => col.map((_, i) => cdf[i * 2 + j]!), 1e-6);
      expect(distance).toBeLessThan(bound);
    }
  });
  it("a mixture of multivariate normals: covariance by total covariance, logProb by logsumexp", () => {
    const w = f64([0.25, 0.75]);
    const locs = f64([[0, 1], [2, -1]]);
    const diag = f64([[1, 0.5], [0.3, 2]]);
    const d = new tfd.MixtureSameFamily({ mixtureDistribution: new tfd.Categorical({ probs: w }), componentsDistribution: new tfd.MultivariateNormalDiag({ loc: locs, scaleDiag: diag }) });
    expect(d.eventShape).toEqual([2]);
    const mu = [0.25 * 0 + 0.75 * 2, 0.25 * 1 + 0.75 * -1];
    const second = (i: number, j: number) => 0.25 * ((i === j ? [1, 0.25][i]! : 0) + [0, 1][i]! * [0, 1][j]!) + 0.75 * ((i === j ? [0.09, 4][i]! : 0) + [2, -1][i]! * [2, -1][j]!);
    const cov = [0, 1].flatMap((i) => [0, 1].map((j) => second(i, j) - mu[i]! * mu[j]!));
    expectClose("mvn mixture mean", d.mean(), mu, TIGHT);
    expectClose("mvn mixture covariance", d.covariance(), cov, TIGHT);
    const x = f64([0.5, 0.5]);
    const parts = new tfd.MultivariateNormalDiag({ loc: locs, scaleDiag: diag }).logProb(x).dataSync();
    expectClose("mvn mixture logProb", d.logProb(x), [Math.log(0.25 * Math.exp(parts[0]!) + 0.75 * Math.exp(parts[1]!))], TIGHT);
    expect(d.sample(random.key(2), [5]).shape).toEqual([5, 2]);
  });
});

describe("Mixture (heterogeneous components)", () => {
  const fx = META.heterogeneousMixture!;
  const d = new tfd.Mixture({
    cat: new tfd.Categorical({ probs: f64(flat(fx.probs!)) }),
    components: [new tfd.Normal({ loc: f64(1), scale: f64(2) }), new tfd.Laplace({ loc: f64(-0.5), scale: f64(0.8) })],
  });
  it("logProb, logCdf, mean, stddev vs scipy", () => {
    const x = f64(flat(fx.x!));
    expectClose("mixture logProb", d.logProb(x), flat(fx.logProb!), TIGHT);
    expectClose("mixture logCdf", d.logCdf(x), flat(fx.logCdf!), TIGHT);
    expectClose("mixture mean", d.mean(), flat(fx.mean!), TIGHT);
    expectClose("mixture stddev", d.stddev(), flat(fx.stddev!), TIGHT);
  });
  it("sampling by DKW against exp(logCdf) (alpha 1e-6)", () => {
    const s = Array.from(d.sample(random.key(22), [2000]).dataSync()).sort((a, b) => a - b);
    const cdf = Array.from(np.exp(d.logCdf(f64(s))).dataSync());
    const { distance, bound } = dkw(s, () => cdf, 1e-6);
    expect(distance).toBeLessThan(bound);
  });
});

describe("Deterministic", () => {
  it("point mass with tolerance: prob, logProb, cdf, sample, moments", () => {
    const d = new tfd.Deterministic({ loc: f64([1, 2]), atol: f64(0.1) });
    expect(d.prob(f64([1.05, 2.2])).toArray()).toEqual([1, 0]);
    expect(d.logProb(f64([1, 3])).toArray()).toEqual([0, -Infinity]);
    expect(d.cdf(f64([0.85, 1.95])).toArray()).toEqual([0, 1]);
    expect(d.sample(random.key(0), [3]).toArray()).toEqual([[1, 2], [1, 2], [1, 2]]);
    expect(d.variance().toArray()).toEqual([0, 0]);
    expect(d.entropy().toArray()).toEqual([0, 0]);
    const v = new tfd.VectorDeterministic({ loc: f64([[1, 2], [3, 4]]) });
    expect(v.batchShape).toEqual([2]);
    expect(v.eventShape).toEqual([2]);
    expect(v.prob(f64([[1, 2], [3, 5]])).toArray()).toEqual([1, 0]);
  });
});

describe("Masked", () => {
  it("invalid members give logProb 0 and the safe sample; valid ones are untouched", () => {
    const inner = new tfd.Normal({ loc: f64([0, 1, 2]), scale: f64([1, 1, 1]) });
    const d = new tfd.Masked({ distribution: inner, validityMask: [true, false, true] });
    const x = f64([0.5, 100, 2]);
    const lp = d.logProb(x).dataSync();
    const want = inner.logProb(x).dataSync();
    expect(lp[0]).toBe(want[0]);
    expect(lp[1]).toBe(0);
    expect(lp[2]).toBe(want[2]);
    const safe = inner.sample(np.zeros([2], "uint32")).dataSync()[1]!;
    const s = d.sample(random.key(3), [4]);
    expect(s.shape).toEqual([4, 3]);
    for (let i = 0; i < 4; i++) expect(s.dataSync()[i * 3 + 1]).toBe(safe);
    expect(d.mean().dataSync()[1]).toBe(safe);
    expect(d.variance().toArray()).toEqual([1, 0, 1]);
    // A mask with more batch axes broadcasts the inner batch.
    const wide = new tfd.Masked({ distribution: inner, validityMask: [[true, true, true], [false, false, true]] });
    expect(wide.batchShape).toEqual([2, 3]);
    expect(wide.sample(random.key(4), [5]).shape).toEqual([5, 2, 3]);
  });
});

describe("Inflated", () => {
  const fx = META.zeroInflatedPoisson!;
  it("zero-inflated Poisson: logProb (probs and logits forms), mean, variance vs scipy", () => {
    const rate = f64(decode(fx.rate as Encoded));
    for (const params of [{ inflatedLocProbs: f64(decode(fx.probs as Encoded)) }, { inflatedLocLogits: f64(decode(fx.logits as Encoded)) }]) {
      const d = new tfd.Inflated({ distribution: new tfd.Poisson({ rate }), ...params });
      expectClose("ZIP logProb", d.logProb(f64(flat(fx.x!))), flat(fx.logProb!), TIGHT);
      expectClose("ZIP mean", d.mean(), flat(fx.mean!), TIGHT);
      expectClose("ZIP variance", d.variance(), flat(fx.variance!), TIGHT);
    }
  });
  it("zero-inflated Poisson sampling by DKW (alpha 1e-6)", () => {
    const d = new tfd.Inflated({ distribution: new tfd.Poisson({ rate: f64(3) }), inflatedLocProbs: f64(0.25) });
    const s = Array.from(d.sample(random.key(5), [2000]).dataSync());
    const pmf = Array.from(np.exp(d.logProb(f64(Array.from({ length: 40 }, (_, k) => k)))).dataSync());
    const cum: number[] = [];
    pmf.reduce((acc, v, k) => ((cum[k] = acc + v), acc + v), 0);
    const { distance, bound } = dkwDiscrete(s, (ks) => ks.map((k) => cum[k]!), 1e-6);
    expect(distance).toBeLessThan(bound);
  });
  it("continuous base (as TFP): log w0 at the point, log w1 + log p(x) elsewhere", () => {
    const d = new tfd.Inflated({ distribution: new tfd.Normal({ loc: f64(1), scale: f64(2) }), inflatedLocProbs: f64(0.1) });
    const lp = d.logProb(f64([0, 0.5])).dataSync();
    expect(lp[0]).toBeCloseTo(Math.log(0.1), 14);
    expect(lp[1]).toBeCloseTo(Math.log(0.9) + new tfd.Normal({ loc: f64(1), scale: f64(2) }).logProb(0.5).item(), 14);
  });
});
