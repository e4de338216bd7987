// The No-U-Turn Sampler (Hoffman & Gelman 2014) in its multinomial form with the generalized U-turn
// criterion (Betancourt 2017, as Stan), built iteratively so a whole transition is two nested whileLoops.
import { NDArray, lax, np, tree } from "@fluxion/core";
import { whileLoop } from "@fluxion/transforms";
import { asFloat, batchRankOf, chainContext, stepEachChain, type TransitionKernel } from "./kernel.js";
import { hamiltonian, leapfrogStep, type FlatLogProbAndGrad, type PhasePoint } from "./leapfrog.js";
import { Metric } from "./metric.js";
import { logProbAndGrad, type LogProbFn } from "./util/chains.js";
import { splitKeys } from "./util/keys.js";
import { makeRaveler } from "./util/ravel.js";
import { uniform01 } from "./util/sampling.js";

export interface NoUTurnSamplerOptions {
  targetLogProbFn: LogProbFn;
  /** Leapfrog step size: a scalar, or one per chain. */
  stepSize: NDArray | number;
  /** At most 2^maxTreeDepth - 1 tree leaves per transition (Stan's max_treedepth). Default 10. */
  maxTreeDepth?: number;
  /** A leaf whose energy exceeds the initial energy by more than this is divergent (Stan's 1000). */
  maxEnergyDiff?: number;
  /** Leapfrog steps per tree leaf (TFP's unrolled_leapfrog_steps). Default 1. */
  unrollLeapfrogSteps?: number;
  /** Inverse mass matrix over one chain's flattened state: [D] (diagonal) or [D, D] (dense). Default identity. */
  inverseMassMatrix?: NDArray;
}

export interface NoUTurnSamplerResults {
  targetLogProb: NDArray;
  gradsTargetLogProb: unknown;
  /** Log of the mean over all tree leaves of min(1, exp(H0 - H)) (Stan's accept_stat), for step-size adaptation. */
  logAcceptRatio: NDArray;
  /** Whether the returned state differs from the starting one. */
  isAccepted: NDArray;
  leapfrogsTaken: NDArray;
  /** Number of trajectory doublings of this transition (Stan's treedepth). */
  treeDepth: NDArray;
  reachMaxDepth: NDArray;
  hasDivergence: NDArray;
  /** Hamiltonian at the returned state with its momentum (Stan's energy__, used by E-BFMI). */
  energy: NDArray;
  stepSize: NDArray;
}

interface Proposal {
  position: NDArray;
  targetLogProb: NDArray;
  gradTargetLogProb: NDArray;
  energy: NDArray;
}

interface Subtree {
  end: PhasePoint;
  proposal: Proposal;
  logWeight: NDArray;
  momentumSum: NDArray;
  leaf: NDArray;
  turning: NDArray;
  diverging: NDArray;
  sumAcceptProb: NDArray;
  /** The running uniform of progressive sampling inside the subtree (see buildSubtree). */
  uniform: NDArray;
  /** Momentum of the subtree's first leaf (for the extra U-turn checks when it joins the trajectory). */
  firstMomentum: NDArray;
  /** Per slot: velocity, momentum and momentum sum before an even leaf, and the previous leaf's velocity and momentum. */
  checkpoints: { velocity: NDArray; momentum: NDArray; momentumSumBefore: NDArray; previousVelocity: NDArray; previousMomentum: NDArray };
}

interface Trajectory {
  left: PhasePoint;
  right: PhasePoint;
  proposal: Proposal;
  logWeight: NDArray;
  momentumSum: NDArray;
  depth: NDArray;
  subtreeSize: NDArray;
  turning: NDArray;
  diverging: NDArray;
  leaves: NDArray;
  sumAcceptProb: NDArray;
  moved: NDArray;
}

const SHARED = ["stepSize"] as const;

