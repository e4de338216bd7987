// The webgpu device's runtime on the calling thread: device acquisition, GPU-resident buffers
// (DeviceBuffer subclasses named by id), uploads and reads, the kernel/pipeline cache, dispatch
// counting, and the executor that runs a jitted program's fusion plan with WGSL kernels.
//
// Reads: `await x.data()` is asynchronous everywhere. `x.dataSync()` (and every host fallback
// inside a jitted program, which reads its inputs) needs a synchronous read: in Node the GPU lives
// in a worker thread and the caller blocks in Atomics.wait until the bytes arrive; in a browser's
// page thread that is impossible, and dataSync() throws, telling the user to `await x.data()`.
import { ShapedArray } from "../../array/aval.js";
import { DeviceBuffer, trackInScope, untrackFromScope } from "../../array/memory.js";
import { ConcreteArray, type NDArray } from "../../array/ndarray.js";
import { type DType, type TypedArray } from "../../dtype.js";
import { debugLog } from "../../debug.js";
import { FluxionError } from "../../errors.js";
import { type Jaxpr, type JaxprEqn, Literal, Var } from "../../ir/jaxpr.js";
import { bind } from "../../trace/core.js";
import { evalJaxpr, literalArray } from "../../trace/staging.js";
import { setJitExecutor } from "../../primitives/jit.js";
import { type Kernel, printKernel } from "../kernel/ir.js";
import { type FusionCaps, type Plan, planJaxpr, printPlan } from "../kernel/plan.js";
import { type WebGPUDeviceInfo, type NodeWebGPUBackend, lastWebGPUError, requestWebGPUDevice } from "./adapter.js";
import type { BindingKind } from "./protocol.js";
import { DirectTransport, NodeWorkerTransport, SyncReadError, type Transport } from "./transport.js";
import { type RenderedKernel, renderKernel } from "./wgsl.js";
import { eqnUsesFloat64, inlineCalls } from "./inline.js";

/** Counters for tests and benchmarks (dispatches are counted as they are issued). */
export const webgpuStats = {
  dispatches: 0,
  kernelsCompiled: 0,
  uploads: 0,
  bytesUploaded: 0,
  reads: 0,
  bytesRead: 0,
  /** Equations run by the reference kernels (inputs read back to the host). */
  fallbacks: 0,
  /** Loops compiled into one program-per-lane kernel, and loops driven from the host. */
  programPerLane: 0,
  hostLoops: 0,
};

let transport: Transport | null = null;
let starting: Promise<WebGPUDeviceInfo> | null = null;

export interface WebGPUInitOptions {
  /** Node only: Dawn backends to try (default vulkan, then GL ES). */
  nodeBackends?: readonly NodeWebGPUBackend[];
}

/**
 * Acquires the GPU. In a browser this uses navigator.gpu in the page's thread; in Node it starts
 * a worker thread that holds the Dawn device. Throws a FluxionError when no adapter is available.
 */
export function initWebGPU(options: WebGPUInitOptions = {}): Promise<WebGPUDeviceInfo> {
  if (transport) return Promise.resolve(transport.info);
  starting ??= (async () => {
    // Node (with or without a navigator global) hosts Dawn in a worker; anything else uses navigator.gpu.
    const inNode = typeof process !== "undefined" && typeof process.versions?.node === "string";
    const inBrowser = !inNode;
    let t: Transport | null = null;
    let reason: string | null = null;
    if (inBrowser) {
      const r = await requestWebGPUDevice({ adapterMaxLimits: true });
      if (r) t = new DirectTransport(r.device, r.info);
      else reason = lastWebGPUError();
    } else {
      const r = await NodeWorkerTransport.start(options.nodeBackends ? { nodeBackends: options.nodeBackends } : {});
      t = r.transport;
      reason = r.error;
    }
    if (!t) {
      starting = null;
      throw new FluxionError(`init("webgpu"): no WebGPU adapter (${reason ?? "unknown reason"}). Use the "wasm" device, or in Node install a Vulkan driver (bash scripts/setup-webgpu.sh).`);
    }
    transport = t;
    debugLog(1, () => `webgpu: ${t.info.backend} adapter "${t.info.description}" (${t.kind})`);
    return t.info;
  })();
  return starting;
}

