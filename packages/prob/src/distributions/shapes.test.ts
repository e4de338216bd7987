// TFP's shape semantics, reproduced from its published examples: the "Understanding TensorFlow Distributions
// Shapes" notebook (printed log_prob values and sample shapes) and the Normal / MultivariateNormalDiag /
// Independent docstrings; plus Sample's layout and scalar/batched/sampled shapes for every family.
import { describe, expect, it } from "vitest";
import { NDArray, np, random } from "@fluxion/core";
import * as tfd from "./index.js";
import { expectClose } from "./testing/helpers.js";

const f32 = (x: unknown) => np.array(x as number[], "float32");
const f64 = (x: unknown) => np.array(x as number[], "float64");
// The notebook prints TF's float32 results; those carry float32 cancellation error (e.g. Poisson(100) at 100:
// TF -3.2223587, exact -3.2223570; the six-way multinomial: TF -178.21973, exact -178.21992). We evaluate in
// float64 and allow that much.
const PRINTED = { rtol: 2e-6, atol: 1e-5 };
const SAMPLE_SHAPES: (number | number[])[] = [1, 2, [1, 5], [3, 4, 5]];
const flatOf = (x: unknown): number[] => (Array.isArray(x) ? x.flatMap(flatOf) : [x as number]);

function expectLogProb(d: tfd.Distribution, x: unknown, shape: number[], want: unknown): void {
  const lp = d.logProb(f64(x));
  expect(lp.shape).toEqual(shape);
  expectClose("logProb", lp, flatOf(want), PRINTED);
}