export class NoUTurnSampler implements TransitionKernel<NoUTurnSamplerResults> {
  readonly targetLogProbFn: LogProbFn;
  readonly stepSize: NDArray | number;
  readonly maxTreeDepth: number;
  readonly maxEnergyDiff: number;
  readonly unrollLeapfrogSteps: number;
  readonly inverseMassMatrix: NDArray | undefined;
  readonly isCalibrated = true;

  constructor(options: NoUTurnSamplerOptions) {
    this.targetLogProbFn = options.targetLogProbFn;
    this.stepSize = options.stepSize;
    this.maxTreeDepth = options.maxTreeDepth ?? 10;
    this.maxEnergyDiff = options.maxEnergyDiff ?? 1000;
    this.unrollLeapfrogSteps = options.unrollLeapfrogSteps ?? 1;
    this.inverseMassMatrix = options.inverseMassMatrix;
    if (!Number.isInteger(this.maxTreeDepth) || this.maxTreeDepth < 1 || this.maxTreeDepth > 30) {
      throw new RangeError(`NoUTurnSampler: maxTreeDepth must be an integer in [1, 30], got ${this.maxTreeDepth}.`);
    }
    if (!Number.isInteger(this.unrollLeapfrogSteps) || this.unrollLeapfrogSteps < 1) {
      throw new RangeError(`NoUTurnSampler: unrollLeapfrogSteps must be a positive integer, got ${this.unrollLeapfrogSteps}.`);
    }
  }

  withTargetLogProbFn(targetLogProbFn: LogProbFn): NoUTurnSampler {
    return new NoUTurnSampler({
      targetLogProbFn, stepSize: this.stepSize, maxTreeDepth: this.maxTreeDepth, maxEnergyDiff: this.maxEnergyDiff,
      unrollLeapfrogSteps: this.unrollLeapfrogSteps, ...(this.inverseMassMatrix ? { inverseMassMatrix: this.inverseMassMatrix } : {}),
    });
  }

  bootstrapResults(state: unknown): NoUTurnSamplerResults {
    const [lp, grads] = logProbAndGrad(this.targetLogProbFn, state);
    const dtype = makeRaveler(state, lp.ndim).dtype;
    const batch = lp.shape;
    return {
      targetLogProb: lp.astype(dtype),
      gradsTargetLogProb: grads,
      logAcceptRatio: np.zeros(batch, dtype),
      isAccepted: np.full(batch, false),
      leapfrogsTaken: np.zeros(batch, "int32"),
      treeDepth: np.zeros(batch, "int32"),
      reachMaxDepth: np.full(batch, false),
      hasDivergence: np.full(batch, false),
      energy: np.zeros(batch, dtype),
      stepSize: asFloat(this.stepSize, dtype),
    };
  }

  oneStep(state: unknown, results: NoUTurnSamplerResults, key: NDArray): [unknown, NoUTurnSamplerResults] {
    const batchRank = batchRankOf(results);
    return stepEachChain((s, r, k) => this.stepOneChain(s, r, k, batchRank), state, results, key, batchRank, SHARED);
  }

