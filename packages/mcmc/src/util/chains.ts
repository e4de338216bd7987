// Batches of chains: a state with leading chain axes runs single-chain kernel code under vmap, one lane
// per chain, while the user's target log prob still sees (and is evaluated on) the whole batch.
import { NDArray, np, random, tree } from "@fluxion/core";
import { vjp, vmap, type AxisSpec } from "@fluxion/transforms";

export type LogProbFn = (state: never) => NDArray | number;

/** Calls a target log prob and returns its value as an array. */
export function callLogProb(fn: LogProbFn, state: unknown): NDArray {
  const lp = (fn as (s: unknown) => NDArray | number)(state);
  return lp instanceof NDArray ? lp : np.asarray(lp);
}

/**
 * The target log prob of one chain, for code running inside `batchRank` vmaps over chains: each lane's
 * state gets `batchRank` leading axes of size 1 so a function written for a batch of chains (summing over
 * trailing axes, indexing axis 1, ...) sees the shape it expects; its [1, ..., 1] result becomes a scalar.
 */
export function perChainLogProb(fn: LogProbFn, batchRank: number): (state: unknown) => NDArray {
  if (batchRank === 0) return (state) => checkScalar(callLogProb(fn, state));
  const ones = Array.from({ length: batchRank }, () => 1);
  return (state) => {
    const expanded = tree.map((x: unknown) => {
      const a = x as NDArray;
      return np.reshape(a, [...ones, ...a.shape]);
    }, state);
    const lp = callLogProb(fn, expanded);
    if (lp.size !== 1) {
      throw new RangeError(`mcmc: the target log prob returned shape [${lp.shape}] for one chain's state (given with ${batchRank} leading axes of size 1); it must reduce every non-chain axis.`);
    }
    return np.reshape(lp, []);
  };
}

function checkScalar(lp: NDArray): NDArray {
  if (lp.ndim !== 0) throw new RangeError(`mcmc: expected a scalar target log prob for one chain, got shape [${lp.shape}].`);
  return lp;
}

/** `[targetLogProb, gradient]` of a batch of chains: the pullback of a ones cotangent is each chain's gradient, as chains are independent. */
export function logProbAndGrad(fn: LogProbFn, state: unknown): [NDArray, unknown] {
  const [lp, pullback] = vjp((s: never) => callLogProb(fn, s), state) as [NDArray, (ct: unknown) => unknown[]];
  return [lp, pullback(np.onesLike(lp))[0]];
}

/** Maps a single-chain function over `batchRank` leading chain axes (nested vmaps), or calls it directly. */
export function overChains<F extends (...args: never[]) => unknown>(fn: F, batchRank: number, inAxes: AxisSpec): F {
  let mapped: (...args: unknown[]) => unknown = fn as unknown as (...args: unknown[]) => unknown;
  for (let i = 0; i < batchRank; i++) mapped = vmap(mapped as never, { inAxes });
  return mapped as unknown as F;
}

/** One key per chain, shaped [...batchShape, 2] (a plain key when there is no batch). */
export function chainKeys(key: NDArray, batchShape: readonly number[]): NDArray {
  return batchShape.length === 0 ? key : random.split(key, [...batchShape]);
}

/** The axis spec for a parameter that is either shared by all chains (scalar) or given per chain (batch-shaped). */
export function sharedOrPerChain(x: NDArray | number): 0 | null {
  return typeof x === "number" || x.ndim === 0 ? null : 0;
}
