// The Hager-Zhang inexact line search (Hager & Zhang 2006, "Algorithm 851: CG_DESCENT"), as TFP's
// `tfp.optimizer.linesearch.hager_zhang`: bracket, then secant² steps with bisection fallback, until
// the exact or approximate Wolfe conditions hold. Batched over leading dimensions of the step.
import { NDArray, np, type ArrayLike } from "@fluxion/core";
import { whileLoop } from "@fluxion/transforms";
import { ifAny, intScalar, toInt, veryClose, withinOneUlp, type Mask } from "../util.js";
import {
  bracket, isFinitePoint, satisfiesWolfe, secant2, update, valWhere,
  type LineFunction, type LinePoint, type SearchInterval,
} from "./hagerZhangLib.js";

export type { LinePoint, LineFunction } from "./hagerZhangLib.js";

export interface HagerZhangOptions<P extends LinePoint> {
  /** First trial step (default 1); must be positive. Ignored when `valueAtInitialStep` is given. */
  initialStepSize?: ArrayLike;
  /** The line function at the initial step, if the caller already has it. */
  valueAtInitialStep?: P;
  /** The line function at 0, if the caller already has it (its `df` must be negative). */
  valueAtZero?: P;
  /** Batch members already done: reported converged, both ends set to `valueAtZero` (TFP's `converged`). */
  convergedMask?: ArrayLike;
  /** Alias of `convergedMask`, TFP's argument name. */
  converged?: ArrayLike;
  /** Hager-Zhang's epsilon: approximate Wolfe applies where f <= f(0) + epsilon |f(0)|. */
  thresholdUseApproximateWolfeCondition?: number;
  /** gamma: bisect when a secant² step shrinks the interval by less than this factor. */
  shrinkageParam?: number;
  /** rho: growth factor of the right end while bracketing. */
  expansionParam?: number;
  /** delta of the (approximate) sufficient-decrease condition. */
  sufficientDecreaseParam?: number;
  /** sigma of the curvature condition. */
  curvatureParam?: number;
  /** Bracketing and secant² iterations allowed. */
  maxIterations?: number;
  /**
   * Accept the initial step at once when it satisfies the (approximate) Wolfe conditions, as
   * CG_DESCENT does (Hager & Zhang 2006, Algorithm 851, before its bracketing). Default false: TFP
   * always brackets and takes a secant step, so an accepted unit step costs two evaluations instead
   * of one (a Fluxion option, not TFP's; `funcEvals` then no longer matches TFP's count).
   */
  acceptWolfeInitialStep?: boolean;
}

export interface HagerZhangResult<P extends LinePoint> {
  /** A point satisfying the (approximate) Wolfe conditions was found; then `left` equals `right`. */
  converged: NDArray;
  /** The search failed (non-finite values where no decision is possible, or iterations exhausted). */
  failed: NDArray;
  /** Objective evaluations made: a scalar (one batched call counts once, as in TFP). */
  funcEvals: NDArray;
  /** Line search iterations per batch member. */
  iterations: NDArray;
  left: P;
  right: P;
}

/**
 * A NaN value (or a finite value with a NaN slope) is treated as +inf, so the search shrinks the step
 * and retries instead of failing. TFP fails on NaN; its +inf path (bisect towards the left end) is
 * the successor of its old `_fix_step_size`, and this extends it to NaN (README: deviations).
 */
function sanitize<P extends LinePoint>(p: P): P {
  const bad = np.logicalOr(np.isnan(p.f), np.logicalAnd(np.isfinite(p.f), np.isnan(p.df)));
  return { ...p, f: np.where(bad, Infinity, p.f) };
}

