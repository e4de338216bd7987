// Random-walk Metropolis (Metropolis et al. 1953) with Gaussian proposals, as TFP's RandomWalkMetropolis
// with its default random_walk_normal_fn.
import { NDArray, np, tree } from "@fluxion/core";
import { asFloat, batchRankOf, chainContext, stepEachChain, type TransitionKernel } from "./kernel.js";
import { callLogProb, type LogProbFn } from "./util/chains.js";
import { splitKeys } from "./util/keys.js";
import { makeRaveler } from "./util/ravel.js";
import { standardNormal, uniform01 } from "./util/sampling.js";

export interface RandomWalkMetropolisOptions {
  targetLogProbFn: LogProbFn;
  /** Proposal standard deviation: a scalar or one per entry of a chain's flattened state ([D]). Default 1. */
  scale?: NDArray | number;
}

export interface RandomWalkMetropolisResults {
  targetLogProb: NDArray;
  logAcceptRatio: NDArray;
  isAccepted: NDArray;
  proposedState: unknown;
}

export class RandomWalkMetropolis implements TransitionKernel<RandomWalkMetropolisResults> {
  readonly targetLogProbFn: LogProbFn;
  readonly scale: NDArray | number;
  readonly isCalibrated = true;

  constructor(options: RandomWalkMetropolisOptions) {
    this.targetLogProbFn = options.targetLogProbFn;
    this.scale = options.scale ?? 1;
  }

  withTargetLogProbFn(targetLogProbFn: LogProbFn): RandomWalkMetropolis {
    return new RandomWalkMetropolis({ targetLogProbFn, scale: this.scale });
  }

  bootstrapResults(state: unknown): RandomWalkMetropolisResults {
    const lp = callLogProb(this.targetLogProbFn, state);
    const dtype = makeRaveler(state, lp.ndim).dtype;
    return {
      targetLogProb: lp.astype(dtype),
      logAcceptRatio: np.zeros(lp.shape, dtype),
      isAccepted: np.full(lp.shape, false),
      proposedState: state,
    };
  }

  oneStep(state: unknown, results: RandomWalkMetropolisResults, key: NDArray): [unknown, RandomWalkMetropolisResults] {
    const batchRank = batchRankOf(results);
    return stepEachChain((s, r, k) => {
      const ctx = chainContext(this.targetLogProbFn, s, batchRank);
      const { raveler } = ctx;
      const [proposalKey, acceptKey] = splitKeys(k, 2);
      const position = raveler.ravel(s);
      const proposal = np.add(position, np.multiply(asFloat(this.scale, raveler.dtype), standardNormal(proposalKey, raveler.size, raveler.dtype)));
      const proposedLogProb = ctx.logProb(proposal);
      const raw = np.subtract(proposedLogProb, r.targetLogProb);
      const logAcceptRatio = np.where(np.isnan(raw), -Infinity, raw);
      const isAccepted = np.less(np.log(uniform01(acceptKey, [], raveler.dtype)), logAcceptRatio);
      return [raveler.unravel(np.where(isAccepted, proposal, position)), {
        targetLogProb: np.where(isAccepted, proposedLogProb, r.targetLogProb),
        logAcceptRatio,
        isAccepted,
        proposedState: raveler.unravel(proposal),
      }];
    }, state, results, key, batchRank, []);
  }
}

tree.registerPytreeNode(
  RandomWalkMetropolis,
  (k) => [[k.scale], { targetLogProbFn: k.targetLogProbFn }] as const,
  (aux, [scale]) => new RandomWalkMetropolis({ ...aux, scale: scale as NDArray | number }),
);
