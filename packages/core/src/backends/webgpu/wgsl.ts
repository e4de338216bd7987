// Renders the shared kernel IR to WGSL: scalar expression DAGs (also used by the program-per-lane
// compiler), elementwise kernels with one invocation per output element, and reductions (one
// invocation per output for short reductions, a 256-wide workgroup tree for long ones).
import type { DType } from "../../dtype.js";
import { type AffineMap, KBuilder, type KNode, type Kernel, topoOrder } from "../kernel/ir.js";
import { type DecomposeTarget, decompose } from "../kernel/decompose.js";
import { FLOAT_BINARY, FLOAT_UNARY, helperSource } from "./wgslMath.js";
import type { BindingKind } from "./protocol.js";

export class WgslUnsupported extends Error {}

/** WGSL value type of a dtype (bool is `bool` in registers and u32 in storage). */
export function valueType(d: DType): string {
  switch (d) {
    case "float32": return "f32";
    case "int32": return "i32";
    case "uint32": return "u32";
    case "bool": return "bool";
    case "float64": throw new WgslUnsupported("float64");
  }
}
export function storageType(d: DType): string {
  return d === "bool" ? "u32" : valueType(d);
}
/** A storage element (u32 for bool) as a value. */
export function fromStorage(expr: string, d: DType): string {
  return d === "bool" ? `(${expr} != 0u)` : expr;
}
/** A value as a storage element. */
export function toStorage(expr: string, d: DType): string {
  return d === "bool" ? `select(0u, 1u, ${expr})` : expr;
}

/** An exact WGSL literal for a value of dtype d (non-finite floats through run-time helpers). */
export function literal(value: number, d: DType, helpers: Set<string>): string {
  switch (d) {
    case "bool": return value ? "true" : "false";
    case "uint32": return `${value >>> 0}u`;
    case "int32": {
      const v = value | 0;
      return v === -2147483648 ? "bitcast<i32>(0x80000000u)" : `${v}i`;
    }
    case "float32": {
      const f = Math.fround(value);
      if (Number.isNaN(f)) { helpers.add("fx_nan"); return "fx_nan()"; }
      if (!Number.isFinite(f)) { helpers.add("fx_inf"); return f > 0 ? "fx_inf()" : "(-fx_inf())"; }
      if (Object.is(f, -0)) return "bitcast<f32>(0x80000000u)";
      const bits = new Uint32Array(new Float32Array([f]).buffer)[0]!;
      // Subnormals and long decimals: the bit pattern is exact and short.
      if (f !== 0 && Math.abs(f) < 1.1754943508222875e-38) return `bitcast<f32>(0x${bits.toString(16)}u)`;
      const s = f.toPrecision(9);
      return `f32(${/[.e]/.test(s) ? s : s + ".0"})`;
    }
    case "float64": throw new WgslUnsupported("float64");
  }
}

/** Where an expression's leaves come from: loads by source and affine map, index values. */
export interface LeafSource {
  /** An i32 WGSL expression for the element offset of `map` at the current iteration point. */
  offset(map: AffineMap): string;
  /** A WGSL value expression reading source `src` through `map` at the current iteration point. */
  load(src: number, map: AffineMap, dtype: DType): string;
}

/**
 * Emits `let` statements computing every node under `roots`; returns the statements and the
 * name of each node's value. `prefix` keeps names unique when several DAGs share a function.
 */
export function emitDag(roots: readonly KNode[], leaves: LeafSource, helpers: Set<string>, prefix: string): { lines: string[]; name: (n: KNode) => string } {
  const lines: string[] = [];
  const names = new Map<KNode, string>();
  // Functions WGSL lacks are rewritten into basic operations first (kernel/decompose.ts).
  const builder = new KBuilder();
  const rewritten = new Map<KNode, KNode>();
  for (const r of roots) {
    const d = decompose(r, builder, webgpuDecomposition);
    if (d.guard) throw new WgslUnsupported("a decomposition with a guarded range");
    rewritten.set(r, d.root);
  }
  const name = (n: KNode) => names.get(rewritten.get(n) ?? n)!;
  for (const n of topoOrder([...rewritten.values()])) {
    const id = `${prefix}${n.id}`;
    names.set(n, id);
    lines.push(`let ${id}: ${valueType(n.dtype)} = ${nodeExpr(n, name, leaves, helpers)};`);
  }
  return { lines, name };
}

