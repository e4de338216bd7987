// Long-running programs keep memory flat: eager loops under tidy, repeated jitted calls.
import { describe, expect, it } from "vitest";
import { NDArray, np, tidy, memoryStats } from "@fluxion/core";
import { jit, grad, scan } from "@fluxion/transforms";

describe("memory", () => {
  it("tidy frees everything created inside except the result", () => {
    const before = memoryStats().liveBuffers;
    const kept = tidy(() => {
      const a = np.ones([100]);
      const b = np.sin(a);
      return np.add(b, 1);
    });
    expect(memoryStats().liveBuffers).toBe(before + 1);
    kept.dispose();
    expect(memoryStats().liveBuffers).toBe(before);
  });
  it("10^5 eager ops inside tidy keep live buffers flat", () => {
    const x = np.ones([16]);
    const base = memoryStats();
    let y = x;
    for (let i = 0; i < 100_000; i++) {
      if (i % 10_000 === 0) expect(memoryStats().liveBuffers - base.liveBuffers).toBeLessThanOrEqual(1);
      const next = tidy(() => np.add(np.multiply(y, 0.5), 0.5));
      if (y !== x) y.dispose();
      y = next;
    }
    y.dispose();
    expect(memoryStats()).toEqual(base);
  });
  it("10^5 calls of a jitted function keep live buffers flat", () => {
    const f = jit((x: NDArray, w: NDArray) => np.tanh(np.add(np.matmul(w, x), 1)));
    const w = np.ones([4, 4]);
    let x = np.ones([4]);
    f(x, w).dispose();
    const base = memoryStats();
    for (let i = 0; i < 100_000; i++) {
      const y = f(x, w) as NDArray;
      x.dispose();
      x = y;
    }
    expect(memoryStats().liveBuffers).toBe(base.liveBuffers);
    expect(memoryStats().liveBytes).toBe(base.liveBytes);
  });
  it("jitted grad of a scan in a loop keeps memory flat", () => {
    const g = jit(grad((w: NDArray) => scan((c: NDArray, _: null) => [np.sin(np.multiply(c, w)), null] as [NDArray, null], np.array(1), null, { length: 20 })[0]));
    const w = np.array(0.5);
    g(w).dispose();
    const base = memoryStats();
    for (let i = 0; i < 2000; i++) g(w).dispose();
    expect(memoryStats()).toEqual(base);
  });
});
