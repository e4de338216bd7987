// User-facing control flow over pytrees: cond, switchCase, whileLoop, foriLoop, scan; and the
// custom-derivative and checkpoint wrappers. Each traces its functions into jaxprs and binds a primitive.
import type { ShapedArray } from "../array/aval.js";
import { NDArray, type ArrayLike } from "../array/ndarray.js";
import { ShapeError, TransformError } from "../errors.js";
import { flatten, unflatten, type TreeDef } from "../tree/index.js";
import { bind } from "../trace/core.js";
import { traceClosed } from "../trace/jaxprTransforms.js";
import { condP, joinBranchConsts, scanP, whileP } from "../primitives/control.js";
import { checkpointP, customJvpCallP, customVjpCallP } from "../primitives/custom.js";
import { convert } from "../primitives/structural.js";
import { ne, fullLike } from "../primitives/elementwise.js";
import { asarray, kindOf, toKind } from "../numpy/convert.js";
import type { Jaxpr } from "../ir/jaxpr.js";

/** Flattens a pytree whose leaves are ArrayLike into arrays (JS numbers become weak scalars). */
export function flattenArrays(x: unknown, what: string): [NDArray[], TreeDef] {
  const [leaves, def] = flatten(x);
  return [leaves.map((l, i) => {
    if (l instanceof NDArray) return l;
    if (typeof l === "number" || typeof l === "boolean") return toKind(l, kindOf(l));
    try {
      return asarray(l as ArrayLike);
    } catch {
      throw new TransformError(`${what}: leaf ${i} is a ${typeof l}, not an array; only arrays, numbers and booleans can be leaves here.`);
    }
  }), def];
}

interface Traced { jaxpr: Jaxpr; consts: NDArray[]; outTree: TreeDef }

/** Traces `fn` (taking the pytree `inTree` rebuilt from leaves) and returns its jaxpr and output tree. */
export function traceTreeFn(fn: (...args: unknown[]) => unknown, inTree: TreeDef, avals: readonly ShapedArray[], what: string, spread = true): Traced {
  let outTree: TreeDef | null = null;
  const res = traceClosed((...leaves) => {
    const args = unflatten(inTree, leaves) as unknown;
    const out = spread ? fn(...(args as unknown[])) : fn(args);
    const [outs, def] = flattenArrays(out, what);
    outTree = def;
    return outs;
  }, avals, what);
  return { ...res, outTree: outTree! };
}

/** `switchCase(index, branches, ...operands)`: runs `branches[clamp(index)]` (JAX's lax.switch). */
export function switchCase(index: ArrayLike, branches: readonly ((...ops: never[]) => unknown)[], ...operands: unknown[]): unknown {
  if (!branches.length) throw new TransformError("switchCase: needs at least one branch.");
  const [leaves, inTree] = flattenArrays(operands, "switchCase operands");
  const avals = leaves.map((l) => l.aval);
  const traced = branches.map((b, i) => traceTreeFn(b as (...a: unknown[]) => unknown, inTree, avals, `switchCase branch ${i}`));
  for (const t of traced) {
    if (!t.outTree.equals(traced[0]!.outTree)) {
      throw new ShapeError(`cond/switchCase: branches return different structures: ${traced[0]!.outTree} vs ${t.outTree}; every branch must return the same pytree of the same shapes and dtypes.`);
    }
  }
  // Every branch takes every branch's consts up front and ignores the others'.
  const { jaxprs, consts: allConsts } = joinBranchConsts(traced);
  let idx = asarray(index);
  if (idx.ndim !== 0) throw new ShapeError(`switchCase: index must be a scalar, got shape [${idx.shape}]; use vmap to select per example.`);
  if (idx.dtype === "bool") idx = convert(idx, "int32");
  else if (idx.dtype !== "int32") idx = convert(idx, "int32");
  const outs = bind(condP, [idx, ...allConsts, ...leaves], { branches: jaxprs });
  return unflatten(traced[0]!.outTree, outs);
}

