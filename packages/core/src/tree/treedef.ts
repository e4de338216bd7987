// TreeDef, the static structure of a pytree (JAX's PyTreeDef), with flatten / unflatten /
// flattenUpTo. Node kinds: plain arrays, plain objects (sorted keys), null, undefined and
// registered classes; every other value is a leaf.
import { deepEqual, renderKey, renderValue } from "./auxdata.js";
import { TreeStructureError } from "./errors.js";
import { registrationForPrototype, type NodeClass, type NodeRegistration } from "./registry.js";

/** Predicate that stops flattening at a node and makes it a leaf (JAX's `is_leaf`). */
export type IsLeaf = (node: unknown) => boolean;

export type NodeKind = "leaf" | "null" | "undefined" | "array" | "object" | "custom";

/** One path step: a number indexes an array or a registered node's children, a string names an object key. */
export type PathSegment = number | string;

/** Path string as written in JS: `[0].a["b c"][2]`; the root is the empty string. */
export function formatPath(segments: readonly PathSegment[]): string {
  let text = "";
  for (const segment of segments) {
    if (typeof segment === "number") text += `[${segment}]`;
    else text += /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`;
  }
  return text;
}

/** The structure of one pytree node and, recursively, of its children. Compare with `equals`. */
export class TreeDef {
  /** Object keys in sorted order (objects only; empty otherwise). */
  readonly keys: readonly string[];
  readonly numLeaves: number;
  /** Count of all nodes, leaves and null/undefined included (JAX's num_nodes). */
  readonly numNodes: number;
  private readonly childDefs: readonly TreeDef[];
  private renderedBody: string | undefined;

  /** Internal: build treedefs through `flatten` / `structure`. */
  constructor(
    readonly kind: NodeKind,
    childDefs: readonly TreeDef[],
    keys: readonly string[],
    readonly registration: NodeRegistration | undefined,
    readonly auxData: unknown,
  ) {
    this.childDefs = childDefs;
    this.keys = keys;
    let numLeaves = kind === "leaf" ? 1 : 0;
    let numNodes = 1;
    for (const child of childDefs) {
      numLeaves += child.numLeaves;
      numNodes += child.numNodes;
    }
    this.numLeaves = numLeaves;
    this.numNodes = numNodes;
  }

  /** The registered class of a custom node; undefined for built-in kinds. */
  get nodeClass(): NodeClass<unknown> | undefined {
    return this.registration?.nodeClass;
  }

  /** Whether this treedef is a single leaf (JAX's treedef_is_leaf). */
  isLeaf(): boolean {
    return this.kind === "leaf";
  }

  /** The treedefs of this node's direct children, in flattening order. */
  children(): TreeDef[] {
    return [...this.childDefs];
  }

  /** Number of direct children. */
  get numChildren(): number {
    return this.childDefs.length;
  }

  /** The treedef of direct child `index` (no copy, unlike `children()`). */
  child(index: number): TreeDef {
    const childDef = this.childDefs[index];
    if (childDef === undefined) {
      throw new RangeError(`TreeDef.child: index ${index} is out of range for ${this.childDefs.length} children`);
    }
    return childDef;
  }

  /** Structural equality: node kinds, arity, object keys, registered class and auxData (deep). */
  equals(other: TreeDef): boolean {
    if (this === other) return true;
    if (
      this.kind !== other.kind ||
      this.numLeaves !== other.numLeaves ||
      this.numNodes !== other.numNodes ||
      this.childDefs.length !== other.childDefs.length
    ) {
      return false;
    }
    if (this.kind === "object" && this.keys.some((key, i) => key !== other.keys[i])) return false;
    if (this.kind === "custom" && (this.registration !== other.registration || !deepEqual(this.auxData, other.auxData))) {
      return false;
    }
    return this.childDefs.every((child, i) => child.equals(other.childDefs[i]!));
  }

  /** Deterministic rendering, e.g. `PyTreeDef([*, {a: *, b: None}])`; equal strings iff `equals`. */
  toString(): string {
    return `PyTreeDef(${this.body()})`;
  }

  private body(): string {
    if (this.renderedBody !== undefined) return this.renderedBody;
    let text: string;
    switch (this.kind) {
      case "leaf":
        text = "*";
        break;
      case "null":
        text = "None";
        break;
      case "undefined":
        text = "undefined";
        break;
      case "array":
        text = `[${this.childDefs.map((child) => child.body()).join(", ")}]`;
        break;
      case "object":
        text = `{${this.keys.map((key, i) => `${renderKey(key)}: ${this.childDefs[i]!.body()}`).join(", ")}}`;
        break;
      case "custom":
        text =
          `CustomNode(${this.registration!.displayName}[${renderValue(this.auxData)}], ` +
          `[${this.childDefs.map((child) => child.body()).join(", ")}])`;
        break;
    }
    this.renderedBody = text;
    return text;
  }

  /** Rebuilds a pytree of this structure from `leaves` (in flattening order). */
  unflatten<T = unknown>(leaves: readonly unknown[]): T {
    if (!Array.isArray(leaves)) {
      throw new TreeStructureError(`unflatten: leaves must be an array, got ${describeValue(leaves)}`);
    }
    if (leaves.length !== this.numLeaves) {
      throw new TreeStructureError(
        `unflatten: ${this.toString()} has ${this.numLeaves} leaves but ${leaves.length} leaves were given; ` +
          `pass exactly one value per leaf`,
      );
    }
    const cursor = { next: 0 };
    return this.build(leaves, cursor) as T;
  }

  private build(leaves: readonly unknown[], cursor: { next: number }): unknown {
    switch (this.kind) {
      case "leaf":
        return leaves[cursor.next++];
      case "null":
        return null;
      case "undefined":
        return undefined;
      case "array":
        return this.childDefs.map((child) => child.build(leaves, cursor));
      case "object": {
        const rebuilt: Record<string, unknown> = {};
        this.keys.forEach((key, i) => {
          const value = this.childDefs[i]!.build(leaves, cursor);
          // Plain assignment to "__proto__" would set the prototype instead of a key.
          if (key === "__proto__") {
            Object.defineProperty(rebuilt, key, { value, enumerable: true, writable: true, configurable: true });
          } else {
            rebuilt[key] = value;
          }
        });
        return rebuilt;
      }
      case "custom": {
        const children = this.childDefs.map((child) => child.build(leaves, cursor));
        return this.registration!.unflatten(this.auxData, children);
      }
    }
  }

  /**
   * The subtrees of `value` that sit where this treedef has leaves (JAX's flatten_up_to):
   * `value` must have this structure down to this treedef's leaves, which match anything.
   */
  flattenUpTo(value: unknown): unknown[] {
    const subtrees: unknown[] = [];
    const mismatch = this.collectUpTo(value, [], subtrees);
    if (mismatch !== undefined) {
      throw new TreeStructureError(
        `flattenUpTo: the value does not have the structure ${this.toString()}: at ${mismatch.path || "the root"}, ` +
          `expected ${mismatch.expected} but found ${mismatch.found}`,
      );
    }
    return subtrees;
  }

  /** Internal: like flattenUpTo but reports the first mismatch instead of throwing. */
  collectUpTo(value: unknown, segments: PathSegment[], subtrees: unknown[]): StructureMismatch | undefined {
    if (this.kind === "leaf") {
      subtrees.push(value);
      return undefined;
    }
    const mismatchHere = (found: string): StructureMismatch => ({
      path: formatPath(segments),
      expected: this.describe(),
      found,
    });
    const node = classifyNode(value);
    if (node.kind !== this.kind) return mismatchHere(describeValue(value));
    switch (this.kind) {
      case "null":
      case "undefined":
        return undefined;
      case "array": {
        const array = value as unknown[];
        if (array.length !== this.childDefs.length) return mismatchHere(describeValue(value));
        for (let i = 0; i < array.length; i++) {
          segments.push(i);
          const mismatch = this.childDefs[i]!.collectUpTo(array[i], segments, subtrees);
          segments.pop();
          if (mismatch !== undefined) return mismatch;
        }
        return undefined;
      }
      case "object": {
        const record = value as Record<string, unknown>;
        const keys = Object.keys(record).sort();
        if (keys.length !== this.keys.length || keys.some((key, i) => key !== this.keys[i])) {
          return mismatchHere(describeValue(value));
        }
        for (let i = 0; i < keys.length; i++) {
          segments.push(keys[i]!);
          const mismatch = this.childDefs[i]!.collectUpTo(record[keys[i]!], segments, subtrees);
          segments.pop();
          if (mismatch !== undefined) return mismatch;
        }
        return undefined;
      }
      case "custom": {
        if (node.registration !== this.registration) return mismatchHere(describeValue(value));
        const [children, auxData] = flattenRegistered(node.registration!, value);
        if (!deepEqual(auxData, this.auxData)) {
          return mismatchHere(`a ${node.registration!.displayName} node with auxData ${renderValue(auxData)}`);
        }
        if (children.length !== this.childDefs.length) {
          return mismatchHere(`a ${node.registration!.displayName} node with ${children.length} children`);
        }
        for (let i = 0; i < children.length; i++) {
          segments.push(i);
          const mismatch = this.childDefs[i]!.collectUpTo(children[i], segments, subtrees);
          segments.pop();
          if (mismatch !== undefined) return mismatch;
        }
        return undefined;
      }
    }
  }

  /** Internal: this node's head in words, for error messages. */
  describe(): string {
    switch (this.kind) {
      case "leaf":
        return "a leaf";
      case "null":
        return "null (None)";
      case "undefined":
        return "undefined";
      case "array":
        return `an array of length ${this.childDefs.length}`;
      case "object":
        return `an object with keys {${this.keys.map(renderKey).join(", ")}}`;
      case "custom":
        return (
          `a ${this.registration!.displayName} node with auxData ${renderValue(this.auxData)} ` +
          `and ${this.childDefs.length} children`
        );
    }
  }
}

/** Where two structures first differ; `path` is formatted (root = ""). */
export interface StructureMismatch {
  readonly path: string;
  readonly expected: string;
  readonly found: string;
}

interface NodeHead {
  readonly kind: NodeKind;
  readonly registration: NodeRegistration | undefined;
}

const leafHead: NodeHead = { kind: "leaf", registration: undefined };
const nullHead: NodeHead = { kind: "null", registration: undefined };
const undefinedHead: NodeHead = { kind: "undefined", registration: undefined };
const arrayHead: NodeHead = { kind: "array", registration: undefined };
const objectHead: NodeHead = { kind: "object", registration: undefined };

/** The node kind of `value` ignoring any isLeaf predicate. */
export function classifyNode(value: unknown): NodeHead {
  if (value === null) return nullHead;
  if (value === undefined) return undefinedHead;
  if (typeof value !== "object") return leafHead;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype === Array.prototype) return arrayHead;
  if (prototype === Object.prototype || prototype === null) return objectHead;
  const registration = registrationForPrototype(prototype);
  return registration === undefined ? leafHead : { kind: "custom", registration };
}

function leafTypeName(value: unknown): string {
  if (typeof value !== "object" || value === null) return typeof value;
  const constructorName = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  return typeof constructorName === "string" && constructorName !== "" ? constructorName : "object";
}

/** A value's node head in words, for error messages. */
export function describeValue(value: unknown): string {
  const node = classifyNode(value);
  switch (node.kind) {
    case "leaf":
      return `a leaf (${leafTypeName(value)})`;
    case "null":
      return "null (None)";
    case "undefined":
      return "undefined";
    case "array":
      return `an array of length ${(value as unknown[]).length}`;
    case "object":
      return `an object with keys {${Object.keys(value as object).sort().map(renderKey).join(", ")}}`;
    case "custom":
      return `a ${node.registration!.displayName} node`;
  }
}

/** Runs a registered flatten and checks its result shape, so a bad rule fails with its class named. */
export function flattenRegistered(registration: NodeRegistration, value: unknown): [readonly unknown[], unknown] {
  const result = registration.flatten(value);
  if (!Array.isArray(result) || result.length !== 2 || !Array.isArray(result[0])) {
    throw new TreeStructureError(
      `flatten: the registered flatten of ${registration.displayName} must return [children: unknown[], auxData]`,
    );
  }
  return [result[0], result[1]];
}

const leafDef = new TreeDef("leaf", [], [], undefined, undefined);
const nullDef = new TreeDef("null", [], [], undefined, undefined);
const undefinedDef = new TreeDef("undefined", [], [], undefined, undefined);
const noKeys: readonly string[] = [];

/** Internal flattening walk; appends leaves (and their paths when `paths` is given). */
export function flattenInto(
  value: unknown,
  isLeaf: IsLeaf | undefined,
  leaves: unknown[],
  paths: string[] | undefined,
  segments: PathSegment[],
  ancestors: Set<object>,
): TreeDef {
  if (isLeaf !== undefined && isLeaf(value)) {
    leaves.push(value);
    paths?.push(formatPath(segments));
    return leafDef;
  }
  const node = classifyNode(value);
  switch (node.kind) {
    case "leaf":
      leaves.push(value);
      paths?.push(formatPath(segments));
      return leafDef;
    case "null":
      return nullDef;
    case "undefined":
      return undefinedDef;
  }
  const container = value as object;
  if (ancestors.has(container)) {
    throw new TreeStructureError(
      `flatten: the pytree contains a cycle at ${formatPath(segments) || "the root"}; pytrees must be acyclic`,
    );
  }
  ancestors.add(container);
  let def: TreeDef;
  if (node.kind === "array") {
    const array = container as unknown[];
    const childDefs: TreeDef[] = new Array<TreeDef>(array.length);
    for (let i = 0; i < array.length; i++) {
      segments.push(i);
      childDefs[i] = flattenInto(array[i], isLeaf, leaves, paths, segments, ancestors);
      segments.pop();
    }
    def = new TreeDef("array", childDefs, noKeys, undefined, undefined);
  } else if (node.kind === "object") {
    const record = container as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    const childDefs: TreeDef[] = new Array<TreeDef>(keys.length);
    for (let i = 0; i < keys.length; i++) {
      segments.push(keys[i]!);
      childDefs[i] = flattenInto(record[keys[i]!], isLeaf, leaves, paths, segments, ancestors);
      segments.pop();
    }
    def = new TreeDef("object", childDefs, keys, undefined, undefined);
  } else {
    const registration = node.registration!;
    const [children, auxData] = flattenRegistered(registration, container);
    const childDefs: TreeDef[] = new Array<TreeDef>(children.length);
    for (let i = 0; i < children.length; i++) {
      segments.push(i);
      childDefs[i] = flattenInto(children[i], isLeaf, leaves, paths, segments, ancestors);
      segments.pop();
    }
    def = new TreeDef("custom", childDefs, noKeys, registration, auxData);
  }
  ancestors.delete(container);
  return def;
}
