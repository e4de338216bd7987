// First-order optimizers in optax's style: gradient transformations `{ init, update }` over pytrees
// with plain-pytree state (so they jit, vmap and scan), combinators, and learning-rate schedules.
// Formulas follow optax (optax/_src/transform.py, alias.py, transforms/_clipping.py, schedules/).
import { NDArray, np, tree } from "@fluxion/core";

/** A pytree of arrays (parameters, gradients or updates). */
export type Params = unknown;

/** A function of the step count; receives the count as a float array of the updates' dtype. */
export type Schedule = (count: NDArray) => NDArray | number;
export type ScalarOrSchedule = number | Schedule;

/** optax's GradientTransformation: `update` maps (updates, state, params) to (new updates, new state). */
export interface GradientTransformation<S = unknown> {
  init(params: Params): S;
  update(updates: Params, state: S, params?: Params): [Params, S];
}

const mapLeaves = (f: (...xs: NDArray[]) => NDArray, ...trees: Params[]): Params => tree.map(f as (...xs: never[]) => unknown, ...trees);
const leaves = (t: Params): NDArray[] => tree.leaves(t) as NDArray[];
const zeroCount = () => np.zeros([], "int32");
/** Saturating increment of an int32 counter (optax's `safe_increment`). */
const increment = (count: NDArray) => np.where(np.less(count, 2147483647), np.add(count, 1), count);

/** The count as a float array matching the updates, so schedules compute in the parameters' precision. */
function countFor(count: NDArray, updates: Params): NDArray {
  const first = leaves(updates)[0];
  return np.astype(count, first && first.dtype === "float64" ? "float64" : "float32");
}
const asValue = (v: NDArray | number, like: NDArray): NDArray => (v instanceof NDArray ? np.astype(v, like.dtype) : np.asarray(v, like.dtype));

/** Passes updates through unchanged. */
export function identity(): GradientTransformation<null> {
  return { init: () => null, update: (updates, state) => [updates, state] };
}

/** Applies transformations in sequence; the state is the array of their states. */
export function chain(...ts: GradientTransformation<unknown>[]): GradientTransformation<unknown[]> {
  return {
    init: (params) => ts.map((t) => t.init(params)),
    update: (updates, state, params) => {
      let u = updates;
      const next = ts.map((t, i) => {
        const [nu, ns] = t.update(u, state[i], params);
        u = nu;
        return ns;
      });
      return [u, next];
    },
  };
}

/** Multiplies updates by a constant. */
export function scale(stepSize: number): GradientTransformation<null> {
  return { init: () => null, update: (updates, state) => [mapLeaves((g) => np.multiply(g, stepSize), updates), state] };
}

/** Multiplies updates by `stepSizeFn(count)`, counting calls. */
export function scaleBySchedule(stepSizeFn: Schedule): GradientTransformation<{ count: NDArray }> {
  return {
    init: () => ({ count: zeroCount() }),
    update: (updates, state) => {
      const c = countFor(state.count, updates);
      const step = stepSizeFn(c);
      return [mapLeaves((g) => np.multiply(asValue(step, g), g), updates), { count: increment(state.count) }];
    },
  };
}

/** Scales by -learningRate (a descent step), constant or scheduled. */
export function scaleByLearningRate(learningRate: ScalarOrSchedule, { flipSign = true } = {}): GradientTransformation<unknown> {
  const m = flipSign ? -1 : 1;
  if (typeof learningRate === "function") {
    return scaleBySchedule((count) => {
      const v = learningRate(count);
      return v instanceof NDArray ? np.multiply(v, m) : m * v;
    }) as GradientTransformation<unknown>;
  }
  return scale(m * learningRate) as GradientTransformation<unknown>;
}

/** Momentum: trace = g + decay * trace; the update is the trace, or g + decay * trace with Nesterov. */
export function trace({ decay, nesterov = false }: { decay: number; nesterov?: boolean }): GradientTransformation<{ trace: Params }> {
  return {
    init: (params) => ({ trace: mapLeaves((p) => np.zerosLike(p), params) }),
    update: (updates, state) => {
      const f = (g: NDArray, t: NDArray) => np.add(g, np.multiply(t, decay));
      const newTrace = mapLeaves(f, updates, state.trace);
      return [nesterov ? mapLeaves(f, updates, newTrace) : newTrace, { trace: newTrace }];
    },
  };
}