describe("TFP 'Understanding Distributions Shapes' notebook", () => {
  it("Poisson batch shapes and sample shapes", () => {
    const cases: [tfd.Poisson, number[]][] = [
      [new tfd.Poisson({ rate: 1 }), []],
      [new tfd.Poisson({ rate: [1, 10, 100] }), [3]],
      [new tfd.Poisson({ rate: [[1, 10, 100], [2, 20, 200]] }), [2, 3]],
      [new tfd.Poisson({ rate: [1] }), [1]],
      [new tfd.Poisson({ rate: [[1]] }), [1, 1]],
    ];
    for (const [d, batch] of cases) {
      expect(d.batchShape).toEqual(batch);
      expect(d.eventShape).toEqual([]);
      expect(d.dtype).toBe("float32");
      for (const s of SAMPLE_SHAPES) expect(d.sample(random.key(0), s).shape).toEqual([...(typeof s === "number" ? [s] : s), ...batch]);
    }
  });

  it("Normal batch shapes with broadcasting", () => {
    expect(new tfd.Normal({ loc: 0, scale: 1 }).batchShape).toEqual([]);
    expect(new tfd.Normal({ loc: [0], scale: 1 }).batchShape).toEqual([1]);
    expect(new tfd.Normal({ loc: [0, 1, 2, 3], scale: 1 }).batchShape).toEqual([4]);
    const b = new tfd.Normal({ loc: [0, 1, 2, 3], scale: [[1], [5]] });
    expect(b.batchShape).toEqual([2, 4]);
    expect(b.sample(random.key(1), [3, 4, 5]).shape).toEqual([3, 4, 5, 2, 4]);
  });

  it("three Poissons: log_prob broadcasting of values against the batch", () => {
    const d = new tfd.Poisson({ rate: f64([1, 10, 100]) });
    expectLogProb(d, [[1, 10, 100], [100, 10, 1]], [2, 3], [[-1, -2.0785608, -3.2223587], [-364.73938, -2.0785608, -95.39484]]);
    expectLogProb(d, [[[[1, 10, 100], [100, 10, 1]]]], [1, 1, 2, 3], [[-1, -2.0785608, -3.2223587], [-364.73938, -2.0785608, -95.39484]]);
    expectLogProb(d, [10], [3], [-16.104412, -2.0785608, -69.05272]);
    expectLogProb(d, [[[1], [10]], [[100], [1000]]], [2, 2, 3], [[[-1, -7.6974149, -95.394836], [-16.104412, -2.0785608, -69.052719]], [[-364.73938, -143.48087, -3.2223587], [-5913.1279, -3619.5427, -1406.9575]]]);
    expectLogProb(d, [[1], [10], [50], [100]], [4, 3], [[-1, -7.697415, -95.39484], [-16.104412, -2.0785608, -69.05272], [-149.47777, -43.34851, -18.219261], [-364.73938, -143.48087, -3.2223587]]);
  });

  it("two-by-three Poissons: scalar, row, column and extra-axis values", () => {
    const d = new tfd.Poisson({ rate: f64([[1, 10, 100], [2, 20, 200]]) });
    const ones = [[-1, -7.697415, -95.39484], [-1.3068528, -17.004269, -194.70169]];
    expectLogProb(d, 1, [2, 3], ones);
    expectLogProb(d, [1], [2, 3], ones);
    expectLogProb(d, [[1, 10, 100]], [2, 3], [[-1, -2.0785608, -3.2223587], [-1.3068528, -5.14709, -33.90767]]);
    expectLogProb(d, [[1], [2]], [2, 3], [[-1, -7.697415, -95.39484], [-1.3068528, -14.701683, -190.09653]]);
    const stacked = [ones, [[-1.6931472, -6.087977, -91.48282], [-1.3068528, -14.701683, -190.09653]]];
    expectLogProb(d, [[[1], [1]], [[2], [2]]], [2, 2, 3], stacked);
    expectLogProb(d, [[[1, 1, 1]], [[2, 2, 2]]], [2, 2, 3], stacked);
    expectLogProb(d, [[[1]], [[2]]], [2, 2, 3], stacked);
  });

  it("Multinomial shapes", () => {
    const probs = [0.5, 0.4, 0.1];
    const cases: [tfd.Multinomial, number[]][] = [
      [new tfd.Multinomial({ totalCount: 100, probs }), []],
      [new tfd.Multinomial({ totalCount: [100, 1000], probs }), [2]],
      [new tfd.Multinomial({ totalCount: 100, probs: [[0.5, 0.4, 0.1], [0.1, 0.2, 0.7]] }), [2]],
      [new tfd.Multinomial({ totalCount: [100, 1000], probs: [[0.5, 0.4, 0.1], [0.1, 0.2, 0.7]] }), [2]],
    ];
    for (const [d, batch] of cases) {
      expect(d.batchShape).toEqual(batch);
      expect(d.eventShape).toEqual([3]);
      expect(d.sample(random.key(2), [3, 4]).shape).toEqual([3, 4, ...batch, 3]);
    }
    const six = new tfd.Multinomial({ totalCount: 1000, probs: f64([0.3, 0.25, 0.2, 0.15, 0.08, 0.02]) });
    expectLogProb(six, [500, 100, 100, 150, 100, 50], [], [-178.21973]);
  });

  it("two multivariate normals: values broadcast against batch [2], event [3]", () => {
    const d = new tfd.MultivariateNormalDiag({ loc: [1, 2, 3], scaleDiag: np.multiply(np.ones([2, 3], "float64"), f64([[1], [2]])) });
    expect(d.batchShape).toEqual([2]);
    expect(d.eventShape).toEqual([3]);
    expectLogProb(d, [[[1, 2, 3]], [[3, 4, 5]]], [2, 2], [[-2.7568154, -4.836257], [-8.756816, -6.336257]]);
    expectLogProb(d, [[1, 2, 3], [3, 4, 5]], [2], [-2.7568154, -6.336257]);
  });

  it("Bernoulli and Independent: reinterpreting batch axes as event axes", () => {
    const b = new tfd.Bernoulli({ probs: f64([[0.05, 0.1, 0.15, 0.2, 0.25], [0.3, 0.35, 0.4, 0.45, 0.5]]) });
    expect(b.batchShape).toEqual([2, 5]);
    expect(b.dtype).toBe("int32");
    const pattern = [[1, 0, 0, 1, 0], [0, 0, 1, 1, 1]];
    expectLogProb(b, pattern, [2, 5], [[-2.9957323, -0.10536051, -0.16251892, -1.609438, -0.2876821], [-0.35667497, -0.4307829, -0.91629076, -0.79850775, -0.6931472]]);
    const twoSets = new tfd.Independent({ distribution: b, reinterpretedBatchNdims: 1 });
    expect(twoSets.batchShape).toEqual([2]);
    expect(twoSets.eventShape).toEqual([5]);
    expectLogProb(twoSets, pattern, [2], [-5.160732, -3.1954036]);
    const one = new tfd.Independent({ distribution: b, reinterpretedBatchNdims: 2 });
    expect(one.batchShape).toEqual([]);
    expect(one.eventShape).toEqual([2, 5]);
    expectLogProb(one, pattern, [], [-8.356134]);
    for (const d of [b, twoSets, one]) expect(d.sample(random.key(3), [3, 5]).shape).toEqual([3, 5, 2, 5]);
  });
});

