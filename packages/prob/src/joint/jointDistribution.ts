// The JointDistribution base (TFP's joint_distribution.py): every joint model is a coroutine yielding the
// conditional distribution of each part given the earlier ones; sampling, log-densities, shapes, pinning
// and the default event-space bijector are all runs of that coroutine with a different per-part trace.
import { NDArray, np, random, type ArrayLike, type DType } from "@fluxion/core";
import { Distribution, type ReparameterizationType } from "../distributions/distribution.js";
import { broadcastShapes, sumLastAxes } from "../distributions/internal.js";
import { iidSample, mapOverExtraDims } from "./vectorize.js";
import type { JointDistributionPinned } from "./pinned.js";
import type { JointDistributionDefaultBijector } from "./bijector.js";

/** Marks a coroutine step with no parents (TFP's JointDistributionCoroutine.Root): it is sampled with the full sample shape. */
export class RootDistribution {
  constructor(readonly distribution: Distribution) {}
}

/** `yield Root(d)` in a coroutine model marks `d` as a root node. */
export function Root(distribution: Distribution): RootDistribution {
  return new RootDistribution(distribution);
}

/** One step of a model: a distribution, possibly marked as a root. */
export type ModelStep = Distribution | RootDistribution;
/** What a joint model runs: yields each part's distribution, receives that part's value. */
export type ModelGenerator = Generator<ModelStep, unknown, NDArray>;

/** A value structured like a model's parts: a list (Sequential, Coroutine) or an object (Named). */
export type Structured<T> = T[] | { [name: string]: T };
/** A joint draw: arrays in model order, or by name. */
export type JointValue = Structured<NDArray>;
/** A (possibly partial) joint value as users pass it: missing/null parts are sampled (or not allowed, for logProb). */
export type JointValueLike = Structured<ArrayLike | null | undefined>;

export interface JointDistributionOptions {
  /**
   * Number of leading batch dims of every part (TFP's batch_ndims): null (default) keeps TFP's classic
   * semantics (structured batch shapes, parts' log-densities summed as they are); an integer treats the
   * remaining batch dims of each part as event dims and sums its log-density over them.
   */
  batchNdims?: number | null;
  /** Write the model for a single draw and let sample/logProb vmap over sample dims (needs batchNdims). */
  useVectorizedMap?: boolean;
  validateArgs?: boolean;
  name?: string;
}

/** Static facts about one part, read off a single draw of the model. */
export interface PartAttributes {
  batchShape: number[];
  eventShape: number[];
  dtype: DType;
  /** The distribution's explicit name, or null when it carries its default name. */
  name: string | null;
  reparameterizationType: ReparameterizationType;
}

/** What one model step hands back: the value the model continues with and what the caller collects. */
export interface Traced<T> {
  value: NDArray;
  traced: T;
}
/** Called at every model step (TFP's sample_and_trace_fn). */
export type TraceFn<T> = (dist: Distribution, sampleShape: number[], key: NDArray | null, value: NDArray | null, index: number) => Traced<T>;

/** The model protocol shared by joint distributions and pinned joints (what the default joint bijector walks). */
export interface JointModel {
  readonly useVectorizedMap: boolean;
  readonly validateArgs: boolean;
  modelCoroutine(): ModelGenerator;
  modelFlatten<T>(value: Structured<T> | null | undefined, what?: string): (T | null)[];
  modelUnflatten<T>(xs: readonly T[]): Structured<T>;
  /** Distributions of one draw of each part (in model order). */
  singleSampleDistributions(): Distribution[];
  /** Event rank of each part as the joint sees it (trailing batch dims included when batchNdims is set). */
  partEventNdims(): number[];
  /** Rank of the joint's own batch shape (0 for classic semantics, where batch shapes are per part). */
  jointBatchNdims(): number;
}

/** A zeros key, for model runs whose draws only serve to read shapes (TFP's samplers.zeros_seed). */
export const zerosKey = (): NDArray => np.zeros([2], "uint32");

export const normalizeSampleShape = (s: number | readonly number[] | undefined): number[] => (s === undefined ? [] : typeof s === "number" ? [s] : [...s]);

/** A user value part as an array of the part's dtype (arrays are kept as they are). */
export function asPartValue(v: ArrayLike, dtype: DType): NDArray {
  return v instanceof NDArray ? v : np.asarray(v, dtype);
}

