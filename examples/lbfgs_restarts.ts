// L-BFGS from many starting points as one compiled program: `jit(vmap(lbfgsMinimize))` over a 4×4 grid
// of starts on Rosenbrock's valley and on Himmelblau's function (four minima). Each restart stops at its
// own convergence with its own evaluation count; SciPy's L-BFGS-B figures are printed alongside.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { NDArray, np, type Device } from "@fluxion/core";
import { jit, valueAndGrad, vmap } from "@fluxion/transforms";
import { lbfgsMinimize, type LbfgsResults } from "@fluxion/optim";
import { onDevice } from "./device.js";

export interface ScipyRun { start: number[]; position: number[]; value: number; nfev: number; success: boolean }
/** SciPy's L-BFGS-B on the same problems from the same starts (examples/data/gen_examples.py). */
export interface LbfgsFixture { starts: number[][]; rosenbrock: ScipyRun[]; himmelblau: ScipyRun[]; himmelblauMinima: number[][] }
export function loadLbfgsFixture(): LbfgsFixture {
  const path = fileURLToPath(new URL("./data/examples_fixtures.json", import.meta.url));
  return (JSON.parse(readFileSync(path, "utf8")) as { lbfgs: LbfgsFixture }).lbfgs;
}

const part = (p: NDArray, i: number) => np.take(p, i, -1);
/** (1 - x)² + 100 (y - x²)²: minimum 0 at (1, 1) at the end of a curved valley. */
export const rosenbrock = (p: NDArray) => np.add(np.square(np.subtract(1, part(p, 0))), np.multiply(100, np.square(np.subtract(part(p, 1), np.square(part(p, 0))))));
/** (x² + y - 11)² + (x + y² - 7)²: four minima with value 0. */
export const himmelblau = (p: NDArray) =>
  np.add(np.square(np.add(np.square(part(p, 0)), np.subtract(part(p, 1), 11))), np.square(np.add(part(p, 0), np.subtract(np.square(part(p, 1)), 7))));

export interface RestartRun { positions: number[][]; values: number[]; evaluations: number[]; converged: boolean[]; failed: boolean[] }
export interface LbfgsExampleResult { rosenbrock: RestartRun; himmelblau: RestartRun; singleRunEvaluations: { rosenbrock: number; himmelblau: number } }

const rows = (a: NDArray, n: number) => {
  const flat = Array.from(a.dataSync(), Number);
  return Array.from({ length: flat.length / n }, (_, i) => flat.slice(i * n, i * n + n));
};

function restarts(f: (p: NDArray) => NDArray, starts: NDArray): RestartRun {
  // One program for all 16 restarts: vmap makes every lane run its own loop to its own convergence.
  const solveAll = jit(vmap((x0: NDArray) => lbfgsMinimize(valueAndGrad(f), { initialPosition: x0, tolerance: 1e-8, maxIterations: 200 })));
  const r = solveAll(starts) as LbfgsResults;
  return {
    positions: rows(r.position, 2),
    values: Array.from(r.objectiveValue.dataSync(), Number),
    evaluations: Array.from(r.numObjectiveEvaluations.dataSync(), Number),
    converged: Array.from(r.converged.dataSync(), (v) => Boolean(v)),
    failed: Array.from(r.failed.dataSync(), (v) => Boolean(v)),
  };
}

export async function main(opts: { device?: Device; log?: (s: string) => void } = {}): Promise<LbfgsExampleResult> {
  const log = opts.log ?? console.log;
  return onDevice(opts.device ?? "wasm", () => {
    const fx = loadLbfgsFixture();
    const starts = np.array(fx.starts, "float64");
    const out: Partial<LbfgsExampleResult> = {};
    for (const [name, f] of [["rosenbrock", rosenbrock], ["himmelblau", himmelblau]] as const) {
      const t0 = performance.now();
      const run = restarts(f, starts);
      const ms = performance.now() - t0;
      const scipy = fx[name];
      log(`${name}: 16 restarts in one jit(vmap(lbfgsMinimize)) call, ${ms.toFixed(0)} ms (compile included)`);
      log(`  start            -> end point                  f(end)     evaluations (SciPy L-BFGS-B)`);
      run.positions.forEach((p, i) => {
        const s = fx.starts[i]!;
        const status = run.converged[i] ? "" : run.failed[i] ? "  failed" : "  not converged";
        log(`  (${s.map((v) => v.toFixed(2).padStart(5)).join(",")}) -> (${p.map((v) => v.toFixed(6).padStart(10)).join(",")})  ${run.values[i]!.toExponential(1).padStart(8)}  ${String(run.evaluations[i]).padStart(3)} (${scipy[i]!.nfev})${status}`);
      });
      const total = run.evaluations.reduce((a, b) => a + b, 0);
      const scipyTotal = scipy.reduce((a, r) => a + r.nfev, 0);
      const best = run.values.indexOf(Math.min(...run.values.filter((_, i) => run.converged[i]!)));
      log(`  converged ${run.converged.filter(Boolean).length}/16; best f = ${run.values[best]!.toExponential(2)} at (${run.positions[best]!.map((v) => v.toFixed(6)).join(", ")}); evaluations total ${total} (SciPy ${scipyTotal})`);
      out[name] = run;
    }
    // A restart under vmap counts exactly what the same start costs alone.
    const single = jit((x0: NDArray) => lbfgsMinimize(valueAndGrad(rosenbrock), { initialPosition: x0, tolerance: 1e-8, maxIterations: 200 }));
    const singleH = jit((x0: NDArray) => lbfgsMinimize(valueAndGrad(himmelblau), { initialPosition: x0, tolerance: 1e-8, maxIterations: 200 }));
    const start = np.array(fx.starts[0]!, "float64");
    const alone = (solve: typeof single) => (solve(start) as LbfgsResults).numObjectiveEvaluations.item();
    out.singleRunEvaluations = { rosenbrock: alone(single), himmelblau: alone(singleH) };
    log(`start (-2, -2) alone: ${out.singleRunEvaluations.rosenbrock} and ${out.singleRunEvaluations.himmelblau} evaluations (as its vmapped lane)`);
    return out as LbfgsExampleResult;
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
