// Kernel protocol, batching, pytree states, adaptation arithmetic and sampleChain's structure: fast,
// deterministic tests (statistical checks of the samplers are in sampling.test.ts).
import { afterEach, describe, expect, test } from "vitest";
import { NDArray, np, random, tree } from "@fluxion/core";
import { jit, makeJaxpr, vmap } from "@fluxion/transforms";
import {
  DualAveragingStepSizeAdaptation, HamiltonianMonteCarlo, MetropolisAdjustedLangevinAlgorithm, NoUTurnSampler, RandomWalkMetropolis,
  SimpleStepSizeAdaptation, TransformedTransitionKernel, cheesGradient, progressiveSample, sampleChain, sampleChainChunked, type BijectorLike, type TransitionKernel,
} from "./index.js";
import { runOnWasm } from "./testing/device.js";

runOnWasm();

// Long synchronous tests starve the worker's RPC; give the event loop a turn between tests.
afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)));

const standardNormal = (x: NDArray) => np.multiply(np.sum(np.square(x), -1), -0.5);
const maxAbsDiff = (a: NDArray, b: NDArray) => np.max(np.abs(np.subtract(a, b))).item();

type AnyKernel = TransitionKernel<{ targetLogProb: NDArray }>;
const kernels: [string, () => AnyKernel][] = [
  ["HamiltonianMonteCarlo", () => new HamiltonianMonteCarlo({ targetLogProbFn: standardNormal as never, stepSize: 0.4, numLeapfrogSteps: 3 }) as unknown as AnyKernel],
  ["NoUTurnSampler", () => new NoUTurnSampler({ targetLogProbFn: standardNormal as never, stepSize: 0.7 }) as unknown as AnyKernel],
  ["RandomWalkMetropolis", () => new RandomWalkMetropolis({ targetLogProbFn: standardNormal as never, scale: 0.8 }) as unknown as AnyKernel],
  ["MetropolisAdjustedLangevinAlgorithm", () => new MetropolisAdjustedLangevinAlgorithm({ targetLogProbFn: standardNormal as never, stepSize: 0.5 }) as unknown as AnyKernel],
];

