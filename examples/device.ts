// For the examples: run a main body on a device (wasm by default) and restore the previous default after.
import { type Device, defaultDevice, init, setDefaultDevice } from "@fluxion/core";

export async function onDevice<T>(device: Device, body: () => T): Promise<T> {
  const previous = defaultDevice();
  if (device !== "js") await init(device);
  setDefaultDevice(device);
  try {
    return body();
  } finally {
    setDefaultDevice(previous);
  }
}
