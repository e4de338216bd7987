// The fusion planner: turns a jaxpr into a list of steps — fused kernels (elementwise chains,
// broadcasts, views and reductions in one loop nest) and the equations left to the runtime
// (matmul, routines, control flow, and primitives no renderer lowers yet).
import type { DType } from "../../dtype.js";
import { type Atom, type Jaxpr, type JaxprEqn, Literal, Var } from "../../ir/jaxpr.js";
import { type BinaryFn, KBuilder, type KNode, type Kernel, type ReduceFn, type UnaryFn, type ViewMap, rowMajorStrides, topoOrder } from "./ir.js";

export type Step =
  | { readonly kind: "kernel"; readonly kernel: Kernel; readonly sources: readonly Var[]; readonly out: Var }
  | { readonly kind: "eqn"; readonly eqn: JaxprEqn };

export interface Plan {
  readonly steps: readonly Step[];
  /** For each step, the vars whose last use it is (freed after it runs). */
  readonly frees: readonly (readonly Var[])[];
}

const UNARY: Record<string, UnaryFn> = Object.fromEntries(
  ["neg", "abs", "sqrt", "rsqrt", "cbrt", "square", "floor", "ceil", "round", "trunc", "sign", "not", "is_finite", "exp", "exp2", "log", "log1p", "expm1",
    "sin", "cos", "tan", "tanh", "logistic", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "erf", "erfc", "erf_inv", "lgamma", "digamma"].map((n) => [n, n as UnaryFn]),
);
const BINARY: Record<string, BinaryFn> = Object.fromEntries(
  ["add", "sub", "mul", "div", "rem", "pow", "max", "min", "atan2", "nextafter", "eq", "ne", "lt", "le", "gt", "ge", "and", "or", "xor",
    "shift_left", "shift_right_logical", "shift_right_arithmetic"].map((n) => [n, n as BinaryFn]),
);
const REDUCE: Record<string, ReduceFn> = { reduce_sum: "sum", reduce_max: "max", reduce_min: "min", reduce_and: "and", reduce_or: "or" };
const EXPENSIVE = new Set<string>(["exp", "exp2", "log", "log1p", "expm1", "sin", "cos", "tan", "tanh", "logistic", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "erf", "erfc", "erf_inv", "lgamma", "digamma", "pow", "atan2", "rem"]);
const MAX_NODES = 256;

interface Lazy { readonly shape: readonly number[]; readonly dtype: DType; readonly node: KNode }

/** Which unary/binary functions a backend can render inside a fused kernel. */
export interface FusionCaps {
  unary(fn: UnaryFn, dtype: DType): boolean;
  binary(fn: BinaryFn, dtype: DType): boolean;
}

