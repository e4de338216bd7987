// The kernel IR between jaxprs and backends: hash-consed scalar expression DAGs over an
// iteration space, whose leaves read materialised buffers through affine index maps, plus an
// optional reduction. Backend-neutral: the WASM and WGSL renderers both consume it.
import type { DType } from "../../dtype.js";

/** Element offset = offset + Σ_d strides[d] · i_d over the kernel's iteration space. */
export interface AffineMap {
  readonly offset: number;
  readonly strides: readonly number[];
}

export type UnaryFn =
  | "neg" | "abs" | "sqrt" | "rsqrt" | "cbrt" | "square" | "floor" | "ceil" | "round" | "trunc" | "sign" | "not" | "is_finite"
  | "exp" | "exp2" | "log" | "log1p" | "expm1" | "sin" | "cos" | "tan" | "tanh" | "logistic"
  | "asin" | "acos" | "atan" | "sinh" | "cosh" | "asinh" | "acosh" | "atanh" | "erf" | "erfc" | "erf_inv" | "lgamma" | "digamma"
  | Intrinsic1;
export type BinaryFn =
  | "add" | "sub" | "mul" | "div" | "rem" | "pow" | "max" | "min" | "atan2" | "nextafter"
  | "eq" | "ne" | "lt" | "le" | "gt" | "ge" | "and" | "or" | "xor" | "shift_left" | "shift_right_logical" | "shift_right_arithmetic"
  | Intrinsic2;

/**
 * Float intrinsics that no primitive produces: kernel/decompose.ts builds transcendental functions
 * from them, and every renderer must lower them natively (WGSL: ldexp/frexp/bitcast builtins; WASM:
 * i32/i64 bit operations). They keep exponent arithmetic in float lanes, so float64 kernels never need
 * int64 (absent from the IR) and stay two-lane SIMD. All operands and results share one float dtype.
 *
 * - `exponent(x)`: the unbiased exponent field as an integer-valued float, floor(log2|x|) for normal x;
 *   -bias (-127 / -1023) for zeros and subnormals, bias + 1 (128 / 1024) for infinities and NaN.
 * - `significand(x)`: x with its exponent field replaced by the bias: ±[1, 2) for normal x (sign kept),
 *   so x = significand(x) · 2^exponent(x); for zeros and subnormals it is ±(1 + fraction field).
 * - `ldexp(x, k)`: x · 2^k for an integer-valued float k (not NaN). k is clamped to
 *   [3 - 2·bias, 2·bias] ([-251, 254], [-2043, 2046]) and applied as (x · 2^k1) · 2^(k - k1) with
 *   k1 = clamp(k, 2 - bias, bias): one factor, so one rounding, whenever 2^k is normal, and one
 *   rounding too for |x| ≥ 1/2 and any k — overflow to ±inf and gradual underflow included.
 * - `copysign(a, b)`: |a| with the sign bit of b.
 */
export type Intrinsic1 = "exponent" | "significand";
export type Intrinsic2 = "ldexp" | "copysign";
export type ReduceFn = "sum" | "max" | "min" | "and" | "or";

interface Base { readonly id: number; readonly dtype: DType }
export interface LoadNode extends Base { readonly op: "load"; readonly src: number; readonly map: AffineMap }
export interface IndexNode extends Base { readonly op: "index"; readonly map: AffineMap }
export interface ConstNode extends Base { readonly op: "const"; readonly value: number }
export interface UnaryNode extends Base { readonly op: "unary"; readonly fn: UnaryFn; readonly a: KNode }
export interface BinaryNode extends Base { readonly op: "binary"; readonly fn: BinaryFn; readonly a: KNode; readonly b: KNode }
export interface SelectNode extends Base { readonly op: "select"; readonly pred: KNode; readonly onFalse: KNode; readonly onTrue: KNode }
export interface ConvertNode extends Base { readonly op: "convert"; readonly a: KNode }
export interface BitcastNode extends Base { readonly op: "bitcast"; readonly a: KNode }
export type KNode = LoadNode | IndexNode | ConstNode | UnaryNode | BinaryNode | SelectNode | ConvertNode | BitcastNode;

type Spec = Omit<LoadNode, "id"> | Omit<IndexNode, "id"> | Omit<ConstNode, "id"> | Omit<UnaryNode, "id"> | Omit<BinaryNode, "id"> | Omit<SelectNode, "id"> | Omit<ConvertNode, "id"> | Omit<BitcastNode, "id">;

const mapKey = (m: AffineMap) => `${m.offset}:${m.strides.join(",")}`;

/** Hash-consing constructor: structurally equal nodes are the same object. */
export class KBuilder {
  private readonly table = new Map<string, KNode>();
  private next = 0;

