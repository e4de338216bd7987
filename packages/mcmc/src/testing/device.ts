// Statistical MCMC tests are about the samplers, not the device: they run their jitted chains on the
// wasm device (whole programs, loops included, compiled), which is many times faster than the
// reference interpreter. Device parity is checked by the engine's registry suites.
import { afterAll, beforeAll } from "vitest";
import { type Device, defaultDevice, init, setDefaultDevice } from "@fluxion/core";

export function runOnWasm(): void {
  let previous: Device = "js";
  beforeAll(async () => {
    previous = defaultDevice();
    await init("wasm");
    setDefaultDevice("wasm");
  });
  afterAll(() => setDefaultDevice(previous));
}
