// The runnable examples reproduce their documented numbers.
import { describe, expect, it } from "vitest";
import { main as quickstart } from "../examples/quickstart.js";

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