export interface AdamOptions {
  b1?: number;
  b2?: number;
  eps?: number;
  epsRoot?: number;
  /** Nesterov momentum (NAdam, Dozat 2016). */
  nesterov?: boolean;
}

export interface AdamState {
  count: NDArray;
  mu: Params;
  nu: Params;
}

/** Adam's rescaling (Kingma & Ba 2015): bias-corrected first moment over the root of the second. */
export function scaleByAdam({ b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0, nesterov = false }: AdamOptions = {}): GradientTransformation<AdamState> {
  return {
    init: (params) => ({ count: zeroCount(), mu: mapLeaves((p) => np.zerosLike(p), params), nu: mapLeaves((p) => np.zerosLike(p), params) }),
    update: (updates, state) => {
      const mu = mapLeaves((g, m) => np.add(np.multiply(m, b1), np.multiply(g, 1 - b1)), updates, state.mu);
      const nu = mapLeaves((g, v) => np.add(np.multiply(v, b2), np.multiply(np.square(g), 1 - b2)), updates, state.nu);
      const countInc = increment(state.count);
      const correction = (decay: number, count: NDArray) => (x: NDArray) => np.divide(x, np.subtract(1, np.power(decay, np.astype(count, x.dtype))));
      const muHat = nesterov
        ? mapLeaves((m, g) => np.add(np.multiply(correction(b1, increment(countInc))(m), b1), np.multiply(correction(b1, countInc)(g), 1 - b1)), mu, updates)
        : mapLeaves(correction(b1, countInc), mu);
      const nuHat = mapLeaves(correction(b2, countInc), nu);
      const out = mapLeaves((m, v) => np.divide(m, np.add(np.sqrt(np.add(v, epsRoot)), eps)), muHat, nuHat);
      return [out, { count: countInc, mu, nu }];
    },
  };
}

export interface RmsOptions {
  decay?: number;
  eps?: number;
  initialScale?: number;
  /** eps inside the square root (optax's default) or added to the root. */
  epsInSqrt?: boolean;
  biasCorrection?: boolean;
}

/** RMSProp's rescaling: g / sqrt(EMA of g^2 + eps) (optax's scale_by_rms). */
export function scaleByRms({ decay = 0.9, eps = 1e-8, initialScale = 0, epsInSqrt = true, biasCorrection = false }: RmsOptions = {}): GradientTransformation<{ count: NDArray; nu: Params }> {
  return {
    init: (params) => ({ count: zeroCount(), nu: mapLeaves((p) => np.fullLike(p, initialScale), params) }),
    update: (updates, state) => {
      const nu = mapLeaves((g, v) => np.add(np.multiply(v, decay), np.multiply(np.square(g), 1 - decay)), updates, state.nu);
      const countInc = biasCorrection ? increment(state.count) : state.count;
      const nuHat = biasCorrection ? mapLeaves((v) => np.divide(v, np.subtract(1, np.power(decay, np.astype(countInc, v.dtype)))), nu) : nu;
      const out = mapLeaves((g, v) => np.multiply(g, epsInSqrt ? np.divide(1, np.sqrt(np.add(v, eps))) : np.divide(1, np.add(np.sqrt(v), eps))), updates, nuHat);
      return [out, { count: countInc, nu }];
    },
  };
}

/** Centred RMSProp: g / sqrt(E[g^2] - E[g]^2 + eps) (optax's scale_by_stddev). */
export function scaleByStddev({ decay = 0.9, eps = 1e-8, initialScale = 0, epsInSqrt = true, biasCorrection = false }: RmsOptions = {}): GradientTransformation<{ count: NDArray; mu: Params; nu: Params }> {
  return {
    init: (params) => ({ count: zeroCount(), mu: mapLeaves((p) => np.zerosLike(p), params), nu: mapLeaves((p) => np.fullLike(p, initialScale), params) }),
    update: (updates, state) => {
      const mu = mapLeaves((g, m) => np.add(np.multiply(m, decay), np.multiply(g, 1 - decay)), updates, state.mu);
      const nu = mapLeaves((g, v) => np.add(np.multiply(v, decay), np.multiply(np.square(g), 1 - decay)), updates, state.nu);
      const countInc = biasCorrection ? increment(state.count) : state.count;
      const corr = (x: NDArray) => (biasCorrection ? np.divide(x, np.subtract(1, np.power(decay, np.astype(countInc, x.dtype)))) : x);
      const out = mapLeaves((g, m, v) => {
        const variance = np.subtract(corr(v), np.square(corr(m)));
        return np.multiply(g, epsInSqrt ? np.divide(1, np.sqrt(np.add(variance, eps))) : np.divide(1, np.add(np.sqrt(variance), eps)));
      }, updates, mu, nu);
      return [out, { count: countInc, mu, nu }];
    },
  };
}

