// Joint distributions: TFP's documented JointDistributionSequential / Named / Coroutine examples (graphs, sample
// shapes, event/batch shapes) and logProb against the sum of the parts' closed-form log-densities written here.
import { describe, expect, it } from "vitest";
import { NDArray, np, random } from "@fluxion/core";
import * as tfd from "../distributions/index.js";
import { JointDistributionCoroutine, JointDistributionNamed, JointDistributionSequential, Root, type ModelGenerator } from "./index.js";
import { argSpec } from "./argNames.js";

const f64 = (x: number | number[] | number[][]) => np.array(x, "float64");
const nums = (x: NDArray): number[] => Array.from(x.dataSync(), Number);
const num = (x: NDArray): number => Number(x.dataSync()[0]);

// log Γ by Lanczos (g = 7, n = 9; the coefficients of Numerical Recipes 3rd ed. §6.1 / Godfrey), ~1e-15 relative.
const LANCZOS = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
function lgamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}
const normalLp = (x: number, loc: number, scale: number) => -0.5 * ((x - loc) / scale) ** 2 - Math.log(scale) - 0.5 * Math.log(2 * Math.PI);
const expLp = (x: number, rate: number) => Math.log(rate) - rate * x;
const gammaLp = (x: number, a: number, b: number) => a * Math.log(b) + (a - 1) * Math.log(x) - b * x - lgamma(a);
const softplus = (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
const bernoulliLogitsLp = (k: number, logit: number) => k * logit - softplus(logit);
const poissonLp = (k: number, rate: number) => k * Math.log(rate) - rate - lgamma(k + 1);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

function expectClose(actual: number[], expected: number[], rtol = 1e-12, atol = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i]!;
    if (Math.abs(a - e) > atol + rtol * Math.abs(e)) throw new Error(`index ${i}: got ${a}, expected ${e} (all: ${actual} vs ${expected})`);
  });
}

// TFP's docstring model: e ~ Exponential([100, 120]); g ~ Gamma(e[0], e[1]); n ~ Normal(0, 2); m ~ Normal(n, g);
// x ~ 12 Bernoulli(logits=m). Float64, so g (often ~1e-60) stays positive.
const docstringParts = {
  e: () => new tfd.Exponential({ rate: f64([100, 120]) }),
  g: (e: NDArray) => new tfd.Gamma({ concentration: e.slice("...", 0), rate: e.slice("...", 1) }),
  n: () => new tfd.Normal({ loc: f64(0), scale: 2 }),
  m: (n: NDArray, g: NDArray) => new tfd.Normal({ loc: n, scale: g }),
  x: (m: NDArray) => new tfd.Sample({ distribution: new tfd.Bernoulli({ logits: m }), sampleShape: 12 }),
};

/** The docstring model's log-density of one draw, term by term. */
function docstringLogProb(e: number[], g: number, n: number, m: number, x: number[]): number {
  return expLp(e[0]!, 100) + expLp(e[1]!, 120) + gammaLp(g, e[0]!, e[1]!) + normalLp(n, 0, 2) + normalLp(m, n, g) + sum(x.map((k) => bernoulliLogitsLp(k, m)));
}

