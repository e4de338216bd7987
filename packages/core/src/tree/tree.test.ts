// Unit tests of the pytree module: flatten/unflatten, treedefs as cache keys, map, broadcastPrefix, paths.
import { describe, expect, it } from "vitest";
import {
  PytreeRegistrationError,
  TreeDef,
  TreeStructureError,
  broadcastPrefix,
  broadcastPrefixToStructure,
  deepEqual,
  flatten,
  flattenWithPaths,
  isRegisteredPytreeNode,
  leaves,
  map,
  mapWith,
  reduce,
  registerPytreeNode,
  structure,
  treePaths,
  unflatten,
} from "./index.js";

class Point {
  constructor(
    readonly x: unknown,
    readonly y: unknown,
    readonly label: string,
  ) {}
}
registerPytreeNode(
  Point,
  (point) => [[point.x, point.y], { label: point.label }] as const,
  (auxData: { label: string }, [x, y]) => new Point(x, y, auxData.label),
);

class NamedPoint extends Point {}

class Opaque {
  constructor(readonly value: number) {}
}

describe("flatten / unflatten", () => {
  it("flattens nested arrays and objects in order, with null/undefined as childless nodes", () => {
    const value = [1, { b: 2, a: [3, null] }, undefined];
    const [leafValues, treedef] = flatten(value);
    expect(leafValues).toEqual([1, 3, 2]);
    expect(treedef.toString()).toBe("PyTreeDef([*, {a: [*, None], b: *}, undefined])");
    expect(treedef.numLeaves).toBe(3);
    // root, 1, object, a-array, 3, None, 2, undefined
    expect(treedef.numNodes).toBe(8);
    expect(unflatten(treedef, leafValues)).toStrictEqual(value);
  });

  it("matches JAX's node count for [1, None]", () => {
    // jax.tree_util.tree_structure([1, None]).num_nodes == 3
    expect(structure([1, null]).numNodes).toBe(3);
    expect(structure([1, null]).numLeaves).toBe(1);
  });

  it("visits object keys in sorted (string) order and rebuilds objects with those keys", () => {
    expect(leaves({ c: "c", a: "a", b: "b" })).toEqual(["a", "b", "c"]);
    // Sorted as strings, like JAX's dict keys: "10" < "9" < "x".
    expect(leaves({ x: "x", 9: "nine", 10: "ten" })).toEqual(["ten", "nine", "x"]);
    const [leafValues, treedef] = flatten({ zeta: 1, alpha: { y: 2, x: 3 } });
    expect(leafValues).toEqual([3, 2, 1]);
    const rebuilt = unflatten<Record<string, unknown>>(treedef, ["X", "Y", "Z"]);
    expect(rebuilt).toStrictEqual({ alpha: { x: "X", y: "Y" }, zeta: "Z" });
    expect(Object.keys(rebuilt)).toEqual(["alpha", "zeta"]);
  });

  it("keeps null and undefined apart and never makes them leaves", () => {
    expect(leaves([null, undefined, { a: null }])).toEqual([]);
    const treedef = structure([null, undefined]);
    expect(treedef.numLeaves).toBe(0);
    expect(treedef.toString()).toBe("PyTreeDef([None, undefined])");
    expect(unflatten(treedef, [])).toStrictEqual([null, undefined]);
    expect(structure(null).equals(structure(undefined))).toBe(false);
  });

  it("treats primitives, typed arrays, functions and unregistered class instances as leaves", () => {
    const typed = new Float64Array([1, 2]);
    const opaque = new Opaque(3);
    const fn = (): number => 1;
    const value = [1, true, 5n, "s", typed, opaque, fn];
    const [leafValues, treedef] = flatten(value);
    expect(leafValues).toHaveLength(7);
    expect(leafValues[4]).toBe(typed);
    expect(leafValues[5]).toBe(opaque);
    expect(leafValues[6]).toBe(fn);
    expect(treedef.toString()).toBe("PyTreeDef([*, *, *, *, *, *, *])");
    expect(structure(7).toString()).toBe("PyTreeDef(*)");
    expect(structure(7).isLeaf()).toBe(true);
  });

  it("flattens plain objects with a null prototype like ordinary objects", () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare.b = 1;
    bare.a = 2;
    expect(leaves(bare)).toEqual([2, 1]);
    expect(structure(bare).equals(structure({ a: 0, b: 0 }))).toBe(true);
  });

  it("round-trips an own __proto__ key without touching the prototype", () => {
    const value = JSON.parse('{"__proto__": 1, "a": 2}') as Record<string, unknown>;
    const [leafValues, treedef] = flatten(value);
    expect(leafValues).toEqual([1, 2]);
    expect(treedef.toString()).toBe("PyTreeDef({__proto__: *, a: *})");
    const rebuilt = unflatten<Record<string, unknown>>(treedef, [10, 20]);
    expect(Object.getPrototypeOf(rebuilt)).toBe(Object.prototype);
    expect(Object.keys(rebuilt)).toEqual(["__proto__", "a"]);
    expect(Object.getOwnPropertyDescriptor(rebuilt, "__proto__")?.value).toBe(10);
  });

  it("throws a clear error naming both counts when unflatten gets the wrong number of leaves", () => {
    const treedef = structure([1, { a: 2 }]);
    expect(() => unflatten(treedef, [1, 2, 3])).toThrow(TreeStructureError);
    expect(() => unflatten(treedef, [1, 2, 3])).toThrow(
      "unflatten: PyTreeDef([*, {a: *}]) has 2 leaves but 3 leaves were given",
    );
    expect(() => treedef.unflatten([1])).toThrow(/has 2 leaves but 1 leaves were given/);
  });

  it("rejects cyclic pytrees with a path instead of overflowing the stack", () => {
    const cyclic: { a: unknown[] } = { a: [] };
    cyclic.a.push(cyclic);
    expect(() => flatten(cyclic)).toThrow("flatten: the pytree contains a cycle at .a[0]; pytrees must be acyclic");
  });

  it("flattens a shared (non-cyclic) subtree once per occurrence", () => {
    const shared = [1, 2];
    expect(leaves([shared, shared])).toEqual([1, 2, 1, 2]);
  });

  it("lists children treedefs", () => {
    const treedef = structure({ a: 1, b: [2, 3] });
    expect(treedef.children().map((child) => child.toString())).toEqual(["PyTreeDef(*)", "PyTreeDef([*, *])"]);
    expect(treedef.numChildren).toBe(2);
    expect(treedef.child(1).numLeaves).toBe(2);
    expect(() => treedef.child(2)).toThrow(RangeError);
    expect(treedef.kind).toBe("object");
    expect(treedef.keys).toEqual(["a", "b"]);
  });
});

