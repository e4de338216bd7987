// Compositions of bijectors (TFP's composition.py, chain.py, joint_map.py, blockwise.py): a graph walk
// routes values, event ndims and log-det-Jacobians through the parts; min event ndims are inferred from it.
import { np, type NDArray } from "@fluxion/core";
import {
  Bijector,
  BijectorError,
  registerBijector,
  setChainFactory,
  zeroLdj,
  type BijectorOptions,
  type InputOf,
  type Ndims,
  type NdimsOf,
  type ShapeOf,
  type Value,
} from "./bijector.js";
import { Invert } from "./invert.js";
import { flatten, isNested, mapStructure, mapStructureUpTo, type Nested } from "./nest.js";

/** Any bijector, as a composition sees its parts. */
export type AnyBijector = Bijector<Value, Value>;
type Step = (b: AnyBijector, argument: unknown) => unknown;
/** Routes `argument` through the parts in forward (or inverse) order, calling `step` for each. */
type Walk = (step: Step, argument: unknown) => unknown;

/** Several structured arguments travelling together through a walk; a leaf, so walks do not split it. */
class Packed {
  constructor(readonly parts: readonly unknown[]) {}
}
const pack = (template: unknown, ...structures: unknown[]) => mapStructureUpTo(template, (...parts) => new Packed(parts), ...structures);
const unpack = (template: unknown, packed: unknown, i: number) => mapStructureUpTo(template, (p) => (p as Packed).parts[i], packed);

/** What bijectors downstream of a node require of its output (TFP's MinEventNdimsInferenceDownstreamQuantities). */
class DownstreamNdims {
  constructor(
    readonly forwardMinEventNdims: Ndims,
    readonly partsInteract: boolean,
  ) {}
}

/**
 * One backward step of min-event-ndims inference (TFP's _update_forward_min_event_ndims): the smallest input
 * rank of `b` whose output satisfies everything downstream. `swap` runs the same rule in the other direction.
 */
function updateMinEventNdims(b: AnyBijector, downstream: unknown, swap: boolean): DownstreamNdims {
  const ownInputMin: Ndims = swap ? b.inverseMinEventNdims : b.forwardMinEventNdims;
  const ownOutputMin: Ndims = swap ? b.forwardMinEventNdims : b.inverseMinEventNdims;
  if (!(downstream instanceof DownstreamNdims)) return new DownstreamNdims(ownInputMin, b.partsInteract);
  const required = downstream.forwardMinEventNdims;
  const mismatches = flatten(mapStructure((d, m) => (d as number) - (m as number), required, ownOutputMin)) as number[];
  let validOutputNdims: Ndims;
  if (downstream.partsInteract) {
    const deficiency = -Math.min(0, ...mismatches);
    validOutputNdims = mapStructure((n) => (n as number) + deficiency, required) as Ndims;
  } else if (b.partsInteract) {
    const excess = Math.max(0, ...mismatches);
    validOutputNdims = mapStructure((n) => (n as number) + excess, ownOutputMin) as Ndims;
  } else {
    validOutputNdims = mapStructure((d, m) => Math.max(d as number, m as number), required, ownOutputMin) as Ndims;
  }
  const inputNdims = swap ? b.forwardEventNdims(validOutputNdims) : b.inverseEventNdims(validOutputNdims);
  return new DownstreamNdims(inputNdims, downstream.partsInteract || b.partsInteract);
}

interface CompositionConfig {
  bijectors: Nested<AnyBijector>;
  walkForward: Walk;
  walkInverse: Walk;
  /** Structure of the walk's inputs; `null` leaves are inferred by walking the graph. */
  forwardMinEventNdims: unknown;
  inverseMinEventNdims: unknown;
  name: string;
  validateArgs: boolean;
  parameters: Record<string, unknown>;
}

interface StepRecord {
  readonly bijector: AnyBijector;
  readonly x: Value;
  readonly xEventNdims: Ndims;
}

