// Variational inference by stochastic optimization (TFP's vi.fit_surrogate_posterior[_stateless]): the
// reparameterized ELBO (reverse KL, Monte Carlo over `sampleSize` draws) minimized by an optax-style optimizer,
// all steps compiled as one jit(scan) with a fresh key per step.
import { NDArray, np, random, type ArrayLike } from "@fluxion/core";
import { jit, scan, valueAndGrad, vmap } from "@fluxion/transforms";
import { applyUpdates, type GradientTransformation } from "@fluxion/optim";

/** What the loss needs from a surrogate: reparameterized draws and their log-density. */
export interface SampleAndLogProb {
  sampleAndLogProb?(key: NDArray, sampleShape: number[]): [unknown, NDArray];
  experimentalSampleAndLogProb?(key: NDArray, sampleShape: number[]): [unknown, NDArray];
  sample?(key: NDArray, sampleShape: number[]): unknown;
  logProb?(value: never): NDArray;
}

/** A surrogate that separates trainable parameters from the rest (FactoredSurrogatePosterior is one). */
export interface TrainableSurrogate<P, Q extends SampleAndLogProb = SampleAndLogProb> {
  readonly trainableParameters: P;
  withParameters(parameters: P): Q;
}

export type TargetLogProbFn = (...parts: never[]) => NDArray;

/** Quantities handed to `traceFn` after every step. */
export interface TraceableQuantities<P> {
  loss: NDArray;
  parameters: P;
  step: NDArray;
}

export interface FitSurrogatePosteriorStatelessOptions<P> {
  /** log p(z, data) up to a constant, for one draw z (structured like the surrogate's draws; see fitSurrogatePosterior). */
  targetLogProbFn: TargetLogProbFn;
  /** Builds the surrogate from parameters (a pure function). */
  buildSurrogatePosteriorFn: (parameters: P) => SampleAndLogProb;
  initialParameters: P;
  optimizer: GradientTransformation<unknown>;
  numSteps: number;
  /** Monte Carlo draws per ELBO estimate (TFP's sample_size, default 1). */
  sampleSize?: number;
  key: ArrayLike;
  /** What to record per step (default: the loss). */
  traceFn?: (q: TraceableQuantities<P>) => unknown;
  /** Compile the whole run with jit (default true). */
  jitCompile?: boolean;
}

export interface FitSurrogatePosteriorResult<P> {
  /** Optimized parameters. */
  parameters: P;
  /** traceFn's outputs stacked over steps (by default the losses, [numSteps]: negative ELBO before each step). */
  trace: unknown;
  /** The negative-ELBO estimate at each step. */
  losses: NDArray;
}

/** Calls the target on one draw: a list is spread over a multi-parameter target, anything else passed whole. */
function callTarget(target: TargetLogProbFn, z: unknown): NDArray {
  const fn = target as (...args: unknown[]) => NDArray;
  if (Array.isArray(z) && fn.length > 1) return fn(...z);
  return fn(z);
}

function drawWithLogProb(q: SampleAndLogProb, key: NDArray, n: number): [unknown, NDArray] {
  if (q.sampleAndLogProb) return q.sampleAndLogProb(key, [n]);
  if (q.experimentalSampleAndLogProb) return q.experimentalSampleAndLogProb(key, [n]);
  if (q.sample && q.logProb) {
    const z = q.sample(key, [n]);
    return [z, q.logProb(z as never)];
  }
  throw new Error("fitSurrogatePosterior: the surrogate posterior needs sampleAndLogProb, experimentalSampleAndLogProb, or sample and logProb.");
}

/**
 * The reparameterized negative ELBO: -mean_s [log p(z_s) - log q(z_s)], z_s ~ q (TFP's monte_carlo_variational_loss
 * with kl_reverse). The target is vmapped over the draws, so it may be written for a single draw.
 */
export function monteCarloVariationalLoss(targetLogProbFn: TargetLogProbFn, q: SampleAndLogProb, key: NDArray, sampleSize = 1): NDArray {
  const [z, logQ] = drawWithLogProb(q, key, sampleSize);
  const logP = vmap((zi: unknown) => callTarget(targetLogProbFn, zi))(z) as NDArray;
  return np.negative(np.mean(np.subtract(logP, logQ)));
}

