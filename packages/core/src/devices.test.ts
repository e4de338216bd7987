// The default device of a fresh module graph is wasm (setup-device.ts picks the suite's device).
import { describe, expect, it, vi } from "vitest";

describe("default device", () => {
  it("is wasm in a fresh import, with the wasm eager and jit executors installed", async () => {
    vi.resetModules();
    const core = (await import("./index.js")) as typeof import("./index.js");
    expect(core.defaultDevice()).toBe("wasm");
    expect(core.devices()).toContain("js");
    const { wasmEagerStats } = (await import("./backends/wasm/eager.js")) as typeof import("./backends/wasm/eager.js");
    await core.init("wasm");
    const before = wasmEagerStats.ops;
    const y = core.np.add(core.np.array([1, 2]), core.np.array([3, 4]));
    expect(Array.from(y.dataSync())).toEqual([4, 6]);
    expect(wasmEagerStats.ops).toBe(before + 1);
    expect(() => core.setDefaultDevice("tpu" as never)).toThrow(/unknown device "tpu"; use "js", "wasm" or "webgpu"/);
  });
});
