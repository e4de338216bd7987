// windowedAdaptiveNuts on a joint distribution (TFP's experimental.mcmc.windowed_adaptive_nuts): pin the
// observed parts, sample the others with NUTS in the unconstrained space of the joint's default event-space
// bijector (Stan's windowed warmup, chains batched), and hand back constrained draws shaped like the model.
import { NDArray, np, random, tree, type ArrayLike } from "@fluxion/core";
import { jit, whileLoop } from "@fluxion/transforms";
import { JointDistribution, JointDistributionPinned, type JointValue, type JointValueLike } from "@fluxion/prob";
import type { NoUTurnSamplerResults } from "./nuts.js";
import type { ProgressOption } from "./progress.js";
import { asKey, splitKeys } from "./util/keys.js";
import { windowedAdaptiveNutsFromLogProb } from "./windowedAdaptiveNuts.js";

/** What TFP's default NUTS trace records per draw (per chain), in camelCase. */
export interface NutsTrace {
  stepSize: NDArray;
  numLeapfrog: NDArray;
  diverging: NDArray;
  /** Stan's accept_stat: mean over the trajectory's leaves of min(1, e^{-ΔH}). */
  acceptRatio: NDArray;
  treeDepth: NDArray;
  targetLogProb: NDArray;
  energy: NDArray;
}

export interface JointWindowedAdaptiveNutsOptions {
  nDraws: number;
  /** The model; a joint distribution (optionally already pinned). Its log-density must reduce to one value per draw (see below). */
  jointDistribution: JointDistribution | JointDistributionPinned;
  /** Observed values by part name (or a list with null for free parts), as `experimentalPin`. */
  pins?: JointValueLike | Readonly<Record<string, ArrayLike>>;
  /** Independent chains, run as one batch (default 64, as TFP). */
  nChains?: number;
  /** Warmup steps (default 500); discarded. */
  numAdaptationSteps?: number;
  seed: number | NDArray;
  /** Constrained initial values with a leading chain axis (default: uniform(-2, 2) in the unconstrained space, as TFP and Stan). */
  currentState?: JointValue;
  targetAcceptProb?: number;
  initialStepSize?: number;
  maxTreeDepth?: number;
  /** Per draw, from the constrained state and the NUTS results (default: `NutsTrace`). */
  traceFn?: (state: JointValue, results: NoUTurnSamplerResults) => unknown;
  /** `true` for a progress bar on stderr, or a callback; the run then goes in compiled chunks with the same draws. */
  progress?: ProgressOption;
  chunkSize?: number;
}

export interface JointWindowedAdaptiveNutsResult {
  /** Constrained draws shaped like the unpinned model values, each part [nDraws, nChains, ...]. */
  states: JointValue;
  trace: unknown;
  stepSize: NDArray;
  /** Diagonal inverse mass matrix over one chain's flattened unconstrained state. */
  inverseMassMatrix: NDArray;
  /** Leapfrog steps (gradient evaluations) per chain during warmup (the draws' are in the trace). */
  warmupLeapfrogs: NDArray;
}

const defaultTrace = (_state: JointValue, r: NoUTurnSamplerResults): NutsTrace => ({
  stepSize: r.stepSize, numLeapfrog: r.leapfrogsTaken, diverging: r.hasDivergence, acceptRatio: np.exp(r.logAcceptRatio),
  treeDepth: r.treeDepth, targetLogProb: r.targetLogProb, energy: r.energy,
});

/** How many uniform(-2, 2) redraws a chain gets when its initial point has a non-finite density (TFP's retry_init). */
const MAX_INIT_TRIES = 100;

/**
 * NUTS with Stan's warmup on the posterior of a joint distribution given its pins. The target over unconstrained
 * u is log p(forward(u), pins) + log|det J_forward(u)|; every chain starts at uniform(-2, 2) draws of u (redrawn
 * where the density is not finite). Without `progress` the whole run is one jitted program.
 *
 * The model's log-density must be one value per draw: give parts with batch dims scalar batch shape (wrap them in
 * Independent or Sample), or build the joint with `batchNdims: 0`.
 */
