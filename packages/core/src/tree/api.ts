// The user-facing pytree functions of API.md (JAX's jax.tree_util in camelCase), plus the
// helpers vmap and jit need: broadcastPrefix for in/out axes and key paths for messages.
import { deepEqual, renderValue } from "./auxdata.js";
import { TreeStructureError } from "./errors.js";
import {
  TreeDef,
  classifyNode,
  describeValue,
  flattenInto,
  flattenRegistered,
  formatPath,
  type IsLeaf,
  type PathSegment,
  type StructureMismatch,
} from "./treedef.js";

/** Options shared by the flattening functions. */
export interface TreeOptions {
  /** Treat a node as a leaf when this returns true; it is asked before any other rule, null included. */
  readonly isLeaf?: IsLeaf;
}

function resolveIsLeaf(option: IsLeaf | TreeOptions | undefined): IsLeaf | undefined {
  return typeof option === "function" ? option : option?.isLeaf;
}

/** `[leaves, treedef]`: leaves in order (arrays by index, objects by sorted key, registered nodes by their flatten). */
export function flatten<Leaf = unknown>(tree: unknown, isLeaf?: IsLeaf | TreeOptions): [Leaf[], TreeDef] {
  const leaves: unknown[] = [];
  const treedef = flattenInto(tree, resolveIsLeaf(isLeaf), leaves, undefined, [], new Set<object>());
  return [leaves as Leaf[], treedef];
}

/** Rebuilds a pytree of structure `treedef` from `leaves`; throws when the leaf count differs. */
export function unflatten<T = unknown>(treedef: TreeDef, leaves: readonly unknown[]): T {
  return treedef.unflatten<T>(leaves);
}

/** The leaves of `tree`, in flattening order. */
export function leaves<Leaf = unknown>(tree: unknown, isLeaf?: IsLeaf | TreeOptions): Leaf[] {
  return flatten<Leaf>(tree, isLeaf)[0];
}

/** The treedef of `tree`. */
export function structure(tree: unknown, isLeaf?: IsLeaf | TreeOptions): TreeDef {
  return flatten(tree, isLeaf)[1];
}

/** `[[path, leaf], ...], treedef]` with paths such as `[0].a[2]` (JAX's tree_flatten_with_path). */
export function flattenWithPaths<Leaf = unknown>(
  tree: unknown,
  isLeaf?: IsLeaf | TreeOptions,
): [Array<[path: string, leaf: Leaf]>, TreeDef] {
  const leafValues: unknown[] = [];
  const paths: string[] = [];
  const treedef = flattenInto(tree, resolveIsLeaf(isLeaf), leafValues, paths, [], new Set<object>());
  return [paths.map((path, i) => [path, leafValues[i] as Leaf]), treedef];
}

/** The key path of each leaf, in flattening order; a registered node's children are `[i]`. */
export function treePaths(tree: unknown, isLeaf?: IsLeaf | TreeOptions): string[] {
  const paths: string[] = [];
  flattenInto(tree, resolveIsLeaf(isLeaf), [], paths, [], new Set<object>());
  return paths;
}

function mapTrees(isLeaf: IsLeaf | undefined, f: (...leaves: unknown[]) => unknown, trees: readonly unknown[]): unknown {
  if (trees.length === 0) throw new TreeStructureError("tree.map: pass at least one tree after the function");
  const [firstLeaves, treedef] = flatten(trees[0], isLeaf);
  const otherLeaves = trees.slice(1).map((other, i) => {
    const subtrees: unknown[] = [];
    const mismatch = treedef.collectUpTo(other, [], subtrees);
    if (mismatch !== undefined) throw mapMismatchError(treedef, other, i + 1, mismatch, isLeaf);
    return subtrees;
  });
  const mapped = firstLeaves.map((leaf, j) => f(leaf, ...otherLeaves.map((subtrees) => subtrees[j])));
  return treedef.unflatten(mapped);
}

function mapMismatchError(
  firstDef: TreeDef,
  other: unknown,
  index: number,
  mismatch: StructureMismatch,
  isLeaf: IsLeaf | undefined,
): TreeStructureError {
  let otherStructure: string;
  try {
    otherStructure = structure(other, isLeaf).toString();
  } catch (error) {
    otherStructure = `(cannot be flattened: ${error instanceof Error ? error.message : String(error)})`;
  }
  return new TreeStructureError(
    `tree.map: tree ${index} does not have the structure of tree 0: at ${mismatch.path || "the root"}, ` +
      `tree 0 has ${mismatch.expected} but tree ${index} has ${mismatch.found}.\n` +
      `  tree 0: ${firstDef.toString()}\n  tree ${index}: ${otherStructure}\n` +
      `All trees passed to tree.map must have the first tree's structure (down to its leaves).`,
  );
}

/**
 * Applies `f` leafwise: `f(leaf0, leaf1, ...)` for the leaves of the first tree and the matching
 * parts of the others, which must share its structure; as in JAX, a leaf of the first tree
 * matches a whole subtree of the others. Returns a tree of the first tree's structure.
 */
export function map<Out = unknown>(f: (...leaves: never[]) => unknown, ...trees: unknown[]): Out {
  return mapTrees(undefined, f as (...leaves: unknown[]) => unknown, trees) as Out;
}