  private stepOneChain(state: unknown, results: NoUTurnSamplerResults, key: NDArray, batchRank: number): [unknown, NoUTurnSamplerResults] {
    const ctx = chainContext(this.targetLogProbFn, state, batchRank);
    const { raveler } = ctx;
    const dtype = raveler.dtype;
    const metric = new Metric(this.inverseMassMatrix, raveler.size, dtype);
    const depthSlots = this.maxTreeDepth;
    const [momentumKey, uniformKey] = splitKeys(key, 2);
    // Per doubling: a direction, the biased-progressive acceptance of the new subtree, and the
    // starting uniform of sampling inside it. Drawn once, picked by depth.
    const uniforms = uniform01(uniformKey, [3, depthSlots], dtype);
    const start: PhasePoint = {
      position: raveler.ravel(state),
      momentum: metric.sampleMomentum(momentumKey),
      targetLogProb: results.targetLogProb,
      gradTargetLogProb: raveler.ravel(results.gradsTargetLogProb),
    };
    const stepSize = asFloat(results.stepSize, dtype);
    const initialEnergy = hamiltonian(start, metric);
    const falseScalar = np.asarray(false);
    const zeroScalar = np.zeros([], dtype);
    const init: Trajectory = {
      left: start,
      right: start,
      proposal: { position: start.position, targetLogProb: start.targetLogProb, gradTargetLogProb: start.gradTargetLogProb, energy: initialEnergy },
      logWeight: zeroScalar,
      momentumSum: start.momentum,
      depth: np.asarray(0, "int32"),
      subtreeSize: np.asarray(1, "int32"),
      turning: falseScalar,
      diverging: falseScalar,
      leaves: np.asarray(0, "int32"),
      sumAcceptProb: zeroScalar,
      moved: falseScalar,
    };
    const leapfrog: FlatLogProbAndGrad = ctx.logProbAndGrad;
    const subtreeContext: SubtreeContext = {
      metric, logProbAndGrad: leapfrog, initialEnergy, maxEnergyDiff: this.maxEnergyDiff,
      unroll: this.unrollLeapfrogSteps, depthSlots, dtype,
    };
    const final = whileLoop(
      (t: Trajectory) => np.logicalAnd(np.less(t.depth, this.maxTreeDepth), np.logicalNot(np.logicalOr(t.turning, t.diverging))),
      (t: Trajectory) => {
        const [directionU, acceptU, subtreeU] = [0, 1, 2].map((row) => pickAt(lax.reshape(lax.slice(uniforms, [row, 0], [row + 1, depthSlots]), [depthSlots]), t.depth));
        const forward = np.less(directionU!, 0.5);
        const signedStep = np.where(forward, stepSize, np.negative(stepSize));
        const from = selectPoint(forward, t.right, t.left);
        const sub = buildSubtree(from, signedStep, t.subtreeSize, subtreeU!, subtreeContext);
        const valid = np.logicalNot(np.logicalOr(sub.turning, sub.diverging));
        // Biased progressive sampling between the old tree and the new subtree (Betancourt 2017, A.3.2).
        const take = np.logicalAnd(valid, np.less(np.log(acceptU!), np.subtract(sub.logWeight, t.logWeight)));
        const left = selectPoint(forward, t.left, sub.end);
        const right = selectPoint(forward, sub.end, t.right);
        const momentumSum = np.add(t.momentumSum, sub.momentumSum);
        // Stan's checks across the old tree O and the new subtree N: O plus N's first leaf, and O's leaf next to N plus N.
        const near = selectPoint(forward, t.right, t.left);
        const far = selectPoint(forward, t.left, t.right);
        const wholeTreeTurning = np.logicalOr(
          isTurning(metric.velocity(left.momentum), metric.velocity(right.momentum), momentumSum),
          np.logicalOr(
            isTurning(metric.velocity(far.momentum), metric.velocity(sub.firstMomentum), np.add(t.momentumSum, sub.firstMomentum)),
            isTurning(metric.velocity(near.momentum), metric.velocity(sub.end.momentum), np.add(near.momentum, sub.momentumSum)),
          ),
        );
        return {
          left,
          right,
          proposal: selectTree(take, sub.proposal, t.proposal),
          logWeight: np.where(valid, np.logaddexp(t.logWeight, sub.logWeight), t.logWeight),
          momentumSum,
          depth: np.add(t.depth, 1),
          subtreeSize: np.multiply(t.subtreeSize, 2),
          turning: np.logicalOr(sub.turning, np.logicalAnd(valid, wholeTreeTurning)),
          diverging: sub.diverging,
          leaves: np.add(t.leaves, sub.leaf),
          sumAcceptProb: np.add(t.sumAcceptProb, sub.sumAcceptProb),
          moved: np.logicalOr(t.moved, take),
        };
      },
      init,
    );
    const position = final.proposal.position;
    return [raveler.unravel(position), {
      targetLogProb: final.proposal.targetLogProb,
      gradsTargetLogProb: raveler.unravel(final.proposal.gradTargetLogProb),
      logAcceptRatio: np.log(np.divide(final.sumAcceptProb, final.leaves.astype(dtype))),
      isAccepted: final.moved,
      leapfrogsTaken: np.multiply(final.leaves, this.unrollLeapfrogSteps),
      treeDepth: final.depth,
      reachMaxDepth: np.logicalAnd(np.equal(final.depth, this.maxTreeDepth), np.logicalNot(np.logicalOr(final.turning, final.diverging))),
      hasDivergence: final.diverging,
      energy: final.proposal.energy,
      stepSize: results.stepSize,
    }];
  }
}

