// Times Fluxion's joint-distribution windowedAdaptiveNuts on the Stan benchmark's models (bench/stan/models), on the
// wasm device in float64: 1 chain and 4 chains, the chains batched in ONE jitted program (init, warmup, draws).
// Prints one JSON object (runs + machine) on stdout. Usage: tsx --tsconfig bench/stan/tsconfig.json bench/stan/fluxion.ts [--quick]
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { init, np, setDefaultDevice, type NDArray } from "@fluxion/core";
import { JointDistributionNamed, distributions as tfd } from "@fluxion/prob";
import { effectiveSampleSize, windowedAdaptiveNuts, type NutsTrace } from "@fluxion/mcmc";

const quick = process.argv.includes("--quick");
const WARMUP = quick ? 200 : 1000;
const DRAWS = quick ? 200 : 1000;
const f64 = (x: number | number[] | number[][]) => np.array(x, "float64");
const standardNormal = (shape: number[]) => new tfd.Sample({ distribution: new tfd.Normal({ loc: f64(0), scale: f64(1) }), sampleShape: shape });

/** The benchmark models as joint distributions with their pins; the same priors and data as the .stan files. */
function models(): Record<string, { model: JointDistributionNamed; pins?: Record<string, NDArray> }> {
  const sigma = f64([15, 10, 16, 11, 9, 11, 10, 18]);
  const eightSchools = new JointDistributionNamed({
    mu: new tfd.Normal({ loc: f64(0), scale: f64(5) }),
    tau: new tfd.HalfCauchy({ loc: f64(0), scale: f64(5) }),
    thetaTilde: standardNormal([8]),
    y: (mu: NDArray, tau: NDArray, thetaTilde: NDArray) => new tfd.Independent({
      distribution: new tfd.Normal({ loc: np.add(np.expandDims(mu, -1), np.multiply(np.expandDims(tau, -1), thetaTilde)), scale: sigma }),
      reinterpretedBatchNdims: 1,
    }),
  });
  const csv = readFileSync(fileURLToPath(new URL("../../examples/data/iris.csv", import.meta.url)), "utf8").trim().split("\n").slice(1).map((l) => l.split(","));
  const classes = [...new Set(csv.map((r) => r[4]!))];
  const x = f64(csv.map((r) => r.slice(0, 4).map(Number)));
  const iris = new JointDistributionNamed({
    w: standardNormal([4, 3]),
    b: standardNormal([3]),
    y: (w: NDArray, b: NDArray) => new tfd.Independent({
      distribution: new tfd.Categorical({ logits: np.add(np.matmul(x, w), np.expandDims(b, -2)) }),
      reinterpretedBatchNdims: 1,
    }),
  });
  return {
    eight_schools_nc: { model: eightSchools, pins: { y: f64([28, 8, -3, 7, -1, 1, 18, 12]) } },
    iris_logistic: { model: iris, pins: { y: f64(csv.map((r) => classes.indexOf(r[4]!))) } },
    gaussian100: { model: new JointDistributionNamed({ x: standardNormal([100]) }) },
  };
}

interface Run { model: string; chains: number; warmup: number; draws: number; seconds: number; firstCallSeconds: number; gradients: number; gradientsDraws: number; minEssBulk: number; divergences: number }

function sample(name: string, spec: ReturnType<typeof models>[string], chains: number, warmup: number, draws: number, seed: number) {
  const t0 = performance.now();
  const out = windowedAdaptiveNuts({ jointDistribution: spec.model, ...(spec.pins ? { pins: spec.pins } : {}), nChains: chains, numAdaptationSteps: warmup, nDraws: draws, seed });
  const trace = out.trace as NutsTrace;
  const gradientsDraws = np.sum(trace.numLeapfrog.astype("float64")).item();
  const seconds = (performance.now() - t0) / 1000;
  return { out, trace, seconds, gradients: gradientsDraws + np.sum(out.warmupLeapfrogs.astype("float64")).item(), gradientsDraws, name };
}

async function main(): Promise<void> {
  await init("wasm");
  setDefaultDevice("wasm");
  const runs: Run[] = [];
  for (const [name, spec] of Object.entries(models())) {
    for (const chains of [1, 4]) {
      // A 1-step run first: tracing, planning and compiling the program (each windowedAdaptiveNuts call
      // traces its own jit; compiled kernels are cached by the wasm runtime, so the full run mostly reuses them).
      const first = sample(name, spec, chains, 1, 1, 0);
      const full = sample(name, spec, chains, WARMUP, DRAWS, 1234);
      const states = full.out.states as Record<string, NDArray>;
      const ess = Object.values(states).flatMap((s) => Array.from((effectiveSampleSize(s, { method: "bulk" }) as NDArray).dataSync(), Number));
      const divergences = np.sum(full.trace.diverging.astype("int32")).item();
      const run: Run = { model: name, chains, warmup: WARMUP, draws: DRAWS, seconds: full.seconds, firstCallSeconds: first.seconds, gradients: full.gradients, gradientsDraws: full.gradientsDraws, minEssBulk: Math.min(...ess), divergences };
      console.error(`fluxion ${name}, ${chains} chain(s): ${run.seconds.toFixed(2)} s (1-step run ${first.seconds.toFixed(2)} s), ${run.gradients} gradients, min bulk ESS ${run.minEssBulk.toFixed(0)}, ${divergences} divergences`);
      runs.push(run);
    }
  }
  console.log(JSON.stringify({ device: "wasm", dtype: "float64", runs }));
}

await main();
