// JointDistributionPinned (TFP's experimental/distributions/joint_distribution_pinned.py): a joint with some
// parts fixed (e.g. the observations); its logProb is the unnormalized posterior density of the other parts.
import { NDArray, np, tree, type ArrayLike, type DType } from "@fluxion/core";
import type { Distribution, ReparameterizationType } from "../distributions/distribution.js";
import {
  JointDistribution,
  asPartValue,
  normalizeSampleShape,
  setPinnedFactory,
  type JointModel,
  type JointValue,
  type JointValueLike,
  type ModelStep,
  type Structured,
} from "./jointDistribution.js";
import { JointDistributionNamed } from "./named.js";
import { JointDistributionDefaultBijector } from "./bijector.js";

/** Log-densities of the pinned and unpinned parts (TFP's UnnormalizedLogProbParts). */
export interface PinnedLogProbParts {
  pinned: Structured<NDArray>;
  unpinned: Structured<NDArray>;
}

/** Resolves pins given as a list (null = not pinned) or an object by part name to part name -> array. */
function toPins(jd: JointDistribution, pins: JointValueLike | Readonly<Record<string, ArrayLike>>, what: string): Record<string, NDArray> {
  const flat = jd.modelFlatten(pins as Structured<ArrayLike | null | undefined>, what);
  const names = jd.flatNames();
  const attrs = jd.partAttributes();
  const out: Record<string, NDArray> = {};
  flat.forEach((v, i) => {
    if (v !== null && v !== undefined) out[names[i]!] = asPartValue(v, attrs[i]!.dtype);
  });
  return out;
}

export class JointDistributionPinned implements JointModel {
  readonly distribution!: JointDistribution;
  /** Pinned values by part name. */
  readonly pins!: Readonly<Record<string, NDArray>>;

  constructor(distribution: JointDistribution, pins: JointValueLike | Readonly<Record<string, ArrayLike>>) {
    if (!(distribution instanceof JointDistribution)) throw new TypeError("JointDistributionPinned: `distribution` must be a joint distribution.");
    const resolved = toPins(distribution, pins, "experimentalPin");
    if (Object.keys(resolved).length === 0) throw new Error("JointDistributionPinned: pin at least one part.");
    Object.assign(this, { distribution, pins: resolved });
  }

  get useVectorizedMap(): boolean {
    return this.distribution.useVectorizedMap;
  }
  get validateArgs(): boolean {
    return this.distribution.validateArgs;
  }
  get batchNdims(): number | null {
    return this.distribution.batchNdims;
  }
  get name(): string {
    return this.distribution.name;
  }