interface SubtreeContext {
  metric: Metric;
  logProbAndGrad: FlatLogProbAndGrad;
  initialEnergy: NDArray;
  maxEnergyDiff: number;
  unroll: number;
  depthSlots: number;
  dtype: "float32" | "float64" | "int32" | "uint32" | "bool";
}

/**
 * Builds a subtree of `size` leaves outward from `from`, one leaf per iteration (iterative NUTS as in
 * TFP and NumPyro, after Phan & Pradhan's scheme). Leaf n closes the complete sub-subtrees of sizes
 * 2^1..2^t whose last leaf it is (t = the trailing one bits of n); the one of size 2^k starts at a leaf s
 * with popcount(s) = popcount(n) - k + 1, so slot popcount(s) of checkpoints written at even leaves holds
 * what its U-turn checks need, and no leaf in between overwrites it (all have larger popcounts). Besides
 * the check of each sub-subtree, Stan's two extra checks across its halves A | B (A plus the first leaf of
 * B, the last leaf of A plus B; Stan 2.21, after "NUTS misses U-turns, runs in circles until
 * max_treedepth") read the checkpoint of B's first leaf m, one slot higher, which also records leaf m - 1.
 *
 * Sampling inside the subtree is uniform progressive sampling with one uniform u: leaf n is taken with
 * probability a = w_n / W_n when u < a, and u is then rescaled to u / a (taken) or (u - a) / (1 - a) (not
 * taken), which is again uniform and independent of the decision. It loses about log2(leaves) bits of u.
 */
