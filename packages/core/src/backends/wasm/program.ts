// Whole-program compilation for the wasm device: a jaxpr — loops, conds and nested calls included —
// becomes ONE wasm module whose `run()` calls the fused kernels (functions of the same module, one
// per distinct kernel) on fixed pointers into one static arena, so loops never return to JS.
import { ShapedArray } from "../../array/aval.js";
import { ConcreteArray, type NDArray } from "../../array/ndarray.js";
import { bytesPerElement, typedArrayFor } from "../../dtype.js";
import { debugLevel, debugLog } from "../../debug.js";
import { type Atom, Jaxpr, JaxprEqn, Literal, Var } from "../../ir/jaxpr.js";
import { bind } from "../../trace/core.js";
import { KBuilder, type Kernel, printKernel, topoOrder } from "../kernel/ir.js";
import { type FusionCaps, planJaxpr, printPlan } from "../kernel/plan.js";
import { layoutArena } from "./arena.js";
import { WasmBuffer, wasmHeap } from "./heap.js";
import { addKernelFunction, addKernelImports } from "./render.js";
import { type FloatDotKernel, denseDotKernel } from "./dot.js";
import { type CodeCtx, boxLevels, copyBytes, fillBytes, stridedCopy } from "./programCopy.js";
import { THREEFRY_FN, addThreefryFunction } from "./programThreefry.js";
import { type LanePlan, laneKernel, planLanes } from "./programLanes.js";
import { lanePattern, producer } from "../kernel/lanePattern.js";
import { lowerGather, lowerScatter } from "./programGather.js";

type B = typeof import("binaryen").default;
type Module = InstanceType<B["Module"]>;
type Ref = number;

/** What a compiled program needs from the runtime. */
export interface ProgramDeps {
  readonly bin: B;
  readonly caps: FusionCaps;
  /** The JS scalar functions kernels import (render.ts's IMPORTED, import module "m"). */
  readonly mathImports: Readonly<Record<string, (...a: number[]) => number>>;
  readonly stats: {
    programEqnFallbacks: number; kernelsCompiled: number; simdKernels: number; programCarriesInPlace: number; programSlicesInPlace: number;
    /** While-body executions counted per lane (a lockstep iteration of B lanes counts B). */
    programLaneIterations: number;
  };
}

/** A jaxpr compiled to one driver module over a static arena. */
export interface WasmProgram {
  run(args: readonly NDArray[]): NDArray[];
  readonly arenaBytes: number;
  /** Names of the equations run through the JS fallback import (slow path). */
  readonly fallbackEqns: readonly string[];
  /** Loop strategy for batched while loops (FLUXION_DEBUG=3). */
  readonly strategy: string;
  dispose(): void;
}

/** Thrown for jaxprs the compiler does not handle; the runtime then runs them host-driven. */
export class ProgramUnsupported extends Error {}

interface Slot {
  readonly id: number;
  readonly aval: ShapedArray;
  readonly bytes: number;
  def: number;
  last: number;
  /** Time of the latest read (use) of this slot, for the in-place carry rule. */
  lastRead?: number;
  /** Constant slots hold a literal, written once when the arena is set up. */
  readonly init?: number;
  /** Inputs of this slot's producing step that may share its bytes (read element i before writing i). */
  sameBytesOk?: Set<Slot>;
  /** A loop body value written straight into its carry slot (no copy back): lives at that slot's bytes. */
  alias?: Slot;
  /** A scan's x slice read in place: `base` + local `index` * bytes (no per-iteration copy). */
  readonly view?: { readonly base: Slot; readonly index: number };
}

type Emit = () => Ref;
/** Multiply-adds from which a program's dot_general calls dot.ts's packed GEMM (below: a fused reduce). */
const DOT_MIN_WORK = 32768;
/** The exported global counting while-body executions per lane (wasmStats.programLaneIterations). */
const ITERS = "lane_iterations";

