// HiddenMarkovModel: TFP's weather example (the documented means approach 9.0) and TFP's published test cases,
// with logProb, posterior marginals, Viterbi paths, means and variances against brute-force enumeration of all
// state sequences; sampling by moments (seeded); jit/vmap/grad over the pytree.
import { describe, expect, it } from "vitest";
import { NDArray, np, random } from "@fluxion/core";
import { checkGrads, jit, vmap } from "@fluxion/transforms";
import * as tfd from "../distributions/index.js";
import { HiddenMarkovModel } from "./index.js";

const f64 = (x: number | number[] | number[][] | number[][][]) => np.array(x, "float64");
const nums = (x: NDArray): number[] => Array.from(x.dataSync(), Number);
const num = (x: NDArray): number => Number(x.dataSync()[0]);
const normalLp = (x: number, loc: number, scale: number) => -0.5 * ((x - loc) / scale) ** 2 - Math.log(scale) - 0.5 * Math.log(2 * Math.PI);

function closeAll(a: number[], e: number[], tol: number): void {
  expect(a.length).toBe(e.length);
  a.forEach((v, i) => {
    const ok = v === e[i] || Math.abs(v - e[i]!) <= tol * (1 + Math.abs(e[i]!));
    if (!ok) throw new Error(`index ${i}: got ${v}, expected ${e[i]} (${a} vs ${e})`);
  });
}

interface BruteForce {
  logProb: number;
  marginals: number[][];
  mode: number[];
}
/**
 * Enumerates all S^T state sequences: log p(x) = log Σ_z π(z0) Π A(z_t-1, z_t) Π p(x_t | z_t); marginals and the
 * most likely path from the same table. `transition(t)` gives the matrix into step t (t >= 1).
 */
function bruteForce(init: number[], transition: (t: number) => number[][], obsLogLik: number[][]): BruteForce {
  const s = init.length;
  const T = obsLogLik.length;
  const seqs: { z: number[]; lp: number }[] = [];
  const total = s ** T;
  for (let code = 0; code < total; code++) {
    const z: number[] = [];
    let c = code;
    for (let t = 0; t < T; t++) {
      z.push(c % s);
      c = Math.floor(c / s);
    }
    let lp = Math.log(init[z[0]!]!) + obsLogLik[0]![z[0]!]!;
    for (let t = 1; t < T; t++) lp += Math.log(transition(t)[z[t - 1]!]![z[t]!]!) + obsLogLik[t]![z[t]!]!;
    seqs.push({ z, lp });
  }
  const m = Math.max(...seqs.map((q) => q.lp));
  const logProb = m + Math.log(seqs.reduce((a, q) => a + Math.exp(q.lp - m), 0));
  const marginals = Array.from({ length: T }, () => new Array<number>(s).fill(0));
  for (const q of seqs) q.z.forEach((st, t) => (marginals[t]![st]! += Math.exp(q.lp - logProb)));
  const mode = seqs.reduce((a, b) => (b.lp > a.lp ? b : a)).z;
  return { logProb, marginals, mode };
}

// TFP's docstring: cold (0) / hot (1) days; temperatures N(0, 5) when cold and N(15, 10) when hot.
const weather = (numSteps = 7) =>
  new HiddenMarkovModel({
    initialDistribution: new tfd.Categorical({ probs: f64([0.8, 0.2]) }),
    transitionDistribution: new tfd.Categorical({ probs: f64([[0.7, 0.3], [0.2, 0.8]]) }),
    observationDistribution: new tfd.Normal({ loc: f64([0, 15]), scale: f64([5, 10]) }),
    numSteps,
  });
const weatherObs = (x: number[]) => x.map((v) => [normalLp(v, 0, 5), normalLp(v, 15, 10)]);
const weatherTransition = () => [[0.7, 0.3], [0.2, 0.8]];

