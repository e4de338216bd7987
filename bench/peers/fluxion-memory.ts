// Memory over many jitted NUTS steps (issue 9): a JS loop calls one jitted NUTS transition of a small
// model (2-d standard normal, 4 chains) and disposes what it no longer needs; live device buffers
// (memoryStats) and the process heap and RSS are read at the start, after 10% of the steps, and at the end.
import { init, memoryStats, np, random, setDefaultDevice, type NDArray } from "@fluxion/core";
import { standardNormalNutsStep } from "../workloads/fluxionModels.js";
import { RESULT_PREFIX, type Measurement } from "../lib/protocol.js";

const steps = Number(process.argv[2] ?? 100_000);
await init("wasm");
setDefaultDevice("wasm");
const step = standardNormalNutsStep();
let key = random.key(0);
let q: NDArray = np.zeros([4, 2]);
let sumSquares = 0;
let leapfrogs = 0;
const mib = (b: number): number => b / 2 ** 20;
const snapshot = (): { buffers: number; bytes: number; heapMiB: number; rssMiB: number } => {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  const s = memoryStats();
  return { buffers: s.liveBuffers, bytes: s.liveBytes, heapMiB: mib(m.heapUsed), rssMiB: mib(m.rss) };
};
const runSteps = (from: number, to: number): void => {
  for (let i = from; i < to; i++) {
    const [next, lf, nextKey] = step(q, key);
    key.dispose();
    q.dispose();
    q = next;
    key = nextKey;
    // Read a little every 100 steps (moments of the draws, leapfrogs): enough to check, not a per-step host sync.
    if (i % 100 === 0) {
      const v = q.dataSync() as Float32Array;
      for (const x of v) sumSquares += x * x;
      leapfrogs += (lf.dataSync() as Int32Array).reduce((a, b) => a + b, 0);
    }
    lf.dispose();
  }
};
runSteps(0, 1); // compile
const start = snapshot();
const t0 = performance.now();
const tenth = Math.max(1, Math.floor(steps / 10));
runSteps(1, tenth);
const atTenth = snapshot();
runSteps(tenth, steps);
const end = snapshot();
const seconds = (performance.now() - t0) / 1000;
const reads = Math.ceil(steps / 100);
const m: Measurement = {
  peer: "Fluxion", workload: "memory", size: steps, seconds: [seconds / (steps - 1)], callsPerRep: steps - 1, firstCallSeconds: NaN,
  // E[q^2] = 1 per coordinate of a standard normal: the sampler still samples correctly at the end.
  checksum: [sumSquares / (reads * 8), leapfrogs / reads / 4],
  extra: {
    tenth, buffersStart: start.buffers, buffersTenth: atTenth.buffers, buffersEnd: end.buffers,
    bytesStart: start.bytes, bytesTenth: atTenth.bytes, bytesEnd: end.bytes,
    heapStartMiB: start.heapMiB, heapTenthMiB: atTenth.heapMiB, heapEndMiB: end.heapMiB,
    rssStartMiB: start.rssMiB, rssTenthMiB: atTenth.rssMiB, rssEndMiB: end.rssMiB,
  },
};
process.stdout.write(RESULT_PREFIX + JSON.stringify(m) + "\n");