/** `cond(pred, trueFn, falseFn, ...operands)` as JAX's lax.cond. */
export function cond(pred: ArrayLike, trueFn: (...ops: never[]) => unknown, falseFn: (...ops: never[]) => unknown, ...operands: unknown[]): unknown {
  let p = asarray(pred);
  if (p.ndim !== 0) throw new ShapeError(`cond: pred must be a scalar, got shape [${p.shape}]; for elementwise choice use np.where, or vmap the cond.`);
  if (p.dtype !== "bool") p = ne(p, fullLike(p, 0));
  return switchCase(convert(p, "int32"), [falseFn, trueFn], ...operands);
}

/** Strong-typed carry avals, so a weak JS-number init does not clash with the body's output type. */
function carryLeaves(init: unknown, what: string): [NDArray[], TreeDef] {
  const [leaves, def] = flattenArrays(init, what);
  return [leaves.map((l) => (l.weakType ? convert(l, l.dtype, false) : l)), def];
}

function checkCarry(what: string, inTree: TreeDef, outTree: TreeDef, inAvals: readonly ShapedArray[], outAvals: readonly ShapedArray[]): void {
  if (!inTree.equals(outTree)) throw new ShapeError(`${what}: the body must return a carry with the structure of init: ${inTree} vs ${outTree}.`);
  outAvals.forEach((o, i) => {
    const a = inAvals[i]!;
    if (o.dtype !== a.dtype || o.shape.join() !== a.shape.join()) {
      throw new ShapeError(`${what}: carry leaf ${i} enters as ${a.strong()} but the body returns ${o.strong()}; make the body keep each carry's shape and dtype (use .astype or np.broadcastTo).`);
    }
  });
}

/** `whileLoop(condFn, bodyFn, init)` as JAX's lax.while_loop. */
export function whileLoop<T>(condFn: (carry: T) => ArrayLike, bodyFn: (carry: T) => T, init: T): T {
  const [leaves, tree] = carryLeaves(init, "whileLoop init");
  const avals = leaves.map((l) => l.aval);
  const c = traceTreeFn((x) => { const r = condFn(x as T); return asarray(r as ArrayLike); }, tree, avals, "whileLoop cond", false);
  const b = traceTreeFn((x) => bodyFn(x as T), tree, avals, "whileLoop body", false);
  checkCarry("whileLoop", tree, b.outTree, avals, b.jaxpr.outAvals);
  const outs = bind(whileP, [...c.consts, ...b.consts, ...leaves], { condJaxpr: c.jaxpr, bodyJaxpr: b.jaxpr, condNConsts: c.consts.length, bodyNConsts: b.consts.length });
  return unflatten(tree, outs) as T;
}

export interface ScanOptions { length?: number; reverse?: boolean }

/** `scan(f, init, xs, {length, reverse})` -> `[carry, ys]` as JAX's lax.scan. */
export function scan<C, X, Y>(f: (carry: C, x: X) => [C, Y], init: C, xs: X, opts: ScanOptions = {}): [C, Y] {
  const [cLeaves, cTree] = carryLeaves(init, "scan init");
  const [xLeaves, xTree] = flattenArrays(xs ?? null, "scan xs");
  const lengths = new Set(xLeaves.map((x) => x.shape[0]));
  if (xLeaves.some((x) => x.ndim === 0)) throw new ShapeError("scan: every xs leaf needs a leading axis to scan over; got a scalar.");
  if (lengths.size > 1) throw new ShapeError(`scan: xs leaves have different leading sizes {${[...lengths].join(", ")}}; they must all have the scan length.`);
  const length = opts.length ?? (xLeaves.length ? xLeaves[0]!.shape[0]! : undefined);
  if (length === undefined) throw new ShapeError("scan: with no xs, pass {length}.");
  if (xLeaves.length && xLeaves[0]!.shape[0] !== length) throw new ShapeError(`scan: length ${length} differs from the xs leading size ${xLeaves[0]!.shape[0]}.`);
  const inTree = flatten([init, xs ?? null])[1];
  void inTree;
  const cAvals = cLeaves.map((l) => l.aval);
  const xAvals = xLeaves.map((l) => l.aval.withShape(l.shape.slice(1)));
  let outTree: TreeDef | null = null;
  const nC = cLeaves.length;
  const traced = traceClosed((...leaves) => {
    const carry = unflatten(cTree, leaves.slice(0, nC)) as C;
    const x = unflatten(xTree, leaves.slice(nC)) as X;
    const [c2, y] = f(carry, x);
    const [cOut, cDef] = flattenArrays(c2, "scan carry");
    const [yOut, yDef] = flattenArrays(y ?? null, "scan ys");
    outTree = { c: cDef, y: yDef } as unknown as TreeDef;
    return [...cOut, ...yOut];
  }, [...cAvals, ...xAvals], "scan body");
  const o = outTree as unknown as { c: TreeDef; y: TreeDef };
  checkCarry("scan", cTree, o.c, cAvals, traced.jaxpr.outAvals.slice(0, nC));
  const outs = bind(scanP, [...traced.consts, ...cLeaves, ...xLeaves], {
    jaxpr: traced.jaxpr, numConsts: traced.consts.length, numCarry: nC, length, reverse: opts.reverse ?? false,
  });
  return [unflatten(cTree, outs.slice(0, nC)) as C, unflatten(o.y, outs.slice(nC)) as Y];
}