describe("TFP docstring examples", () => {
  it("Normal: a batch of two, and broadcasting a scalar loc", () => {
    const d = new tfd.Normal({ loc: [1, 2], scale: [11, 22] });
    expect(d.prob([0, 1.5]).shape).toEqual([2]);
    expect(d.sample(random.key(4), [3]).shape).toEqual([3, 2]);
    const e = new tfd.Normal({ loc: 1, scale: [11, 22] });
    expect(e.prob(3).shape).toEqual([2]);
  });

  it("MultivariateNormalDiag: single and batched Gaussians", () => {
    const mvn = new tfd.MultivariateNormalDiag({ loc: [1, -1], scaleDiag: [1, 2] });
    expect(mvn.mean().toArray()).toEqual([1, -1]);
    expect(mvn.stddev().toArray()).toEqual([1, 2]);
    expect(mvn.prob([-1, 0]).shape).toEqual([]);
    const two = new tfd.MultivariateNormalDiag({ loc: [[1, 2, 3], [11, 22, 33]], scaleDiag: [[1, 2, 3], [0.5, 1, 1.5]] });
    expect(two.prob([[-1, 0, 1], [-11, 0, 11]]).shape).toEqual([2]);
  });

  it("Independent: a 2-batch Normal and a 2-batch bivariate normal become single events", () => {
    const a = new tfd.Independent({ distribution: new tfd.Normal({ loc: [-1, 1], scale: [0.1, 0.5] }), reinterpretedBatchNdims: 1 });
    expect(a.batchShape).toEqual([]);
    expect(a.eventShape).toEqual([2]);
    const b = new tfd.Independent({
      distribution: new tfd.MultivariateNormalDiag({ loc: [[-1, 1], [1, -1]], scaleDiag: [[1, 1], [0.5, 0.5]] }),
      reinterpretedBatchNdims: 1,
    });
    expect(b.batchShape).toEqual([]);
    expect(b.eventShape).toEqual([2, 2]);
    // log p of the joint event is the sum of the components'.
    const x = f32([[0.5, 0.2], [1.0, -2.0]]);
    const inner = b.distribution.logProb(x).dataSync();
    expectClose("Independent.logProb", b.logProb(x), [inner[0]! + inner[1]!], { rtol: 1e-6, atol: 1e-6 });
  });
});

