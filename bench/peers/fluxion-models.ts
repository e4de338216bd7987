// Fluxion peer of issue 9's model workloads on the wasm device: eight-schools value+grad as a JS→jit
// call, µs per leapfrog inside one jitted multi-draw NUTS run, jitted L-BFGS on 100-d Rosenbrock, and
// 100 L-BFGS restarts of 10-d Rosenbrock batched (jit(vmap)) or as a JS loop of jit calls.
import { init, np, setDefaultDevice, type NDArray } from "@fluxion/core";
import {
  lbfgsRosenbrock, lbfgsRosenbrockBatched, schoolsNutsRun, schoolsValueAndGrad, seedKey, type LbfgsOutcome,
} from "../workloads/fluxionModels.js";
import { LBFGS_TOLERANCE, RESTART_DIM, RESTART_LOOP_MEASURED, lbfgsChecksum, restartStarts, rosenbrockStart, schoolsPoint } from "../workloads/models.js";
import { runPeer, type Prepared } from "../lib/timing.js";

await init("wasm");
setDefaultDevice("wasm");

const f64 = (v: ArrayLike<number>, shape: number[]): NDArray => np.array(Array.from(v), "float64").reshape(shape);
const floats = (a: NDArray): number[] => Array.from(a.dataSync() as ArrayLike<number>);

function gradcall(): Prepared {
  const vg = schoolsValueAndGrad();
  const q = np.array(Array.from(schoolsPoint()), "float32");
  let last: [NDArray, NDArray] | null = null;
  return {
    call: () => {
      if (last) { last[0].dispose(); last[1].dispose(); }
      last = vg(q);
    },
    checksum: () => [last![0].item(), ...floats(last![1])],
  };
}

function leapfrog(draws: number): Prepared {
  const run = schoolsNutsRun(draws);
  const q0 = np.array(Array.from(schoolsPoint()), "float32");
  const key = seedKey(1);
  let last: ReturnType<typeof run> | null = null;
  const dispose = () => { if (last) { last.last.dispose(); last.leapfrogs.dispose(); last.samples.dispose(); } };
  return {
    // The same seed every call: the trajectory, hence the leapfrog count, is the same in every repetition.
    call: () => { dispose(); last = run(q0, key); },
    checksum: () => {
      const samples = floats(last!.samples);
      return [floats(last!.leapfrogs).reduce((a, b) => a + b, 0), samples.every(Number.isFinite) ? 1 : 0];
    },
    extra: () => ({ leapfrogs: floats(last!.leapfrogs).reduce((a, b) => a + b, 0), draws }),
    note: `one jitted sampleChain of ${draws} NUTS draws (step size 0.3, identity metric, max tree depth 10), same seed each call`,
  };
}

function lbfgs(n: number): Prepared {
  const f = lbfgsRosenbrock(LBFGS_TOLERANCE);
  const x0 = f64(rosenbrockStart(n), [n]);
  let last: LbfgsOutcome | null = null;
  return {
    call: () => { last = f(x0); },
    checksum: () => lbfgsChecksum(last!.numObjectiveEvaluations.item(), last!.numIterations.item(), floats(last!.position)),
    note: `float64, acceptWolfeInitialStep, tolerance ${LBFGS_TOLERANCE} (max-norm of the gradient), other tolerances 0`,
  };
}

/** Checksum of restarts: per start, its final position (the report compares batched and looped runs on the shared starts). */
function restarts(count: number, loop: boolean): Prepared {
  const starts = restartStarts(count, RESTART_DIM);
  const measured = loop ? Math.min(count, RESTART_LOOP_MEASURED) : count;
  let positions: number[] = [];
  let converged = 0;
  if (!loop) {
    const f = lbfgsRosenbrockBatched(LBFGS_TOLERANCE);
    const x0 = f64(starts, [count, RESTART_DIM]);
    return {
      call: () => {
        const r = f(x0);
        positions = floats(r.position);
        converged = floats(r.converged).filter(Boolean).length;
      },
      checksum: () => [converged, ...positions],
      note: `jit(vmap(lbfgs)) over ${count} starts in [-2, 2)^${RESTART_DIM}`,
    };
  }
  const f = lbfgsRosenbrock(LBFGS_TOLERANCE);
  const x0s = Array.from({ length: measured }, (_, i) => f64(starts.subarray(i * RESTART_DIM, (i + 1) * RESTART_DIM), [RESTART_DIM]));
  return {
    call: () => {
      positions = [];
      converged = 0;
      for (const x0 of x0s) {
        const r = f(x0);
        positions.push(...floats(r.position));
        converged += r.converged.item() ? 1 : 0;
      }
    },
    checksum: () => [converged, ...positions],
    measuredSize: measured,
    note: `a JS loop of jit(lbfgs) calls over the first ${measured} of the ${count} starts, time scaled to ${count}`,
  };
}


await runPeer("Fluxion", {
  gradcall: () => gradcall(),
  leapfrog: (t) => leapfrog(t.size),
  lbfgs: (t) => lbfgs(t.size),
  restarts: (t) => restarts(t.size, false),
  restartsLoop: (t) => restarts(t.size, true),
});
