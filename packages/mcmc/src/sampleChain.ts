// Drivers: sampleChain runs a kernel for burn-in, thinning and numResults draws as ONE scan (so that
// jit(sampleChain) is one compiled program and vmap(sampleChain) runs many chains), as TFP's sample_chain.
import { NDArray, np, random, tree } from "@fluxion/core";
import { jit, scan, whileLoop } from "@fluxion/transforms";
import type { KernelResults, TransitionKernel } from "./kernel.js";
import { asKey } from "./util/keys.js";

export interface SampleChainOptions<R extends KernelResults, T> {
  numResults: number;
  currentState: unknown;
  kernel: TransitionKernel<R>;
  /** Steps taken (and discarded) before the first result. Default 0. */
  numBurninSteps?: number;
  /** Extra steps between results (thinning). Default 0. */
  numStepsBetweenResults?: number;
  /** What to record per result, from the state and kernel results (default: the kernel results). */
  traceFn?: (state: unknown, results: R) => T;
  /** Seed number or threefry key. */
  seed: number | NDArray;
  /** Continue from earlier results instead of bootstrapping (as TFP's previous_kernel_results). */
  previousKernelResults?: R;
}

export interface SampleChainResult<R, T> {
  /** The states, each leaf stacked along a new leading axis of size numResults. */
  states: unknown;
  trace: T;
  finalKernelResults: R;
}

/**
 * Runs `kernel` from `currentState`: result i is taken after numBurninSteps + 1 steps (i = 0) or
 * numStepsBetweenResults + 1 further steps. Step j of result i uses key foldIn(split(seed)[i], j).
 */
export function sampleChain<R extends KernelResults, T = R>(options: SampleChainOptions<R, T>): SampleChainResult<R, T> {
  const { numResults, currentState, kernel } = options;
  const burnin = options.numBurninSteps ?? 0;
  const thin = options.numStepsBetweenResults ?? 0;
  if (!Number.isInteger(numResults) || numResults < 1) throw new RangeError(`sampleChain: numResults must be a positive integer, got ${numResults}.`);
  if (!Number.isInteger(burnin) || burnin < 0) throw new RangeError(`sampleChain: numBurninSteps must be a non-negative integer, got ${burnin}.`);
  if (!Number.isInteger(thin) || thin < 0) throw new RangeError(`sampleChain: numStepsBetweenResults must be a non-negative integer, got ${thin}.`);
  const traceFn = options.traceFn ?? ((_s: unknown, r: R) => r as unknown as T);
  const initialResults = options.previousKernelResults ?? kernel.bootstrapResults(currentState);
  return runChain(kernel, currentState, initialResults, random.split(asKey(options.seed), numResults), burnin, thin, traceFn);
}

/** One scan over `keys` (one per result): result 0 after burnin + 1 steps, later results after thin + 1 steps. */
function runChain<R extends KernelResults, T>(kernel: TransitionKernel<R>, currentState: unknown, initialResults: R, keys: NDArray, burnin: number, thin: number, traceFn: (state: unknown, results: R) => T): SampleChainResult<R, T> {
  const indices = np.arange(keys.shape[0]!).astype("int32");
  type Carry = [unknown, R];
  const body = ([state, results]: Carry, [key, index]: [NDArray, NDArray]): [Carry, [unknown, T]] => {
    let next: Carry;
    if (burnin === 0 && thin === 0) {
      next = kernel.oneStep(state, results, key);
    } else {
      const steps = np.where(np.equal(index, 0), np.asarray(burnin + 1, "int32"), np.asarray(thin + 1, "int32"));
      const [, s, r] = whileLoop(
        ([j]: [NDArray, unknown, R]) => np.less(j, steps),
        ([j, s0, r0]: [NDArray, unknown, R]) => {
          const [s1, r1] = kernel.oneStep(s0, r0, random.foldIn(key, j));
          return [np.add(j, 1), s1, r1] as [NDArray, unknown, R];
        },
        [np.asarray(0, "int32"), state, results] as [NDArray, unknown, R],
      );
      next = [s, r];
    }
    return [next, [next[0], traceFn(next[0], next[1])]];
  };
  const [[, finalKernelResults], [states, trace]] = scan(body, [currentState, initialResults] as Carry, [keys, indices]);
  return { states, trace, finalKernelResults };
}

export interface SampleChainChunkedOptions<R extends KernelResults, T> extends SampleChainOptions<R, T> {
  /** Results per compiled call. */
  chunkSize: number;
  /** Called after each chunk with the number of results so far. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * sampleChain in compiled chunks of `chunkSize` results, reporting progress between them. Each chunk is one
 * call of the same jitted program (traced once), continuing from the previous chunk's state and results.
 */
export function sampleChainChunked<R extends KernelResults, T = R>(options: SampleChainChunkedOptions<R, T>): SampleChainResult<R, T> {
  const { chunkSize, numResults } = options;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`sampleChainChunked: chunkSize must be a positive integer, got ${chunkSize}.`);
  const burnin = options.numBurninSteps ?? 0;
  const thin = options.numStepsBetweenResults ?? 0;
  if (!Number.isInteger(numResults) || numResults < 1) throw new RangeError(`sampleChainChunked: numResults must be a positive integer, got ${numResults}.`);
  const traceFn = options.traceFn ?? ((_s: unknown, r: R) => r as unknown as T);
  // The same per-result keys as sampleChain, so the chunked run equals the unchunked one.
  const keys = random.split(asKey(options.seed), numResults);
  const runChunk = jit((state: unknown, results: R, chunkKeys: NDArray, chunkBurnin: number) =>
    runChain(options.kernel, state, results, chunkKeys, chunkBurnin, thin, traceFn), { staticArgnums: [3] }) as
    (state: unknown, results: R, chunkKeys: NDArray, chunkBurnin: number) => SampleChainResult<R, T>;
  let state = options.currentState;
  let results = options.previousKernelResults ?? options.kernel.bootstrapResults(state);
  const pieces: SampleChainResult<R, T>[] = [];
  for (let done = 0; done < numResults;) {
    const length = Math.min(chunkSize, numResults - done);
    // Later chunks start with a between-results gap, as result `done` of the whole run would.
    const out = runChunk(state, results, keys.slice([done, done + length]), done === 0 ? burnin : thin);
    pieces.push(out);
    state = lastOf(out.states);
    results = out.finalKernelResults;
    done += length;
    options.onProgress?.(done, numResults);
  }
  const cat = (...xs: unknown[]) => np.concatenate(xs as NDArray[], 0);
  return {
    states: treeConcat(pieces.map((p) => p.states), cat),
    trace: treeConcat(pieces.map((p) => p.trace), cat) as T,
    finalKernelResults: results,
  };
}

function lastOf(stacked: unknown): unknown {
  return tree.map((x: unknown) => {
    const a = x as NDArray;
    return np.reshape(a.slice(-1), a.shape.slice(1));
  }, stacked);
}

function treeConcat(parts: unknown[], cat: (...xs: unknown[]) => unknown): unknown {
  return tree.map(cat, parts[0], ...parts.slice(1));
}
