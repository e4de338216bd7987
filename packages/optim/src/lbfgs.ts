// L-BFGS minimisation (Nocedal & Wright 2006, alg. 7.4-7.5) with the Hager-Zhang line search, as
// TFP's `tfp.optimizer.lbfgs_minimize`: a pure whileLoop, batched over leading dimensions, resumable.
import { NDArray, np, type ArrayLike } from "@fluxion/core";
import { scan, whileLoop } from "@fluxion/transforms";
import {
  convergedAll, initialStateArgs, lineSearchStep, terminateIfNotFinite, tolerancesOf,
  type QuasiNewtonOptions, type QuasiNewtonState, type ValueAndGradientsFunction,
} from "./bfgsUtils.js";
import { divideNoNan, dotLast, toArray, whereLeft } from "./util.js";

export interface LbfgsOptions extends QuasiNewtonOptions {
  /** Exactly one of `initialPosition` and `previousOptimizerResults` must be given. */
  initialPosition?: ArrayLike;
  /** Resume from an earlier result (e.g. with another stopping condition); counts carry on. */
  previousOptimizerResults?: LbfgsResults;
  /** Correction pairs kept (m in Nocedal & Wright); default 10. */
  numCorrectionPairs?: number;
  /** Not supported, as in TFP. */
  initialInverseHessianEstimate?: undefined;
}

export interface LbfgsResults extends QuasiNewtonState {
  /** The last `numCorrectionPairs` position changes, oldest first: [m, ..., n]. */
  positionDeltas: NDArray;
  /** The matching gradient changes: [m, ..., n]. */
  gradientDeltas: NDArray;
}

/** `lbfgsMinimize(valueAndGradientsFunction, options)`: see TFP's lbfgs_minimize for semantics. */
export function lbfgsMinimize(valueAndGradientsFunction: ValueAndGradientsFunction, options: LbfgsOptions): LbfgsResults {
  if (options.initialInverseHessianEstimate !== undefined) throw new RangeError("lbfgsMinimize: initialInverseHessianEstimate is not supported (as in TFP); use bfgsMinimize.");
  if ((options.initialPosition === undefined) === (options.previousOptimizerResults === undefined)) {
    throw new RangeError("lbfgsMinimize: pass exactly one of initialPosition and previousOptimizerResults.");
  }
  const tol = tolerancesOf(options);
  const maxIterations = options.maxIterations ?? 50;
  const stoppingCondition = options.stoppingCondition ?? convergedAll;
  const maxLineSearchIterations = options.maxLineSearchIterations ?? 50;
  let initial: LbfgsResults;
  if (options.previousOptimizerResults) {
    initial = options.previousOptimizerResults;
  } else {
    const position = toArray(options.initialPosition!);
    if (position.ndim < 1) throw new RangeError("lbfgsMinimize: initialPosition must have shape [..., n], got a scalar; wrap it as [x].");
    const emptyQueue = np.zeros([options.numCorrectionPairs ?? 10, ...position.shape], position.dtype);
    initial = { ...initialStateArgs(valueAndGradientsFunction, position, tol.grad), positionDeltas: emptyQueue, gradientDeltas: emptyQueue };
  }
  return whileLoop(
    (s: LbfgsResults) => np.logicalAnd(np.less(s.numIterations, maxIterations), np.logicalNot(stoppingCondition(s.converged, s.failed))),
    (s0: LbfgsResults) => {
      const current = terminateIfNotFinite(s0);
      const next = lineSearchStep(current, valueAndGradientsFunction, searchDirection(current), tol, stoppingCondition, maxLineSearchIterations, options.acceptWolfeInitialStep ?? false);
      const shouldUpdate = np.logicalNot(np.logicalOr(next.converged, next.failed));
      return {
        ...next,
        positionDeltas: queuePush(current.positionDeltas, shouldUpdate, np.subtract(next.position, current.position)),
        gradientDeltas: queuePush(current.gradientDeltas, shouldUpdate, np.subtract(next.objectiveGradient, current.objectiveGradient)),
      };
    },
    initial,
  );
}

/**
 * The two-loop recursion (Nocedal & Wright alg. 7.4) for -H g. Empty (zero) pairs contribute nothing
 * thanks to divide-no-nan, so the whole queue is scanned; with no pairs yet the direction is -g.
 */
function searchDirection(state: LbfgsResults): NDArray {
  const s = state.positionDeltas;
  const y = state.gradientDeltas;
  const invRhos = dotLast(y, s);
  const [q, alphas] = scan(
    (qc: NDArray, [si, yi, ri]: [NDArray, NDArray, NDArray]) => {
      const alpha = divideNoNan(dotLast(si, qc), ri);
      return [np.subtract(qc, np.multiply(np.expandDims(alpha, -1), yi)), alpha] as [NDArray, NDArray];
    },
    state.objectiveGradient, [s, y, invRhos], { reverse: true },
  );
  const m = s.shape[0]!;
  const yLast = y.slice(m - 1);
  const sLast = s.slice(m - 1);
  // gamma_k = s'y / y'y scales the initial matrix (Nocedal & Wright eq. 7.20).
  const gamma = np.divide(dotLast(yLast, sLast), dotLast(yLast, yLast));
  const r0 = np.multiply(np.expandDims(gamma, -1), q);
  const [r] = scan(
    (rc: NDArray, [alpha, si, yi, ri]: [NDArray, NDArray, NDArray, NDArray]) => {
      const beta = divideNoNan(dotLast(yi, rc), ri);
      return [np.add(rc, np.multiply(np.expandDims(np.subtract(alpha, beta), -1), si)), null] as [NDArray, null];
    },
    r0, [alphas, s, y, invRhos],
  );
  const noPairs = np.equal(state.numIterations, 0);
  return np.where(noPairs, np.negative(state.objectiveGradient), np.negative(r));
}

/** Pushes `newVecs` at the back of each member's FIFO queue where `shouldUpdate`, dropping the oldest. */
function queuePush(queue: NDArray, shouldUpdate: NDArray, newVecs: NDArray): NDArray {
  const m = queue.shape[0]!;
  const shifted = np.concatenate([queue.slice([1, m]), np.expandDims(newVecs, 0)], 0);
  return whereLeft(np.expandDims(shouldUpdate, 0), shifted, queue);
}
