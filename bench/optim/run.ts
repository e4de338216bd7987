// Benchmark of @fluxion/optim's BFGS and L-BFGS against SciPy's BFGS and L-BFGS-B on the same problems,
// in one run: objective evaluations, iterations, final value and wall time, with time ratios.
// Run: node_modules/.bin/tsx --tsconfig bench/optim/tsconfig.json bench/optim/run.ts [--write]
// (--write replaces the optim section of bench/RESULTS.md with the table).
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { NDArray, np } from "@fluxion/core";
import { jit } from "@fluxion/transforms";
import { bfgsMinimize, lbfgsMinimize, type ValueAndGradientsFunction } from "@fluxion/optim";
import {
  dataFittingObjective, f64, fixture, himmelblau, quadraticBowl, rosenbrockNd, skewedQuadratic,
} from "../../packages/optim/src/problems.testing.js";

interface Problem { name: string; fn: ValueAndGradientsFunction; start: number[] }
interface Outcome { nfev: number; nit: number; f: number; success: boolean; seconds: number }

const problems = (): Problem[] => {
  const fx = fixture();
  return [
    { name: "bowl2", fn: quadraticBowl([1, 1], [2, 3]), start: [0.6, 0.8] },
    { name: "bowl10", fn: quadraticBowl(fx.bowl10.minimum, fx.bowl10.scales), start: Array(10).fill(1) },
    { name: "bowl40", fn: quadraticBowl(fx.bowl40.minimum, fx.bowl40.scales), start: Array(40).fill(1) },
    { name: "skew50", fn: skewedQuadratic(fx.skew50.minimum, fx.skew50.hessian), start: Array(50).fill(1) },
    { name: "rosenbrock2", fn: rosenbrockNd, start: [-1.2, 1] },
    { name: "rosenbrock100", fn: rosenbrockNd, start: Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? -1.2 : 1)) },
    { name: "himmelblau", fn: himmelblau, start: [1, 1] },
    { name: "glm30", fn: dataFittingObjective("dataFitting30"), start: Array(30).fill(1) },
  ];
};

type Runner = (fn: ValueAndGradientsFunction, x0: NDArray) => { converged: NDArray; numIterations: NDArray; numObjectiveEvaluations: NDArray; objectiveValue: NDArray };
const options = { tolerance: 1e-8, maxIterations: 1000 };
const methods: Record<string, Runner> = {
  BFGS: (fn, x0) => bfgsMinimize(fn, { initialPosition: x0, ...options }),
  "L-BFGS": (fn, x0) => lbfgsMinimize(fn, { initialPosition: x0, ...options }),
  // CG_DESCENT's acceptance of a unit step that already satisfies Wolfe (a Fluxion option; not TFP's counts).
  "L-BFGS, acceptWolfeInitialStep": (fn, x0) => lbfgsMinimize(fn, { initialPosition: x0, ...options, acceptWolfeInitialStep: true }),
};