function nodeExpr(n: KNode, v: (n: KNode) => string, leaves: LeafSource, helpers: Set<string>): string {
  switch (n.op) {
    case "load": return leaves.load(n.src, n.map, n.dtype);
    case "index": return convertExpr(leaves.offset(n.map), "int32", n.dtype, helpers);
    case "const": return literal(n.value, n.dtype, helpers);
    case "unary": return unaryExpr(n.fn, n.a.dtype, v(n.a), helpers);
    case "binary": return binaryExpr(n.fn, n.a.dtype, v(n.a), v(n.b), helpers);
    case "select": return `select(${v(n.onFalse)}, ${v(n.onTrue)}, ${v(n.pred)})`;
    case "convert": return convertExpr(v(n.a), n.a.dtype, n.dtype, helpers);
    case "bitcast":
      if (n.dtype === "bool" || n.a.dtype === "bool") throw new WgslUnsupported("bitcast of bool");
      return `bitcast<${valueType(n.dtype)}>(${v(n.a)})`;
  }
}

/** WGSL has exp, log, sin, ... (or wgslMath.ts writes them); these five come from kernel/decompose.ts. */
export const DECOMPOSED_ON_WEBGPU: readonly string[] = ["erf", "erfc", "erf_inv", "lgamma", "digamma"];
export const webgpuDecomposition: DecomposeTarget = { native: (fn) => !DECOMPOSED_ON_WEBGPU.includes(fn) };

function unaryExpr(fn: string, d: DType, a: string, helpers: Set<string>): string {
  if (d === "float32") {
    switch (fn) {
      // The IR's exponent intrinsics (see Intrinsic1 in kernel/ir.ts), on the float32 bit fields.
      case "exponent": return `f32(i32((bitcast<u32>(${a}) >> 23u) & 0xffu) - 127i)`;
      case "significand": return `bitcast<f32>((bitcast<u32>(${a}) & 0x807fffffu) | 0x3f800000u)`;
      case "neg": return `(-${a})`;
      case "square": return `(${a} * ${a})`;
      case "rsqrt": return `(1.0 / sqrt(${a}))`;
      case "is_finite": return `((bitcast<u32>(${a}) & 0x7f800000u) != 0x7f800000u)`;
    }
    const f = FLOAT_UNARY[fn as keyof typeof FLOAT_UNARY];
    if (!f) throw new WgslUnsupported(`${fn} on float32`);
    if (f.helper) {
      helpers.add(f.helper);
      return `${f.helper}(${a})`;
    }
    return `${f.builtin}(${a})`;
  }
  if (d === "bool") {
    if (fn === "not") return `(!${a})`;
    throw new WgslUnsupported(`${fn} on bool`);
  }
  const u = d === "uint32";
  switch (fn) {
    case "neg": return u ? `(0u - ${a})` : `(-${a})`;
    case "abs": return u ? a : `abs(${a})`;
    case "square": return `(${a} * ${a})`;
    case "not": return `(~${a})`;
    case "sign": return u ? `select(0u, 1u, ${a} != 0u)` : `sign(${a})`;
  }
  throw new WgslUnsupported(`${fn} on ${d}`);
}

const CMP: Record<string, string> = { eq: "==", ne: "!=", lt: "<", le: "<=", gt: ">", ge: ">=" };