describe("TFP's weather example", () => {
  const model = weather();

  it("shapes; mean() is 9 - 6·0.5^t (p(hot) = 0.6 - 0.4·0.5^t), approaching 9.0 as documented", () => {
    expect(model.batchShape).toEqual([]);
    expect(model.eventShape).toEqual([7]);
    const mean = nums(model.mean());
    closeAll(mean, [0, 1, 2, 3, 4, 5, 6].map((t) => 9 - 6 * 0.5 ** t), 1e-13);
    // Law of total variance with the same marginals.
    const variance = nums(model.variance());
    closeAll(variance, [0, 1, 2, 3, 4, 5, 6].map((t) => {
      const hot = 0.6 - 0.4 * 0.5 ** t;
      const m = 15 * hot;
      return (1 - hot) * (25 + m * m) + hot * (100 + (15 - m) ** 2);
    }), 1e-13);
  });

  it("logProb of a week at temperature 0, posterior marginals and the Viterbi path equal brute force", () => {
    const zeros = new Array(7).fill(0);
    const bf = bruteForce([0.8, 0.2], weatherTransition, weatherObs(zeros));
    closeAll([num(model.logProb(f64(zeros)))], [bf.logProb], 1e-13);
    // The same number by scipy.stats.norm and itertools.product over the 128 paths.
    closeAll([num(model.logProb(f64(zeros)))], [-19.855635495547666], 1e-13);
    const temps = [2, 18, 25, 1, -3, 14, 9];
    const bf2 = bruteForce([0.8, 0.2], weatherTransition, weatherObs(temps));
    closeAll([num(model.logProb(f64(temps)))], [bf2.logProb], 1e-13);
    const post = model.posteriorMarginals(f64(temps));
    expect(post.batchShape).toEqual([7]);
    closeAll(nums(post.probsParameter()), bf2.marginals.flat(), 1e-12);
    expect(nums(model.posteriorMode(f64(temps)))).toEqual(bf2.mode);
  });

  it("sampling: shapes, and per-day sample means within 5 standard errors of mean() (4000 draws, seeded)", () => {
    const n = 4000;
    const draws = model.sample(random.key(7), [n]);
    expect(draws.shape).toEqual([n, 7]);
    expect(model.sample(random.key(1), [2, 3]).shape).toEqual([2, 3, 7]);
    const x = nums(draws);
    const mean = nums(model.mean());
    const sd = nums(model.variance()).map(Math.sqrt);
    for (let t = 0; t < 7; t++) {
      let acc = 0;
      for (let i = 0; i < n; i++) acc += x[i * 7 + t]!;
      expect(Math.abs(acc / n - mean[t]!)).toBeLessThan((5 * sd[t]!) / Math.sqrt(n));
    }
  });
});