/**
 * The explicit `name` given to a distribution, or null for a default name (TFP's
 * get_explicit_name_for_component: names containing the class name are defaults).
 */
export function explicitName(d: Distribution): string | null {
  const name = d.name;
  if (!name || name.includes(d.constructor.name)) return null;
  const inner = (d as unknown as { distribution?: unknown }).distribution;
  if (inner instanceof Distribution && name.endsWith(inner.name)) return null;
  return name;
}

const isDistribution = (x: unknown): x is Distribution => x instanceof Distribution;

/** Base class of JointDistributionSequential, JointDistributionNamed and JointDistributionCoroutine. */
export abstract class JointDistribution implements JointModel {
  readonly batchNdims: number | null;
  readonly useVectorizedMap: boolean;
  readonly validateArgs: boolean;
  readonly name: string;
  private staticAttributes: PartAttributes[] | null = null;

  protected constructor(options: JointDistributionOptions, defaultName: string) {
    const batchNdims = options.batchNdims ?? null;
    if (batchNdims !== null && (!Number.isInteger(batchNdims) || batchNdims < 0)) {
      throw new Error(`${defaultName}: batchNdims must be a non-negative integer or null, got ${batchNdims}.`);
    }
    if (options.useVectorizedMap && batchNdims === null) {
      throw new Error(`${defaultName}: useVectorizedMap needs an integer batchNdims (pass batchNdims: 0 unless the model has batch dims), as TFP requires.`);
    }
    this.batchNdims = batchNdims;
    this.useVectorizedMap = options.useVectorizedMap ?? false;
    this.validateArgs = options.validateArgs ?? false;
    this.name = options.name ?? defaultName;
  }

  // ------------------------------------------------------------------ subclass protocol

  /** Runs the model: yields each part's distribution (roots wrapped in Root), receives each part's value. */
  abstract modelCoroutine(): ModelGenerator;
  /** The parts of a structured value in model order (missing parts as null). */
  abstract modelFlatten<T>(value: Structured<T> | null | undefined, what?: string): (T | null)[];
  /** A structured value from parts in model order. */
  abstract modelUnflatten<T>(xs: readonly T[]): Structured<T>;
  /** One name per part, in model order (TFP's _flat_resolve_names). */
  abstract flatNames(): string[];
  /** Whether the first step must be a Root when sampling with a sample shape (Coroutine). */
  protected get requireRoot(): boolean {
    return true;
  }

  // ------------------------------------------------------------------ running the model

  /** One pass through the model (TFP's _execute_model): each step's key is split off the running key. */
  executeModel<T>(sampleShape: readonly number[], key: NDArray | null, value: readonly (NDArray | null)[] | null, traceFn: TraceFn<T>, stopIndex?: number): T[] {
    const gen = this.modelCoroutine();
    let step = gen.next();
    if (this.requireRoot && sampleShape.length > 0 && !step.done && !(step.value instanceof RootDistribution)) {
      throw new Error(`${this.constructor.name}: the first distribution of the model must be wrapped in Root(...) to sample with sampleShape [${sampleShape}].`);
    }
    const out: T[] = [];
    let running = key;
    let index = 0;
    while (!step.done) {
      const s = step.value;
      const isRoot = s instanceof RootDistribution;
      const dist = isRoot ? s.distribution : s;
      if (!isDistribution(dist)) {
        throw new Error(`${this.constructor.name}: part ${index} of the model is not a Distribution (got ${describe(dist)}); every model step must produce a distribution.`);
      }
      let partKey: NDArray | null = null;
      if (running !== null) {
        // Split at every step, also where a value is given, so draws do not depend on which parts are pinned.
        const ks = random.split(running);
        partKey = ks.slice(0);
        running = ks.slice(1);
      }
      const v = value?.[index] ?? null;
      const r = traceFn(dist, isRoot ? [...sampleShape] : [], partKey, v, index);
      out.push(r.traced);
      index++;
      if (stopIndex !== undefined && index === stopIndex) break;
      step = gen.next(r.value);
    }
    return out;
  }

