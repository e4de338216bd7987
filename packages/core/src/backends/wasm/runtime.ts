// The wasm device's executor for jitted programs: plans are cached per jaxpr, kernels are
// compiled once per structure with binaryen (loaded lazily; until it is ready programs run on
// the reference interpreter), and intermediates live in wasm memory and are freed at last use.
import { ShapedArray } from "../../array/aval.js";
import { ConcreteArray, type NDArray } from "../../array/ndarray.js";
import { trackInScope, untrackFromScope } from "../../array/memory.js";
import { bytesPerElement, isFloat } from "../../dtype.js";
import { debugLog } from "../../debug.js";
import { type Jaxpr, Literal, Var } from "../../ir/jaxpr.js";
import { bind } from "../../trace/core.js";
import { evalJaxpr, literalArray } from "../../trace/staging.js";
import { nextafterScalar } from "../../primitives/elementwise.js";
import * as S from "../../special/scalar/index.js";
import { type Kernel, printKernel } from "../kernel/ir.js";
import { type FusionCaps, type Plan, planJaxpr, printPlan } from "../kernel/plan.js";
import { WasmBuffer, wasmHeap } from "./heap.js";
import { IMPORTED, renderKernel } from "./render.js";
import { eqnHandlers } from "./handlers.js";
import { splitKernelFn, splitsAcrossThreads, transferableImports } from "./threads.js";
import { ProgramUnsupported, type WasmProgram, compileProgram } from "./program.js";

type Binaryen = typeof import("binaryen").default;
let binaryen: Binaryen | null = null;
let loading: Promise<Binaryen> | null = null;

/** Starts loading binaryen (about a second); resolves when compiled execution is available. */
export function loadBinaryen(): Promise<Binaryen> {
  loading ??= (async () => {
    const t0 = performance.now();
    const name = "binaryen";
    const mod = (await import(/* @vite-ignore */ name)) as { default: Binaryen };
    binaryen = mod.default;
    await tierUpEarly();
    debugLog(1, () => `wasm: binaryen loaded in ${(performance.now() - t0).toFixed(0)} ms`);
    return binaryen;
  })();
  return loading;
}
/**
 * V8 runs new WebAssembly in its baseline tier (Liftoff) until a function has spent a large
 * budget; our kernels are hot from their first call, so in Node we lower that budget once binaryen
 * itself is compiled. Measured on logistic-regression value+grad (N=1e4, D=100): calls 2-30 take
 * 2-3 ms instead of 7-30 ms, and the first call is not slower. Browsers keep their defaults.
 */
async function tierUpEarly(): Promise<void> {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  if (!proc?.versions?.node) return;
  try {
    const name = "node:v8";
    const v8 = (await import(/* @vite-ignore */ name)) as { setFlagsFromString(flags: string): void };
    v8.setFlagsFromString("--wasm-tiering-budget=1000");
  } catch {
    // Not fatal: kernels still tier up, later.
  }
}

export function binaryenReady(): boolean {
  return binaryen !== null;
}
/** The loaded binaryen module, or null while loading. */
export function binaryenInstance(): Binaryen | null {
  return binaryen;
}

/** What the WASM renderer can put inside a fused kernel. */
export const wasmCaps: FusionCaps = {
  unary: (fn, d) => (isFloat(d) ? true : d === "bool" ? fn === "not" : ["neg", "abs", "square", "not", "sign"].includes(fn)),
  binary: (fn, d) => {
    if (isFloat(d)) return true;
    return !["pow", "atan2", "nextafter"].includes(fn);
  },
};

const jsImports: Record<string, (...a: number[]) => number> = {
  cbrt: Math.cbrt, exp: Math.exp, exp2: (x) => Math.pow(2, x), log: Math.log, log1p: Math.log1p, expm1: Math.expm1,
  sin: Math.sin, cos: Math.cos, tan: Math.tan, tanh: Math.tanh, logistic: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  asin: Math.asin, acos: Math.acos, atan: Math.atan, sinh: Math.sinh, cosh: Math.cosh, asinh: Math.asinh, acosh: Math.acosh, atanh: Math.atanh,
  erf: S.erf, erfc: S.erfc, erf_inv: S.erfinv, lgamma: S.lgamma, digamma: S.digamma, pow: Math.pow, atan2: Math.atan2, fmod: (a, b) => a % b,
  nextafter32: (a, b) => nextafterScalar(a, b, "float32"), nextafter64: (a, b) => nextafterScalar(a, b, "float64"),
};
for (const n of IMPORTED) if (!jsImports[n]) throw new Error(`wasm runtime: no JS import for ${n}`);

