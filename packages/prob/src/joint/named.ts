// JointDistributionNamed (TFP's joint_distribution_named.py): an object of distributions and makers whose
// parameter names are the parts they depend on; the parts are sampled in TFP's topological order.
import { NDArray, tree } from "@fluxion/core";
import { Distribution } from "../distributions/distribution.js";
import { argSpec } from "./argNames.js";
import { JointDistribution, Root, type JointDistributionOptions, type ModelStep, type Structured } from "./jointDistribution.js";
import { flattenByName, optionsOf } from "./sequential.js";

/** A maker with its dependencies spelled out (for minified code, destructuring, or any order of arguments). */
export interface NamedMaker {
  deps: readonly string[];
  fn: (...deps: NDArray[]) => Distribution;
}
/**
 * A part of a named model: a distribution; a function whose parameter names are the parts it depends on
 * (`(n, g) => new Normal({loc: n, scale: g})`, as TFP's lambdas); or `{deps: ["n", "g"], fn}` with the
 * values passed in `deps` order.
 */
export type NamedModelPart = Distribution | ((...deps: NDArray[]) => Distribution) | NamedMaker;

const isMaker = (p: unknown): p is NamedMaker => typeof p === "object" && p !== null && !(p instanceof Distribution) && Array.isArray((p as NamedMaker).deps) && typeof (p as NamedMaker).fn === "function";

/** The parts `part` depends on (null for distribution instances). */
function dependenciesOf(key: string, part: NamedModelPart, keys: readonly string[]): string[] | null {
  if (part instanceof Distribution) return null;
  if (isMaker(part)) return [...part.deps];
  if (typeof part !== "function") throw new TypeError(`JointDistributionNamed: part "${key}" must be a Distribution, a function returning one, or {deps, fn}.`);
  const spec = argSpec(part);
  const fix = `write it as {deps: [...], fn} to name its dependencies explicitly`;
  if (spec.hasRest) throw new Error(`JointDistributionNamed: part "${key}" takes ...rest parameters, so its dependencies cannot be read from its parameter names; ${fix}.`);
  const unnamed = spec.names.findIndex((n) => n === null);
  if (unnamed >= 0) throw new Error(`JointDistributionNamed: parameter ${unnamed} of part "${key}" has no plain name (destructured, or the source text could not be read); ${fix}.`);
  const names = spec.names as string[];
  const unknown = names.filter((n) => !keys.includes(n));
  if (unknown.length) {
    throw new Error(`JointDistributionNamed: part "${key}" depends on ${unknown.map((u) => `"${u}"`).join(", ")}, which ${unknown.length > 1 ? "are not parts" : "is not a part"} of the model (parts: ${keys.join(", ")}). Dependencies are read from the function's parameter names at run time; if a minifier or bundler renamed them, ${fix}.`);
  }
  return names;
}

interface GraphNode {
  name: string;
  parents: string[] | null;
  depth: number;
}

/** Longest path from each node to a root (TFP's _depth). */
function annotateDepths(graph: Map<string, string[] | null>): Map<string, GraphNode> {
  const nodes = new Map<string, GraphNode>();
  for (const [name, parents] of graph) nodes.set(name, { name, parents, depth: -1 });
  const onPath = new Set<string>();
  const explore = (v: GraphNode): number => {
    if (v.depth >= 0) return v.depth;
    if (onPath.has(v.name)) throw new Error(`JointDistributionNamed: the dependencies form a cycle through "${v.name}".`);
    onPath.add(v.name);
    v.depth = v.parents && v.parents.length ? 1 + Math.max(-1, ...v.parents.map((p) => explore(nodes.get(p)!))) : 0;
    onPath.delete(v.name);
    return v.depth;
  };
  for (const v of nodes.values()) explore(v);
  return nodes;
}

const byDepthThenNameDescending = (a: GraphNode, b: GraphNode) => (b.depth - a.depth) || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0);

/** Topological order of the parts (TFP's _best_order: deepest first, ascending through unvisited parents). */
export function bestOrder(graph: Map<string, string[] | null>): [string, string[] | null][] {
  const nodes = annotateDepths(graph);
  const visited = new Set<string>();
  const result: [string, string[] | null][] = [];
  const explore = (u: GraphNode) => {
    if (visited.has(u.name)) return;
    visited.add(u.name);
    if (u.parents && u.parents.length) {
      const ps = u.parents.map((p) => nodes.get(p)!).sort(byDepthThenNameDescending);
      for (const p of ps) explore(p);
    }
    result.push([u.name, u.parents]);
  };
  for (const u of [...nodes.values()].sort(byDepthThenNameDescending)) explore(u);
  return result;
}

