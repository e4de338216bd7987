// Stan-style windowed warmup: the schedule matches Stan's, and on a badly scaled Gaussian the adapted
// diagonal metric recovers the variances and the draws have the right moments.
import { afterEach, describe, expect, test } from "vitest";
import { NDArray, np, random } from "@fluxion/core";
import { effectiveSampleSize, potentialScaleReduction, reasonableStepSize, stanWarmupSchedule, windowedAdaptiveNutsFromLogProb } from "./index.js";
import { runOnWasm } from "./testing/device.js";

runOnWasm();

// Long synchronous tests starve the worker's RPC; give the event loop a turn between tests.
afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)));

describe("stanWarmupSchedule", () => {
  const windowEnds = (n: number) => stanWarmupSchedule(n).windowEnd.flatMap((e, i) => (e ? [i + 1] : []));
  test("1000 steps: Stan's 75 / 25-doubling / 50 windows end at 100, 150, 250, 450, 950", () => {
    expect(windowEnds(1000)).toEqual([100, 150, 250, 450, 950]);
    const s = stanWarmupSchedule(1000);
    expect(s.slow.filter(Boolean).length).toBe(875);
    expect(s.slow.indexOf(true)).toBe(75);
  });
  test("short warmups shrink the buffers to 15% / 10% as Stan does", () => {
    expect(windowEnds(100)).toEqual([90]);
    expect(stanWarmupSchedule(100).slow.indexOf(true)).toBe(15);
    expect(windowEnds(10)).toEqual([]);
  });
});

describe("reasonableStepSize (Stan's init_stepsize)", () => {
  test("halves from 1 or doubles from 1e-3 to a step of the order of the target's scale", () => {
    const scale = 0.1;
    const logProb = (x: NDArray) => np.multiply(np.sum(np.square(np.divide(x, scale)), -1), -0.5);
    const state = np.multiply(random.normal(random.key(3), [8, 2], { dtype: "float64" }), scale);
    const ones = np.ones([2], "float64");
    for (const start of [1, 1e-3]) {
      const eps = reasonableStepSize(logProb as never, state, 1, np.asarray(start, "float64"), ones, random.key(4)).item();
      expect(Math.log2(start / eps) % 1).toBeCloseTo(0, 10);
      expect(eps).toBeGreaterThan(scale / 8);
      expect(eps).toBeLessThan(4 * scale);
    }
    // With the metric matching the scale, the same heuristic finds a step near 1.
    const eps = reasonableStepSize(logProb as never, state, 1, np.asarray(1e-3, "float64"), np.full([2], scale * scale, "float64"), random.key(4)).item();
    expect(eps).toBeGreaterThan(0.25);
    expect(eps).toBeLessThan(4);
  });
});

describe("slow: windowedAdaptiveNutsFromLogProb", () => {
  test("adapts a diagonal metric to a Gaussian with scales 0.3, 1, 3 (4 chains)", () => {
    const scales = np.array([0.3, 1, 3], "float64");
    const logProb = (x: NDArray) => np.multiply(np.sum(np.square(np.divide(x, scales)), -1), -0.5);
    const init = random.uniform(random.key(1), [4, 3], { dtype: "float64", minval: -2, maxval: 2 });
    const out = windowedAdaptiveNutsFromLogProb({
      targetLogProbFn: logProb as never, currentState: init, nDraws: 200, numAdaptationSteps: 300, seed: 7,
      traceFn: (_s, r) => ({ logAcceptRatio: r.logAcceptRatio, treeDepth: r.treeDepth }),
    });
    const states = out.states as NDArray;
    expect(states.shape).toEqual([200, 4, 3]);
    // The last slow window pools 100 steps x 4 chains; a 35% band is about 3 standard errors of those variances.
    const inv = out.inverseMassMatrix.toArray() as number[];
    [0.09, 1, 9].forEach((v, i) => expect(Math.abs(inv[i]! / v - 1)).toBeLessThan(0.35));
    const trace = out.trace as { logAcceptRatio: NDArray; treeDepth: NDArray };
    const acceptance = np.mean(np.exp(trace.logAcceptRatio)).item();
    expect(acceptance).toBeGreaterThan(0.65);
    expect(acceptance).toBeLessThan(0.95);
    // With the metric adapted, the scaled problem is isotropic: short trajectories.
    expect(np.mean(trace.treeDepth.astype("float64")).item()).toBeLessThan(3.5);
    ((potentialScaleReduction(states) as NDArray).toArray() as number[]).forEach((r) => expect(r).toBeLessThan(1.05));
    const ess = (effectiveSampleSize(states, { method: "mean" }) as NDArray).toArray() as number[];
    const means = np.mean(states, [0, 1]).toArray() as number[];
    const variances = np.mean(np.square(states), [0, 1]).toArray() as number[];
    [0.3, 1, 3].forEach((s, i) => {
      expect(Math.abs(means[i]!)).toBeLessThan((4 * s) / Math.sqrt(ess[i]!));
      expect(Math.abs(variances[i]! / (s * s) - 1)).toBeLessThan(4 * Math.sqrt(2 / ess[i]!) + 0.05);
    });
  }, 300_000);
});