function binaryExpr(fn: string, d: DType, a: string, b: string, helpers: Set<string>): string {
  if (CMP[fn] && d === "float32") {
    // Mesa's compiler may assume no NaNs in comparisons: NaN is tested on the bits.
    helpers.add("fx_isnan");
    const ordered = `!fx_isnan(${a}) && !fx_isnan(${b})`;
    return fn === "ne" ? `((${a} != ${b}) || !(${ordered}))` : `((${a} ${CMP[fn]} ${b}) && ${ordered})`;
  }
  if (CMP[fn]) return `(${a} ${CMP[fn]} ${b})`;
  if (d === "float32") {
    switch (fn) {
      case "add": return `(${a} + ${b})`;
      case "sub": return `(${a} - ${b})`;
      case "mul": return `(${a} * ${b})`;
      case "div": return `(${a} / ${b})`;
      case "copysign": return `bitcast<f32>((bitcast<u32>(${a}) & 0x7fffffffu) | (bitcast<u32>(${b}) & 0x80000000u))`;
      case "ldexp": helpers.add("fx_ldexp"); return `fx_ldexp(${a}, ${b})`;
    }
    const h = FLOAT_BINARY[fn as keyof typeof FLOAT_BINARY];
    if (!h) throw new WgslUnsupported(`${fn} on float32`);
    helpers.add(h);
    return `${h}(${a}, ${b})`;
  }
  if (d === "bool") {
    switch (fn) {
      case "and": return `(${a} & ${b})`;
      case "or": return `(${a} | ${b})`;
      case "xor": return `(${a} != ${b})`;
      case "max": return `(${a} | ${b})`;
      case "min": return `(${a} & ${b})`;
    }
    throw new WgslUnsupported(`${fn} on bool`);
  }
  const u = d === "uint32";
  switch (fn) {
    case "add": return `(${a} + ${b})`;
    case "sub": return `(${a} - ${b})`;
    case "mul": return `(${a} * ${b})`;
    case "and": return `(${a} & ${b})`;
    case "or": return `(${a} | ${b})`;
    case "xor": return `(${a} ^ ${b})`;
    case "max": return `max(${a}, ${b})`;
    case "min": return `min(${a}, ${b})`;
    case "div": helpers.add(u ? "fx_udiv" : "fx_idiv"); return `${u ? "fx_udiv" : "fx_idiv"}(${a}, ${b})`;
    case "rem": helpers.add(u ? "fx_urem" : "fx_irem"); return `${u ? "fx_urem" : "fx_irem"}(${a}, ${b})`;
    // XLA: counts are unsigned; 32 or more shift everything out (the sign, for arithmetic shifts).
    case "shift_left": return `select(${a} << (u32(${b}) & 31u), ${u ? "0u" : "0i"}, u32(${b}) >= 32u)`;
    case "shift_right_logical":
      return u ? `select(${a} >> (u32(${b}) & 31u), 0u, u32(${b}) >= 32u)` : `select(bitcast<i32>(bitcast<u32>(${a}) >> (u32(${b}) & 31u)), 0i, u32(${b}) >= 32u)`;
    // The reference clamps the count to [0, 31] (a negative int32 count shifts by 0).
    case "shift_right_arithmetic":
      return u ? `bitcast<u32>(bitcast<i32>(${a}) >> min(${b}, 31u))` : `(${a} >> u32(clamp(${b}, 0i, 31i)))`;
  }
  throw new WgslUnsupported(`${fn} on ${d}`);
}

export function convertExpr(a: string, from: DType, to: DType, helpers: Set<string>): string {
  if (from === to) return a;
  if (from === "float64" || to === "float64") throw new WgslUnsupported("float64");
  if (from === "float32") {
    if (to === "int32") { helpers.add("fx_f2i"); return `fx_f2i(${a})`; }
    if (to === "uint32") { helpers.add("fx_f2u"); return `fx_f2u(${a})`; }
    helpers.add("fx_isnan");
    return `(${a} != 0.0 && !fx_isnan(${a}))`;
  }
  if (from === "bool") return to === "float32" ? `select(0.0, 1.0, ${a})` : to === "int32" ? `select(0i, 1i, ${a})` : `select(0u, 1u, ${a})`;
  if (to === "float32") return `f32(${a})`;
  if (to === "bool") return from === "int32" ? `(${a} != 0i)` : `(${a} != 0u)`;
  return `bitcast<${valueType(to)}>(${a})`;
}

