// Stan's windowed warmup for NUTS on a plain target log prob over unconstrained states: dual-averaging
// step size throughout, a diagonal inverse mass matrix estimated (pooled over chains) in doubling slow
// windows, all warmup steps in one compiled scan, then sampleChain with the adapted kernel.
import { NDArray, np, random, tree } from "@fluxion/core";
import { cond, jit, scan, whileLoop } from "@fluxion/transforms";
import { chainContext } from "./kernel.js";
import { hamiltonian, leapfrogStep, type PhasePoint } from "./leapfrog.js";
import { Metric } from "./metric.js";
import { NoUTurnSampler, type NoUTurnSamplerResults } from "./nuts.js";
import { progressReporter, type ProgressOption } from "./progress.js";
import { sampleChain, sampleChainChunked } from "./sampleChain.js";
import { callLogProb, chainKeys, overChains, type LogProbFn } from "./util/chains.js";
import { asKey, splitKeys } from "./util/keys.js";
import { makeRaveler } from "./util/ravel.js";
import { logAcceptProbFor } from "./util/results.js";

/** Warmup phases of Stan's adaptation (Stan reference manual, "HMC algorithm parameters"). */
export interface WarmupSchedule {
  /** Per warmup step: whether its draw feeds the mass-matrix estimate. */
  slow: boolean[];
  /** Per warmup step: whether a slow window ends after it (the metric is updated and step-size adaptation restarts). */
  windowEnd: boolean[];
}

/**
 * Stan's schedule: an initial fast buffer (75), slow windows starting at 25 steps and doubling, the last one
 * stretched to the terminal fast buffer (50). With fewer than 150 steps the buffers become 15% / 10% and
 * the window the rest, as Stan does.
 */
export function stanWarmupSchedule(numAdaptationSteps: number, initBuffer = 75, termBuffer = 50, baseWindow = 25): WarmupSchedule {
  const n = numAdaptationSteps;
  const slow = new Array<boolean>(n).fill(false);
  const windowEnd = new Array<boolean>(n).fill(false);
  if (n < 20) return { slow, windowEnd };
  let init = initBuffer;
  let term = termBuffer;
  let window = baseWindow;
  if (init + window + term > n) {
    init = Math.floor(0.15 * n);
    term = Math.floor(0.1 * n);
    window = n - init - term;
  }
  const slowEnd = n - term;
  for (let start = init; start < slowEnd;) {
    let end = start + window;
    // Stretch this window to the terminal buffer when the next (doubled) one would not fit.
    if (end + 2 * window > slowEnd) end = slowEnd;
    for (let i = start; i < end; i++) slow[i] = true;
    windowEnd[end - 1] = true;
    start = end;
    window *= 2;
  }
  return { slow, windowEnd };
}

export interface WindowedAdaptiveNutsOptions {
  targetLogProbFn: LogProbFn;
  /** Initial states with leading chain axes (e.g. uniform(-2, 2) in the unconstrained space, as Stan). */
  currentState: unknown;
  nDraws: number;
  numAdaptationSteps?: number;
  seed: number | NDArray;
  /** Stan's default 0.8. */
  targetAcceptProb?: number;
  /** Starting point of Stan's step-size heuristic (default 1); the heuristic reruns after every metric update. */
  initialStepSize?: number;
  maxTreeDepth?: number;
  traceFn?: (state: unknown, results: NoUTurnSamplerResults) => unknown;
  /**
   * Report progress between compiled chunks: `true` for a progress bar on stderr, or a callback. The draws
   * equal those of the run without progress. Do not call under `jit` with progress on (chunks are jitted here).
   */
  progress?: ProgressOption;
  /** Warmup steps or draws per compiled chunk when reporting progress (default: a twentieth of the run). */
  chunkSize?: number;
}

export interface WindowedAdaptiveNutsResult {
  /** Draws shaped [nDraws, ...chain axes, ...]. */
  states: unknown;
  trace: unknown;
  stepSize: NDArray;
  /** Diagonal inverse mass matrix over one chain's flattened state. */
  inverseMassMatrix: NDArray;
  /** Leapfrog steps (gradient evaluations) each chain took during warmup, shaped like the chain axes. */
  warmupLeapfrogs: NDArray;
}

interface DualAveraging { step: NDArray; errorSum: NDArray; logAveraged: NDArray; shrinkageTarget: NDArray; logStepSize: NDArray }
interface Welford { count: NDArray; mean: NDArray; m2: NDArray }