/** Base class of bijectors made of other bijectors, in series (Chain) or in parallel (JointMap). */
export abstract class Composition<X extends Value = NDArray, Y extends Value = NDArray> extends Bijector<X, Y> {
  protected readonly parts: Nested<AnyBijector>;
  private readonly walkForward: Walk;
  private readonly walkInverse: Walk;

  protected constructor(config: CompositionConfig) {
    const all = flatten(config.bijectors) as AnyBijector[];
    let fmin = config.forwardMinEventNdims;
    let imin = config.inverseMinEventNdims;
    if (flatten(fmin).some((n) => n === null)) {
      const inferred = config.walkInverse((b, d) => updateMinEventNdims(b, d, false), mapStructure(() => null, fmin));
      fmin = mapStructureUpTo(fmin, (q) => (q as DownstreamNdims).forwardMinEventNdims, inferred);
    }
    if (flatten(imin).some((n) => n === null)) {
      const inferred = config.walkForward((b, d) => updateMinEventNdims(b, d, true), mapStructure(() => null, imin));
      imin = mapStructureUpTo(imin, (q) => (q as DownstreamNdims).forwardMinEventNdims, inferred);
    }
    super({
      forwardMinEventNdims: fmin as Ndims,
      inverseMinEventNdims: imin as Ndims,
      isConstantJacobian: all.every((b) => b.isConstantJacobian),
      name: config.name,
      validateArgs: config.validateArgs,
      parameters: config.parameters,
    });
    this.parts = config.bijectors;
    this.walkForward = config.walkForward;
    this.walkInverse = config.walkInverse;
  }

  override get partsInteract(): boolean {
    return (flatten(this.parts) as AnyBijector[]).some((b) => b.partsInteract);
  }
  override get isPermutation(): boolean {
    return (flatten(this.parts) as AnyBijector[]).every((b) => b.isPermutation);
  }

  protected _forward(x: X): Y {
    return this.walkForward((b, v) => b.forward(v as InputOf<Value>), x) as Y;
  }
  protected _inverse(y: Y): X {
    return this.walkInverse((b, v) => b.inverse(v as InputOf<Value>), y) as X;
  }
  protected override _forwardEventShape(shape: ShapeOf<X>): ShapeOf<Y> {
    return this.walkForward((b, s) => b.forwardEventShape(s as ShapeOf<Value>), shape) as ShapeOf<Y>;
  }
  protected override _inverseEventShape(shape: ShapeOf<Y>): ShapeOf<X> {
    return this.walkInverse((b, s) => b.inverseEventShape(s as ShapeOf<Value>), shape) as ShapeOf<X>;
  }

  override forwardEventNdims(eventNdims: NdimsOf<X>): NdimsOf<Y> {
    if (isNested(eventNdims) && !this.partsInteract) return this.walkForward((b, n) => b.forwardEventNdims(n as Ndims), eventNdims) as NdimsOf<Y>;
    return super.forwardEventNdims(eventNdims);
  }
  override inverseEventNdims(eventNdims: NdimsOf<Y>): NdimsOf<X> {
    if (isNested(eventNdims) && !this.partsInteract) return this.walkInverse((b, n) => b.inverseEventNdims(n as Ndims), eventNdims) as NdimsOf<X>;
    return super.inverseEventNdims(eventNdims);
  }

  /** Each part with the value and event ndims it sees (TFP's _get_bijectors_with_metadata). */
  private trace(value: Value, eventNdims: Ndims, forward: boolean): StepRecord[] {
    const records: StepRecord[] = [];
    const step: Step = (b, packed) => {
      const inMin: Ndims = forward ? b.forwardMinEventNdims : b.inverseMinEventNdims;
      const outMin: Ndims = forward ? b.inverseMinEventNdims : b.forwardMinEventNdims;
      const x = unpack(inMin, packed, 0) as Value;
      const nd = unpack(inMin, packed, 1) as Ndims;
      records.push({ bijector: b, x, xEventNdims: nd });
      const y = forward ? b.forward(x as InputOf<Value>) : b.inverse(x as InputOf<Value>);
      const yNd = forward ? b.forwardEventNdims(nd) : b.inverseEventNdims(nd);
      return pack(outMin, y, yNd);
    };
    const start: Ndims = forward ? this.forwardMinEventNdims : this.inverseMinEventNdims;
    (forward ? this.walkForward : this.walkInverse)(step, pack(start, value, eventNdims));
    return records;
  }