export function planJaxpr(jaxpr: Jaxpr, caps: FusionCaps): Plan {
  const b = new KBuilder();
  const steps: Step[] = [];
  const lazy = new Map<Var, Lazy>();
  const srcIds = new Map<Var, number>();
  const srcVars: Var[] = [];
  const srcId = (v: Var) => {
    let id = srcIds.get(v);
    if (id === undefined) {
      id = srcVars.length;
      srcIds.set(v, id);
      srcVars.push(v);
    }
    return id;
  };
  const uses = new Map<Var, number>();
  for (const e of jaxpr.eqns) for (const a of e.inputs) if (a instanceof Var) uses.set(a, (uses.get(a) ?? 0) + 1);
  for (const a of jaxpr.outvars) if (a instanceof Var) uses.set(a, (uses.get(a) ?? 0) + 2);

  const contiguous = (shape: readonly number[]) => ({ offset: 0, strides: rowMajorStrides(shape) });
  const nodeOf = (a: Atom): Lazy => {
    if (a instanceof Literal) return { shape: [], dtype: a.aval.dtype, node: b.const(a.value, a.aval.dtype) };
    const l = lazy.get(a);
    if (l) return l;
    return { shape: a.aval.shape, dtype: a.aval.dtype, node: b.load(srcId(a), contiguous(a.aval.shape), a.aval.dtype) };
  };
  const emitKernel = (out: Var, shape: readonly number[], dtype: DType, root: KNode, reduce?: Kernel["reduce"]) => {
    // Renumber sources 0..n-1 in order of first appearance so equal kernels share a compiled module.
    const order: number[] = [];
    for (const n of topoOrder([root])) if (n.op === "load" && !order.includes(n.src)) order.push(n.src);
    const local = new KBuilder();
    const renum = (n: KNode, memo = new Map<number, KNode>()): KNode => {
      const m = memo.get(n.id);
      if (m) return m;
      let r: KNode;
      switch (n.op) {
        case "load": r = local.load(order.indexOf(n.src), n.map, n.dtype); break;
        case "index": r = local.index(n.map, n.dtype); break;
        case "const": r = local.const(n.value, n.dtype); break;
        case "unary": r = local.unary(n.fn, renum(n.a, memo), n.dtype); break;
        case "binary": r = local.binary(n.fn, renum(n.a, memo), renum(n.b, memo), n.dtype); break;
        case "select": r = local.select(renum(n.pred, memo), renum(n.onFalse, memo), renum(n.onTrue, memo)); break;
        case "convert": r = local.convert(renum(n.a, memo), n.dtype); break;
        case "bitcast": r = local.bitcast(renum(n.a, memo), n.dtype); break;
      }
      memo.set(n.id, r);
      return r;
    };
    const kroot = renum(root);
    const sources = order.map((s) => srcVars[s]!);
    const kernel: Kernel = { shape: [...shape], dtype, root: kroot, sources: sources.map((v) => v.aval.dtype), ...(reduce ? { reduce } : {}) };
    steps.push({ kind: "kernel", kernel, sources, out });
  };
  const materialize = (v: Var) => {
    const l = lazy.get(v);
    if (!l) return;
    lazy.delete(v);
    emitKernel(v, l.shape, l.dtype, l.node);
  };
  const setLazy = (v: Var, l: Lazy) => {
    lazy.set(v, l);
    const n = topoOrder([l.node]);
    const costly = n.some((x) => (x.op === "unary" || x.op === "binary") && EXPENSIVE.has(x.fn));
    if (n.length > MAX_NODES || ((uses.get(v) ?? 0) > 1 && (costly || n.length > 8))) materialize(v);
  };
  const supported = (n: KNode): boolean =>
    topoOrder([n]).every((x) => (x.op !== "unary" || caps.unary(x.fn, x.a.dtype)) && (x.op !== "binary" || caps.binary(x.fn, x.a.dtype)));
  /** The node of `a` seen through a view into a new space of rank `rank`. */
  const viewed = (a: Atom, v: ViewMap): KNode => b.view(nodeOf(a).node, v);

  for (const e of jaxpr.eqns) {
    const name = e.prim.name;
    const out = e.outputs[0]!;
    const oshape = out.aval.shape;
    const od = out.aval.dtype;
    let node: KNode | null = null;
    if (UNARY[name] && e.outputs.length === 1) node = b.unary(UNARY[name]!, nodeOf(e.inputs[0]!).node, od);
    else if (BINARY[name]) node = b.binary(BINARY[name]!, nodeOf(e.inputs[0]!).node, nodeOf(e.inputs[1]!).node, od);
    else if (name === "convert_element_type") node = b.convert(nodeOf(e.inputs[0]!).node, od);
    else if (name === "bitcast_convert_type") node = b.bitcast(nodeOf(e.inputs[0]!).node, od);
    else if (name === "stop_gradient") node = nodeOf(e.inputs[0]!).node;
    else if (name === "select_n") {
      const [p, ...cases] = e.inputs.map((a) => nodeOf(a).node);
      if (cases.length === 2 && p!.dtype === "bool") node = b.select(p!, cases[0]!, cases[1]!);
      else {
        node = cases[cases.length - 1]!;
        for (let k = cases.length - 2; k >= 0; k--) node = b.select(b.binary("le", p!, b.const(k, p!.dtype), "bool"), node, cases[k]!);
      }
    } else if (name === "iota") {
      const dim = e.params.dimension as number;
      node = b.index({ offset: 0, strides: oshape.map((_, i) => (i === dim ? 1 : 0)) }, od);
    } else if (name === "broadcast_in_dim") {
      const x = e.inputs[0]!;
      const bd = e.params.broadcastDimensions as number[];
      const inShape = x.aval.shape;
      node = viewed(x, { offset: inShape.map(() => 0), coef: inShape.map((n, d) => oshape.map((_, k) => (n !== 1 && bd[d] === k ? 1 : 0))) });
    } else if (name === "transpose") {
      const perm = e.params.permutation as number[];
      const x = e.inputs[0]!;
      node = viewed(x, { offset: x.aval.shape.map(() => 0), coef: x.aval.shape.map((_, d) => oshape.map((_, k) => (perm[k] === d ? 1 : 0))) });
    } else if (name === "slice") {
      const st = e.params.startIndices as number[];
      const strides = (e.params.strides as number[] | null) ?? st.map(() => 1);
      node = viewed(e.inputs[0]!, { offset: st, coef: st.map((_, d) => oshape.map((_, k) => (k === d ? strides[d]! : 0))) });
    } else if (name === "rev") {
      const dims = e.params.dimensions as number[];
      const x = e.inputs[0]!;
      node = viewed(x, { offset: x.aval.shape.map((n, d) => (dims.includes(d) ? n - 1 : 0)), coef: x.aval.shape.map((_, d) => oshape.map((_, k) => (k === d ? (dims.includes(d) ? -1 : 1) : 0))) });
    } else if (name === "reshape") {
      const x = e.inputs[0]!;
      if (x instanceof Var && !lazy.has(x)) node = b.load(srcId(x), contiguous(oshape), od);
      else {
        const l = nodeOf(x);
        const linear = topoOrder([l.node]).every((n) => n.op !== "index" && (n.op !== "load" || (n.map.offset === 0 && n.map.strides.join() === rowMajorStrides(l.shape).join())));
        if (linear) node = relinearize(b, l.node, oshape);
        else if (x instanceof Var) {
          materialize(x);
          node = b.load(srcId(x), contiguous(oshape), od);
        }
      }
    } else if (REDUCE[name]) {
      const x = e.inputs[0]!;
      const axes = e.params.axes as number[];
      const inShape = x.aval.shape;
      const kept = inShape.map((_, i) => i).filter((i) => !axes.includes(i));
      const order = [...kept, ...axes];
      const inner = viewed(x, { offset: inShape.map(() => 0), coef: inShape.map((_, d) => order.map((o) => (o === d ? 1 : 0))) });
      if (supported(inner)) {
        emitKernel(out, kept.map((i) => inShape[i]!), od, inner, { fn: REDUCE[name]!, sizes: axes.map((i) => inShape[i]!) });
        continue;
      }
    }
    if (node && supported(node)) {
      setLazy(out, { shape: oshape, dtype: od, node });
      continue;
    }
    // Left to the runtime: make its inputs real first.
    for (const a of e.inputs) if (a instanceof Var) materialize(a);
    steps.push({ kind: "eqn", eqn: e });
  }
  for (const a of jaxpr.outvars) if (a instanceof Var) materialize(a);
  return { steps, frees: computeFrees(jaxpr, steps) };
}