  /**
   * `executeModel` with automatic vectorization (TFP's _call_execute_model): with useVectorizedMap, a sample
   * shape becomes a vmap over keys and values with extra leading dims a vmap over those dims.
   */
  protected callExecuteModel<T>(sampleShape: readonly number[], key: NDArray | null, value: readonly (NDArray | null)[] | null, traceFn: TraceFn<T>): T[] {
    if (!this.useVectorizedMap) return this.executeModel(sampleShape, key, value, traceFn);
    const core = this.singleSampleNdims();
    const extraDims = value !== null && value.some((v, i) => v !== null && v.ndim > core[i]!);
    if (sampleShape.length === 0 && !extraDims) return this.executeModel([], key, value, traceFn);
    const overValues = (k: NDArray | null) => {
      if (value === null || !extraDims) return this.executeModel([], k, value, traceFn);
      return mapOverExtraDims(`${this.constructor.name} (vectorized)`, (vs) => this.executeModel([], k, vs, traceFn), value, core);
    };
    if (sampleShape.length === 0) return overValues(key);
    if (key === null) throw new Error(`${this.constructor.name}: sampling needs a key.`);
    return iidSample((k) => overValues(k), key, sampleShape);
  }

  /** Static shapes/dtypes/names of each part, from one run of the model with a zeros key (cached). */
  partAttributes(): PartAttributes[] {
    if (this.staticAttributes === null) {
      this.staticAttributes = this.executeModel<PartAttributes>([], zerosKey(), null, (d, _s, k, v) => ({
        value: v ?? d.sample(k!),
        traced: { batchShape: [...d.batchShape], eventShape: [...d.eventShape], dtype: d.dtype, name: explicitName(d), reparameterizationType: d.reparameterizationType },
      }));
    }
    return this.staticAttributes;
  }

  /** The distributions of one draw of the model (TFP's _get_single_sample_distributions). */
  singleSampleDistributions(): Distribution[] {
    return this.executeModel<Distribution>([], zerosKey(), null, (d, _s, k, v) => ({ value: v ?? d.sample(k!), traced: d }));
  }

  /** Rank of one draw of each part (batch + event). */
  protected singleSampleNdims(): number[] {
    return this.partAttributes().map((a) => a.batchShape.length + a.eventShape.length);
  }

  partEventNdims(): number[] {
    return this.flatEventShape().map((s) => s.length);
  }

  jointBatchNdims(): number {
    return this.batchNdims === null ? 0 : (this.batchShape as number[]).length;
  }

  // ------------------------------------------------------------------ shapes and dtypes

  private flatEventShape(): number[][] {
    return this.partAttributes().map((a) => (this.batchNdims === null ? [...a.eventShape] : [...a.batchShape.slice(this.batchNdims), ...a.eventShape]));
  }

  /**
   * Classic semantics: the structure of the parts' batch shapes. With batchNdims: the broadcast of the
   * parts' leading batchNdims batch dims (one shape).
   */
  get batchShape(): Structured<number[]> | number[] {
    const parts = this.partAttributes().map((a) => [...a.batchShape]);
    if (this.batchNdims === null) return this.modelUnflatten(parts);
    const nd = this.batchNdims;
    return broadcastShapes(`${this.constructor.name}.batchShape`, ...parts.map((s) => s.slice(0, nd)));
  }

  /** The structure of the parts' event shapes (with batchNdims: trailing batch dims included). */
  get eventShape(): Structured<number[]> {
    return this.modelUnflatten(this.flatEventShape());
  }

  /** The structure of the parts' dtypes. */
  get dtype(): Structured<DType> {
    return this.modelUnflatten(this.partAttributes().map((a) => a.dtype));
  }

  get reparameterizationType(): Structured<ReparameterizationType> {
    return this.modelUnflatten(this.partAttributes().map((a) => a.reparameterizationType));
  }

  // ------------------------------------------------------------------ values

  /** Flattens a user value to parts, converting array-likes to each part's dtype. */
  protected flatValue(value: JointValueLike | null | undefined, what: string): (NDArray | null)[] | null {
    if (value === null || value === undefined) return null;
    const flat = this.modelFlatten(value as Structured<ArrayLike | null | undefined>, what);
    const attrs = flat.some((v) => v !== null && v !== undefined && !(v instanceof NDArray)) ? this.partAttributes() : null;
    return flat.map((v, i) => (v === null || v === undefined ? null : asPartValue(v, attrs ? attrs[i]!.dtype : "float32")));
  }

