// Renders a kernel-IR loop nest to a WebAssembly module with binaryen: dims coalesced, SIMD
// (f32x4 / f64x2 / i32x4) inner loops where every read is contiguous or a splat, scalar tails,
// and reductions. Functions WASM lacks are imported from JS for now (see IMPORTED).
import type { DType } from "../../dtype.js";
import type { AffineMap, BinaryFn, KNode, Kernel, UnaryFn } from "../kernel/ir.js";
import { topoOrder } from "../kernel/ir.js";

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
}

export function renderKernel(binaryen: B, k: Kernel, optimize: boolean): RenderedKernel {
  const nodes = topoOrder([k.root]);
  const { outer, red, maps } = coalesce(k, nodes);
  const m = new binaryen.Module();
  m.setFeatures(binaryen.Features.SIMD128 | binaryen.Features.NontrappingFPToInt | binaryen.Features.SignExt | binaryen.Features.BulkMemory | binaryen.Features.MutableGlobals);
  m.setMemory(1, 65536, null, [], false, false, "0");
  m.addMemoryImport("0", "env", "memory");
  const i32 = binaryen.i32, f32 = binaryen.f32, f64 = binaryen.f64, v128 = binaryen.v128, none = binaryen.none;
  const wt = (d: DType) => (is64(d) ? f64 : d === "float32" ? f32 : i32);
  for (const name of IMPORTED) {
    const arity = name === "pow" || name === "atan2" || name === "fmod" || name.startsWith("nextafter") ? 2 : 1;
    m.addFunctionImport(name, "m", name, arity === 2 ? binaryen.createType([f64, f64]) : f64, f64);
  }

  const nSrc = k.sources.length;
  const params = [i32, ...k.sources.map(() => i32)]; // out ptr, source ptrs
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
  const simdOk = innerSize >= 2 * lanes && k.dtype !== "bool" && nodes.every((n) => {
    if (n.dtype !== "bool" && width(n.dtype) !== lanes) return false;
    if (n.op === "load") return n.dtype !== "bool" && [0, 1].includes(innerStride(maps.get(n)!));
    if (n.op === "index") return lanes === 4 && !isF(n.dtype) || (n.dtype === "float32");
    if (n.op === "unary") return SIMD_UNARY.has(n.fn) && !(n.fn === "abs" && !isF(n.dtype) && n.dtype === "uint32") && (n.a.dtype === "bool" ? n.fn === "not" : true);
    if (n.op === "binary") return SIMD_BINARY.has(n.fn) && !(isF(n.a.dtype) ? false : n.fn === "div" || n.fn === "rem") && width(n.a.dtype === "bool" ? n.dtype : n.a.dtype) === lanes;
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
  const scalarVal = new Map<number, number>(); // node id -> local
  const emitScalar = (jIdx: (() => Ref) | null): Ref[] => {
    const code: Ref[] = [];
    for (const n of nodes) {
      const loc = newLocal(wt(n.dtype));
      scalarVal.set(n.id, loc);
      code.push(set(loc, scalarNode(n, jIdx)));
    }
    return code;
  };
  const V = (n: KNode) => get(scalarVal.get(n.id)!, wt(n.dtype));
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
  const vecVal = new Map<number, number>();
  const VV = (n: KNode) => get(vecVal.get(n.id)!, v128);
  const emitVector = (jIdx: () => Ref): Ref[] => {
    const code: Ref[] = [];
    for (const n of nodes) {
      const loc = newLocal(v128);
      vecVal.set(n.id, loc);
      code.push(set(loc, vectorNode(n, jIdx)));
    }
    return code;
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
      case "const": return splat(n.dtype === "bool" ? "int32" : n.dtype, isF(n.dtype) ? fconst(n.dtype, n.value) : c32(n.dtype === "bool" ? (n.value ? -1 : 0) : n.value | 0));
      case "unary": return vectorUnary(n.fn, n.a.dtype, VV(n.a));
      case "binary": return vectorBinary(n.fn, n.a.dtype, VV(n.a), VV(n.b));
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
  const forLoop = (label: string, counter: number, n: Ref, body: Ref[], step = 1): Ref =>
    m.block(`${label}_out`, [
      m.if(m.i32.ge_s(get(counter, i32), n), m.br(`${label}_out`)),
      m.loop(label, m.block(null, [...body, set(counter, m.i32.add(get(counter, i32), c32(step))), m.br(label, m.i32.lt_s(get(counter, i32), n))])),
    ]);

  const body: Ref[] = [];
  if (!isReduce) {
    const rows = outer.slice(0, -1).reduce((a, b) => a * b, 1);
    const outerDims = outer.slice(0, -1).map((size, dim) => ({ dim, size }));
    const { code: decomp, idx } = decompose(get(rowIdx, i32), outerDims);
    const rowBase = () => m.i32.mul(get(rowIdx, i32), c32(innerSize));
    const rowBody: Ref[] = [...decomp, ...setBases(idx), set(j, c32(0))];
    if (simdOk) {
      const vecEnd = innerSize - (innerSize % lanes);
      const vcode = emitVector(() => get(j, i32));
      rowBody.push(forLoop("vi", j, c32(vecEnd), [...vcode, m.v128.store(0, 16, outAddr(m.i32.add(rowBase(), get(j, i32))), VV(k.root))], lanes));
    }
    const scode = emitScalar(() => get(j, i32));
    rowBody.push(forLoop("si", j, c32(innerSize), [...scode, storeScalar(outAddr(m.i32.add(rowBase(), get(j, i32))), V(k.root))]));
    body.push(set(rowIdx, c32(0)), forLoop("row", rowIdx, c32(rows), rowBody));
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
      const vcode = emitVector(() => get(j, i32));
      const vcomb = fn === "sum" ? F.add(get(vacc, v128), VV(k.root)) : fn === "max" ? F.max(get(vacc, v128), VV(k.root)) : F.min(get(vacc, v128), VV(k.root));
      inner.push(set(vacc, splat(d, init())), forLoop("vr", j, c32(vecEnd), [...vcode, set(vacc, vcomb)], lanes));
      for (let l = 0; l < lanes; l++) inner.push(set(acc, combine(get(acc, T), F.extract_lane(get(vacc, v128), l))));
    }
    const scode = emitScalar(() => get(j, i32));
    inner.push(forLoop("sr", j, c32(innerSize), [...scode, set(acc, combine(get(acc, T), V(k.root)))]));
    const outBody: Ref[] = [...o.code, set(acc, init()), set(r2, c32(0)), forLoop("rrow", r2, c32(redRows), inner), storeScalar(outAddr(get(rowIdx, i32)), get(acc, T))];
    body.push(set(rowIdx, c32(0)), forLoop("orow", rowIdx, c32(nOut), outBody));
  }
  m.addFunction("kernel", binaryen.createType(params), none, locals, m.block(null, body));
  m.addFunctionExport("kernel", "kernel");
  if (optimize) {
    binaryen.setOptimizeLevel(3);
    binaryen.setShrinkLevel(0);
    m.optimize();
  }
  if (!m.validate()) throw new Error("wasm render: invalid module:\n" + m.emitText());
  const binary = m.emitBinary();
  const text = m.emitText();
  m.dispose();
  void nSrc;
  return { binary, text: () => text, simd: simdOk };
}

const SIMD_UNARY = new Set<UnaryFn>(["neg", "abs", "sqrt", "rsqrt", "square", "floor", "ceil", "trunc", "round", "is_finite", "not"]);
const SIMD_BINARY = new Set<BinaryFn>(["add", "sub", "mul", "div", "max", "min", "eq", "ne", "lt", "le", "gt", "ge", "and", "or", "xor"]);
void bytes;