function timeBest(f: () => void, repeats: number): number {
  // Slow runs (seconds each) are timed once: their noise is small next to their length.
  let best = Infinity;
  for (let i = 0; i < repeats && (i === 0 || best <= 2); i++) {
    const t0 = performance.now();
    f();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return best;
}

function runFluxion(p: Problem, method: Runner, repeats: number): { eager: Outcome; jitFirst: number; jitWarm: number } {
  const x0 = f64(p.start);
  let result = method(p.fn, x0);
  const eagerSeconds = timeBest(() => { result = method(p.fn, x0); }, repeats);
  const compiled = jit((x: NDArray) => method(p.fn, x));
  const t0 = performance.now();
  compiled(x0);
  const jitFirst = (performance.now() - t0) / 1000;
  const jitWarm = timeBest(() => { compiled(x0); }, repeats);
  return {
    eager: {
      nfev: result.numObjectiveEvaluations.item(),
      nit: result.numIterations.item(),
      f: result.objectiveValue.item(),
      success: result.converged.item() === 1,
      seconds: eagerSeconds,
    },
    jitFirst,
    jitWarm,
  };
}

const fmt = (x: number, digits = 3) => (x === 0 ? "0" : Math.abs(x) < 1e-3 || Math.abs(x) >= 1e4 ? x.toExponential(1) : x.toPrecision(digits));
const ms = (s: number) => `${(s * 1000).toPrecision(3)}`;

/**
 * SciPy's side runs with one BLAS thread: with OpenBLAS's default thread pool on a loaded 2-core machine,
 * L-BFGS-B on 100-d Rosenbrock took 1.3-5.8 s instead of 0.07-0.14 s (its threads spin on tiny vectors).
 */
const ONE_BLAS_THREAD = { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1" };

function main(): void {
  const repeats = 3;
  const here = fileURLToPath(new URL(".", import.meta.url));
  const scipy = JSON.parse(execFileSync("python3", [`${here}scipy_bench.py`, String(repeats)], { encoding: "utf8", env: ONE_BLAS_THREAD })) as Record<string, Record<string, Outcome>>;
  const scipyVersion = execFileSync("python3", ["-c", "import scipy, numpy; print(scipy.__version__, numpy.__version__)"], { encoding: "utf8" }).trim().split(" ");
  const rows: string[] = [];
  const pairs: [string, string][] = [["BFGS", "BFGS"], ["L-BFGS", "L-BFGS-B"], ["L-BFGS, acceptWolfeInitialStep", "L-BFGS-B"]];
  for (const p of problems()) {
    for (const [ours, theirs] of pairs) {
      const r = runFluxion(p, methods[ours]!, repeats);
      const s = scipy[p.name]![theirs]!;
      rows.push(`| ${p.name} | ${ours} vs ${theirs} | ${r.eager.nfev} / ${s.nfev} | ${r.eager.nit} / ${s.nit} | ${fmt(r.eager.f)} / ${fmt(s.f)} | ${r.eager.success ? "yes" : "no"} / ${s.success ? "yes" : "no"} | ${ms(r.eager.seconds)} | ${ms(r.jitFirst)} | ${ms(r.jitWarm)} | ${ms(s.seconds)} | ${(r.jitWarm / s.seconds).toFixed(1)}x |`);
      console.log(rows[rows.length - 1]);
    }
  }
  const table = [
    "## optim: BFGS / L-BFGS vs SciPy",
    "",
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} CPU cores (${cpus()[0]?.model ?? "unknown"}), Node ${process.version}, SciPy ${scipyVersion[0]} / NumPy ${scipyVersion[1]}; Fluxion runs on the pure-TS reference (js) backend, float64. Load average at the end of the run: ${loadavg().map((l) => l.toFixed(1)).join(", ")} (times taken under load are noisy; the evaluation counts are exact).`,
    "Both sides: gradient tolerance 1e-8 (max-norm), at most 1000 iterations, analytic or autodiff gradients; SciPy's other defaults (L-BFGS-B also stops on its ftol, which is why its final f is often larger); SciPy with one BLAS thread.",
    "`acceptWolfeInitialStep` rows: Fluxion's L-BFGS taking a unit step that already satisfies Wolfe without bracketing (CG_DESCENT's rule; TFP always brackets, about two evaluations per iteration). The like-for-like 100-d Rosenbrock comparison (both stop at max-norm of the gradient ≤ 1e-5) is in the models section, jitted on the wasm device.",
    "`evals` counts value-and-gradient calls (TFP's numObjectiveEvaluations, SciPy's nfev). Times are the best of 3 runs in ms (1 run when it takes over 2 s);",
    "`jit 1st` includes tracing; `ratio` = Fluxion jit (warm) / SciPy. Regenerate with `tsx --tsconfig bench/optim/tsconfig.json bench/optim/run.ts --write`.",
    "",
    "| problem | method (Fluxion vs SciPy) | evals | iterations | final f | converged | eager ms | jit 1st ms | jit ms | SciPy ms | ratio |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
  ].join("\n");
  if (process.argv.includes("--write")) {
    const path = fileURLToPath(new URL("../RESULTS.md", import.meta.url));
    const current = existsSync(path) ? readFileSync(path, "utf8") : "# Benchmark results\n\nEach package's benchmarks write their own section.\n\n";
    const start = current.indexOf("## optim:");
    let next: string;
    if (start < 0) next = `${current.trimEnd()}\n\n${table}`;
    else {
      const end = current.indexOf("\n## ", start + 1);
      next = current.slice(0, start) + table + (end < 0 ? "" : current.slice(end + 1));
    }
    writeFileSync(path, next);
    console.log(`wrote ${path}`);
  } else {
    console.log(`\n${table}`);
  }
  void np;
}

main();