describe("batched chains", () => {
  const states = np.array([[0.5, -0.3], [1.5, 2.0], [-1.0, 0.2], [0.0, 0.0]], "float64");
  for (const [name, make] of kernels) {
    test(`${name}: a batch of states steps each chain as the single-chain kernel with split keys`, () => {
      const kernel = make();
      const key = random.key(11);
      const results = kernel.bootstrapResults(states);
      expect(results.targetLogProb.shape).toEqual([4]);
      const [next, nextResults] = kernel.oneStep(states, results, key) as [NDArray, Record<string, NDArray>];
      const keys = random.split(key, 4);
      for (let i = 0; i < 4; i++) {
        const xi = np.reshape(states.slice(i), [2]);
        const [one, oneResults] = kernel.oneStep(xi, kernel.bootstrapResults(xi), np.reshape(keys.slice(i), [2])) as [NDArray, Record<string, NDArray>];
        expect(maxAbsDiff(np.reshape(next.slice(i), [2]), one)).toBeLessThan(1e-12);
        expect(Math.abs(nextResults.targetLogProb!.slice(i).item() - oneResults.targetLogProb!.item())).toBeLessThan(1e-12);
        expect(nextResults.isAccepted!.slice(i).item()).toBe(oneResults.isAccepted!.item());
      }
    });
  }

  test("a pytree state runs exactly as the array of its flattened parts", () => {
    const kernel = new NoUTurnSampler({ targetLogProbFn: ((s: { a: NDArray; b: NDArray }) => np.add(standardNormal(s.a), np.multiply(np.square(s.b), -2))) as never, stepSize: 0.6 });
    const flat = new NoUTurnSampler({ targetLogProbFn: ((x: NDArray) => {
      const a = x.slice("...", [0, 2]);
      const b = x.slice("...", 2);
      return np.add(standardNormal(a), np.multiply(np.square(b), -2));
    }) as never, stepSize: 0.6 });
    const a = np.array([[0.3, -0.2], [1.0, 0.5]], "float64");
    const b = np.array([0.4, -0.7], "float64");
    const key = random.key(3);
    const [s1, r1] = kernel.oneStep({ a, b }, kernel.bootstrapResults({ a, b }), key) as [{ a: NDArray; b: NDArray }, { gradsTargetLogProb: { a: NDArray; b: NDArray } }];
    const x = np.concatenate([a, np.expandDims(b, 1)], 1);
    const [s2, r2] = flat.oneStep(x, flat.bootstrapResults(x), key) as [NDArray, { gradsTargetLogProb: NDArray }];
    expect(maxAbsDiff(s1.a, s2.slice("...", [0, 2]))).toBeLessThan(1e-12);
    expect(maxAbsDiff(s1.b, s2.slice("...", 2))).toBeLessThan(1e-12);
    expect(maxAbsDiff(r1.gradsTargetLogProb.b, r2.gradsTargetLogProb.slice("...", 2))).toBeLessThan(1e-12);
  });

  test("per-chain step sizes are used per chain", () => {
    const kernel = new HamiltonianMonteCarlo({ targetLogProbFn: standardNormal as never, stepSize: np.array([0.1, 0.9], "float64"), numLeapfrogSteps: 2 });
    const x = np.array([[1.0, 0.0], [1.0, 0.0]], "float64");
    const [, r] = kernel.oneStep(x, kernel.bootstrapResults(x), random.key(0));
    expect(r.stepSize.toArray()).toEqual([0.1, 0.9]);
    const single = new HamiltonianMonteCarlo({ targetLogProbFn: standardNormal as never, stepSize: 0.9, numLeapfrogSteps: 2 });
    const keys = random.split(random.key(0), 2);
    const x1 = np.array([1.0, 0.0], "float64");
    const [, r1] = single.oneStep(x1, single.bootstrapResults(x1), np.reshape(keys.slice(1), [2]));
    expect(Math.abs(r.logAcceptRatio.slice(1).item() - r1.logAcceptRatio.item())).toBeLessThan(1e-12);
  });
});

describe("HMC and NUTS details", () => {
  test("divergent transitions are flagged and rejected", () => {
    const narrow = (x: NDArray) => np.multiply(np.sum(np.square(x), -1), -0.5e4);
    const x = np.array([0.01], "float64");
    const hmc = new HamiltonianMonteCarlo({ targetLogProbFn: narrow as never, stepSize: 1, numLeapfrogSteps: 5 });
    const [hx, hr] = hmc.oneStep(x, hmc.bootstrapResults(x), random.key(1));
    expect(hr.hasDivergence.item()).toBe(1);
    expect(hr.isAccepted.item()).toBe(0);
    expect((hx as NDArray).toArray()).toEqual([0.01]);
    const nuts = new NoUTurnSampler({ targetLogProbFn: narrow as never, stepSize: 1 });
    const [, nr] = nuts.oneStep(x, nuts.bootstrapResults(x), random.key(1));
    expect(nr.hasDivergence.item()).toBe(1);
    expect(nr.leapfrogsTaken.item()).toBe(1);
  });

  test("NUTS stops at maxTreeDepth (2^depth - 1 leapfrogs) and says so", () => {
    const nuts = new NoUTurnSampler({ targetLogProbFn: standardNormal as never, stepSize: 0.01, maxTreeDepth: 3, unrollLeapfrogSteps: 2 });
    const x = np.array([0.5, 0.5], "float64");
    const [, r] = nuts.oneStep(x, nuts.bootstrapResults(x), random.key(4));
    expect(r.treeDepth.item()).toBe(3);
    expect(r.leapfrogsTaken.item()).toBe(2 * 7);
    expect(r.reachMaxDepth.item()).toBe(1);
  });

  test("NUTS on a standard normal with ε = 0.8 U-turns within depth 4 (Stan's extra checks catch near-closed orbits)", () => {
    const nuts = new NoUTurnSampler({ targetLogProbFn: standardNormal as never, stepSize: 0.8 });
    const run = jit((x: NDArray, key: NDArray) => sampleChain({ numResults: 200, currentState: x, kernel: nuts, seed: key, traceFn: (_s, r) => r.treeDepth }));
    const depths = (run(np.zeros([2], "float64"), random.key(5)) as { trace: NDArray }).trace.toArray() as number[];
    expect(Math.max(...depths)).toBeLessThanOrEqual(4);
  });

  test("kernels are pytrees: flatten to their array parameters and pass through jit", () => {
    const nuts = new NoUTurnSampler({ targetLogProbFn: standardNormal as never, stepSize: 0.5, inverseMassMatrix: np.array([1, 2], "float64") });
    const [leaves, def] = tree.flatten(nuts);
    expect(leaves.length).toBe(2);
    const rebuilt = tree.unflatten<NoUTurnSampler>(def, [0.25, leaves[1]]);
    expect(rebuilt.stepSize).toBe(0.25);
    expect(rebuilt.maxTreeDepth).toBe(10);
    const step = jit((k: NoUTurnSampler, x: NDArray, key: NDArray) => k.oneStep(x, k.bootstrapResults(x), key));
    const x = np.array([0.1, 0.2], "float64");
    const [a] = step(nuts, x, random.key(2)) as [NDArray];
    const [b] = nuts.oneStep(x, nuts.bootstrapResults(x), random.key(2)) as unknown as [NDArray];
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-12);
  });
});

