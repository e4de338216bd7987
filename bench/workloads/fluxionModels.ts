// Fluxion's side of the model workloads (issue 9): eight-schools gradients inside a compiled NUTS
// run and as a JS→jit call, the iris NUTS step, L-BFGS on Rosenbrock, batched restarts, and a long
// run of jitted NUTS steps for memory. Shared by peers/fluxion-models.ts and the smoke test.
import { NDArray, np, random } from "@fluxion/core";
import { jit, valueAndGrad, vmap } from "@fluxion/transforms";
import { NoUTurnSampler, sampleChain } from "@fluxion/mcmc";
import { lbfgsMinimize } from "@fluxion/optim";
import { SCHOOLS_SIGMA, SCHOOLS_Y } from "./models.js";

const F = "float32";

/** log p of eight schools non-centered at q = [mu, log tau, thetaTilde[8]] (see models.ts for the model and its oracle). */
export function schoolsLogProb(q: NDArray): NDArray {
  const dtype = q.dtype === "float64" ? "float64" : F;
  const y = np.array([...SCHOOLS_Y], dtype);
  const sigma = np.array([...SCHOOLS_SIGMA], dtype);
  const mu = q.slice(0);
  const logTau = q.slice(1);
  const tau = np.exp(logTau);
  const thetaTilde = q.slice([2, 10]);
  const prior = np.add(np.multiply(np.square(np.divide(mu, 5)), -0.5), np.subtract(logTau, np.log1p(np.square(np.divide(tau, 5)))));
  const r = np.divide(np.subtract(y, np.add(mu, np.multiply(tau, thetaTilde))), sigma);
  return np.add(prior, np.multiply(np.add(np.sum(np.square(thetaTilde)), np.sum(np.square(r))), -0.5));
}

/** `jit(valueAndGrad(logp))` of eight schools: one JS→jit call per gradient. */
export const schoolsValueAndGrad = (): ((q: NDArray) => [NDArray, NDArray]) => {
  const f = jit(valueAndGrad(schoolsLogProb));
  return (q) => f(q) as [NDArray, NDArray];
};

/**
 * `draws` NUTS transitions of one eight-schools chain (fixed step size 0.3, identity metric, tree
 * depth ≤ 10) as ONE jitted program, returning the last state and the leapfrogs of every transition.
 * µs per leapfrog = time of a call / sum of leapfrogsTaken.
 */
export function schoolsNutsRun(draws: number, stepSize = 0.3): (q0: NDArray, seed: NDArray) => { last: NDArray; leapfrogs: NDArray; samples: NDArray } {
  const kernel = new NoUTurnSampler({ targetLogProbFn: schoolsLogProb as never, stepSize });
  const run = jit((q0: NDArray, seed: NDArray) => {
    const r = sampleChain({ numResults: draws, currentState: q0, kernel, seed, traceFn: (_s, res) => res.leapfrogsTaken });
    const samples = r.states as NDArray;
    return [samples.slice(draws - 1), r.trace, samples];
  });
  return (q0, seed) => {
    const [last, leapfrogs, samples] = run(q0, seed) as [NDArray, NDArray, NDArray];
    return { last, leapfrogs, samples };
  };
}

/** Rosenbrock in n dimensions as a valueAndGrad objective, for @fluxion/optim. */
export function rosenbrock(x: NDArray): NDArray {
  const n = x.shape[x.ndim - 1]!;
  const head = x.slice("...", [0, n - 1]);
  const tail = x.slice("...", [1, n]);
  return np.sum(np.add(np.multiply(np.square(np.subtract(tail, np.square(head))), 100), np.square(np.subtract(1, head))), -1);
}
export const rosenbrockValueAndGrad = (x: NDArray): [NDArray, NDArray] => valueAndGrad(rosenbrock)(x) as [NDArray, NDArray];

export interface LbfgsOutcome { position: NDArray; objectiveValue: NDArray; numObjectiveEvaluations: NDArray; numIterations: NDArray; converged: NDArray }

/** jit(lbfgs) on Rosenbrock with a gradient max-norm tolerance (other tolerances 0, as TFP's defaults). */
export function lbfgsRosenbrock(tolerance: number, maxIterations = 2000): (x0: NDArray) => LbfgsOutcome {
  const f = jit((x0: NDArray) => {
    const r = lbfgsMinimize(rosenbrockValueAndGrad, { initialPosition: x0, tolerance, maxIterations, acceptWolfeInitialStep: true });
    return [r.position, r.objectiveValue, r.numObjectiveEvaluations, r.numIterations, r.converged];
  });
  return (x0) => {
    const [position, objectiveValue, numObjectiveEvaluations, numIterations, converged] = f(x0) as NDArray[];
    return { position: position!, objectiveValue: objectiveValue!, numObjectiveEvaluations: numObjectiveEvaluations!, numIterations: numIterations!, converged: converged! };
  };
}

/** The same minimisation over a batch of starts [B, n]: jit(vmap(lbfgs)), each start its own problem. */
export function lbfgsRosenbrockBatched(tolerance: number, maxIterations = 2000): (x0: NDArray) => LbfgsOutcome {
  const one = (x0: NDArray) => {
    const r = lbfgsMinimize(rosenbrockValueAndGrad, { initialPosition: x0, tolerance, maxIterations, acceptWolfeInitialStep: true });
    return [r.position, r.objectiveValue, r.numObjectiveEvaluations, r.numIterations, r.converged];
  };
  const f = jit(vmap(one));
  return (x0) => {
    const [position, objectiveValue, numObjectiveEvaluations, numIterations, converged] = f(x0) as NDArray[];
    return { position: position!, objectiveValue: objectiveValue!, numObjectiveEvaluations: numObjectiveEvaluations!, numIterations: numIterations!, converged: converged! };
  };
}

/**
 * One jitted NUTS transition of a 2-d standard normal for a batch of chains [C, 2] (the memory workload
 * calls it from a JS loop). The key is split inside (JAX's key, subkey = split(key)) and the next key
 * returned, so a step allocates nothing eagerly.
 */
export function standardNormalNutsStep(stepSize = 0.9): (q: NDArray, key: NDArray) => [NDArray, NDArray, NDArray] {
  const standardNormal = (q: NDArray): NDArray => np.multiply(np.sum(np.square(q), -1), -0.5);
  const kernel = new NoUTurnSampler({ targetLogProbFn: standardNormal as never, stepSize });
  const step = jit((q: NDArray, key: NDArray) => {
    const keys = random.split(key);
    const [next, results] = kernel.oneStep(q, kernel.bootstrapResults(q), keys.slice(1));
    return [next, results.leapfrogsTaken, keys.slice(0)];
  });
  return (q, key) => step(q, key) as [NDArray, NDArray, NDArray];
}

/** A key array for a seed, for the jitted NUTS runs. */
export const seedKey = (seed: number): NDArray => random.key(seed);