export function windowedAdaptiveNuts(options: JointWindowedAdaptiveNutsOptions): JointWindowedAdaptiveNutsResult {
  const { nDraws } = options;
  const nChains = options.nChains ?? 64;
  if (!Number.isInteger(nChains) || nChains < 1) throw new RangeError(`windowedAdaptiveNuts: nChains must be a positive integer, got ${nChains}.`);
  if (!Number.isInteger(nDraws) || nDraws < 1) throw new RangeError(`windowedAdaptiveNuts: nDraws must be a positive integer, got ${nDraws}.`);
  const model = pinnedModel(options.jointDistribution, options.pins);
  const bijector = model.defaultEventSpaceBijector();
  const forward = (u: JointValue) => bijector.forward(u as never) as unknown as JointValue;
  const inverse = (x: JointValue) => bijector.inverse(x as never) as unknown as JointValue;
  const logProb = (x: JointValue) => (model instanceof JointDistributionPinned ? model.unnormalizedLogProb(x) : model.unnormalizedLogProb(x));
  const targetLogProbFn = (u: JointValue) => np.add(logProb(forward(u)), bijector.forwardLogDetJacobian(u as never));

  const [initKey, runKey] = splitKeys(asKey(options.seed), 2);
  // One prior draw fixes the unconstrained parts' shapes and dtypes (e.g. a simplex pulls back to one entry fewer).
  const prototype = inverse(sampleUnpinned(model, initKey)) as JointValue;
  checkOneDensityPerDraw(targetLogProbFn, prototype);

  const traceFn = options.traceFn ?? defaultTrace;
  const warmupOptions = {
    targetLogProbFn: targetLogProbFn as never, nDraws, seed: runKey,
    ...(options.numAdaptationSteps !== undefined ? { numAdaptationSteps: options.numAdaptationSteps } : {}),
    ...(options.targetAcceptProb !== undefined ? { targetAcceptProb: options.targetAcceptProb } : {}),
    ...(options.initialStepSize !== undefined ? { initialStepSize: options.initialStepSize } : {}),
    ...(options.maxTreeDepth !== undefined ? { maxTreeDepth: options.maxTreeDepth } : {}),
    traceFn: (u: unknown, r: NoUTurnSamplerResults) => traceFn(forward(u as JointValue), r),
  };
  const initialState = (key: NDArray): JointValue =>
    options.currentState !== undefined ? inverse(options.currentState) : retryInit(targetLogProbFn, prototype, nChains, key);
  const constrained = (states: unknown) => forward(states as JointValue);

  if (options.progress) {
    // The sampler jits its own chunks between reports; the start and the final transform are jitted here.
    const u0 = jit(initialState)(initKey) as JointValue;
    const out = windowedAdaptiveNutsFromLogProb({ ...warmupOptions, currentState: u0, progress: options.progress, ...(options.chunkSize !== undefined ? { chunkSize: options.chunkSize } : {}) });
    return { states: jit(constrained)(out.states) as JointValue, trace: out.trace, stepSize: out.stepSize, inverseMassMatrix: out.inverseMassMatrix, warmupLeapfrogs: out.warmupLeapfrogs };
  }
  const run = jit((key: NDArray) => {
    const out = windowedAdaptiveNutsFromLogProb({ ...warmupOptions, currentState: initialState(key) });
    return { states: constrained(out.states), trace: out.trace, stepSize: out.stepSize, inverseMassMatrix: out.inverseMassMatrix, warmupLeapfrogs: out.warmupLeapfrogs };
  }) as (key: NDArray) => JointWindowedAdaptiveNutsResult;
  return run(initKey);
}

function pinnedModel(jd: JointDistribution | JointDistributionPinned, pins: JointWindowedAdaptiveNutsOptions["pins"]): JointDistribution | JointDistributionPinned {
  if (!(jd instanceof JointDistribution) && !(jd instanceof JointDistributionPinned)) {
    throw new TypeError("windowedAdaptiveNuts: `jointDistribution` must be a JointDistributionSequential/Named/Coroutine or a pinned joint (jd.experimentalPin({...})).");
  }
  if (pins === undefined || Object.keys(pins).length === 0) return jd;
  return jd.experimentalPin(pins as JointValueLike);
}

function sampleUnpinned(model: JointDistribution | JointDistributionPinned, key: NDArray): JointValue {
  return model instanceof JointDistributionPinned ? model.sampleUnpinned(key) : model.sample(key);
}

function checkOneDensityPerDraw(target: (u: JointValue) => NDArray, prototype: JointValue): void {
  const lp = target(prototype);
  if (lp.ndim !== 0) {
    const shapes = tree.leaves(prototype).map((l) => `[${(l as NDArray).shape}]`).join(", ");
    throw new Error(
      `windowedAdaptiveNuts: the model's log-density of one draw (unconstrained parts shaped ${shapes}) has shape [${lp.shape}], not []. ` +
        "Give every part scalar batch shape (wrap batched parts in Independent or Sample), or build the joint with batchNdims: 0.",
    );
  }
}

/** uniform(-2, 2) in the unconstrained space for every chain, redrawing chains whose density is not finite (TFP's init_near_unconstrained_zero + retry_init). */
function retryInit(target: (u: JointValue) => NDArray, prototype: JointValue, nChains: number, key: NDArray): JointValue {
  const draw = (k: NDArray): JointValue => {
    const leaves = tree.leaves(prototype) as NDArray[];
    const keys = random.split(k, leaves.length);
    const drawn = leaves.map((l, i) => random.uniform(keys.slice(i), [nChains, ...l.shape], { minval: -2, maxval: 2, dtype: l.dtype as "float32" | "float64" }));
    return tree.unflatten(tree.structure(prototype), drawn) as JointValue;
  };
  const first = draw(random.foldIn(key, 0));
  const [, state] = whileLoop(
    ([i, u]: [NDArray, JointValue]) => np.logicalAnd(np.less(i, MAX_INIT_TRIES), np.logicalNot(np.all(np.isfinite(target(u))))),
    ([i, u]: [NDArray, JointValue]) => {
      const ok = np.isfinite(target(u));
      const fresh = draw(random.foldIn(key, np.add(i, 1)));
      const keep = (a: unknown, b: unknown) => {
        const x = a as NDArray;
        return np.where(np.reshape(ok, [nChains, ...x.shape.slice(1).map(() => 1)]), x, b as NDArray);
      };
      return [np.add(i, 1), tree.map(keep, u, fresh) as JointValue] as [NDArray, JointValue];
    },
    [np.asarray(0, "int32"), first] as [NDArray, JointValue],
  );
  return state;
}
