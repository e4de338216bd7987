// `pnpm bench --only=webgpu`: vmapped MCMC (@fluxion/mcmc's HMC and NUTS under jit(vmap(sampleChain)))
// on the webgpu device with 1, 64 and 1,024 chains, program-per-lane kernels against the host-driven
// loop in the same run: dispatches and milliseconds per step, and the two strategies' draws compared.
// Writes the "## webgpu" section of bench/RESULTS.md (--no-write to only print; --quick for fewer steps).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type NDArray, init, np, random, setDefaultDevice, tree } from "@fluxion/core";
import { jit, vmap } from "@fluxion/transforms";
import { HamiltonianMonteCarlo, NoUTurnSampler, sampleChain, type TransitionKernel } from "@fluxion/mcmc";
import { setMaxLaneElements, webgpuInfo, webgpuStats } from "../../packages/core/src/backends/webgpu/index.js";
import { currentLoad, describeMachine, fluxionRevision } from "../lib/machine.js";

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const write = !quick && !argv.includes("--no-write");
const root = fileURLToPath(new URL("../..", import.meta.url));
const resultsFile = fileURLToPath(new URL("../RESULTS.md", import.meta.url));
const HEADING = "## webgpu: vmapped MCMC";
const log = (s: string): void => void process.stderr.write(`[bench webgpu] ${s}\n`);

// An anisotropic Gaussian in D dimensions (scales 1, 1/2, 2, 1/3, ...): log p = -½ Σ w_i x_i².
const D = 4;
const weights = np.array(Array.from({ length: D }, (_, i) => [1, 4, 0.25, 9][i % 4]!), "float32");
const logProb = (x: NDArray): NDArray => np.sum(x.mul(x).mul(weights)).mul(-0.5);

interface Sampler { name: string; detail: string; steps: number; make: () => TransitionKernel<never> }
const samplers: Sampler[] = [
  { name: "HMC", detail: "5 leapfrog steps, ε = 0.2", steps: quick ? 20 : 100, make: () => new HamiltonianMonteCarlo({ targetLogProbFn: logProb, stepSize: 0.2, numLeapfrogSteps: 5 }) as never },
  { name: "NUTS", detail: "max tree depth 5, ε = 0.2", steps: quick ? 5 : 20, make: () => new NoUTurnSampler({ targetLogProbFn: logProb, stepSize: 0.2, maxTreeDepth: 5 }) as never },
];
const CHAINS = [1, 64, 1024];

interface Run { firstMs: number; ms: number; dispatches: number; lanes: number; hostLoops: number; fallbacks: number; leaves: Float32Array[] }

/** One jit(vmap(sampleChain)) with a fresh trace: a first call (trace, compile, run), then timed calls. */
function measure(s: Sampler, chains: number, laneLimit: number, timedCalls: number): Run {
  setMaxLaneElements(laneLimit);
  const kernel = s.make();
  const chain = (key: NDArray, x0: NDArray) => {
    const r = sampleChain({ numResults: s.steps, currentState: x0, kernel, seed: key, traceFn: () => [] });
    return r.states as NDArray;
  };
  const run = jit(vmap(chain));
  const keys = random.split(random.key(42), chains);
  const x0 = np.reshape(np.array(Array.from({ length: chains * D }, (_, i) => Math.sin(i)), "float32"), [chains, D]);
  const read = (out: unknown) => (tree.leaves(out) as NDArray[]).map((l) => l.dataSync() as Float32Array);
  let t0 = performance.now();
  read(run(keys, x0));
  const firstMs = performance.now() - t0;
  let best = Infinity, leaves: Float32Array[] = [];
  const before = { ...webgpuStats };
  for (let i = 0; i < timedCalls; i++) {
    t0 = performance.now();
    leaves = read(run(keys, x0));
    best = Math.min(best, performance.now() - t0);
  }
  const per = (k: keyof typeof webgpuStats) => (webgpuStats[k] - before[k]) / timedCalls;
  return { firstMs, ms: best, dispatches: per("dispatches"), lanes: per("programPerLane"), hostLoops: per("hostLoops"), fallbacks: per("fallbacks"), leaves };
}

function maxDifference(a: Float32Array[], b: Float32Array[]): number {
  let m = 0;
  a.forEach((x, i) => x.forEach((v, k) => (m = Math.max(m, Math.abs(v - b[i]![k]!) / (1 + Math.abs(b[i]![k]!))))));
  return m;
}