type KernelFn = (out: number, ...srcs: number[]) => void;
const kernelCache = new Map<string, KernelFn>();
const planCache = new WeakMap<Jaxpr, Plan>();
export const wasmStats = {
  kernelsCompiled: 0, kernelCalls: 0, compileMs: 0, simdKernels: 0,
  /** Whole-program compilation (program.ts): compiled programs, their runs, JS-fallback equation calls. */
  programsCompiled: 0, programRuns: 0, programEqnFallbacks: 0, programCompileMs: 0,
  /** Loop carries written in place by the body (no copy back) and scan slices read in place, per compile. */
  programCarriesInPlace: 0, programSlicesInPlace: 0,
  /** While-body executions per lane inside programs (a lockstep iteration over B lanes counts B). */
  programLaneIterations: 0,
  /** Runs of the step-by-step executor (each iteration of a host-driven loop body is one). */
  interpretedRuns: 0,
};

const byKernel = new WeakMap<Kernel, KernelFn>();
let workerMath: Record<string, string | null> | null = null;

/** The compiled function of a kernel (binaryen must be loaded). */
export function compiled(k: Kernel): KernelFn {
  // Plans are cached, so the same Kernel object comes back on every call: look it up by identity
  // first; the structural key only serves kernels that are equal but not identical.
  const hit = byKernel.get(k);
  if (hit) return hit;
  const key = printKernel(k) + `|${k.shape.join(",")}`;
  let fn = kernelCache.get(key);
  if (!fn) {
    const t0 = performance.now();
    const size = key.length;
    // Worker threads (threads.ts): a large kernel also gets `kernel_range` and runs split.
    const split = splitsAcrossThreads(k, (workerMath ??= transferableImports(jsImports)));
    const r = renderKernel(binaryen!, k, size < 20000, { range: split, sharedMemory: wasmHeap().shared });
    const module = new WebAssembly.Module(r.binary as Uint8Array<ArrayBuffer>);
    const inst = new WebAssembly.Instance(module, { env: { memory: wasmHeap().memory }, m: jsImports });
    fn = split ? splitKernelFn(module, inst, r.rangeExtent, workerMath) : (inst.exports.kernel as KernelFn);
    kernelCache.set(key, fn);
    wasmStats.kernelsCompiled++;
    if (r.simd) wasmStats.simdKernels++;
    wasmStats.compileMs += performance.now() - t0;
    debugLog(3, () => `wasm kernel (${r.simd ? "simd" : "scalar"}):\n${key}`);
    debugLog(4, () => r.text());
  }
  byKernel.set(k, fn);
  return fn;
}

/** A copy of `x` in wasm memory (x itself when it already lives there). */
export function toWasm(x: ConcreteArray): ConcreteArray {
  if (x.buffer instanceof WasmBuffer) return x;
  const buf = WasmBuffer.allocate(wasmHeap(), x.dtype, x.size);
  buf.data.set(x.rawData);
  return new ConcreteArray(x.aval, buf);
}
/** A copy of `x` in JS memory. */
export function toJs(x: ConcreteArray): ConcreteArray {
  if (!(x.buffer instanceof WasmBuffer)) return x;
  return ConcreteArray.fromData(x.rawData.slice(), x.shape, x.dtype, x.weakType);
}

function allocOut(aval: ShapedArray): ConcreteArray {
  return new ConcreteArray(aval, WasmBuffer.allocate(wasmHeap(), aval.dtype, aval.size), false);
}

const programCache = new WeakMap<Jaxpr, WasmProgram | null>();
const envFlag = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.FLUXION_WASM_PROGRAMS;
let programsEnabled = envFlag !== "0";
/** Turns whole-program compilation on or off (off: loops are host-driven, as before). */
export function setWasmPrograms(enabled: boolean): void {
  programsEnabled = enabled;
}

/** The compiled whole program for `jaxpr`, or null (cached) when the compiler cannot handle it. */
function programFor(jaxpr: Jaxpr): WasmProgram | null {
  let p = programCache.get(jaxpr);
  if (p !== undefined) return p;
  const t0 = performance.now();
  try {
    p = compileProgram(jaxpr, { bin: binaryen!, caps: wasmCaps, mathImports: jsImports, stats: wasmStats });
    wasmStats.programsCompiled++;
    const ms = performance.now() - t0;
    wasmStats.programCompileMs += ms;
    debugLog(3, () => `wasm program compiled in ${ms.toFixed(1)} ms: arena ${p!.arenaBytes} bytes, loops ${p!.strategy}, ${p!.fallbackEqns.length ? `JS fallback for: ${p!.fallbackEqns.join(", ")}` : "no JS fallbacks"}`);
  } catch (err) {
    p = null;
    debugLog(2, () => `wasm program: not compiled (${err instanceof Error ? err.message : String(err)}); running host-driven`);
    if (!(err instanceof ProgramUnsupported)) debugLog(3, () => (err instanceof Error ? err.stack ?? "" : ""));
  }
  programCache.set(jaxpr, p);
  return p;
}

