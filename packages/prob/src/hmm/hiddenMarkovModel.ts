// HiddenMarkovModel (TFP's tfd.HiddenMarkovModel): a Markov chain of categorical hidden states with per-state
// observation laws; logProb by the forward algorithm, posteriorMarginals by forward-backward, posteriorMode by
// Viterbi, all in log space as scans over time (Rabiner 1989, "A tutorial on hidden Markov models").
import { NDArray, np, random, special, type ArrayLike, type DType } from "@fluxion/core";
import { scan } from "@fluxion/transforms";
import { Distribution, registerDistribution, type DistributionOptions } from "../distributions/distribution.js";
import type { EventSpace } from "../distributions/eventSpace.js";
import { Categorical } from "../distributions/categorical.js";
import { broadcastShapes, broadcastTo, type FloatDType } from "../distributions/internal.js";

export interface HiddenMarkovModelParams extends DistributionOptions {
  /** Categorical over the S states at step 0 (batch [B...], S categories). */
  initialDistribution: Categorical;
  /** Categorical rows: batch [B..., S] (row i is the law of the next state from state i); [B..., T-1, S] when time-varying. */
  transitionDistribution: Categorical;
  /** Observation law per state: batch [B..., S] (or [B..., T, S] when time-varying), any event shape. */
  observationDistribution: Distribution;
  /** Number of steps T (transitions: T - 1). */
  numSteps: number;
  timeVaryingTransitionDistribution?: boolean;
  timeVaryingObservationDistribution?: boolean;
  /** Boolean [B..., T]: true where the observation is missing (its log-density is skipped), as TFP's mask. */
  mask?: ArrayLike | null;
}

/** log Σ_i exp(v[..., i] + m[..., i, j]): a log-space vector-matrix product (TFP's _log_vector_matrix). */
function logVectorMatrix(v: NDArray, m: NDArray): NDArray {
  return special.logsumexp(np.add(np.expandDims(v, -1), m), -2);
}
/** log Σ_j exp(m[..., i, j] + v[..., j]) (TFP's _log_matrix_vector). */
function logMatrixVector(m: NDArray, v: NDArray): NDArray {
  return special.logsumexp(np.add(m, np.expandDims(v, -2)), -1);
}

export class HiddenMarkovModel extends Distribution {
  readonly initialDistribution: Categorical;
  readonly transitionDistribution: Categorical;
  readonly observationDistribution: Distribution;
  readonly numSteps: number;
  readonly timeVaryingTransitionDistribution: boolean;
  readonly timeVaryingObservationDistribution: boolean;
  readonly mask: NDArray | null;

  constructor(params: HiddenMarkovModelParams) {
    super(params);
    const { initialDistribution, transitionDistribution, observationDistribution, numSteps } = params;
    if (!Number.isInteger(numSteps) || numSteps < 1) throw new Error(`HiddenMarkovModel: numSteps must be a positive integer, got ${numSteps}.`);
    this.initialDistribution = initialDistribution;
    this.transitionDistribution = transitionDistribution;
    this.observationDistribution = observationDistribution;
    this.numSteps = numSteps;
    this.timeVaryingTransitionDistribution = params.timeVaryingTransitionDistribution ?? false;
    this.timeVaryingObservationDistribution = params.timeVaryingObservationDistribution ?? false;
    this.mask = params.mask === undefined || params.mask === null ? null : params.mask instanceof NDArray ? params.mask : np.asarray(params.mask, "bool");
    this.checkStructure();
  }

