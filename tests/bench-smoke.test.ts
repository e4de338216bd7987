// Keeps the benchmark harness from rotting: each Fluxion workload of bench/ runs once at a tiny size on
// the wasm device and must agree with the harness's own float64 oracle (plain JS), within the
// tolerances the harness applies; the model workloads (issue 9) against their own oracles; the model
// report flags wrong numbers; and the RESULTS.md writer keeps other sections.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultDevice, init, memoryStats, np, random, setDefaultDevice, type NDArray } from "@fluxion/core";
import { chainWorkload, fiftyOpsJit, logregWorkload, matmulWorkload, scanWorkload, type FluxionWorkload } from "../bench/workloads/fluxion.js";
import { CHECK_TOLERANCE, arrayChecksum, checksumError, compileInputs, fiftyOpsJs, referenceChecksum } from "../bench/workloads/inputs.js";
import { replaceSection } from "../bench/lib/report.js";
import { buildModelReport } from "../bench/lib/reportModels.js";
import type { Measurement } from "../bench/lib/protocol.js";
import {
  lbfgsRosenbrock, lbfgsRosenbrockBatched, schoolsNutsRun, schoolsValueAndGrad, seedKey, standardNormalNutsStep,
} from "../bench/workloads/fluxionModels.js";
import { LBFGS_TOLERANCE, RESTART_DIM, lbfgsChecksum, restartStarts, rosenbrockJs, rosenbrockStart, schoolsLogProbJs, schoolsPoint } from "../bench/workloads/models.js";
import { loadIris, makeTargetLogProb } from "../examples/iris_nuts.js";

const before = defaultDevice();
beforeAll(async () => {
  await init("wasm");
  setDefaultDevice("wasm");
});
afterAll(() => setDefaultDevice(before));

/** Runs the workload twice (the harness calls it repeatedly, reusing its inputs) and returns its checksum. */
function runOnce(w: FluxionWorkload, checksum: (v: number[]) => number[] = (v) => v): number[] {
  try {
    w.run();
    w.run();
    return checksum(w.check());
  } finally {
    w.dispose();
  }
}

describe("bench workloads on the wasm device agree with the float64 oracle", () => {
  it("elementwise chain exp(sin(x)*2+1)*x, 1003 elements (SIMD body and scalar tail)", () => {
    const got = runOnce(chainWorkload(1003), arrayChecksum);
    const want = referenceChecksum("chain", 1003);
    expect(got[0]).toBeGreaterThan(100); // the oracle's sum |y| is not trivially small
    expect(checksumError(got, want)).toBeLessThan(CHECK_TOLERANCE.chain);
  });
  it.each([8, 33])("matmul n=%i", (n) => {
    const got = runOnce(matmulWorkload(n), arrayChecksum);
    expect(checksumError(got, referenceChecksum("matmul", n))).toBeLessThan(CHECK_TOLERANCE.matmul);
  });
  it("logistic regression value and gradient, N=50", () => {
    const got = runOnce(logregWorkload(50));
    const want = referenceChecksum("logreg", 50);
    expect(got.length).toBe(101);
    expect(checksumError(got, want)).toBeLessThan(CHECK_TOLERANCE.logreg);
  });
  it("jitted pendulum scan, 25 steps", () => {
    const got = runOnce(scanWorkload(25));
    expect(checksumError(got, referenceChecksum("scan", 25))).toBeLessThan(CHECK_TOLERANCE.scan);
    // the state moved: after 25 steps the momenta are not all zero
    expect(got.slice(8).some((p) => Math.abs(p) > 1e-3)).toBe(true);
  });
  it("the 50-op compile workload, at two signatures", () => {
    const run = fiftyOpsJit();
    for (const n of [16, 17]) {
      const want = fiftyOpsJs(...compileInputs(n));
      expect(Math.abs(run(n) - want) / Math.max(Math.abs(want), 1)).toBeLessThan(1e-4);
    }
  });
});

const floats = (a: NDArray): number[] => Array.from(a.dataSync() as ArrayLike<number>);