describe("JointDistributionNamed (TFP docstring example)", () => {
  const joint = new JointDistributionNamed(
    { e: docstringParts.e(), g: (e: NDArray) => docstringParts.g(e), n: docstringParts.n(), m: (n: NDArray, g: NDArray) => docstringParts.m(n, g), x: (m: NDArray) => docstringParts.x(m) },
    { batchNdims: 0, useVectorizedMap: true },
  );

  it("resolves the dependency graph in TFP's order", () => {
    expect(joint.resolveGraph()).toEqual([["e", []], ["g", ["e"]], ["n", []], ["m", ["n", "g"]], ["x", ["m"]]]);
  });

  it("samples a dict of parts with the documented shapes; logProb is the sum of the parts", () => {
    const x = joint.sample(random.key(3)) as Record<string, NDArray>;
    expect(Object.keys(x)).toEqual(["e", "g", "n", "m", "x"]);
    expect(Object.fromEntries(Object.entries(x).map(([k, v]) => [k, v.shape]))).toEqual({ e: [2], g: [], n: [], m: [], x: [12] });
    expect(x.x!.dtype).toBe("int32");
    expect(joint.eventShape).toEqual({ e: [2], g: [], n: [], m: [], x: [12] });
    expect(joint.batchShape).toEqual([]);
    const lp = joint.logProb(x);
    expect(lp.shape).toEqual([]);
    const expected = docstringLogProb(nums(x.e!), num(x.g!), num(x.n!), num(x.m!), nums(x.x!));
    expectClose([num(lp)], [expected]);
    const parts = joint.logProbParts(x) as Record<string, NDArray>;
    expectClose([num(parts.e!)], [expLp(nums(x.e!)[0]!, 100) + expLp(nums(x.e!)[1]!, 120)]);
    expectClose([num(parts.x!)], [sum(nums(x.x!).map((k) => bernoulliLogitsLp(k, num(x.m!))))]);
  });

  it("vectorizes a sample shape; each draw's logProb matches the hand sum", () => {
    const x = joint.sample(random.key(4), [3]) as Record<string, NDArray>;
    expect(Object.fromEntries(Object.entries(x).map(([k, v]) => [k, v.shape]))).toEqual({ e: [3, 2], g: [3], n: [3], m: [3], x: [3, 12] });
    const lp = joint.logProb(x);
    expect(lp.shape).toEqual([3]);
    const e = nums(x.e!), g = nums(x.g!), n = nums(x.n!), m = nums(x.m!), xs = nums(x.x!);
    const expected = [0, 1, 2].map((i) => docstringLogProb(e.slice(2 * i, 2 * i + 2), g[i]!, n[i]!, m[i]!, xs.slice(12 * i, 12 * i + 12)));
    expectClose(nums(lp), expected);
  });

  it("classic batch semantics (batchNdims null) sums unreduced parts with broadcasting, as TFP", () => {
    const classic = new JointDistributionNamed({ e: docstringParts.e(), g: (e: NDArray) => docstringParts.g(e), n: docstringParts.n() });
    expect(classic.batchShape).toEqual({ e: [2], g: [], n: [] });
    expect(classic.eventShape).toEqual({ e: [], g: [], n: [] });
    const x = classic.sample(random.key(5)) as Record<string, NDArray>;
    const lp = classic.logProb(x);
    expect(lp.shape).toEqual([2]);
    // (Locals here must not shadow the makers' parameter names: bundlers rename shadowing parameters.)
    const ev = nums(x.e!);
    const rest = gammaLp(num(x.g!), ev[0]!, ev[1]!) + normalLp(num(x.n!), 0, 2);
    expectClose(nums(lp), [expLp(ev[0]!, 100) + rest, expLp(ev[1]!, 120) + rest]);
  });

  it("takes {deps, fn} makers and rejects unknown or unreadable dependencies with a clear message", () => {
    const explicit = new JointDistributionNamed({
      a: new tfd.Normal({ loc: f64(0), scale: 1 }),
      b: { deps: ["a"], fn: (a: NDArray) => new tfd.Normal({ loc: a, scale: 0.5 }) },
    });
    expect(explicit.resolveGraph()).toEqual([["a", []], ["b", ["a"]]]);
    const v = { a: f64(0.3), b: f64(-0.2) };
    expectClose([num(explicit.logProb(v))], [normalLp(0.3, 0, 1) + normalLp(-0.2, 0.3, 0.5)]);
    expect(() => new JointDistributionNamed({ a: new tfd.Normal({ loc: 0, scale: 1 }), b: (q: NDArray) => new tfd.Normal({ loc: q, scale: 1 }) })).toThrow(/"q", which is not a part.*\{deps: \[\.\.\.\], fn\}/);
    expect(() => new JointDistributionNamed({ a: new tfd.Normal({ loc: 0, scale: 1 }), b: ({ a }: { a: NDArray }) => new tfd.Normal({ loc: a, scale: 1 }) })).toThrow(/no plain name/);
    expect(() => new JointDistributionNamed({ a: (b: NDArray) => new tfd.Normal({ loc: b, scale: 1 }), b: (a: NDArray) => new tfd.Normal({ loc: a, scale: 1 }) })).toThrow(/cycle/);
  });
});