export class JointDistributionNamed extends JointDistribution {
  readonly model: Readonly<Record<string, NamedModelPart>>;
  /** Part names in sampling order, with their dependencies. */
  private readonly graph: [string, string[] | null][];

  constructor(model: Readonly<Record<string, NamedModelPart>>, options: JointDistributionOptions = {}) {
    super(options, "JointDistributionNamed");
    if (typeof model !== "object" || model === null || Array.isArray(model) || model instanceof Distribution) {
      throw new TypeError("JointDistributionNamed: `model` must be an object of distributions and distribution-making functions.");
    }
    this.model = { ...model };
    const keys = Object.keys(model);
    const parents = new Map<string, string[] | null>();
    for (const k of keys) parents.set(k, dependenciesOf(k, model[k]!, keys));
    this.graph = bestOrder(parents);
  }

  *modelCoroutine(): Generator<ModelStep, void, NDArray> {
    const values = new Map<string, NDArray>();
    for (const [name, deps] of this.graph) {
      const part = this.model[name]!;
      let d: Distribution;
      if (part instanceof Distribution) d = part;
      else {
        const args = (deps ?? []).map((dep) => values.get(dep)!);
        d = isMaker(part) ? part.fn(...args) : part(...args);
      }
      const x = yield deps === null || deps.length === 0 ? Root(d) : d;
      values.set(name, x);
    }
  }

  modelFlatten<T>(value: Structured<T> | null | undefined, what = "value"): (T | null)[] {
    if (value === null || value === undefined) return this.graph.map(() => null);
    if (Array.isArray(value)) throw new Error(`JointDistributionNamed.${what}: values are objects keyed by part name (${Object.keys(this.model).join(", ")}), not lists.`);
    return flattenByName(this.constructor.name, what, value, this.flatNames());
  }

  /** An object in the model's own key order. */
  modelUnflatten<T>(xs: readonly T[]): { [name: string]: T } {
    const byName = new Map(this.graph.map(([n], i) => [n, xs[i]!] as const));
    const out: { [name: string]: T } = {};
    for (const k of Object.keys(this.model)) out[k] = byName.get(k)!;
    return out;
  }

  flatNames(): string[] {
    return this.graph.map(([n]) => n);
  }

  /** Each part's name and its dependencies, in sampling order (TFP's resolve_graph). */
  resolveGraph(): [string, string[]][] {
    return this.graph.map(([n, deps]) => [n, [...(deps ?? [])]]);
  }

  protected override independentParts(what: string): Distribution[] {
    if (!this.partsAreIndependent) throw new Error(`JointDistributionNamed.${what}: only defined when all parts are independent (no part is a function of another).`);
    return this.graph.map(([n]) => {
      const p = this.model[n]!;
      return p instanceof Distribution ? p : isMaker(p) ? p.fn() : p();
    });
  }

  get partsAreIndependent(): boolean {
    return this.graph.every(([, deps]) => deps === null || deps.length === 0);
  }

  independentDistributions(): Distribution[] {
    return this.independentParts("independentDistributions");
  }
}

interface NamedAux {
  keys: string[];
  callables: (Exclude<NamedModelPart, Distribution> | null)[];
  options: JointDistributionOptions;
}

tree.registerPytreeNode<JointDistributionNamed, NamedAux>(
  JointDistributionNamed,
  (jd) => {
    const keys = Object.keys(jd.model);
    const parts = keys.map((k) => jd.model[k]!);
    return [parts.filter((p) => p instanceof Distribution), { keys, callables: parts.map((p) => (p instanceof Distribution ? null : p)), options: optionsOf(jd) }] as const;
  },
  (aux, children) => {
    let c = 0;
    const model: Record<string, NamedModelPart> = {};
    aux.keys.forEach((k, i) => {
      const p = aux.callables[i];
      model[k] = p === null || p === undefined ? (children[c++] as Distribution) : p;
    });
    return new JointDistributionNamed(model, aux.options);
  },
);
