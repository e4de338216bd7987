// Devices: where jitted programs run. "js" is the pure-TS reference interpreter; "wasm" (the default)
// compiles fused kernels and whole programs with binaryen; "webgpu" emits WGSL.
import { ConcreteArray, type NDArray } from "./array/ndarray.js";
import { FluxionError } from "./errors.js";
import { setJitExecutor } from "./primitives/jit.js";
import { evalJaxpr } from "./trace/staging.js";
import { loadBinaryen, toJs, toWasm, wasmExecute } from "./backends/wasm/runtime.js";
import { wasmEager } from "./backends/wasm/eager.js";
import { setEagerExecutor } from "./trace/core.js";
import "./backends/wasm/dot.js";
import { WebGPUBuffer, initWebGPU, toWebGPU, webgpuExecute, webgpuInitialized } from "./backends/webgpu/index.js";

export type Device = "js" | "wasm" | "webgpu";
let current: Device = "wasm";

/** Devices usable now. */
export function devices(): Device[] {
  return webgpuInitialized() ? ["js", "wasm", "webgpu"] : ["js", "wasm"];
}

export function defaultDevice(): Device {
  return current;
}

/** Chooses the device jitted programs run on. */
export function setDefaultDevice(d: Device): void {
  if (d === "webgpu" && !webgpuInitialized()) throw new FluxionError('setDefaultDevice("webgpu"): the device is not initialized; call `await init("webgpu")` first.');
  if (d !== "js" && d !== "wasm" && d !== "webgpu") throw new FluxionError(`setDefaultDevice: unknown device "${String(d)}"; use "js", "wasm" or "webgpu".`);
  current = d;
  // Eager elementwise ops follow the device too (wasm: cached chunk kernels, see backends/wasm/eager.ts).
  setEagerExecutor(d === "wasm" ? wasmEager : null);
  setJitExecutor(d === "wasm" ? (jaxpr, args) => wasmExecute(jaxpr, args) : d === "webgpu" ? (jaxpr, args) => webgpuExecute(jaxpr, args) : (jaxpr, args) => evalJaxpr(jaxpr, [], args));
}

// The wasm device is the default (until `setDefaultDevice("webgpu")` after `await init("webgpu")`):
// jit compiles there once binaryen has loaded, in the background from the first jitted call
// (calls before that run on the reference interpreter); `await init("wasm")` loads it up front.
setDefaultDevice("wasm");

/** Prepares a device: for "wasm", loads the binaryen compiler (jit falls back to the interpreter until then). */
export async function init(d: Device): Promise<void> {
  if (d === "wasm") await loadBinaryen();
  else if (d === "webgpu") await initWebGPU();
}

/** A copy of `x` on device `d` (or `x` itself when it is already there). */
export function devicePut(x: NDArray, d: Device): NDArray {
  if (!(x instanceof ConcreteArray)) throw new FluxionError(`devicePut: expected a concrete array, got a ${x.aval} tracer; call it outside transforms.`);
  if (d === "wasm") return toWasm(x);
  if (d === "js") return x.buffer instanceof WebGPUBuffer ? ConcreteArray.fromData(x.rawData.slice(), x.shape, x.dtype, x.weakType) : toJs(x);
  if (d === "webgpu") return toWebGPU(x);
  throw new FluxionError(`devicePut: device "${d}" is not available.`);
}
