// Pieces shared by BFGS and L-BFGS (TFP's bfgs_utils.py): stopping conditions, the initial state,
// the Hager-Zhang line-search step along a direction, convergence and non-finite checks.
import { NDArray, np, type ArrayLike } from "@fluxion/core";
import { hagerZhang } from "./linesearch/hagerZhang.js";
import type { LinePoint } from "./linesearch/hagerZhangLib.js";
import { dotLast, ifTrue, intScalar, isNegInf, normInf, whereLeft } from "./util.js";

/** `(position [..., n]) -> [value [...], gradient [..., n]]`, e.g. `valueAndGrad(f)`. */
export type ValueAndGradientsFunction = (position: NDArray) => readonly unknown[];

/** Decides from the per-member `converged` and `failed` flags whether the whole search stops. */
export type StoppingCondition = (converged: NDArray, failed: NDArray) => NDArray;

/** Stop when every batch member has converged or failed (TFP's `converged_all`, the default). */
export const convergedAll: StoppingCondition = (converged, failed) => np.all(np.logicalOr(converged, failed));

/** Stop as soon as any batch member converged, or all failed (TFP's `converged_any`). */
export const convergedAny: StoppingCondition = (converged, failed) => np.logicalOr(np.any(converged), np.all(failed));

/** Fields common to the results of BFGS and L-BFGS (TFP's names in camelCase). */
export interface QuasiNewtonState {
  /** Per batch member: the minimum was found within tolerance. */
  converged: NDArray;
  /** Per batch member: a line search failed, or the objective or gradient became non-finite. */
  failed: NDArray;
  /** Iterations of the outer loop (scalar int32). */
  numIterations: NDArray;
  /** Calls of the objective (scalar int32; one batched call counts once, as in TFP). */
  numObjectiveEvaluations: NDArray;
  position: NDArray;
  objectiveValue: NDArray;
  objectiveGradient: NDArray;
}

export interface QuasiNewtonOptions {
  initialPosition?: ArrayLike;
  /** Stop when the max-norm of the gradient is at most this. */
  tolerance?: ArrayLike;
  /** Stop when the max-norm of the position change is at most this. */
  xTolerance?: ArrayLike;
  /** Stop when |f_new - f| <= fRelativeTolerance * f. */
  fRelativeTolerance?: ArrayLike;
  /** Stop when |f_new - f| <= fAbsoluteTolerance. */
  fAbsoluteTolerance?: ArrayLike;
  maxIterations?: ArrayLike;
  /** Accepted for TFP compatibility; iterations always run one after another. */
  parallelIterations?: number;
  stoppingCondition?: StoppingCondition;
  maxLineSearchIterations?: number;
  /**
   * Take the unit step without bracketing when it already satisfies the Wolfe conditions (CG_DESCENT's
   * behaviour; see linesearch.hagerZhang). Default false, TFP's evaluation counts. A Fluxion option.
   */
  acceptWolfeInitialStep?: boolean;
}

export interface Tolerances {
  grad: ArrayLike;
  x: ArrayLike;
  fRelative: ArrayLike;
  fAbsolute: ArrayLike;
}

export function tolerancesOf(o: QuasiNewtonOptions): Tolerances {
  return { grad: o.tolerance ?? 1e-8, x: o.xTolerance ?? 0, fRelative: o.fRelativeTolerance ?? 0, fAbsolute: o.fAbsoluteTolerance ?? 0 };
}

export function evaluate(fn: ValueAndGradientsFunction, position: NDArray): [NDArray, NDArray] {
  const out = fn(position);
  if (!Array.isArray(out) || out.length !== 2) throw new TypeError("bfgs/lbfgs: the objective must return [value, gradient] (for example valueAndGrad(f)).");
  const asArr = (v: unknown) => (v instanceof NDArray ? v : np.asarray(v as ArrayLike, position.dtype === "float64" ? "float64" : undefined));
  return [asArr(out[0]), asArr(out[1])];
}

/** The first evaluation and the initial convergence check (only trusted where the value is finite). */
export function initialStateArgs(fn: ValueAndGradientsFunction, position: NDArray, gradTolerance: ArrayLike): QuasiNewtonState {
  const [f0, g0] = evaluate(fn, position);
  const converged = np.logicalAnd(np.isfinite(f0), np.less(normInf(g0), gradTolerance));
  return {
    converged,
    failed: np.zerosLike(converged),
    numIterations: intScalar(0),
    numObjectiveEvaluations: intScalar(1),
    position,
    objectiveValue: f0,
    objectiveGradient: g0,
  };
}

