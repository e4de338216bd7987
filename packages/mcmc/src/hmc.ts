// Hamiltonian Monte Carlo (Neal 2011) with a fixed number of leapfrog steps and an optional diagonal or
// dense inverse mass matrix, following TFP's HamiltonianMonteCarlo protocol and result names.
import { NDArray, np, tree } from "@fluxion/core";
import { asFloat, batchRankOf, chainContext, stepEachChain, type TransitionKernel } from "./kernel.js";
import { hamiltonian, integrate, type PhasePoint } from "./leapfrog.js";
import { Metric } from "./metric.js";
import { logProbAndGrad, type LogProbFn } from "./util/chains.js";
import { splitKeys } from "./util/keys.js";
import { uniform01 } from "./util/sampling.js";
import { makeRaveler } from "./util/ravel.js";

export interface HamiltonianMonteCarloOptions {
  /** Log density of the target up to a constant; receives the state (a pytree) and returns one value per chain. */
  targetLogProbFn: LogProbFn;
  /** Leapfrog step size: a scalar, or one per chain (shaped like the chain axes). */
  stepSize: NDArray | number;
  numLeapfrogSteps: number;
  /** Inverse mass matrix over one chain's flattened state: [D] (diagonal) or [D, D] (dense). Default identity. */
  inverseMassMatrix?: NDArray;
  /** Energy error above which a transition is flagged as divergent (Stan's 1000). */
  maxEnergyDiff?: number;
}

export interface HamiltonianMonteCarloResults {
  targetLogProb: NDArray;
  gradsTargetLogProb: unknown;
  logAcceptRatio: NDArray;
  isAccepted: NDArray;
  leapfrogsTaken: NDArray;
  hasDivergence: NDArray;
  /** Hamiltonian at the returned state with the momentum it ended the transition with. */
  energy: NDArray;
  /** End of the trajectory (accepted or not) and its velocity M⁻¹p, as ChEES adaptation needs them. */
  proposedState: unknown;
  proposedVelocity: unknown;
  stepSize: NDArray;
  numLeapfrogSteps: NDArray;
}

const SHARED = ["stepSize", "numLeapfrogSteps"] as const;

export class HamiltonianMonteCarlo implements TransitionKernel<HamiltonianMonteCarloResults> {
  readonly targetLogProbFn: LogProbFn;
  readonly stepSize: NDArray | number;
  readonly numLeapfrogSteps: number;
  readonly inverseMassMatrix: NDArray | undefined;
  readonly maxEnergyDiff: number;
  readonly isCalibrated = true;

  constructor(options: HamiltonianMonteCarloOptions) {
    if (!Number.isInteger(options.numLeapfrogSteps) || options.numLeapfrogSteps < 1) {
      throw new RangeError(`HamiltonianMonteCarlo: numLeapfrogSteps must be a positive integer, got ${options.numLeapfrogSteps}.`);
    }
    this.targetLogProbFn = options.targetLogProbFn;
    this.stepSize = options.stepSize;
    this.numLeapfrogSteps = options.numLeapfrogSteps;
    this.inverseMassMatrix = options.inverseMassMatrix;
    this.maxEnergyDiff = options.maxEnergyDiff ?? 1000;
  }

  withTargetLogProbFn(targetLogProbFn: LogProbFn): HamiltonianMonteCarlo {
    return new HamiltonianMonteCarlo({
      targetLogProbFn, stepSize: this.stepSize, numLeapfrogSteps: this.numLeapfrogSteps, maxEnergyDiff: this.maxEnergyDiff,
      ...(this.inverseMassMatrix ? { inverseMassMatrix: this.inverseMassMatrix } : {}),
    });
  }