  private intern(key: string, spec: Spec): KNode {
    let n = this.table.get(key);
    if (!n) {
      n = { ...spec, id: this.next++ } as KNode;
      this.table.set(key, n);
    }
    return n;
  }
  load(src: number, map: AffineMap, dtype: DType): KNode {
    return this.intern(`L${src}|${mapKey(map)}|${dtype}`, { op: "load", src, map, dtype });
  }
  index(map: AffineMap, dtype: DType): KNode {
    return this.intern(`I${mapKey(map)}|${dtype}`, { op: "index", map, dtype });
  }
  const(value: number, dtype: DType): KNode {
    return this.intern(`C${Object.is(value, -0) ? "-0" : value}|${dtype}`, { op: "const", value, dtype });
  }
  unary(fn: UnaryFn, a: KNode, dtype: DType): KNode {
    return this.intern(`U${fn}|${a.id}|${dtype}`, { op: "unary", fn, a, dtype });
  }
  binary(fn: BinaryFn, a: KNode, b: KNode, dtype: DType): KNode {
    // Light algebraic simplification; the renderers' optimisers do the rest.
    if (a.dtype !== "bool" && (dtype === "float32" || dtype === "float64" || dtype === "int32" || dtype === "uint32")) {
      if (fn === "mul" && b.op === "const" && b.value === 1) return a;
      if (fn === "mul" && a.op === "const" && a.value === 1) return b;
      if ((fn === "add" || fn === "sub") && b.op === "const" && b.value === 0 && !Object.is(b.value, -0)) return a;
      if (fn === "add" && a.op === "const" && a.value === 0 && !Object.is(a.value, -0)) return b;
      if (fn === "div" && b.op === "const" && b.value === 1) return a;
    }
    return this.intern(`B${fn}|${a.id}|${b.id}|${dtype}`, { op: "binary", fn, a, b, dtype });
  }
  select(pred: KNode, onFalse: KNode, onTrue: KNode): KNode {
    if (onFalse === onTrue) return onTrue;
    return this.intern(`S${pred.id}|${onFalse.id}|${onTrue.id}`, { op: "select", pred, onFalse, onTrue, dtype: onTrue.dtype });
  }
  convert(a: KNode, dtype: DType): KNode {
    if (a.dtype === dtype) return a;
    return this.intern(`V${a.id}|${dtype}`, { op: "convert", a, dtype });
  }
  bitcast(a: KNode, dtype: DType): KNode {
    if (a.dtype === dtype) return a;
    return this.intern(`X${a.id}|${dtype}`, { op: "bitcast", a, dtype });
  }

  /**
   * Re-expresses `node` (over an iteration space of rank r) over a new space through an affine
   * view: old index_d = v.offset[d] + Σ_e v.coef[d][e] · new index_e.
   */
  view(node: KNode, v: ViewMap): KNode {
    const memo = new Map<number, KNode>();
    const go = (n: KNode): KNode => {
      let r = memo.get(n.id);
      if (r) return r;
      switch (n.op) {
        case "load": r = this.load(n.src, composeMap(n.map, v), n.dtype); break;
        case "index": r = this.index(composeMap(n.map, v), n.dtype); break;
        case "const": r = n; break;
        case "unary": r = this.unary(n.fn, go(n.a), n.dtype); break;
        case "binary": r = this.binary(n.fn, go(n.a), go(n.b), n.dtype); break;
        case "select": r = this.select(go(n.pred), go(n.onFalse), go(n.onTrue)); break;
        case "convert": r = this.convert(go(n.a), n.dtype); break;
        case "bitcast": r = this.bitcast(go(n.a), n.dtype); break;
      }
      memo.set(n.id, r);
      return r;
    };
    return go(node);
  }
}

/** An affine change of iteration space (see KBuilder.view). */
export interface ViewMap {
  readonly offset: readonly number[];
  readonly coef: readonly (readonly number[])[];
}

export function composeMap(m: AffineMap, v: ViewMap): AffineMap {
  let offset = m.offset;
  const newRank = v.coef[0]?.length ?? 0;
  const strides = new Array<number>(newRank).fill(0);
  m.strides.forEach((s, d) => {
    if (s === 0) return;
    offset += s * v.offset[d]!;
    v.coef[d]!.forEach((c, e) => (strides[e] = strides[e]! + s * c));
  });
  return { offset, strides };
}

export function rowMajorStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** Every node reachable from `roots`, children before parents. */
export function topoOrder(roots: readonly KNode[]): KNode[] {
  const seen = new Set<number>();
  const out: KNode[] = [];
  const visit = (n: KNode) => {
    if (seen.has(n.id)) return;
    seen.add(n.id);
    switch (n.op) {
      case "unary": case "convert": case "bitcast": visit(n.a); break;
      case "binary": visit(n.a); visit(n.b); break;
      case "select": visit(n.pred); visit(n.onFalse); visit(n.onTrue); break;
      default: break;
    }
    out.push(n);
  };
  roots.forEach(visit);
  return out;
}

/** A fused loop nest: `root` evaluated over `shape` (+ `reduce.sizes`, reduced innermost). */
export interface Kernel {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly root: KNode;
  /** dtype of each source buffer, indexed by LoadNode.src (renumbered 0..n-1). */
  readonly sources: readonly DType[];
  readonly reduce?: { readonly fn: ReduceFn; readonly sizes: readonly number[] };
}

/** A stable text form (also the compile-cache key) for debugging at FLUXION_DEBUG=3. */
export function printKernel(k: Kernel): string {
  const lines: string[] = [];
  for (const n of topoOrder([k.root])) {
    const r = (x: KNode) => `%${x.id}`;
    let body: string;
    switch (n.op) {
      case "load": body = `load in${n.src}[${n.map.offset}; ${n.map.strides.join(",")}]`; break;
      case "index": body = `index[${n.map.offset}; ${n.map.strides.join(",")}]`; break;
      case "const": body = `const ${n.value}`; break;
      case "unary": body = `${n.fn} ${r(n.a)}`; break;
      case "binary": body = `${n.fn} ${r(n.a)} ${r(n.b)}`; break;
      case "select": body = `select ${r(n.pred)} ${r(n.onFalse)} ${r(n.onTrue)}`; break;
      case "convert": body = `convert ${r(n.a)}`; break;
      case "bitcast": body = `bitcast ${r(n.a)}`; break;
    }
    lines.push(`  %${n.id}:${n.dtype} = ${body}`);
  }
  const head = `kernel ${k.dtype}[${k.shape.join(",")}]${k.reduce ? ` reduce_${k.reduce.fn}[${k.reduce.sizes.join(",")}]` : ""} (${k.sources.map((d, i) => `in${i}:${d}`).join(" ")})`;
  return `${head}\n${lines.join("\n")}\n  out %${k.root.id}`;
}
