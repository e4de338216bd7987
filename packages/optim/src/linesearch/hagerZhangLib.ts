// Building blocks of the Hager-Zhang line search (Hager & Zhang 2006, "Algorithm 851: CG_DESCENT"):
// the secant² step, the interval update U1-U3, bracketing B1-B3 and the bisection loop, batched over
// leading dimensions. The control flow and the evaluation counting follow TFP's hager_zhang_lib.py so
// that `funcEvals` equals TFP's count on the same problem.
import { NDArray, np } from "@fluxion/core";
import { whileLoop } from "@fluxion/transforms";
import { divideNoNan, ifAny, intScalar, isNegInf, toInt, treeWhere, type Mask } from "../util.js";

/** A point of the line function: step `x`, value `f`, directional derivative `df`, plus extra leaves. */
export interface LinePoint {
  x: NDArray;
  f: NDArray;
  df: NDArray;
  /** Optional extra data carried with the point (BFGS keeps the full gradient here). */
  fullGradient?: NDArray;
}

export type LineFunction<P extends LinePoint> = (x: NDArray) => P;

export const valWhere = <P>(mask: Mask, a: P, b: P): P => treeWhere(mask, a, b);

/** Both the value and the derivative are finite (TFP's `is_finite`). */
export function isFinitePoint(p: LinePoint): NDArray {
  return np.logicalAnd(np.isfinite(p.f), np.isfinite(p.df));
}

/** A NaN value, or a finite value with a NaN derivative: no decision is possible from this point. */
export function badNan(p: LinePoint): NDArray {
  return np.logicalOr(np.isnan(p.f), np.logicalAnd(np.isfinite(p.f), np.isnan(p.df)));
}

/** Finite value with a non-negative slope: a valid right end of a bracket (opposite slopes). */
export function isRising(p: LinePoint): NDArray {
  return np.logicalAnd(np.isfinite(p.f), np.greaterEqual(p.df, 0));
}

/** +inf value, or a descending slope whose value is above f_lim: bisect towards the left end (B2 / U3). */
export function needsBisect(p: LinePoint, fLim: NDArray): NDArray {
  return np.logicalOr(np.greaterEqual(p.f, Infinity), np.logicalAnd(np.less(p.df, 0), np.greater(p.f, fLim)));
}

/** Exact Wolfe (T1) or approximate Wolfe (T2, only where f <= f_lim) conditions, Hager & Zhang (2005) eq. 22-23. */
export function satisfiesWolfe(val0: LinePoint, valC: LinePoint, fLim: NDArray, sufficientDecrease: number, curvature: number): NDArray {
  const exactDecrease = np.greaterEqual(np.multiply(val0.df, sufficientDecrease), divideNoNan(np.subtract(valC.f, val0.f), valC.x));
  const curvatureOk = np.greaterEqual(valC.df, np.multiply(val0.df, curvature));
  const exact = np.logicalAnd(exactDecrease, curvatureOk);
  const approxApplies = np.lessEqual(valC.f, fLim);
  const approxDecrease = np.greaterEqual(np.multiply(val0.df, 2 * sufficientDecrease - 1), valC.df);
  return np.logicalOr(exact, np.logicalAnd(np.logicalAnd(approxApplies, approxDecrease), curvatureOk));
}

/** The secant step: the zero of the linear interpolant of the derivative through a and b. */
export function secant(a: LinePoint, b: LinePoint): NDArray {
  return divideNoNan(np.subtract(np.multiply(a.x, b.df), np.multiply(b.x, a.df)), np.subtract(b.df, a.df));
}

/** State of the bracketing and bisection loops (TFP's `_IntermediateResult`). */
export interface Intermediate<P extends LinePoint> {
  iteration: NDArray;
  stopped: NDArray;
  failed: NDArray;
  numEvals: NDArray;
  left: P;
  right: P;
}

/** The line search's state between phases (TFP's `HagerZhangLineSearchResult`). */
export interface SearchInterval<P extends LinePoint> {
  converged: NDArray;
  failed: NDArray;
  funcEvals: NDArray;
  iterations: NDArray;
  left: P;
  right: P;
}

/**
 * Bisection (step U3 of the update, and B2 of bracketing): halves [left, right] until the right end
 * is rising, keeping a left end with negative slope and value <= f_lim.
 */