describe("registered classes", () => {
  it("round-trips a registered class through its flatten/unflatten rules", () => {
    const value = { p: new Point([1, 2], null, "origin"), q: 3 };
    const [leafValues, treedef] = flatten(value);
    expect(leafValues).toEqual([1, 2, 3]);
    expect(treedef.toString()).toBe('PyTreeDef({p: CustomNode(Point[{label: "origin"}], [[*, *], None]), q: *})');
    const rebuilt = unflatten<{ p: Point; q: number }>(treedef, [10, 20, 30]);
    expect(rebuilt.p).toBeInstanceOf(Point);
    expect(rebuilt.p.x).toEqual([10, 20]);
    expect(rebuilt.p.y).toBeNull();
    expect(rebuilt.p.label).toBe("origin");
    expect(rebuilt.q).toBe(30);
    expect(treedef.child(0).nodeClass).toBe(Point);
  });

  it("matches by exact class: an unregistered subclass is a leaf", () => {
    const sub = new NamedPoint(1, 2, "s");
    expect(leaves(sub)).toEqual([sub]);
    expect(isRegisteredPytreeNode(Point)).toBe(true);
    expect(isRegisteredPytreeNode(NamedPoint)).toBe(false);
    expect(isRegisteredPytreeNode(Object)).toBe(true);
  });

  it("distinguishes auxData in equals and toString", () => {
    const a = structure(new Point(1, 2, "a"));
    const a2 = structure(new Point(5, 6, "a"));
    const b = structure(new Point(1, 2, "b"));
    expect(a.equals(a2)).toBe(true);
    expect(a.toString()).toBe(a2.toString());
    expect(a.equals(b)).toBe(false);
    expect(a.toString()).not.toBe(b.toString());
  });

  it("refuses double registration, built-in kinds and non-classes", () => {
    expect(() => registerPytreeNode(Point, (p) => [[p.x], null], () => new Point(0, 0, ""))).toThrow(
      PytreeRegistrationError,
    );
    expect(() => registerPytreeNode(Object, () => [[], null], () => ({}))).toThrow(/built in/);
    const notAClass = { prototype: {}, name: "fake" };
    expect(() => registerPytreeNode(notAClass, () => [[], null], () => ({}))).toThrow(/expected a class/);
  });

  it("gives same-named classes distinct printed names so toString stays a faithful cache key", () => {
    const makeClass = () =>
      class Box {
        constructor(readonly content: unknown) {}
      };
    const BoxA = makeClass();
    const BoxB = makeClass();
    registerPytreeNode(BoxA, (box) => [[box.content], null], (_aux, [content]) => new BoxA(content));
    registerPytreeNode(BoxB, (box) => [[box.content], null], (_aux, [content]) => new BoxB(content));
    const a = structure(new BoxA(1));
    const b = structure(new BoxB(1));
    expect(a.equals(b)).toBe(false);
    expect(a.toString()).toBe("PyTreeDef(CustomNode(Box[null], [*]))");
    expect(b.toString()).toBe("PyTreeDef(CustomNode(Box#2[null], [*]))");
  });

  it("reports a registered flatten that returns the wrong shape", () => {
    class Broken {}
    registerPytreeNode(Broken, () => [1, 2] as unknown as [unknown[], unknown], () => new Broken());
    expect(() => flatten(new Broken())).toThrow(/registered flatten of Broken must return \[children/);
  });
});

describe("TreeDef equality and cache keys", () => {
  it("compares structure, not leaf values", () => {
    const cache = new Map<string, string>();
    cache.set(structure([1, { a: 2 }]).toString(), "first");
    expect(cache.get(structure(["x", { a: new Opaque(0) }]).toString())).toBe("first");
    expect(structure([1, { a: 2 }]).equals(structure([3, { a: 4 }]))).toBe(true);
  });

  it("tells apart kinds, lengths and keys", () => {
    const variants: unknown[] = [1, null, undefined, [], {}, [1], [[1]], [1, 1], { a: 1 }, { b: 1 }, { a: [1] }, [null]];
    const defs = variants.map((variant) => structure(variant));
    for (let i = 0; i < defs.length; i++) {
      for (let j = 0; j < defs.length; j++) {
        expect(defs[i]!.equals(defs[j]!)).toBe(i === j);
        expect(defs[i]!.toString() === defs[j]!.toString()).toBe(i === j);
      }
    }
  });

  it("renders auxData deterministically with sorted keys and unique identities for functions", () => {
    const f = (): number => 1;
    const g = (): number => 2;
    const withF = structure(new Point(0, 0, "l"));
    expect(withF.toString()).toContain('{label: "l"}');
    class FnNode {
      constructor(
        readonly fn: () => number,
        readonly options: Record<string, unknown>,
      ) {}
    }
    type FnNodeAux = [fn: () => number, options: Record<string, unknown>];
    registerPytreeNode(
      FnNode,
      (node) => [[], [node.fn, node.options] as FnNodeAux],
      ([fn, options]: FnNodeAux) => new FnNode(fn, options),
    );
    const defF = structure(new FnNode(f, { z: 1, a: [2, "x"] }));
    const defF2 = structure(new FnNode(f, { a: [2, "x"], z: 1 }));
    const defG = structure(new FnNode(g, { z: 1, a: [2, "x"] }));
    expect(defF.equals(defF2)).toBe(true);
    expect(defF.toString()).toBe(defF2.toString());
    expect(defF.toString()).toMatch(/^PyTreeDef\(CustomNode\(FnNode\[\[<function f#\d+>, \{a: \[2, "x"\], z: 1\}\]\], \[\]\)\)$/);
    expect(defF.equals(defG)).toBe(false);
    expect(defF.toString()).not.toBe(defG.toString());
  });
});

describe("deepEqual", () => {
  it("compares primitives with Object.is and containers deeply", () => {
    expect(deepEqual(NaN, NaN)).toBe(true);
    expect(deepEqual(0, -0)).toBe(false);
    expect(deepEqual([1, { a: [2, null] }], [1, { a: [2, null] }])).toBe(true);
    expect(deepEqual({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
    expect(deepEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(deepEqual([1, 2], { 0: 1, 1: 2 })).toBe(false);
    expect(deepEqual([1], [1, 2])).toBe(false);
    expect(deepEqual(1n, 1n)).toBe(true);
    expect(deepEqual(new Opaque(1), new Opaque(1))).toBe(false);
    const shared = new Opaque(1);
    expect(deepEqual([shared], [shared])).toBe(true);
  });
});

describe("map", () => {
  it("maps one tree leafwise and keeps its structure", () => {
    const value = { w: [1, 2], b: null, p: new Point(3, 4, "p") };
    const doubled = map<typeof value>((leaf: number) => leaf * 2, value);
    expect(doubled.w).toEqual([2, 4]);
    expect(doubled.b).toBeNull();
    expect(doubled.p).toBeInstanceOf(Point);
    expect([doubled.p.x, doubled.p.y]).toEqual([6, 8]);
  });

  it("maps several trees of the same structure together", () => {
    const sum = map((a: number, b: number, c: number) => a + b + c, { x: 1, y: [2, 3] }, { x: 10, y: [20, 30] }, { x: 100, y: [200, 300] });
    expect(sum).toStrictEqual({ x: 111, y: [222, 333] });
  });

  it("lets a leaf of the first tree match a whole subtree of the others, as JAX's flatten_up_to", () => {
    const paired = map((axis: number, subtree: unknown) => [axis, subtree], [0, 1], [[5, 6], { q: 1 }]);
    expect(paired).toStrictEqual([
      [0, [5, 6]],
      [1, { q: 1 }],
    ]);
  });

  it("names both structures and the path where they differ", () => {
    const call = () => map((a: number, b: number) => a + b, [1, { a: 1, b: [1] }], [1, { a: 1, b: [1, 2] }]);
    expect(call).toThrow(TreeStructureError);
    expect(call).toThrow(
      "tree.map: tree 1 does not have the structure of tree 0: at [1].b, tree 0 has an array of length 1 " +
        "but tree 1 has an array of length 2.\n" +
        "  tree 0: PyTreeDef([*, {a: *, b: [*]}])\n" +
        "  tree 1: PyTreeDef([*, {a: *, b: [*, *]}])",
    );
    expect(() => map((a: number) => a, { a: 1, b: 2 }, { a: 1, c: 2 })).toThrow(
      "at the root, tree 0 has an object with keys {a, b} but tree 1 has an object with keys {a, c}",
    );
    expect(() => map((a: number) => a, [null, 1], [3, 1])).toThrow(
      "at [0], tree 0 has null (None) but tree 1 has a leaf (number)",
    );
    expect(() => map((a: number) => a, new Point(1, 2, "a"), new Point(1, 2, "b"))).toThrow(
      'tree 0 has a Point node with auxData {label: "a"} and 2 children but tree 1 has a Point node with auxData {label: "b"}',
    );
    expect(() => map((a: number) => a)).toThrow(/at least one tree/);
  });

  it("honours isLeaf through mapWith", () => {
    const pairs = { a: [1, 2], b: [3, 4] };
    const isPair = (node: unknown): boolean => Array.isArray(node) && node.length === 2 && typeof node[0] === "number";
    const sums = mapWith({ isLeaf: isPair }, ([x, y]: [number, number]) => x + y, pairs);
    expect(sums).toStrictEqual({ a: 3, b: 7 });
  });

  it("folds leaves with reduce", () => {
    expect(reduce((total: number, leaf: number) => total + leaf, [1, { a: 2, b: [3, null] }], 0)).toBe(6);
    expect(reduce((order: string, leaf: string) => order + leaf, { b: "b", a: "a", c: ["c", "d"] }, "")).toBe("abcd");
  });
});

describe("isLeaf", () => {
  it("stops flattening where the predicate says, even at null", () => {
    const [leafValues, treedef] = flatten([null, [1, 2], { a: 3 }], (node) => node === null);
    expect(leafValues).toEqual([null, 1, 2, 3]);
    expect(treedef.toString()).toBe("PyTreeDef([*, [*, *], {a: *}])");
    const [wholeLeaves, wholeDef] = flatten([null, [1, 2]], { isLeaf: (node) => Array.isArray(node) && node.length === 2 && node[0] === 1 });
    expect(wholeLeaves).toEqual([[1, 2]]);
    expect(wholeDef.toString()).toBe("PyTreeDef([None, *])");
    expect(leaves(new Point(1, 2, "p"), (node) => node instanceof Point)).toHaveLength(1);
  });
});

describe("broadcastPrefix", () => {
  const x = "x";
  const y = "y";
  const z = "z";

  it("repeats each prefix leaf over the leaves it covers, with null as a leaf", () => {
    expect(broadcastPrefix([0, null], [x, { a: y, b: z }])).toEqual([0, null, null]);
    expect(broadcastPrefix(1, [x, { a: y, b: [z, z] }])).toEqual([1, 1, 1, 1]);
    expect(broadcastPrefix({ a: 1, b: null }, { a: [x, y], b: z })).toEqual([1, 1, null]);
    expect(broadcastPrefix([0, undefined, 2], [x, [y, z], [x]])).toEqual([0, undefined, undefined, 2]);
    // A prefix leaf over a null node of the full tree covers zero leaves.
    expect(broadcastPrefix([0, 1], [null, x])).toEqual([1]);
    expect(broadcastPrefix([0, [1, 2]], [x, [y, z]])).toEqual([0, 1, 2]);
  });

  it("walks registered classes with matching auxData", () => {
    const full = new Point([x, y], z, "p");
    expect(broadcastPrefix(new Point(0, null, "p"), full)).toEqual([0, 0, null]);
    expect(() => broadcastPrefix(new Point(0, null, "q"), full)).toThrow(
      'at prefix, the full tree has a Point node with auxData {label: "p"} and 2 children but prefix has a Point node with auxData {label: "q"}',
    );
  });

  it("names the path where the prefix stops matching", () => {
    const full = [x, { a: y, b: z }];
    const call = () => broadcastPrefix([0, { a: 0, b: [0, 1] }], full, { prefixName: "inAxes" });
    expect(call).toThrow(TreeStructureError);
    expect(call).toThrow(
      "broadcastPrefix: inAxes is not a tree prefix of the full tree PyTreeDef([*, {a: *, b: *}]): " +
        "at inAxes[1].b, the full tree has a leaf but inAxes has an array of length 2.",
    );
    expect(() => broadcastPrefix([0, { b: 1 }], full, { prefixName: "inAxes" })).toThrow(
      "at inAxes[1], the full tree has an object with keys {a, b} but inAxes has an object with keys {b}",
    );
    expect(() => broadcastPrefix([0, 0, 0], full)).toThrow(
      "at prefix, the full tree has an array of length 2 but prefix has an array of length 3",
    );
    expect(broadcastPrefix([0], [null])).toEqual([]);
    expect(() => broadcastPrefix([[0]], [null])).toThrow(
      "at prefix[0], the full tree has null (None) but prefix has an array of length 1",
    );
  });

  it("accepts an isPrefixLeaf predicate and a precomputed structure", () => {
    const isAxisList = (node: unknown): boolean => Array.isArray(node) && node.every((item) => typeof item === "number");
    expect(broadcastPrefix([[0, 1], 2], [[x, y, z], x], isAxisList)).toEqual([[0, 1], [0, 1], [0, 1], 2]);
    const fullDef = structure({ a: [x, y], b: z });
    expect(broadcastPrefixToStructure({ a: [0, 1], b: null }, fullDef)).toEqual([0, 1, null]);
  });
});

describe("paths", () => {
  it("formats key paths of leaves", () => {
    const value = [{ a: [1, 2], "b c": 3, n: null }, new Point(4, 5, "p")];
    expect(treePaths(value)).toEqual(["[0].a[0]", "[0].a[1]", '[0]["b c"]', "[1][0]", "[1][1]"]);
    expect(treePaths(7)).toEqual([""]);
    const [withPaths, treedef] = flattenWithPaths({ w: [10, 20] });
    expect(withPaths).toEqual([
      [".w[0]", 10],
      [".w[1]", 20],
    ]);
    expect(treedef.numLeaves).toBe(2);
  });

  it("reports the path in flattenUpTo errors", () => {
    const treedef = structure({ a: [1, 2] });
    expect(treedef.flattenUpTo({ a: [[1], { k: 2 }] })).toEqual([[1], { k: 2 }]);
    expect(() => treedef.flattenUpTo({ a: [1] })).toThrow(
      "flattenUpTo: the value does not have the structure PyTreeDef({a: [*, *]}): at .a, expected an array of length 2 but found an array of length 1",
    );
  });

  it("exports TreeDef as a class for instanceof checks", () => {
    expect(structure([1])).toBeInstanceOf(TreeDef);
  });
});