  /** `flatValue` for methods that need every part. */
  protected fullValue(value: JointValueLike, what: string): NDArray[] {
    const flat = this.flatValue(value, what);
    if (flat === null) throw new Error(`${this.constructor.name}.${what}: a value is required.`);
    const names = this.flatNames();
    const missing = flat.map((v, i) => (v === null ? names[i] : null)).filter((n) => n !== null);
    if (missing.length) throw new Error(`${this.constructor.name}.${what}: no part may be missing or null; missing ${missing.join(", ")}.`);
    return flat as NDArray[];
  }

  // ------------------------------------------------------------------ sampling

  /**
   * Draws with each part shaped sampleShape + part batch + part event. `value` fixes some parts (the others
   * are sampled conditionally on them), as TFP's `sample(value=...)`.
   */
  sample(key: ArrayLike, sampleShape: number | readonly number[] = [], value?: JointValueLike): JointValue {
    const shape = normalizeSampleShape(sampleShape);
    const k = asKey(key);
    const xs = this.callExecuteModel<NDArray>(shape, k, this.flatValue(value, "sample"), (d, s, pk, v) => {
      const x = v ?? d.sample(pk!, s);
      return { value: x, traced: x };
    });
    return this.modelUnflatten(xs);
  }

  /** The distributions each part was drawn from, and the draws (TFP's sample_distributions). */
  sampleDistributions(key: ArrayLike | null = null, value?: JointValueLike, sampleShape: number | readonly number[] = []): [Structured<Distribution>, JointValue] {
    const shape = normalizeSampleShape(sampleShape);
    const k = key === null ? null : asKey(key);
    const pairs = this.callExecuteModel<[Distribution, NDArray]>(shape, k, this.flatValue(value, "sampleDistributions"), (d, s, pk, v, i) => {
      if (v === null && pk === null) throw new Error(`${this.constructor.name}.sampleDistributions: part ${this.flatNames()[i]} has no value; pass a key to sample it.`);
      const x = v ?? d.sample(pk!, s);
      return { value: x, traced: [d, x] };
    });
    return [this.modelUnflatten(pairs.map((p) => p[0])), this.modelUnflatten(pairs.map((p) => p[1]))];
  }

  /** A draw and its log-density (TFP's experimental_sample_and_log_prob). */
  experimentalSampleAndLogProb(key: ArrayLike, sampleShape: number | readonly number[] = [], value?: JointValueLike): [JointValue, NDArray] {
    const shape = normalizeSampleShape(sampleShape);
    const pairs = this.callExecuteModel<[NDArray, NDArray]>(shape, asKey(key), this.flatValue(value, "experimentalSampleAndLogProb"), (d, s, pk, v) => {
      const x = v ?? d.sample(pk!, s);
      return { value: x, traced: [x, d.logProb(x)] };
    });
    return [this.modelUnflatten(pairs.map((p) => p[0])), this.sumParts(this.reduceParts(pairs.map((p) => p[1])))];
  }

  // ------------------------------------------------------------------ densities

  /** Log-density of each part given the earlier ones, structured like the model (reduced per batchNdims). */
  logProbParts(value: JointValueLike): Structured<NDArray> {
    return this.modelUnflatten(this.flatLogProbParts(this.fullValue(value, "logProbParts")));
  }

  /** Log-density of the whole draw: the sum of the parts' log-densities (they broadcast together). */
  logProb(value: JointValueLike): NDArray {
    return this.sumParts(this.flatLogProbParts(this.fullValue(value, "logProb")));
  }

  prob(value: JointValueLike): NDArray {
    return np.exp(this.logProb(value));
  }

  /** Same as logProb (every part's density is normalized). */
  unnormalizedLogProb(value: JointValueLike): NDArray {
    return this.logProb(value);
  }

  unnormalizedLogProbParts(value: JointValueLike): Structured<NDArray> {
    return this.logProbParts(value);
  }

  /** Per-part log-densities in model order, reduced over batch-as-event dims. */
  flatLogProbParts(flat: readonly NDArray[]): NDArray[] {
    const lps = this.callExecuteModel<NDArray>([], null, flat, (d, _s, _k, v) => ({ value: v!, traced: d.logProb(v!) }));
    return this.reduceParts(lps);
  }

  /** Sums each part's log-density over the batch dims treated as event dims (TFP's _reduce_measure_over_dists). */
  protected reduceParts(lps: NDArray[]): NDArray[] {
    if (this.batchNdims === null) return lps;
    const nd = this.batchNdims;
    const attrs = this.partAttributes();
    return lps.map((lp, i) => sumLastAxes(lp, Math.max(0, attrs[i]!.batchShape.length - nd)));
  }