/** TFP's fit_surrogate_posterior_stateless: optimizes `initialParameters`; returns them with the loss trace. */
export function fitSurrogatePosteriorStateless<P>(options: FitSurrogatePosteriorStatelessOptions<P>): FitSurrogatePosteriorResult<P> {
  const { targetLogProbFn, buildSurrogatePosteriorFn, initialParameters, optimizer, numSteps } = options;
  const sampleSize = options.sampleSize ?? 1;
  if (!Number.isInteger(numSteps) || numSteps < 1) throw new RangeError(`fitSurrogatePosterior: numSteps must be a positive integer, got ${numSteps}.`);
  if (!Number.isInteger(sampleSize) || sampleSize < 1) throw new RangeError(`fitSurrogatePosterior: sampleSize must be a positive integer, got ${sampleSize}.`);
  const key = options.key instanceof NDArray ? options.key : np.asarray(options.key, "uint32");
  const traceFn = options.traceFn ?? ((q: TraceableQuantities<P>) => q.loss);
  const loss = (params: P, k: NDArray) => monteCarloVariationalLoss(targetLogProbFn, buildSurrogatePosteriorFn(params), k, sampleSize);
  const lossAndGrad = valueAndGrad(loss);
  const run = (params0: P, keys: NDArray) => {
    const [[params], [losses, trace]] = scan(
      ([p, s, step]: [P, unknown, NDArray], k: NDArray) => {
        const [value, grads] = lossAndGrad(p, k) as [NDArray, P];
        const [updates, next] = optimizer.update(grads, s, p);
        const traced = traceFn({ loss: value, parameters: p, step });
        return [[applyUpdates(p, updates), next, np.add(step, 1)], [value, traced]] as [[P, unknown, NDArray], [NDArray, unknown]];
      },
      [params0, optimizer.init(params0), np.zeros([], "int32")] as [P, unknown, NDArray],
      keys,
    ) as [[P, unknown, NDArray], [NDArray, unknown]];
    return { parameters: params, losses, trace };
  };
  const keys = random.split(key, numSteps);
  const go = options.jitCompile === false ? run : (jit(run) as unknown as typeof run);
  return go(initialParameters, keys);
}

export interface FitSurrogatePosteriorOptions<P> extends Omit<FitSurrogatePosteriorStatelessOptions<P>, "buildSurrogatePosteriorFn" | "initialParameters"> {
  /**
   * The surrogate: a TrainableSurrogate (e.g. from buildFactoredSurrogatePosterior: only its variational
   * parameters are trained), or any distribution-like pytree (every float leaf is trained).
   */
  surrogatePosterior: TrainableSurrogate<P> | SampleAndLogProb;
}

export interface FitSurrogatePosteriorOutput<P> extends FitSurrogatePosteriorResult<P> {
  /** The surrogate rebuilt with the optimized parameters. */
  surrogatePosterior: SampleAndLogProb;
}

const isTrainable = <P>(q: unknown): q is TrainableSurrogate<P> => typeof q === "object" && q !== null && "trainableParameters" in q && typeof (q as TrainableSurrogate<P>).withParameters === "function";

/**
 * Fits a surrogate posterior to an unnormalized target by minimizing the reparameterized negative ELBO
 * (TFP's vi.fit_surrogate_posterior, in JAX's functional style: the trained surrogate is returned, not mutated).
 * The target gets one draw: a list draw is spread over a target with several parameters, otherwise the draw
 * (array, list or object) is passed as one argument, e.g. `pinned.unnormalizedLogProb`.
 */
export function fitSurrogatePosterior<P>(options: FitSurrogatePosteriorOptions<P>): FitSurrogatePosteriorOutput<P> {
  const { surrogatePosterior, ...rest } = options;
  if (isTrainable<P>(surrogatePosterior)) {
    const result = fitSurrogatePosteriorStateless<P>({ ...rest, initialParameters: surrogatePosterior.trainableParameters, buildSurrogatePosteriorFn: (p) => surrogatePosterior.withParameters(p) });
    return { ...result, surrogatePosterior: surrogatePosterior.withParameters(result.parameters) };
  }
  const result = fitSurrogatePosteriorStateless<P>({ ...rest, initialParameters: surrogatePosterior as unknown as P, buildSurrogatePosteriorFn: (p) => p as unknown as SampleAndLogProb });
  return { ...result, surrogatePosterior: result.parameters as unknown as SampleAndLogProb };
}