/**
 * -inf is a global minimum: stop with success. Otherwise a non-finite value or gradient leaves no
 * trustworthy direction: stop with failure (TFP's `terminate_if_not_finite`).
 */
export function terminateIfNotFinite<S extends QuasiNewtonState>(state: S, value = state.objectiveValue, gradient = state.objectiveGradient): S {
  const converged = np.logicalOr(state.converged, isNegInf(value));
  const nonFinite = np.logicalOr(np.logicalNot(np.isfinite(value)), np.any(np.logicalNot(np.isfinite(gradient)), -1));
  return { ...state, converged, failed: np.logicalOr(state.failed, np.logicalAnd(np.logicalNot(converged), nonFinite)) };
}

function checkConvergence(position: NDArray, nextPosition: NDArray, value: NDArray, nextValue: NDArray, nextGradient: NDArray, tol: Tolerances): NDArray {
  const gradConverged = np.lessEqual(normInf(nextGradient), tol.grad);
  const xConverged = np.lessEqual(normInf(np.subtract(nextPosition, position)), tol.x);
  const change = np.abs(np.subtract(nextValue, value));
  const fRelConverged = np.lessEqual(change, np.multiply(value, tol.fRelative));
  const fAbsConverged = np.lessEqual(change, tol.fAbsolute);
  return [gradConverged, xConverged, fRelConverged, fAbsConverged].reduce((a, b) => np.logicalOr(a, b));
}

interface FullPoint extends LinePoint {
  fullGradient: NDArray;
}

/**
 * One line search along `direction` with Hager-Zhang from step 1, then the move to its left end
 * point (TFP's `line_search_step`). Members already converged or failed are masked out of the search.
 */
export function lineSearchStep<S extends QuasiNewtonState>(state: S, fn: ValueAndGradientsFunction, direction: NDArray, tol: Tolerances, stoppingCondition: StoppingCondition, maxLineSearchIterations: number, acceptWolfeInitialStep = false): S {
  const batchShape = state.position.shape.slice(0, -1);
  const lineFn = (t: NDArray): FullPoint => {
    const tb = np.broadcastTo(t, batchShape);
    const [f, g] = evaluate(fn, np.add(state.position, np.multiply(np.expandDims(tb, -1), direction)));
    return { x: tb, f, df: dotLast(g, direction), fullGradient: g };
  };
  const val0: FullPoint = {
    x: np.zeros(batchShape, state.position.dtype),
    f: state.objectiveValue,
    df: dotLast(state.objectiveGradient, direction),
    fullGradient: state.objectiveGradient,
  };
  const inactive = np.logicalOr(state.failed, state.converged);
  const ls = hagerZhang(lineFn, {
    initialStepSize: np.ones(batchShape, state.position.dtype),
    valueAtZero: val0,
    convergedMask: inactive,
    maxIterations: maxLineSearchIterations,
    acceptWolfeInitialStep,
  });
  const afterSearch: S = {
    ...state,
    failed: np.logicalOr(state.failed, np.logicalAnd(np.logicalNot(state.converged), np.logicalNot(ls.converged))),
    numIterations: np.add(state.numIterations, 1),
    numObjectiveEvaluations: np.add(state.numObjectiveEvaluations, ls.funcEvals),
  };
  return ifTrue(stoppingCondition(state.converged, state.failed), () => afterSearch, () => {
    // Inactive members may have an undefined direction: zero their move explicitly.
    const delta = whereLeft(inactive, np.zerosLike(direction), np.multiply(direction, np.expandDims(ls.left.x, -1)));
    return updatePosition(afterSearch, delta, ls.left.f, ls.left.fullGradient, tol);
  });
}

function updatePosition<S extends QuasiNewtonState>(state0: S, delta: NDArray, nextValue: NDArray, nextGradient: NDArray, tol: Tolerances): S {
  const state = terminateIfNotFinite(state0, nextValue, nextGradient);
  const nextPosition = np.add(state.position, delta);
  const converged = np.logicalAnd(np.logicalNot(state.failed), checkConvergence(state.position, nextPosition, state.objectiveValue, nextValue, nextGradient, tol));
  return { ...state, converged: np.logicalOr(state.converged, converged), position: nextPosition, objectiveValue: nextValue, objectiveGradient: nextGradient };
}
