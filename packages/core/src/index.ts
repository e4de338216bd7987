// @fluxion/core: arrays, dtypes, primitives with all their rules, the trace machinery and IR,
// pytrees, and the np / lax namespaces.
import "./numpy/index.js";
export { NDArray, ConcreteArray, type ArrayLike, type IndexItem } from "./array/ndarray.js";
export { ShapedArray } from "./array/aval.js";
export { memoryStats, type MemoryStats } from "./array/memory.js";
export { tidy } from "./array/tidy.js";
export type { DType, TypedArray } from "./dtype.js";
export * from "./errors.js";
export { debugLevel, setDebugLevel, setDebugSink } from "./debug.js";
export { devices, defaultDevice, setDefaultDevice, init, devicePut, type Device } from "./devices.js";
export { numThreads, setNumThreads } from "./backends/wasm/threads.js";
export * as np from "./numpy/index.js";
export * as lax from "./lax/index.js";
export * as special from "./special/index.js";
export * as tree from "./tree/index.js";
export * as random from "./random/index.js";
export * as internal from "./internal.js";