  protected sumParts(parts: readonly NDArray[]): NDArray {
    if (this.validateArgs) {
      const s0 = parts[0]?.shape ?? [];
      for (const p of parts) {
        if (p.shape.length !== s0.length || p.shape.some((d, i) => d !== s0[i])) {
          throw new Error(`${this.constructor.name}.logProb: the parts' log-densities have shapes ${parts.map((q) => `[${q.shape}]`).join(", ")}; broadcasting probably indicates an error in the model (wrap parts in Independent, or set batchNdims).`);
        }
      }
    }
    if (parts.length === 0) return np.zeros([], "float32");
    return parts.slice(1).reduce((a, b) => np.add(a, b), parts[0]!);
  }

  // ------------------------------------------------------------------ pinning and bijectors

  /** The joint with some parts fixed (TFP's experimental_pin): an unnormalized density over the others. */
  experimentalPin(pins: JointValueLike): JointDistributionPinned {
    if (!pinnedFactory) throw new Error("JointDistribution.experimentalPin: the pinned module is not loaded; import it from the joint index.");
    return pinnedFactory(this, pins);
  }

  /** Alias of `experimentalPin`. */
  pin(pins: JointValueLike): JointDistributionPinned {
    return this.experimentalPin(pins);
  }

  /**
   * The bijector from unconstrained reals onto the support of every part (TFP's
   * experimental_default_event_space_bijector): each part's own default bijector, conditioned on the
   * values of the parts before it. With `pins`, the bijector of the pinned joint.
   */
  defaultEventSpaceBijector(pins?: JointValueLike): JointDistributionDefaultBijector {
    if (pins !== undefined) return this.experimentalPin(pins).defaultEventSpaceBijector();
    if (!bijectorFactory) throw new Error("JointDistribution.defaultEventSpaceBijector: the joint bijector module is not loaded; import it from the joint index.");
    return bijectorFactory(this);
  }

  experimentalDefaultEventSpaceBijector(pins?: JointValueLike): JointDistributionDefaultBijector {
    return this.defaultEventSpaceBijector(pins);
  }

  // ------------------------------------------------------------------ statistics of independent models

  /** The parts as standalone distributions when none depends on another (TFP allows mean/variance/... only then). */
  protected independentParts(what: string): Distribution[] {
    throw new Error(`${this.constructor.name}.${what}: only defined when all parts are independent.`);
  }
  mean(): JointValue {
    return this.modelUnflatten(this.independentParts("mean").map((d) => d.mean()));
  }
  mode(): JointValue {
    return this.modelUnflatten(this.independentParts("mode").map((d) => d.mode()));
  }
  variance(): JointValue {
    return this.modelUnflatten(this.independentParts("variance").map((d) => d.variance()));
  }
  stddev(): JointValue {
    return this.modelUnflatten(this.independentParts("stddev").map((d) => d.stddev()));
  }
  /** Entropy of independent parts: the sum of their entropies. */
  entropy(): NDArray {
    return this.sumParts(this.independentParts("entropy").map((d) => d.entropy()));
  }

  toString(): string {
    return `${this.constructor.name}("${this.name}", parts=[${this.flatNames().join(", ")}], batchNdims=${this.batchNdims})`;
  }
}

/** The key as a uint32 [2] array. */
export function asKey(key: ArrayLike): NDArray {
  return key instanceof NDArray ? key : np.asarray(key, "uint32");
}

function describe(x: unknown): string {
  if (x === null) return "null";
  if (typeof x === "object") return (x as object).constructor?.name ?? "object";
  return typeof x;
}

let pinnedFactory: ((jd: JointDistribution, pins: JointValueLike) => JointDistributionPinned) | null = null;
let bijectorFactory: ((model: JointModel) => JointDistributionDefaultBijector) | null = null;
/** Lets pinned.ts and bijector.ts plug in without import cycles. */
export function setPinnedFactory(f: (jd: JointDistribution, pins: JointValueLike) => JointDistributionPinned): void {
  pinnedFactory = f;
}
export function setBijectorFactory(f: (model: JointModel) => JointDistributionDefaultBijector): void {
  bijectorFactory = f;
}