export function webgpuInitialized(): boolean {
  return transport !== null;
}

/** The adapter in use, or null before init. */
export function webgpuInfo(): WebGPUDeviceInfo | null {
  return transport?.info ?? null;
}

function gpu(): Transport {
  if (!transport) throw new FluxionError('The webgpu device is not initialized: call `await init("webgpu")` first.');
  return transport;
}

/** Whether `dataSync()` works on webgpu arrays here (Node: yes; a browser page: no). */
export function webgpuSyncReads(): boolean {
  return gpu().syncReads;
}

/** Waits until the GPU has run everything issued so far (Node only); returns the host's counters. */
export function webgpuFinish(): { submits: number; dispatches: number; pipelines: number; buffersCreated: number } {
  return gpu().finishSync();
}

let nextBufferId = 1;

function bytesFor(length: number): number {
  return length * 4;
}

function decode(raw: ArrayBuffer, dtype: DType, length: number): TypedArray {
  switch (dtype) {
    case "float32": return new Float32Array(raw, 0, length);
    case "int32": return new Int32Array(raw, 0, length);
    case "uint32": return new Uint32Array(raw, 0, length);
    case "bool": return Uint8Array.from(new Uint32Array(raw, 0, length));
    case "float64": throw float64Error("read");
  }
}

const syncReadMessage =
  "dataSync() on a webgpu array needs a synchronous GPU read, which a browser page cannot do (WebGPU reads are asynchronous there). " +
  'Use `await x.data()`, or run this computation on the CPU with setDefaultDevice("wasm").';

/** A buffer in GPU memory; `data` reads it back (synchronously, in Node) and keeps the copy. */
export class WebGPUBuffer extends DeviceBuffer {
  private hostCopy: TypedArray | null = null;
  private constructor(readonly id: number, readonly dtype: DType, readonly length: number) {
    super("webgpu", null, bytesFor(length));
  }
  static allocate(dtype: DType, length: number): WebGPUBuffer {
    if (dtype === "float64") throw float64Error("allocate");
    const id = nextBufferId++;
    gpu().enqueue({ op: "alloc", id, bytes: bytesFor(length) });
    return new WebGPUBuffer(id, dtype, length);
  }
  /** A GPU buffer holding `data` (copied). */
  static fromHost(dtype: DType, data: TypedArray): WebGPUBuffer {
    const b = WebGPUBuffer.allocate(dtype, data.length);
    if (data.length > 0) {
      const words = dtype === "bool" ? Uint32Array.from(data) : data.slice();
      gpu().enqueue({ op: "write", id: b.id, data: words.buffer as ArrayBuffer });
    }
    webgpuStats.uploads++;
    webgpuStats.bytesUploaded += bytesFor(data.length);
    b.hostCopy = data.slice();
    return b;
  }
  override get data(): TypedArray {
    if (!this.hostCopy) {
      const t = gpu();
      if (!t.syncReads) throw new FluxionError(syncReadMessage);
      let raw: ArrayBuffer;
      try {
        raw = this.length === 0 ? new ArrayBuffer(0) : t.readSync(this.id, bytesFor(this.length));
      } catch (e) {
        if (e instanceof SyncReadError) throw new FluxionError(syncReadMessage);
        throw e;
      }
      webgpuStats.reads++;
      webgpuStats.bytesRead += raw.byteLength;
      this.hostCopy = decode(raw, this.dtype, this.length);
    }
    return this.hostCopy;
  }
  /** The contents, read without blocking. */
  async read(): Promise<TypedArray> {
    if (this.hostCopy) return this.hostCopy;
    const raw = this.length === 0 ? new ArrayBuffer(0) : await gpu().read(this.id, bytesFor(this.length));
    webgpuStats.reads++;
    webgpuStats.bytesRead += raw.byteLength;
    this.hostCopy ??= decode(raw, this.dtype, this.length);
    return this.hostCopy;
  }
  protected override free(): void {
    this.hostCopy = null;
    transport?.enqueue({ op: "free", id: this.id });
  }
}

/** A webgpu array: `await x.data()` reads it back without blocking. */
export class WebGPUArray extends ConcreteArray {
  override async data(): Promise<TypedArray> {
    const b = this.buffer;
    if (b instanceof WebGPUBuffer) return (await b.read()).slice();
    return b.data.slice();
  }
}