  private checkStructure(): void {
    const s = this.numStates;
    const t = this.transitionDistribution;
    if (t.numCategories !== s) throw new Error(`HiddenMarkovModel: transitionDistribution has ${t.numCategories} categories, but initialDistribution has ${s} states.`);
    const tb = t.batchShape;
    if (tb[tb.length - 1] !== s) throw new Error(`HiddenMarkovModel: the rightmost batch dim of transitionDistribution must be the ${s} states (one row per state), got batch shape [${tb}].`);
    if (this.timeVaryingTransitionDistribution && tb[tb.length - 2] !== this.numSteps - 1) {
      throw new Error(`HiddenMarkovModel: a time-varying transitionDistribution needs batch [..., numSteps - 1 = ${this.numSteps - 1}, ${s}], got [${tb}].`);
    }
    const ob = this.observationDistribution.batchShape;
    if (ob[ob.length - 1] !== s) throw new Error(`HiddenMarkovModel: the rightmost batch dim of observationDistribution must be the ${s} states, got batch shape [${ob}].`);
    if (this.timeVaryingObservationDistribution && ob[ob.length - 2] !== this.numSteps) {
      throw new Error(`HiddenMarkovModel: a time-varying observationDistribution needs batch [..., numSteps = ${this.numSteps}, ${s}], got [${ob}].`);
    }
  }

  /** Number of hidden states S. */
  get numStates(): number {
    return this.initialDistribution.numCategories;
  }
  get batchShape(): number[] {
    const tb = this.transitionDistribution.batchShape;
    const ob = this.observationDistribution.batchShape;
    return broadcastShapes(
      "HiddenMarkovModel",
      this.initialDistribution.batchShape,
      tb.slice(0, tb.length - (this.timeVaryingTransitionDistribution ? 2 : 1)),
      ob.slice(0, ob.length - (this.timeVaryingObservationDistribution ? 2 : 1)),
    );
  }
  override get eventShape(): number[] {
    return [this.numSteps, ...this.observationDistribution.eventShape];
  }
  get dtype(): DType {
    return this.observationDistribution.dtype;
  }
  override get floatDtype(): FloatDType {
    return this.observationDistribution.floatDtype;
  }
  override get reparameterizationType(): "NOT_REPARAMETERIZED" {
    return "NOT_REPARAMETERIZED";
  }
  protected override _convertValue(value: ArrayLike): NDArray {
    return value instanceof NDArray ? value : np.asarray(value, this.dtype);
  }

  // ------------------------------------------------------------------ log-space building blocks

  /** Normalized log initial probabilities [B..., S]. */
  private logInit(): NDArray {
    return special.logSoftmax(this.initialDistribution.logitsParameter(), -1);
  }
  /** Normalized log transition matrix [B..., S, S] (or [B..., T-1, S, S]). */
  private logTransition(): NDArray {
    return special.logSoftmax(this.transitionDistribution.logitsParameter(), -1);
  }
  /** Transitions as scan inputs: time-varying ones with time moved first. */
  private transitionsOverTime(): NDArray | null {
    if (!this.timeVaryingTransitionDistribution) return null;
    const lt = this.logTransition();
    return np.moveaxis(lt, lt.ndim - 3, 0);
  }

  /** Shape of the per-step messages [..., S]: observations, initial and transition batches broadcast. */
  private messageShape(timeFirst: NDArray | null): number[] {
    const s = this.numStates;
    const tb = this.transitionDistribution.batchShape;
    const transBatch = tb.slice(0, tb.length - (this.timeVaryingTransitionDistribution ? 2 : 1));
    const shapes: (readonly number[])[] = [[...this.initialDistribution.batchShape, s], [...transBatch, s]];
    if (timeFirst !== null) shapes.push(timeFirst.shape.slice(1));
    return broadcastShapes("HiddenMarkovModel", ...shapes);
  }

  /**
   * log p(x_t | z_t = s) for every step and state: [..., T, S] for x of shape [..., T, E...]. Masked steps
   * (mask true) contribute 0.
   */
  private observationLogProbs(x: NDArray, mask: NDArray | null): NDArray {
    const eventRank = this.observationDistribution.eventShape.length;
    if (x.ndim < 1 + eventRank || x.shape[x.ndim - 1 - eventRank] !== this.numSteps) {
      throw new Error(`HiddenMarkovModel: observations must be [..., numSteps = ${this.numSteps}${eventRank ? `, ${this.observationDistribution.eventShape}` : ""}], got shape [${x.shape}].`);
    }
    // [..., T, 1, E...]: the unit axis broadcasts against the states' batch axis of the observation law.
    const expanded = np.expandDims(x, x.ndim - eventRank);
    let lp = this.observationDistribution.logProb(expanded);
    if (mask !== null) lp = np.where(np.expandDims(mask, -1), np.zerosLike(lp), lp);
    return lp;
  }