// Hoffman & Gelman (2014) constants as Stan: γ = 0.05, t₀ = 10, κ = 0.75.
const GAMMA = 0.05;
const T0 = 10;
const KAPPA = 0.75;

/** NUTS with Stan's warmup on a target over unconstrained states; returns draws, the adapted step size and metric. */
export function windowedAdaptiveNutsFromLogProb(options: WindowedAdaptiveNutsOptions): WindowedAdaptiveNutsResult {
  const { nDraws } = options;
  if (!Number.isInteger(nDraws) || nDraws < 1) throw new RangeError(`windowedAdaptiveNutsFromLogProb: nDraws must be a positive integer, got ${nDraws}.`);
  const plan = planWarmup(options);
  const reporter = progressReporter(options.progress);
  if (reporter === null) {
    const warm = plan.numAdaptationSteps > 0 ? scan(plan.step, plan.initialCarry(), plan.xs)[0] : plan.initialCarry();
    const { kernel, results, stepSize } = plan.finish(warm);
    const out = sampleChain({ numResults: nDraws, currentState: warm.state, kernel, seed: plan.samplingKey, previousKernelResults: results, ...(options.traceFn ? { traceFn: options.traceFn } : {}) });
    return { states: out.states, trace: out.trace, stepSize, inverseMassMatrix: warm.inverseMassMatrix, warmupLeapfrogs: warm.leapfrogs };
  }
  // With progress: the same computation in compiled chunks (same keys, so the same draws), reporting between them.
  // Not for use under jit: the chunks are jitted here and the reports are host calls.
  const total = plan.numAdaptationSteps + nDraws;
  const chunkSize = options.chunkSize ?? Math.max(1, Math.ceil(total / 20));
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`windowedAdaptiveNutsFromLogProb: chunkSize must be a positive integer, got ${chunkSize}.`);
  try {
    // A first report before any work, so a bar's clock and ETA start with the run.
    reporter.report({ phase: plan.numAdaptationSteps > 0 ? "warmup" : "sampling", phaseDone: 0, phaseTotal: plan.numAdaptationSteps > 0 ? plan.numAdaptationSteps : nDraws, done: 0, total });
    let warm = jit(() => plan.initialCarry())() as WarmupCarry;
    const warmupChunk = jit((c: WarmupCarry, xs: WarmupInputs) => scan(plan.step, c, xs)[0]) as (c: WarmupCarry, xs: WarmupInputs) => WarmupCarry;
    for (let done = 0; done < plan.numAdaptationSteps;) {
      const length = Math.min(chunkSize, plan.numAdaptationSteps - done);
      const range: [number, number] = [done, done + length];
      warm = warmupChunk(warm, { key: plan.xs.key.slice(range), slow: plan.xs.slow.slice(range), windowEnd: plan.xs.windowEnd.slice(range) });
      done += length;
      reporter.report({ phase: "warmup", phaseDone: done, phaseTotal: plan.numAdaptationSteps, done, total });
    }
    const { kernel, results, stepSize } = plan.finish(warm);
    const out = sampleChainChunked({
      numResults: nDraws, currentState: warm.state, kernel, seed: plan.samplingKey, previousKernelResults: results, chunkSize,
      ...(options.traceFn ? { traceFn: options.traceFn } : {}),
      onProgress: (d) => reporter.report({ phase: "sampling", phaseDone: d, phaseTotal: nDraws, done: plan.numAdaptationSteps + d, total }),
    });
    return { states: out.states, trace: out.trace, stepSize, inverseMassMatrix: warm.inverseMassMatrix, warmupLeapfrogs: warm.leapfrogs };
  } finally {
    reporter.stop();
  }
}

interface WarmupCarry { state: unknown; results: NoUTurnSamplerResults; dual: DualAveraging; welford: Welford; inverseMassMatrix: NDArray; leapfrogs: NDArray }
interface WarmupInputs { key: NDArray; slow: NDArray; windowEnd: NDArray }