export function float64Error(op: string): FluxionError {
  return new FluxionError(
    `webgpu: ${op} computes in float64, which WebGPU does not have. Compute in float32 (x.astype("float32")), ` +
      `or run it on the CPU: devicePut(x, "wasm") and setDefaultDevice("wasm").`,
  );
}

/** `x` as a webgpu array (x itself when it is already on the GPU). */
export function toWebGPU(x: ConcreteArray): ConcreteArray {
  if (x.buffer instanceof WebGPUBuffer) return x;
  if (x.dtype === "float64") throw float64Error(`devicePut of a ${x.aval} array`);
  return new WebGPUArray(x.aval, WebGPUBuffer.fromHost(x.dtype, x.rawData));
}

/** A GPU buffer for `x`, uploading when it lives elsewhere; `temp` collects uploads to free. */
export function gpuBufferOf(x: ConcreteArray, temps: DeviceBuffer[]): WebGPUBuffer {
  if (x.buffer instanceof WebGPUBuffer) return x.buffer;
  if (x.dtype === "float64") throw float64Error(`an input of ${x.aval}`);
  const b = WebGPUBuffer.fromHost(x.dtype, x.rawData);
  temps.push(b);
  return b;
}

/** A fresh GPU array of `aval`, not tracked by tidy scopes (the executor hands it out). */
export function allocGpuArray(aval: ShapedArray): WebGPUArray {
  const a = new WebGPUArray(aval, WebGPUBuffer.allocate(aval.dtype, aval.size));
  untrackFromScope(a);
  return a;
}

// ------------------------------------------------------------------ pipelines and dispatch

const pipelineKeys = new Map<string, string>();

/** Registers WGSL `code` (compiling it on first sight) and returns its pipeline key. */
export function pipelineFor(code: string, kinds: readonly BindingKind[]): string {
  const full = `${kinds.join("")}\n${code}`;
  let key = pipelineKeys.get(full);
  if (!key) {
    key = `p${pipelineKeys.size}`;
    const t0 = performance.now();
    try {
      gpu().compile(key, code, kinds);
    } catch (e) {
      throw new Error(`webgpu: WGSL compile failed: ${e instanceof Error ? e.message : String(e)}\n${code}`);
    }
    pipelineKeys.set(full, key);
    webgpuStats.kernelsCompiled++;
    debugLog(1, () => `webgpu: compiled pipeline ${key} in ${(performance.now() - t0).toFixed(1)} ms`);
    debugLog(4, () => `webgpu WGSL ${key}:\n${code}`);
  }
  return key;
}

/** Issues one dispatch (buffers in binding order). */
export function dispatch(key: string, buffers: readonly WebGPUBuffer[], groups: readonly [number, number, number]): void {
  if (groups[0] === 0 || groups[1] === 0 || groups[2] === 0) return;
  gpu().enqueue({ op: "dispatch", key, ids: buffers.map((b) => b.id), groups: [groups[0], groups[1], groups[2]] });
  webgpuStats.dispatches++;
}

/** Copies `length` elements of `src` (from element srcAt) into `dst` (at element dstAt) on the GPU. */
export function copyBuffer(src: WebGPUBuffer, dst: WebGPUBuffer, length: number, srcAt = 0, dstAt = 0): void {
  if (length > 0) gpu().enqueue({ op: "copy", src: src.id, dst: dst.id, bytes: bytesFor(length), srcOffset: bytesFor(srcAt), dstOffset: bytesFor(dstAt) });
}

/** Sends queued work to the GPU without waiting for it. */
export function flushWebGPU(): void {
  transport?.flush();
}

interface CompiledKernel { readonly key: string; readonly rendered: RenderedKernel }
const kernelCache = new Map<string, CompiledKernel>();

function compiledKernel(k: Kernel, packBases?: readonly number[]): CompiledKernel {
  const text = `${printKernel(k)}|${k.shape.join(",")}${packBases ? `|pack ${packBases.join(",")}` : ""}`;
  let c = kernelCache.get(text);
  if (!c) {
    const rendered = renderKernel(k, packBases);
    c = { key: pipelineFor(rendered.code, rendered.kinds), rendered };
    kernelCache.set(text, c);
    debugLog(3, () => `webgpu kernel ${c!.key}:\n${text}`);
  }
  return c;
}

