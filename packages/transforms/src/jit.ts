// jit: trace once per input signature (shapes, dtypes, tree structure, static args), cache the
// optimised jaxpr, and run it as one `jit` primitive so every transform recurses through it.
import { NDArray, ConcreteArray, internal, tree, TransformError } from "@fluxion/core";
import { flattenArgs, normalizeArgnums } from "./util.js";

type Fn = (...args: never[]) => unknown;
type Jaxpr = InstanceType<typeof internal.Jaxpr>;

export interface JitOptions {
  staticArgnums?: number | readonly number[];
  /** Device to run on ("js", "wasm", "webgpu"); today every device runs the staged program on the reference backend. */
  device?: string;
}

interface CacheEntry {
  jaxpr: Jaxpr;
  consts: NDArray[];
  outDef: ReturnType<typeof tree.structure>;
}

export interface JittedFunction {
  (...args: unknown[]): unknown;
  /** Number of distinct signatures traced so far. */
  readonly cacheSize: number;
  /** Drops the compiled programs (and the arrays they hold). */
  clearCache(): void;
}

function staticKey(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === "function" ? `<fn ${(x as Fn).name}>` : x instanceof NDArray ? `<array ${x.aval}>` : x));
  } catch {
    return String(v);
  }
}

export function jit(f: Fn, opts: JitOptions = {}): JittedFunction {
  const name = f.name || "f";
  const cache = new Map<string, CacheEntry>();
  // The common call, arrays only and no static arguments, skips the generic pytree flattening:
  // its treedef depends on the number of arguments alone (the per-call cost is what a JS→jit
  // call of a tiny model pays on every leapfrog of a host-driven loop).
  const arrayArgDefs = new Map<number, ReturnType<typeof tree.structure>>();
  const call = (...args: unknown[]) => {
    const statics = opts.staticArgnums === undefined ? [] : normalizeArgnums(opts.staticArgnums, args.length, `jit(${name}) staticArgnums`);
    let leaves: NDArray[];
    let def: ReturnType<typeof tree.structure>;
    let key: string;
    if (statics.length === 0 && args.every((a) => a instanceof NDArray)) {
      leaves = args as NDArray[];
      let cached = arrayArgDefs.get(args.length);
      if (!cached) arrayArgDefs.set(args.length, (cached = flattenArgs(args, `jit(${name}) arguments`)[1]));
      def = cached;
      key = `${args.length}|`;
      for (const l of leaves) key += `${l.aval.key},`;
    } else {
      [leaves, def] = flattenArgs(args.filter((_, i) => !statics.includes(i)), `jit(${name}) arguments`);
      key = `${def}|${leaves.map((l) => l.aval.key).join(",")}|${statics.map((i) => staticKey(args[i])).join(",")}`;
    }
    const dynIdx = statics.length === 0 ? null : args.map((_, i) => i).filter((i) => !statics.includes(i));
    let entry = cache.get(key);
    if (!entry) {
      const t0 = performance.now();
      let outDef: CacheEntry["outDef"] | null = null;
      const closed = internal.traceToJaxpr((...xs: NDArray[]) => {
        const dyn = tree.unflatten(def, xs) as unknown[];
        const full = [...args];
        if (dynIdx) dynIdx.forEach((i, k) => (full[i] = dyn[k]));
        else dyn.forEach((x, i) => (full[i] = x));
        const [outs, od] = flattenArgs((f as (...a: unknown[]) => unknown)(...full), `jit(${name}) output`);
        outDef = od;
        return outs;
      }, leaves.map((l) => l.aval), "jit");
      const conv = internal.closureConvert(closed);
      const jaxpr = internal.dce(new internal.ClosedJaxpr(internal.cse(conv.jaxpr), [])).jaxpr;
      const hasTracerConst = conv.consts.some((c) => !(c instanceof ConcreteArray));
      // Consts are shared (refcounted) so disposing the user's arrays later does not break the cache.
      const consts = hasTracerConst ? conv.consts : conv.consts.map((c) => untracked((c as ConcreteArray).share()));
      entry = { jaxpr, consts, outDef: outDef! };
      internal.debugLog(1, () => `jit(${name}): traced ${jaxpr.eqns.length} equations for (${leaves.map((l) => l.aval).join(", ")}) in ${(performance.now() - t0).toFixed(1)} ms`);
      internal.debugLog(2, () => `jit(${name}) jaxpr:\n${jaxpr}`);
      if (!hasTracerConst) cache.set(key, entry);
    }
    const outs = internal.bind(internal.jitP, entry.consts.length ? [...entry.consts, ...leaves] : leaves, { jaxpr: entry.jaxpr, name });
    return entry.outDef.isLeaf() ? outs[0] : tree.unflatten(entry.outDef, outs);
  };
  const jitted = call as JittedFunction;
  Object.defineProperty(jitted, "cacheSize", { get: () => cache.size });
  jitted.clearCache = () => {
    for (const e of cache.values()) for (const c of e.consts) c.dispose();
    cache.clear();
  };
  if (opts.device !== undefined && !["js", "wasm", "webgpu"].includes(opts.device)) {
    throw new TransformError(`jit(${name}): unknown device "${opts.device}"; use "js", "wasm" or "webgpu".`);
  }
  return jitted;
}

function untracked(c: ConcreteArray): ConcreteArray {
  internal.untrackFromScope(c);
  return c;
}

/** `makeJaxpr(f)(...args)`: the traced program (its `toString()` prints like a jaxpr). */
export function makeJaxpr(f: Fn, opts: { staticArgnums?: number | readonly number[] } = {}) {
  return (...args: unknown[]) => {
    const statics = opts.staticArgnums === undefined ? [] : normalizeArgnums(opts.staticArgnums, args.length, "makeJaxpr staticArgnums");
    const dynIdx = args.map((_, i) => i).filter((i) => !statics.includes(i));
    const [leaves, def] = flattenArgs(dynIdx.map((i) => args[i]), "makeJaxpr arguments");
    return internal.traceToJaxpr((...xs: NDArray[]) => {
      const dyn = tree.unflatten(def, xs) as unknown[];
      const full = [...args];
      dynIdx.forEach((i, k) => (full[i] = dyn[k]));
      return flattenArgs((f as (...a: unknown[]) => unknown)(...full), "makeJaxpr output")[0];
    }, leaves.map((l) => l.aval), "makeJaxpr");
  };
}