/** The warmup as data and functions: its initial carry, per-step inputs, one step, and the adapted kernel after it. */
function planWarmup(options: WindowedAdaptiveNutsOptions) {
  const { targetLogProbFn, currentState } = options;
  const numAdaptationSteps = options.numAdaptationSteps ?? 500;
  if (!Number.isInteger(numAdaptationSteps) || numAdaptationSteps < 0) throw new RangeError(`windowedAdaptiveNutsFromLogProb: numAdaptationSteps must be a non-negative integer, got ${numAdaptationSteps}.`);
  const target = options.targetAcceptProb ?? 0.8;
  const maxTreeDepth = options.maxTreeDepth ?? 10;
  const [warmupKey, samplingKey] = splitKeys(asKey(options.seed), 2);
  const batchRank = callLogProb(targetLogProbFn, currentState).ndim;
  const raveler = makeRaveler(currentState, batchRank);
  const dtype = raveler.dtype;
  const ravelChains = overChains((s: unknown) => raveler.ravel(s), batchRank, 0) as (s: unknown) => NDArray;
  const schedule = stanWarmupSchedule(numAdaptationSteps);
  const scalar = (v: number) => np.asarray(v, dtype);
  const heuristic = (stepSize: NDArray, inverseMassMatrix: NDArray, state: unknown, key: NDArray) =>
    reasonableStepSize(targetLogProbFn, state, batchRank, stepSize, inverseMassMatrix, key);
  const [heuristicKey, warmupStepsKey] = splitKeys(warmupKey, 2);
  const ones = () => np.ones([raveler.size], dtype);

  const restartDualAveraging = (logStepSize: NDArray): DualAveraging => ({
    step: np.asarray(0, "int32"), errorSum: scalar(0), logAveraged: scalar(0),
    shrinkageTarget: np.add(logStepSize, Math.log(10)), logStepSize,
  });
  const emptyWelford = (): Welford => ({ count: scalar(0), mean: np.zeros([raveler.size], dtype), m2: np.zeros([raveler.size], dtype) });
  const kernelFor = (stepSize: NDArray, inverseMassMatrix: NDArray) => new NoUTurnSampler({ targetLogProbFn, stepSize, inverseMassMatrix, maxTreeDepth });

  const initialCarry = (): WarmupCarry => {
    const initialStepSize = heuristic(scalar(options.initialStepSize ?? 1), ones(), currentState, heuristicKey);
    const results = kernelFor(initialStepSize, ones()).bootstrapResults(currentState);
    return { state: currentState, results, dual: restartDualAveraging(np.log(initialStepSize)), welford: emptyWelford(), inverseMassMatrix: ones(), leapfrogs: np.zerosLike(results.leapfrogsTaken) };
  };
  const xs: WarmupInputs = {
    key: random.split(warmupStepsKey, Math.max(numAdaptationSteps, 1)),
    slow: np.array(schedule.slow.length ? schedule.slow : [false]),
    windowEnd: np.array(schedule.windowEnd.length ? schedule.windowEnd : [false]),
  };

  const step = (c: WarmupCarry, x: WarmupInputs): [WarmupCarry, null] => {
    const stepSize = np.exp(c.dual.logStepSize);
    const kernel = kernelFor(stepSize, c.inverseMassMatrix);
    const [state, results] = kernel.oneStep(c.state, { ...c.results, stepSize }, x.key);
    // Dual averaging on the chains' mean acceptance statistic.
    const accept = np.exp(logAcceptProbFor(results.logAcceptRatio, stepSize));
    const t = np.add(c.dual.step, 1).astype(dtype);
    const errorSum = np.add(c.dual.errorSum, np.subtract(target, accept));
    const logStepSize = np.subtract(c.dual.shrinkageTarget, np.multiply(np.divide(np.sqrt(t), np.multiply(np.add(t, T0), GAMMA)), errorSum));
    const weight = np.power(t, -KAPPA);
    const logAveraged = np.add(np.multiply(weight, logStepSize), np.multiply(np.subtract(1, weight), c.dual.logAveraged));
    // Welford's running mean and variance of the draws of every chain, in slow windows.
    const draws = np.reshape(ravelChains(state), [-1, raveler.size]);
    const batch = draws.shape[0]!;
    const count = np.add(c.welford.count, batch);
    const delta = np.subtract(draws, c.welford.mean);
    const mean = np.add(c.welford.mean, np.divide(np.sum(delta, 0), count));
    const m2 = np.add(c.welford.m2, np.sum(np.multiply(delta, np.subtract(draws, mean)), 0));
    const welford = {
      count: np.where(x.slow, count, c.welford.count),
      mean: np.where(x.slow, mean, c.welford.mean),
      m2: np.where(x.slow, m2, c.welford.m2),
    };
    // Stan's regularisation of the windowed variance towards 1e-3: (n / (n + 5)) var + 1e-3 (5 / (n + 5)).
    const n = welford.count;
    const variance = np.divide(welford.m2, np.maximum(np.subtract(n, 1), 1));
    const regularized = np.add(np.multiply(np.divide(n, np.add(n, 5)), variance), np.multiply(np.divide(5, np.add(n, 5)), 1e-3));
    // At a window end Stan reruns its step-size heuristic under the new metric, then restarts dual averaging there.
    const newMetric = np.where(x.windowEnd, regularized, c.inverseMassMatrix);
    const restartStep = cond(x.windowEnd,
      (eps: NDArray, m: NDArray, s: unknown, k: NDArray) => heuristic(eps, m, s, k),
      (eps: NDArray) => eps,
      np.exp(logStepSize), newMetric, state, random.foldIn(x.key, 1)) as NDArray;
    const restarted = restartDualAveraging(np.log(restartStep));
    const dual: DualAveraging = { step: np.add(c.dual.step, 1), errorSum, logAveraged, shrinkageTarget: c.dual.shrinkageTarget, logStepSize };
    const pick = <T>(a: T, b: T): T => tree.map((u: unknown, v: unknown) => np.where(x.windowEnd, u as NDArray, v as NDArray), a, b) as T;
    return [{
      state,
      results,
      dual: pick(restarted, dual),
      welford: pick(emptyWelford(), welford),
      inverseMassMatrix: newMetric,
      leapfrogs: np.add(c.leapfrogs, results.leapfrogsTaken),
    }, null];
  };

  /** After warmup the step size is the iterate average of the last adaptation stretch (Stan's x̄). */
  const finish = (warm: WarmupCarry) => {
    const stepSize = numAdaptationSteps > 0 ? np.exp(warm.dual.logAveraged) : np.exp(warm.dual.logStepSize);
    return { kernel: kernelFor(stepSize, warm.inverseMassMatrix), results: { ...warm.results, stepSize }, stepSize };
  };
  return { numAdaptationSteps, samplingKey, xs, initialCarry, step, finish };
}