describe("TFP's HMM test cases", () => {
  const coin = () => ({
    initialDistribution: new tfd.Categorical({ probs: f64([0.5, 0.5]) }),
    transitionDistribution: new tfd.Categorical({ probs: f64([[0.5, 0.5], [0.5, 0.5]]) }),
    observationDistribution: new tfd.Categorical({ probs: f64([[1, 0], [0, 1]]) }),
  });

  it("coin tosses: log(0.5^5); one step: log 0.9; batches broadcast to [7, 3, 2]", () => {
    const m = new HiddenMarkovModel({ ...coin(), numSteps: 5 });
    closeAll([num(m.logProb([0, 0, 0, 0, 0]))], [Math.log(0.5 ** 5)], 1e-12);
    const one = new HiddenMarkovModel({ ...coin(), initialDistribution: new tfd.Categorical({ probs: f64([0.9, 0.1]) }), numSteps: 1 });
    closeAll([num(one.logProb([0]))], [Math.log(0.9)], 1e-12);
    expect(one.mean().shape).toEqual([1]);
    const batched = new HiddenMarkovModel({
      initialDistribution: new tfd.Categorical({ probs: np.broadcastTo(f64([0.5, 0.5]), [3, 2, 2]) }),
      transitionDistribution: new tfd.Categorical({ probs: np.broadcastTo(f64([[0.5, 0.5], [0.5, 0.5]]), [3, 2, 2, 2]) }),
      observationDistribution: new tfd.Categorical({ probs: f64([[1, 0], [0, 1]]) }),
      numSteps: 5,
    });
    expect(batched.batchShape).toEqual([3, 2]);
    const examples = np.broadcastTo(np.stack([np.zeros([5], "int32"), np.ones([5], "int32")]), [7, 3, 2, 5]);
    const lp = batched.logProb(examples);
    expect(lp.shape).toEqual([7, 3, 2]);
    closeAll(nums(lp), new Array(42).fill(Math.log(0.5 ** 5)), 1e-12);
  });

  it("a single path through a 9-vertex graph: posterior marginals handle -inf log-probabilities", () => {
    const edges = [[0, 1], [1, 2], [2, 3], [3, 4], [4, 6], [2, 5], [5, 6], [6, 7], [6, 8]];
    const t = Array.from({ length: 9 }, () => new Array<number>(9).fill(0));
    for (const [i, j] of edges) t[i!]![j!] = t[j!]![i!] = 1;
    const rows = t.map((r) => r.map((v) => v / r.reduce((a, b) => a + b, 0)));
    const obs = [[1, 0, 0], ...Array.from({ length: 7 }, () => [0, 1, 0]), [0, 0, 1]];
    const m = new HiddenMarkovModel({
      initialDistribution: new tfd.Categorical({ probs: f64(new Array(9).fill(1 / 9)) }),
      transitionDistribution: new tfd.Categorical({ probs: f64(rows) }),
      observationDistribution: new tfd.Categorical({ probs: f64(obs) }),
      numSteps: 7,
    });
    const probs = nums(m.posteriorMarginals([0, 1, 1, 1, 1, 1, 2]).probsParameter());
    const expected = [0, 1, 2, 3, 4, 6, 8].flatMap((k) => Array.from({ length: 9 }, (_, j) => (j === k ? 1 : 0)));
    closeAll(probs, expected, 1e-4);
  });

  it("posterior mode, basic example: [0, 0, 0, 0, 1, 2, 3, 3, 3, 3]", () => {
    const m = new HiddenMarkovModel({
      initialDistribution: new tfd.Categorical({ probs: f64([0.25, 0.25, 0.25, 0.25]) }),
      transitionDistribution: new tfd.Categorical({ probs: f64([[0.9, 0.1, 0, 0], [0.1, 0.8, 0.1, 0], [0, 0.1, 0.8, 0.1], [0, 0, 0.1, 0.9]]) }),
      observationDistribution: new tfd.Normal({ loc: f64([0, 1, 2, 3]), scale: f64(0.25) }),
      numSteps: 10,
    });
    expect(nums(m.posteriorMode(f64([0.1, 0.2, 0.3, 0.4, 0.5, 3.0, 2.9, 2.8, 2.7, 2.6])))).toEqual([0, 0, 0, 0, 1, 2, 3, 3, 3, 3]);
  });

  it("posterior marginals with 4-dim observations reproduce TFP's published table (Reshape bijector dropped: it preserves volume)", () => {
    const m = new HiddenMarkovModel({
      initialDistribution: new tfd.Categorical({ probs: f64([0.25, 0.25, 0.25, 0.25]) }),
      transitionDistribution: new tfd.Categorical({ probs: f64([[0.8, 0.1, 0.1, 0], [0.1, 0.8, 0, 0.1], [0.1, 0, 0.8, 0.1], [0, 0.1, 0.1, 0.8]]) }),
      observationDistribution: new tfd.MultivariateNormalDiag({ loc: np.eye(4, 4, 0, "float64"), scaleDiag: f64([0.25, 0.25, 0.25, 0.25]) }),
      numSteps: 8,
    });
    const obs = f64([[0.91, 0.11, 0.21, 0.09], [0.11, 0.97, 0.12, 0.08], [0.01, 0.12, 0.92, 0.11], [0.02, 0.11, 0.77, 0.11], [0.81, 0.15, 0.21, 0.03], [0.01, 0.13, 0.23, 0.91], [0.11, 0.12, 0.23, 0.79], [0.13, 0.11, 0.91, 0.29]]);
    const expected = [
      [0.99994, 0.0, 0.00006, 0.0], [0.45137, 0.01888, 0.52975, 0.0], [0.00317, 0.00002, 0.98112, 0.0157], [0.0, 0.00001, 0.99998, 0.00001],
      [0.00495, 0.00001, 0.94214, 0.05289], [0.0, 0.00083, 0.00414, 0.99503], [0.0, 0.0, 0.00016, 0.99984], [0.0, 0.0, 0.9996, 0.00039],
    ].flat();
    const probs = nums(m.posteriorMarginals(obs).probsParameter());
    probs.forEach((p, i) => expect(Math.abs(p - expected[i]!)).toBeLessThan(1e-4));
    // TFP's posterior-mode test on the same model.
    expect(nums(m.posteriorMode(obs))).toEqual([0, 2, 2, 2, 2, 3, 3, 2]);
    expect(m.mean().shape).toEqual([8, 4]);
    expect(m.sample(random.key(2), [3]).shape).toEqual([3, 8, 4]);
  });
});