export function bisectLoop<P extends LinePoint>(fn: LineFunction<P>, init: Intermediate<P>, fLim: NDArray): Intermediate<P> {
  return whileLoop(
    (curr: Intermediate<P>) => np.logicalNot(np.all(curr.stopped)),
    (curr: Intermediate<P>) => {
      const mid = fn(np.divide(np.add(curr.left.x, curr.right.x), 2));
      // -inf is a minimum: both ends jump there.
      const finished = isNegInf(mid.f);
      const indistinct = np.logicalOr(np.equal(mid.x, curr.left.x), np.equal(mid.x, curr.right.x));
      const failed = np.logicalOr(curr.failed, np.logicalAnd(np.logicalAnd(np.logicalNot(finished), np.logicalNot(curr.stopped)), np.logicalOr(badNan(mid), indistinct)));
      const toUpdate = np.logicalNot(np.logicalOr(curr.stopped, failed));
      const updateLeft = np.logicalAnd(np.less(mid.df, 0), np.lessEqual(mid.f, fLim));
      const left = valWhere(np.logicalAnd(toUpdate, np.logicalOr(updateLeft, finished)), mid, curr.left);
      const right = valWhere(np.logicalAnd(toUpdate, np.logicalOr(np.logicalNot(updateLeft), finished)), mid, curr.right);
      const stopped = np.logicalOr(np.logicalOr(np.logicalOr(curr.stopped, failed), finished), isRising(right));
      return { iteration: curr.iteration, stopped, failed, numEvals: np.add(curr.numEvals, 1), left, right };
    },
    init,
  );
}

/**
 * The interval update U of Hager & Zhang (2006): a trial point inside (left, right) replaces the
 * left end if it descends below f_lim, otherwise the right end; a descending point above f_lim
 * triggers bisection (U3).
 */
export function update<P extends LinePoint>(fn: LineFunction<P>, left: P, right: P, trial: P, fLim: NDArray, active?: Mask): Intermediate<P> {
  let within = np.logicalAnd(np.less(left.x, trial.x), np.less(trial.x, right.x));
  if (active) within = np.logicalAnd(within, active);
  const descends = np.less(trial.df, 0);
  const validLeft = np.logicalAnd(descends, np.lessEqual(trial.f, fLim));
  const bisect = np.logicalAnd(np.logicalAnd(within, descends), np.greater(trial.f, fLim));
  return bisectLoop(fn, {
    iteration: intScalar(0),
    stopped: np.logicalNot(bisect),
    failed: np.zerosLike(within),
    numEvals: intScalar(0),
    left: valWhere(np.logicalAnd(within, validLeft), trial, left),
    right: valWhere(np.logicalAnd(within, np.logicalNot(validLeft)), trial, right),
  }, fLim);
}

/**
 * Bracketing (B1-B3): expands the right end by `expansionParam` until the slopes at the two ends
 * have opposite signs, or a point above f_lim with negative slope (or +inf) calls for bisection.
 */
export function bracket<P extends LinePoint>(fn: LineFunction<P>, interval: SearchInterval<P>, fLim: NDArray, maxIterations: number, expansionParam: number): Intermediate<P> {
  const alreadyStopped = np.logicalOr(interval.failed, interval.converged);
  const failed = badNan(interval.right);
  const stop0 = [alreadyStopped, failed, isNegInf(interval.right.f), isRising(interval.right), needsBisect(interval.right, fLim)].reduce((a, b) => np.logicalOr(a, b));
  const init: Intermediate<P> = {
    iteration: interval.iterations,
    stopped: stop0,
    failed: np.logicalOr(interval.failed, failed),
    numEvals: interval.funcEvals,
    left: interval.left,
    right: interval.right,
  };
  const result = whileLoop(
    (curr: Intermediate<P>) => np.any(np.logicalAnd(np.less(curr.iteration, maxIterations), np.logicalNot(curr.stopped))),
    (curr: Intermediate<P>) => {
      // B3: the right end is a valid left end; move it there and expand.
      const newRight = fn(np.multiply(curr.right.x, expansionParam));
      const left = valWhere(curr.stopped, curr.left, curr.right);
      const right = valWhere(curr.stopped, curr.right, newRight);
      const nowFailed = np.logicalOr(curr.failed, badNan(right));
      const stopped = [curr.stopped, nowFailed, isNegInf(right.f), isRising(right), needsBisect(right, fLim)].reduce((a, b) => np.logicalOr(a, b));
      return {
        iteration: np.add(curr.iteration, toInt(np.logicalNot(curr.stopped))),
        stopped,
        failed: nowFailed,
        numEvals: np.add(curr.numEvals, 1),
        left,
        right,
      };
    },
    init,
  );
  const finished = isNegInf(result.right.f);
  const bisectNeeded = needsBisect(result.right, fLim);
  const stopped = [alreadyStopped, result.failed, finished, isRising(result.right)].reduce((a, b) => np.logicalOr(a, b));
  // B2 bisects between the original left end and the offending right end.
  const left = valWhere(finished, result.right, valWhere(bisectNeeded, interval.left, result.left));
  return bisectLoop(fn, { ...result, stopped, left }, fLim);
}