/** A kernel whose acceptance probability is exp(-stepSize) on 3 identical chains, to check adaptation arithmetic. */
class AcceptanceOracle implements TransitionKernel<{ targetLogProb: NDArray; logAcceptRatio: NDArray; stepSize: NDArray }> {
  readonly isCalibrated = true;
  bootstrapResults(state: unknown) {
    return { targetLogProb: np.zeros([3], "float64"), logAcceptRatio: np.zeros([3], "float64"), stepSize: np.asarray(0.5, "float64"), state };
  }
  oneStep(state: unknown, r: { targetLogProb: NDArray; logAcceptRatio: NDArray; stepSize: NDArray }, _key: NDArray): [unknown, { targetLogProb: NDArray; logAcceptRatio: NDArray; stepSize: NDArray }] {
    return [state, { ...r, logAcceptRatio: np.broadcastTo(np.negative(r.stepSize), [3]) }];
  }
}

describe("step-size adaptation arithmetic", () => {
  test("dual averaging follows Hoffman & Gelman (2014), Algorithm 5", () => {
    const numAdaptationSteps = 12;
    const kernel = new DualAveragingStepSizeAdaptation({ innerKernel: new AcceptanceOracle(), numAdaptationSteps, targetAcceptProb: 0.8 });
    let state: unknown = np.zeros([3], "float64");
    let results = kernel.bootstrapResults(state);
    const got: number[] = [];
    for (let i = 0; i < 16; i++) {
      [state, results] = kernel.oneStep(state, results, random.key(i));
      got.push(results.newStepSize.item());
    }
    // The paper's recursion: H̄ₜ = (1 - 1/(t + t₀)) H̄ₜ₋₁ + (δ - αₜ)/(t + t₀); log εₜ = μ - √t/γ H̄ₜ; log ε̄ₜ = t^-κ log εₜ + (1 - t^-κ) log ε̄ₜ₋₁.
    const [delta, gamma, t0, kappa] = [0.8, 0.05, 10, 0.75];
    const mu = Math.log(10 * 0.5);
    let hBar = 0;
    let logBar = 0;
    let eps = 0.5;
    const want: number[] = [];
    for (let t = 1; t <= 16; t++) {
      if (t <= numAdaptationSteps) {
        const alpha = Math.exp(-eps);
        hBar = (1 - 1 / (t + t0)) * hBar + (delta - alpha) / (t + t0);
        const logEps = mu - (Math.sqrt(t) / gamma) * hBar;
        logBar = t ** -kappa * logEps + (1 - t ** -kappa) * logBar;
        eps = t === numAdaptationSteps ? Math.exp(logBar) : Math.exp(logEps);
      }
      want.push(eps);
    }
    got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 12));
  });

  test("simple adaptation multiplies or divides by (1 + rate) and then stops", () => {
    const kernel = new SimpleStepSizeAdaptation({ innerKernel: new AcceptanceOracle(), numAdaptationSteps: 5, targetAcceptProb: 0.5, adaptationRate: 0.1 });
    let state: unknown = np.zeros([3], "float64");
    let results = kernel.bootstrapResults(state);
    let eps = 0.5;
    for (let i = 0; i < 8; i++) {
      [state, results] = kernel.oneStep(state, results, random.key(i));
      if (i < 5) eps = Math.exp(-eps) < 0.5 ? eps / 1.1 : eps * 1.1;
      expect(results.newStepSize.item()).toBeCloseTo(eps, 12);
    }
  });
});

