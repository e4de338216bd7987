// The benchmark harness behind `pnpm bench`: builds the C peer, runs every peer of every workload in
// its own process in one run, checks each peer's numbers against a float64 oracle, prints the
// ratios and rewrites its section of bench/RESULTS.md (other sections, e.g. optim's, are kept).
// Flags: --only=chain,matmul,logreg,scan,compile,gradient,iris,lbfgs,restarts,memory  --quick (fewer/shorter reps, no write)
//        --write / --no-write  --optim (also run bench/optim/run.ts --write, which takes minutes)
//        --liftoff (V8's default wasm tiering instead of --no-liftoff)  --note="..." (a sentence recorded in RESULTS.md, e.g. what the checkout contained)
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { INFO_PREFIX, RESULT_PREFIX, type CoreWorkloadId, type Measurement, type ModelWorkloadId, type Task, type WorkloadId } from "./lib/protocol.js";
import { commandVersion, currentLoad, describeMachine, fluxionRevision, packageVersion } from "./lib/machine.js";
import { buildReport, MODELS_SECTION_HEADING, type PeerRun, replaceSection, SECTION_HEADING } from "./lib/report.js";

const benchDir = dirname(fileURLToPath(import.meta.url));
const root = join(benchDir, "..");
const tsx = join(root, "node_modules", ".bin", "tsx");
const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(`--${name}`);
/** --only names: the workload ids, plus `gradient` (gradcall + leapfrog) and `restarts` (batched + loop). */
const ONLY_ALIASES: Record<string, WorkloadId[]> = { gradient: ["gradcall", "leapfrog"], restarts: ["restarts", "restartsLoop"] };
const only = argv.find((a) => a.startsWith("--only="))?.slice(7).split(",").flatMap((n) => ONLY_ALIASES[n] ?? [n as WorkloadId]);
const quick = flag("quick");
/** A sentence for RESULTS.md about what was measured when it is not a plain checkout (--note="..."). */
const note = argv.find((a) => a.startsWith("--note="))?.slice(7);
const write = flag("write") || (!quick && !flag("no-write"));

/** Repetitions: ≥5 always; a repetition repeats the call for at least minRepSeconds. */
const REPS = quick ? 5 : 7;
const MIN_REP_SECONDS = quick ? 0.05 : 0.2;
const COLD_PROCESSES = 5;
const COMPILE_SIZE = 1000;
/** A peer process that runs longer than this is stopped and its tasks reported as failed. */
const PROCESS_TIMEOUT_MS = 300_000;

const SIZES: Record<Exclude<CoreWorkloadId, "compile">, number[]> = {
  chain: [1_000_000, 10_000_000],
  matmul: [256, 512, 1024],
  logreg: [10_000],
  scan: [10_000],
};
/** Model workloads: parameters (gradcall), NUTS draws per call (leapfrog), dimension (lbfgs), starts (restarts). */
const MODEL_SIZES: Record<Exclude<ModelWorkloadId, "iris" | "memory">, number[]> = {
  gradcall: [10],
  leapfrog: [quick ? 20 : 100],
  lbfgs: [100],
  restarts: [100],
  restartsLoop: [100],
};
/** NUTS steps of the memory workload (issue 9: 10^5; readings after 10% and 100%). */
const MEMORY_STEPS = quick ? 10_000 : 100_000;