function buildSubtree(from: PhasePoint, signedStep: NDArray, size: NDArray, uniform: NDArray, c: SubtreeContext): Subtree {
  const d = from.position.shape[0]!;
  const slotCount = c.depthSlots;
  const slots = lax.iota("int32", [slotCount]);
  const lowPowers = np.array(Array.from({ length: slotCount }, (_, i) => 2 ** i), "int32");
  const highPowers = np.array(Array.from({ length: slotCount }, (_, i) => 2 ** (i + 1)), "int32");
  const zeroRow = np.zeros([1, d], c.dtype);
  const nextSlot = (x: NDArray) => np.concatenate([lax.slice(x, [1, 0], [slotCount, d]), zeroRow], 0);
  const emptySlots = np.zeros([slotCount, d], c.dtype);
  const init: Subtree = {
    end: from,
    proposal: { position: from.position, targetLogProb: from.targetLogProb, gradTargetLogProb: from.gradTargetLogProb, energy: c.initialEnergy },
    logWeight: np.full([], -Infinity, c.dtype),
    momentumSum: np.zeros([d], c.dtype),
    firstMomentum: from.momentum,
    leaf: np.asarray(0, "int32"),
    turning: np.asarray(false),
    diverging: np.asarray(false),
    sumAcceptProb: np.zeros([], c.dtype),
    uniform,
    checkpoints: { velocity: emptySlots, momentum: emptySlots, momentumSumBefore: emptySlots, previousVelocity: emptySlots, previousMomentum: emptySlots },
  };
  return whileLoop(
    (s: Subtree) => np.logicalAnd(np.less(s.leaf, size), np.logicalNot(np.logicalOr(s.turning, s.diverging))),
    (s: Subtree) => {
      let point = s.end;
      for (let i = 0; i < c.unroll; i++) point = leapfrogStep(point, signedStep, c.logProbAndGrad, c.metric);
      const energy = hamiltonian(point, c.metric);
      const rawChange = np.subtract(energy, c.initialEnergy);
      const energyChange = np.where(np.isnan(rawChange), Infinity, rawChange);
      const diverging = np.greater(energyChange, c.maxEnergyDiff);
      const { take, logWeight, uniform: nextUniform } = progressiveSample(s.uniform, s.logWeight, np.negative(energyChange));
      const velocity = c.metric.velocity(point.momentum);
      const momentumSum = np.add(s.momentumSum, point.momentum);

      // Leaf indices are non-negative, so lax's truncating div/rem are floor division and modulus.
      const leafVector = lax.broadcastInDim(s.leaf, [slotCount], []);
      const popcount = lax.reduceSum(lax.rem(lax.div(leafVector, lowPowers), lax.full([slotCount], 2, "int32")), [0]);
      const trailingOnes = lax.reduceSum(lax.eq(lax.rem(lax.add(leafVector, lax.full([slotCount], 1, "int32")), highPowers), lax.full([slotCount], 0, "int32")).astype("int32"), [0]);
      const even = np.equal(lax.rem(s.leaf, np.asarray(2, "int32")), 0);

      const write = np.expandDims(np.logicalAnd(even, np.equal(slots, popcount)), 1);
      const row = (x: NDArray) => np.expandDims(x, 0);
      const ck = s.checkpoints;
      const checkpoints = {
        velocity: np.where(write, row(velocity), ck.velocity),
        momentum: np.where(write, row(point.momentum), ck.momentum),
        momentumSumBefore: np.where(write, row(s.momentumSum), ck.momentumSumBefore),
        previousVelocity: np.where(write, row(c.metric.velocity(s.end.momentum)), ck.previousVelocity),
        previousMomentum: np.where(write, row(s.end.momentum), ck.previousMomentum),
      };
      // Odd leaf: the sub-subtree of size 2^k starts at slot highest - k + 1, for k = 1..trailingOnes.
      const highest = np.subtract(popcount, 1);
      const lowest = np.subtract(highest, np.subtract(trailingOnes, 1));
      const odd = np.logicalNot(even);
      const closing = np.logicalAnd(odd, np.logicalAnd(np.greaterEqual(slots, lowest), np.lessEqual(slots, highest)));
      const spans = np.subtract(row(momentumSum), checkpoints.momentumSumBefore);
      const whole = turningRows(checkpoints.velocity, row(velocity), spans);
      // Extra checks for k >= 2: B's first leaf m has the checkpoint one slot above A's start.
      const split = { velocity: nextSlot(checkpoints.velocity), momentum: nextSlot(checkpoints.momentum), momentumSumBefore: nextSlot(checkpoints.momentumSumBefore),
        previousVelocity: nextSlot(checkpoints.previousVelocity), previousMomentum: nextSlot(checkpoints.previousMomentum) };
      const firstHalfPlusOne = np.subtract(np.add(split.momentumSumBefore, split.momentum), checkpoints.momentumSumBefore);
      const oneAndSecondHalf = np.add(np.subtract(row(momentumSum), split.momentumSumBefore), split.previousMomentum);
      const acrossHalves = np.logicalOr(
        turningRows(checkpoints.velocity, split.velocity, firstHalfPlusOne),
        turningRows(split.previousVelocity, row(velocity), oneAndSecondHalf),
      );
      const merged = np.logicalAnd(odd, np.logicalAnd(np.greaterEqual(slots, lowest), np.less(slots, highest)));
      const turning = np.any(np.logicalOr(np.logicalAnd(closing, whole), np.logicalAnd(merged, acrossHalves)));
      const leafProposal: Proposal = { position: point.position, targetLogProb: point.targetLogProb, gradTargetLogProb: point.gradTargetLogProb, energy };
      return {
        end: point,
        proposal: selectTree(take, leafProposal, s.proposal),
        logWeight,
        momentumSum,
        firstMomentum: np.where(np.equal(s.leaf, 0), point.momentum, s.firstMomentum),
        leaf: np.add(s.leaf, 1),
        turning,
        diverging,
        sumAcceptProb: np.add(s.sumAcceptProb, np.exp(np.minimum(np.negative(energyChange), 0))),
        uniform: nextUniform,
        checkpoints,
      };
    },
    init,
  );
}