/**
 * Stan's step-size initialisation (base_hmc::init_stepsize): from ε, one leapfrog step from each chain's state
 * with fresh momenta; double ε while the chains' mean acceptance stays above 0.8, or halve it while it stays
 * below, and stop at the first crossing. A compiled whileLoop (at most 50 halvings or doublings).
 */
export function reasonableStepSize(targetLogProbFn: LogProbFn, state: unknown, batchRank: number, stepSize: NDArray, inverseMassMatrix: NDArray, key: NDArray): NDArray {
  const batchShape = callLogProb(targetLogProbFn, state).shape;
  const logAccept = (eps: NDArray, k: NDArray): NDArray => {
    const perChain = overChains((s: unknown, chainKey: NDArray) => {
      const ctx = chainContext(targetLogProbFn, s, batchRank);
      const metric = new Metric(inverseMassMatrix, ctx.raveler.size, ctx.raveler.dtype);
      const position = ctx.raveler.ravel(s);
      const [lp, grad] = ctx.logProbAndGrad(position);
      const start: PhasePoint = { position, momentum: metric.sampleMomentum(chainKey), targetLogProb: lp, gradTargetLogProb: grad };
      const end = leapfrogStep(start, eps, ctx.logProbAndGrad, metric);
      const change = np.subtract(hamiltonian(start, metric), hamiltonian(end, metric));
      return np.where(np.isnan(change), -Infinity, change);
    }, batchRank, [0, 0]) as (s: unknown, k: NDArray) => NDArray;
    return logAcceptProbFor(perChain(state, chainKeys(k, batchShape)), eps);
  };
  const threshold = Math.log(0.8);
  const up = np.greater(logAccept(stepSize, random.foldIn(key, 0)), threshold);
  const [final] = whileLoop(
    ([, i, done]: [NDArray, NDArray, NDArray]) => np.logicalAnd(np.logicalNot(done), np.less(i, 50)),
    ([eps, i]: [NDArray, NDArray, NDArray]) => {
      const la = logAccept(eps, random.foldIn(key, np.add(i, 1)));
      const crossed = np.where(up, np.logicalNot(np.greater(la, threshold)), np.logicalNot(np.less(la, threshold)));
      const next = np.where(crossed, eps, np.where(up, np.multiply(eps, 2), np.multiply(eps, 0.5)));
      return [next, np.add(i, 1), crossed] as [NDArray, NDArray, NDArray];
    },
    [stepSize, np.asarray(0, "int32"), np.asarray(false)] as [NDArray, NDArray, NDArray],
  );
  return final;
}
