// Property tests (fast-check) of the pytree module over randomly generated nested trees,
// checked against small reference walkers written here independently of the module.
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { broadcastPrefix, flatten, leaves, map, registerPytreeNode, structure, treePaths, unflatten } from "./index.js";

class Pair {
  constructor(
    readonly first: unknown,
    readonly second: unknown,
    readonly tag: number,
  ) {}
}
registerPytreeNode(
  Pair,
  (pair) => [[pair.first, pair.second], { tag: pair.tag }] as const,
  (auxData: { tag: number }, [first, second]) => new Pair(first, second, auxData.tag),
);

class OpaqueLeaf {
  constructor(readonly id: number) {}
}

const keyArbitrary = fc.oneof(
  fc.string({ maxLength: 4 }),
  fc.constantFrom("__proto__", "constructor", "10", "9", "a b", "a", "b"),
);
const leafArbitrary = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.string({ maxLength: 3 }),
  fc.integer({ min: 0, max: 5 }).map((id) => new OpaqueLeaf(id)),
);

function pytreeArbitrary(leaf: fc.Arbitrary<unknown>, keys: fc.Arbitrary<string>, maxDepth: number): fc.Arbitrary<unknown> {
  return fc.letrec<{ node: unknown }>((tie) => ({
    node: fc.oneof(
      { depthSize: "small", maxDepth, withCrossShrink: true },
      leaf,
      fc.constant(null),
      fc.constant(undefined),
      fc.array(tie("node"), { maxLength: 4 }),
      fc.dictionary(keys, tie("node"), { maxKeys: 4, noNullPrototype: true }),
      fc.tuple(tie("node"), tie("node"), fc.integer({ min: 0, max: 2 })).map(([first, second, tag]) => new Pair(first, second, tag)),
    ),
  })).node;
}

const pytree = pytreeArbitrary(leafArbitrary, keyArbitrary, 5);

// Reference semantics, written out directly: arrays in order, objects by sorted key, Pair as [first, second].
function referenceChildren(node: unknown): [segment: number | string, child: unknown][] | undefined {
  if (node === null || node === undefined || typeof node !== "object") return node == null ? [] : undefined;
  if (Array.isArray(node)) return node.map((child, i) => [i, child]);
  if (node instanceof Pair) return [[0, node.first], [1, node.second]];
  if (Object.getPrototypeOf(node) === Object.prototype) {
    const record = node as Record<string, unknown>;
    return Object.keys(record).sort().map((key) => [key, record[key]]);
  }
  return undefined;
}

function referenceLeaves(node: unknown): unknown[] {
  const children = referenceChildren(node);
  return children === undefined ? [node] : children.flatMap(([, child]) => referenceLeaves(child));
}

/** The tree with every leaf replaced by 0: two trees have equal structure iff their shapes are deep-equal. */
function referenceShape(node: unknown): unknown {
  if (referenceChildren(node) === undefined) return 0;
  if (node === null || node === undefined) return node;
  if (Array.isArray(node)) return node.map(referenceShape);
  if (node instanceof Pair) return new Pair(referenceShape(node.first), referenceShape(node.second), node.tag);
  const record = node as Record<string, unknown>;
  const shape: Record<string, unknown> = {};
  for (const key of Object.keys(record)) Object.defineProperty(shape, key, { value: referenceShape(record[key]), enumerable: true });
  return shape;
}

/** Parses `[0].a["b c"][2]` into segments. */
function parsePath(path: string): (number | string)[] {
  const segments: (number | string)[] = [];
  const token = /\[(\d+)\]|\.([A-Za-z_$][A-Za-z0-9_$]*)|\[("(?:[^"\\]|\\.)*")\]/y;
  while (token.lastIndex < path.length) {
    const match = token.exec(path);
    if (match === null) throw new Error(`unparseable path ${path}`);
    segments.push(match[1] !== undefined ? Number(match[1]) : (match[2] ?? (JSON.parse(match[3]!) as string)));
  }
  return segments;
}

function childAt(node: unknown, segment: number | string): unknown {
  const found = referenceChildren(node)?.find(([candidate]) => candidate === segment);
  if (found === undefined) throw new Error(`no child ${String(segment)}`);
  return found[1];
}

const runs = { numRuns: 300 };

// node's strict deep equality (prototypes, own keys, Object.is); vitest's toStrictEqual misreads
// an own "constructor" key as the class, which random keys produce.
function expectSame(actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toStrictEqual(expected);
  expect(isDeepStrictEqual(actual, expected)).toBe(true);
}

