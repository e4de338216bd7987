// Selects the default device for the whole suite from FLUXION_DEVICE (js when unset), so every
// test also runs on the wasm or webgpu device: `FLUXION_DEVICE=wasm pnpm vitest run`.
//
// webgpu has no float64. A jitted program that uses it must raise the clear float64 error; under
// FLUXION_DEVICE=webgpu this file checks that error (message naming the op and suggesting
// devicePut(x, "wasm")) and then runs that program on the wasm device, so float64 tests keep
// checking their numbers instead of being skipped. Each file prints how many programs took that
// path, and appends the count to $FLUXION_WEBGPU_F64_LOG when set (scripts/test-all.sh sums it).
import { afterAll, beforeAll, expect } from "vitest";
import { appendFileSync } from "node:fs";
import { init, setDefaultDevice, type Device } from "@fluxion/core";
import { setFloat64Delegate } from "../packages/core/src/backends/webgpu/index.js";
import { wasmExecute } from "../packages/core/src/backends/wasm/runtime.js";

const device = (process.env.FLUXION_DEVICE ?? "js") as Device;
let float64OnWasm = 0;
const float64Error = /^webgpu: .+ computes in float64, which WebGPU does not have\..*devicePut\(x, "wasm"\)/s;

beforeAll(async () => {
  if (device === "webgpu") {
    // wasm runs the float64 programs; the webgpu adapter must exist (init throws otherwise).
    await init("wasm");
    setFloat64Delegate((jaxpr, args, error) => {
      expect(error.message, "the webgpu float64 error").toMatch(float64Error);
      float64OnWasm++;
      return wasmExecute(jaxpr, args);
    });
  }
  // Always set: wasm is the library's default, so the js pass must ask for the reference device.
  if (device !== "js") await init(device);
  setDefaultDevice(device);
});

afterAll(() => {
  if (device !== "webgpu") return;
  setFloat64Delegate(null);
  const file = expect.getState().testPath ?? "(unknown file)";
  if (float64OnWasm > 0) console.log(`[webgpu] ${float64OnWasm} float64 jitted programs raised the float64 error and ran on wasm`);
  const log = process.env.FLUXION_WEBGPU_F64_LOG;
  if (log) appendFileSync(log, `${float64OnWasm}\t${file}\n`);
});
