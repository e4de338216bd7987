// TFP's transition-kernel protocol (bootstrapResults / oneStep with an explicit key) and the plumbing
// that runs a single-chain kernel body over a batch of chains given by the state's leading axes.
import { NDArray, np } from "@fluxion/core";
import { valueAndGrad, type AxisSpec } from "@fluxion/transforms";
import { makeRaveler, type Raveler } from "./util/ravel.js";
import { chainKeys, overChains, perChainLogProb, type LogProbFn } from "./util/chains.js";
import type { FlatLogProbAndGrad } from "./leapfrog.js";

/** Kernel results are plain objects of arrays (pytrees), with TFP's field names in camelCase. */
export type KernelResults = object;

export interface TransitionKernel<R extends KernelResults = KernelResults> {
  /** Results for `state` before any step (evaluates the target log prob and whatever else the kernel caches). */
  bootstrapResults(state: unknown): R;
  /** One transition: `[newState, newResults]`. `key` is a threefry key (random.key / random.split). */
  oneStep(state: unknown, previousResults: R, key: NDArray): [unknown, R];
  /** Whether the kernel leaves the target invariant (false for adaptation during its adaptation window). */
  readonly isCalibrated: boolean;
  /** The same kernel on another target (TFP's `copy(target_log_prob_fn=...)`); TransformedTransitionKernel needs it. */
  withTargetLogProbFn?(targetLogProbFn: LogProbFn): TransitionKernel<R>;
}

/** What a single-chain kernel body needs to know about one chain's state. */
export interface ChainContext {
  raveler: Raveler;
  /** Target log prob of one chain at a flat position. */
  logProb: (position: NDArray) => NDArray;
  logProbAndGrad: FlatLogProbAndGrad;
}

export function chainContext(targetLogProbFn: LogProbFn, state: unknown, batchRank: number): ChainContext {
  // Inside stepEachChain the state is already one chain's; only the user function sees chain axes.
  const raveler = makeRaveler(state, 0);
  const perChain = perChainLogProb(targetLogProbFn, batchRank);
  const logProb = (q: NDArray) => perChain(raveler.unravel(q));
  const vg = valueAndGrad(logProb as never);
  const logProbAndGrad = (q: NDArray) => vg(q) as [NDArray, NDArray];
  return { raveler, logProb, logProbAndGrad };
}

/**
 * Runs `body` (one chain: unbatched state, results and key) on every chain of a batch with
 * `batchRank` leading axes. Fields in `shared` (step size, number of leapfrog steps) are passed
 * unbatched when scalar (per chain when they carry the batch axes) and returned as given.
 */
export function stepEachChain<R extends KernelResults>(
  body: (state: unknown, results: R, key: NDArray) => [unknown, R],
  state: unknown,
  results: R,
  key: NDArray,
  batchRank: number,
  shared: readonly string[],
): [unknown, R] {
  if (batchRank === 0) return body(state, results, key);
  const record = results as Record<string, unknown>;
  const sharedValues: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) (shared.includes(k) ? sharedValues : rest)[k] = v;
  const sharedAxes: Record<string, AxisSpec> = {};
  for (const [k, v] of Object.entries(sharedValues)) sharedAxes[k] = v instanceof NDArray && v.ndim > 0 ? 0 : null;
  const lane = (s: unknown, r: Record<string, unknown>, k: NDArray, sh: Record<string, unknown>) => {
    const [s2, r2] = body(s, { ...r, ...sh } as R, k);
    const out: Record<string, unknown> = {};
    for (const [name, v] of Object.entries(r2 as Record<string, unknown>)) if (!shared.includes(name)) out[name] = v;
    return [s2, out];
  };
  const batchShape = (record.targetLogProb as NDArray).shape;
  const mapped = overChains(lane, batchRank, [0, 0, 0, sharedAxes]);
  const [s2, r2] = mapped(state, rest, chainKeys(key, batchShape), sharedValues) as [unknown, Record<string, unknown>];
  return [s2, { ...r2, ...sharedValues } as R];
}

/** A step size (number or array) as an array of `dtype`. */
export function asFloat(x: NDArray | number, dtype: "float32" | "float64"): NDArray {
  if (typeof x === "number") return np.asarray(x, dtype);
  return x.dtype === dtype ? x : x.astype(dtype);
}

/** The number of chain axes of a kernel's results (the rank of its targetLogProb). */
export function batchRankOf(results: { targetLogProb: NDArray }): number {
  return results.targetLogProb.ndim;
}

/** `kernel` on another target, or a clear error for kernels that cannot be retargeted. */
export function retarget<R extends KernelResults>(kernel: TransitionKernel<R>, targetLogProbFn: LogProbFn): TransitionKernel<R> {
  if (!kernel.withTargetLogProbFn) {
    throw new TypeError(`mcmc: ${kernel.constructor.name} has no withTargetLogProbFn, so it cannot run on a transformed target; give it one, or build it on the transformed target yourself.`);
  }
  return kernel.withTargetLogProbFn(targetLogProbFn);
}
