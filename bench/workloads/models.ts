// Inputs and float64 plain-JS oracles of the model workloads (issue 9): eight schools non-centered,
// 100-d Rosenbrock, and the 10-d Rastrigin-like restarts problem. Shared by the peers and the smoke test.
import { hashUniform } from "./inputs.js";

/** Eight schools (Rubin 1981; Gelman et al., BDA3 §5.5): treatment effects and their standard errors. */
export const SCHOOLS_Y = [28, 8, -3, 7, -1, 1, 18, 12] as const;
export const SCHOOLS_SIGMA = [15, 10, 16, 11, 9, 11, 10, 18] as const;
/** Parameters: [mu, log tau, thetaTilde[8]]. */
export const SCHOOLS_DIM = 10;

/**
 * log p of the non-centered model as posteriordb's eight_schools_noncentered (Stan): mu ~ N(0, 5),
 * tau ~ HalfCauchy(0, 5) sampled as log tau (with its Jacobian), thetaTilde ~ N(0, 1),
 * y ~ N(mu + tau thetaTilde, sigma). Constants dropped. Float64 value and gradient, the oracle.
 */
export function schoolsLogProbJs(q: ArrayLike<number>): { value: number; grad: number[] } {
  const mu = q[0]!;
  const logTau = q[1]!;
  const tau = Math.exp(logTau);
  let value = -0.5 * (mu / 5) ** 2;
  const grad = new Array<number>(SCHOOLS_DIM).fill(0);
  grad[0] = -mu / 25;
  // log HalfCauchy(tau; 5) + log tau (Jacobian) = -log(1 + (tau/5)^2) + log tau
  value += -Math.log1p((tau / 5) ** 2) + logTau;
  grad[1] = (-2 * (tau / 5) ** 2) / (1 + (tau / 5) ** 2) + 1;
  for (let j = 0; j < 8; j++) {
    const t = q[2 + j]!;
    const r = (SCHOOLS_Y[j]! - mu - tau * t) / SCHOOLS_SIGMA[j]!;
    value += -0.5 * t * t - 0.5 * r * r;
    const dr = r / SCHOOLS_SIGMA[j]!; // d(-r^2/2)/d(mean) = r / sigma
    grad[0] += dr;
    grad[1] += dr * t * tau;
    grad[2 + j] = -t + dr * tau;
  }
  return { value, grad };
}

/** A fixed point of the eight-schools parameter space at which the gradient workloads are checked. */
export const schoolsPoint = (): Float64Array => Float64Array.from([4, 1.2, ...Array.from({ length: 8 }, (_, j) => hashUniform(j, STREAM_SCHOOLS))]);
const STREAM_SCHOOLS = 11;

/** Rosenbrock in n dimensions, sum 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2; float64 value and gradient. */
export function rosenbrockJs(x: ArrayLike<number>): { value: number; grad: number[] } {
  const n = x.length;
  const grad = new Array<number>(n).fill(0);
  let value = 0;
  for (let i = 0; i + 1 < n; i++) {
    const a = x[i + 1]! - x[i]! * x[i]!;
    const b = 1 - x[i]!;
    value += 100 * a * a + b * b;
    grad[i] += -400 * x[i]! * a - 2 * b;
    grad[i + 1] += 200 * a;
  }
  return { value, grad };
}

/** The classic start (-1.2, 1, -1.2, 1, ...) of the n-dimensional Rosenbrock function, as SciPy's side. */
export const rosenbrockStart = (n: number): number[] => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? -1.2 : 1));

/** Restarts workload: `count` starts in [-2, 2)^dim from the shared hash stream (Python reproduces it). */
export function restartStarts(count: number, dim: number): Float64Array {
  const out = new Float64Array(count * dim);
  for (let i = 0; i < out.length; i++) out[i] = 2 * hashUniform(i, 12);
  return out;
}

/** Stopping rule of the L-BFGS workloads on both sides: max-norm of the gradient ≤ this (SciPy: gtol, with ftol = 0). */
export const LBFGS_TOLERANCE = 1e-5;
/** Dimension of the restarts problem (Rosenbrock-10), and how many starts the JS-loop variant times. */
export const RESTART_DIM = 10;
export const RESTART_LOOP_MEASURED = 20;

/** What every L-BFGS peer reports: [evaluations, iterations, f, max-norm of the gradient, max |x - 1|], recomputed in float64 here. */
export function lbfgsChecksum(evaluations: number, iterations: number, position: ArrayLike<number>): number[] {
  const { value, grad } = rosenbrockJs(position);
  let off = 0;
  for (let i = 0; i < position.length; i++) off = Math.max(off, Math.abs(position[i]! - 1));
  return [evaluations, iterations, value, Math.max(...grad.map(Math.abs)), off];
}