/** `linesearch.hagerZhang(valueAndGradientsFunction, options)`: see TFP's hager_zhang for semantics. */
export function hagerZhang<P extends LinePoint>(valueAndGradientsFunction: LineFunction<P>, options: HagerZhangOptions<P> = {}): HagerZhangResult<P> {
  const {
    thresholdUseApproximateWolfeCondition = 1e-6,
    shrinkageParam = 0.66,
    expansionParam = 5.0,
    sufficientDecreaseParam = 0.1,
    curvatureParam = 0.9,
    maxIterations = 50,
  } = options;
  const fn: LineFunction<P> = (x) => sanitize(valueAndGradientsFunction(x));
  let evals = 0;
  let valInitial = options.valueAtInitialStep;
  if (valInitial === undefined) {
    // A plain-number step takes the dtype of valueAtZero's step when given (float32 otherwise, as TFP).
    const dtype = options.valueAtZero?.x.dtype === "float64" ? "float64" : "float32";
    const step = options.initialStepSize instanceof NDArray ? options.initialStepSize : np.asarray(options.initialStepSize ?? 1, dtype);
    valInitial = fn(step);
    evals += 1;
  } else {
    valInitial = sanitize(valInitial);
  }
  let val0 = options.valueAtZero;
  if (val0 === undefined) {
    val0 = fn(np.zerosLike(valInitial.x));
    evals += 1;
  }
  const fLim = np.add(val0.f, np.multiply(np.abs(val0.f), thresholdUseApproximateWolfeCondition));
  const validInputs = [isFinitePoint(val0), np.less(val0.df, 0), np.isfinite(valInitial.x), np.greater(valInitial.x, 0)].reduce((a, b) => np.logicalAnd(a, b));
  const convergedArg = options.convergedMask ?? options.converged;
  const initConverged = convergedArg === undefined ? np.zerosLike(validInputs) : np.broadcastTo(np.asarray(convergedArg as ArrayLike), validInputs.shape);
  const failed = np.logicalAnd(np.logicalNot(initConverged), np.logicalNot(validInputs));
  // Members whose initial step already satisfies Wolfe end there: both ends at the initial point.
  const wolfeAtInitial = options.acceptWolfeInitialStep
    ? np.logicalAnd(np.logicalAnd(np.logicalNot(initConverged), validInputs), np.logicalAnd(isFinitePoint(valInitial), satisfiesWolfe(val0, valInitial, fLim, sufficientDecreaseParam, curvatureParam)))
    : np.zerosLike(initConverged);
  const initInterval: SearchInterval<P> = {
    converged: np.logicalOr(initConverged, wolfeAtInitial),
    failed,
    funcEvals: intScalar(evals),
    iterations: np.zeros(validInputs.shape, "int32"),
    left: options.acceptWolfeInitialStep ? valWhere(wolfeAtInitial, valInitial, val0) : val0,
    right: valWhere(initConverged, val0, valInitial),
  };
  const active = np.logicalAnd(np.logicalNot(failed), np.logicalNot(initInterval.converged));
  const v0 = val0;
  return ifAny(active, () => bracketAndSearch(fn, initInterval, v0, fLim, maxIterations, shrinkageParam, expansionParam, sufficientDecreaseParam, curvatureParam), () => initInterval);
}

function bracketAndSearch<P extends LinePoint>(fn: LineFunction<P>, init: SearchInterval<P>, val0: P, fLim: NDArray, maxIterations: number, shrinkage: number, expansion: number, sufficientDecrease: number, curvature: number): HagerZhangResult<P> {
  const br = bracket(fn, init, fLim, maxIterations, expansion);
  const converged = np.logicalOr(init.converged, veryClose(br.left.x, br.right.x));
  const exhausted = np.logicalAnd(np.logicalNot(converged), np.greaterEqual(br.iteration, maxIterations));
  const interval: SearchInterval<P> = {
    converged,
    failed: np.logicalOr(br.failed, exhausted),
    iterations: br.iteration,
    funcEvals: br.numEvals,
    left: br.left,
    right: br.right,
  };
  const searched = searchAfterBracketing(fn, interval, val0, fLim, maxIterations, sufficientDecrease, curvature, shrinkage);
  return wolfeEndWhenConverged(searched, val0, fLim, sufficientDecrease, curvature);
}

/**
 * A search can also converge without a Wolfe point: the interval shrank to adjacent floats, or the
 * function is flat across it. TFP then returns its left end, which callers take as the step; when
 * only the right end satisfies the (approximate) Wolfe conditions, that end is the one to take (both
 * ends become it, as for a Wolfe point found by secant²). No evaluations are added.
 */
