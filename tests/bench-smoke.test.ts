// Keeps the benchmark harness from rotting: each Fluxion workload of bench/ runs once at a tiny size on
// the wasm device and must agree with the harness's own float64 oracle (plain JS), within the
// tolerances the harness applies; and the RESULTS.md writer keeps other sections.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultDevice, init, setDefaultDevice } from "@fluxion/core";
import { chainWorkload, fiftyOpsJit, logregWorkload, matmulWorkload, scanWorkload, type FluxionWorkload } from "../bench/workloads/fluxion.js";
import { CHECK_TOLERANCE, arrayChecksum, checksumError, compileInputs, fiftyOpsJs, referenceChecksum } from "../bench/workloads/inputs.js";
import { replaceSection } from "../bench/lib/report.js";

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

describe("RESULTS.md writer", () => {
  it("replaces its own section and keeps the others in place", () => {
    const doc = "# Benchmark results\n\nintro\n\n## core: old\n\nold table\n\n## optim: BFGS\n\noptim table\n";
    const once = replaceSection(doc, "## core:", "## core: new\n\nnew table");
    expect(once).toBe("# Benchmark results\n\nintro\n\n## core: new\n\nnew table\n\n## optim: BFGS\n\noptim table\n");
    expect(replaceSection("# R\n\n## optim: BFGS\n\nx\n", "## core:", "## core: new")).toBe("# R\n\n## core: new\n\n## optim: BFGS\n\nx\n");
  });
});
