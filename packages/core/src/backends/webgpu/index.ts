// The webgpu device: runtime and executor, with the runtime handlers (matmul, threefry, concatenate,
// cholesky, triangular_solve, sort, program-per-lane loops) registered on import.
export {
  WebGPUArray, WebGPUBuffer, allocGpuArray, flushWebGPU, initWebGPU, toWebGPU, webgpuCaps, webgpuExecute, webgpuFinish,
  webgpuInfo, webgpuInitialized, webgpuStats, webgpuSyncReads, setFloat64Delegate, withFloat64Errors, type Float64Delegate, type WebGPUInitOptions,
} from "./runtime.js";
export { runLoopOnGpu, setMaxLaneElements } from "./lanes.js";
import "./dot.js";
import "./threefry.js";
import "./concat.js";
import "./linalg.js";
import "./sort.js";
