// Diagnostics against reference values from scripts/fixtures/gen_mcmc_diagnostics.py (an independent
// numpy/scipy implementation of posterior's definitions), plus closed-form sanity checks.
import { describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { np, NDArray } from "@fluxion/core";
import {
  countDivergences, effectiveSampleSize, energyBfmi, essBasic, essBulk, essMean, essQuantile, essSd, essTail, mcseMean, mcseSd,
  monteCarloStandardError, potentialScaleReduction, quantile, rhat, rhatBasic, splitChains, summary, type Chains,
} from "./index.js";
import { ndtri } from "./util/ndtri.js";
import { autocovariance } from "./util/fft.js";

interface Case {
  draws: number[][];
  rhat: number; rhat_basic_split: number; ess_bulk: number; ess_tail: number; ess_mean: number; ess_sd: number; ess_q25: number;
  mcse_mean: number; mcse_sd: number; mean: number; sd: number; q05: number; q95: number;
}
const fixture = JSON.parse(readFileSync(new URL("./testdata/diagnostics.json", import.meta.url), "utf8")) as {
  cases: Record<string, Case>;
  multi: { draws: number[][][][]; rhat: number[]; ess_bulk: number[] };
  energy: { draws: number[][]; bfmi: number[] };
  ndtri: { p: number[]; z: number[] };
};

const toChains = (draws: number[][]): Chains => draws[0]!.map((_, c) => Float64Array.from(draws.map((row) => row[c]!)));
const close = (got: number, want: number, rtol = 1e-10) => {
  if (Number.isNaN(want)) expect(got).toBeNaN();
  else expect(Math.abs(got - want)).toBeLessThanOrEqual(rtol * Math.max(1, Math.abs(want)));
};

describe("diagnostics match the numpy reference on fixed inputs", () => {
  for (const [name, c] of Object.entries(fixture.cases)) {
    test(name, () => {
      const chains = toChains(c.draws);
      close(rhat(chains), c.rhat);
      close(rhatBasic(splitChains(chains)), c.rhat_basic_split);
      close(essBulk(chains), c.ess_bulk);
      close(essTail(chains), c.ess_tail);
      close(essMean(chains), c.ess_mean);
      close(essSd(chains), c.ess_sd);
      close(essQuantile(chains, 0.25), c.ess_q25);
      close(mcseMean(chains), c.mcse_mean);
      close(mcseSd(chains), c.mcse_sd);
      const all = chains.flatMap((x) => Array.from(x));
      close(quantile(all, 0.05), c.q05);
      close(quantile(all, 0.95), c.q95);
      const s = summary(np.array(c.draws, "float64")).row("x");
      close(s.mean, c.mean, 1e-12);
      close(s.sd, c.sd, 1e-12);
      close(s.essBulk, c.ess_bulk);
      close(s.rHat, c.rhat);
    });
  }

  test("array front ends keep TFP's [draws, chains, ...] layout per entry", () => {
    const x = np.array(fixture.multi.draws, "float64");
    const r = potentialScaleReduction(x) as NDArray;
    const e = effectiveSampleSize(x) as NDArray;
    expect(r.shape).toEqual([2, 3]);
    (r.toArray() as number[][]).flat().forEach((v, i) => close(v, fixture.multi.rhat[i]!));
    (e.toArray() as number[][]).flat().forEach((v, i) => close(v, fixture.multi.ess_bulk[i]!));
    const tree = effectiveSampleSize({ a: x, b: [x] }, { method: "bulk" }) as { a: NDArray; b: NDArray[] };
    expect(tree.b[0]!.toArray()).toEqual(tree.a.toArray());
    const mcse = monteCarloStandardError(np.array(fixture.cases["iid_normal_400x4"]!.draws, "float64")) as NDArray;
    close(mcse.item(), fixture.cases["iid_normal_400x4"]!.mcse_mean);
  });

  test("E-BFMI per chain", () => {
    const b = energyBfmi(np.array(fixture.energy.draws, "float64")).toArray() as number[];
    b.forEach((v, i) => close(v, fixture.energy.bfmi[i]!));
  });

  test("ndtri (AS 241) against scipy.special.ndtri", () => {
    fixture.ndtri.p.forEach((p, i) => close(ndtri(p), fixture.ndtri.z[i]!, 2e-15));
  });
});

describe("diagnostics: closed-form checks", () => {
  test("FFT autocovariance equals the direct sum", () => {
    const x = Float64Array.from({ length: 37 }, (_, i) => Math.sin(i * 1.3) + 0.1 * i);
    const ac = autocovariance(x);
    const m = x.reduce((a, b) => a + b, 0) / x.length;
    for (const lag of [0, 1, 5, 36]) {
      let s = 0;
      for (let t = 0; t + lag < x.length; t++) s += (x[t]! - m) * (x[t + lag]! - m);
      expect(ac[lag]).toBeCloseTo(s / x.length, 12);
    }
  });

  test("ESS of an AR(1) series approaches N (1 - phi) / (1 + phi)", () => {
    // A long deterministic AR(1) with a fixed linear-congruential normal stream; the ESS estimator's
    // relative error at N = 4 x 20000 draws is a few percent, the tolerance 15%.
    let state = 12345;
    const uniform = () => ((state = (state * 1103515245 + 12345) % 2147483648) + 0.5) / 2147483648;
    const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    const phi = 0.8;
    const chains: Chains = Array.from({ length: 4 }, () => {
      const c = new Float64Array(20000);
      let v = normal() / Math.sqrt(1 - phi * phi);
      for (let t = 0; t < c.length; t++) { v = phi * v + normal(); c[t] = v; }
      return c;
    });
    const expected = (80000 * (1 - phi)) / (1 + phi);
    expect(Math.abs(essBasic(chains) / expected - 1)).toBeLessThan(0.15);
    expect(rhat(chains)).toBeLessThan(1.01);
  });

  test("divergence counts per chain", () => {
    const d = np.array([[true, false], [true, true], [false, false]]);
    expect(countDivergences(d).toArray()).toEqual([2, 1]);
  });

  test("summary prints an ArviZ-style table", () => {
    const s = summary({ mu: np.array(fixture.cases["iid_normal_400x4"]!.draws, "float64"), theta: np.array(fixture.multi.draws, "float64") });
    const text = s.toString();
    expect(text.split("\n")[0]).toMatch(/mean\s+sd\s+5%\s+95%\s+mcse_mean\s+mcse_sd\s+ess_bulk\s+ess_tail\s+r_hat/);
    expect(s.rows.map((r) => r.name)).toEqual(["mu", "theta[0, 0]", "theta[0, 1]", "theta[0, 2]", "theta[1, 0]", "theta[1, 1]", "theta[1, 2]"]);
    expect(text).toContain("theta[1, 2]");
  });
});