function wolfeEndWhenConverged<P extends LinePoint>(s: SearchInterval<P>, val0: P, fLim: NDArray, sufficientDecrease: number, curvature: number): SearchInterval<P> {
  const leftWolfe = satisfiesWolfe(val0, s.left, fLim, sufficientDecrease, curvature);
  const rightWolfe = np.logicalAnd(isFinitePoint(s.right), satisfiesWolfe(val0, s.right, fLim, sufficientDecrease, curvature));
  const takeRight = [s.converged, np.logicalNot(s.failed), np.logicalNot(leftWolfe), rightWolfe].reduce((a, b) => np.logicalAnd(a, b));
  return { ...s, left: valWhere(takeRight, s.right, s.left) };
}

/** The main loop once a bracket is known: secant², then bisection when the interval did not shrink enough. */
function searchAfterBracketing<P extends LinePoint>(fn: LineFunction<P>, interval: SearchInterval<P>, val0: P, fLim: NDArray, maxIterations: number, sufficientDecrease: number, curvature: number, shrinkage: number): SearchInterval<P> {
  const isActive = (s: SearchInterval<P>) => np.logicalNot(np.logicalOr(s.converged, s.failed));
  return whileLoop(
    (curr: SearchInterval<P>) => np.any(np.logicalAnd(np.less(curr.iterations, maxIterations), isActive(curr))),
    (curr: SearchInterval<P>) => {
      const active = isActive(curr);
      const s2 = secant2(fn, val0, curr, fLim, sufficientDecrease, curvature);
      const afterSecant: SearchInterval<P> = {
        converged: np.logicalAnd(s2.converged, np.logicalNot(curr.failed)),
        failed: np.logicalOr(s2.failed, curr.failed),
        iterations: np.add(curr.iterations, toInt(active)),
        funcEvals: s2.numEvals,
        left: s2.left,
        right: s2.right,
      };
      const shouldCheckShrinkage = np.logicalNot(np.logicalOr(afterSecant.converged, afterSecant.failed));
      const next = ifAny(shouldCheckShrinkage, () => {
        const oldWidth = np.subtract(curr.right.x, curr.left.x);
        const newWidth = np.subtract(afterSecant.right.x, afterSecant.left.x);
        const sufficientShrinkage = np.less(newWidth, np.multiply(oldWidth, shrinkage));
        const flat = np.logicalAnd(withinOneUlp(curr.left.f, curr.right.f), withinOneUlp(afterSecant.left.f, afterSecant.right.f));
        const newConverged = np.logicalAnd(np.logicalAnd(shouldCheckShrinkage, sufficientShrinkage), flat);
        const needsInnerBisect = np.logicalAnd(shouldCheckShrinkage, np.logicalNot(sufficientShrinkage));
        const args = { ...afterSecant, converged: np.logicalOr(afterSecant.converged, newConverged) };
        return ifAny(needsInnerBisect, () => innerBisection(fn, args, needsInnerBisect, fLim), () => args);
      }, () => afterSecant);
      const shrunk = np.logicalAnd(np.logicalNot(next.failed), veryClose(next.left.x, next.right.x));
      return { ...next, converged: np.logicalOr(next.converged, shrunk) };
    },
    interval,
  );
}

/** Step L2 of Hager & Zhang: evaluate the midpoint and update the interval with it. */
function innerBisection<P extends LinePoint>(fn: LineFunction<P>, interval: SearchInterval<P>, active: Mask, fLim: NDArray): SearchInterval<P> {
  const valMid = fn(np.divide(np.add(interval.left.x, interval.right.x), 2));
  const valid = isFinitePoint(valMid);
  const stillActive = np.logicalAnd(active, valid);
  const next: SearchInterval<P> = {
    ...interval,
    failed: np.logicalOr(interval.failed, np.logicalAnd(active, np.logicalNot(valid))),
    funcEvals: np.add(interval.funcEvals, 1),
  };
  return ifAny(stillActive, () => {
    const upd = update(fn, next.left, next.right, valMid, fLim, stillActive);
    return {
      converged: next.converged,
      failed: np.logicalOr(next.failed, upd.failed),
      iterations: np.add(next.iterations, upd.iteration),
      funcEvals: np.add(next.funcEvals, upd.numEvals),
      left: upd.left,
      right: upd.right,
    };
  }, () => next);
}
