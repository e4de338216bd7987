// Nelder-Mead simplex minimisation (Nelder & Mead 1965) with the dimension-adaptive coefficients of
// Gao & Han (2012), as TFP's `tfp.optimizer.nelder_mead_minimize`: a pure whileLoop that jits and vmaps.
import { NDArray, np, type ArrayLike } from "@fluxion/core";
import { switchCase, vmap, whileLoop } from "@fluxion/transforms";
import { ifTrue, intScalar, toArray } from "./util.js";

/** `(point [n]) -> value []`, or with `batchEvaluateObjective`, `(points [k, n]) -> values [k]`. */
export type ObjectiveFunction = (x: NDArray) => NDArray | number;

export interface NelderMeadOptions {
  /** The starting simplex, [n + 1, n]. Exclusive with `initialVertex`. */
  initialSimplex?: ArrayLike;
  /** One vertex; the others are it plus `stepSizes` along each axis. */
  initialVertex?: ArrayLike;
  /** Per-axis steps for building the simplex from `initialVertex` (default 5% of each coordinate, 2.5e-4 at 0). */
  stepSizes?: ArrayLike;
  /** Objective values at `initialSimplex`, if known (saves n + 1 evaluations). */
  objectiveAtInitialSimplex?: ArrayLike;
  /** Objective value at `initialVertex`, if known. */
  objectiveAtInitialVertex?: ArrayLike;
  /** The objective takes a batch of points [k, n] and returns [k] values. */
  batchEvaluateObjective?: boolean;
  /** Converged when the spread of objective values over the simplex is below this. */
  funcTolerance?: number;
  /** Converged when every vertex is within this (max-norm) of the best one. */
  positionTolerance?: number;
  /** Accepted for TFP compatibility; ignored. */
  parallelIterations?: number;
  /** Unbounded when undefined, as in TFP. */
  maxIterations?: number;
  reflection?: number;
  expansion?: number;
  contraction?: number;
  shrinkage?: number;
}

export interface NelderMeadResults {
  converged: NDArray;
  numObjectiveEvaluations: NDArray;
  /** The best vertex of the final simplex. */
  position: NDArray;
  objectiveValue: NDArray;
  finalSimplex: NDArray;
  finalObjectiveValues: NDArray;
  initialSimplex: NDArray;
  initialObjectiveValues: NDArray;
  numIterations: NDArray;
}

interface LoopState {
  converged: NDArray;
  numIterations: NDArray;
  simplex: NDArray;
  values: NDArray;
  numEvaluations: NDArray;
}