  bootstrapResults(state: unknown): HamiltonianMonteCarloResults {
    const [lp, grads] = logProbAndGrad(this.targetLogProbFn, state);
    const dtype = makeRaveler(state, lp.ndim).dtype;
    const batch = lp.shape;
    const zeros = np.zeros(batch, dtype);
    return {
      targetLogProb: lp.astype(dtype),
      gradsTargetLogProb: grads,
      logAcceptRatio: zeros,
      isAccepted: np.full(batch, false),
      leapfrogsTaken: np.zeros(batch, "int32"),
      hasDivergence: np.full(batch, false),
      energy: zeros,
      proposedState: state,
      proposedVelocity: tree.map((x: unknown) => np.zerosLike(x as NDArray), state),
      stepSize: asFloat(this.stepSize, dtype),
      numLeapfrogSteps: np.asarray(this.numLeapfrogSteps, "int32"),
    };
  }

  oneStep(state: unknown, results: HamiltonianMonteCarloResults, key: NDArray): [unknown, HamiltonianMonteCarloResults] {
    const batchRank = batchRankOf(results);
    return stepEachChain((s, r, k) => this.stepOneChain(s, r, k, batchRank), state, results, key, batchRank, SHARED);
  }

  private stepOneChain(state: unknown, results: HamiltonianMonteCarloResults, key: NDArray, batchRank: number): [unknown, HamiltonianMonteCarloResults] {
    const ctx = chainContext(this.targetLogProbFn, state, batchRank);
    const { raveler } = ctx;
    const metric = new Metric(this.inverseMassMatrix, raveler.size, raveler.dtype);
    const [momentumKey, acceptKey] = splitKeys(key, 2);
    const start: PhasePoint = {
      position: raveler.ravel(state),
      momentum: metric.sampleMomentum(momentumKey),
      targetLogProb: results.targetLogProb,
      gradTargetLogProb: raveler.ravel(results.gradsTargetLogProb),
    };
    const stepSize = asFloat(results.stepSize, raveler.dtype);
    const end = integrate(start, stepSize, results.numLeapfrogSteps, ctx.logProbAndGrad, metric);
    const startEnergy = hamiltonian(start, metric);
    const endEnergy = hamiltonian(end, metric);
    const energyChange = np.subtract(endEnergy, startEnergy);
    // A NaN energy (the trajectory left the support or overflowed) is a rejection and a divergence.
    const logAcceptRatio = np.where(np.isnan(energyChange), -Infinity, np.negative(energyChange));
    const logUniform = np.log(uniform01(acceptKey, [], raveler.dtype));
    const isAccepted = np.less(logUniform, logAcceptRatio);
    const pick = (a: NDArray, b: NDArray) => np.where(isAccepted, a, b);
    const position = pick(end.position, start.position);
    return [raveler.unravel(position), {
      targetLogProb: pick(end.targetLogProb, start.targetLogProb),
      gradsTargetLogProb: raveler.unravel(pick(end.gradTargetLogProb, start.gradTargetLogProb)),
      logAcceptRatio,
      isAccepted,
      leapfrogsTaken: results.numLeapfrogSteps,
      hasDivergence: np.logicalNot(np.lessEqual(energyChange, this.maxEnergyDiff)),
      energy: pick(endEnergy, startEnergy),
      proposedState: raveler.unravel(end.position),
      proposedVelocity: raveler.unravel(metric.velocity(end.momentum)),
      stepSize: results.stepSize,
      numLeapfrogSteps: results.numLeapfrogSteps,
    }];
  }
}

tree.registerPytreeNode(
  HamiltonianMonteCarlo,
  (k) => [[k.stepSize, k.inverseMassMatrix ?? null], { targetLogProbFn: k.targetLogProbFn, numLeapfrogSteps: k.numLeapfrogSteps, maxEnergyDiff: k.maxEnergyDiff }] as const,
  (aux, [stepSize, inverseMassMatrix]) => new HamiltonianMonteCarlo({ ...aux, stepSize: stepSize as NDArray | number, inverseMassMatrix: (inverseMassMatrix ?? undefined) as NDArray | undefined }),
);