// Mesa's Vulkan loader wants a private runtime directory (scripts/test-all.sh makes the same one).
if (!process.env.XDG_RUNTIME_DIR || !existsSync(process.env.XDG_RUNTIME_DIR)) {
  process.env.XDG_RUNTIME_DIR = `/tmp/xdg-runtime-${process.getuid?.() ?? "user"}`;
  mkdirSync(process.env.XDG_RUNTIME_DIR, { recursive: true, mode: 0o700 });
}
try {
  await init("webgpu");
} catch (e) {
  log(`no WebGPU adapter: ${e instanceof Error ? e.message : String(e)} (bash scripts/setup-webgpu.sh installs lavapipe)`);
  process.exit(1);
}
setDefaultDevice("webgpu");
const machine = describeMachine();
const adapter = webgpuInfo();
log(`${machine.cores} cores, ${machine.cpuModel}; adapter ${adapter?.description ?? "?"} (${adapter?.backend ?? "?"}); load ${machine.loadAtStart}`);
const started = performance.now();

const rows: string[] = [];
let problems = 0;
for (const s of samplers) {
  for (const chains of CHAINS) {
    const lanes = measure(s, chains, 4096, quick ? 1 : 3);
    // The host-driven loop at 1,024 NUTS chains is the slow corner: one timed call.
    const host = measure(s, chains, 0, 1);
    const diff = maxDifference(lanes.leaves, host.leaves);
    const ok = diff < 1e-3 && lanes.hostLoops === 0 && lanes.fallbacks === 0;
    if (!ok) problems++;
    const cell = (r: Run) => `${r.dispatches} | ${(r.ms / s.steps).toFixed(3)} | ${r.firstMs.toFixed(0)}`;
    rows.push(`| ${s.name} | ${chains} | ${cell(lanes)} | ${cell(host)} | ${(host.ms / lanes.ms).toFixed(1)}× | ${diff.toExponential(1)}${ok ? "" : " **mismatch**"} |`);
    log(`${s.name} ${chains} chains: per-lane ${lanes.ms.toFixed(1)} ms (${lanes.dispatches} dispatches), host-driven ${host.ms.toFixed(1)} ms (${host.dispatches}) (${((performance.now() - started) / 1000).toFixed(0)} s in all)`);
  }
}
setMaxLaneElements(4096);

const section = [
  `${HEADING} (\`pnpm bench --only=webgpu\`)`,
  "",
  `\`jit(vmap(chain))\` where \`chain(key, x0)\` is @fluxion/mcmc's \`sampleChain\` on a ${D}-d anisotropic Gaussian (precisions 1, 4, 0.25, 9), float32, ` +
    "one threefry key per chain. **Program-per-lane**: the whole chain (scan of transitions, NUTS's tree-building while loops inside) is one WGSL kernel in which each invocation runs one chain. " +
    "**Host-driven**: the same program with program-per-lane kernels disabled (`setMaxLaneElements(0)`), so every loop trip is dispatched from the host. " +
    "Dispatches and time are per call of the whole run (best of 3 program-per-lane calls, 1 host-driven call, after a first call that traces and compiles); ms/step = call time / steps. " +
    "The last column is the largest difference between the two strategies' draws, |a − b| / (1 + |b|).",
  "",
  ...samplers.map((s) => `- ${s.name}: ${s.detail}, ${s.steps} steps per chain`),
  "",
  "| sampler | chains | per-lane dispatches | per-lane ms/step | per-lane 1st call ms | host-driven dispatches | host-driven ms/step | host-driven 1st call ms | speedup | max diff |",
  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ...rows,
  "",
  `Machine: ${machine.cores} cores, ${machine.cpuModel}; adapter "${adapter?.description ?? "?"}" (${adapter?.backend ?? "?"}); load average ${machine.loadAtStart} at start, ${currentLoad()} at end; ` +
    `Fluxion ${fluxionRevision(root)}, node ${process.version}; ${((performance.now() - started) / 1000).toFixed(0)} s in all.`,
].join("\n");
process.stdout.write(section + "\n");

if (write) {
  const before = existsSync(resultsFile) ? readFileSync(resultsFile, "utf8") : "# Benchmark results\n";
  // Replace this section only (up to the next "## "), or append it.
  const at = before.indexOf(HEADING);
  const next = at < 0 ? -1 : before.indexOf("\n## ", at + HEADING.length);
  const after = at < 0 ? before.trimEnd() + "\n\n" + section + "\n" : before.slice(0, at) + section + "\n" + (next < 0 ? "" : before.slice(next));
  writeFileSync(resultsFile, after);
  log(`wrote ${resultsFile} (section "${HEADING}")`);
}
if (problems) {
  log(`${problems} configurations disagree between the strategies or did not run as one lane kernel`);
  process.exitCode = 1;
}