describe("pytree properties", () => {
  it("unflatten(structure(x), leaves(x)) rebuilds x", () => {
    fc.assert(
      fc.property(pytree, (value) => {
        const rebuilt = unflatten(structure(value), leaves(value));
        expectSame(rebuilt, value);
      }),
      runs,
    );
  });

  it("leaves follow the reference order and the leaf count", () => {
    fc.assert(
      fc.property(pytree, (value) => {
        const [leafValues, treedef] = flatten(value);
        const expected = referenceLeaves(value);
        expect(leafValues.length).toBe(expected.length);
        leafValues.forEach((leaf, i) => expect(Object.is(leaf, expected[i])).toBe(true));
        expect(treedef.numLeaves).toBe(expected.length);
      }),
      runs,
    );
  });

  it("map keeps the structure and maps leaves in order", () => {
    const bump = (leaf: unknown): unknown => (typeof leaf === "number" ? leaf + 1 : typeof leaf === "string" ? `${leaf}!` : leaf);
    fc.assert(
      fc.property(pytree, (value) => {
        const mapped = map(bump, value);
        const mappedStructure = structure(mapped);
        expect(mappedStructure.equals(structure(value))).toBe(true);
        expect(mappedStructure.toString()).toBe(structure(value).toString());
        expectSame(leaves(mapped), referenceLeaves(value).map(bump));
        expectSame(
          map((a: unknown, b: unknown) => [a, b], value, mapped),
          unflatten(structure(value), referenceLeaves(value).map((leaf) => [leaf, bump(leaf)])),
        );
      }),
      runs,
    );
  });

  it("equals and toString agree with each other and with a reference shape comparison", () => {
    // Few keys, one leaf kind and shallow depth so that equal structures are common.
    const smallTree = pytreeArbitrary(fc.constant(1), fc.constantFrom("a", "b"), 2);
    let equalPairs = 0;
    fc.assert(
      fc.property(smallTree, smallTree, (a, b) => {
        const defA = structure(a);
        const defB = structure(b);
        const expected = isDeepStrictEqual(referenceShape(a), referenceShape(b));
        if (expected) equalPairs++;
        expect(defA.equals(defB)).toBe(expected);
        expect(defA.toString() === defB.toString()).toBe(expected);
      }),
      { numRuns: 1000 },
    );
    expect(equalPairs).toBeGreaterThan(20);
  });

  it("treePaths lead to the leaves they name", () => {
    fc.assert(
      fc.property(pytree, (value) => {
        const paths = treePaths(value);
        const leafValues = leaves(value);
        expect(paths.length).toBe(leafValues.length);
        paths.forEach((path, i) => {
          const reached = parsePath(path).reduce<unknown>(childAt, value);
          expect(Object.is(reached, leafValues[i])).toBe(true);
        });
      }),
      runs,
    );
  });

  it("broadcastPrefix of a truncated tree gives each leaf the prefix leaf on its path", () => {
    // Cut the tree at random places: a cut subtree becomes a number (or null) covering it.
    const cutArbitrary = fc.infiniteStream(fc.constantFrom<"keep" | "number" | "null">("keep", "keep", "number", "null"));
    fc.assert(
      fc.property(pytree, cutArbitrary, (full, cuts) => {
        const choices = cuts[Symbol.iterator]();
        let serial = 0;
        const cut = (node: unknown): unknown => {
          const children = referenceChildren(node);
          if (children === undefined || node === null || node === undefined) return serial++;
          const choice = choices.next().value as "keep" | "number" | "null";
          if (choice === "number") return serial++;
          if (choice === "null") return null;
          if (Array.isArray(node)) return node.map(cut);
          if (node instanceof Pair) return new Pair(cut(node.first), cut(node.second), node.tag);
          const prefixObject: Record<string, unknown> = {};
          for (const [key, child] of children) Object.defineProperty(prefixObject, key, { value: cut(child), enumerable: true });
          return prefixObject;
        };
        const prefix = cut(full);
        const broadcast = broadcastPrefix(prefix, full);
        const expected = treePaths(full).map((path) => {
          let cursor = prefix;
          for (const segment of parsePath(path)) {
            if (cursor === null || typeof cursor === "number") break;
            cursor = childAt(cursor, segment);
          }
          return cursor;
        });
        expectSame(broadcast, expected);
      }),
      runs,
    );
  });
});