/**
 * `foriLoop(lower, upper, body(i, carry), init)`. With number bounds it is a scan (so it is
 * reverse-differentiable); with array bounds a whileLoop.
 */
export function foriLoop<T>(lower: ArrayLike, upper: ArrayLike, body: (i: NDArray, carry: T) => T, init: T): T {
  if (typeof lower === "number" && typeof upper === "number") {
    const n = Math.max(0, upper - lower);
    const i0 = asarray(lower, "int32");
    const [[, out]] = scan(([i, c]: [NDArray, T], _x: null) => [[i.add(1), body(i, c)], null] as [[NDArray, T], null], [i0, init] as [NDArray, T], null, { length: n });
    return out;
  }
  const lo = convert(asarray(lower), "int32");
  const hi = convert(asarray(upper), "int32");
  const [, out] = whileLoop(([i]: [NDArray, T]) => lessThan(i, hi), ([i, c]: [NDArray, T]) => [i.add(1), body(i, c)] as [NDArray, T], [lo, init] as [NDArray, T]);
  return out;
}
import { lt } from "../primitives/elementwise.js";
const lessThan = (a: NDArray, b: NDArray): NDArray => lt(a, b);

// ---------------------------------------------------------------- custom derivatives and remat
type AnyFn = (...args: never[]) => unknown;
export interface CustomJvpFunction<F extends AnyFn> {
  (...args: Parameters<F>): ReturnType<F>;
  defjvp(rule: (primals: Parameters<F>, tangents: Parameters<F>) => [ReturnType<F>, ReturnType<F>]): CustomJvpFunction<F>;
}

/** `customJvp(f).defjvp((primals, tangents) => [out, tangentOut])`, as JAX's custom_jvp. */
export function customJvp<F extends AnyFn>(f: F): CustomJvpFunction<F> {
  let rule: ((p: Parameters<F>, t: Parameters<F>) => [ReturnType<F>, ReturnType<F>]) | null = null;
  const call = ((...args: Parameters<F>) => {
    if (!rule) throw new TransformError(`customJvp(${f.name || "f"}): call .defjvp(rule) before using it.`);
    const [leaves, inTree] = flattenArrays(args, "customJvp args");
    const t = traceTreeFn(f as unknown as (...a: unknown[]) => unknown, inTree, leaves.map((l) => l.aval), `customJvp(${f.name || "f"})`);
    const r = rule;
    const jvpFn = (ps: NDArray[], ts: NDArray[]): [NDArray[], NDArray[]] => {
      const [o, to] = r(unflatten(inTree, ps) as Parameters<F>, unflatten(inTree, ts) as Parameters<F>);
      const outs = flattenArrays(o, "customJvp rule output")[0];
      const touts = flattenArrays(to, "customJvp rule tangent")[0].map((x, i) => (x.dtype === outs[i]!.dtype ? x : convert(x, outs[i]!.dtype)));
      return [outs, touts];
    };
    const outs = bind(customJvpCallP, [...t.consts, ...leaves], { jaxpr: t.jaxpr, numConsts: t.consts.length, jvpFn, name: f.name || "f" });
    return unflatten(t.outTree, outs) as ReturnType<F>;
  }) as CustomJvpFunction<F>;
  call.defjvp = (r) => { rule = r; return call; };
  return call;
}