describe("model workloads (issue 9) on the wasm device", () => {
  it("eight schools jit(valueAndGrad(logp)) agrees with the hand-written float64 gradient", () => {
    const vg = schoolsValueAndGrad();
    const [value, grad] = vg(np.array(Array.from(schoolsPoint()), "float32"));
    const want = schoolsLogProbJs(schoolsPoint());
    expect(checksumError([value.item(), ...floats(grad)], [want.value, ...want.grad])).toBeLessThan(1e-4);
    // the oracle itself against central differences in float64
    const h = 1e-6;
    for (let i = 0; i < 10; i++) {
      const up = Float64Array.from(schoolsPoint());
      const down = Float64Array.from(schoolsPoint());
      up[i] += h;
      down[i] -= h;
      expect(Math.abs((schoolsLogProbJs(up).value - schoolsLogProbJs(down).value) / (2 * h) - want.grad[i]!)).toBeLessThan(1e-6);
    }
  });
  it("a jitted 5-draw eight-schools NUTS run reports its leapfrogs and finite draws", () => {
    const r = schoolsNutsRun(5)(np.array(Array.from(schoolsPoint()), "float32"), seedKey(1));
    const leapfrogs = floats(r.leapfrogs);
    expect(leapfrogs).toHaveLength(5);
    expect(leapfrogs.every((l) => l >= 1 && l <= 1023)).toBe(true);
    expect(r.samples.shape).toEqual([5, 10]);
    expect(floats(r.samples).every(Number.isFinite)).toBe(true);
  });
  it("iris model: log p at zero weights is 150 log(1/3) (uniform class probabilities, zero prior term)", () => {
    const { x, y } = loadIris();
    const lp = makeTargetLogProb(x, y)({ w: np.zeros([1, 4, 3]), b: np.zeros([1, 3]) });
    expect(Math.abs(lp.item() - 150 * Math.log(1 / 3))).toBeLessThan(1e-3);
  });
  it("jitted L-BFGS on 4-d Rosenbrock reaches the minimum (checked in float64 by the harness's Rosenbrock)", () => {
    const r = lbfgsRosenbrock(LBFGS_TOLERANCE)(np.array(rosenbrockStart(4), "float64"));
    const [evals, , f, gInf, off] = lbfgsChecksum(r.numObjectiveEvaluations.item(), r.numIterations.item(), floats(r.position));
    expect(gInf).toBeLessThanOrEqual(LBFGS_TOLERANCE);
    expect(off).toBeLessThan(1e-3);
    expect(f).toBeLessThan(1e-9);
    expect(evals).toBeGreaterThan(5);
    expect(rosenbrockJs([1, 1, 1]).value).toBe(0);
  });
  it("3 restarts of 10-d Rosenbrock: jit(vmap(lbfgs)) gives each start's jit(lbfgs) result", () => {
    const starts = restartStarts(3, RESTART_DIM);
    const batched = lbfgsRosenbrockBatched(LBFGS_TOLERANCE)(np.array(Array.from(starts), "float64").reshape([3, RESTART_DIM]));
    const one = lbfgsRosenbrock(LBFGS_TOLERANCE);
    const all = floats(batched.position);
    for (let i = 0; i < 3; i++) {
      const r = one(np.array(Array.from(starts.subarray(i * RESTART_DIM, (i + 1) * RESTART_DIM)), "float64"));
      const mine = floats(r.position);
      expect(Math.max(...mine.map((v, j) => Math.abs(v - all[i * RESTART_DIM + j]!)))).toBeLessThan(1e-6);
      expect(floats(batched.numObjectiveEvaluations)[i]).toBe(r.numObjectiveEvaluations.item());
    }
  });
  it("a JS loop of jitted NUTS steps keeps the live buffer count flat", () => {
    const step = standardNormalNutsStep();
    let q: NDArray = np.zeros([2, 2]);
    let key = random.key(0);
    const run = (n: number) => {
      for (let i = 0; i < n; i++) {
        const [next, lf, nextKey] = step(q, key);
        q.dispose(); key.dispose(); lf.dispose();
        q = next; key = nextKey;
      }
    };
    run(2);
    const before = memoryStats();
    run(20);
    expect(memoryStats().liveBuffers).toBe(before.liveBuffers);
    expect(floats(q).every(Number.isFinite)).toBe(true);
  });
});

describe("model report", () => {
  const base = { size: 10, seconds: [5e-6, 6e-6, 7e-6, 5e-6, 6e-6], callsPerRep: 100, firstCallSeconds: 0.1 };
  const oracle = schoolsLogProbJs(schoolsPoint());
  const right = [oracle.value, ...oracle.grad];
  it("accepts a correct gradient and flags a wrong one, and puts Fluxion's median in the targets", () => {
    const good = buildModelReport([{ ...base, peer: "Fluxion", workload: "gradcall", checksum: right }], 5);
    expect(good.problems).toEqual([]);
    expect(good.targets.join("\n")).toMatch(/≤ 10 µs .*\| 6\.00 µs \| ✓ \|/);
    const wrong = buildModelReport([{ ...base, peer: "Fluxion", workload: "gradcall", checksum: right.map((v, i) => (i === 3 ? v + 0.01 : v)) }], 5);
    expect(wrong.problems.length).toBe(1);
  });
  it("flags looped restarts that disagree with the batched ones", () => {
    const batched: Measurement = { ...base, size: 2, peer: "Fluxion", workload: "restarts", checksum: [2, 1, 1, 1, 1] };
    const loop: Measurement = { ...base, size: 2, peer: "Fluxion, JS loop", workload: "restartsLoop", checksum: [2, 1, 1, 1, 1.001] };
    expect(buildModelReport([batched, { ...loop, checksum: [2, 1, 1, 1, 1] }], 5).problems).toEqual([]);
    expect(buildModelReport([batched, loop], 5).problems.length).toBe(1);
  });
});

describe("RESULTS.md writer", () => {
  it("replaces its own section and keeps the others in place", () => {
    const doc = "# Benchmark results\n\nintro\n\n## core: old\n\nold table\n\n## optim: BFGS\n\noptim table\n";
    const once = replaceSection(doc, "## core:", "## core: new\n\nnew table");
    expect(once).toBe("# Benchmark results\n\nintro\n\n## core: new\n\nnew table\n\n## optim: BFGS\n\noptim table\n");
    expect(replaceSection("# R\n\n## optim: BFGS\n\nx\n", "## core:", "## core: new")).toBe("# R\n\n## core: new\n\n## optim: BFGS\n\nx\n");
    // a new section can be placed after a given one
    expect(replaceSection(once, "## models:", "## models: m", "## core:")).toBe("# Benchmark results\n\nintro\n\n## core: new\n\nnew table\n\n## models: m\n\n## optim: BFGS\n\noptim table\n");
  });
});
