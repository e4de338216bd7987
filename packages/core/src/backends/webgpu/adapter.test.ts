// Checks that a real WebGPU device can be had (lavapipe in Node) and runs WGSL compute on it,
// against float32 arithmetic done in JS. Under CI=true a missing adapter fails instead of skipping.
import { afterAll, describe, expect, it } from "vitest";
import {
  lastWebGPUError,
  requestWebGPUDevice,
  webgpuRequired,
  type NodeWebGPUBackend,
  type WebGPUDeviceResult,
} from "./adapter.js";

const setupHint = "run `bash scripts/setup-webgpu.sh` (installs Mesa lavapipe >= 25 from bookworm-backports)";

interface Acquired {
  label: string;
  result: WebGPUDeviceResult | null;
  reason: string;
}

async function acquire(label: string, nodeBackends?: NodeWebGPUBackend[]): Promise<Acquired> {
  const result = await requestWebGPUDevice(nodeBackends ? { nodeBackends } : {});
  return { label, result, reason: result ? "" : (lastWebGPUError() ?? "unknown reason") };
}

const isNode = typeof navigator === "undefined" || !("gpu" in navigator);
const candidates: Acquired[] = [await acquire("default (vulkan first)")];
// The GL ES compatibility fallback is Node-only; it must work too, since it is what runs when
// a machine's Vulkan driver is too old.
if (isNode) candidates.push(await acquire("GL ES compatibility fallback", ["opengles"]));

afterAll(() => {
  for (const { result } of candidates) result?.device.destroy();
});

const n = 1000;
const workgroupSize = 64;

// y[i] = x[i] * 2 + 1 and z[i] = exp(x[i]) in one dispatch, bounds-guarded since n is not a
// multiple of the workgroup size.
const shader = /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> z: array<f32>;

@compute @workgroup_size(${workgroupSize})
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i = id.x;
  if (i >= arrayLength(&x)) { return; }
  y[i] = x[i] * 2.0 + 1.0;
  z[i] = exp(x[i]);
}
`;

async function runShader(device: GPUDevice, input: Float32Array<ArrayBuffer>): Promise<{ y: Float32Array; z: Float32Array }> {
  const bytes = input.byteLength;
  const x = device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(x, 0, input);
  const y = device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const z = device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const readback = device.createBuffer({ size: 2 * bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });

  device.pushErrorScope("validation");
  const module = device.createShaderModule({ code: shader });
  const pipeline = device.createComputePipeline({ layout: "auto", compute: { module, entryPoint: "main" } });
  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [x, y, z].map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(Math.ceil(input.length / workgroupSize));
  pass.end();
  encoder.copyBufferToBuffer(y, 0, readback, 0, bytes);
  encoder.copyBufferToBuffer(z, 0, readback, bytes, bytes);
  device.queue.submit([encoder.finish()]);
  const validationError = await device.popErrorScope();
  if (validationError) throw new Error(`WebGPU validation error: ${validationError.message}`);

  await readback.mapAsync(GPUMapMode.READ);
  const mapped = new Float32Array(readback.getMappedRange().slice(0));
  readback.unmap();
  for (const buffer of [x, y, z, readback]) buffer.destroy();
  return { y: mapped.subarray(0, input.length), z: mapped.subarray(input.length) };
}

// Distance in float32 units in the last place between two float32 values of the same sign.
function ulpDistance(a: number, b: number): number {
  const bits = new Int32Array(new Float32Array([a, b]).buffer);
  return Math.abs(bits[0]! - bits[1]!);
}

for (const { label, result, reason } of candidates) {
  describe(`WebGPU device: ${label}`, () => {
    if (!result && webgpuRequired()) {
      it("is available (required under CI=true)", () => {
        throw new Error(`no WebGPU device (${reason}). Fix: ${setupHint}.`);
      });
      return;
    }
    const skipNote = result ? "" : ` [skipped: no WebGPU device: ${reason}; ${setupHint}]`;

    it.skipIf(!result)(`reports non-empty adapter info${skipNote}`, () => {
      const { info, device } = result!;
      expect(info.description.length).toBeGreaterThan(0);
      expect(info.device.length + info.vendor.length + info.architecture.length).toBeGreaterThan(0);
      expect(Array.isArray(info.features)).toBe(true);
      expect(["browser", "vulkan", "opengles"]).toContain(info.backend);
      expect(lastWebGPUError()).toBeNull();
      // adapterMaxLimits defaults on: the device got the adapter's storage binding maximum.
      expect(device.limits.maxStorageBufferBindingSize).toBe(result!.adapter.limits.maxStorageBufferBindingSize);
      console.log(`[webgpu] ${label}: ${info.backend}/${info.featureLevel} "${info.description}"`);
    });

    it.skipIf(!result)(`runs a WGSL compute shader over ${n} floats and matches JS${skipNote}`, async () => {
      // Deterministic inputs across [-4, 4), off the integers so exp is not at a trivial point.
      const input = Float32Array.from({ length: n }, (_, i) => -4 + (8 * i) / n + 0.001 * Math.sin(i));
      const { y, z } = await runShader(result!.device, input);

      for (let i = 0; i < n; i++) {
        // x*2 is exact in float32, so a fused or unfused x*2+1 both round once: results must be identical.
        expect(y[i]).toBe(Math.fround(input[i]! * 2 + 1));
      }
      // WGSL spec accuracy for f32 exp(x): 3 + 2|x| ULP (float64 Math.exp rounded to float32 is the oracle).
      let worstUlp = 0;
      for (let i = 0; i < n; i++) {
        const expected = Math.fround(Math.exp(input[i]!));
        const ulps = ulpDistance(z[i]!, expected);
        expect(ulps, `exp(${input[i]}) = ${z[i]}, want ${expected}`).toBeLessThanOrEqual(3 + 2 * Math.abs(input[i]!));
        worstUlp = Math.max(worstUlp, ulps);
      }
      console.log(`[webgpu] ${label}: worst exp error ${worstUlp} ulp`);
    });
  });
}

describe("webgpuRequired", () => {
  it("is true exactly when CI is the string 'true'", () => {
    const saved = process.env.CI;
    try {
      process.env.CI = "true";
      expect(webgpuRequired()).toBe(true);
      process.env.CI = "1";
      expect(webgpuRequired()).toBe(false);
      delete process.env.CI;
      expect(webgpuRequired()).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.CI;
      else process.env.CI = saved;
    }
  });
});

describe("requestWebGPUDevice failures", () => {
  it("returns null with a reason when no backend can serve the request", async () => {
    // Dawn's GL ES backend never offers shader-f16, so this must fail whether or not GL ES is
    // present, and the reason must name the backend that was tried.
    const result = await requestWebGPUDevice({ nodeBackends: ["opengles"], requiredFeatures: ["shader-f16"] });
    expect(result).toBeNull();
    expect(lastWebGPUError()).toMatch(/^opengles: /);
  });
});
