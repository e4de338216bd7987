// Selects the default device for the whole suite from FLUXION_DEVICE (js when unset), so every
// test also runs on the wasm device: `FLUXION_DEVICE=wasm pnpm vitest run`.
import { beforeAll } from "vitest";
import { init, setDefaultDevice, type Device } from "@fluxion/core";

const device = (process.env.FLUXION_DEVICE ?? "js") as Device;
beforeAll(async () => {
  if (device !== "js") {
    await init(device);
    setDefaultDevice(device);
  }
});
