// Gaussian-process regression as in TFP's GaussianProcessRegressionModel docstring: noisy draws of
// f(x) = sin(10 x) exp(-x²), kernel hyperparameters fitted by maximising the marginal likelihood with Adam
// (one jitted scan) and polished with L-BFGS, then the posterior predictive mean and variance.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { NDArray, np, type Device } from "@fluxion/core";
import { jit, valueAndGrad } from "@fluxion/transforms";
import { adam, lbfgsMinimize, minimize, type LbfgsResults } from "@fluxion/optim";
import { GaussianProcess, GaussianProcessRegressionModel, psdKernels as tfpk } from "@fluxion/prob";
import { onDevice } from "./device.js";

/** The data set and scipy's fit, written by examples/data/gen_examples.py. */
export interface GpFixture {
  x: number[]; y: number[]; indexPoints: number[]; jitter: number; init: [number, number, number];
  amplitude: number; lengthScale: number; observationNoiseVariance: number; negLogMarginalLikelihood: number;
  predictiveMean: number[]; predictiveVariance: number[];
}
export function loadGpFixture(): GpFixture {
  const path = fileURLToPath(new URL("./data/examples_fixtures.json", import.meta.url));
  return (JSON.parse(readFileSync(path, "utf8")) as { gp: GpFixture }).gp;
}

export interface GpExampleResult {
  adamNegLogLik: number[];
  amplitude: number; lengthScale: number; observationNoiseVariance: number;
  negLogMarginalLikelihood: number;
  lbfgsIterations: number;
  indexPoints: number[]; predictiveMean: number[]; predictiveVariance: number[];
}

export async function main(opts: { device?: Device; log?: (s: string) => void } = {}): Promise<GpExampleResult> {
  const log = opts.log ?? console.log;
  return onDevice(opts.device ?? "wasm", () => {
    const data = loadGpFixture();
    const x = np.reshape(np.array(data.x, "float64"), [-1, 1]); // [40, 1]: one feature per point
    const y = np.array(data.y, "float64");
    // Hyperparameters live in log space so the optimizers are unconstrained (TFP uses Exp-transformed variables).
    const negLogMarginal = (logParams: NDArray) => {
      const [amplitude, lengthScale, noise] = [0, 1, 2].map((i) => np.exp(np.take(logParams, i)));
      const gp = new GaussianProcess({
        kernel: new tfpk.ExponentiatedQuadratic({ amplitude: amplitude!, lengthScale: lengthScale! }),
        indexPoints: x,
        observationNoiseVariance: noise!,
        jitter: data.jitter,
      });
      return np.negative(gp.logProb(y));
    };

    // Stage 1, as TFP's docstring: Adam on the negative log marginal likelihood, all steps as one jit(scan).
    const adamRun = minimize(negLogMarginal, { initialParams: np.log(np.array(data.init, "float64")), optimizer: adam(0.05), numSteps: 300 });
    const losses = Array.from(adamRun.losses.dataSync(), Number);
    const adamNegLogLik = [losses[0]!, losses[99]!, losses[199]!, losses[299]!];
    log(`Adam: -log p(y) ${adamNegLogLik.map((v) => v.toFixed(4)).join(" -> ")} (steps 0, 100, 200, 300)`);
    // Stage 2: L-BFGS from Adam's point converges to the maximum to gradient max-norm 1e-8.
    const polish = jit((p0: NDArray) => lbfgsMinimize(valueAndGrad(negLogMarginal), { initialPosition: p0, tolerance: 1e-8 }));
    const r = polish(adamRun.params) as LbfgsResults;
    const [amplitude, lengthScale, observationNoiseVariance] = Array.from(np.exp(r.position).dataSync(), Number) as [number, number, number];
    const negLogMarginalLikelihood = r.objectiveValue.item();
    const lbfgsIterations = r.numIterations.item();
    log(`L-BFGS: converged=${Boolean(r.converged.item())} after ${lbfgsIterations} iterations, -log p(y) = ${negLogMarginalLikelihood.toFixed(8)}`);
    log(`fitted: amplitude=${amplitude.toFixed(6)} lengthScale=${lengthScale.toFixed(6)} observationNoiseVariance=${observationNoiseVariance.toExponential(6)}`);

    // Posterior predictive of the noiseless function at 11 points (predictiveNoiseVariance 0).
    const gprm = new GaussianProcessRegressionModel({
      kernel: new tfpk.ExponentiatedQuadratic({ amplitude, lengthScale }),
      indexPoints: np.reshape(np.array(data.indexPoints, "float64"), [-1, 1]),
      observationIndexPoints: x,
      observations: y,
      observationNoiseVariance,
      predictiveNoiseVariance: 0,
      jitter: data.jitter,
    });
    const predictiveMean = Array.from(gprm.mean().dataSync(), Number);
    const predictiveVariance = Array.from(gprm.variance().dataSync(), Number);
    log(`x:        ${data.indexPoints.map((v) => v.toFixed(3).padStart(7)).join(" ")}`);
    log(`mean:     ${predictiveMean.map((v) => v.toFixed(3).padStart(7)).join(" ")}`);
    log(`sd:       ${predictiveVariance.map((v) => Math.sqrt(v).toFixed(3).padStart(7)).join(" ")}`);
    return { adamNegLogLik, amplitude, lengthScale, observationNoiseVariance, negLogMarginalLikelihood, lbfgsIterations, indexPoints: data.indexPoints, predictiveMean, predictiveVariance };
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