/** `map` with options (an isLeaf predicate applied to the first tree). */
export function mapWith<Out = unknown>(
  options: TreeOptions,
  f: (...leaves: never[]) => unknown,
  ...trees: unknown[]
): Out {
  return mapTrees(options.isLeaf, f as (...leaves: unknown[]) => unknown, trees) as Out;
}

/** Folds `f` over the leaves in flattening order, starting from `initial` (JAX's tree_reduce). */
export function reduce<Acc>(
  f: (accumulator: Acc, leaf: never) => Acc,
  tree: unknown,
  initial: Acc,
  isLeaf?: IsLeaf | TreeOptions,
): Acc {
  const fold = f as (accumulator: Acc, leaf: unknown) => Acc;
  return leaves(tree, isLeaf).reduce<Acc>((accumulator, leaf) => fold(accumulator, leaf), initial);
}

/** Options for broadcastPrefix. */
export interface BroadcastPrefixOptions {
  /** Extra prefix leaves; null, undefined and non-node values are always prefix leaves. */
  readonly isPrefixLeaf?: IsLeaf;
  /** isLeaf used to flatten the full tree. */
  readonly isLeaf?: IsLeaf;
  /** Name of the prefix in error messages, e.g. "inAxes" (default "prefix"). */
  readonly prefixName?: string;
}

function resolveBroadcastOptions(option: IsLeaf | BroadcastPrefixOptions | undefined): BroadcastPrefixOptions {
  if (option === undefined) return {};
  return typeof option === "function" ? { isPrefixLeaf: option } : option;
}

/**
 * One value per leaf of `full`: the leaf of `prefix` that covers it, where `prefix` is a tree
 * prefix of `full` (as vmap's inAxes is of its arguments). In the prefix, null/undefined and
 * numbers are leaves, so `[0, null]` broadcasts over `[x, {a: y, b: z}]` to `[0, null, null]`.
 */
export function broadcastPrefix<T = unknown>(
  prefix: unknown,
  full: unknown,
  options?: IsLeaf | BroadcastPrefixOptions,
): T[] {
  const resolved = resolveBroadcastOptions(options);
  return broadcastPrefixToStructure<T>(prefix, structure(full, resolved.isLeaf), resolved);
}

/** broadcastPrefix against an already-computed structure of the full tree. */
export function broadcastPrefixToStructure<T = unknown>(
  prefix: unknown,
  fullStructure: TreeDef,
  options?: IsLeaf | BroadcastPrefixOptions,
): T[] {
  const resolved = resolveBroadcastOptions(options);
  const broadcast: unknown[] = [];
  const mismatch = broadcastInto(prefix, fullStructure, resolved.isPrefixLeaf, [], broadcast);
  if (mismatch !== undefined) {
    const name = resolved.prefixName ?? "prefix";
    throw new TreeStructureError(
      `broadcastPrefix: ${name} is not a tree prefix of the full tree ${fullStructure.toString()}: ` +
        `at ${name}${mismatch.path}, the full tree has ${mismatch.expected} but ${name} has ${mismatch.found}. ` +
        `Each node of ${name} must either be a leaf (a number, null, ...) covering that whole subtree, ` +
        `or have the same kind, length or keys as the full tree there.`,
    );
  }
  return broadcast as T[];
}

function broadcastInto(
  prefix: unknown,
  fullDef: TreeDef,
  isPrefixLeaf: IsLeaf | undefined,
  segments: PathSegment[],
  broadcast: unknown[],
): StructureMismatch | undefined {
  const node = classifyNode(prefix);
  const prefixIsLeaf =
    node.kind === "leaf" || node.kind === "null" || node.kind === "undefined" || (isPrefixLeaf?.(prefix) ?? false);
  if (prefixIsLeaf) {
    for (let i = 0; i < fullDef.numLeaves; i++) broadcast.push(prefix);
    return undefined;
  }
  const mismatchHere = (found: string): StructureMismatch => ({
    path: formatPath(segments),
    expected: fullDef.describe(),
    found,
  });
  if (node.kind !== fullDef.kind) return mismatchHere(describeValue(prefix));
  let children: readonly unknown[];
  let childSegments: readonly PathSegment[];
  if (node.kind === "array") {
    children = prefix as unknown[];
    childSegments = children.map((_, i) => i);
  } else if (node.kind === "object") {
    const record = prefix as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    if (keys.length !== fullDef.keys.length || keys.some((key, i) => key !== fullDef.keys[i])) {
      return mismatchHere(describeValue(prefix));
    }
    children = keys.map((key) => record[key]);
    childSegments = keys;
  } else {
    if (node.registration !== fullDef.registration) return mismatchHere(describeValue(prefix));
    const [registeredChildren, auxData] = flattenRegistered(node.registration!, prefix);
    if (!deepEqual(auxData, fullDef.auxData)) {
      return mismatchHere(`a ${node.registration!.displayName} node with auxData ${renderValue(auxData)}`);
    }
    children = registeredChildren;
    childSegments = children.map((_, i) => i);
  }
  if (children.length !== fullDef.numChildren) return mismatchHere(describeValue(prefix));
  for (let i = 0; i < children.length; i++) {
    segments.push(childSegments[i]!);
    const mismatch = broadcastInto(children[i], fullDef.child(i), isPrefixLeaf, segments, broadcast);
    segments.pop();
    if (mismatch !== undefined) return mismatch;
  }
  return undefined;
}
