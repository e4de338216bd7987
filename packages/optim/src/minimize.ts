// `minimize(lossFn, { initialParams, optimizer, numSteps })`: gradient-based training compiled as
// one jitted scan over the steps, returning the final parameters and the trace of losses.
import { NDArray } from "@fluxion/core";
import { jit, scan, valueAndGrad } from "@fluxion/transforms";
import { applyUpdates, type GradientTransformation, type Params } from "./optax.js";

export interface MinimizeOptions<P extends Params, S> {
  initialParams: P;
  optimizer: GradientTransformation<S>;
  numSteps: number;
}

export interface MinimizeResult<P extends Params, S> {
  params: P;
  /** losses[i] is the loss at the parameters before step i. */
  losses: NDArray;
  /** The optimizer state after the last step (to continue training). */
  optState: S;
}

/** Runs `numSteps` optimizer steps on `lossFn(params)` (a scalar) under `jit(scan(...))`. */
export function minimize<P extends Params, S>(lossFn: (params: P) => NDArray, { initialParams, optimizer, numSteps }: MinimizeOptions<P, S>): MinimizeResult<P, S> {
  if (!Number.isInteger(numSteps) || numSteps < 0) throw new RangeError(`minimize: numSteps must be a non-negative integer, got ${numSteps}.`);
  const lossAndGrad = valueAndGrad(lossFn as (p: unknown) => NDArray);
  const run = jit((params0: P) => {
    const [[params, optState], losses] = scan(
      ([p, s]: [P, S], _x: null) => {
        const [loss, grads] = lossAndGrad(p) as [NDArray, Params];
        const [updates, next] = optimizer.update(grads, s, p);
        return [[applyUpdates(p, updates), next], loss] as [[P, S], NDArray];
      },
      [params0, optimizer.init(params0)] as [P, S], null, { length: numSteps },
    );
    return { params, losses, optState };
  });
  return run(initialParams) as MinimizeResult<P, S>;
}
