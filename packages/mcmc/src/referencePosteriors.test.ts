// Posteriors of eight schools (non-centered) and the iris multinomial logistic regression from our joint-distribution
// windowedAdaptiveNuts against long Stan runs (testdata/stan_reference.json, made by scripts/fixtures/gen_stan_reference.sh:
// 4 chains x 10000 draws with rstan; models in bench/stan/models).
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { NDArray, defaultDevice, init, np, setDefaultDevice } from "@fluxion/core";
import { JointDistributionNamed, distributions as tfd } from "@fluxion/prob";
import { monteCarloStandardError, windowedAdaptiveNuts, type NutsTrace } from "./index.js";

// Long synchronous tests starve the worker's RPC; let pending messages through before and after each test.
beforeEach(() => new Promise<void>((resolve) => setTimeout(resolve, 50)));
afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)));

interface StanSummary { mean: number; sd: number; mcse_mean: number; mcse_sd: number; ess_bulk: number; rhat: number }
const reference = JSON.parse(readFileSync(new URL("./testdata/stan_reference.json", import.meta.url), "utf8")) as {
  models: Record<string, { divergences: number; parameters: Record<string, StanSummary> }>;
};

const f64 = (x: number | number[] | number[][]) => np.array(x, "float64");
const nums = (x: NDArray): number[] => Array.from(x.dataSync(), Number);

/**
 * Every scalar of `draws` ([draws, chains, ...], entries named by `names` in row-major order) against Stan:
 * |mean − Stan's| < 4·sqrt(ourMCSE² + Stan's MCSE²), and the same for the sd with the sds' MCSEs. Under
 * normal errors each check fails with probability 6e-5; with the ~50 checks of this file about 0.3%, plus
 * some for our MCSEs being estimated from short runs (hence also the floor of 20% of the Stan sd's
 * relative error band for the sd check: a few hundred draws give ±5-10% sds).
 */
function expectMatchesStan(model: string, draws: NDArray, names: string[]): string[] {
  const ref = reference.models[model]!.parameters;
  const flat = np.reshape(draws, [draws.shape[0]!, draws.shape[1]!, -1]);
  const mcseMean = nums(monteCarloStandardError(flat, { method: "mean" }) as NDArray);
  const mcseSd = nums(monteCarloStandardError(flat, { method: "sd" }) as NDArray);
  const x = flat.toArray() as number[][][];
  const report: string[] = [];
  names.forEach((name, j) => {
    const s = ref[name];
    if (!s) throw new Error(`stan_reference.json has no ${model}/${name}`);
    const values = x.flatMap((row) => row.map((c) => c[j]!));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
    const meanBand = 4 * Math.hypot(mcseMean[j]!, s.mcse_mean);
    const sdBand = Math.max(4 * Math.hypot(mcseSd[j]!, s.mcse_sd), 0.2 * s.sd);
    report.push(`${name}: mean ${mean.toFixed(3)} vs ${s.mean.toFixed(3)} (±${meanBand.toFixed(3)}), sd ${sd.toFixed(3)} vs ${s.sd.toFixed(3)} (±${sdBand.toFixed(3)})`);
    expect(Math.abs(mean - s.mean), `${model} ${name}: mean ${mean} vs Stan ${s.mean}`).toBeLessThan(meanBand);
    expect(Math.abs(sd - s.sd), `${model} ${name}: sd ${sd} vs Stan ${s.sd}`).toBeLessThan(sdBand);
  });
  return report;
}

