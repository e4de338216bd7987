// Renders a kernel-IR loop nest to a WebAssembly module with binaryen: dims coalesced, SIMD
// (f32x4 / f64x2 / i32x4) inner loops where every read is contiguous or a splat, scalar tails,
// and reductions. Transcendental functions are first decomposed into basic ops (kernel/decompose.ts);
// the JS imports (IMPORTED) remain for what is not decomposed and for arguments outside a
// decomposition's range, which take a per-vector scalar fallback.
import type { DType } from "../../dtype.js";
import type { AffineMap, BinaryFn, KNode, Kernel, UnaryFn } from "../kernel/ir.js";
import { KBuilder, topoOrder } from "../kernel/ir.js";
import { debugLevel } from "../../debug.js";
import { decompose as decomposeFunctions, wasmDecomposition } from "../kernel/decompose.js";

// The binaryen.js namespace is large and untyped in spots; we use the subset below.
type B = typeof import("binaryen").default;
type Module = InstanceType<B["Module"]>;
type Ref = number;

/** Scalar functions without a WASM instruction, provided by JS (float64 semantics). */
export const IMPORTED: readonly string[] = ["cbrt", "exp", "exp2", "log", "log1p", "expm1", "sin", "cos", "tan", "tanh", "logistic", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "erf", "erfc", "erf_inv", "lgamma", "digamma", "pow", "atan2", "fmod", "nextafter32", "nextafter64"];

const is64 = (d: DType) => d === "float64";
const isF = (d: DType) => d === "float32" || d === "float64";
const bytes = (d: DType) => (d === "float64" ? 8 : d === "bool" ? 1 : 4);
const log2Bytes = (d: DType) => (d === "float64" ? 3 : d === "bool" ? 0 : 2);

interface Coalesced { shape: number[]; maps: Map<KNode, AffineMap> }

/** Merges adjacent iteration dims that every map (and the contiguous output) walks contiguously. */
function coalesce(k: Kernel, nodes: KNode[]): { outer: number[]; red: number[]; maps: Map<KNode, AffineMap> } {
  const nOut = k.shape.length;
  const full = [...k.shape, ...(k.reduce?.sizes ?? [])];
  const mapped = nodes.filter((n): n is Extract<KNode, { map: AffineMap }> => n.op === "load" || n.op === "index");
  let maps = new Map<KNode, AffineMap>(mapped.map((n) => [n, n.map]));
  let shape = [...full];
  let split = nOut; // dims [0, split) are output dims
  // Drop size-1 dims first (their stride never matters).
  const keep = shape.map((d) => d !== 1);
  const dropped = (m: AffineMap) => ({ offset: m.offset, strides: m.strides.filter((_, i) => keep[i]) });
  split = keep.slice(0, split).filter(Boolean).length;
  shape = shape.filter((_, i) => keep[i]);
  maps = new Map([...maps].map(([n, m]) => [n, dropped(m)]));
  const mergeable = (d: number) => {
    if (d + 1 === split) return false; // never merge across the output/reduction boundary
    const ok = (m: AffineMap) => m.strides[d] === m.strides[d + 1]! * shape[d + 1]!;
    return [...maps.values()].every(ok);
  };
  for (let d = shape.length - 2; d >= 0; d--) {
    if (mergeable(d)) {
      shape[d] = shape[d]! * shape[d + 1]!;
      shape.splice(d + 1, 1);
      maps = new Map([...maps].map(([n, m]) => {
        const s = [...m.strides];
        s.splice(d, 1);
        return [n, { offset: m.offset, strides: s }];
      }));
      if (d + 1 < split) split--;
    }
  }
  return { outer: shape.slice(0, split), red: shape.slice(split), maps };
}

export interface RenderedKernel {
  binary: Uint8Array;
  text: () => string;
  simd: boolean;
  /** Length of the axis `kernel_range` splits (0 when not rendered). */
  rangeExtent: number;
}

/**
 * The module exports `kernel(out, ...srcs)`; with `range` also `kernel_range(out, ...srcs, start, end)`
 * over [0, rangeExtent) of its split axis (for worker threads: disjoint ranges write disjoint outputs).
 */
export function renderKernel(binaryen: B, k: Kernel, optimize: boolean, opts: { range?: boolean; sharedMemory?: boolean } = {}): RenderedKernel {
  const m = new binaryen.Module();
  m.setFeatures(binaryen.Features.SIMD128 | binaryen.Features.NontrappingFPToInt | binaryen.Features.SignExt | binaryen.Features.BulkMemory | binaryen.Features.MutableGlobals | (opts.sharedMemory ? binaryen.Features.Atomics : 0));
  m.setMemory(1, 65536, null, [], !!opts.sharedMemory, false, "0");
  m.addMemoryImport("0", "env", "memory");
  addKernelImports(binaryen, m);
  const { simd, decomposed } = addKernelFunction(binaryen, m, k, "kernel");
  m.addFunctionExport("kernel", "kernel");
  let rangeExtent = 0;
  if (opts.range) {
    rangeExtent = addKernelFunction(binaryen, m, k, "kernel_range", { range: true }).rangeExtent;
    m.addFunctionExport("kernel_range", "kernel_range");
  }
  if (optimize) {
    // Decomposed functions make large bodies that V8 optimises anyway; binaryen's -O3 would
    // cost several times the compile time of -O1 for no measurable speed.
    binaryen.setOptimizeLevel(decomposed ? 1 : 3);
    binaryen.setShrinkLevel(0);
    m.optimize();
  }
  if (!m.validate()) throw new Error("wasm render: invalid module:\n" + m.emitText());
  const binary = m.emitBinary();
  // Printing a module costs as much as optimising it: only at the level that shows it.
  const text = debugLevel() >= 4 ? m.emitText() : "";
  m.dispose();
  return { binary, text: () => text, simd, rangeExtent };
}