describe("Sample: iid draws as one event", () => {
  it("shapes, logProb as a sum over the sample axes, entropy scaling", () => {
    const base = new tfd.Normal({ loc: f32([0, 1, 2]), scale: f32([1, 2, 3]) });
    const s = new tfd.Sample({ distribution: base, sampleShape: [4, 2] });
    expect(s.batchShape).toEqual([3]);
    expect(s.eventShape).toEqual([4, 2]);
    const x = s.sample(random.key(5), [6]);
    expect(x.shape).toEqual([6, 3, 4, 2]);
    const lp = s.logProb(x);
    expect(lp.shape).toEqual([6, 3]);
    // Direct check: move the batch axis last and sum the base log-densities.
    const direct = np.sum(base.logProb(np.moveaxis(x, 1, -1)), [1, 2]);
    expectClose("Sample.logProb", lp, Array.from(direct.dataSync()), { rtol: 1e-6, atol: 1e-5 });
    expectClose("Sample.entropy", s.entropy(), Array.from(np.multiply(base.entropy(), 8).dataSync()), { rtol: 1e-6, atol: 1e-6 });
    // A value without the batch axis broadcasts against it.
    const y = f32(Array.from({ length: 8 }, (_, i) => i / 4 - 1));
    expect(s.logProb(np.reshape(y, [4, 2])).shape).toEqual([3]);
  });

  it("Sample of a vector distribution keeps the event axis last", () => {
    const base = new tfd.Dirichlet({ concentration: f32([[1, 2, 3], [2, 2, 2]]) });
    const s = new tfd.Sample({ distribution: base, sampleShape: 5 });
    expect(s.eventShape).toEqual([5, 3]);
    const x = s.sample(random.key(6), [2]);
    expect(x.shape).toEqual([2, 2, 5, 3]);
    expect(s.logProb(x).shape).toEqual([2, 2]);
  });
});

describe("scalar, batched and sampled shapes for every family", () => {
  const cases: [string, () => tfd.Distribution, number[], number[]][] = [
    ["Gamma", () => new tfd.Gamma({ concentration: [[1, 2, 3]], rate: [[1], [2]] }), [2, 3], []],
    ["Beta", () => new tfd.Beta({ concentration1: 2, concentration0: [1, 2] }), [2], []],
    ["StudentT", () => new tfd.StudentT({ df: [3, 4], loc: 0, scale: 1 }), [2], []],
    ["Categorical", () => new tfd.Categorical({ logits: np.zeros([2, 3, 5]) }), [2, 3], []],
    ["OneHotCategorical", () => new tfd.OneHotCategorical({ probs: [0.2, 0.8] }), [], [2]],
    ["MultivariateNormalTriL", () => new tfd.MultivariateNormalTriL({ loc: np.zeros([4, 1, 2]), scaleTril: np.eye(2) }), [4, 1], [2]],
    ["MultivariateStudentT", () => new tfd.MultivariateStudentT({ df: [3, 5, 7], loc: np.zeros([2]), scaleTril: np.eye(2) }), [3], [2]],
    ["Dirichlet", () => new tfd.Dirichlet({ concentration: np.ones([2, 4]) }), [2], [4]],
    ["Multinomial", () => new tfd.Multinomial({ totalCount: [[3], [4]], logits: np.zeros([3, 2]) }), [2, 3], [2]],
  ];
  for (const [name, make, batch, event] of cases) {
    it(`${name}: batch ${JSON.stringify(batch)}, event ${JSON.stringify(event)}`, () => {
      const d = make();
      expect(d.batchShape).toEqual(batch);
      expect(d.eventShape).toEqual(event);
      const one = d.sample(random.key(7));
      expect(one.shape).toEqual([...batch, ...event]);
      const many = d.sample(random.key(8), [2, 3]);
      expect(many.shape).toEqual([2, 3, ...batch, ...event]);
      expect(d.logProb(one).shape).toEqual(batch);
      expect(d.logProb(many).shape).toEqual([2, 3, ...batch]);
      const stat = d.mean ? (() => { try { return d.mean(); } catch { return null; } })() : null;
      if (stat instanceof NDArray) expect(stat.shape).toEqual([...batch, ...event]);
    });
  }
});
