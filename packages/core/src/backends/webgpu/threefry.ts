// threefry2x32 on the webgpu device: the counter-based cipher behind `random`, one invocation per
// element, so random bits never leave the GPU (the lane programs inline the same WGSL function).
import type { DeviceBuffer } from "../../array/memory.js";
import type { ConcreteArray } from "../../array/ndarray.js";
import type { JaxprEqn } from "../../ir/jaxpr.js";
import { WebGPUBuffer, allocGpuArray, dispatch, flushWebGPU, gpuBufferOf, pipelineFor, webgpuEqnHandlers } from "./runtime.js";
import { gridFor } from "./wgsl.js";
import { helperSource } from "./wgslMath.js";

const WG = 64;

function threefryWgsl(n: number, groupsX: number): string {
  const names = ["k0", "k1", "x0", "x1"];
  return `${helperSource(["fx_threefry"])}
@group(0) @binding(0) var<storage, read_write> y0: array<u32>;
@group(0) @binding(1) var<storage, read_write> y1: array<u32>;
${names.map((v, i) => `@group(0) @binding(${i + 2}) var<storage, read> ${v}: array<u32>;`).join("\n")}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * ${groupsX * WG}u;
  if (i >= ${n}u) { return; }
  let r = fx_threefry(k0[i], k1[i], x0[i], x1[i]);
  y0[i] = r.x;
  y1[i] = r.y;
}
`;
}

export function webgpuThreefry(eqn: JaxprEqn, inputs: readonly ConcreteArray[]): ConcreteArray[] {
  const n = inputs[0]!.size;
  const temps: DeviceBuffer[] = [];
  const ins = inputs.map((x) => gpuBufferOf(x, temps));
  const outs = eqn.outputs.map((v) => allocGpuArray(v.aval));
  const groups = gridFor(Math.ceil(n / WG));
  if (n > 0) {
    const key = pipelineFor(threefryWgsl(n, groups[0]), ["w", "w", "r", "r", "r", "r"]);
    dispatch(key, [...outs.map((o) => o.buffer as WebGPUBuffer), ...ins], groups);
  }
  for (const t of temps) t.release();
  flushWebGPU();
  return outs;
}

webgpuEqnHandlers.set("threefry2x32", webgpuThreefry);
