// Mean-field surrogate posteriors (TFP's experimental.vi.build_factored_surrogate_posterior): an independent
// normal per part in the unconstrained space, pushed through a constraining bijector (a joint's default
// event-space bijector, or a structure of bijectors).
import { NDArray, np, random, tree, type ArrayLike, type DType } from "@fluxion/core";
import { Bijector, type Value } from "../bijectors/bijector.js";
import { JointMap, type AnyBijector } from "../bijectors/composition.js";
import { Identity } from "../bijectors/elementwise.js";
import { softplusInverse } from "../bijectors/ops.js";
import { HALF_LOG_2PI, softplus, sumLastAxes } from "../distributions/internal.js";
import { JointDistribution } from "../joint/jointDistribution.js";
import { JointDistributionPinned } from "../joint/pinned.js";

/** One shape, or a list / object of shapes (one per part). */
export type EventShapeStructure = number[] | number[][] | { [name: string]: number[] };
/** A value shaped like the surrogate's parts: one array, a list, or an object. */
export type SurrogateValue = NDArray | NDArray[] | { [name: string]: NDArray };

/** The trainable parameters: unconstrained locations and raw scales (scale = softplus(raw)), per part. */
export interface FactoredSurrogateParameters {
  loc: SurrogateValue;
  rawScale: SurrogateValue;
}

type Layout = { kind: "single" } | { kind: "list"; n: number } | { kind: "object"; keys: string[] };

const isShape = (s: unknown): s is number[] => Array.isArray(s) && s.every((d) => typeof d === "number");

function layoutOf(v: unknown): Layout {
  if (v instanceof NDArray || isShape(v)) return { kind: "single" };
  if (Array.isArray(v)) return { kind: "list", n: v.length };
  return { kind: "object", keys: Object.keys(v as object) };
}
function flat<T>(layout: Layout, v: unknown): T[] {
  if (layout.kind === "single") return [v as T];
  if (layout.kind === "list") return [...(v as T[])];
  return layout.keys.map((k) => (v as Record<string, T>)[k]!);
}
function unflat<T>(layout: Layout, xs: readonly T[]): T | T[] | { [name: string]: T } {
  if (layout.kind === "single") return xs[0]!;
  if (layout.kind === "list") return [...xs];
  return Object.fromEntries(layout.keys.map((k, i) => [k, xs[i]!]));
}

/**
 * q(z) = bijector_*( Π_parts Normal(loc, softplus(rawScale)) ): draws are reparameterized, and
 * `sampleAndLogProb` computes log q through the forward log-det-Jacobian (no inverse needed).
 */
export class FactoredSurrogatePosterior {
  readonly loc: SurrogateValue;
  readonly rawScale: SurrogateValue;
  /** Maps the unconstrained parts onto the supports; null for unconstrained parts. */
  readonly bijector: AnyBijector | null;
  /** Leading batch dims of the parameters (a batch of surrogates). */
  readonly batchShape: number[];

  constructor(params: { loc: SurrogateValue; rawScale: SurrogateValue; bijector?: AnyBijector | null; batchShape?: readonly number[] }) {
    this.loc = params.loc;
    this.rawScale = params.rawScale;
    this.bijector = params.bijector ?? null;
    this.batchShape = [...(params.batchShape ?? [])];
  }

  private get layout(): Layout {
    return layoutOf(this.loc);
  }
  /** The trainable parameters (a pytree; optimize these). */
  get trainableParameters(): FactoredSurrogateParameters {
    return { loc: this.loc, rawScale: this.rawScale };
  }
  /** The same surrogate with other parameters (TFP's stateless build function). */
  withParameters(p: FactoredSurrogateParameters): FactoredSurrogatePosterior {
    return new FactoredSurrogatePosterior({ loc: p.loc, rawScale: p.rawScale, bijector: this.bijector, batchShape: this.batchShape });
  }
  /** Scales of the unconstrained normals. */
  scale(): SurrogateValue {
    return unflat(this.layout, flat<NDArray>(this.layout, this.rawScale).map(softplus)) as SurrogateValue;
  }
  private eventRanks(): number[] {
    return flat<NDArray>(this.layout, this.loc).map((l) => l.ndim - this.batchShape.length);
  }
  /** Event ndims structure the bijector sees (unconstrained side). */
  private unconstrainedEventNdims(): unknown {
    return unflat(this.layout, this.eventRanks());
  }