describe("slow statistical: posteriors vs long Stan runs", () => {
  test("eight schools, non-centered: mu, tau, theta_tilde (4 chains x 400 draws after 400 warmup)", () => {
    const y = [28, 8, -3, 7, -1, 1, 18, 12];
    const sigma = f64([15, 10, 16, 11, 9, 11, 10, 18]);
    // posteriordb's eight_schools_noncentered priors, as bench/stan/models/eight_schools_nc.stan.
    const model = new JointDistributionNamed({
      mu: new tfd.Normal({ loc: f64(0), scale: f64(5) }),
      tau: new tfd.HalfCauchy({ loc: f64(0), scale: f64(5) }),
      thetaTilde: new tfd.Sample({ distribution: new tfd.Normal({ loc: f64(0), scale: f64(1) }), sampleShape: [8] }),
      y: (mu: NDArray, tau: NDArray, thetaTilde: NDArray) => new tfd.Independent({
        distribution: new tfd.Normal({ loc: np.add(np.expandDims(mu, -1), np.multiply(np.expandDims(tau, -1), thetaTilde)), scale: sigma }),
        reinterpretedBatchNdims: 1,
      }),
    });
    const out = windowedAdaptiveNuts({ jointDistribution: model, pins: { y: f64(y) }, nDraws: 400, nChains: 4, numAdaptationSteps: 400, seed: 8 });
    const s = out.states as { mu: NDArray; tau: NDArray; thetaTilde: NDArray };
    expect(s.thetaTilde.shape).toEqual([400, 4, 8]);
    expect(nums(s.tau).every((t) => t > 0)).toBe(true);
    const divergences = nums((out.trace as NutsTrace).diverging).filter(Boolean).length;
    expect(divergences, "divergent transitions").toBeLessThan(8);
    expectMatchesStan("eight_schools_nc", s.mu, ["mu"]);
    expectMatchesStan("eight_schools_nc", s.tau, ["tau"]);
    expectMatchesStan("eight_schools_nc", s.thetaTilde, Array.from({ length: 8 }, (_, i) => `theta_tilde[${i + 1}]`));
  }, 600_000);

  // On the wasm device whatever FLUXION_DEVICE says: on the js reference device this run takes ~20 minutes
  // (raw features need trees of depth 6-7, ~130 gradients per step); on wasm about a minute.
  test("iris multinomial logistic regression, raw features: w [4, 3] and b [3] (4 chains x 200 draws after 200 warmup, wasm device)", async () => {
    await init("wasm");
    const previous = defaultDevice();
    setDefaultDevice("wasm");
    try {
      sampleIrisAndCompare();
    } finally {
      setDefaultDevice(previous);
    }
  }, 600_000);
});

/** Samples the iris posterior on the current device and compares every weight and bias with Stan. */
function sampleIrisAndCompare(): void {
  const rows = readFileSync(new URL("../../../examples/data/iris.csv", import.meta.url), "utf8").trim().split("\n").slice(1).map((l) => l.split(","));
  const classes = [...new Set(rows.map((r) => r[4]!))];
  const x = f64(rows.map((r) => r.slice(0, 4).map(Number)));
  const labels = f64(rows.map((r) => classes.indexOf(r[4]!)));
  const model = new JointDistributionNamed({
    w: new tfd.Sample({ distribution: new tfd.Normal({ loc: f64(0), scale: f64(1) }), sampleShape: [4, 3] }),
    b: new tfd.Sample({ distribution: new tfd.Normal({ loc: f64(0), scale: f64(1) }), sampleShape: [3] }),
    y: (w: NDArray, b: NDArray) => new tfd.Independent({
      distribution: new tfd.Categorical({ logits: np.add(np.matmul(x, w), np.expandDims(b, -2)) }),
      reinterpretedBatchNdims: 1,
    }),
  });
  const out = windowedAdaptiveNuts({ jointDistribution: model, pins: { y: labels }, nDraws: 200, nChains: 4, numAdaptationSteps: 200, seed: 4 });
  const s = out.states as { w: NDArray; b: NDArray };
  expect(s.w.shape).toEqual([200, 4, 4, 3]);
  const wNames = Array.from({ length: 12 }, (_, i) => `w[${Math.floor(i / 3) + 1},${(i % 3) + 1}]`);
  expectMatchesStan("iris_logistic", s.w, wNames);
  expectMatchesStan("iris_logistic", s.b, ["b[1]", "b[2]", "b[3]"]);
}