const log = (s: string): void => void process.stderr.write(`[bench] ${s}\n`);
const started = performance.now();
const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(0)} s`;

const machine = describeMachine();
log(`${machine.cores} cores, ${machine.cpuModel}; load average ${machine.loadAtStart}`);

// ---- peers ----

interface Peer {
  name: string;
  /** argv of the peer process (the task list is appended as JSON), or why it cannot run at all. */
  command: string[] | { unavailable: string };
  env?: Record<string, string>;
  workloads: WorkloadId[];
}

function buildC(fastMath: boolean): string[] | { unavailable: string } {
  const out = join(benchDir, "build", fastMath ? "kernels-fast-math" : "kernels");
  mkdirSync(dirname(out), { recursive: true });
  const flags = ["-O3", "-march=native", ...(fastMath ? ["-ffast-math"] : []), "-o", out, join(benchDir, "c", "kernels.c"), "-lm"];
  try {
    execFileSync("gcc", flags, { stdio: ["ignore", "pipe", "pipe"] });
    return [out];
  } catch (e) {
    return { unavailable: `gcc failed: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}` };
  }
}

/** run.sh picks a python3 that has numpy (installing it when it can) and passes it as BENCH_PYTHON. */
function pythonWithNumpy(): string[] | { unavailable: string } {
  const python = process.env.BENCH_PYTHON ?? "python3";
  try {
    execFileSync(python, ["-c", "import numpy"], { stdio: "ignore" });
    return [python, join(benchDir, "peers", "numpy_matmul.py")];
  } catch {
    return { unavailable: `no python3 with numpy (tried ${python}; run.sh installs it with pip or apt-get when it can)` };
  }
}

function pythonWithScipy(): string[] | { unavailable: string } {
  const python = process.env.BENCH_PYTHON ?? "python3";
  try {
    execFileSync(python, ["-c", "import scipy"], { stdio: "ignore" });
    return [python, join(benchDir, "peers", "scipy_optim.py")];
  } catch {
    return { unavailable: `no python3 with scipy (tried ${python}; pip install scipy)` };
  }
}

/**
 * Throughput processes run with V8's --no-liftoff: wasm is compiled by TurboFan at once, so every
 * wasm peer (Fluxion, jax-js, tfjs) is measured at steady state. With V8's default tiering, new wasm
 * runs in Liftoff until a background compile finishes, which on a loaded machine took longer than any
 * warm-up we could afford (Fluxion's logreg: ~25 calls at 50-100x). --liftoff measures the default.
 * Compile latency is always measured with V8's defaults, as a user's first call sees it.
 */
const steadyStateFlags = flag("liftoff") ? [] : ["--no-liftoff"];
const ts = (script: string, v8Flags: string[] = steadyStateFlags): string[] => [tsx, ...v8Flags, "--tsconfig", join(benchDir, "tsconfig.json"), join(benchDir, "peers", script)];
const timed: Exclude<CoreWorkloadId, "compile">[] = ["chain", "matmul", "logreg", "scan"];
const peers: Peer[] = [
  { name: "Fluxion", command: ts("fluxion.ts"), workloads: timed },
  { name: "plain JS", command: ts("js.ts"), workloads: timed },
  { name: "C -O3", command: buildC(false), workloads: timed },
  { name: "C -O3 -ffast-math", command: buildC(true), workloads: timed },
  { name: "jax-js", command: ts("jaxjs.ts"), workloads: timed },
  { name: "tfjs-wasm", command: ts("tfjs.ts"), workloads: timed },
  { name: "numpy", command: pythonWithNumpy(), env: { OPENBLAS_CORETYPE: "SkylakeX", OPENBLAS_NUM_THREADS: "1" }, workloads: ["matmul"] },
];

const peerInfo: Record<string, string> = {};

function failed(peer: string, task: Task, error: string): Measurement {
  return { peer, workload: task.workload, size: task.size, seconds: [], callsPerRep: 0, checksum: [], firstCallSeconds: NaN, error };
}

/** Runs one peer process on `tasks`; every task comes back, measured or with the reason it failed. */
/** How tasks reach the process: JSON in argv (TS and Python peers), positional (the C binary), or already in `command`. */
type TaskArgs = "json" | "positional" | "none";
function runProcess(peer: string, command: string[], tasks: Task[], env: Record<string, string> = {}, taskArgs: TaskArgs = "json"): Measurement[] {
  const t = tasks[0]!;
  const args = taskArgs === "json" ? [JSON.stringify(tasks)] : taskArgs === "positional" ? [t.workload, String(t.size), String(t.reps), String(t.minRepSeconds)] : [];
  const r = spawnSync(command[0]!, [...command.slice(1), ...args], {
    cwd: root, encoding: "utf8", timeout: PROCESS_TIMEOUT_MS, maxBuffer: 64 << 20, env: { ...process.env, ...env },
  });
  const lines = (r.stdout ?? "").split("\n");
  const got = lines.filter((l) => l.startsWith(RESULT_PREFIX)).map((l) => ({ ...(JSON.parse(l.slice(RESULT_PREFIX.length)) as Measurement), peer }));
  for (const l of lines.filter((x) => x.startsWith(INFO_PREFIX))) Object.assign(peerInfo, JSON.parse(l.slice(INFO_PREFIX.length)) as Record<string, string>);
  const why = r.error ? r.error.message : r.status !== 0 ? `exited with ${r.status ?? r.signal}: ${(r.stderr ?? "").trim().split("\n").filter(Boolean).slice(-3).join(" | ")}` : "printed no result";
  return tasks.map((t) => got.find((m) => m.workload === t.workload && m.size === t.size) ?? failed(peer, t, `crashed: ${why}`));
}

const runs: PeerRun[] = [];
for (const workload of timed) {
  if (only && !only.includes(workload)) continue;
  for (const peer of peers) {
    if (!peer.workloads.includes(workload)) continue;
    const tasks: Task[] = SIZES[workload].map((size) => ({ workload, size, reps: REPS, minRepSeconds: MIN_REP_SECONDS }));
    const t0 = performance.now();
    let results: Measurement[];
    if ("unavailable" in peer.command) {
      const reason = peer.command.unavailable;
      results = tasks.map((t) => failed(peer.name, t, reason));
    } else if (peer.name.startsWith("C")) {
      const command = peer.command;
      results = tasks.flatMap((t) => runProcess(peer.name, command, [t], peer.env, "positional"));
    } else {
      results = runProcess(peer.name, peer.command, tasks, peer.env);
    }
    runs.push(...results.map((m) => ({ measurement: m })));
    log(`${workload} ${peer.name}: ${((performance.now() - t0) / 1000).toFixed(1)} s (${elapsed()} in all)`);
  }
}

// ---- model workloads (issue 9) ----
type TimedModel = keyof typeof MODEL_SIZES;
/** One thread for SciPy's BLAS: its default pool spins on these tiny vectors (100-d L-BFGS took 20-40× longer on a loaded machine). */
const ONE_BLAS_THREAD = { OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" };
const modelPeers: { name: string; command: string[] | { unavailable: string }; env?: Record<string, string>; workloads: TimedModel[] }[] = [
  { name: "Fluxion", command: ts("fluxion-models.ts"), workloads: ["gradcall", "leapfrog", "lbfgs", "restarts"] },
  { name: "Fluxion, JS loop", command: ts("fluxion-models.ts"), workloads: ["restartsLoop"] },
  { name: "jax-js", command: ts("jaxjs.ts"), workloads: ["gradcall"] },
  { name: "plain JS", command: ts("js.ts"), workloads: ["gradcall"] },
  { name: "SciPy", command: pythonWithScipy(), env: ONE_BLAS_THREAD, workloads: ["lbfgs"] },
];
for (const peer of modelPeers) {
  const tasks: Task[] = peer.workloads.filter((w) => !only || only.includes(w))
    .flatMap((workload) => MODEL_SIZES[workload].map((size) => ({ workload, size, reps: REPS, minRepSeconds: MIN_REP_SECONDS })));
  if (!tasks.length) continue;
  const t0 = performance.now();
  const results = "unavailable" in peer.command ? tasks.map((t) => failed(peer.name, t, (peer.command as { unavailable: string }).unavailable)) : runProcess(peer.name, peer.command, tasks, peer.env);
  runs.push(...results.map((m) => ({ measurement: m })));
  log(`${tasks.map((t) => t.workload).join(", ")} ${peer.name}: ${((performance.now() - t0) / 1000).toFixed(1)} s (${elapsed()} in all)`);
}
if (!only || only.includes("iris")) {
  for (let k = 0; k < COLD_PROCESSES; k++) {
    const task: Task = { workload: "iris", size: 4, reps: 1, minRepSeconds: 0 };
    const [m] = runProcess("Fluxion", ts("fluxion-iris-compile.ts", []), [task], {}, "none");
    runs.push({ measurement: m!, coldProcess: true });
  }
  log(`iris: ${COLD_PROCESSES} fresh processes (${elapsed()} in all)`);
}
if (!only || only.includes("memory")) {
  const t0 = performance.now();
  const task: Task = { workload: "memory", size: MEMORY_STEPS, reps: 1, minRepSeconds: 0 };
  const [m] = runProcess("Fluxion", [...ts("fluxion-memory.ts", [...steadyStateFlags, "--expose-gc"]), String(MEMORY_STEPS)], [task], {}, "none");
  runs.push({ measurement: m! });
  log(`memory: ${MEMORY_STEPS} NUTS steps in ${((performance.now() - t0) / 1000).toFixed(1)} s (${elapsed()} in all)`);
}

if (!only || only.includes("compile")) {
  // Cold starts alternate between the two jit peers so that a change of machine load hits both.
  for (let k = 0; k < COLD_PROCESSES; k++) {
    for (const [peer, script] of [["Fluxion", "fluxion-compile.ts"], ["jax-js", "jaxjs-compile.ts"]] as const) {
      const task: Task = { workload: "compile", size: COMPILE_SIZE, reps: 1, minRepSeconds: 0 };
      const [m] = runProcess(peer, [...ts(script, []), String(COMPILE_SIZE)], [task], {}, "none");
      runs.push({ measurement: m!, coldProcess: true });
    }
  }
  for (const peer of ["plain JS", "C -O3", "tfjs-wasm"]) {
    const reason = peer === "tfjs-wasm" ? "tfjs has no jit: it runs one precompiled kernel per op, so there is nothing to compile"
      : peer === "plain JS" ? "nothing to compile (V8 tiers the loop up itself)" : "compiled ahead of time by gcc";
    runs.push({ measurement: failed(peer, { workload: "compile", size: COMPILE_SIZE, reps: 0, minRepSeconds: 0 }, reason) });
  }
  log(`compile: ${COLD_PROCESSES} fresh processes per jit peer (${elapsed()} in all)`);
}

// ---- report ----

const nm = (pkg: string): string => join(benchDir, "node_modules", pkg);
const versions: Record<string, string> = {
  Fluxion: fluxionRevision(root),
  node: `${process.version} (V8 ${process.versions.v8})`,
  binaryen: packageVersion(join(root, "packages", "core", "node_modules", "binaryen")),
  "@jax-js/jax": packageVersion(nm("@jax-js/jax")),
  "@tensorflow/tfjs": packageVersion(nm("@tensorflow/tfjs")),
  "@tensorflow/tfjs-backend-wasm": packageVersion(nm("@tensorflow/tfjs-backend-wasm")),
  gcc: commandVersion("gcc", ["--version"]),
  python: commandVersion(process.env.BENCH_PYTHON ?? "python3", ["--version"]),
  ...peerInfo,
};
const command = `pnpm bench${argv.filter((a) => !a.startsWith("--note=")).map((a) => " " + a).join("")}`;
const report = buildReport({
  runs, machine, versions, command, quick, note, v8Flags: steadyStateFlags,
  loadAtEnd: currentLoad(), seconds: (performance.now() - started) / 1000, reps: REPS, minRepSeconds: MIN_REP_SECONDS, coldProcesses: COLD_PROCESSES,
});
process.stdout.write(report.text + "\n");

if (write) {
  const file = join(benchDir, "RESULTS.md");
  const before = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmark results\n\nEach package's benchmarks write their own section.\n";
  let doc = before;
  if (report.section) doc = replaceSection(doc, SECTION_HEADING, report.section);
  if (report.modelSection) doc = replaceSection(doc, MODELS_SECTION_HEADING, report.modelSection, SECTION_HEADING);
  writeFileSync(file, doc);
  log(`wrote ${file} (${[report.section && "core", report.modelSection && "models"].filter(Boolean).join(" and ")} section; other sections kept)`);
}
if (flag("optim")) {
  log("running the optim benchmark (bench/optim/run.ts --write); it rewrites its own section");
  const r = spawnSync(tsx, ["--tsconfig", join(benchDir, "optim", "tsconfig.json"), join(benchDir, "optim", "run.ts"), ...(write ? ["--write"] : [])], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) log(`optim benchmark failed (exit ${r.status ?? r.signal})`);
}
log(`done in ${elapsed()}`);
if (report.fluxionProblems.length) {
  log(`Fluxion problems: ${report.fluxionProblems.join("; ")}`);
  process.exitCode = 1;
}