/** The device's storage-buffer bindings per shader stage. */
export function maxStorageBindings(): number {
  return gpu().maxStorageBuffers;
}

/** Runs a fused kernel on GPU buffers (packing its sources into one buffer when there are too many). */
export function runKernel(k: Kernel, out: WebGPUBuffer, sources: readonly WebGPUBuffer[]): void {
  if (out.length === 0) return;
  if (sources.length + 1 <= maxStorageBindings()) {
    const c = compiledKernel(k);
    dispatch(c.key, [out, ...sources], c.rendered.groups);
    return;
  }
  const bases: number[] = [];
  let total = 0;
  for (const s of sources) {
    bases.push(total);
    total += s.length;
  }
  const pack = WebGPUBuffer.allocate("uint32", total);
  sources.forEach((s, i) => {
    if (s.length > 0) gpu().enqueue({ op: "copy", src: s.id, dst: pack.id, bytes: bytesFor(s.length), dstOffset: bytesFor(bases[i]!) });
  });
  const c = compiledKernel(k, bases);
  dispatch(c.key, [out, pack], c.rendered.groups);
  pack.release();
}

// ------------------------------------------------------------------ executor

/** Fusible on the webgpu device: everything WGSL renders (float32 and 32-bit integers). */
export const webgpuCaps: FusionCaps = {
  unary: (fn, d) => {
    if (d === "float32") return true;
    if (d === "bool") return fn === "not";
    if (d === "int32" || d === "uint32") return ["neg", "abs", "square", "not", "sign"].includes(fn);
    return false;
  },
  binary: (fn, d) => {
    if (d === "float32") return !["and", "or", "xor", "shift_left", "shift_right_logical", "shift_right_arithmetic", "ldexp", "copysign"].includes(fn);
    if (d === "bool") return ["and", "or", "xor", "eq", "ne", "max", "min"].includes(fn);
    if (d === "int32" || d === "uint32") return !["pow", "atan2", "nextafter", "ldexp", "copysign"].includes(fn);
    return false;
  },
};

/** Runtime handlers for equations the planner leaves unfused; null means "use the reference kernel". */
export type WebGPUEqnHandler = (eqn: JaxprEqn, inputs: readonly ConcreteArray[]) => ConcreteArray[] | null;
export const webgpuEqnHandlers = new Map<string, WebGPUEqnHandler>();

/**
 * Throws the float64 error for the first equation of `jaxpr` (or its inputs) that uses float64.
 * Only the top level: float64 inside a call (random.normal's erf_inv computes a correction in
 * float64) runs on the reference kernels once the call is inlined, and a loop body with float64
 * inside runs host-driven.
 */
export function checkNoFloat64(jaxpr: Jaxpr): void {
  // Equations first, so the error names the operation that computes in float64.
  for (const e of jaxpr.eqns) {
    const bad = [...e.inputs.map((a) => a.aval), ...e.outputs.map((v) => v.aval)].find((a) => a.dtype === "float64");
    if (bad) throw float64Error(`${e.prim.name} (${bad})`);
  }
  for (const v of jaxpr.invars) if (v.aval.dtype === "float64") throw float64Error(`an input of this jitted program (${v.aval})`);
}

const planCache = new WeakMap<Jaxpr, { plan: Plan; outvars: readonly (Var | Literal)[] }>();

/**
 * What a jitted program that uses float64 does on this device: by default it raises the float64
 * error. The test harness (tests/setup-device.ts) installs a delegate that checks that error and
 * runs the program on the wasm device instead, so float64 suites still check their numbers under
 * FLUXION_DEVICE=webgpu; `webgpuStats`-like counting is the delegate's job. Not a user API.
 */
export type Float64Delegate = (jaxpr: Jaxpr, args: readonly NDArray[], error: FluxionError) => NDArray[];
let float64Delegate: Float64Delegate | null = null;
/** Installs (or with null removes) the delegate; returns the previous one. */
export function setFloat64Delegate(d: Float64Delegate | null): Float64Delegate | null {
  const previous = float64Delegate;
  float64Delegate = d;
  return previous;
}