/** An i32 expression for map.offset + Σ strides[d] · idx[d]. */
export function affineExpr(map: AffineMap, idx: readonly string[]): string {
  const terms: string[] = [];
  map.strides.forEach((s, d) => {
    if (s === 0) return;
    terms.push(s === 1 ? idx[d]! : `${idx[d]!} * ${s}i`);
  });
  if (map.offset !== 0 || terms.length === 0) terms.unshift(`${map.offset}i`);
  return terms.length === 1 ? terms[0]! : `(${terms.join(" + ")})`;
}

/** Splits a flat u32 index expression into per-dimension i32 indices named `${prefix}${d}`. */
export function unflatten(flat: string, shape: readonly number[], prefix: string): string[] {
  const lines = [`var ${prefix}rest: u32 = ${flat};`];
  for (let d = shape.length - 1; d >= 0; d--) {
    if (d === 0) lines.push(`let ${prefix}${d}: i32 = i32(${prefix}rest);`);
    else {
      // Size-0 dims never run (the loops or dispatches are empty) but must still compile.
      const size = Math.max(shape[d]!, 1);
      lines.push(`let ${prefix}${d}: i32 = i32(${prefix}rest % ${size}u);`);
      lines.push(`${prefix}rest = ${prefix}rest / ${size}u;`);
    }
  }
  return lines;
}

export interface RenderedKernel {
  readonly code: string;
  readonly kinds: readonly BindingKind[];
  readonly groups: readonly [number, number, number];
}

const WG = 64;
const RED_WG = 256;
export const MAX_GROUPS = 65535;

/** Workgroup counts covering `n` workgroups within the per-dimension limit. */
export function gridFor(n: number): [number, number, number] {
  if (n <= MAX_GROUPS) return [Math.max(n, 1), 1, 1];
  const y = Math.ceil(n / MAX_GROUPS);
  return [Math.ceil(n / y), y, 1];
}

export function reduceInit(fn: string, d: DType, helpers: Set<string>): string {
  if (d === "bool") return fn === "and" ? "true" : "false";
  if (d === "float32") {
    if (fn === "sum") return "0.0";
    helpers.add("fx_inf");
    return fn === "max" ? "(-fx_inf())" : "fx_inf()";
  }
  if (fn === "sum") return d === "int32" ? "0i" : "0u";
  if (d === "int32") return fn === "max" ? "bitcast<i32>(0x80000000u)" : "2147483647i";
  return fn === "max" ? "0u" : "4294967295u";
}
export function reduceCombine(fn: string, d: DType, acc: string, v: string, helpers: Set<string>): string {
  if (d === "bool") return fn === "and" || fn === "min" ? `(${acc} && ${v})` : `(${acc} || ${v})`;
  if (fn === "sum") return `(${acc} + ${v})`;
  return binaryExpr(fn, d, acc, v, helpers);
}

/**
 * WGSL for a fused kernel: output at binding 0, sources at 1..n; or, with `packBases`, every source
 * in one u32 buffer at binding 1 (source i from element packBases[i]), for kernels with more inputs
 * than the device has storage bindings.
 */
