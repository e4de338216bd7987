// The leapfrog (velocity Verlet) integrator on one chain's flattened state: symplectic and time
// reversible, one gradient evaluation per step (the gradient at the end is carried to the next step).
import { NDArray, np } from "@fluxion/core";
import { foriLoop } from "@fluxion/transforms";
import type { Metric } from "./metric.js";

/** A point of phase space with the target log prob and its gradient at the position. */
export interface PhasePoint {
  position: NDArray;
  momentum: NDArray;
  targetLogProb: NDArray;
  gradTargetLogProb: NDArray;
}

/** `[logProb, grad]` of one chain at a flat position. */
export type FlatLogProbAndGrad = (position: NDArray) => [NDArray, NDArray];

/** One leapfrog step of signed size `stepSize` (negative integrates backwards in time). */
export function leapfrogStep(point: PhasePoint, stepSize: NDArray, logProbAndGrad: FlatLogProbAndGrad, metric: Metric): PhasePoint {
  const halfStep = np.multiply(stepSize, 0.5);
  const halfMomentum = np.add(point.momentum, np.multiply(halfStep, point.gradTargetLogProb));
  const position = np.add(point.position, np.multiply(stepSize, metric.velocity(halfMomentum)));
  const [targetLogProb, gradTargetLogProb] = logProbAndGrad(position);
  const momentum = np.add(halfMomentum, np.multiply(halfStep, gradTargetLogProb));
  return { position, momentum, targetLogProb, gradTargetLogProb };
}

/** `numSteps` leapfrog steps (a number unrolls nothing: it is a compiled loop either way). */
export function integrate(point: PhasePoint, stepSize: NDArray, numSteps: number | NDArray, logProbAndGrad: FlatLogProbAndGrad, metric: Metric): PhasePoint {
  return foriLoop(0, numSteps, (_i: NDArray, pt: PhasePoint) => leapfrogStep(pt, stepSize, logProbAndGrad, metric), point);
}

/** The Hamiltonian H = -log π(q) + ½ pᵀM⁻¹p. */
export function hamiltonian(point: PhasePoint, metric: Metric): NDArray {
  return np.subtract(metric.kineticEnergy(point.momentum), point.targetLogProb);
}