/**
 * Adds weightDecay * params to the updates (decoupled weight decay, Loshchilov & Hutter 2019).
 * `mask` (a pytree of booleans like the params, or a function of the params) limits it to some leaves.
 */
export function addDecayedWeights(weightDecay: ScalarOrSchedule = 0, mask?: Params | ((params: Params) => Params)): GradientTransformation<{ count: NDArray } | null> {
  return {
    init: () => (typeof weightDecay === "function" ? { count: zeroCount() } : null),
    update: (updates, state, params) => {
      if (params === undefined) throw new TypeError("addDecayedWeights: update needs params (pass them as the third argument of update).");
      const next = state === null ? null : { count: increment(state.count) };
      const maskTree = mask === undefined ? undefined : typeof mask === "function" ? (mask as (p: Params) => Params)(params) : mask;
      const maskLeaves = maskTree === undefined ? undefined : (tree.leaves(maskTree) as unknown[]).map((m) => (m instanceof NDArray ? m.item() !== 0 : Boolean(m)));
      const uLeaves = leaves(updates);
      const pLeaves = leaves(params);
      const out = uLeaves.map((g, i) => {
        if (maskLeaves && !maskLeaves[i]) return g;
        const s = typeof weightDecay === "function" ? asValue(weightDecay(countFor(state!.count, updates)), g) : weightDecay;
        return np.add(g, np.multiply(pLeaves[i]!, s));
      });
      return [tree.unflatten(tree.structure(updates), out), next];
    },
  };
}

/** The l2 norm of all leaves together. */
export function globalNorm(updates: Params): NDArray {
  return np.sqrt(leaves(updates).map((g) => np.sum(np.square(g))).reduce((a, b) => np.add(a, b)));
}

/** Rescales updates so their global norm is at most `maxNorm` (Pascanu et al. 2013). */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation<null> {
  return {
    init: () => null,
    update: (updates, state) => {
      const norm = globalNorm(updates);
      const keep = np.less(norm, maxNorm);
      return [mapLeaves((t) => np.where(keep, t, np.multiply(np.divide(t, np.astype(norm, t.dtype)), maxNorm)), updates), state];
    },
  };
}

/** Clips each update element to [-maxDelta, maxDelta]. */
export function clip(maxDelta: number): GradientTransformation<null> {
  return { init: () => null, update: (updates, state) => [mapLeaves((t) => np.clip(t, -maxDelta, maxDelta), updates), state] };
}

/** params + updates, leaf by leaf, in the params' dtype. */
export function applyUpdates<P extends Params>(params: P, updates: Params): P {
  return mapLeaves((p, u) => np.astype(np.add(p, u), p.dtype), params, updates) as P;
}

// ---------------------------------------------------------------- aliases

/** Stochastic gradient descent, optionally with (Nesterov) momentum. */
export function sgd(learningRate: ScalarOrSchedule, { momentum, nesterov = false }: { momentum?: number; nesterov?: boolean } = {}): GradientTransformation<unknown[]> {
  return chain(momentum === undefined ? identity() : trace({ decay: momentum, nesterov }), scaleByLearningRate(learningRate));
}

/** Adam (Kingma & Ba 2015). */
export function adam(learningRate: ScalarOrSchedule, options: AdamOptions = {}): GradientTransformation<unknown[]> {
  return chain(scaleByAdam(options), scaleByLearningRate(learningRate));
}

/** AdamW: Adam with decoupled weight decay (default 1e-4, as optax). */
export function adamw(learningRate: ScalarOrSchedule, { weightDecay = 1e-4, mask, ...adamOptions }: AdamOptions & { weightDecay?: ScalarOrSchedule; mask?: Params | ((params: Params) => Params) } = {}): GradientTransformation<unknown[]> {
  return chain(scaleByAdam(adamOptions), addDecayedWeights(weightDecay, mask), scaleByLearningRate(learningRate));
}