describe("ChEES", () => {
  test("the trajectory gradient is the derivative of the criterion along the proposal velocity", () => {
    const prev = np.array([[0.1, 0.5], [1.0, -0.4], [-0.7, 0.2], [0.3, 0.9]], "float64");
    const prop = np.array([[0.6, -0.1], [0.2, 0.8], [-0.9, -0.5], [1.1, 0.0]], "float64");
    const vel = np.array([[0.3, 0.2], [-0.5, 0.1], [0.4, -0.6], [0.0, 0.7]], "float64");
    const accept = np.array([0.9, 0.5, 1.0, 0.7], "float64");
    const { criterion, gradient } = cheesGradient(prev, prop, vel, accept);
    // The proposal mean (acceptance weighted) is held fixed, as the paper treats it as a constant.
    const w = accept.toArray() as number[];
    const P = prop.toArray() as number[][];
    const X = prev.toArray() as number[][];
    const V = vel.toArray() as number[][];
    const wsum = w.reduce((a, b) => a + b, 0);
    const mProp = [0, 1].map((d) => P.reduce((a, row, c) => a + w[c]! * row[d]!, 0) / wsum);
    const mPrev = [0, 1].map((d) => X.reduce((a, row) => a + row[d]!, 0) / 4);
    const crit = (c: number, t: number) => {
      const a = [0, 1].reduce((s, d) => s + (P[c]![d]! + t * V[c]![d]! - mProp[d]!) ** 2, 0);
      const b = [0, 1].reduce((s, d) => s + (X[c]![d]! - mPrev[d]!) ** 2, 0);
      return 0.25 * (a - b) ** 2;
    };
    const h = 1e-6;
    for (let c = 0; c < 4; c++) {
      expect(criterion.slice(c).item()).toBeCloseTo(crit(c, 0), 12);
      expect(gradient.slice(c).item()).toBeCloseTo((crit(c, h) - crit(c, -h)) / (2 * h), 7);
    }
  });
});

/** Adds 1 to the state each step: makes sampleChain's step bookkeeping visible. */
class Counter implements TransitionKernel<{ targetLogProb: NDArray; steps: NDArray }> {
  readonly isCalibrated = true;
  bootstrapResults(state: unknown) { return { targetLogProb: np.zerosLike(state as NDArray), steps: np.asarray(0, "int32") }; }
  oneStep(state: unknown, r: { targetLogProb: NDArray; steps: NDArray }): [unknown, { targetLogProb: NDArray; steps: NDArray }] {
    return [np.add(state as NDArray, 1), { ...r, steps: np.add(r.steps, 1) }];
  }
}