/** Input bytes from which a loop-free program runs step by step (see stepByStepIsBetter). */
const IN_PLACE_INPUT_BYTES = 1 << 20;
const CONTROL_FLOW = new Set(["while", "scan", "cond"]);
const loopFree = new WeakMap<Jaxpr, boolean>();
/**
 * A whole program copies its inputs into its arena on every call; for a straight-line program over
 * large inputs that copy costs more than the dispatches it saves (logistic-regression value+grad
 * on a 4 MB design matrix: ~800 evals/s as a program, ~1100 step by step, whose kernels read the
 * inputs in place and may run on worker threads). Programs with loops always compile whole.
 */
function stepByStepIsBetter(jaxpr: Jaxpr, args: readonly NDArray[]): boolean {
  let free = loopFree.get(jaxpr);
  if (free === undefined) loopFree.set(jaxpr, (free = !jaxpr.eqns.some((e) => CONTROL_FLOW.has(e.prim.name))));
  if (!free) return false;
  let bytes = 0;
  for (const a of args) bytes += a.size * bytesPerElement(a.dtype);
  return bytes >= IN_PLACE_INPUT_BYTES;
}

/**
 * Runs a closed-over-nothing jaxpr on the wasm device. Falls back to the reference interpreter
 * while binaryen is loading.
 */
export function wasmExecute(jaxpr: Jaxpr, args: readonly NDArray[]): NDArray[] {
  if (!binaryen) {
    void loadBinaryen();
    return evalJaxpr(jaxpr, [], args);
  }
  const program = programsEnabled && !stepByStepIsBetter(jaxpr, args) ? programFor(jaxpr) : null;
  if (program) {
    try {
      const outs = program.run(args);
      wasmStats.programRuns++;
      return outs;
    } catch (err) {
      if (!(err instanceof ProgramUnsupported)) throw err;
    }
  }
  wasmStats.interpretedRuns++;
  let plan = planCache.get(jaxpr);
  if (!plan) {
    plan = planJaxpr(jaxpr, wasmCaps);
    planCache.set(jaxpr, plan);
    debugLog(3, () => `wasm fusion plan:\n${printPlan(plan!)}`);
  }
  const env = new Map<Var, ConcreteArray>();
  const owned = new Set<Var>();
  jaxpr.invars.forEach((v, i) => env.set(v, args[i] as ConcreteArray));
  const read = (a: Var | Literal): ConcreteArray => (a instanceof Literal ? literalArray(a) : env.get(a)!);
  const copies: ConcreteArray[] = [];
  plan.steps.forEach((step, i) => {
    if (step.kind === "kernel") {
      const ptrs = step.sources.map((v) => {
        const x = env.get(v)!;
        const w = toWasm(x);
        if (w !== x) {
          untrackFromScope(w);
          copies.push(w);
        }
        return (w.buffer as WasmBuffer).ptr;
      });
      const out = allocOut(step.out.aval);
      compiled(step.kernel)((out.buffer as WasmBuffer).ptr, ...ptrs);
      wasmStats.kernelCalls++;
      env.set(step.out, out);
      owned.add(step.out);
    } else {
      const e = step.eqn;
      const ins = e.inputs.map((a) => read(a));
      const outs = eqnHandlers.get(e.prim.name)?.(e, ins) ?? (bind(e.prim, ins, e.params) as ConcreteArray[]);
      e.outputs.forEach((v, k) => {
        untrackFromScope(outs[k]!);
        env.set(v, outs[k]!);
        owned.add(v);
      });
    }
    for (const v of plan!.frees[i]!) {
      if (owned.has(v)) {
        env.get(v)!.dispose();
        owned.delete(v);
      }
    }
  });
  for (const c of copies) c.dispose();
  const seen = new Set<ConcreteArray>();
  return jaxpr.outvars.map((a) => {
    const x = read(a);
    const fresh = a instanceof Var && owned.has(a) && !seen.has(x);
    seen.add(x);
    if (fresh) return x.adopt();
    const r = x.share();
    trackInScope(r);
    return r;
  });
}