export function renderKernel(k: Kernel, packBases?: readonly number[]): RenderedKernel {
  const helpers = new Set<string>();
  const outCount = k.shape.reduce((a, b) => a * b, 1);
  const redSizes = k.reduce?.sizes ?? [];
  const redCount = redSizes.reduce((a, b) => a * b, 1);
  const nOut = k.shape.length;
  const bindings = [`@group(0) @binding(0) var<storage, read_write> out: array<${storageType(k.dtype)}>;`];
  if (packBases) bindings.push(`@group(0) @binding(1) var<storage, read> pack: array<u32>;`);
  else k.sources.forEach((d, i) => bindings.push(`@group(0) @binding(${i + 1}) var<storage, read> in${i}: array<${storageType(d)}>;`));
  const kinds: BindingKind[] = packBases ? ["w", "r"] : ["w", ...k.sources.map((): BindingKind => "r")];
  const packed = (src: number, off: string, d: DType) => {
    const word = `pack[${packBases![src]}i + ${off}]`;
    return d === "uint32" ? word : d === "bool" ? `(${word} != 0u)` : `bitcast<${valueType(d)}>(${word})`;
  };
  const outIdx = k.shape.map((_, d) => `o${d}`);
  const redIdx = redSizes.map((_, d) => `r${d}`);
  const leaves: LeafSource = {
    offset: (map) => affineExpr(map, [...outIdx, ...redIdx]),
    load: (src, map, d) => (packBases ? packed(src, affineExpr(map, [...outIdx, ...redIdx]), d) : fromStorage(`in${src}[${affineExpr(map, [...outIdx, ...redIdx])}]`, d)),
  };
  const body: string[] = [];
  let groups: [number, number, number];
  let wg = WG;
  let entry: string;
  if (!k.reduce) {
    const dag = emitDag([k.root], leaves, helpers, "v");
    groups = gridFor(Math.ceil(outCount / WG));
    body.push(`let flat = gid.x + gid.y * ${groups[0] * WG}u;`, `if (flat >= ${outCount}u) { return; }`);
    body.push(...unflatten("flat", k.shape, "o"), ...dag.lines, `out[flat] = ${toStorage(dag.name(k.root), k.dtype)};`);
    entry = `@compute @workgroup_size(${WG})\nfn main(@builtin(global_invocation_id) gid: vec3<u32>) {\n  ${body.join("\n  ")}\n}`;
  } else {
    const d = k.root.dtype;
    const T = valueType(d);
    const fn = k.reduce.fn;
    const dag = emitDag([k.root], leaves, helpers, "v");
    const step = [...unflatten("r", redSizes, "r"), ...dag.lines, `acc = ${reduceCombine(fn, d, "acc", dag.name(k.root), helpers)};`];
    const wide = redCount >= 2048 && d !== "bool" && outCount <= MAX_GROUPS * 64;
    if (!wide) {
      groups = gridFor(Math.ceil(outCount / WG));
      body.push(`let flat = gid.x + gid.y * ${groups[0] * WG}u;`, `if (flat >= ${outCount}u) { return; }`, ...unflatten("flat", k.shape, "o"));
      body.push(`var acc: ${T} = ${reduceInit(fn, d, helpers)};`, `for (var r: u32 = 0u; r < ${redCount}u; r++) {`, ...step.map((l) => "  " + l), "}");
      body.push(`out[flat] = ${toStorage("acc", k.dtype)};`);
      entry = `@compute @workgroup_size(${WG})\nfn main(@builtin(global_invocation_id) gid: vec3<u32>) {\n  ${body.join("\n  ")}\n}`;
    } else {
      wg = RED_WG;
      groups = gridFor(outCount);
      body.push(`let flat = wid.x + wid.y * ${groups[0]}u;`, `let inRange = flat < ${outCount}u;`, ...unflatten("flat", k.shape, "o"));
      body.push(`var acc: ${T} = ${reduceInit(fn, d, helpers)};`);
      body.push(`if (inRange) {`, `  for (var r: u32 = lid.x; r < ${redCount}u; r += ${RED_WG}u) {`, ...step.map((l) => "    " + l), "  }", "}");
      body.push(`scratch[lid.x] = acc;`, `workgroupBarrier();`);
      body.push(`for (var s: u32 = ${RED_WG / 2}u; s > 0u; s = s >> 1u) {`, `  if (lid.x < s) { scratch[lid.x] = ${reduceCombine(fn, d, "scratch[lid.x]", "scratch[lid.x + s]", helpers)}; }`, `  workgroupBarrier();`, `}`);
      body.push(`if (lid.x == 0u && inRange) { out[flat] = ${toStorage("scratch[0]", k.dtype)}; }`);
      bindings.push(`var<workgroup> scratch: array<${T}, ${RED_WG}>;`);
      entry = `@compute @workgroup_size(${RED_WG})\nfn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {\n  ${body.join("\n  ")}\n}`;
    }
    void nOut;
  }
  void wg;
  const code = `${helperSource(helpers)}\n${bindings.join("\n")}\n${entry}\n`;
  return { code, kinds, groups: outCount === 0 ? [0, 0, 0] : groups };
}
