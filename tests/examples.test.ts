// The runnable examples reproduce their documented numbers.
import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main as quickstart } from "../examples/quickstart.js";
import { main as irisNuts } from "../examples/iris_nuts.js";

describe("examples/quickstart", () => {
  it("trains logistic regression on iris to a separating fit and prints the IR", () => {
    const lines: string[] = [];
    const r = quickstart((s) => lines.push(s));
    // Setosa is linearly separable from the other species: the fit must be perfect.
    expect(r.accuracy).toBe(1);
    expect(r.loss).toBeLessThan(0.02);
    expect(r.perExampleGradNorms).toHaveLength(150);
    expect(lines.join("\n")).toContain("dot_general");
  });
});

// Slow (about a minute): a shortened run of the main demo, seeded so it cannot flake.
describe("slow: examples/iris_nuts (Bayesian multinomial logistic regression with NUTS)", () => {
  it("reaches the TFP docs' Bayesian-model-averaging accuracy (about 0.98) with converged chains", async () => {
    const lines: string[] = [];
    const svgPath = join(mkdtempSync(join(tmpdir(), "fluxion-")), "trace.svg");
    const r = await irisNuts({ nDraws: 60, numAdaptationSteps: 80, nChains: 2, log: (s) => lines.push(s), svgPath });
    expect(r.accuracy).toBeGreaterThanOrEqual(0.96);
    expect(r.maxRhat).toBeLessThan(1.1);
    expect(lines.join("\n")).toContain("r_hat");
    const svg = readFileSync(svgPath, "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("b[1]");
  }, 600_000);
});