/** `nelderMeadMinimize(objectiveFunction, options)`: see TFP's nelder_mead.minimize for semantics. */
export function nelderMeadMinimize(objectiveFunction: ObjectiveFunction, options: NelderMeadOptions): NelderMeadResults {
  const evaluateMany = (points: NDArray): NDArray => {
    const out = options.batchEvaluateObjective ? objectiveFunction(points) : vmap((p: NDArray) => toValue(objectiveFunction(p), p))(points);
    return toValue(out as NDArray | number, points);
  };
  const evaluateOne = (p: NDArray): NDArray =>
    options.batchEvaluateObjective ? np.reshape(toValue(objectiveFunction(np.expandDims(p, 0)), p), []) : toValue(objectiveFunction(p), p);
  const [simplex, values, initialEvals] = prepareSimplex(options, evaluateMany);
  const dim = simplex.shape[1]!;
  const reflection = options.reflection ?? 1;
  const expansion = options.expansion ?? 1 + 2 / dim;
  const contraction = options.contraction ?? 0.75 - 1 / (2 * dim);
  const shrinkage = options.shrinkage ?? 1 - 1 / dim;
  const funcTolerance = options.funcTolerance ?? 1e-8;
  const positionTolerance = options.positionTolerance ?? 1e-8;
  const { maxIterations } = options;

  const step = (state: LoopState): LoopState => {
    const { simplex: s, values: v } = state;
    const n1 = dim + 1;
    const best = np.argmin(v);
    const worst = lastArgmax(v);
    const secondWorst = lastArgmax(np.where(oneHot(worst, n1), -Infinity, v));
    const worstVertex = row(s, worst);
    const bestVertex = row(s, best);
    const [bestValue, worstValue, secondWorstValue] = [pick(v, best), pick(v, worst), pick(v, secondWorst)];
    const centroid = np.divide(np.subtract(np.sum(s, 0), worstVertex), dim);
    const reflected = np.add(centroid, np.multiply(np.subtract(centroid, worstVertex), reflection));
    const fReflected = evaluateOne(reflected);
    const converged = np.logicalOr(
      np.less(np.abs(np.subtract(worstValue, bestValue)), funcTolerance),
      np.less(np.max(np.abs(np.subtract(s, bestVertex))), positionTolerance),
    );
    const replaceWorst = (p: NDArray, f: NDArray): [NDArray, NDArray] => [
      np.where(np.expandDims(oneHot(worst, n1), -1), np.broadcastTo(p, s.shape), s),
      np.where(oneHot(worst, n1), f, v),
    ];
    const no = np.array(false);
    type Out = [NDArray, NDArray, NDArray, NDArray];
    const shrink = (): Out => {
      const shrunk = np.add(bestVertex, np.multiply(np.subtract(s, bestVertex), shrinkage));
      return [no, shrunk, evaluateMany(shrunk), intScalar(n1)];
    };
    // The contraction point is counted even when it is rejected for a shrink (TFP omits it).
    const contractOr = (point: NDArray, accept: (f: NDArray) => NDArray): Out => {
      const f = evaluateOne(point);
      return ifTrue(accept(f), (): Out => [no, ...replaceWorst(point, f), intScalar(1)], (): Out => {
        const [c, shrunk, shrunkValues] = shrink();
        return [c, shrunk, shrunkValues, intScalar(n1 + 1)];
      });
    };
    const branches: (() => Out)[] = [
      () => [np.array(true), s, v, intScalar(0)],
      () => [no, ...replaceWorst(reflected, fReflected), intScalar(0)],
      () => {
        const expanded = np.add(centroid, np.multiply(np.subtract(reflected, centroid), expansion));
        const fExpanded = evaluateOne(expanded);
        const better = np.less(fExpanded, fReflected);
        return [no, ...replaceWorst(np.where(better, expanded, reflected), np.where(better, fExpanded, fReflected)), intScalar(1)];
      },
      () => contractOr(np.add(centroid, np.multiply(np.subtract(reflected, centroid), contraction)), (f) => np.lessEqual(f, fReflected)),
      () => contractOr(np.subtract(centroid, np.multiply(np.subtract(centroid, worstVertex), contraction)), (f) => np.lessEqual(f, worstValue)),
    ];
    // The first case that holds, in TFP's order: converged, accept reflection, expand, outside contraction, inside contraction.
    const acceptReflected = np.logicalAnd(np.less(fReflected, secondWorstValue), np.greaterEqual(fReflected, bestValue));
    const expand = np.less(fReflected, bestValue);
    const outside = np.logicalAnd(np.less(fReflected, worstValue), np.greaterEqual(fReflected, secondWorstValue));
    const index = np.where(converged, 0, np.where(acceptReflected, 1, np.where(expand, 2, np.where(outside, 3, 4))));
    const [conv, nextSimplex, nextValues, caseEvals] = switchCase(np.astype(index, "int32"), branches.map((b) => () => b())) as Out;
    return {
      converged: conv,
      numIterations: np.add(state.numIterations, 1),
      simplex: nextSimplex,
      values: nextValues,
      numEvaluations: np.add(np.add(state.numEvaluations, 1), caseEvals),
    };
  };

  const final = whileLoop(
    (s: LoopState) => (maxIterations === undefined ? np.logicalNot(s.converged) : np.logicalAnd(np.logicalNot(s.converged), np.less(s.numIterations, maxIterations))),
    step,
    { converged: np.array(false), numIterations: intScalar(0), simplex, values, numEvaluations: intScalar(initialEvals) },
  );
  const best = np.argmin(final.values);
  return {
    converged: final.converged,
    numObjectiveEvaluations: final.numEvaluations,
    position: row(final.simplex, best),
    objectiveValue: pick(final.values, best),
    finalSimplex: final.simplex,
    finalObjectiveValues: final.values,
    initialSimplex: simplex,
    initialObjectiveValues: values,
    numIterations: final.numIterations,
  };
}