/**
 * One step of uniform progressive sampling with a single running uniform u in [0, 1): a new leaf of log
 * weight w joins candidates of total log weight W; it is taken with probability a = e^w / (e^W + e^w), as
 * u < a, and u is rescaled to u / a or (u - a) / (1 - a), again uniform given the decision. Over a subtree
 * the leaf finally kept is leaf i with probability e^{w_i} / Σ e^{w_j}.
 */
export function progressiveSample(uniform: NDArray, logWeight: NDArray, leafLogWeight: NDArray): { take: NDArray; logWeight: NDArray; uniform: NDArray } {
  const total = np.logaddexp(logWeight, leafLogWeight);
  const rawShare = np.exp(np.subtract(leafLogWeight, total));
  const share = np.where(np.isnan(rawShare), 0, rawShare);
  const take = np.less(uniform, share);
  const rescaled = np.where(take, np.divide(uniform, share), np.divide(np.subtract(uniform, share), np.subtract(1, share)));
  // The largest float below 1 in the dtype keeps the rescaled uniform in [0, 1).
  const largestBelowOne = uniform.dtype === "float64" ? 1 - 2 ** -53 : 1 - 2 ** -24;
  return { take, logWeight: total, uniform: np.minimum(np.where(np.isfinite(rescaled), rescaled, 0), largestBelowOne) };
}

/** Per row: whether a trajectory with end velocities `vA`, `vB` (rows or one row) and momentum sum `rho` turns back. */
function turningRows(vA: NDArray, vB: NDArray, rho: NDArray): NDArray {
  return np.logicalOr(np.lessEqual(np.sum(np.multiply(vA, rho), 1), 0), np.lessEqual(np.sum(np.multiply(vB, rho), 1), 0));
}

/** The generalized no-U-turn criterion fails: a trajectory with end velocities vMinus, vPlus and momentum sum rho turns back. */
function isTurning(vMinus: NDArray, vPlus: NDArray, momentumSum: NDArray): NDArray {
  return np.logicalOr(np.lessEqual(np.sum(np.multiply(vMinus, momentumSum)), 0), np.lessEqual(np.sum(np.multiply(vPlus, momentumSum)), 0));
}

/** vec[index] for a traced index, as a masked sum (cheaper than a gather for a handful of entries). */
function pickAt(vec: NDArray, index: NDArray): NDArray {
  return np.sum(np.where(np.equal(lax.iota("int32", [vec.shape[0]!]), index), vec, 0));
}

function selectTree<T>(pred: NDArray, onTrue: T, onFalse: T): T {
  return tree.map((a: unknown, b: unknown) => np.where(pred, a as NDArray, b as NDArray), onTrue, onFalse) as T;
}

function selectPoint(pred: NDArray, onTrue: PhasePoint, onFalse: PhasePoint): PhasePoint {
  return selectTree(pred, onTrue, onFalse);
}

tree.registerPytreeNode(
  NoUTurnSampler,
  (k) => [[k.stepSize, k.inverseMassMatrix ?? null], {
    targetLogProbFn: k.targetLogProbFn, maxTreeDepth: k.maxTreeDepth, maxEnergyDiff: k.maxEnergyDiff, unrollLeapfrogSteps: k.unrollLeapfrogSteps,
  }] as const,
  (aux, [stepSize, inverseMassMatrix]) => new NoUTurnSampler({ ...aux, stepSize: stepSize as NDArray | number, inverseMassMatrix: (inverseMassMatrix ?? undefined) as NDArray | undefined }),
);
