// BFGS minimisation (Nocedal & Wright 2006, ch. 6) with the Hager-Zhang line search, as TFP's
// `tfp.optimizer.bfgs_minimize`: a pure whileLoop over a pytree state, batched over leading dimensions.
import { ConcreteArray, NDArray, np, type ArrayLike } from "@fluxion/core";
import { whileLoop } from "@fluxion/transforms";
import {
  convergedAll, initialStateArgs, lineSearchStep, terminateIfNotFinite, tolerancesOf,
  type QuasiNewtonOptions, type QuasiNewtonState, type ValueAndGradientsFunction,
} from "./bfgsUtils.js";
import { dotLast, matvec, outer, toArray, whereLeft } from "./util.js";

export interface BfgsOptions extends QuasiNewtonOptions {
  initialPosition: ArrayLike;
  /** Symmetric positive definite [n, n] (or [..., n, n]) starting inverse Hessian; identity by default. */
  initialInverseHessianEstimate?: ArrayLike;
  /** Rescale the initial inverse Hessian on the first update (Nocedal & Wright eq. 6.20); default true. */
  scaleInitialInverseHessian?: boolean;
  /** Check that a given initial inverse Hessian is symmetric positive definite (concrete inputs only). */
  validateArgs?: boolean;
}

export interface BfgsResults extends QuasiNewtonState {
  /** The final inverse Hessian estimate, [..., n, n]. */
  inverseHessianEstimate: NDArray;
}

/** `bfgsMinimize(valueAndGradientsFunction, options)`: see TFP's bfgs_minimize for semantics. */
export function bfgsMinimize(valueAndGradientsFunction: ValueAndGradientsFunction, options: BfgsOptions): BfgsResults {
  const position = toArray(options.initialPosition);
  if (position.ndim < 1) throw new RangeError(`bfgsMinimize: initialPosition must have shape [..., n], got a scalar; wrap it as [x].`);
  const n = position.shape[position.ndim - 1]!;
  const batchShape = position.shape.slice(0, -1);
  const tol = tolerancesOf(options);
  const maxIterations = options.maxIterations ?? 50;
  const stoppingCondition = options.stoppingCondition ?? convergedAll;
  const maxLineSearchIterations = options.maxLineSearchIterations ?? 50;
  const scaleInitial = options.scaleInitialInverseHessian ?? true;
  let initialInvHessian: NDArray;
  if (options.initialInverseHessianEstimate === undefined) {
    initialInvHessian = np.broadcastTo(np.eye(n, n, 0, position.dtype), [...batchShape, n, n]);
  } else {
    const h = toArray(options.initialInverseHessianEstimate, position.dtype === "float64" ? "float64" : "float32");
    if (options.validateArgs ?? true) validateInverseHessian(h);
    initialInvHessian = np.broadcastTo(h, [...batchShape, n, n]);
  }

  const initial: BfgsResults = { ...initialStateArgs(valueAndGradientsFunction, position, tol.grad), inverseHessianEstimate: initialInvHessian };
  return whileLoop(
    (s: BfgsResults) => np.logicalAnd(np.less(s.numIterations, maxIterations), np.logicalNot(stoppingCondition(s.converged, s.failed))),
    (s0: BfgsResults) => {
      const state = terminateIfNotFinite(s0);
      const direction = np.negative(matvec(state.inverseHessianEstimate, state.objectiveGradient));
      // Not a descent direction (possible after round-off): restart from the initial inverse Hessian.
      const needsReset = np.logicalAnd(np.logicalNot(np.logicalOr(state.failed, state.converged)), np.greaterEqual(dotLast(state.objectiveGradient, direction), 0));
      const resetDirection = np.negative(matvec(initialInvHessian, state.objectiveGradient));
      const current: BfgsResults = { ...state, inverseHessianEstimate: whereLeft(needsReset, initialInvHessian, state.inverseHessianEstimate) };
      const next = lineSearchStep(current, valueAndGradientsFunction, whereLeft(needsReset, resetDirection, direction), tol, stoppingCondition, maxLineSearchIterations, options.acceptWolfeInitialStep ?? false);
      return updateInverseHessian(current, next, scaleInitial);
    },
    initial,
  );
}

function updateInverseHessian(prev: BfgsResults, next: BfgsResults, scaleInitial: boolean): BfgsResults {
  const gradientDelta = np.subtract(next.objectiveGradient, prev.objectiveGradient);
  const positionDelta = np.subtract(next.position, prev.position);
  const normalization = dotLast(gradientDelta, positionDelta);
  const shouldUpdate = np.logicalAnd(np.logicalNot(np.logicalOr(next.converged, next.failed)), np.notEqual(normalization, 0));
  // First-step scaling y's / y'y of the initial estimate (Nocedal & Wright eq. 6.20).
  const firstStep = np.logicalAnd(np.equal(prev.numIterations, 0), scaleInitial);
  const scale = np.where(firstStep, np.divide(normalization, dotLast(gradientDelta, gradientDelta)), 1);
  const scaled = np.multiply(np.expandDims(scale, [-1, -2]), prev.inverseHessianEstimate);
  const updated = whereLeft(shouldUpdate, bfgsInverseHessianUpdate(gradientDelta, positionDelta, normalization, scaled), scaled);
  // TFP only replaces the estimate when some member updates; otherwise it keeps the unscaled one.
  return { ...next, inverseHessianEstimate: np.where(np.any(shouldUpdate), updated, next.inverseHessianEstimate) };
}

/**
 * H+ = H + [(1 + y'Hy / y's) s s' - (s (Hy)' + (Hy) s')] / y's, the expanded form of
 * (I - rho s y') H (I - rho y s') + rho s s' that needs only matrix-vector products.
 */
function bfgsInverseHessianUpdate(y: NDArray, s: NDArray, ys: NDArray, h: NDArray): NDArray {
  const hy = matvec(h, y);
  const yhy = dotLast(hy, y);
  const cross = np.add(outer(s, hy), outer(hy, s));
  const ysM = np.expandDims(ys, [-1, -2]);
  const positionTerm = np.multiply(outer(s, s), np.add(1, np.divide(np.expandDims(yhy, [-1, -2]), ysM)));
  return np.add(h, np.divide(np.subtract(positionTerm, cross), ysM));
}

/** TFP's validate_args checks: symmetric and positive definite (Cholesky succeeds). Only for concrete arrays. */
function validateInverseHessian(h: NDArray): void {
  if (!(h instanceof ConcreteArray)) return;
  const asymmetry = np.max(np.abs(np.subtract(h, np.swapaxes(h, -1, -2)))).item();
  let positiveDefinite: boolean;
  try {
    positiveDefinite = np.all(np.isfinite(np.linalg.cholesky(h))).item() === 1;
  } catch {
    positiveDefinite = false;
  }
  if (!positiveDefinite) throw new RangeError("bfgsMinimize: initialInverseHessianEstimate is not positive definite; pass a symmetric positive definite matrix, or validateArgs: false.");
  if (asymmetry !== 0) throw new RangeError("bfgsMinimize: initialInverseHessianEstimate is not symmetric; pass a symmetric positive definite matrix, or validateArgs: false.");
}