  /** Forward log messages α_t(s) = log p(x_0..t, z_t = s), time first: [T, ..., S]. */
  private forwardPass(obsLp: NDArray): NDArray {
    const timeFirst = np.moveaxis(obsLp, obsLp.ndim - 2, 0);
    const first = broadcastTo(np.add(this.logInit(), timeFirst.slice(0)), this.messageShape(timeFirst));
    if (this.numSteps === 1) return np.expandDims(first, 0);
    const rest = timeFirst.slice([1, null]);
    const transitions = this.transitionsOverTime();
    const fixed = transitions === null ? this.logTransition() : null;
    const [, alphas] = scan(
      (alpha: NDArray, step: [NDArray, NDArray | null]) => {
        const [obs, lt] = step;
        const next = np.add(logVectorMatrix(alpha, lt ?? fixed!), obs);
        return [next, next] as [NDArray, NDArray];
      },
      first,
      [rest, transitions],
    ) as [NDArray, NDArray];
    return np.concatenate([np.expandDims(first, 0), alphas], 0);
  }

  /** Backward log messages β_t(s) = log p(x_t+1..T-1 | z_t = s), time first: [T, ..., S]. */
  private backwardPass(obsLp: NDArray): NDArray {
    const timeFirst = np.moveaxis(obsLp, obsLp.ndim - 2, 0);
    const last = np.zeros(this.messageShape(timeFirst), timeFirst.dtype);
    if (this.numSteps === 1) return np.expandDims(last, 0);
    const transitions = this.transitionsOverTime();
    const fixed = transitions === null ? this.logTransition() : null;
    const [, betas] = scan(
      (beta: NDArray, step: [NDArray, NDArray | null]) => {
        const [obsNext, lt] = step;
        const prev = broadcastTo(logMatrixVector(lt ?? fixed!, np.add(obsNext, beta)), beta.shape);
        return [prev, prev] as [NDArray, NDArray];
      },
      last,
      [timeFirst.slice([1, null]), transitions],
      { reverse: true },
    ) as [NDArray, NDArray];
    return np.concatenate([betas, np.expandDims(last, 0)], 0);
  }

  private resolveMask(mask: ArrayLike | null | undefined): NDArray | null {
    if (mask === undefined || mask === null) return this.mask;
    return mask instanceof NDArray ? mask : np.asarray(mask, "bool");
  }

  // ------------------------------------------------------------------ densities and posteriors

  protected override _logProb(x: NDArray): NDArray {
    const alphas = this.forwardPass(this.observationLogProbs(x, this.mask));
    return special.logsumexp(alphas.slice(this.numSteps - 1), -1);
  }

  /** Log-density with a per-call mask (true = missing observation). */
  logProbWithMask(observations: ArrayLike, mask: ArrayLike | null): NDArray {
    const x = this._convertValue(observations);
    const alphas = this.forwardPass(this.observationLogProbs(x, this.resolveMask(mask)));
    return special.logsumexp(alphas.slice(this.numSteps - 1), -1);
  }

  /** p(z_t | x_0..T-1) for every step, as a Categorical with batch [..., T] (forward-backward). */
  posteriorMarginals(observations: ArrayLike, mask?: ArrayLike | null): Categorical {
    const x = this._convertValue(observations);
    const obsLp = this.observationLogProbs(x, this.resolveMask(mask));
    const alphas = this.forwardPass(obsLp);
    const betas = this.backwardPass(obsLp);
    const logPost = np.add(alphas, betas);
    const normalized = np.subtract(logPost, special.logsumexp(logPost, -1, true));
    return new Categorical({ logits: np.moveaxis(normalized, 0, normalized.ndim - 2) });
  }