  /** Unconstrained draws loc + scale·ε, each [sampleShape..., batch..., event...]. */
  private unconstrainedSample(key: NDArray, sampleShape: readonly number[]): NDArray[] {
    const locs = flat<NDArray>(this.layout, this.loc);
    const scales = flat<NDArray>(this.layout, this.rawScale).map(softplus);
    const keys = random.split(key, locs.length);
    return locs.map((l, i) => np.add(l, np.multiply(scales[i]!, random.normal(keys.slice(i), [...sampleShape, ...l.shape], { dtype: l.dtype as "float32" | "float64" }))));
  }
  /** Σ_parts log N(x; loc, scale) over each part's event dims. */
  private unconstrainedLogProb(xs: readonly NDArray[]): NDArray {
    const locs = flat<NDArray>(this.layout, this.loc);
    const raws = flat<NDArray>(this.layout, this.rawScale);
    const ranks = this.eventRanks();
    const parts = xs.map((x, i) => {
      const scale = softplus(raws[i]!);
      const z = np.divide(np.subtract(x, locs[i]!), scale);
      return sumLastAxes(np.subtract(np.multiply(-0.5, np.square(z)), np.add(np.log(scale), HALF_LOG_2PI)), ranks[i]!);
    });
    return parts.slice(1).reduce((a, b) => np.add(a, b), parts[0]!);
  }

  sample(key: ArrayLike, sampleShape: number | readonly number[] = []): SurrogateValue {
    return this.sampleAndLogProb(key, sampleShape)[0];
  }

  /** Reparameterized draws and log q of each draw. */
  sampleAndLogProb(key: ArrayLike, sampleShape: number | readonly number[] = []): [SurrogateValue, NDArray] {
    const shape = typeof sampleShape === "number" ? [sampleShape] : [...sampleShape];
    const k = key instanceof NDArray ? key : np.asarray(key, "uint32");
    const xs = this.unconstrainedSample(k, shape);
    const base = this.unconstrainedLogProb(xs);
    const x = unflat(this.layout, xs) as Value;
    if (this.bijector === null) return [x as SurrogateValue, base];
    const y = this.bijector.forward(x) as SurrogateValue;
    const ldj = this.bijector.forwardLogDetJacobian(x, this.unconstrainedEventNdims() as never);
    return [y, np.subtract(base, ldj)];
  }

  /** log q(y) = Σ log N(b⁻¹(y)) + log|det ∂b⁻¹/∂y|. */
  logProb(value: SurrogateValue): NDArray {
    if (this.bijector === null) return this.unconstrainedLogProb(flat<NDArray>(this.layout, value));
    const x = this.bijector.inverse(value as Value);
    const ildj = this.bijector.inverseLogDetJacobian(value as Value, this.bijector.forwardEventNdims(this.unconstrainedEventNdims() as never) as never);
    return np.add(this.unconstrainedLogProb(flat<NDArray>(this.layout, x)), ildj);
  }

  /** Means and standard deviations of the unconstrained normals (the variational parameters, readable). */
  unconstrainedMoments(): { mean: SurrogateValue; stddev: SurrogateValue } {
    return { mean: this.loc, stddev: this.scale() };
  }
}

// Parameters and the bijector are children (the bijector's own leaves included); batch shape is static.
tree.registerPytreeNode<FactoredSurrogatePosterior, number[]>(
  FactoredSurrogatePosterior,
  (q) => [[q.loc, q.rawScale, q.bijector], q.batchShape] as const,
  (batchShape, [loc, rawScale, bijector]) => new FactoredSurrogatePosterior({ loc: loc as SurrogateValue, rawScale: rawScale as SurrogateValue, bijector: bijector as AnyBijector | null, batchShape }),
);