/** RMSProp (Tieleman & Hinton 2012), optionally centred and with momentum, as optax.rmsprop. */
export function rmsprop(learningRate: ScalarOrSchedule, { centered = false, momentum, nesterov = false, ...rms }: RmsOptions & { centered?: boolean; momentum?: number; nesterov?: boolean } = {}): GradientTransformation<unknown[]> {
  return chain(
    (centered ? scaleByStddev(rms) : scaleByRms(rms)),
    scaleByLearningRate(learningRate),
    momentum === undefined ? identity() : trace({ decay: momentum, nesterov }),
  );
}

// ---------------------------------------------------------------- schedules

export function constantSchedule(value: number): Schedule {
  return () => value;
}

/** init * rate^((count - begin) / transitionSteps), floored with `staircase`, clipped at `endValue`. */
export function exponentialDecay({ initValue, transitionSteps, decayRate, transitionBegin = 0, staircase = false, endValue }: {
  initValue: number; transitionSteps: number; decayRate: number; transitionBegin?: number; staircase?: boolean; endValue?: number;
}): Schedule {
  if (transitionSteps <= 0 || decayRate === 0) return () => initValue;
  const begin = Math.max(0, transitionBegin);
  return (count) => {
    const decreased = np.subtract(count, begin);
    let p = np.divide(decreased, transitionSteps);
    if (staircase) p = np.floor(p);
    let value = np.where(np.lessEqual(decreased, 0), initValue, np.multiply(np.power(decayRate, p), initValue));
    if (endValue !== undefined) value = decayRate < 1 ? np.maximum(value, endValue) : np.minimum(value, endValue);
    return value;
  };
}

/** (init - end) (1 - min(count - begin, steps) / steps)^power + end. */
export function polynomialSchedule({ initValue, endValue, power, transitionSteps, transitionBegin = 0 }: {
  initValue: number; endValue: number; power: number; transitionSteps: number; transitionBegin?: number;
}): Schedule {
  if (transitionSteps <= 0) return () => initValue;
  const begin = Math.max(0, transitionBegin);
  return (count) => {
    const c = np.clip(np.subtract(count, begin), 0, transitionSteps);
    const frac = np.subtract(1, np.divide(c, transitionSteps));
    return np.add(np.multiply(np.power(frac, power), initValue - endValue), endValue);
  };
}

export function linearSchedule({ initValue, endValue, transitionSteps, transitionBegin = 0 }: {
  initValue: number; endValue: number; transitionSteps: number; transitionBegin?: number;
}): Schedule {
  return polynomialSchedule({ initValue, endValue, power: 1, transitionSteps, transitionBegin });
}

/** init * ((1 - alpha) c^exponent + alpha), c = (1 + cos(pi min(count, steps) / steps)) / 2 (SGDR, Loshchilov & Hutter 2017). */
export function cosineDecaySchedule({ initValue, decaySteps, alpha = 0, exponent = 1 }: {
  initValue: number; decaySteps: number; alpha?: number; exponent?: number;
}): Schedule {
  if (!(decaySteps > 0)) throw new RangeError(`cosineDecaySchedule: decaySteps must be positive, got ${decaySteps}.`);
  return (count) => {
    const c = np.minimum(count, decaySteps);
    const cosine = np.multiply(np.add(1, np.cos(np.multiply(c, Math.PI / decaySteps))), 0.5);
    return np.multiply(np.add(np.multiply(np.power(cosine, exponent), 1 - alpha), alpha), initValue);
  };
}

/** Runs `schedules[i + 1]` from `boundaries[i]` on, with the count restarted at the boundary. */
export function joinSchedules(schedules: Schedule[], boundaries: number[]): Schedule {
  return (count) => {
    let out = asValue(schedules[0]!(count), count);
    boundaries.forEach((b, i) => {
      out = np.where(np.less(count, b), out, asValue(schedules[i + 1]!(np.subtract(count, b)), count));
    });
    return out;
  };
}

/** Linear warmup from initValue to peakValue, then cosine decay to endValue at decaySteps. */
export function warmupCosineDecaySchedule({ initValue, peakValue, warmupSteps, decaySteps, endValue = 0, exponent = 1 }: {
  initValue: number; peakValue: number; warmupSteps: number; decaySteps: number; endValue?: number; exponent?: number;
}): Schedule {
  const alpha = peakValue === 0 ? 0 : endValue / peakValue;
  return joinSchedules([
    linearSchedule({ initValue, endValue: peakValue, transitionSteps: warmupSteps }),
    cosineDecaySchedule({ initValue: peakValue, decaySteps: decaySteps - warmupSteps, alpha, exponent }),
  ], [warmupSteps]);
}