  private sumLdj(value: Value, records: StepRecord[], forward: boolean): NDArray {
    let total = zeroLdj(value);
    for (const r of records) {
      const ldj = forward
        ? r.bijector.forwardLogDetJacobian(r.x as InputOf<Value>, r.xEventNdims)
        : r.bijector.inverseLogDetJacobian(r.x as InputOf<Value>, r.xEventNdims);
      total = np.add(total, ldj);
    }
    return total;
  }

  override forwardLogDetJacobian(x: InputOf<X>, eventNdims?: NdimsOf<X>): NDArray {
    const xv = this.convertInput(x, this.forwardMinEventNdims, "forwardLogDetJacobian");
    const nd: Ndims = eventNdims ?? this.forwardMinEventNdims;
    return this.sumLdj(xv, this.trace(xv, nd, true), true);
  }

  override inverseLogDetJacobian(y: InputOf<Y>, eventNdims?: NdimsOf<Y>): NDArray {
    const yv = this.convertInput(y, this.inverseMinEventNdims, "inverseLogDetJacobian");
    const nd: Ndims = eventNdims ?? this.inverseMinEventNdims;
    return this.sumLdj(yv, this.trace(yv, nd, false), false);
  }
}

// ---------------------------------------------------------------- Chain

function chainWalks(bijectors: readonly AnyBijector[]): { walkForward: Walk; walkInverse: Walk } {
  return {
    walkForward: (step, x) => bijectors.reduceRight((v, b) => step(b, v), x),
    walkInverse: (step, y) => bijectors.reduce((v, b) => step(b, v), y),
  };
}

/**
 * Applies bijectors in sequence: `new Chain([b1, b2]).forward(x) = b1.forward(b2.forward(x))` (the last one
 * first, as TFP). An empty chain is the identity.
 */
export class Chain<X extends Value = NDArray, Y extends Value = NDArray> extends Composition<X, Y> {
  readonly bijectors: readonly AnyBijector[];
  constructor(bijectors: readonly AnyBijector[], options: BijectorOptions = {}, parameters?: Record<string, unknown>) {
    const list = [...bijectors];
    for (const b of list) if (!(b instanceof Bijector)) throw new BijectorError("Chain: every element of `bijectors` must be a Bijector.");
    const name = options.name ?? (list.length === 0 ? "identity" : ["chain", ...list.map((b) => b.name)].join("_of_"));
    const validateArgs = options.validateArgs ?? false;
    super({
      bijectors: list,
      ...chainWalks(list),
      forwardMinEventNdims: list.length ? null : 0,
      inverseMinEventNdims: list.length ? null : 0,
      name,
      validateArgs,
      parameters: parameters ?? { bijectors: list, name, validateArgs },
    });
    this.bijectors = list;
  }
}
registerBijector(Chain, ["bijectors"], (p) => new Chain(p.bijectors as AnyBijector[], p as BijectorOptions));
setChainFactory((bijectors) => new Chain(bijectors));

// ---------------------------------------------------------------- JointMap

export interface JointMapParams extends BijectorOptions {
  /** A structure (list or object, possibly nested) of bijectors applied to the matching parts. */
  bijectors: Nested<AnyBijector>;
}