  /** The most likely state sequence given the observations (Viterbi), int32 [..., T]. */
  posteriorMode(observations: ArrayLike, mask?: ArrayLike | null): NDArray {
    const x = this._convertValue(observations);
    const obsLp = this.observationLogProbs(x, this.resolveMask(mask));
    const timeFirst = np.moveaxis(obsLp, obsLp.ndim - 2, 0);
    const first = broadcastTo(np.add(this.logInit(), timeFirst.slice(0)), this.messageShape(timeFirst));
    if (this.numSteps === 1) return np.expandDims(np.astype(np.argmax(first, -1), "int32"), -1);
    const transitions = this.transitionsOverTime();
    const fixed = transitions === null ? this.logTransition() : null;
    // Forward: best score ending in each state, and the best predecessor of each state.
    const [finalScores, backPointers] = scan(
      (delta: NDArray, step: [NDArray, NDArray | null]) => {
        const [obs, lt] = step;
        const scores = np.add(np.expandDims(delta, -1), lt ?? fixed!);
        const best = np.max(scores, -2);
        return [broadcastTo(np.add(best, obs), delta.shape), broadcastTo(np.astype(np.argmax(scores, -2), "int32"), delta.shape)] as [NDArray, NDArray];
      },
      first,
      [timeFirst.slice([1, null]), transitions],
    ) as [NDArray, NDArray];
    const lastState = np.astype(np.argmax(finalScores, -1), "int32");
    // Backward: follow the pointers from the best final state.
    const [, earlier] = scan(
      (state: NDArray, pointers: NDArray) => {
        const prev = np.squeeze(np.takeAlongAxis(broadcastTo(pointers, [...state.shape, this.numStates]), np.expandDims(state, -1), -1), -1);
        return [prev, prev] as [NDArray, NDArray];
      },
      lastState,
      backPointers,
      { reverse: true },
    ) as [NDArray, NDArray];
    const states = np.concatenate([earlier, np.expandDims(lastState, 0)], 0);
    return np.moveaxis(states, 0, states.ndim - 1);
  }

  // ------------------------------------------------------------------ moments

  /** Prior marginal state probabilities p(z_t), time first: [T, ..., S]. */
  private priorMarginalProbs(): NDArray {
    const p0 = broadcastTo(np.exp(this.logInit()), this.messageShape(null));
    if (this.numSteps === 1) return np.expandDims(p0, 0);
    const transitions = this.transitionsOverTime();
    const fixedP = transitions === null ? np.exp(this.logTransition()) : null;
    const [, ps] = scan(
      (p: NDArray, lt: NDArray | null) => {
        const next = broadcastTo(np.sum(np.multiply(np.expandDims(p, -1), lt === null ? fixedP! : np.exp(lt)), -2), p.shape);
        return [next, next] as [NDArray, NDArray];
      },
      p0,
      transitions,
      { length: this.numSteps - 1 },
    ) as [NDArray, NDArray];
    return np.concatenate([np.expandDims(p0, 0), ps], 0);
  }

  /** Prior marginals of the hidden states as a Categorical with batch [..., T] (TFP's prior_marginals). */
  priorMarginals(): Categorical {
    const ps = this.priorMarginalProbs();
    return new Categorical({ probs: np.moveaxis(ps, 0, ps.ndim - 2) });
  }

  /** Σ_s p(z_t = s) · f_s: state-weighted statistics of the observation law, [B..., T, E...]. */
  private weighted(stat: NDArray): NDArray {
    const eventRank = this.observationDistribution.eventShape.length;
    const ps = this.priorMarginalProbs();
    const probs = np.moveaxis(ps, 0, ps.ndim - 2); // [B..., T, S]
    const p = np.reshape(probs, [...probs.shape, ...new Array<number>(eventRank).fill(1)]);
    // Non-time-varying statistics [Bo..., S, E...] gain a unit time axis.
    const s = this.timeVaryingObservationDistribution ? stat : np.expandDims(stat, stat.ndim - 1 - eventRank);
    return np.sum(np.multiply(p, s), -1 - eventRank);
  }

  protected override _mean(): NDArray {
    return this.weighted(this.observationDistribution.mean());
  }