/** Declares the JS scalar functions (IMPORTED, module "m") that kernel functions call by name. */
export function addKernelImports(binaryen: B, m: Module): void {
  const f64 = binaryen.f64;
  for (const name of IMPORTED) {
    const arity = name === "pow" || name === "atan2" || name === "fmod" || name.startsWith("nextafter") ? 2 : 1;
    m.addFunctionImport(name, "m", name, arity === 2 ? binaryen.createType([f64, f64]) : f64, f64);
  }
}

/**
 * Adds kernel `k` to module `m` as function `name(out, ...srcs)` (the module must have SIMD enabled,
 * the memory imported and addKernelImports done); several kernels can share one module.
 */
export function addKernelFunction(binaryen: B, m: Module, k: Kernel, name: string, opts: { range?: boolean } = {}): { simd: boolean; decomposed: boolean; rangeExtent: number } {
  // The decomposed graph computes every element; where its guard is true (an argument outside a
  // decomposition's range) the element is recomputed from the original graph with JS imports.
  const dec = decomposeFunctions(k.root, new KBuilder(), wasmDecomposition);
  const root = dec.root;
  const guard = dec.guard;
  const mainNodes = topoOrder(guard ? [root, guard] : [root]);
  const fallbackNodes = guard ? topoOrder([k.root]) : [];
  const nodes = [...mainNodes, ...fallbackNodes];
  const { outer, red, maps } = coalesce(k, nodes);
  const i32 = binaryen.i32, f32 = binaryen.f32, f64 = binaryen.f64, v128 = binaryen.v128, none = binaryen.none;
  const wt = (d: DType) => (is64(d) ? f64 : d === "float32" ? f32 : i32);

  const nSrc = k.sources.length;
  // out ptr, source ptrs; with opts.range also [start, end) over the split axis (see rangeExtent).
  const params = [i32, ...k.sources.map(() => i32), ...(opts.range ? [i32, i32] : [])];
  const rangeStart = () => get(1 + nSrc, i32);
  const rangeEnd = () => get(2 + nSrc, i32);
  let rangeExtent = 0;
  const locals: number[] = [];
  const newLocal = (t: number) => { locals.push(t); return params.length + locals.length - 1; };
  const get = (i: number, t: number) => m.local.get(i, t);
  const set = (i: number, v: Ref) => m.local.set(i, v);
  const c32 = (v: number) => m.i32.const(v);

  // Inner (vectorisable) dim: the last reduced dim for reductions, else the last output dim.
  const isReduce = !!k.reduce;
  const innerSize = isReduce ? (red.length ? red[red.length - 1]! : 1) : outer.length ? outer[outer.length - 1]! : 1;
  const innerDim = isReduce ? outer.length + red.length - 1 : outer.length - 1;
  const innerStride = (mp: AffineMap) => (innerDim >= 0 && mp.strides.length > innerDim ? mp.strides[innerDim]! : 0);

  // SIMD eligibility: one lane width, no bool storage, no imported functions, contiguous/splat reads.
  const width = (d: DType) => (d === "float64" ? 2 : 4);
  const lanes = width(k.dtype === "bool" ? k.root.dtype : k.dtype);
  const simdOk = innerSize >= 2 * lanes && k.dtype !== "bool" && mainNodes.every((n) => {
    if (n.dtype !== "bool" && width(n.dtype) !== lanes) return false;
    if (n.op === "load") return n.dtype !== "bool" && [0, 1].includes(innerStride(maps.get(n)!));
    if (n.op === "index") return lanes === 4 && !isF(n.dtype) || (n.dtype === "float32");
    if (n.op === "unary") return SIMD_UNARY.has(n.fn) && !(n.fn === "abs" && !isF(n.dtype) && n.dtype === "uint32") && (n.a.dtype === "bool" ? n.fn === "not" : true) && (isF(n.a.dtype) || !FLOAT_ONLY.has(n.fn));
    if (n.op === "binary") {
      // WASM SIMD shifts take one scalar count: only constant counts vectorise.
      if (SHIFTS.has(n.fn)) return !isF(n.a.dtype) && n.a.dtype !== "bool" && n.b.op === "const" && lanes === 4;
      // Bool operands are whole-lane masks of the kernel's width, so any lane width works.
      if (n.a.dtype === "bool") return BOOL_BINARY.has(n.fn);
      return SIMD_BINARY.has(n.fn) && !(isF(n.a.dtype) ? INT_ONLY.has(n.fn) : n.fn === "div" || n.fn === "rem" || FLOAT_ONLY.has(n.fn)) && width(n.a.dtype) === lanes;
    }
    if (n.op === "convert") return (n.a.dtype === "bool" ? true : width(n.a.dtype) === lanes) && !(n.dtype === "bool");
    if (n.op === "bitcast") return width(n.a.dtype) === width(n.dtype);
    return true;
  }) && (!isReduce || (k.reduce!.fn === "sum" || k.reduce!.fn === "max" || k.reduce!.fn === "min") && isF(k.dtype));

  // Per-row base offsets (in elements) for every mapped node; recomputed from the row index.
  const baseLocal = new Map<KNode, number>();
  for (const n of maps.keys()) baseLocal.set(n, newLocal(i32));
  const rowIdx = newLocal(i32);
  const j = newLocal(i32);
  const tmp = newLocal(i32);
  const srcPtr = (n: Extract<KNode, { op: "load" }>) => get(1 + n.src, i32);

  /** Sets base offsets for the current (outer, reduction-outer) index given as dims' indices. */
  const setBases = (dimIdx: { dim: number; local: number }[]): Ref[] => {
    const out: Ref[] = [];
    for (const [n, mp] of maps) {
      let e: Ref = c32(mp.offset);
      for (const { dim, local } of dimIdx) {
        const s = mp.strides[dim] ?? 0;
        if (s !== 0) e = m.i32.add(e, m.i32.mul(get(local, i32), c32(s)));
      }
      out.push(set(baseLocal.get(n)!, e));
    }
    return out;
  };

  // ---------------------------------------------------------------- scalar element code
  // Values are keyed by node object: the decomposed and the original graph come from different builders.
  const scalarVal = new Map<KNode, number>();
  const emitScalar = (list: readonly KNode[], jIdx: (() => Ref) | null): Ref[] => {
    const code: Ref[] = [];
    for (const n of list) {
      const loc = newLocal(wt(n.dtype));
      scalarVal.set(n, loc);
      code.push(set(loc, scalarNode(n, jIdx)));
    }
    return code;
  };
  const V = (n: KNode) => get(scalarVal.get(n)!, wt(n.dtype));
  /** One element of the root: the decomposed graph, recomputed from the original one where guarded. */
  const scalarElement = (jIdx: () => Ref): { code: Ref[]; value: () => Ref } => {
    const code = emitScalar(mainNodes, jIdx);
    const out = newLocal(wt(root.dtype));
    code.push(set(out, V(root)));
    if (guard) {
      const fb = emitScalar(fallbackNodes, jIdx);
      code.push(m.if(V(guard), m.block(null, [...fb, set(out, V(k.root))])));
    }
    return { code, value: () => get(out, wt(root.dtype)) };
  };
  const addrOf = (n: Extract<KNode, { op: "load" }>, jIdx: (() => Ref) | null): Ref => {
    const mp = maps.get(n)!;
    let idx: Ref = get(baseLocal.get(n)!, i32);
    const s = innerStride(mp);
    if (jIdx !== null && s !== 0) idx = m.i32.add(idx, s === 1 ? jIdx() : m.i32.mul(jIdx(), c32(s)));
    return m.i32.add(srcPtr(n), log2Bytes(n.dtype) ? m.i32.shl(idx, c32(log2Bytes(n.dtype))) : idx);
  };
  const fconst = (d: DType, v: number) => (is64(d) ? m.f64.const(v) : m.f32.const(v));
  const callF64 = (name: string, d: DType, args: Ref[]): Ref => {
    const a = args.map((x) => (is64(d) ? x : m.f64.promote(x)));
    const r = m.call(name, a, f64);
    return is64(d) ? r : m.f32.demote(r);
  };
  function scalarNode(n: KNode, jIdx: (() => Ref) | null): Ref {
    switch (n.op) {
      case "load": {
        const a = addrOf(n, jIdx);
        return n.dtype === "float64" ? m.f64.load(0, 8, a) : n.dtype === "float32" ? m.f32.load(0, 4, a) : n.dtype === "bool" ? m.i32.load8_u(0, 1, a) : m.i32.load(0, 4, a);
      }
      case "index": {
        const mp = maps.get(n)!;
        let idx: Ref = get(baseLocal.get(n)!, i32);
        const s = innerStride(mp);
        if (jIdx !== null && s !== 0) idx = m.i32.add(idx, m.i32.mul(jIdx(), c32(s)));
        return n.dtype === "float32" ? m.f32.convert_s.i32(idx) : n.dtype === "float64" ? m.f64.convert_s.i32(idx) : idx;
      }
      case "const":
        return isF(n.dtype) ? fconst(n.dtype, n.value) : c32(n.value | 0);
      case "unary": return scalarUnary(n.fn, n.a.dtype, V(n.a));
      case "binary": return scalarBinary(n.fn, n.a.dtype, V(n.a), V(n.b));
      case "select": return m.select(V(n.pred), V(n.onTrue), V(n.onFalse), wt(n.dtype));
      case "convert": return scalarConvert(V(n.a), n.a.dtype, n.dtype);
      case "bitcast":
        if (n.a.dtype === "float32") return m.i32.reinterpret(V(n.a));
        if (n.dtype === "float32") return m.f32.reinterpret(V(n.a));
        return V(n.a);
    }
  }
  function scalarUnary(fn: UnaryFn, d: DType, x: Ref): Ref {
    const F = is64(d) ? m.f64 : m.f32;
    if (isF(d)) {
      switch (fn) {
        case "neg": return F.neg(x);
        case "abs": return F.abs(x);
        case "sqrt": return F.sqrt(x);
        case "rsqrt": return F.div(fconst(d, 1), F.sqrt(x));
        case "square": { const t = newLocal(wt(d)); return m.block(null, [set(t, x), F.mul(get(t, wt(d)), get(t, wt(d)))], wt(d)); }
        case "floor": return F.floor(x);
        case "ceil": return F.ceil(x);
        case "trunc": return F.trunc(x);
        case "round": return F.nearest(x);
        case "is_finite": { const t = newLocal(wt(d)); return m.block(null, [set(t, x), F.eq(F.sub(get(t, wt(d)), get(t, wt(d))), fconst(d, 0))], i32); }
        case "exponent":
          return is64(d)
            ? m.f64.convert_s.i32(m.i32.sub(m.i32.and(m.i32.wrap(m.i64.shr_u(m.i64.reinterpret(x), m.i64.const(52, 0))), c32(0x7ff)), c32(1023)))
            : m.f32.convert_s.i32(m.i32.sub(m.i32.and(m.i32.shr_u(m.i32.reinterpret(x), c32(23)), c32(0xff)), c32(127)));
        case "significand":
          return is64(d)
            ? m.f64.reinterpret(m.i64.or(m.i64.and(m.i64.reinterpret(x), m.i64.const(-1, 0x800fffff)), m.i64.const(0, 0x3ff00000)))
            : m.f32.reinterpret(m.i32.or(m.i32.and(m.i32.reinterpret(x), c32(0x807fffff | 0)), c32(0x3f800000)));
        case "sign": {
          const t = newLocal(wt(d));
          return m.block(null, [set(t, x), m.select(F.gt(get(t, wt(d)), fconst(d, 0)), fconst(d, 1), m.select(F.lt(get(t, wt(d)), fconst(d, 0)), fconst(d, -1), get(t, wt(d)), wt(d)), wt(d))], wt(d));
        }
        default: return callF64(fn, d, [x]);
      }
    }
    switch (fn) {
      case "neg": return m.i32.sub(c32(0), x);
      case "abs": { const t = newLocal(i32); return m.block(null, [set(t, x), m.select(m.i32.lt_s(get(t, i32), c32(0)), m.i32.sub(c32(0), get(t, i32)), get(t, i32), i32)], i32); }
      case "square": { const t = newLocal(i32); return m.block(null, [set(t, x), m.i32.mul(get(t, i32), get(t, i32))], i32); }
      case "not": return d === "bool" ? m.i32.eqz(x) : m.i32.xor(x, c32(-1));
      case "sign": {
        const t = newLocal(i32);
        if (d === "uint32") return m.i32.ne(x, c32(0));
        return m.block(null, [set(t, x), m.i32.sub(m.i32.gt_s(get(t, i32), c32(0)), m.i32.lt_s(get(t, i32), c32(0)))], i32);
      }
      default: throw new Error(`wasm render: unary ${fn} on ${d}`);
    }
  }
  function scalarBinary(fn: BinaryFn, d: DType, a: Ref, b: Ref): Ref {
    if (isF(d)) {
      const F = is64(d) ? m.f64 : m.f32;
      switch (fn) {
        case "add": return F.add(a, b);
        case "sub": return F.sub(a, b);
        case "mul": return F.mul(a, b);
        case "div": return F.div(a, b);
        case "max": return F.max(a, b);
        case "min": return F.min(a, b);
        case "eq": return F.eq(a, b);
        case "ne": return F.ne(a, b);
        case "lt": return F.lt(a, b);
        case "le": return F.le(a, b);
        case "gt": return F.gt(a, b);
        case "ge": return F.ge(a, b);
        case "rem": return callF64("fmod", d, [a, b]);
        case "copysign": return F.copysign(a, b);
        case "ldexp": {
          // (x · 2^k1) · 2^(k - k1), each power built in the exponent field (see Intrinsic2 in ir.ts).
          const T = wt(d), kc = newLocal(T), k1 = newLocal(T);
          const lim = ldexpLimits(d);
          const pow2 = (e: Ref) => is64(d)
            ? m.f64.reinterpret(m.i64.shl(m.i64.reinterpret(m.f64.add(e, m.f64.const(2 ** 52 + 1023))), m.i64.const(52, 0)))
            : m.f32.reinterpret(m.i32.shl(m.i32.reinterpret(m.f32.add(e, m.f32.const(2 ** 23 + 127))), c32(23)));
          // Clamps as compare + select, the same rule as the SIMD pmin/pmax below.
          const clampTo = (into: number, v: Ref, lo: number, hi: number): Ref[] => [
            set(into, v),
            set(into, m.select(F.lt(get(into, T), fconst(d, lo)), fconst(d, lo), get(into, T), T)),
            set(into, m.select(F.gt(get(into, T), fconst(d, hi)), fconst(d, hi), get(into, T), T)),
          ];
          return m.block(null, [
            ...clampTo(kc, b, lim.k[0], lim.k[1]),
            ...clampTo(k1, get(kc, T), lim.k1[0], lim.k1[1]),
            F.mul(F.mul(a, pow2(get(k1, T))), pow2(F.sub(get(kc, T), get(k1, T)))),
          ], T);
        }
        case "nextafter": return is64(d) ? m.call("nextafter64", [a, b], f64) : m.f32.demote(m.call("nextafter32", [m.f64.promote(a), m.f64.promote(b)], f64));
        default: return callF64(fn, d, [a, b]);
      }
    }
    const u = d === "uint32" || d === "bool";
    const ta = newLocal(i32), tb = newLocal(i32);
    const A = () => get(ta, i32), Bv = () => get(tb, i32);
    const wrap = (e: Ref) => m.block(null, [set(ta, a), set(tb, b), e], i32);
    switch (fn) {
      case "add": return m.i32.add(a, b);
      case "sub": return m.i32.sub(a, b);
      case "mul": return m.i32.mul(a, b);
      case "and": return m.i32.and(a, b);
      case "or": return m.i32.or(a, b);
      case "xor": return m.i32.xor(a, b);
      case "eq": return m.i32.eq(a, b);
      case "ne": return m.i32.ne(a, b);
      case "lt": return u ? m.i32.lt_u(a, b) : m.i32.lt_s(a, b);
      case "le": return u ? m.i32.le_u(a, b) : m.i32.le_s(a, b);
      case "gt": return u ? m.i32.gt_u(a, b) : m.i32.gt_s(a, b);
      case "ge": return u ? m.i32.ge_u(a, b) : m.i32.ge_s(a, b);
      case "max": return wrap(m.select(u ? m.i32.gt_u(A(), Bv()) : m.i32.gt_s(A(), Bv()), A(), Bv(), i32));
      case "min": return wrap(m.select(u ? m.i32.lt_u(A(), Bv()) : m.i32.lt_s(A(), Bv()), A(), Bv(), i32));
      // XLA semantics: x / 0 = -1 (all bits), INT_MIN / -1 wraps; x % 0 = x.
      case "div": return wrap(m.if(m.i32.eqz(Bv()), c32(-1), u ? m.i32.div_u(A(), Bv()) : m.if(m.i32.and(m.i32.eq(A(), c32(-2147483648)), m.i32.eq(Bv(), c32(-1))), A(), m.i32.div_s(A(), Bv()))));
      case "rem": return wrap(m.if(m.i32.eqz(Bv()), A(), u ? m.i32.rem_u(A(), Bv()) : m.i32.rem_s(A(), Bv())));
      case "shift_left": return wrap(m.select(m.i32.ge_u(Bv(), c32(32)), c32(0), m.i32.shl(A(), Bv()), i32));
      case "shift_right_logical": return wrap(m.select(m.i32.ge_u(Bv(), c32(32)), c32(0), m.i32.shr_u(A(), Bv()), i32));
      case "shift_right_arithmetic": return wrap(m.i32.shr_s(A(), m.select(m.i32.gt_u(Bv(), c32(31)), c32(31), Bv(), i32)));
      default: throw new Error(`wasm render: binary ${fn} on ${d}`);
    }
  }
  function scalarConvert(x: Ref, from: DType, to: DType): Ref {
    if (from === to) return x;
    if (isF(from) && isF(to)) return is64(to) ? m.f64.promote(x) : m.f32.demote(x);
    if (isF(from)) {
      const F = is64(from) ? m.f64 : m.f32;
      if (to === "bool") { const t = newLocal(wt(from)); return m.block(null, [set(t, x), m.i32.and(F.ne(get(t, wt(from)), fconst(from, 0)), F.eq(get(t, wt(from)), get(t, wt(from))))], i32); }
      const T = is64(from) ? (to === "int32" ? m.i32.trunc_s_sat.f64 : m.i32.trunc_u_sat.f64) : to === "int32" ? m.i32.trunc_s_sat.f32 : m.i32.trunc_u_sat.f32;
      return T(x);
    }
    if (isF(to)) {
      const C = is64(to) ? m.f64 : m.f32;
      return from === "int32" ? C.convert_s.i32(x) : C.convert_u.i32(x);
    }
    if (to === "bool") return m.i32.ne(x, c32(0));
    return x; // int32 <-> uint32 <-> bool(0/1): same bits
  }

  // ---------------------------------------------------------------- SIMD element code
  const vecVal = new Map<KNode, number>();
  const hoistedConsts = new Map<string, number>();
  const constPrelude: Ref[] = [];
  /** A splatted constant in a local set at function entry: V8 rebuilds a v128.const in a loop on every iteration. */
  const hoistedSplat = (d: DType, v: number): Ref => {
    const key = `${d}:${Object.is(v, -0) ? "-0" : v}`;
    let loc = hoistedConsts.get(key);
    if (loc === undefined) {
      loc = newLocal(v128);
      hoistedConsts.set(key, loc);
      constPrelude.push(set(loc, splat(d, isF(d) ? fconst(d, v) : c32(v))));
    }
    return get(loc, v128);
  };
  const VV = (n: KNode) => get(vecVal.get(n)!, v128);
  const emitVector = (list: readonly KNode[], jIdx: () => Ref): Ref[] => {
    const code: Ref[] = [];
    for (const n of list) {
      const loc = newLocal(v128);
      vecVal.set(n, loc);
      code.push(set(loc, vectorNode(n, jIdx)));
    }
    return code;
  };
  /** A v128 constant holding `bits` in both 64-bit lanes. */
  const lanes64 = (bits: bigint): Ref => {
    const bytes: number[] = [];
    for (let l = 0; l < 2; l++) for (let i = 0n; i < 8n; i++) bytes.push(Number((bits >> (8n * i)) & 0xffn));
    return m.v128.const(bytes);
  };
  const splat = (d: DType, x: Ref) => (d === "float64" ? m.f64x2.splat(x) : d === "float32" ? m.f32x4.splat(x) : m.i32x4.splat(x));
  function vectorNode(n: KNode, jIdx: () => Ref): Ref {
    switch (n.op) {
      case "load": {
        const s = innerStride(maps.get(n)!);
        if (s === 0) return splat(n.dtype, scalarNode(n, null));
        return m.v128.load(0, 16, addrOf(n, jIdx));
      }
      case "index": {
        const s = innerStride(maps.get(n)!);
        const base = m.i32.add(get(baseLocal.get(n)!, i32), m.i32.mul(jIdx(), c32(s)));
        const ramp = m.i32x4.add(m.i32x4.splat(base), m.v128.const([0, s, 2 * s, 3 * s].flatMap((v) => [v & 255, (v >> 8) & 255, (v >> 16) & 255, (v >> 24) & 255])));
        return n.dtype === "float32" ? m.f32x4.convert_i32x4_s(ramp) : ramp;
      }
      case "const": return hoistedSplat(n.dtype === "bool" ? "int32" : n.dtype, isF(n.dtype) ? n.value : n.dtype === "bool" ? (n.value ? -1 : 0) : n.value | 0);
      case "unary": return vectorUnary(n.fn, n.a.dtype, VV(n.a));
      case "binary": {
        if (SHIFTS.has(n.fn) && n.b.op === "const") {
          // XLA semantics: counts of 32 or more give 0 (logical) or the sign (arithmetic).
          const c = n.b.value >>> 0;
          if (n.fn === "shift_right_arithmetic") return m.i32x4.shr_s(VV(n.a), c32(Math.min(c, 31)));
          if (c >= 32) return m.i32x4.splat(c32(0));
          return n.fn === "shift_left" ? m.i32x4.shl(VV(n.a), c32(c)) : m.i32x4.shr_u(VV(n.a), c32(c));
        }
        return vectorBinary(n.fn, n.a.dtype, VV(n.a), VV(n.b));
      }
      case "select": return m.v128.bitselect(VV(n.onTrue), VV(n.onFalse), VV(n.pred));
      case "convert": {
        const x = VV(n.a);
        const from = n.a.dtype, to = n.dtype;
        if (from === "bool") return isF(to) ? m.v128.and(x, splat(to, fconst(to, 1))) : m.v128.and(x, m.i32x4.splat(c32(1)));
        if (isF(from) && !isF(to)) return to === "int32" ? m.i32x4.trunc_sat_f32x4_s(x) : m.i32x4.trunc_sat_f32x4_u(x);
        if (!isF(from) && isF(to)) return from === "int32" ? m.f32x4.convert_i32x4_s(x) : m.f32x4.convert_i32x4_u(x);
        return x;
      }
      case "bitcast": return VV(n.a);
    }
  }
  function vectorUnary(fn: UnaryFn, d: DType, x: Ref): Ref {
    if (d === "bool") return m.v128.not(x);
    const F = d === "float64" ? m.f64x2 : d === "float32" ? m.f32x4 : null;
    if (F) {
      switch (fn) {
        case "neg": return F.neg(x);
        case "abs": return F.abs(x);
        case "sqrt": return F.sqrt(x);
        case "rsqrt": return F.div(splat(d, fconst(d, 1)), F.sqrt(x));
        case "square": { const t = newLocal(v128); return m.block(null, [set(t, x), F.mul(get(t, v128), get(t, v128))], v128); }
        case "floor": return F.floor(x);
        case "ceil": return F.ceil(x);
        case "trunc": return F.trunc(x);
        case "round": return F.nearest(x);
        case "is_finite": { const t = newLocal(v128); return m.block(null, [set(t, x), F.eq(F.sub(get(t, v128), get(t, v128)), splat(d, fconst(d, 0)))], v128); }
        case "exponent":
          // f64: the 11-bit field or-ed into the mantissa of 2^52 converts without i64x2 → f64x2.
          return d === "float64"
            ? m.f64x2.sub(m.v128.or(m.v128.and(m.i64x2.shr_u(x, c32(52)), lanes64(0x7ffn)), lanes64(0x4330000000000000n)), splat(d, fconst(d, 2 ** 52 + 1023)))
            : m.f32x4.convert_i32x4_s(m.i32x4.sub(m.v128.and(m.i32x4.shr_u(x, c32(23)), m.i32x4.splat(c32(0xff))), m.i32x4.splat(c32(127))));
        case "significand":
          return d === "float64"
            ? m.v128.or(m.v128.and(x, lanes64(0x800fffffffffffffn)), lanes64(0x3ff0000000000000n))
            : m.v128.or(m.v128.and(x, m.i32x4.splat(c32(0x807fffff | 0))), m.i32x4.splat(c32(0x3f800000)));
        default: throw new Error(`simd unary ${fn}`);
      }
    }
    switch (fn) {
      case "neg": return m.i32x4.neg(x);
      case "abs": return m.i32x4.abs(x);
      case "not": return m.v128.not(x);
      case "square": { const t = newLocal(v128); return m.block(null, [set(t, x), m.i32x4.mul(get(t, v128), get(t, v128))], v128); }
      default: throw new Error(`simd unary ${fn}`);
    }
  }
  function vectorBinary(fn: BinaryFn, d: DType, a: Ref, b: Ref): Ref {
    if (d === "bool") {
      switch (fn) {
        case "and": return m.v128.and(a, b);
        case "or": return m.v128.or(a, b);
        case "xor": case "ne": return m.v128.xor(a, b);
        case "eq": return m.v128.not(m.v128.xor(a, b));
        default: throw new Error(`simd bool ${fn}`);
      }
    }
    const F = d === "float64" ? m.f64x2 : d === "float32" ? m.f32x4 : null;
    if (F) {
      switch (fn) {
        case "add": return F.add(a, b);
        case "sub": return F.sub(a, b);
        case "mul": return F.mul(a, b);
        case "div": return F.div(a, b);
        case "max": return F.max(a, b);
        case "min": return F.min(a, b);
        case "eq": return F.eq(a, b);
        case "ne": return F.ne(a, b);
        case "lt": return F.lt(a, b);
        case "le": return F.le(a, b);
        case "gt": return F.gt(a, b);
        case "ge": return F.ge(a, b);
        case "copysign": return m.v128.bitselect(b, a, d === "float64" ? lanes64(0x8000000000000000n) : m.i32x4.splat(c32(0x80000000 | 0)));
        case "ldexp": {
          const kc = newLocal(v128), k1 = newLocal(v128);
          const lim = ldexpLimits(d);
          const pow2 = (e: Ref) => d === "float64"
            ? m.i64x2.shl(F.add(e, hoistedSplat(d, 2 ** 52 + 1023)), c32(52))
            : m.i32x4.shl(F.add(e, hoistedSplat(d, 2 ** 23 + 127)), c32(23));
          // pmax(k, lo) = k < lo ? lo : k and pmin(k, hi) = hi < k ? hi : k: one instruction each.
          return m.block(null, [
            set(kc, F.pmin(F.pmax(b, hoistedSplat(d, lim.k[0])), hoistedSplat(d, lim.k[1]))),
            set(k1, F.pmin(F.pmax(get(kc, v128), hoistedSplat(d, lim.k1[0])), hoistedSplat(d, lim.k1[1]))),
            F.mul(F.mul(a, pow2(get(k1, v128))), pow2(F.sub(get(kc, v128), get(k1, v128)))),
          ], v128);
        }
        default: throw new Error(`simd binary ${fn}`);
      }
    }
    const u = d === "uint32";
    const I = m.i32x4;
    switch (fn) {
      case "add": return I.add(a, b);
      case "sub": return I.sub(a, b);
      case "mul": return I.mul(a, b);
      case "and": return m.v128.and(a, b);
      case "or": return m.v128.or(a, b);
      case "xor": return m.v128.xor(a, b);
      case "eq": return I.eq(a, b);
      case "ne": return I.ne(a, b);
      case "lt": return u ? I.lt_u(a, b) : I.lt_s(a, b);
      case "le": return u ? I.le_u(a, b) : I.le_s(a, b);
      case "gt": return u ? I.gt_u(a, b) : I.gt_s(a, b);
      case "ge": return u ? I.ge_u(a, b) : I.ge_s(a, b);
      case "max": return u ? I.max_u(a, b) : I.max_s(a, b);
      case "min": return u ? I.min_u(a, b) : I.min_s(a, b);
      default: throw new Error(`simd binary ${fn} on ${d}`);
    }
  }

  // ---------------------------------------------------------------- loop nests
  const outPtr = () => get(0, i32);
  const outAddr = (flat: Ref) => m.i32.add(outPtr(), log2Bytes(k.dtype) ? m.i32.shl(flat, c32(log2Bytes(k.dtype))) : flat);
  const storeScalar = (addr: Ref, v: Ref) => (k.dtype === "float64" ? m.f64.store(0, 8, addr, v) : k.dtype === "float32" ? m.f32.store(0, 4, addr, v) : k.dtype === "bool" ? m.i32.store8(0, 1, addr, v) : m.i32.store(0, 4, addr, v));
  /** Decomposes flat row index `r` over `dims` (sizes), writing each dim's index into fresh locals. */
  const decompose = (r: Ref, dims: { dim: number; size: number }[]): { code: Ref[]; idx: { dim: number; local: number }[] } => {
    const code: Ref[] = [set(tmp, r)];
    const idx: { dim: number; local: number }[] = [];
    for (let q = dims.length - 1; q >= 0; q--) {
      const l = newLocal(i32);
      const { dim, size } = dims[q]!;
      code.push(set(l, q === 0 ? get(tmp, i32) : m.i32.rem_u(get(tmp, i32), c32(size))));
      if (q > 0) code.push(set(tmp, m.i32.div_u(get(tmp, i32), c32(size))));
      idx.push({ dim, local: l });
    }
    return { code, idx };
  };
  /** A loop while counter < end; `end` is built twice because binaryen expressions have one parent. */
  const forLoop = (label: string, counter: number, end: number | (() => Ref), body: Ref[], step = 1): Ref => {
    const n = () => (typeof end === "number" ? c32(end) : end());
    return m.block(`${label}_out`, [
      m.if(m.i32.ge_s(get(counter, i32), n()), m.br(`${label}_out`)),
      m.loop(label, m.block(null, [...body, set(counter, m.i32.add(get(counter, i32), c32(step))), m.br(label, m.i32.lt_s(get(counter, i32), n()))])),
    ]);
  };

  const body: Ref[] = [];
  if (!isReduce) {
    const rows = outer.slice(0, -1).reduce((a, b) => a * b, 1);
    const outerDims = outer.slice(0, -1).map((size, dim) => ({ dim, size }));
    const { code: decomp, idx } = decompose(get(rowIdx, i32), outerDims);
    const rowBase = () => m.i32.mul(get(rowIdx, i32), c32(innerSize));
    // A range splits the rows, or the inner dim when there is one row (boundaries a multiple of
    // the lane count keep every element on the same SIMD or scalar path as an unsplit call).
    const splitInner = !!opts.range && rows === 1;
    rangeExtent = splitInner ? innerSize : rows;
    const jEnd = newLocal(i32), vecEndLocal = newLocal(i32);
    const rowBody: Ref[] = [...decomp, ...setBases(idx), set(j, splitInner ? rangeStart() : c32(0))];
    if (splitInner) rowBody.push(set(jEnd, rangeEnd()), set(vecEndLocal, m.i32.sub(rangeEnd(), m.i32.rem_u(m.i32.sub(rangeEnd(), rangeStart()), c32(lanes)))));
    const innerEnd: number | (() => Ref) = splitInner ? () => get(jEnd, i32) : innerSize;
    if (simdOk && mainNodes.length <= MAX_INTERLEAVED_NODES) {
      // Two vectors per iteration, their instructions interleaved: one vector's chain is long (a
      // decomposed sin is ~20 dependent ops) and two independent chains keep the pipeline fuller.
      // exp(sin(x)*2+1)*x, 10^6 f32, A/B in alternating runs: 102-117 -> 128-172 Melem/s.
      const pairEnd = newLocal(i32);
      const jB = () => m.i32.add(get(j, i32), c32(lanes));
      const code: Ref[] = [];
      const mapA = new Map<KNode, number>(), mapB = new Map<KNode, number>();
      for (const n of mainNodes) {
        for (const [map, jIdx] of [[mapA, () => get(j, i32)], [mapB, jB]] as const) {
          for (const a of operandsOf(n)) vecVal.set(a, map.get(a)!);
          const loc = newLocal(v128);
          map.set(n, loc);
          code.push(set(loc, vectorNode(n, jIdx)));
        }
      }
      const storeA = m.v128.store(0, 16, outAddr(m.i32.add(rowBase(), get(j, i32))), get(mapA.get(root)!, v128));
      const storeB = m.v128.store(0, 16, outAddr(m.i32.add(rowBase(), jB())), get(mapB.get(root)!, v128));
      const start = splitInner ? rangeStart() : c32(0);
      const endRef = splitInner ? rangeEnd() : c32(innerSize);
      rowBody.push(set(pairEnd, m.i32.sub(endRef, m.i32.rem_u(m.i32.sub(splitInner ? rangeEnd() : c32(innerSize), start), c32(2 * lanes)))));
      let pairBody: Ref[] = [...code, storeA, storeB];
      if (guard) {
        const jj = newLocal(i32);
        const se = scalarElement(() => get(jj, i32));
        const byElement = m.block(null, [set(jj, get(j, i32)), forLoop("pf", jj, () => m.i32.add(get(j, i32), c32(2 * lanes)), [...se.code, storeScalar(outAddr(m.i32.add(rowBase(), get(jj, i32))), se.value())])]);
        pairBody = [...code, m.if(m.v128.any_true(m.v128.or(get(mapA.get(guard)!, v128), get(mapB.get(guard)!, v128))), byElement, m.block(null, [storeA, storeB]))];
      }
      rowBody.push(forLoop("vp", j, () => get(pairEnd, i32), pairBody, 2 * lanes));
    }
    if (simdOk) {
      const vecEnd: number | (() => Ref) = splitInner ? () => get(vecEndLocal, i32) : innerSize - (innerSize % lanes);
      const vcode = emitVector(mainNodes, () => get(j, i32));
      const vstore = m.v128.store(0, 16, outAddr(m.i32.add(rowBase(), get(j, i32))), VV(root));
      if (guard) {
        // Some lane is outside a decomposition's range: redo these lanes element by element.
        const jj = newLocal(i32);
        const se = scalarElement(() => get(jj, i32));
        const lanesByElement = m.block(null, [set(jj, get(j, i32)), forLoop("vf", jj, () => m.i32.add(get(j, i32), c32(lanes)), [...se.code, storeScalar(outAddr(m.i32.add(rowBase(), get(jj, i32))), se.value())])]);
        rowBody.push(forLoop("vi", j, vecEnd, [...vcode, m.if(m.v128.any_true(VV(guard)), lanesByElement, vstore)], lanes));
      } else rowBody.push(forLoop("vi", j, vecEnd, [...vcode, vstore], lanes));
    }
    const se = scalarElement(() => get(j, i32));
    rowBody.push(forLoop("si", j, innerEnd, [...se.code, storeScalar(outAddr(m.i32.add(rowBase(), get(j, i32))), se.value())]));
    if (opts.range && !splitInner) body.push(set(rowIdx, rangeStart()), forLoop("row", rowIdx, rangeEnd, rowBody));
    else body.push(set(rowIdx, c32(0)), forLoop("row", rowIdx, rows, rowBody));
  } else {
    const fn = k.reduce!.fn;
    const d = k.root.dtype;
    const T = wt(d);
    const nOut = outer.reduce((a, b) => a * b, 1);
    const redRows = red.slice(0, -1).reduce((a, b) => a * b, 1);
    const acc = newLocal(T);
    const init = (): Ref => {
      if (isF(d)) return fconst(d, fn === "sum" ? 0 : fn === "max" ? -Infinity : Infinity);
      if (fn === "sum" || fn === "or") return c32(0);
      if (fn === "and") return c32(1);
      const u = d === "uint32" || d === "bool";
      return fn === "max" ? c32(u ? 0 : -2147483648) : c32(u ? -1 : 2147483647);
    };
    const combine = (a: Ref, b: Ref): Ref => {
      if (fn === "sum") return scalarBinary("add", d, a, b);
      if (fn === "max") return scalarBinary("max", d, a, b);
      if (fn === "min") return scalarBinary("min", d, a, b);
      return fn === "and" ? m.i32.and(a, b) : m.i32.or(a, b);
    };
    const r2 = newLocal(i32);
    const outDims = outer.map((size, dim) => ({ dim, size }));
    const redDims = red.slice(0, -1).map((size, q) => ({ dim: outer.length + q, size }));
    const o = decompose(get(rowIdx, i32), outDims);
    const rr = decompose(get(r2, i32), redDims);
    const inner: Ref[] = [...rr.code, ...setBases([...o.idx, ...rr.idx]), set(j, c32(0))];
    if (simdOk) {
      const vacc = newLocal(v128);
      const F = d === "float64" ? m.f64x2 : m.f32x4;
      const vecEnd = innerSize - (innerSize % lanes);
      const vcode = emitVector(mainNodes, () => get(j, i32));
      const vcomb = set(vacc, fn === "sum" ? F.add(get(vacc, v128), VV(root)) : fn === "max" ? F.max(get(vacc, v128), VV(root)) : F.min(get(vacc, v128), VV(root)));
      let vbody: Ref[] = [...vcode, vcomb];
      if (guard) {
        const jj = newLocal(i32);
        const se = scalarElement(() => get(jj, i32));
        const lanesByElement = m.block(null, [set(jj, get(j, i32)), forLoop("vrf", jj, () => m.i32.add(get(j, i32), c32(lanes)), [...se.code, set(acc, combine(get(acc, T), se.value()))])]);
        vbody = [...vcode, m.if(m.v128.any_true(VV(guard)), lanesByElement, vcomb)];
      }
      inner.push(set(vacc, splat(d, init())), forLoop("vr", j, vecEnd, vbody, lanes));
      for (let l = 0; l < lanes; l++) inner.push(set(acc, combine(get(acc, T), F.extract_lane(get(vacc, v128), l))));
    }
    const se = scalarElement(() => get(j, i32));
    inner.push(forLoop("sr", j, innerSize, [...se.code, set(acc, combine(get(acc, T), se.value()))]));
    const outBody: Ref[] = [...o.code, set(acc, init()), set(r2, c32(0)), forLoop("rrow", r2, redRows, inner), storeScalar(outAddr(get(rowIdx, i32)), get(acc, T))];
    rangeExtent = nOut;
    if (opts.range) body.push(set(rowIdx, rangeStart()), forLoop("orow", rowIdx, rangeEnd, outBody));
    else body.push(set(rowIdx, c32(0)), forLoop("orow", rowIdx, nOut, outBody));
  }
  m.addFunction(name, binaryen.createType(params), none, locals, m.block(null, [...constPrelude, ...body]));
  return { simd: simdOk, decomposed: dec.count > 0, rangeExtent };
}