describe("sampleChain", () => {
  test("burn-in and thinning take the documented steps", () => {
    const out = sampleChain({ numResults: 4, currentState: np.asarray(0, "float64"), kernel: new Counter(), numBurninSteps: 3, numStepsBetweenResults: 2, seed: 0 });
    expect((out.states as NDArray).toArray()).toEqual([4, 7, 10, 13]);
    expect(out.finalKernelResults.steps.item()).toBe(13);
    const traced = sampleChain({ numResults: 3, currentState: np.asarray(0, "float64"), kernel: new Counter(), seed: 0, traceFn: (s, r) => ({ twice: np.multiply(s as NDArray, 2), steps: r.steps }) });
    expect(traced.trace.twice.toArray()).toEqual([2, 4, 6]);
    expect(traced.trace.steps.toArray()).toEqual([1, 2, 3]);
  });

  test("chunked sampling continues where each chunk stopped and reports progress", () => {
    const progress: number[] = [];
    const out = sampleChainChunked({
      numResults: 7, chunkSize: 3, currentState: np.asarray(0, "float64"), kernel: new Counter(), numBurninSteps: 1, numStepsBetweenResults: 1, seed: 0,
      onProgress: (done) => progress.push(done),
    });
    expect((out.states as NDArray).toArray()).toEqual([2, 4, 6, 8, 10, 12, 14]);
    expect(progress).toEqual([3, 6, 7]);
  });

  test("continuing from previousKernelResults", () => {
    const first = sampleChain({ numResults: 2, currentState: np.asarray(0, "float64"), kernel: new Counter(), seed: 1 });
    const second = sampleChain({ numResults: 2, currentState: np.asarray(2, "float64"), kernel: new Counter(), seed: 2, previousKernelResults: first.finalKernelResults });
    expect(second.finalKernelResults.steps.item()).toBe(4);
  });
});

/** Every equation of a jaxpr and of the jaxprs nested in its params. */
function allPrimitives(jaxpr: { eqns: readonly { prim: { name: string }; params: Record<string, unknown> }[] }): string[] {
  const names: string[] = [];
  for (const e of jaxpr.eqns) {
    names.push(e.prim.name);
    for (const v of Object.values(e.params)) {
      const inner = Array.isArray(v) ? v : [v];
      for (const j of inner) if (j && typeof j === "object" && "eqns" in j) names.push(...allPrimitives(j as never));
    }
  }
  return names;
}

describe("whole chains compile to one program", () => {
  const nuts = new NoUTurnSampler({ targetLogProbFn: standardNormal as never, stepSize: 0.7 });
  const chain = (numResults: number) => (x: NDArray, key: NDArray) => sampleChain({ numResults, currentState: x, kernel: nuts, seed: key, numBurninSteps: 10, traceFn: (_s, r) => r.isAccepted }).states;

  test("jit(vmap(chain)): one scan, and the program does not grow with numResults", () => {
    const xs = np.zeros([3, 2], "float64");
    const keys = random.split(random.key(0), 3);
    const small = makeJaxpr(jit(vmap(chain(5)) as never) as never)(xs, keys);
    const large = makeJaxpr(jit(vmap(chain(500)) as never) as never)(xs, keys);
    const names = allPrimitives(small.jaxpr);
    expect(names.filter((n) => n === "scan").length).toBe(1);
    expect(names.filter((n) => n === "while").length).toBe(3);
    expect(allPrimitives(large.jaxpr).length).toBe(names.length);
    const out = jit(vmap(chain(5)) as never)(xs, keys) as NDArray;
    expect(out.shape).toEqual([3, 5, 2]);
  });

  test("batched-state sampleChain: one scan over all chains", () => {
    const x = np.zeros([4, 2], "float64");
    const program = makeJaxpr(chain(5) as never)(x, random.key(0));
    const top = program.jaxpr.eqns.map((e) => e.prim.name);
    expect(top.filter((n) => n === "scan").length).toBe(1);
    expect(allPrimitives(program.jaxpr).filter((n) => n === "scan").length).toBe(1);
    const out = chain(5)(x, random.key(0)) as NDArray;
    expect(out.shape).toEqual([5, 4, 2]);
  });
});

