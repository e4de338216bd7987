// Eager elementwise ops on the wasm device: equal to the reference kernels, resident in wasm
// memory, and no compile for a length never seen before.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultDevice, init, memoryStats, np, setDefaultDevice, special, tidy, type Device } from "../../index.js";
import { ConcreteArray } from "../../array/ndarray.js";
import { WasmBuffer } from "./heap.js";
import { wasmStats } from "./runtime.js";
import { wasmEagerStats } from "./eager.js";

let previous: Device;
beforeAll(async () => {
  previous = defaultDevice();
  await init("wasm");
});
afterAll(() => setDefaultDevice(previous));

function on<T>(d: Device, f: () => T): T {
  const before = defaultDevice();
  setDefaultDevice(d);
  try {
    return f();
  } finally {
    setDefaultDevice(before);
  }
}

describe("eager ops on the wasm device", () => {
  it("run as wasm kernels and leave results in wasm memory", () => {
    const x = np.array([1, 2, 3]);
    const ops = wasmEagerStats.ops;
    const y = on("wasm", () => np.add(np.multiply(x, x), 1));
    expect(wasmEagerStats.ops).toBeGreaterThan(ops);
    expect((y as ConcreteArray).buffer).toBeInstanceOf(WasmBuffer);
    expect(Array.from(y.dataSync())).toEqual([2, 5, 10]);
  });

  it("equal the reference kernels at every length (chunks + tails), bitwise for arithmetic", () => {
    for (const n of [1, 7, 8, 9, 63, 64, 65, 511, 4095, 4096, 4097, 10007]) {
      const a = np.linspace(-3, 5, n);
      const b = np.cos(np.linspace(0, 40, n));
      const f = () => [np.add(a, b), np.multiply(a, b), np.subtract(a, b), np.divide(a, b), np.maximum(a, b), np.greater(a, b), np.where(np.less(a, b), a, b), np.astype(np.floor(a), "int32"), np.sqrt(np.abs(a)), np.square(b)];
      const want = on("js", f);
      const got = on("wasm", f);
      got.forEach((g, k) => {
        expect(g.dtype).toBe(want[k]!.dtype);
        expect(Array.from(g.dataSync()), `op ${k} at n=${n}`).toEqual(Array.from(want[k]!.dataSync()));
      });
    }
  });

  it("leave transcendentals to the reference kernels, bit for bit", () => {
    const x = np.linspace(-4, 4, 1001);
    const ops = wasmEagerStats.ops;
    for (const f of [np.exp, np.sin, np.tanh, special.expit, special.erfinv]) {
      const arg = f === special.erfinv ? np.multiply(x, 0.2) : x;
      expect(Array.from(on("wasm", () => f(arg)).dataSync())).toEqual(Array.from(on("js", () => f(arg)).dataSync()));
    }
    expect(wasmEagerStats.ops - ops).toBeLessThanOrEqual(1); // only the multiply ran in wasm
  });

  it("compile nothing for a length never seen before", () => {
    on("wasm", () => np.exp(np.ones([5000])));
    const compiled = wasmStats.kernelsCompiled;
    const r = on("wasm", () => np.exp(np.ones([12345])));
    expect(wasmStats.kernelsCompiled).toBe(compiled);
    expect(r.dataSync()[12344]).toBeCloseTo(Math.E, 5);
  });

  it("keep memory flat over 3·10^3 ops", () => {
    const x = np.linspace(0, 1, 100);
    const run = () => {
      for (let i = 0; i < 300; i++) tidy(() => on("wasm", () => np.multiply(np.add(x, i), 2))).dispose();
    };
    run();
    const live = memoryStats().liveBuffers;
    for (let k = 0; k < 9; k++) run();
    expect(memoryStats().liveBuffers).toBe(live);
  });
});