  /** Law of total variance: Σ_s p(z_t = s) (Var_s + (μ_s - E x_t)²). */
  protected override _variance(): NDArray {
    const eventRank = this.observationDistribution.eventShape.length;
    const mean = this._mean(); // [B..., T, E...]
    const mu = this.observationDistribution.mean();
    const muT = this.timeVaryingObservationDistribution ? mu : np.expandDims(mu, mu.ndim - 1 - eventRank); // [.., T|1, S, E]
    const dev = np.square(np.subtract(muT, np.expandDims(mean, mean.ndim - eventRank)));
    const varT = this.timeVaryingObservationDistribution ? this.observationDistribution.variance() : np.expandDims(this.observationDistribution.variance(), mu.ndim - 1 - eventRank);
    const ps = this.priorMarginalProbs();
    const probs = np.moveaxis(ps, 0, ps.ndim - 2);
    const p = np.reshape(probs, [...probs.shape, ...new Array<number>(eventRank).fill(1)]);
    return np.sum(np.multiply(p, np.add(varT, dev)), -1 - eventRank);
  }

  // ------------------------------------------------------------------ sampling

  /** Ancestral sampling: states by a scan over time, then each step's observation from its state's law. */
  protected override _sampleN(key: NDArray, n: number): NDArray {
    const keys = random.split(key, 3);
    const s = this.numStates;
    const batch = this.batchShape;
    const z0 = np.astype(random.categorical(keys.slice(0), broadcastTo(this.initialDistribution.logitsParameter(), [n, ...batch, s]), { axis: -1 }), "int32");
    let states: NDArray;
    if (this.numSteps === 1) states = np.expandDims(z0, -1);
    else {
      const lt = this.logTransition();
      const transitions = this.transitionsOverTime();
      const stepKeys = random.split(keys.slice(1), this.numSteps - 1);
      const [, rest] = scan(
        (z: NDArray, step: [NDArray, NDArray | null]) => {
          const [k, ltStep] = step;
          const rows = broadcastTo(ltStep ?? lt, [...z.shape, s, s]);
          const logits = np.squeeze(np.takeAlongAxis(rows, np.reshape(z, [...z.shape, 1, 1]), -2), -2);
          const next = np.astype(random.categorical(k, logits, { axis: -1 }), "int32");
          return [next, next] as [NDArray, NDArray];
        },
        z0,
        [stepKeys, transitions],
      ) as [NDArray, NDArray];
      states = np.concatenate([np.expandDims(z0, 0), rest], 0);
      states = np.moveaxis(states, 0, states.ndim - 1); // [n, B..., T]
    }
    // Draw every state's observation at every step and keep the one of the current state.
    const eventShape = this.observationDistribution.eventShape;
    const eventRank = eventShape.length;
    const all = this.observationDistribution.sample(keys.slice(2), this.timeVaryingObservationDistribution ? [n] : [n, this.numSteps]);
    // Move to [n, Bo..., T, S, E...].
    const aligned = this.timeVaryingObservationDistribution ? all : np.moveaxis(all, 1, all.ndim - 2 - eventRank);
    const full = broadcastTo(aligned, [n, ...batch, this.numSteps, s, ...eventShape]);
    const index = np.reshape(states, [...states.shape, 1, ...new Array<number>(eventRank).fill(1)]);
    const picked = np.takeAlongAxis(full, broadcastTo(index, [n, ...batch, this.numSteps, 1, ...eventShape]), -1 - eventRank);
    return np.squeeze(picked, -1 - eventRank);
  }

  protected override _eventSpace(): EventSpace {
    // The observation law's (parameter-free) support, applied elementwise over the steps, as TFP does.
    const space = this.observationDistribution.eventSpace();
    const elementwise = ["real", "positive", "unitInterval", "discrete"];
    if (!elementwise.includes(space.kind)) throw this.notImplemented("defaultEventSpaceBijector (the observation support depends on the state)");
    return space;
  }
}
registerDistribution(
  HiddenMarkovModel,
  ["initialDistribution", "transitionDistribution", "observationDistribution", "mask"],
  ["numSteps", "timeVaryingTransitionDistribution", "timeVaryingObservationDistribution"],
);