interface Secant2State<P extends LinePoint> {
  active: NDArray;
  converged: NDArray;
  failed: NDArray;
  numEvals: NDArray;
  left: P;
  right: P;
}

/** The secant² step S1-S4 of Hager & Zhang (2006). */
export function secant2<P extends LinePoint>(fn: LineFunction<P>, val0: P, interval: SearchInterval<P>, fLim: NDArray, sufficientDecrease: number, curvature: number): Secant2State<P> {
  const valC = fn(secant(interval.left, interval.right));
  const finished = isNegInf(valC.f);
  const failed = np.logicalAnd(np.logicalNot(interval.converged), np.logicalOr(interval.failed, np.logicalAnd(np.logicalNot(finished), np.logicalNot(isFinitePoint(valC)))));
  const wolfe = np.logicalAnd(np.logicalNot(failed), satisfiesWolfe(val0, valC, fLim, sufficientDecrease, curvature));
  const converged = np.logicalOr(np.logicalOr(interval.converged, finished), wolfe);
  const newConverged = np.logicalAnd(converged, np.logicalNot(interval.converged));
  const init: Secant2State<P> = {
    active: np.logicalAnd(np.logicalNot(failed), np.logicalNot(converged)),
    converged,
    failed,
    numEvals: np.add(interval.funcEvals, 1),
    left: valWhere(newConverged, valC, interval.left),
    right: valWhere(newConverged, valC, interval.right),
  };
  return ifAny(init.active, () => secant2Inner(fn, init, val0, valC, fLim, sufficientDecrease, curvature), () => init);
}

function secant2Inner<P extends LinePoint>(fn: LineFunction<P>, init: Secant2State<P>, val0: P, valC: P, fLim: NDArray, sufficientDecrease: number, curvature: number): Secant2State<P> {
  // S1: update the interval with c.
  const upd = update(fn, init.left, init.right, valC, fLim, init.active);
  const active = np.logicalAnd(init.active, np.logicalNot(upd.failed));
  const failed = np.logicalOr(init.failed, upd.failed);
  const left = valWhere(active, upd.left, init.left);
  const right = valWhere(active, upd.right, init.right);
  // S2/S3: if c became an end, take the secant step through the old and the new end.
  const updatedLeft = np.logicalAnd(active, np.equal(left.x, valC.x));
  const updatedRight = np.logicalAnd(active, np.equal(right.x, valC.x));
  const isNew = np.logicalOr(updatedLeft, updatedRight);
  let nextC = np.where(updatedLeft, secant(init.left, left), valC.x);
  nextC = np.where(updatedRight, secant(init.right, right), nextC);
  const inRange = np.logicalAnd(np.lessEqual(left.x, nextC), np.lessEqual(nextC, right.x));
  const needsExtraEval = np.any(np.logicalAnd(inRange, isNew));
  const next: Secant2State<P> = {
    active: np.logicalAnd(active, inRange),
    converged: init.converged,
    failed,
    numEvals: np.add(np.add(init.numEvals, upd.numEvals), toInt(needsExtraEval)),
    left,
    right,
  };
  return ifAny(next.active, () => {
    const nextValC = ifAny(needsExtraEval, () => fn(nextC), () => valC);
    return secant2InnerUpdate(fn, next, val0, nextValC, fLim, sufficientDecrease, curvature);
  }, () => next);
}

function secant2InnerUpdate<P extends LinePoint>(fn: LineFunction<P>, init: Secant2State<P>, val0: P, valC: P, fLim: NDArray, sufficientDecrease: number, curvature: number): Secant2State<P> {
  const newFailed = np.logicalAnd(init.active, np.logicalNot(isFinitePoint(valC)));
  let active = np.logicalAnd(init.active, np.logicalNot(newFailed));
  const failed = np.logicalOr(init.failed, newFailed);
  const foundWolfe = np.logicalAnd(active, satisfiesWolfe(val0, valC, fLim, sufficientDecrease, curvature));
  const left = valWhere(foundWolfe, valC, init.left);
  const right = valWhere(foundWolfe, valC, init.right);
  const converged = np.logicalOr(init.converged, foundWolfe);
  active = np.logicalAnd(active, np.logicalNot(foundWolfe));
  // S4: one more update with the new c.
  return ifAny(active, () => {
    const upd = update(fn, left, right, valC, fLim, active);
    return { active: np.zerosLike(active), converged, failed: np.logicalOr(failed, upd.failed), numEvals: np.add(init.numEvals, upd.numEvals), left: upd.left, right: upd.right };
  }, () => ({ active, converged, failed, numEvals: init.numEvals, left, right }));
}