/** binaryen optimisation of the whole module: 0 (none; V8 optimises anyway) unless FLUXION_WASM_OPT says. */
const OPT_LEVEL = Number((globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.FLUXION_WASM_OPT ?? 0);

const INLINED = new Set(["jit", "custom_jvp_call", "custom_vjp_call", "checkpoint"]);

/**
 * Replaces calls of nested jaxprs (jit, custom_jvp_call, custom_vjp_call, checkpoint) by their
 * equations. Inner variables get fresh Var objects per call site (one jaxpr may be called twice).
 */
export function inlineCalls(j: Jaxpr): Jaxpr {
  if (!j.eqns.some((e) => INLINED.has(e.prim.name))) return j;
  const sub = new Map<Var, Atom>();
  const rd = (a: Atom): Atom => (a instanceof Var ? sub.get(a) ?? a : a);
  const eqns: JaxprEqn[] = [];
  // Calls are inlined one after another, so re-binding an inner jaxpr's vars per call is safe.
  const walk = (es: readonly JaxprEqn[], fresh: boolean) => {
    for (const e of es) {
      if (INLINED.has(e.prim.name)) {
        const inner = e.params.jaxpr as Jaxpr;
        if (inner.constvars.length) throw new ProgramUnsupported(`${e.prim.name} body has constvars`);
        inner.invars.forEach((v, i) => sub.set(v, rd(e.inputs[i]!)));
        walk(inner.eqns, true);
        inner.outvars.forEach((o, i) => sub.set(e.outputs[i]!, rd(o)));
        continue;
      }
      const outs = fresh ? e.outputs.map((v) => { const n = new Var(v.aval); sub.set(v, n); return n; }) : e.outputs;
      eqns.push(new JaxprEqn(e.prim, e.inputs.map(rd), e.params, outs));
    }
  };
  walk(j.eqns, false);
  return new Jaxpr(j.constvars, j.invars, eqns, j.outvars.map(rd));
}

class Compiler implements CodeCtx {
  readonly m: Module;
  readonly bin: B;
  private readonly slots: Slot[] = [];
  private t = 0;
  private readonly loops: { start: number; touched: Set<Slot> }[] = [];
  private readonly consts = new Map<string, Slot>();
  private readonly kernelByObject = new Map<Kernel, string>();
  private readonly kernelByKey = new Map<string, string>();
  /** FLUXION_DEBUG=5: every kernel call also bumps its exported global `calls_<kernel>`. */
  private readonly countCalls = debugLevel() >= 5;
  readonly fallbacks: { eqn: JaxprEqn; ins: Slot[]; outs: Slot[] }[] = [];
  private readonly locals: number[] = [];
  private offsets = new Map<number, number>();
  base = 0;
  usesThreefry = false;
  strategy = "none";
  /** Avals of the program's outputs (the top-level jaxpr's outvars, weak types included). */
  outAvals: ShapedArray[] = [];

  /** When compilation started (for the FLUXION_DEBUG=3 timing line). */
  private readonly t0 = performance.now();
  /** Time spent rendering kernel functions (FLUXION_DEBUG=3). */
  private kernelMs = 0;

  constructor(readonly deps: ProgramDeps) {
    this.bin = deps.bin;
    const m = (this.m = new deps.bin.Module());
    const bin = this.bin;
    // binaryen >= 118 asserts BulkMemoryOpt whenever BulkMemory is on (memory.copy/fill).
    const bulkOpt = (bin.Features as unknown as Record<string, number>).BulkMemoryOpt ?? 0;
    m.setFeatures(bin.Features.SIMD128 | bin.Features.BulkMemory | bulkOpt | bin.Features.MutableGlobals | bin.Features.SignExt | bin.Features.NontrappingFPToInt);
    // The memory comes first: loads and stores built later name the module's memory at creation.
    m.setMemory(1, 65536, null, [], false, false, "0");
    m.addMemoryImport("0", "env", "memory");
    addKernelImports(bin, m);
    m.addGlobal(ITERS, bin.i32, true, m.i32.const(0));
    m.addGlobalExport(ITERS, ITERS);
  }
  newLocal(type: number): number {
    this.locals.push(type);
    return this.locals.length - 1;
  }
  get localTypes(): number[] {
    return this.locals;
  }

  // ---- slots and lifetimes
  newSlot(aval: ShapedArray): Slot {
    const s: Slot = { id: this.slots.length, aval, bytes: aval.size * bytesPerElement(aval.dtype), def: this.t, last: this.t };
    this.slots.push(s);
    return s;
  }
  constSlot(l: Literal): Slot {
    const key = `${l.aval.dtype}|${Object.is(l.value, -0) ? "-0" : l.value}`;
    let s = this.consts.get(key);
    if (!s) {
      s = { id: this.slots.length, aval: l.aval, bytes: bytesPerElement(l.aval.dtype), def: -1, last: Infinity, init: l.value };
      this.slots.push(s);
      this.consts.set(key, s);
    }
    return s;
  }
  use(s: Slot): void {
    if (s.view) this.use(s.view.base);
    if (s.alias) this.use(s.alias);
    s.lastRead = this.t;
    if (this.t > s.last) s.last = this.t;
    for (const l of this.loops) if (l.start > s.def) l.touched.add(s);
  }
  /** Runs `f` as a loop region: values from outside read inside stay live to the loop's end. */
  loop<T>(f: () => T): T {
    const l = { start: ++this.t, touched: new Set<Slot>() };
    this.loops.push(l);
    const r = f();
    this.loops.pop();
    this.t++;
    for (const s of l.touched) {
      s.last = Math.max(s.last, this.t);
      for (const outer of this.loops) if (outer.start > s.def) outer.touched.add(s);
    }
    return r;
  }
  addr(s: Slot): number {
    if (s.view) throw new Error("wasm program: a scan slice has no fixed address");
    return s.alias ? this.addr(s.alias) : this.base + this.offsets.get(s.id)!;
  }
  ptr(s: Slot): Ref {
    const m = this.m;
    if (s.view) return m.i32.add(this.ptr(s.view.base), m.i32.mul(m.local.get(s.view.index, this.bin.i32), m.i32.const(s.bytes)));
    return m.i32.const(this.addr(s));
  }
  /** `s` at a fixed address: a scan slice read in place is copied out first (for the JS fallback). */
  private fixed(s: Slot, ops: Emit[]): Slot {
    if (!s.view) return s;
    const c = this.newSlot(s.aval);
    ops.push(this.copySlot(c, s));
    return c;
  }
  /**
   * Body outputs written directly into their carry slots when that is safe: the output is computed
   * in this body after the last read of the carry's old value, and the old value is not itself an
   * output (a carry permutation). Returns the outputs to assign, aliased ones replaced by the carry.
   */
  private inPlace(carry: readonly Slot[], outs: readonly Slot[], bodyStart: number): Slot[] {
    const res = [...outs];
    outs.forEach((v, k) => {
      const c = carry[k]!;
      const once = outs.indexOf(v) === k && outs.lastIndexOf(v) === k;
      const fresh = v.def > bodyStart && v.init === undefined && !v.alias && !v.view && !carry.includes(v);
      if (!once || !fresh || outs.includes(c) || v.bytes !== c.bytes) return;
      const lastRead = c.lastRead ?? -1;
      if (lastRead > v.def || (lastRead === v.def && !v.sameBytesOk?.has(c))) return;
      v.alias = c;
      res[k] = c;
      this.deps.stats.programCarriesInPlace++;
    });
    return res;
  }
  /** A slot that reads `base`'s `index`-th slice of its own size in place. */
  private viewSlot(aval: ShapedArray, base: Slot, index: number): Slot {
    const s: Slot = { id: this.slots.length, aval, bytes: aval.size * bytesPerElement(aval.dtype), def: this.t, last: this.t, view: { base, index } };
    this.slots.push(s);
    return s;
  }
  copySlot(dst: Slot, src: Slot): Emit {
    if (dst === src) return () => this.m.nop();
    return () => copyBytes(this, () => this.ptr(dst), () => this.ptr(src), dst.bytes);
  }

  // ---- lowering
  /** Lowers a region whose invars are bound to `inputs`; returns its ops and output slots. */
  region(jaxpr: Jaxpr, inputs: readonly Slot[]): { ops: Emit[]; outs: Slot[] } {
    if (jaxpr.constvars.length) throw new ProgramUnsupported("a jaxpr with constvars");
    const j = inlineCalls(jaxpr);
    const env = new Map<Var, Slot>();
    j.invars.forEach((v, i) => env.set(v, inputs[i]!));
    const slotOf = (a: Atom): Slot => {
      if (a instanceof Literal) return this.constSlot(a);
      const s = env.get(a);
      if (!s) throw new ProgramUnsupported("a variable read before it is defined");
      return s;
    };
    const plan = planJaxpr(j, this.deps.caps);
    debugLog(3, () => `wasm fusion plan: (program region)\n${printPlan(plan)}`);
    const ops: Emit[] = [];
    for (const step of plan.steps) {
      this.t++;
      if (step.kind === "kernel") {
        const srcs = step.sources.map((v) => slotOf(v));
        srcs.forEach((s) => this.use(s));
        const out = this.newSlot(step.out.aval);
        out.sameBytesOk = elementwiseSources(step.kernel, srcs);
        env.set(step.out, out);
        const name = this.kernelFunction(step.kernel);
        ops.push(() => this.callKernel(name, [out, ...srcs]));
      } else {
        const e = step.eqn;
        const ins = e.inputs.map(slotOf);
        const outs = this.eqn(e, ins, ops);
        e.outputs.forEach((v, k) => env.set(v, outs[k]!));
      }
    }
    this.t++;
    const outs = j.outvars.map(slotOf);
    outs.forEach((s) => this.use(s));
    return { ops, outs };
  }

  /** The module function computing kernel `k`, added on first use; structurally equal kernels share one. */
  private kernelFunction(k: Kernel): string {
    let name = this.kernelByObject.get(k);
    if (name) return name;
    const key = `${printKernel(k)}|${k.shape.join(",")}`;
    name = this.kernelByKey.get(key);
    if (!name) {
      name = `k${this.kernelByKey.size}`;
      const tk = performance.now();
      const r = addKernelFunction(this.bin, this.m, k, name);
      this.kernelMs += performance.now() - tk;
      this.kernelByKey.set(key, name);
      if (this.countCalls) {
        this.m.addGlobal(`calls_${name}`, this.bin.i32, true, this.m.i32.const(0));
        this.m.addGlobalExport(`calls_${name}`, `calls_${name}`);
      }
      this.deps.stats.kernelsCompiled++;
      if (r.simd) this.deps.stats.simdKernels++;
      debugLog(3, () => `wasm program kernel ${name} (${r.simd ? "simd" : "scalar"}):\n${key}`);
    }
    this.kernelByObject.set(k, name);
    return name;
  }
  private callKernel(name: string, slots: readonly Slot[]): Ref {
    return this.callKernelAt(name, slots.map((s) => this.ptr(s)));
  }
  private callKernelAt(name: string, args: Ref[]): Ref {
    const m = this.m;
    const call = m.call(name, args, this.bin.none);
    if (!this.countCalls) return call;
    const g = `calls_${name}`;
    return m.block(null, [m.global.set(g, m.i32.add(m.global.get(g, this.bin.i32), m.i32.const(1))), call]);
  }

  /** Lowers one equation the fusion planner left to the runtime; returns its output slots. */
  private eqn(e: JaxprEqn, ins: Slot[], ops: Emit[]): Slot[] {
    switch (e.prim.name) {
      case "while": return this.whileLoop(e, ins, ops);
      case "scan": return this.scan(e, ins, ops);
      case "cond": return this.cond(e, ins, ops);
    }
    ins.forEach((s) => this.use(s));
    const native = this.native(e, ins);
    if (native) {
      ops.push(native.emit);
      return native.outs;
    }
    const fixedIns = ins.map((s) => this.fixed(s, ops));
    const outs = e.outputs.map((v) => this.newSlot(v.aval));
    const id = this.fallbacks.length;
    this.fallbacks.push({ eqn: e, ins: fixedIns, outs });
    ops.push(() => this.m.call("eqn", [this.m.i32.const(id)], this.bin.none));
    return outs;
  }

  /** Writes `values` into `targets` as one parallel assignment (values may be other targets). */
  private assign(targets: readonly Slot[], values: readonly Slot[]): Emit[] {
    values.forEach((v) => this.use(v));
    targets.forEach((s) => this.use(s));
    const staged = values.map((v, k) => {
      if (v === targets[k] || !targets.includes(v)) return v;
      const tmp = this.newSlot(v.aval);
      return tmp;
    });
    const ops: Emit[] = [];
    staged.forEach((s, k) => { if (s !== values[k]) ops.push(this.copySlot(s, values[k]!)); });
    staged.forEach((s, k) => ops.push(this.copySlot(targets[k]!, s)));
    return ops;
  }

  private whileLoop(e: JaxprEqn, ins: Slot[], ops: Emit[]): Slot[] {
    const { condJaxpr, bodyJaxpr, condNConsts: nc, bodyNConsts: nb } = e.params as { condJaxpr: Jaxpr; bodyJaxpr: Jaxpr; condNConsts: number; bodyNConsts: number };
    const init = ins.slice(nc + nb);
    const carry = init.map((s) => this.newSlot(s.aval));
    ops.push(...this.assign(carry, init));
    const pattern = lanePattern(e, ins.map((s) => `slot:${s.id}`));
    if (pattern) {
      const perLane = this.perLaneWhile(e, ins, carry, pattern.lanes);
      if (typeof perLane !== "string") {
        ops.push(perLane);
        this.noteStrategy(`per lane (vmapped while: each of ${pattern.lanes} lanes runs to its own trip count)`);
        return carry;
      }
      // vmap of a while reduces the per-lane predicates with reduce_or: all lanes loop in lockstep.
      this.noteStrategy(`lockstep (batched predicate: one wasm loop for all lanes, finished lanes frozen by select; not per lane: ${perLane})`);
    } else if (this.strategy === "none") this.strategy = "wasm loops";
    const laneCount = pattern?.lanes ?? 1;
    const { condOps, pred, bodyOps, back } = this.loop(() => {
      const c = this.region(condJaxpr, [...ins.slice(0, nc), ...carry]);
      const bodyStart = this.t;
      for (const s of carry) s.lastRead = -1;
      const b = this.region(bodyJaxpr, [...ins.slice(nc, nc + nb), ...carry]);
      this.t++;
      return { condOps: c.ops, pred: c.outs[0]!, bodyOps: b.ops, back: this.assign(carry, this.inPlace(carry, b.outs, bodyStart)) };
    });
    const label = `w${this.t}`;
    ops.push(() => {
      const m = this.m;
      return m.block(`${label}x`, [m.loop(label, m.block(null, [
        ...condOps.map((f) => f()),
        m.br(`${label}x`, m.i32.eqz(m.i32.load8_u(0, 1, this.ptr(pred)))),
        this.countIteration(laneCount),
        ...bodyOps.map((f) => f()),
        ...back.map((f) => f()),
        m.br(label),
      ]))]);
    });
    return carry;
  }

  private noteStrategy(s: string): void {
    this.strategy = this.strategy === "none" || this.strategy === "wasm loops" || this.strategy === s ? s : `${this.strategy}; ${s}`;
  }
  /** Adds `lanes` to the exported lane-iteration counter (one add per while-body execution). */
  private countIteration(lanes: number): Ref {
    const m = this.m;
    return m.global.set(ITERS, m.i32.add(m.global.get(ITERS, this.bin.i32), m.i32.const(lanes)));
  }

  /**
   * vmap's per-lane while (kernel/lanePattern.ts) run lane by lane: for l in 0..B-1, while P[l],
   * the body's kernels compute row l only, then row l of each carry is written back. Returns the
   * reason as a string when the loop is not lane-local (then it runs in lockstep).
   */
  private perLaneWhile(e: JaxprEqn, ins: Slot[], carry: Slot[], lanes: number): Emit | string {
    const { condJaxpr, bodyJaxpr, condNConsts: nc, bodyNConsts: nb } = e.params as { condJaxpr: Jaxpr; bodyJaxpr: Jaxpr; condNConsts: number; bodyNConsts: number };
    const reduceOr = producer(condJaxpr, condJaxpr.outvars[0]!)!;
    const pred = reduceOr.inputs[0] as Var;
    // The cond without its reduce_or: its output is the per-lane predicate P (bool[B]).
    const predJaxpr = inlineCalls(new Jaxpr(condJaxpr.constvars, condJaxpr.invars, condJaxpr.eqns.filter((q) => q !== reduceOr), [pred]));
    const condPlan = planLanes(predJaxpr, nc, lanes, this.deps.caps);
    if (typeof condPlan === "string") return condPlan;
    const bodyPlan = planLanes(inlineCalls(bodyJaxpr), nb, lanes, this.deps.caps);
    if (typeof bodyPlan === "string") return bodyPlan;
    if (bodyPlan.jaxpr.outvars.some((o) => bodyPlan.jaxpr.outvars.indexOf(o) !== bodyPlan.jaxpr.outvars.lastIndexOf(o))) return "a body output used for two carries";
    const lane = this.newLocal(this.bin.i32);
    const { condOps, p, bodyOps, outs } = this.loop(() => {
      const c = this.laneRegion(condPlan, [...ins.slice(0, nc), ...carry], lane);
      const b = this.laneRegion(bodyPlan, [...ins.slice(nc, nc + nb), ...carry], lane);
      this.t++;
      carry.forEach((s) => this.use(s));
      b.outs.forEach((s) => this.use(s));
      return { condOps: c.ops, p: c.outs[0]!, bodyOps: b.ops, outs: b.outs };
    });
    const label = `lane${this.t}`;
    return () => {
      const m = this.m;
      const i32 = this.bin.i32;
      const l = () => m.local.get(lane, i32);
      const row = (s: Slot) => m.i32.add(this.ptr(s), m.i32.mul(l(), m.i32.const(s.bytes / lanes)));
      // Each carry's new row comes from a slot computed in the body (planLanes checked): no overlap.
      const back = outs.map((o, k) => copyBytes(this, () => row(carry[k]!), () => row(o), o.bytes / lanes));
      return m.block(null, [
        m.local.set(lane, m.i32.const(0)),
        m.loop(label, m.block(null, [
          m.block(`${label}w`, [m.loop(`${label}i`, m.block(null, [
            ...condOps.map((f) => f()),
            m.br(`${label}w`, m.i32.eqz(m.i32.load8_u(0, 1, m.i32.add(this.ptr(p), l())))),
            this.countIteration(1),
            ...bodyOps.map((f) => f()),
            ...back,
            m.br(`${label}i`),
          ]))]),
          m.local.set(lane, m.i32.add(l(), m.i32.const(1))),
          m.br(label, m.i32.lt_s(l(), m.i32.const(lanes))),
        ])),
      ]);
    };
  }

  /** Lowers a lane plan: sliced kernels get their pointers advanced to lane `lane`'s row. */
  private laneRegion(lp: LanePlan, inputs: readonly Slot[], lane: number): { ops: Emit[]; outs: Slot[] } {
    const env = new Map<Var, Slot>();
    lp.jaxpr.invars.forEach((v, i) => env.set(v, inputs[i]!));
    const slotOf = (a: Atom): Slot => (a instanceof Literal ? this.constSlot(a) : env.get(a)!);
    const ops: Emit[] = [];
    lp.plan.steps.forEach((step, i) => {
      if (step.kind !== "kernel") throw new Error("wasm program: a lane plan holds only kernels");
      this.t++;
      const srcs = step.sources.map((v) => slotOf(v));
      srcs.forEach((s) => this.use(s));
      const out = this.newSlot(step.out.aval);
      env.set(step.out, out);
      const ls = lp.steps[i]!;
      if (!ls.sliced) {
        const name = this.kernelFunction(step.kernel);
        ops.push(() => this.callKernel(name, [out, ...srcs]));
        return;
      }
      const name = this.kernelFunction(this.laneKernelOf(step.kernel));
      const lanes = step.kernel.shape[0]!;
      ops.push(() => {
        const m = this.m;
        const at = (s: Slot, elems: number) => (elems === 0 ? this.ptr(s) : m.i32.add(this.ptr(s), m.i32.mul(m.local.get(lane, this.bin.i32), m.i32.const(elems * bytesPerElement(s.aval.dtype)))));
        return this.callKernelAt(name, [at(out, out.aval.size / lanes), ...srcs.map((s, k) => at(s, ls.laneStride[k]!))]);
      });
    });
    this.t++;
    const outs = lp.jaxpr.outvars.map(slotOf);
    outs.forEach((s) => this.use(s));
    return { ops, outs };
  }
  private readonly laneKernels = new Map<Kernel, Kernel>();
  private laneKernelOf(k: Kernel): Kernel {
    let lk = this.laneKernels.get(k);
    if (!lk) this.laneKernels.set(k, (lk = laneKernel(k)));
    return lk;
  }

  private scan(e: JaxprEqn, ins: Slot[], ops: Emit[]): Slot[] {
    const { jaxpr, numConsts: nc, numCarry: ncar, length, reverse } = e.params as { jaxpr: Jaxpr; numConsts: number; numCarry: number; length: number; reverse: boolean };
    const init = ins.slice(nc, nc + ncar);
    const xs = ins.slice(nc + ncar);
    const carry = init.map((s) => this.newSlot(s.aval));
    ops.push(...this.assign(carry, init));
    const ys = e.outputs.slice(ncar).map((v) => this.newSlot(v.aval));
    if (length === 0) return [...carry, ...ys];
    const idx = this.newLocal(this.bin.i32);
    const it = this.newLocal(this.bin.i32);
    const { bodyOps, back, yOuts } = this.loop(() => {
      xs.forEach((s) => this.use(s));
      ys.forEach((s) => this.use(s));
      this.t++;
      // Each x slice is read in place at xs + idx * slice bytes (xs never change inside the loop).
      const slices = xs.map((s, k) => this.viewSlot(jaxpr.invars[nc + ncar + k]!.aval, s, idx));
      this.deps.stats.programSlicesInPlace += slices.length;
      const bodyStart = this.t;
      for (const s of carry) s.lastRead = -1;
      const b = this.region(jaxpr, [...ins.slice(0, nc), ...carry, ...slices]);
      this.t++;
      const yOuts = b.outs.slice(ncar);
      yOuts.forEach((s) => this.use(s));
      ys.forEach((s) => this.use(s));
      // A y read after the carry write-back must not be a carry slot written in place.
      const carryOuts = this.inPlace(carry, b.outs.slice(0, ncar), bodyStart);
      return { bodyOps: b.ops, back: this.assign(carry, carryOuts), yOuts };
    });
    const label = `s${this.t}`;
    ops.push(() => {
      const m = this.m;
      const i32 = this.bin.i32;
      const yOps = yOuts.map((y, k) => copyBytes(this, () => m.i32.add(this.ptr(ys[k]!), m.i32.mul(m.local.get(idx, i32), m.i32.const(y.bytes))), () => this.ptr(y), y.bytes));
      return m.block(null, [
        m.local.set(it, m.i32.const(0)),
        m.loop(label, m.block(null, [
          m.local.set(idx, reverse ? m.i32.sub(m.i32.const(length - 1), m.local.get(it, i32)) : m.local.get(it, i32)),
          ...bodyOps.map((f) => f()),
          // ys before the carry write-back: a y may be a carry input, which the write-back overwrites.
          ...yOps,
          ...back.map((f) => f()),
          m.local.set(it, m.i32.add(m.local.get(it, i32), m.i32.const(1))),
          m.br(label, m.i32.lt_s(m.local.get(it, i32), m.i32.const(length))),
        ])),
      ]);
    });
    return [...carry, ...ys];
  }

  private cond(e: JaxprEqn, ins: Slot[], ops: Emit[]): Slot[] {
    const branches = e.params.branches as readonly Jaxpr[];
    const [index, ...operands] = ins;
    this.use(index!);
    const outs = e.outputs.map((v) => this.newSlot(v.aval));
    const lowered = branches.map((br) => {
      this.t++;
      const r = this.region(br, operands);
      this.t++;
      return [...r.ops, ...this.assign(outs, r.outs)];
    });
    ops.push(() => {
      const m = this.m;
      const i32 = this.bin.i32;
      const k = this.newLocal(i32);
      const n = branches.length;
      // Clamp like lax.switch: below 0 -> branch 0, past the end -> the last branch.
      const clamped = [
        m.local.set(k, m.i32.load(0, 4, this.ptr(index!))),
        m.local.set(k, m.select(m.i32.lt_s(m.local.get(k, i32), m.i32.const(0)), m.i32.const(0), m.local.get(k, i32))),
        m.local.set(k, m.select(m.i32.gt_s(m.local.get(k, i32), m.i32.const(n - 1)), m.i32.const(n - 1), m.local.get(k, i32))),
      ];
      let chain: Ref = m.block(null, lowered[n - 1]!.map((f) => f()));
      for (let b = n - 2; b >= 0; b--) chain = m.if(m.i32.eq(m.local.get(k, i32), m.i32.const(b)), m.block(null, lowered[b]!.map((f) => f())), chain);
      return m.block(null, [...clamped, chain]);
    });
    return outs;
  }

  /** Equations lowered to wasm code in the driver (no JS); null for the JS fallback. */
  private native(e: JaxprEqn, ins: Slot[]): { emit: Emit; outs: Slot[] } | null {
    const m = this.m;
    const i32 = this.bin.i32;
    const name = e.prim.name;
    const outAval = e.outputs[0]!.aval;
    if (name === "threefry2x32") {
      const outs = e.outputs.map((v) => this.newSlot(v.aval));
      this.usesThreefry = true;
      return { outs, emit: () => m.call(THREEFRY_FN, [...outs, ...ins].map((s) => this.ptr(s)).concat([m.i32.const(outAval.size)]), this.bin.none) };
    }
    if (name === "dot_general") return this.dot(e, ins);
    if (name === "gather") return lowerGather(this, e, ins);
    if (name === "scatter") return lowerScatter(this, e, ins);
    if (name === "concatenate") {
      const out = this.newSlot(outAval);
      const axis = e.params.dimension as number;
      const eb = bytesPerElement(outAval.dtype);
      const axisStride = outAval.shape.slice(axis + 1).reduce((p, d) => p * d, 1) * eb;
      let at = 0;
      const parts = ins.map((s) => {
        const off = at * axisStride;
        at += s.aval.shape[axis]!;
        const { levels, runBytes } = boxLevels(outAval.shape, s.aval.shape, eb, true);
        return () => stridedCopy(this, () => m.i32.const(this.addr(out) + off), () => this.ptr(s), levels, runBytes);
      });
      return { outs: [out], emit: () => m.block(null, parts.map((f) => f())) };
    }
    if (name === "pad") {
      const [x, value] = ins;
      const { lo, hi, interior } = e.params as { lo: number[]; hi: number[]; interior: number[] };
      if (lo.some((v) => v < 0) || hi.some((v) => v < 0)) return null;
      const out = this.newSlot(outAval);
      const eb = bytesPerElement(outAval.dtype);
      const os = outAval.shape.map((_, d) => outAval.shape.slice(d + 1).reduce((p, n) => p * n, 1) * eb);
      const xs = x!.aval.shape.map((_, d) => x!.aval.shape.slice(d + 1).reduce((p, n) => p * n, 1) * eb);
      const r = x!.aval.shape.length;
      const offset = lo.reduce((acc, l, d) => acc + l * os[d]!, 0);
      // Every input element lands at lo + i * (interior + 1) along each axis.
      const levels = x!.aval.shape.map((n, d) => ({ count: n, dstStride: os[d]! * (interior[d]! + 1), srcStride: xs[d]! }));
      const contiguousLast = r > 0 && interior[r - 1] === 0;
      const runBytes = contiguousLast ? x!.aval.shape[r - 1]! * eb : eb;
      const lv = contiguousLast ? levels.slice(0, r - 1) : levels;
      return {
        outs: [out],
        emit: () => m.block(null, [
          fillBytes(this, this.addr(out), out.bytes, () => this.ptr(value!), eb),
          stridedCopy(this, () => m.i32.const(this.addr(out) + offset), () => this.ptr(x!), lv, runBytes),
        ]),
      };
    }
    if (name === "dynamic_slice" || name === "dynamic_update_slice") {
      const upd = name === "dynamic_update_slice";
      const [operand, ...rest] = ins;
      const update = upd ? rest[0]! : null;
      const starts = upd ? rest.slice(1) : rest;
      if (starts.some((s) => s.aval.dtype !== "int32" && s.aval.dtype !== "uint32")) return null;
      const shape = operand!.aval.shape;
      const box = upd ? update!.aval.shape : (e.params.sliceSizes as number[]);
      const eb = bytesPerElement(operand!.aval.dtype);
      const out = this.newSlot(outAval);
      const { levels, runBytes } = boxLevels(shape, box, eb, upd);
      if (upd) out.sameBytesOk = new Set([operand!]);
      return {
        outs: [out],
        emit: () => {
          const base = this.newLocal(i32);
          const tmp = this.newLocal(i32);
          const g = (l: number) => m.local.get(l, i32);
          let stride = eb;
          const strides = shape.map(() => 0);
          for (let d = shape.length - 1; d >= 0; d--) { strides[d] = stride; stride *= shape[d]!; }
          // Starts are clamped into [0, size - box] per axis, as XLA's DynamicSlice does.
          const code: Ref[] = [m.local.set(base, m.i32.const(0))];
          starts.forEach((s, d) => {
            const hi = shape[d]! - box[d]!;
            const load = m.i32.load(0, 4, this.ptr(s));
            code.push(m.local.set(tmp, s.aval.dtype === "uint32" ? m.select(m.i32.gt_u(load, m.i32.const(hi)), m.i32.const(hi), m.i32.load(0, 4, this.ptr(s))) : load));
            code.push(m.local.set(tmp, m.select(m.i32.lt_s(g(tmp), m.i32.const(0)), m.i32.const(0), g(tmp))));
            code.push(m.local.set(tmp, m.select(m.i32.gt_s(g(tmp), m.i32.const(hi)), m.i32.const(hi), g(tmp))));
            code.push(m.local.set(base, m.i32.add(g(base), m.i32.mul(g(tmp), m.i32.const(strides[d]!)))));
          });
          if (upd) {
            // Updated in place (out aliased to the operand's carry slot): only the box is written.
            if (operand!.view || this.addr(out) !== this.addr(operand!)) code.push(copyBytes(this, () => this.ptr(out), () => this.ptr(operand!), out.bytes));
            code.push(stridedCopy(this, () => m.i32.add(this.ptr(out), g(base)), () => this.ptr(update!), levels, runBytes));
          } else code.push(stridedCopy(this, () => this.ptr(out), () => m.i32.add(this.ptr(operand!), g(base)), levels, runBytes));
          return m.block(null, code);
        },
      };
    }
    return null;
  }

  /**
   * dot_general: dot.ts's packed GEMM / matvec kernel (imported, called with a scratch slot) from
   * DOT_MIN_WORK multiply-adds on, else a fused multiply + sum-reduce kernel over
   * [batch, lhs free, rhs free | contracting] (no packing overhead for the small products loops do).
   */
  private dot(e: JaxprEqn, ins: Slot[]): { emit: Emit; outs: Slot[] } | null {
    const [l, r] = ins;
    const d = l!.aval.dtype;
    const outAval = e.outputs[0]!.aval;
    if (d !== r!.aval.dtype || d !== outAval.dtype || !(d === "float32" || d === "float64" || d === "int32")) return null;
    const [[lc, rc], [lb, rb]] = [e.params.contracting as [number[], number[]], e.params.batch as [number[], number[]]];
    const work = outAval.size * lc.reduce((p, a) => p * l!.aval.shape[a]!, 1);
    const gemm = work >= DOT_MIN_WORK ? denseDotKernel(l!.aval, r!.aval, [lc, rc], [lb, rb]) : null;
    if (gemm) {
      const out = this.newSlot(outAval);
      const scratch = this.rawSlot(Math.max(gemm.scratchBytes, 16));
      const name = this.dotImport(gemm);
      const [first, second] = gemm.swapped ? [r!, l!] : [l!, r!];
      const m = this.m;
      return { outs: [out], emit: () => m.call(name, [this.ptr(out), this.ptr(first), this.ptr(second), this.ptr(scratch), m.i32.const(0), m.i32.const(gemm.rows)], this.bin.none) };
    }
    const free = (n: number, ...drop: number[][]) => [...Array(n).keys()].filter((i) => !drop.some((x) => x.includes(i)));
    const lf = free(l!.aval.shape.length, lc, lb);
    const rf = free(r!.aval.shape.length, rc, rb);
    const strides = (shape: readonly number[]) => {
      const s = shape.map(() => 0);
      let acc = 1;
      for (let k = shape.length - 1; k >= 0; k--) { s[k] = acc; acc *= shape[k]!; }
      return s;
    };
    const ls = strides(l!.aval.shape);
    const rs = strides(r!.aval.shape);
    // Iteration space: batch dims, lhs free, rhs free, then the contracting dims (reduced).
    const lmap = [...lb.map((a) => ls[a]!), ...lf.map((a) => ls[a]!), ...rf.map(() => 0), ...lc.map((a) => ls[a]!)];
    const rmap = [...rb.map((a) => rs[a]!), ...lf.map(() => 0), ...rf.map((a) => rs[a]!), ...rc.map((a) => rs[a]!)];
    const b = new KBuilder();
    const root = b.binary("mul", b.load(0, { offset: 0, strides: lmap }, d), b.load(1, { offset: 0, strides: rmap }, d), d);
    const sizes = lc.map((a) => l!.aval.shape[a]!);
    const kernel: Kernel = { shape: [...outAval.shape], dtype: d, root, sources: [d, d], ...(sizes.length ? { reduce: { fn: "sum", sizes } } : {}) };
    const out = this.newSlot(outAval);
    const name = this.kernelFunction(kernel);
    return { outs: [out], emit: () => this.callKernel(name, [out, l!, r!]) };
  }

  /** dot.ts kernels the module imports (module "d"), one import per distinct kernel. */
  readonly dotImports: Record<string, FloatDotKernel["fn"]> = {};
  private readonly dotNames = new Map<FloatDotKernel, string>();
  private dotImport(g: FloatDotKernel): string {
    let name = this.dotNames.get(g);
    if (!name) {
      name = `dot${this.dotNames.size}`;
      this.dotNames.set(g, name);
      this.dotImports[name] = g.fn;
      const i32 = this.bin.i32;
      this.m.addFunctionImport(name, "d", name, this.bin.createType([i32, i32, i32, i32, i32, i32]), this.bin.none);
    }
    return name;
  }
  /** Bytes live only during the current step (a kernel's scratch), as a bool (1-byte) slot. */
  private rawSlot(bytes: number): Slot {
    return this.newSlot(new ShapedArray([bytes], "bool"));
  }

  // ---- assembling
  finish(body: Emit[], inSlots: Slot[], outSlots: Slot[]): WasmProgram {
    const deps = this.deps;
    const layout = layoutArena(this.slots.map((s) => ({ id: s.id, bytes: s.bytes, def: s.def, last: s.last })));
    this.offsets = layout.offsets;
    const heap = wasmHeap();
    this.base = heap.alloc(layout.bytes);
    const arena = { ptr: this.base, bytes: layout.bytes, freed: false };
    const m = this.m;
    const bin = this.bin;
    try {
      m.addFunctionImport("eqn", "m", "eqn", bin.i32, bin.none);
      if (this.usesThreefry) addThreefryFunction(m, bin);
      const tEmit = performance.now();
      const code = body.map((f) => f());
      m.addFunction("run", bin.none, bin.none, this.localTypes, m.block(null, code));
      m.addFunctionExport("run", "run");
      // binaryen's validator costs as much as emitting; V8 validates anyway (a CompileError below).
      if (debugLevel() >= 3 && !m.validate()) throw new ProgramUnsupported("the driver module did not validate");
      // The optimize level is binaryen-global (render.ts sets it too) and at >= 2 emitBinary also
      // optimises Stack IR, which cost ~100 ms on the iris NUTS module: set it every time.
      bin.setOptimizeLevel(OPT_LEVEL);
      bin.setShrinkLevel(0);
      if (OPT_LEVEL > 0) m.optimize();
      // FLUXION_DEBUG=4 keeps function names in the binary (profiles then name the kernels).
      bin.setDebugInfo(debugLevel() >= 4);
      const tBin = performance.now();
      const bytes = m.emitBinary();
      const tV8 = performance.now();
      debugLog(4, () => `wasm program driver:\n${m.emitText()}`);
      for (const s of this.slots) {
        if (s.init !== undefined) {
          const v = typedArrayFor(s.aval.dtype, 1);
          v[0] = s.init;
          heap.view(s.aval.dtype, this.addr(s), 1).set(v);
        }
      }
      const fallbacks = this.fallbacks.map((f) => ({ ...f, inPtrs: f.ins.map((s) => this.addr(s)), outPtrs: f.outs.map((s) => this.addr(s)) }));
      const runEqn = (id: number) => {
        const f = fallbacks[id]!;
        deps.stats.programEqnFallbacks++;
        const ins = f.ins.map((s, k) => ConcreteArray.fromData(heap.view(s.aval.dtype, f.inPtrs[k]!, s.aval.size).slice(), s.aval.shape, s.aval.dtype, s.aval.weakType));
        const outs = bind(f.eqn.prim, ins, f.eqn.params) as ConcreteArray[];
        outs.forEach((o, k) => {
          heap.view(f.outs[k]!.aval.dtype, f.outPtrs[k]!, f.outs[k]!.aval.size).set(o.rawData);
          o.dispose();
        });
        ins.forEach((x) => x.dispose());
      };
      let mod: WebAssembly.Module;
      try {
        mod = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
      } catch (err) {
        throw new ProgramUnsupported(`the program module did not compile (${err instanceof Error ? err.message : String(err)}); FLUXION_DEBUG=3 runs binaryen's validator`);
      }
      const inst = new WebAssembly.Instance(mod, { env: { memory: heap.memory }, m: { ...deps.mathImports, eqn: runEqn }, d: this.dotImports });
      const tEnd = performance.now();
      debugLog(3, () => `wasm program module: ${this.kernelByKey.size} kernel functions, ${bytes.length} bytes; lowering ${(tEmit - this.t0).toFixed(1)} ms (kernel functions ${this.kernelMs.toFixed(1)} ms), driver code ${(tBin - tEmit).toFixed(1)} ms, emit binary ${(tV8 - tBin).toFixed(1)} ms (opt level ${OPT_LEVEL}), V8 compile ${(tEnd - tV8).toFixed(1)} ms`);
      const run = inst.exports.run as () => void;
      const iterations = inst.exports[ITERS] as WebAssembly.Global;
      const calls = Object.entries(inst.exports).filter(([n]) => n.startsWith("calls_")).map(([n, g]) => [n.slice(6), g as WebAssembly.Global] as const);
      const nKernels = this.kernelByKey.size;
      const inPtrs = inSlots.map((s) => this.addr(s));
      const outInfo = outSlots.map((s) => ({ ptr: this.addr(s), bytes: s.bytes }));
      let running = false;
      const outAvals = this.outAvals;
      const program: WasmProgram = {
        arenaBytes: layout.bytes,
        fallbackEqns: this.fallbacks.map((f) => f.eqn.prim.name),
        strategy: this.strategy,
        run: (args) => {
          if (arena.freed) throw new Error("wasm program: run after dispose");
          if (running) throw new ProgramUnsupported("re-entrant call");
          running = true;
          try {
            inSlots.forEach((s, i) => {
              const a = args[i] as ConcreteArray;
              heap.view(s.aval.dtype, inPtrs[i]!, s.aval.size).set(a.rawData);
            });
            run();
            deps.stats.programLaneIterations += iterations.value as number;
            iterations.value = 0;
          } finally {
            running = false;
          }
          if (calls.length) {
            const counted = calls.map(([n, g]) => ({ n, c: g.value as number })).sort((a, b) => b.c - a.c);
            debugLog(5, () => `wasm program run: ${counted.reduce((a, b) => a + b.c, 0)} kernel calls over ${nKernels} kernels; most called: ${counted.slice(0, 8).map((x) => `${x.n} ${x.c}`).join(", ")}`);
            for (const [, g] of calls) g.value = 0;
          }
          // Allocate every output first: an allocation may grow the memory, which detaches
          // (non-shared) or replaces the old buffer, so the byte view is taken afterwards.
          const bufs = outInfo.map((_, i) => WasmBuffer.allocate(heap, outAvals[i]!.dtype, outAvals[i]!.size));
          const u8 = new Uint8Array(heap.memory.buffer);
          return outInfo.map((o, i) => {
            u8.copyWithin(bufs[i]!.ptr, o.ptr, o.ptr + o.bytes);
            return new ConcreteArray(outAvals[i]!, bufs[i]!, false).adopt();
          });
        },
        dispose: () => {
          if (!arena.freed) {
            arena.freed = true;
            heap.free(arena.ptr, arena.bytes);
          }
        },
      };
      arenaRegistry.register(program, arena);
      return program;
    } catch (err) {
      heap.free(arena.ptr, arena.bytes);
      throw err;
    } finally {
      m.dispose();
    }
  }
}

/**
 * The sources a kernel reads only at the element it writes (no reduction; identity map over the
 * output's contiguous layout): the output may overwrite them in place.
 */
function elementwiseSources(k: Kernel, srcs: readonly Slot[]): Set<Slot> {
  const ok = new Set<Slot>();
  if (k.reduce) return ok;
  const contiguous: number[] = [];
  let acc = 1;
  for (let d = k.shape.length - 1; d >= 0; d--) { contiguous[d] = acc; acc *= k.shape[d]!; }
  const identity = new Map<number, boolean>();
  for (const n of topoOrder([k.root])) {
    if (n.op !== "load") continue;
    const same = bytesPerElement(n.dtype) === bytesPerElement(k.dtype) && n.map.offset === 0 && k.shape.every((size, d) => size === 1 || n.map.strides[d] === contiguous[d]);
    identity.set(n.src, (identity.get(n.src) ?? true) && same);
  }
  srcs.forEach((s, i) => {
    // A slot passed as two sources counts only if every read of it is elementwise.
    if (srcs.every((t, j) => t !== s || identity.get(j) !== false)) ok.add(s);
  });
  return ok;
}

/** Frees an arena when its program is garbage-collected (dropped from the per-jaxpr cache). */
const arenaRegistry = new FinalizationRegistry<{ ptr: number; bytes: number; freed: boolean }>((a) => {
  if (!a.freed) {
    a.freed = true;
    wasmHeap().free(a.ptr, a.bytes);
  }
});

/** Compiles `jaxpr` into a driver module over a static arena; throws ProgramUnsupported when it cannot. */
export function compileProgram(jaxpr: Jaxpr, deps: ProgramDeps): WasmProgram {
  const c = new Compiler(deps);
  // Inputs are written before run() and outputs read after it: both live for the whole program.
  const inSlots = jaxpr.invars.map((v) => c.newSlot(v.aval));
  for (const s of inSlots) s.def = -1;
  const { ops, outs } = c.region(jaxpr, inSlots);
  for (const s of outs) s.last = Infinity;
  c.outAvals = jaxpr.outvars.map((a) => a.aval);
  return c.finish(ops, inSlots, outs);
}
