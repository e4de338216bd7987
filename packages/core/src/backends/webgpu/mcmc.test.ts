// Whole MCMC runs as one kernel: jit(vmap(sampleChain)) with @fluxion/mcmc's HMC and NUTS kernels
// compiles into a single program-per-lane dispatch (the transition scan with NUTS's tree-building
// whileLoops nested inside), and every output equals the js reference device in float32.
// Under CI=true a missing adapter fails instead of skipping.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NDArray, defaultDevice, init, np, random, setDefaultDevice, tree } from "@fluxion/core";
import { jit, vmap } from "@fluxion/transforms";
import { HamiltonianMonteCarlo, NoUTurnSampler, sampleChain } from "@fluxion/mcmc";
import { webgpuRequired } from "./adapter.js";
import { probeWebGPU } from "./testing.js";
import { webgpuStats } from "./index.js";

const { available, reason } = await probeWebGPU();
let saved: ReturnType<typeof defaultDevice>;
beforeAll(() => {
  saved = defaultDevice();
});
afterAll(() => setDefaultDevice(saved));

// An anisotropic Gaussian in 3 dimensions (scales 1, 1/2, 2).
const logp = (x: NDArray) => np.sum(x.mul(x).mul(np.array([1, 4, 0.25], "float32"))).mul(-0.5);

describe("vmapped MCMC chains on webgpu", () => {
  if (!available && webgpuRequired()) {
    it("is available (required under CI=true)", () => {
      throw new Error(`no WebGPU device (${reason}). Fix: run bash scripts/setup-webgpu.sh.`);
    });
    return;
  }
  const skipNote = available ? "" : ` [skipped: ${reason}]`;
  const kernels = {
    HMC: () => new HamiltonianMonteCarlo({ targetLogProbFn: logp, stepSize: 0.3, numLeapfrogSteps: 4 }),
    NUTS: () => new NoUTurnSampler({ targetLogProbFn: logp, stepSize: 0.3, maxTreeDepth: 5 }),
  };
  for (const [name, make] of Object.entries(kernels)) {
    it.skipIf(!available)(`${name}: 16 chains x 50 draws are one program-per-lane kernel and equal the js device${skipNote}`, () => {
      const kernel = make();
      const run = (key: NDArray, x0: NDArray) => sampleChain({ numResults: 50, currentState: x0, kernel: kernel as never, seed: key, traceFn: (s: unknown) => s } as never) as unknown;
      const keys = random.split(random.key(0), 16);
      const x0 = np.reshape(np.array(Array.from({ length: 48 }, (_, i) => Math.sin(i)), "float32"), [16, 3]);
      setDefaultDevice("webgpu");
      const p0 = webgpuStats.programPerLane, h0 = webgpuStats.hostLoops, f0 = webgpuStats.fallbacks;
      const t0 = performance.now();
      const got = tree.leaves(jit(vmap(run))(keys, x0)) as NDArray[];
      got.forEach((g) => g.dataSync());
      const ms = performance.now() - t0;
      expect(webgpuStats.programPerLane - p0).toBe(1);
      expect(webgpuStats.hostLoops - h0).toBe(0);
      expect(webgpuStats.fallbacks - f0).toBe(0);
      setDefaultDevice("js");
      const want = tree.leaves(jit(vmap(run))(keys, x0)) as NDArray[];
      expect(got.length).toBe(want.length);
      got.forEach((g, i) => {
        const w = want[i]!;
        expect(g.shape).toEqual(w.shape);
        expect(g.dtype).toBe(w.dtype);
        const a = g.dataSync(), b = w.dataSync();
        if (w.dtype !== "float32") expect(Array.from(a), `leaf ${i}`).toEqual(Array.from(b));
        else for (let k = 0; k < b.length; k++) expect(Math.abs(a[k]! - b[k]!), `leaf ${i}[${k}]`).toBeLessThan(1e-5 + 1e-5 * Math.abs(b[k]!));
      });
      console.log(`[webgpu] ${name} 16 chains x 50 draws: one kernel, first call ${ms.toFixed(0)} ms (trace, compile, run)`);
    });
  }
});