/** Runs `f` with float64 programs raising their error (tests of that error use this). */
export function withFloat64Errors<T>(f: () => T): T {
  const previous = setFloat64Delegate(null);
  try {
    return f();
  } finally {
    setFloat64Delegate(previous);
  }
}

/** Runs a const-free jaxpr on the webgpu device. */
export function webgpuExecute(jaxpr: Jaxpr, args: readonly NDArray[]): NDArray[] {
  gpu();
  let cached = planCache.get(jaxpr);
  if (!cached) {
    try {
      checkNoFloat64(jaxpr);
    } catch (e) {
      if (float64Delegate && e instanceof FluxionError) return float64Delegate(jaxpr, args, e);
      throw e;
    }
    // Calls are inlined so their bodies fuse with the code around them (and run no host round trip).
    const flat = inlineCalls(jaxpr);
    cached = { plan: planJaxpr(flat, webgpuCaps), outvars: flat.outvars };
    planCache.set(jaxpr, cached);
    const p = cached.plan;
    debugLog(3, () => `webgpu fusion plan:\n${printPlan(p)}`);
  }
  const { plan, outvars } = cached;
  const env = new Map<Var, ConcreteArray>();
  const owned = new Set<Var>();
  jaxpr.invars.forEach((v, i) => env.set(v, args[i] as ConcreteArray));
  const read = (a: Var | Literal): ConcreteArray => (a instanceof Literal ? literalArray(a) : env.get(a)!);
  const temps: DeviceBuffer[] = [];
  try {
    plan.steps.forEach((step, i) => {
      if (step.kind === "kernel") {
        const srcs = step.sources.map((v) => gpuBufferOf(env.get(v)!, temps));
        const out = allocGpuArray(step.out.aval);
        env.set(step.out, out);
        owned.add(step.out);
        runKernel(step.kernel, out.buffer as WebGPUBuffer, srcs);
      } else {
        const e = step.eqn;
        const ins = e.inputs.map((a) => read(a));
        const float64Inside = eqnUsesFloat64(e);
        let outs = float64Inside ? null : webgpuEqnHandlers.get(e.prim.name)?.(e, ins) ?? null;
        if (!outs) {
          webgpuStats.fallbacks++;
          debugLog(3, () => `webgpu: ${e.prim.name} runs on the reference kernels (host round trip${float64Inside ? "; it computes in float64 inside" : ""})`);
          outs = (float64Inside ? onReferenceInterpreter(() => bind(e.prim, ins, e.params)) : bind(e.prim, ins, e.params)) as ConcreteArray[];
        }
        e.outputs.forEach((v, k) => {
          untrackFromScope(outs[k]!);
          env.set(v, outs[k]!);
          owned.add(v);
        });
      }
      for (const v of plan.frees[i]!) {
        if (owned.has(v)) {
          env.get(v)!.dispose();
          owned.delete(v);
        }
      }
    });
  } catch (e) {
    for (const v of owned) env.get(v)!.dispose();
    throw e;
  } finally {
    for (const t of temps) t.release();
    flushWebGPU();
  }
  const seen = new Set<ConcreteArray>();
  return outvars.map((a) => {
    const x = read(a);
    const fresh = a instanceof Var && owned.has(a) && !seen.has(x);
    seen.add(x);
    const r = fresh ? x : x.buffer instanceof WebGPUBuffer ? new WebGPUArray(x.aval, x.buffer.retain()) : x.share();
    trackInScope(r);
    return r;
  });
}

/**
 * Runs `f` with jitted programs and control-flow bodies on the js interpreter (for an equation that
 * computes in float64 inside), then hands them back to this device.
 */
function onReferenceInterpreter<T>(f: () => T): T {
  setJitExecutor((jaxpr, args) => evalJaxpr(jaxpr, [], args));
  try {
    return f();
  } finally {
    setJitExecutor((jaxpr, args) => webgpuExecute(jaxpr, args));
  }
}

/** A GPU array of `aval` holding `x`'s contents (x must live on the GPU already or be uploadable). */
export function asGpuArray(x: ConcreteArray, temps: DeviceBuffer[]): WebGPUBuffer {
  return gpuBufferOf(x, temps);
}

void ShapedArray;