export interface BuildFactoredSurrogatePosteriorParams {
  /**
   * A joint distribution or pinned joint (e.g. `model.experimentalPin({obs})`): the surrogate covers its
   * (unpinned) parts, constrained by its default event-space bijector. Alternative to eventShape/bijector.
   */
  jointDistribution?: JointDistribution | JointDistributionPinned;
  /** Event shapes of the posterior parts (one shape, a list, or an object); constrained side. */
  eventShape?: EventShapeStructure;
  /** One bijector for the whole structure, or a matching structure of bijectors (null entries: unconstrained). */
  bijector?: AnyBijector | null | (AnyBijector | null)[] | { [name: string]: AnyBijector | null };
  /** Batch of independent surrogates (e.g. several restarts). */
  batchShape?: readonly number[];
  /** Initial unconstrained locations (default: uniform(-2, 2), as TFP; needs `key`). */
  initialLoc?: SurrogateValue;
  /** Initial scale of every unconstrained normal (default 0.01, as TFP). */
  initialScale?: number;
  dtype?: DType;
  key?: ArrayLike;
}

/**
 * Builds a mean-field surrogate posterior (TFP's build_factored_surrogate_posterior): one independent normal
 * per part in unconstrained space, initialized at uniform(-2, 2) locations with scale 0.01, and mapped onto the
 * parts' supports by the joint's default event-space bijector (or the given bijectors).
 */
export function buildFactoredSurrogatePosterior(params: BuildFactoredSurrogatePosteriorParams): FactoredSurrogatePosterior {
  let eventShape: unknown = params.eventShape;
  let bijector: AnyBijector | null = null;
  if (params.jointDistribution) {
    const jd = params.jointDistribution;
    eventShape = jd.eventShape;
    bijector = jd.defaultEventSpaceBijector() as unknown as AnyBijector;
  } else if (params.bijector instanceof Bijector) {
    bijector = params.bijector as AnyBijector;
  } else if (params.bijector) {
    const bs = params.bijector;
    const parts = (Array.isArray(bs) ? bs : Object.values(bs)).map((b) => b ?? (new Identity() as AnyBijector));
    bijector = new JointMap({ bijectors: Array.isArray(bs) ? parts : Object.fromEntries(Object.keys(bs).map((k, i) => [k, parts[i]!])) }) as unknown as AnyBijector;
  }
  if (eventShape === undefined) throw new Error("buildFactoredSurrogatePosterior: pass a jointDistribution, or an eventShape (with optional bijectors).");
  const layout = layoutOf(eventShape);
  const shapes = flat<number[]>(layout, eventShape);
  // The unconstrained side's shapes (e.g. n+1 simplex coordinates pull back to n).
  const unconstrained = bijector === null ? shapes : flat<number[]>(layout, bijector.inverseEventShape(unflat(layout, shapes) as never));
  const batch = [...(params.batchShape ?? [])];
  const dtype = (params.dtype ?? "float32") as "float32" | "float64";
  let loc: NDArray[];
  if (params.initialLoc !== undefined) {
    const given = flat<NDArray>(layout, params.initialLoc);
    if (given.length !== unconstrained.length) throw new Error(`buildFactoredSurrogatePosterior: initialLoc has ${given.length} parts, the posterior ${unconstrained.length}.`);
    loc = given.map((l, i) => np.broadcastTo(np.astype(np.asarray(l), dtype), [...batch, ...unconstrained[i]!]));
  } else {
    if (params.key === undefined) throw new Error("buildFactoredSurrogatePosterior: pass a `key` for the uniform(-2, 2) initial locations (or initialLoc).");
    const k = params.key instanceof NDArray ? params.key : np.asarray(params.key, "uint32");
    const keys = random.split(k, shapes.length);
    loc = unconstrained.map((s, i) => random.uniform(keys.slice(i), [...batch, ...s], { minval: -2, maxval: 2, dtype }));
  }
  const raw = Number(softplusInverse(np.asarray(params.initialScale ?? 1e-2, "float64")).dataSync()[0]);
  const rawScale = unconstrained.map((s) => np.full([...batch, ...s], raw, dtype));
  return new FactoredSurrogatePosterior({ loc: unflat(layout, loc) as SurrogateValue, rawScale: unflat(layout, rawScale) as SurrogateValue, bijector, batchShape: batch });
}