describe("JointDistributionSequential", () => {
  it("TFP's docstring example: arguments arrive most recent first; names and graph as resolve_graph", () => {
    const joint = new JointDistributionSequential(
      [docstringParts.e(), (e: NDArray) => docstringParts.g(e), docstringParts.n(), (n: NDArray, g: NDArray) => docstringParts.m(n, g), (m: NDArray) => docstringParts.x(m)],
      { batchNdims: 0, useVectorizedMap: true },
    );
    expect(joint.resolveGraph()).toEqual([["e", []], ["g", ["e"]], ["n", []], ["m", ["n", "g"]], ["x", ["m"]]]);
    expect(joint.flatNames()).toEqual(["e", "g", "n", "m", "x"]);
    const x = joint.sample(random.key(7)) as NDArray[];
    expect(x.map((v) => v.shape)).toEqual([[2], [], [], [], [12]]);
    const [ev, gv, nv, mv, xv] = x as [NDArray, NDArray, NDArray, NDArray, NDArray];
    expectClose([num(joint.logProb(x))], [docstringLogProb(nums(ev), num(gv), num(nv), num(mv), nums(xv))]);
    // Values may also be passed by part name.
    expectClose([num(joint.logProb({ e: ev, g: gv, n: nv, m: mv, x: xv }))], [num(joint.logProb(x))]);
  });

  it("manually vectorized model: Root parts take the sample shape, the rest broadcast (TFP's example)", () => {
    const joint = new JointDistributionSequential([
      new tfd.Normal({ loc: f64(0), scale: np.ones([3], "float64") }),
      new tfd.Normal({ loc: f64(0), scale: 1 }),
      (y: NDArray, x: NDArray) => new tfd.Normal({ loc: np.add(x.slice("...", [0, 2]), y.slice("...", null)), scale: 1 }),
    ]);
    const [x, y, z] = joint.sample(random.key(8), [4]) as [NDArray, NDArray, NDArray];
    expect([x.shape, y.shape, z.shape]).toEqual([[4, 3], [4], [4, 2]]);
    const parts = joint.logProbParts([x, y, z]) as NDArray[];
    expect(parts.map((p) => p.shape)).toEqual([[4, 3], [4], [4, 2]]);
    const xv = nums(x), yv = nums(y), zv = nums(z);
    const expectedZ = [0, 1, 2, 3].flatMap((i) => [0, 1].map((j) => normalLp(zv[2 * i + j]!, xv[3 * i + j]! + yv[i]!, 1)));
    expectClose(nums(parts[2]!), expectedZ);
  });

  it("summary statistics of independent parts; an error for dependent ones", () => {
    const ind = new JointDistributionSequential([new tfd.Normal({ loc: f64(1), scale: 2 }), new tfd.Exponential({ rate: f64(4) })]);
    expect((ind.mean() as NDArray[]).map(num)).toEqual([1, 0.25]);
    expectClose((ind.variance() as NDArray[]).map(num), [4, 1 / 16]);
    expectClose([num(ind.entropy())], [0.5 * Math.log(2 * Math.PI * Math.E * 4) + 1 - Math.log(4)]);
    const dep = new JointDistributionSequential([new tfd.Normal({ loc: 0, scale: 1 }), (a: NDArray) => new tfd.Normal({ loc: a, scale: 1 })]);
    expect(() => dep.mean()).toThrow(/only defined when all parts are independent/);
  });
});