describe("TransformedTransitionKernel", () => {
  const exp: BijectorLike = {
    forward: ((u: NDArray) => np.exp(u)) as never,
    inverse: ((x: NDArray) => np.log(x)) as never,
    forwardLogDetJacobian: ((u: NDArray, eventNdims: number) => (eventNdims > 0 ? np.sum(u, -1) : u)) as never,
  };
  const target = (x: NDArray) => np.sum(np.negative(x), -1);
  test("the inner kernel runs on log π(forward(u)) + log|det J| with per-chain event ndims", () => {
    const kernel = new TransformedTransitionKernel({ innerKernel: new NoUTurnSampler({ targetLogProbFn: target as never, stepSize: 0.5 }), bijector: exp });
    const x = np.array([[1.0, 2.0], [0.5, 3.0]], "float64");
    const r = kernel.bootstrapResults(x);
    expect(maxAbsDiff(r.transformedState as NDArray, np.log(x))).toBeLessThan(1e-15);
    // u = log x: -Σ exp(u) + Σ u per chain.
    const u = np.log(x);
    const expected = np.add(np.sum(np.negative(x), -1), np.sum(u, -1));
    expect(maxAbsDiff(r.innerResults.targetLogProb, expected)).toBeLessThan(1e-12);
    const [next, r2] = kernel.oneStep(x, r, random.key(0));
    expect(maxAbsDiff(next as NDArray, np.exp(r2.transformedState as NDArray))).toBeLessThan(1e-12);
  });
  test("a kernel that cannot be retargeted is refused with a clear message", () => {
    expect(() => new TransformedTransitionKernel({ innerKernel: new Counter() as never, bijector: exp })).toThrow(/withTargetLogProbFn|targetLogProbFn/);
  });
});

describe("float32 states (the default dtype)", () => {
  test("stay float32 and finite through every kernel and dual averaging", () => {
    const x0 = np.zeros([3, 2]);
    const all = [...kernels.map(([, make]) => make()), new DualAveragingStepSizeAdaptation({ innerKernel: kernels[1]![1](), numAdaptationSteps: 5 }) as unknown as AnyKernel];
    for (const kernel of all) {
      const out = sampleChain({ numResults: 10, currentState: x0, kernel, seed: 3, traceFn: () => null }).states as NDArray;
      expect(out.dtype).toBe("float32");
      expect(np.all(np.isfinite(out)).item()).toBe(1);
      expect(np.max(np.abs(out)).item()).toBeGreaterThan(0);
    }
  });
});

describe("NUTS subtree sampling with one running uniform", () => {
  test("keeps leaf i with probability w_i / Σ w over the whole range of the uniform", () => {
    // Exact: sweep u over a fine grid of [0, 1) and measure which leaf each u ends on.
    const logWeights = [-0.3, -2.0, 0.4, -Infinity, -0.9, -5.0, 0.0];
    const gridSize = 20000;
    const u0 = np.divide(np.add(np.arange(gridSize).astype("float64"), 0.5), gridSize);
    let uniform = u0;
    let logWeight = np.full([gridSize], -Infinity, "float64");
    let kept = np.full([gridSize], -1, "int32");
    logWeights.forEach((w, i) => {
      const step = progressiveSample(uniform, logWeight, np.full([gridSize], w, "float64"));
      kept = np.where(step.take, np.full([gridSize], i, "int32"), kept);
      uniform = step.uniform;
      logWeight = step.logWeight;
    });
    const total = logWeights.reduce((a, w) => a + Math.exp(w), 0);
    const counts = logWeights.map(() => 0);
    for (const k of kept.toArray() as number[]) counts[k]! += 1;
    logWeights.forEach((w, i) => expect(Math.abs(counts[i]! / gridSize - Math.exp(w) / total)).toBeLessThan(2 / gridSize));
    expect(np.all(np.less(uniform, 1)).item()).toBe(1);
  });
});