/** Replaces contiguous loads by contiguous loads over `shape` (valid when every load is the identity). */
function relinearize(b: KBuilder, node: KNode, shape: readonly number[]): KNode {
  const map = { offset: 0, strides: rowMajorStrides(shape) };
  const memo = new Map<number, KNode>();
  const go = (n: KNode): KNode => {
    let r = memo.get(n.id);
    if (r) return r;
    switch (n.op) {
      case "load": r = b.load(n.src, map, n.dtype); break;
      case "const": case "index": r = n; break;
      case "unary": r = b.unary(n.fn, go(n.a), n.dtype); break;
      case "binary": r = b.binary(n.fn, go(n.a), go(n.b), n.dtype); break;
      case "select": r = b.select(go(n.pred), go(n.onFalse), go(n.onTrue)); break;
      case "convert": r = b.convert(go(n.a), n.dtype); break;
      case "bitcast": r = b.bitcast(go(n.a), n.dtype); break;
    }
    memo.set(n.id, r);
    return r;
  };
  return go(node);
}

function computeFrees(jaxpr: Jaxpr, steps: readonly Step[]): Var[][] {
  const last = new Map<Var, number>();
  steps.forEach((s, i) => {
    const ins = s.kind === "kernel" ? s.sources : s.eqn.inputs.filter((a): a is Var => a instanceof Var);
    for (const v of ins) last.set(v, i);
  });
  const keep = new Set<Var>([...jaxpr.invars, ...jaxpr.constvars, ...jaxpr.outvars.filter((a): a is Var => a instanceof Var)]);
  const frees: Var[][] = steps.map(() => []);
  for (const [v, i] of last) if (!keep.has(v)) frees[i]!.push(v);
  // Values produced and never read are freed right after the step that made them.
  steps.forEach((s, i) => {
    const outs = s.kind === "kernel" ? [s.out] : s.eqn.outputs;
    for (const v of outs) if (!last.has(v) && !keep.has(v)) frees[i]!.push(v);
  });
  return frees;
}

/** Human-readable fusion plan (FLUXION_DEBUG=3). */
export function printPlan(plan: Plan): string {
  return plan.steps.map((s, i) => (s.kind === "kernel" ? `#${i} fused kernel -> ${s.out.aval} (${s.sources.length} inputs${s.kernel.reduce ? `, reduce_${s.kernel.reduce.fn}` : ""})` : `#${i} ${s.eqn.prim.name}`)).join("\n");
}

/** The primitives the planner fuses as unary / binary kernel functions, by primitive name. */
export { UNARY as UNARY_FNS, BINARY as BINARY_FNS };
