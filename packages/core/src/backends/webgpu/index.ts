// The webgpu device: runtime and executor, with the runtime handlers (matmul, program-per-lane
// loops) registered on import.
export {
  WebGPUArray, WebGPUBuffer, allocGpuArray, flushWebGPU, initWebGPU, toWebGPU, webgpuCaps, webgpuExecute, webgpuFinish,
  webgpuInfo, webgpuInitialized, webgpuStats, webgpuSyncReads, type WebGPUInitOptions,
} from "./runtime.js";
export { runLoopOnGpu, setMaxLaneElements } from "./lanes.js";
import "./dot.js";
import "./threefry.js";
import "./concat.js";