/** Applies a structure of bijectors to a matching structure of values, in parallel (TFP's JointMap). */
export class JointMap<X extends Value = Value, Y extends Value = Value> extends Composition<X, Y> {
  readonly bijectors: Nested<AnyBijector>;
  constructor(params: JointMapParams) {
    const bijectors = params.bijectors;
    const all = flatten(bijectors);
    if (!isNested(bijectors) || all.length === 0) throw new BijectorError("JointMap: `bijectors` must be a non-empty list or object of bijectors.");
    if (!all.every((b) => b instanceof Bijector)) throw new BijectorError("JointMap: every leaf of `bijectors` must be a Bijector.");
    const name = params.name ?? ["jointmap_of", (all as AnyBijector[]).map((b) => b.name).join("_and_")].join("_");
    const validateArgs = params.validateArgs ?? false;
    const walk: Walk = (step, xs) => mapStructureUpTo(bijectors, (b, x) => step(b as AnyBijector, x), bijectors, xs);
    const placeholders = mapStructure(() => null, bijectors);
    super({
      bijectors,
      walkForward: walk,
      walkInverse: walk,
      forwardMinEventNdims: placeholders,
      inverseMinEventNdims: placeholders,
      name,
      validateArgs,
      parameters: { bijectors, name, validateArgs },
    });
    this.bijectors = bijectors;
  }
}
registerBijector(JointMap, ["bijectors"], (p) => new JointMap(p as unknown as JointMapParams));

// ---------------------------------------------------------------- Blockwise (needs Split; see structural.ts)

/** Late-bound Split constructor (structural.ts imports this module). */
let splitFactory: ((sizes: number[]) => AnyBijector) | null = null;
export function setSplitFactory(f: (sizes: number[]) => AnyBijector): void {
  splitFactory = f;
}

export interface BlockwiseParams extends BijectorOptions {
  /** Scalar or vector bijectors, one per block. */
  bijectors: readonly AnyBijector[];
  /** Length of each block of the last axis (default all 1). */
  blockSizes?: readonly number[];
}

/**
 * Applies each bijector to its block of the last axis: `Chain([Invert(Split(outSizes)), JointMap(bs),
 * Split(blockSizes)])`, as TFP builds it (blocks may change size, e.g. SoftmaxCentered).
 */
export class Blockwise extends Composition {
  readonly bijectors: readonly AnyBijector[];
  readonly blockSizes: readonly number[];
  constructor(params: BlockwiseParams) {
    const bijectors = [...params.bijectors];
    if (bijectors.length === 0) throw new BijectorError("Blockwise: `bijectors` must not be empty.");
    for (const b of bijectors) {
      if (isNested(b.forwardMinEventNdims) || isNested(b.inverseMinEventNdims)) throw new BijectorError("Blockwise: bijectors must all be single-part.");
      if (b.forwardMinEventNdims !== b.inverseMinEventNdims) throw new BijectorError("Blockwise: rank-changing bijectors are not supported.");
      if ((b.forwardMinEventNdims as number) > 1) throw new BijectorError("Blockwise: only scalar and vector event-shape bijectors are supported.");
    }
    const blockSizes = [...(params.blockSizes ?? bijectors.map(() => 1))];
    if (blockSizes.length !== bijectors.length) {
      throw new BijectorError(`Blockwise: \`blockSizes\` must have one entry per bijector (${bijectors.length}), got ${blockSizes.length}.`);
    }
    if (!splitFactory) throw new BijectorError("Blockwise: Split is not loaded; import the bijectors index.");
    const outSizes = bijectors.map((b, i) => (b.forwardEventShape([blockSizes[i]!]) as readonly number[])[0]!);
    const split = splitFactory(blockSizes);
    const concat = new Invert(splitFactory(outSizes), { name: "concat" });
    const joint = new JointMap({ bijectors, name: "jointmap" });
    const chain = new Chain([concat, joint, split]);
    const name = params.name ?? `blockwise_of_${bijectors.map((b) => b.name).join("_and_")}`;
    const validateArgs = params.validateArgs ?? false;
    super({
      bijectors: chain.bijectors as AnyBijector[],
      ...chainWalks(chain.bijectors),
      forwardMinEventNdims: 1,
      inverseMinEventNdims: 1,
      name,
      validateArgs,
      parameters: { bijectors, blockSizes, name, validateArgs },
    });
    this.bijectors = bijectors;
    this.blockSizes = blockSizes;
  }
  override get partsInteract(): boolean {
    return false;
  }
}
registerBijector(Blockwise, ["bijectors"], (p) => new Blockwise(p as unknown as BlockwiseParams));