function toValue(v: NDArray | number, like: NDArray): NDArray {
  return v instanceof NDArray ? v : np.asarray(v, like.dtype === "float64" ? "float64" : "float32");
}

function prepareSimplex(o: NelderMeadOptions, evaluateMany: (p: NDArray) => NDArray): [NDArray, NDArray, number] {
  if (o.objectiveAtInitialSimplex !== undefined && o.initialSimplex === undefined) throw new RangeError("nelderMeadMinimize: objectiveAtInitialSimplex was given without initialSimplex.");
  if (o.objectiveAtInitialVertex !== undefined && o.initialVertex === undefined) throw new RangeError("nelderMeadMinimize: objectiveAtInitialVertex was given without initialVertex.");
  if (o.initialSimplex !== undefined) {
    if (o.initialVertex !== undefined) throw new RangeError("nelderMeadMinimize: pass only one of initialSimplex and initialVertex.");
    if (o.stepSizes !== undefined) throw new RangeError("nelderMeadMinimize: stepSizes cannot be used with initialSimplex.");
    const simplex = toArray(o.initialSimplex);
    if (simplex.ndim !== 2 || simplex.shape[0] !== simplex.shape[1]! + 1) throw new RangeError(`nelderMeadMinimize: initialSimplex must have shape [n + 1, n], got [${simplex.shape}].`);
    if (o.objectiveAtInitialSimplex !== undefined) return [simplex, toArray(o.objectiveAtInitialSimplex, simplex.dtype === "float64" ? "float64" : "float32"), 0];
    return [simplex, evaluateMany(simplex), simplex.shape[0]!];
  }
  if (o.initialVertex === undefined) throw new RangeError("nelderMeadMinimize: pass initialSimplex or initialVertex.");
  const vertex = toArray(o.initialVertex);
  if (vertex.ndim !== 1) throw new RangeError(`nelderMeadMinimize: initialVertex must be a vector [n], got shape [${vertex.shape}].`);
  const dim = vertex.shape[0]!;
  const steps = o.stepSizes !== undefined ? np.broadcastTo(toArray(o.stepSizes, vertex.dtype === "float64" ? "float64" : "float32"), [dim])
    : np.where(np.less(np.abs(vertex), 1e-10), 0.00025, np.multiply(vertex, 0.05));
  const face = np.add(vertex, np.multiply(np.eye(dim, dim, 0, vertex.dtype), steps));
  const simplex = np.concatenate([np.expandDims(vertex, 0), face], 0);
  if (o.objectiveAtInitialVertex !== undefined) {
    const atVertex = np.reshape(toArray(o.objectiveAtInitialVertex, vertex.dtype === "float64" ? "float64" : "float32"), [1]);
    return [simplex, np.concatenate([atVertex, evaluateMany(face)], 0), dim];
  }
  return [simplex, evaluateMany(simplex), dim + 1];
}

function oneHot(index: NDArray, size: number): NDArray {
  return np.equal(np.arange(size), index);
}

/** The last index of the maximum: what a stable ascending sort puts at the end. */
function lastArgmax(v: NDArray): NDArray {
  const n = v.shape[0]!;
  return np.subtract(n - 1, np.argmax(np.flip(v)));
}

function pick(v: NDArray, index: NDArray): NDArray {
  return np.sum(np.where(oneHot(index, v.shape[0]!), v, 0));
}

function row(m: NDArray, index: NDArray): NDArray {
  return np.sum(np.where(np.expandDims(oneHot(index, m.shape[0]!), -1), m, 0), 0);
}
