// JointDistributionSequential (TFP's joint_distribution_sequential.py): a list of distributions and
// distribution-making functions; a function with k parameters receives the k previous parts, most recent first.
import { NDArray, tree } from "@fluxion/core";
import { Distribution } from "../distributions/distribution.js";
import { argSpec } from "./argNames.js";
import { JointDistribution, Root, type JointDistributionOptions, type ModelStep, type Structured } from "./jointDistribution.js";

/** A part of a sequential model: a distribution, or a function of earlier parts (most recent first). */
export type SequentialModelPart = Distribution | ((...previous: NDArray[]) => Distribution);

interface PartMaker {
  /** Builds the part from all previous values (in model order). */
  make: (previous: readonly NDArray[]) => Distribution;
  /** Parameter names of the maker (null entries where a name cannot be read); null for distribution instances. */
  args: (string | null)[] | null;
}

/** Wraps a model entry so it takes all previous values (TFP's _unify_call_signature). */
function unifyCallSignature(i: number, part: SequentialModelPart): PartMaker {
  if (part instanceof Distribution) return { make: () => part, args: null };
  if (typeof part !== "function") throw new TypeError(`JointDistributionSequential: model entry ${i} must be a Distribution or a function returning one.`);
  const spec = argSpec(part);
  // A `...rest` maker depends on every earlier part (TFP's varargs rule).
  const args = spec.hasRest ? [...spec.names, ...Array.from({ length: i - spec.names.length }, () => null)] : spec.names;
  const k = args.length;
  if (k > i) throw new Error(`JointDistributionSequential: the maker at index ${i} takes ${k} arguments, but only ${i} parts come before it.`);
  if (k === 0) return { make: () => (part as () => Distribution)(), args: [] };
  return { make: (previous) => part(...previous.slice(previous.length - k).reverse()), args };
}

const nontrivial = (name: string | null | undefined): name is string => !!name && name !== "_";

/** Names parts by the maker arguments that refer to them, then explicit distribution names, then dummies (TFP's _resolve_distribution_names). */
function resolveDistributionNames(args: readonly ((string | null)[] | null)[], instanceNames: readonly (string | null)[], leafName = "x"): string[] {
  const n = args.length;
  const names: (string | null)[] = new Array(n).fill(null);
  for (let i = n - 1; i >= 0; i--) {
    const a = args[i];
    if (!a) continue;
    a.forEach((argName, j) => {
      if (!nontrivial(argName)) return;
      const existing = names[i - j - 1];
      if (nontrivial(existing) && existing !== argName) throw new Error(`JointDistributionSequential: inconsistent names: part "${existing}" is referred to by a different name "${argName}".`);
      names[i - j - 1] = argName;
    });
  }
  instanceNames.forEach((inst, i) => {
    if (inst === null) return;
    if (nontrivial(names[i]) && names[i] !== inst) throw new Error(`JointDistributionSequential: inconsistent names: part "${inst}" is referred to by a different name "${names[i]}".`);
    names[i] = inst;
  });
  const taken = new Set(names.filter(nontrivial));
  let j = 0;
  for (let i = n - 1; i >= 0; i--) {
    if (nontrivial(names[i])) continue;
    let dummy = `${leafName}${j ? j : ""}`;
    while (taken.has(dummy)) dummy = `${leafName}${++j}`;
    names[i] = dummy;
    taken.add(dummy);
  }
  return names as string[];
}

export class JointDistributionSequential extends JointDistribution {
  readonly model: readonly SequentialModelPart[];
  private readonly makers: PartMaker[];

  constructor(model: readonly SequentialModelPart[], options: JointDistributionOptions = {}) {
    super(options, "JointDistributionSequential");
    if (!Array.isArray(model)) throw new TypeError("JointDistributionSequential: `model` must be a list of distributions and distribution-making functions.");
    this.model = [...model];
    this.makers = this.model.map((p, i) => unifyCallSignature(i, p));
  }

  *modelCoroutine(): Generator<ModelStep, void, NDArray> {
    const xs: NDArray[] = [];
    for (const m of this.makers) {
      const d = m.make(xs);
      const x = yield m.args === null || m.args.length === 0 ? Root(d) : d;
      xs.push(x);
    }
  }

  modelFlatten<T>(value: Structured<T> | null | undefined, what = "value"): (T | null)[] {
    const n = this.makers.length;
    if (value === null || value === undefined) return new Array<T | null>(n).fill(null);
    if (Array.isArray(value)) {
      if (value.length > n) throw new Error(`JointDistributionSequential.${what}: got ${value.length} parts for a model of ${n}.`);
      return Array.from({ length: n }, (_, i) => value[i] ?? null);
    }
    return flattenByName(this.constructor.name, what, value, this.flatNames());
  }

  modelUnflatten<T>(xs: readonly T[]): T[] {
    return [...xs];
  }

  flatNames(): string[] {
    const names = resolveDistributionNames(this.makers.map((m) => m.args), this.partAttributes().map((a) => a.name));
    if (new Set(names).size !== names.length) throw new Error(`JointDistributionSequential: part names must be unique, got ${names.join(", ")}.`);
    return names;
  }

  /** Each part's name and the names of the parts it depends on (TFP's resolve_graph). */
  resolveGraph(): [string, string[]][] {
    const names = this.flatNames();
    return names.map((n, i) => {
      const a = this.makers[i]!.args ?? [];
      return [n, a.map((argName, j) => argName ?? names[i - j - 1]!)];
    });
  }

  protected override independentParts(what: string): Distribution[] {
    if (this.makers.some((m) => m.args !== null && m.args.length > 0)) {
      throw new Error(`JointDistributionSequential.${what}: only defined when all parts are independent (no part is a function of another).`);
    }
    return this.makers.map((m) => m.make([]));
  }

  /** Whether no part depends on another (the KL registry needs this). */
  get partsAreIndependent(): boolean {
    return this.makers.every((m) => m.args === null || m.args.length === 0);
  }

  /** The parts as distributions, for independent models. */
  independentDistributions(): Distribution[] {
    return this.independentParts("independentDistributions");
  }
}

/** Parts in model order from an object keyed by part name. */
export function flattenByName<T>(cls: string, what: string, value: { [name: string]: T }, names: readonly string[]): (T | null)[] {
  const unknown = Object.keys(value).filter((k) => !names.includes(k));
  if (unknown.length) throw new Error(`${cls}.${what}: unknown part names ${unknown.join(", ")}; the parts are ${names.join(", ")}.`);
  return names.map((n) => value[n] ?? null);
}

interface SequentialAux {
  callables: (SequentialModelPart | null)[];
  options: JointDistributionOptions;
}

// Distributions in the model are children; functions are static (TFP's JAX pytree registration does the same).
tree.registerPytreeNode<JointDistributionSequential, SequentialAux>(
  JointDistributionSequential,
  (jd) => [jd.model.filter((p) => p instanceof Distribution), { callables: jd.model.map((p) => (p instanceof Distribution ? null : p)), options: optionsOf(jd) }] as const,
  (aux, children) => {
    let c = 0;
    const model = aux.callables.map((p) => (p === null ? (children[c++] as Distribution) : p));
    return new JointDistributionSequential(model, aux.options);
  },
);

export function optionsOf(jd: JointDistribution): JointDistributionOptions {
  return { batchNdims: jd.batchNdims, useVectorizedMap: jd.useVectorizedMap, validateArgs: jd.validateArgs, name: jd.name };
}