export interface CustomVjpFunction<F extends AnyFn> {
  (...args: Parameters<F>): ReturnType<F>;
  defvjp<R>(fwd: (...args: Parameters<F>) => [ReturnType<F>, R], bwd: (res: R, ct: ReturnType<F>) => Parameters<F>): CustomVjpFunction<F>;
}

/** `customVjp(f).defvjp(fwd, bwd)`, as JAX's custom_vjp: bwd returns one cotangent per argument. */
export function customVjp<F extends AnyFn>(f: F): CustomVjpFunction<F> {
  let rules: { fwd: (...a: unknown[]) => [unknown, unknown]; bwd: (res: unknown, ct: unknown) => unknown } | null = null;
  const name = f.name || "f";
  const call = ((...args: Parameters<F>) => {
    if (!rules) throw new TransformError(`customVjp(${name}): call .defvjp(fwd, bwd) before using it.`);
    const [leaves, inTree] = flattenArrays(args, "customVjp args");
    const t = traceTreeFn(f as unknown as (...a: unknown[]) => unknown, inTree, leaves.map((l) => l.aval), `customVjp(${name})`);
    const { fwd, bwd } = rules;
    let resTree: TreeDef | null = null;
    const numOuts = t.jaxpr.outvars.length;
    const fwdFlat = (...ps: NDArray[]) => {
      const [o, res] = fwd(...(unflatten(inTree, ps) as unknown[]));
      const outs = flattenArrays(o, `customVjp(${name}) fwd output`)[0];
      const [r, rd] = flattenArrays(res, `customVjp(${name}) residuals`);
      resTree = rd;
      return [...outs, ...r];
    };
    const bwdFlat = (res: NDArray[], cts: NDArray[]) => {
      const g = bwd(unflatten(resTree!, res), unflatten(t.outTree, cts));
      const [gl, gd] = flattenArrays(g, `customVjp(${name}) bwd output`);
      if (!gd.equals(inTree)) throw new ShapeError(`customVjp(${name}): bwd must return one cotangent per argument with the arguments' structure ${inTree}, got ${gd}.`);
      return gl.map((x, i) => (x.dtype === leaves[i]!.dtype ? x : convert(x, leaves[i]!.dtype)));
    };
    const outs = bind(customVjpCallP, [...t.consts, ...leaves], { jaxpr: t.jaxpr, numConsts: t.consts.length, fwd: fwdFlat, numOuts, bwd: bwdFlat, name });
    return unflatten(t.outTree, outs) as ReturnType<F>;
  }) as CustomVjpFunction<F>;
  call.defvjp = (fwd, bwd) => {
    rules = { fwd: fwd as (...a: unknown[]) => [unknown, unknown], bwd: bwd as (res: unknown, ct: unknown) => unknown };
    return call;
  };
  return call;
}

/** `checkpoint(f)`: under reverse mode, f's intermediates are recomputed instead of stored. */
export function checkpoint<F extends AnyFn>(f: F): F {
  return ((...args: Parameters<F>) => {
    const [leaves, inTree] = flattenArrays(args, "checkpoint args");
    const t = traceTreeFn(f as unknown as (...a: unknown[]) => unknown, inTree, leaves.map((l) => l.aval), "checkpoint");
    const outs = bind(checkpointP, [...t.consts, ...leaves], { jaxpr: t.jaxpr, name: f.name || "f" });
    return unflatten(t.outTree, outs);
  }) as F;
}
