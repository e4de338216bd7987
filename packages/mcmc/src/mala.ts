// The Metropolis-adjusted Langevin algorithm (Roberts & Tweedie 1996) in TFP's parameterisation: the
// proposal is x + (ε/2)∇log π(x) + √ε z, an Euler step of the Langevin diffusion over time ε.
import { NDArray, np, tree } from "@fluxion/core";
import { asFloat, batchRankOf, chainContext, stepEachChain, type TransitionKernel } from "./kernel.js";
import { logProbAndGrad, type LogProbFn } from "./util/chains.js";
import { splitKeys } from "./util/keys.js";
import { makeRaveler } from "./util/ravel.js";
import { standardNormal, uniform01 } from "./util/sampling.js";

export interface MetropolisAdjustedLangevinAlgorithmOptions {
  targetLogProbFn: LogProbFn;
  /** Time step ε of the discretised diffusion (the proposal variance): a scalar or one per chain. */
  stepSize: NDArray | number;
}

export interface MetropolisAdjustedLangevinAlgorithmResults {
  targetLogProb: NDArray;
  gradsTargetLogProb: unknown;
  logAcceptRatio: NDArray;
  isAccepted: NDArray;
  proposedState: unknown;
  stepSize: NDArray;
}

export class MetropolisAdjustedLangevinAlgorithm implements TransitionKernel<MetropolisAdjustedLangevinAlgorithmResults> {
  readonly targetLogProbFn: LogProbFn;
  readonly stepSize: NDArray | number;
  readonly isCalibrated = true;

  constructor(options: MetropolisAdjustedLangevinAlgorithmOptions) {
    this.targetLogProbFn = options.targetLogProbFn;
    this.stepSize = options.stepSize;
  }

  withTargetLogProbFn(targetLogProbFn: LogProbFn): MetropolisAdjustedLangevinAlgorithm {
    return new MetropolisAdjustedLangevinAlgorithm({ targetLogProbFn, stepSize: this.stepSize });
  }

  bootstrapResults(state: unknown): MetropolisAdjustedLangevinAlgorithmResults {
    const [lp, grads] = logProbAndGrad(this.targetLogProbFn, state);
    const dtype = makeRaveler(state, lp.ndim).dtype;
    return {
      targetLogProb: lp.astype(dtype),
      gradsTargetLogProb: grads,
      logAcceptRatio: np.zeros(lp.shape, dtype),
      isAccepted: np.full(lp.shape, false),
      proposedState: state,
      stepSize: asFloat(this.stepSize, dtype),
    };
  }

  oneStep(state: unknown, results: MetropolisAdjustedLangevinAlgorithmResults, key: NDArray): [unknown, MetropolisAdjustedLangevinAlgorithmResults] {
    const batchRank = batchRankOf(results);
    return stepEachChain((s, r, k) => {
      const ctx = chainContext(this.targetLogProbFn, s, batchRank);
      const { raveler } = ctx;
      const [noiseKey, acceptKey] = splitKeys(k, 2);
      const eps = asFloat(r.stepSize, raveler.dtype);
      const halfEps = np.multiply(eps, 0.5);
      const position = raveler.ravel(s);
      const grad = raveler.ravel(r.gradsTargetLogProb);
      const noise = standardNormal(noiseKey, raveler.size, raveler.dtype);
      const proposal = np.add(np.add(position, np.multiply(halfEps, grad)), np.multiply(np.sqrt(eps), noise));
      const [proposedLogProb, proposedGrad] = ctx.logProbAndGrad(proposal);
      // log q(x | x') - log q(x' | x) for the Gaussian proposals N(y + (ε/2)∇log π(y), ε I).
      const backward = np.subtract(position, np.add(proposal, np.multiply(halfEps, proposedGrad)));
      const logBackward = np.divide(np.sum(np.multiply(backward, backward)), np.multiply(eps, -2));
      const logForward = np.multiply(np.sum(np.multiply(noise, noise)), -0.5);
      const raw = np.add(np.subtract(proposedLogProb, r.targetLogProb), np.subtract(logBackward, logForward));
      const logAcceptRatio = np.where(np.isnan(raw), -Infinity, raw);
      const isAccepted = np.less(np.log(uniform01(acceptKey, [], raveler.dtype)), logAcceptRatio);
      return [raveler.unravel(np.where(isAccepted, proposal, position)), {
        targetLogProb: np.where(isAccepted, proposedLogProb, r.targetLogProb),
        gradsTargetLogProb: raveler.unravel(np.where(isAccepted, proposedGrad, grad)),
        logAcceptRatio,
        isAccepted,
        proposedState: raveler.unravel(proposal),
        stepSize: r.stepSize,
      }];
    }, state, results, key, batchRank, ["stepSize"]);
  }
}

tree.registerPytreeNode(
  MetropolisAdjustedLangevinAlgorithm,
  (k) => [[k.stepSize], { targetLogProbFn: k.targetLogProbFn }] as const,
  (aux, [stepSize]) => new MetropolisAdjustedLangevinAlgorithm({ ...aux, stepSize: stepSize as NDArray | number }),
);
