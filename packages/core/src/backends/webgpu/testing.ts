// For the webgpu test files: acquire the adapter once at module load and say why not when there is none
// (the tests then skip with that reason outside CI and fail under CI=true via webgpuRequired).
import { init } from "../../devices.js";

export async function probeWebGPU(): Promise<{ available: boolean; reason: string }> {
  try {
    await init("webgpu");
    return { available: true, reason: "" };
  } catch (e) {
    return { available: false, reason: e instanceof Error ? e.message : String(e) };
  }
}
