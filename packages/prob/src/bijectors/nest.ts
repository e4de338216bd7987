// Nested structures (plain JS arrays and plain objects) for multipart bijectors: the counterpart of
// tf.nest as TFP's bijectors use it. Every other value (arrays, numbers, null, class instances) is a leaf.
import { FluxionError } from "@fluxion/core";

/** A value or a nested plain array / plain object of values. */
export type Nested<T> = T | readonly Nested<T>[] | { readonly [key: string]: Nested<T> };

/** Raised when two structures that must match do not. */
export class StructureError extends FluxionError {}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== "object" || x === null) return false;
  const proto: unknown = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** Whether `x` is a structure node (plain array or plain object) rather than a leaf. */
export function isNested(x: unknown): x is readonly unknown[] | Record<string, unknown> {
  return (Array.isArray(x) && Object.getPrototypeOf(x) === Array.prototype) || isPlainObject(x);
}

/** Keys of a node in traversal order: indices for arrays, sorted keys for objects (as tf.nest). */
function keysOf(node: readonly unknown[] | Record<string, unknown>): (number | string)[] {
  return Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node).sort();
}

function childOf(node: unknown, key: number | string): unknown {
  return (node as Record<string | number, unknown>)[key];
}

function describe(x: unknown): string {
  if (Array.isArray(x)) return `a list of ${x.length}`;
  if (isPlainObject(x)) return `an object with keys [${Object.keys(x).sort().join(", ")}]`;
  return "a leaf";
}

/** Leaves of `x` in traversal order. */
export function flatten(x: unknown): unknown[] {
  const out: unknown[] = [];
  const walk = (v: unknown) => {
    if (isNested(v)) for (const k of keysOf(v)) walk(childOf(v, k));
    else out.push(v);
  };
  walk(x);
  return out;
}

/** Checks that `x` has `shallow`'s structure down to `shallow`'s leaves (where `x` may continue deeper). */
function assertPrefix(shallow: unknown, x: unknown, what: string): void {
  if (!isNested(shallow)) return;
  if (!isNested(x) || Array.isArray(shallow) !== Array.isArray(x)) {
    throw new StructureError(`${what}: expected ${describe(shallow)}, got ${describe(x)}.`);
  }
  const ks = keysOf(shallow);
  const kx = keysOf(x);
  if (ks.length !== kx.length || ks.some((k, i) => k !== kx[i])) {
    throw new StructureError(`${what}: expected ${describe(shallow)}, got ${describe(x)}.`);
  }
  for (const k of ks) assertPrefix(childOf(shallow, k), childOf(x, k), what);
}

/**
 * Applies `f` at each leaf of `shallow`, passing the matching subtree of every structure in `xs`
 * (tf.nest.map_structure_up_to). The result has `shallow`'s structure.
 */
export function mapStructureUpTo(shallow: unknown, f: (...subtrees: unknown[]) => unknown, ...xs: unknown[]): unknown {
  for (const x of xs) assertPrefix(shallow, x, "mapStructureUpTo");
  const walk = (s: unknown, parts: unknown[]): unknown => {
    if (!isNested(s)) return f(...parts);
    if (Array.isArray(s)) return s.map((_, i) => walk(s[i], parts.map((p) => childOf(p, i))));
    const out: Record<string, unknown> = {};
    for (const k of keysOf(s)) out[k as string] = walk(childOf(s, k), parts.map((p) => childOf(p, k)));
    return out;
  };
  return walk(shallow, xs);
}

/** Applies `f` leafwise over structures with identical structure (tf.nest.map_structure). */
export function mapStructure(f: (...leaves: unknown[]) => unknown, first: unknown, ...rest: unknown[]): unknown {
  for (const r of rest) {
    assertPrefix(first, r, "mapStructure");
    if (flatten(first).length !== flatten(r).length) throw new StructureError(`mapStructure: structures differ (${describe(first)} vs ${describe(r)}).`);
  }
  return mapStructureUpTo(first, f, first, ...rest);
}

/** Rebuilds `structure`'s shape with `leaves` in traversal order (tf.nest.pack_sequence_as). */
export function packSequenceAs(structure: unknown, leaves: readonly unknown[]): unknown {
  let i = 0;
  const out = mapStructure(() => {
    if (i >= leaves.length) throw new StructureError(`packSequenceAs: ${leaves.length} leaves are too few for the structure.`);
    return leaves[i++];
  }, structure);
  if (i !== leaves.length) throw new StructureError(`packSequenceAs: got ${leaves.length} leaves for a structure with ${i}.`);
  return out;
}

/** `value` repeated over `structure`'s leaves unless it is already nested (nest_util.broadcast_structure). */
export function broadcastStructure(structure: unknown, value: unknown): unknown {
  if (isNested(value)) return value;
  return mapStructure(() => value, structure);
}

/** Leaves of `x` taken up to `shallow`'s structure (tf.nest.flatten_up_to). */
export function flattenUpTo(shallow: unknown, x: unknown): unknown[] {
  const out: unknown[] = [];
  mapStructureUpTo(shallow, (v) => out.push(v), x);
  return out;
}