describe("time-varying transitions, masks, and transforms", () => {
  it("time-varying transitions and observations against brute force", () => {
    const trans = [[[0.6, 0.4], [0.3, 0.7]], [[0.9, 0.1], [0.5, 0.5]], [[0.2, 0.8], [0.4, 0.6]]];
    const locs = [[0, 2], [1, 3], [-1, 0.5], [2, 2.5]];
    const m = new HiddenMarkovModel({
      initialDistribution: new tfd.Categorical({ probs: f64([0.3, 0.7]) }),
      transitionDistribution: new tfd.Categorical({ probs: f64(trans) }),
      observationDistribution: new tfd.Normal({ loc: f64(locs), scale: f64(0.8) }),
      numSteps: 4,
      timeVaryingTransitionDistribution: true,
      timeVaryingObservationDistribution: true,
    });
    const x = [0.4, 2.2, -0.3, 2.1];
    const obsLik = x.map((v, t) => [normalLp(v, locs[t]![0]!, 0.8), normalLp(v, locs[t]![1]!, 0.8)]);
    const bf = bruteForce([0.3, 0.7], (t) => trans[t - 1]!, obsLik);
    closeAll([num(m.logProb(f64(x)))], [bf.logProb], 1e-13);
    closeAll(nums(m.posteriorMarginals(f64(x)).probsParameter()), bf.marginals.flat(), 1e-12);
    expect(nums(m.posteriorMode(f64(x)))).toEqual(bf.mode);
    expect(m.sample(random.key(3), [5]).shape).toEqual([5, 4]);
  });

  it("a mask drops the masked steps' observations from logProb", () => {
    const model = weather(4);
    const x = [3, 20, 12, 0];
    const obs = weatherObs(x);
    obs[1] = [0, 0];
    const bf = bruteForce([0.8, 0.2], weatherTransition, obs);
    closeAll([num(model.logProbWithMask(f64(x), [false, true, false, false]))], [bf.logProb], 1e-13);
  });

  it("jit equals eager; vmap over a batch of models equals a loop; gradients match finite differences", () => {
    const make = (init: NDArray, trans: NDArray) =>
      new HiddenMarkovModel({
        initialDistribution: new tfd.Categorical({ logits: init }),
        transitionDistribution: new tfd.Categorical({ logits: trans }),
        observationDistribution: new tfd.Normal({ loc: f64([0, 15]), scale: f64([5, 10]) }),
        numSteps: 5,
      });
    const m = make(f64([0.3, -0.2]), f64([[0.5, -0.5], [-1, 1]]));
    const x = f64([1, 14, 17, 2, 9]);
    closeAll([num(jit((h: HiddenMarkovModel, v: NDArray) => h.logProb(v))(m, x) as NDArray)], [num(m.logProb(x))], 1e-13);
    const inits = [[0.3, -0.2], [1, 0], [-2, 0.5]];
    const trans = [[[0.5, -0.5], [-1, 1]], [[0, 0], [0, 0]], [[2, -1], [0.3, 0.1]]];
    const batched = new HiddenMarkovModel({
      initialDistribution: new tfd.Categorical({ logits: f64(inits) }),
      transitionDistribution: new tfd.Categorical({ logits: f64(trans) }),
      observationDistribution: new tfd.Normal({ loc: np.broadcastTo(f64([0, 15]), [3, 2]), scale: np.broadcastTo(f64([5, 10]), [3, 2]) }),
      numSteps: 5,
    });
    const mapped = vmap((h: HiddenMarkovModel) => h.logProb(x))(batched) as NDArray;
    closeAll(nums(mapped), inits.map((_, i) => num(make(f64(inits[i]!), f64(trans[i]!)).logProb(x))), 1e-13);
    checkGrads((h: HiddenMarkovModel) => h.logProb(x), [m], { order: 1, eps: 1e-6, rtol: 1e-6 });
    checkGrads((h: HiddenMarkovModel) => h.posteriorMarginals(x).probsParameter(), [m], { order: 1, eps: 1e-6, rtol: 1e-5 });
  });
});