describe("JointDistributionCoroutine (TFP docstring example)", () => {
  const model = function* (): ModelGenerator {
    const globalLogRate = yield new tfd.Normal({ loc: f64(0), scale: 1, name: "global_log_rate" });
    const localLogRates = yield new tfd.Normal({ loc: f64(0), scale: np.ones([20], "float64"), name: "local_log_rates" });
    yield new tfd.Poisson({ rate: np.exp(np.add(globalLogRate, localLogRates)), name: "observed_counts" });
  };
  const joint = new JointDistributionCoroutine(model, { useVectorizedMap: true, batchNdims: 0 });

  it("event shape [[], [20], [20]], batch shape [], scalar logProb equal to the sum of the parts", () => {
    expect(joint.eventShape).toEqual([[], [20], [20]]);
    expect(joint.batchShape).toEqual([]);
    expect(joint.flatNames()).toEqual(["global_log_rate", "local_log_rates", "observed_counts"]);
    const xs = joint.sample(random.key(11)) as NDArray[];
    expect(xs.map((x) => x.shape)).toEqual([[], [20], [20]]);
    const lp = joint.logProb(xs);
    expect(lp.shape).toEqual([]);
    const g = num(xs[0]!), l = nums(xs[1]!), c = nums(xs[2]!);
    const expected = normalLp(g, 0, 1) + sum(l.map((v) => normalLp(v, 0, 1))) + sum(c.map((k, i) => poissonLp(k, Math.exp(g + l[i]!))));
    expectClose([num(lp)], [expected], 1e-11);
    // By name, as TFP's log_prob(**xs._asdict()).
    expectClose([num(joint.logProb({ global_log_rate: xs[0]!, local_log_rates: xs[1]!, observed_counts: xs[2]! }))], [expected], 1e-11);
  });

  it("sampleDistributions: the parts' own event shapes [[], [], []] and batch shapes [[], [20], [20]]", () => {
    const [ds, xs] = joint.sampleDistributions(random.key(12)) as [tfd.Distribution[], NDArray[]];
    expect(ds.map((d) => d.eventShape)).toEqual([[], [], []]);
    expect(ds.map((d) => d.batchShape)).toEqual([[], [20], [20]]);
    expect(ds.map((d, i) => d.logProb(xs[i]!).shape)).toEqual([[], [20], [20]]);
  });

  it("a sample shape is vmapped over keys; logProb of a batch of draws has the sample shape", () => {
    const xs = joint.sample(random.key(13), [2, 3]) as NDArray[];
    expect(xs.map((x) => x.shape)).toEqual([[2, 3], [2, 3, 20], [2, 3, 20]]);
    const lp = joint.logProb(xs);
    expect(lp.shape).toEqual([2, 3]);
    const single = joint.logProb(xs.map((x) => x.slice(1, 2)));
    expectClose([nums(lp)[5]!], [num(single)], 1e-12);
  });

  it("classic (manually vectorized) coroutine with Root and unnamed parts var0, var1", () => {
    const classic = new JointDistributionCoroutine(function* (): ModelGenerator {
      const x = yield Root(new tfd.Normal({ loc: f64(0), scale: np.ones([3], "float64") }));
      yield new tfd.Independent({ distribution: new tfd.Normal({ loc: x.slice("...", null), scale: np.ones([3, 2], "float64") }), reinterpretedBatchNdims: 1 });
    });
    expect(classic.flatNames()).toEqual(["var0", "var1"]);
    expect(classic.batchShape).toEqual([[3], [3]]);
    const [x, y] = classic.sample(random.key(14), [5]) as [NDArray, NDArray];
    expect([x.shape, y.shape]).toEqual([[5, 3], [5, 3, 2]]);
    expect(classic.logProb([x, y]).shape).toEqual([5, 3]);
    const noRoot = new JointDistributionCoroutine(function* (): ModelGenerator {
      yield new tfd.Normal({ loc: 0, scale: 1 });
    });
    expect(() => noRoot.sample(random.key(0), [2])).toThrow(/must be wrapped in Root/);
  });
});

describe("argument names", () => {
  it("reads required parameter names from arrows, functions and methods, skipping defaults and comments", () => {
    expect(argSpec((a: number, b: number) => a + b).names).toEqual(["a", "b"]);
    expect(argSpec((x: number) => x).names).toEqual(["x"]);
    // eslint-disable-next-line prefer-arrow-callback
    expect(argSpec(function named(/* first */ p: number, q = 2) { return p + q; }).names).toEqual(["p"]);
    const obj = { m(u: number, v: number) { return u + v; } };
    expect(argSpec(obj.m).names).toEqual(["u", "v"]);
    expect(argSpec((...xs: number[]) => xs.length).hasRest).toBe(true);
  });
});