/** ldexp's clamp of k and of its first factor's exponent k1 (Intrinsic2 in ir.ts). */
function ldexpLimits(d: DType): { k: [number, number]; k1: [number, number] } {
  const bias = d === "float64" ? 1023 : 127;
  return { k: [3 - 2 * bias, 2 * bias], k1: [2 - bias, bias] };
}

/** Larger vector bodies (e.g. lgamma, erf_inv) are not duplicated: compile time and code size. */
const MAX_INTERLEAVED_NODES = 400;
function operandsOf(n: KNode): KNode[] {
  switch (n.op) {
    case "unary": case "convert": case "bitcast": return [n.a];
    case "binary": return [n.a, n.b];
    case "select": return [n.pred, n.onTrue, n.onFalse];
    default: return [];
  }
}
const SIMD_UNARY = new Set<UnaryFn>(["neg", "abs", "sqrt", "rsqrt", "square", "floor", "ceil", "trunc", "round", "is_finite", "not", "exponent", "significand"]);
const SIMD_BINARY = new Set<BinaryFn>(["add", "sub", "mul", "div", "max", "min", "eq", "ne", "lt", "le", "gt", "ge", "and", "or", "xor", "ldexp", "copysign"]);
const SHIFTS = new Set<BinaryFn>(["shift_left", "shift_right_logical", "shift_right_arithmetic"]);
const FLOAT_ONLY = new Set<UnaryFn | BinaryFn>(["exponent", "significand", "ldexp", "copysign", "sqrt", "rsqrt", "floor", "ceil", "trunc", "round", "is_finite"]);
const INT_ONLY = new Set<BinaryFn>(["and", "or", "xor"]);
const BOOL_BINARY = new Set<BinaryFn>(["and", "or", "xor", "eq", "ne"]);
void bytes;