  private isPinned(name: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.pins, name);
  }

  /** Names of the unpinned parts, in model order. */
  flatNames(): string[] {
    return this.distribution.flatNames().filter((n) => !this.isPinned(n));
  }

  /** Keeps the unpinned (or pinned) entries of a flat list in the underlying model's order. */
  private pruneFlat<T>(xs: readonly T[], retain: "pinned" | "unpinned"): T[] {
    const names = this.distribution.flatNames();
    return xs.filter((_, i) => this.isPinned(names[i]!) === (retain === "pinned"));
  }

  private pruned<T>(xs: readonly T[], retain: "pinned" | "unpinned"): Structured<T> {
    if (retain === "unpinned") return this.modelUnflatten(this.pruneFlat(xs, "unpinned"));
    const kept = this.pruneFlat(xs, "pinned");
    if (!(this.distribution instanceof JointDistributionNamed)) return kept;
    const names = this.distribution.flatNames().filter((n) => this.isPinned(n));
    return Object.fromEntries(names.map((n, i) => [n, kept[i]!]));
  }

  modelFlatten<T>(value: Structured<T> | null | undefined, what = "value"): (T | null)[] {
    const names = this.flatNames();
    if (value === null || value === undefined) return names.map(() => null);
    if (Array.isArray(value)) {
      if (this.distribution instanceof JointDistributionNamed) throw new Error(`JointDistributionPinned.${what}: values of a named model are objects keyed by part name (${names.join(", ")}).`);
      if (value.length > names.length) throw new Error(`JointDistributionPinned.${what}: got ${value.length} parts, but ${names.length} are unpinned (${names.join(", ")}).`);
      return names.map((_, i) => value[i] ?? null);
    }
    const unknown = Object.keys(value).filter((k) => !names.includes(k));
    if (unknown.length) throw new Error(`JointDistributionPinned.${what}: ${unknown.join(", ")} ${unknown.length > 1 ? "are" : "is"} not among the unpinned parts (${names.join(", ")}).`);
    return names.map((n) => value[n] ?? null);
  }

  modelUnflatten<T>(xs: readonly T[]): Structured<T> {
    const names = this.flatNames();
    if (xs.length !== names.length) throw new Error(`JointDistributionPinned: expected ${names.length} unpinned parts, got ${xs.length}.`);
    if (!(this.distribution instanceof JointDistributionNamed)) return [...xs];
    const byName = new Map(names.map((n, i) => [n, xs[i]!] as const));
    const out: { [name: string]: T } = {};
    for (const k of Object.keys(this.distribution.model)) if (byName.has(k)) out[k] = byName.get(k)!;
    return out;
  }

  /** The underlying model with the pins fed in; only unpinned parts are yielded. */
  *modelCoroutine(): Generator<ModelStep, void, NDArray> {
    const names = this.distribution.flatNames();
    const gen = this.distribution.modelCoroutine();
    let step = gen.next();
    let index = 0;
    while (!step.done) {
      const name = names[index++]!;
      if (this.isPinned(name)) {
        step = gen.next(this.pins[name]!);
        continue;
      }
      const y = yield step.value;
      step = gen.next(y);
    }
  }

  singleSampleDistributions(): Distribution[] {
    return this.pruneFlat(this.distribution.singleSampleDistributions(), "unpinned");
  }
  partEventNdims(): number[] {
    return this.pruneFlat(this.distribution.partEventNdims(), "unpinned");
  }
  jointBatchNdims(): number {
    return this.distribution.jointBatchNdims();
  }

  /** Event shapes of the unpinned parts. */
  get eventShape(): Structured<number[]> {
    return this.pruned(this.distribution.modelFlatten(this.distribution.eventShape) as number[][], "unpinned");
  }
  /** Batch shape: the joint's own (batchNdims set) or the unpinned parts' (classic semantics). */
  get batchShape(): Structured<number[]> | number[] {
    const b = this.distribution.batchShape;
    if (this.distribution.batchNdims !== null) return b as number[];
    return this.pruned(this.distribution.modelFlatten(b as Structured<number[]>) as number[][], "unpinned");
  }
  get dtype(): Structured<DType> {
    return this.pruned(this.distribution.modelFlatten(this.distribution.dtype) as DType[], "unpinned");
  }
  get reparameterizationType(): Structured<ReparameterizationType> {
    return this.pruned(this.distribution.modelFlatten(this.distribution.reparameterizationType) as ReparameterizationType[], "unpinned");
  }

  /** A full value of the underlying model: the unpinned parts of `value` plus the pins. */
  private withPins(value: JointValueLike | null | undefined, what: string, requireAll: boolean): JointValueLike {
    const unpinned = this.modelFlatten(value as Structured<ArrayLike | null | undefined> | null | undefined, what);
    const names = this.distribution.flatNames();
    const attrs = this.distribution.partAttributes();
    let u = 0;
    const full = names.map((n, i) => {
      if (this.isPinned(n)) return this.pins[n]!;
      const v = unpinned[u++];
      if (v === null || v === undefined) {
        if (requireAll) throw new Error(`JointDistributionPinned.${what}: the unpinned part "${n}" is missing.`);
        return null;
      }
      return asPartValue(v, attrs[i]!.dtype);
    });
    return this.distribution.modelUnflatten(full);
  }

  /** The joint log-density of `value` together with the pins: the unnormalized log posterior of the unpinned parts. */
  unnormalizedLogProb(value: JointValueLike): NDArray {
    return this.distribution.unnormalizedLogProb(this.withPins(value, "unnormalizedLogProb", true));
  }
  /** Same as unnormalizedLogProb (the measure on the unpinned parts is not normalized). */
  logProb(value: JointValueLike): NDArray {
    return this.distribution.logProb(this.withPins(value, "logProb", true));
  }

  unnormalizedLogProbParts(value: JointValueLike): PinnedLogProbParts {
    const full = this.withPins(value, "unnormalizedLogProbParts", true);
    const parts = this.distribution.modelFlatten(this.distribution.logProbParts(full)) as NDArray[];
    return { pinned: this.pruned(parts, "pinned"), unpinned: this.pruned(parts, "unpinned") };
  }
  logProbParts(value: JointValueLike): PinnedLogProbParts {
    return this.unnormalizedLogProbParts(value);
  }

  /** Log-density of the pinned parts alone at `value` (the importance weight of an ancestral draw). */
  logWeight(value: JointValueLike): NDArray {
    const pinned = this.unnormalizedLogProbParts(value).pinned;
    const parts = Array.isArray(pinned) ? pinned : Object.values(pinned);
    return parts.slice(1).reduce((a, b) => np.add(a, b), parts[0]!);
  }

  /** Ancestral draws of the unpinned parts with the pins fed in (not draws from the posterior). */
  sampleUnpinned(key: ArrayLike, sampleShape: number | readonly number[] = []): JointValue {
    const full = this.distribution.sample(key, normalizeSampleShape(sampleShape), this.withPins(null, "sampleUnpinned", false));
    return this.pruned(this.distribution.modelFlatten(full) as NDArray[], "unpinned");
  }

  sampleAndLogWeight(key: ArrayLike, sampleShape: number | readonly number[] = []): [JointValue, NDArray] {
    const x = this.sampleUnpinned(key, sampleShape);
    return [x, this.logWeight(x)];
  }

  experimentalSampleAndLogProb(key: ArrayLike, sampleShape: number | readonly number[] = []): [JointValue, NDArray] {
    const x = this.sampleUnpinned(key, sampleShape);
    return [x, this.logProb(x)];
  }

  /** The bijector from unconstrained reals onto the unpinned parts' supports (conditioned on the pins). */
  defaultEventSpaceBijector(): JointDistributionDefaultBijector {
    return new JointDistributionDefaultBijector({ distribution: this });
  }
  experimentalDefaultEventSpaceBijector(): JointDistributionDefaultBijector {
    return this.defaultEventSpaceBijector();
  }

  /** Pins more parts (by name, or a list/object over the unpinned parts). */
  experimentalPin(more: JointValueLike): JointDistributionPinned {
    const extra = this.modelFlatten(more as Structured<ArrayLike | null | undefined>, "experimentalPin");
    const names = this.flatNames();
    const pins: Record<string, ArrayLike> = { ...this.pins };
    extra.forEach((v, i) => {
      if (v !== null && v !== undefined) pins[names[i]!] = v;
    });
    return new JointDistributionPinned(this.distribution, pins);
  }
  pin(more: JointValueLike): JointDistributionPinned {
    return this.experimentalPin(more);
  }

  /** Drops some pins; with none left, the underlying joint distribution. */
  unpin(...names: string[]): JointDistributionPinned | JointDistribution {
    const unknown = names.filter((n) => !this.isPinned(n));
    if (unknown.length) throw new Error(`JointDistributionPinned.unpin: ${unknown.join(", ")} ${unknown.length > 1 ? "are" : "is"} not pinned (pinned: ${Object.keys(this.pins).join(", ")}).`);
    const pins = Object.fromEntries(Object.entries(this.pins).filter(([n]) => !names.includes(n)));
    if (Object.keys(pins).length === 0) return this.distribution;
    return new JointDistributionPinned(this.distribution, pins);
  }

  toString(): string {
    return `JointDistributionPinned(${this.distribution.toString()}, pins=[${Object.keys(this.pins).join(", ")}])`;
  }
}

setPinnedFactory((jd, pins) => new JointDistributionPinned(jd, pins));

// The joint and the pinned values are children; rebuilding skips conversion (leaves may be tracers).
tree.registerPytreeNode<JointDistributionPinned, string[]>(
  JointDistributionPinned,
  (p) => {
    const names = Object.keys(p.pins);
    return [[p.distribution, names.map((n) => p.pins[n]!)], names] as const;
  },
  (names, children) => {
    const out = Object.create(JointDistributionPinned.prototype) as JointDistributionPinned;
    const values = children[1] as NDArray[];
    Object.assign(out, { distribution: children[0], pins: Object.fromEntries(names.map((n, i) => [n, values[i]!])) });
    return out;
  },
);
