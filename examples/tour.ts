// The README's tour, runnable: grad / vmap / jit, a model as a joint distribution, NUTS and L-BFGS on its
// posterior. The imports and the lines between the TOUR markers are README.md's tour (a test checks each line).
import { fileURLToPath } from "node:url";
import { NDArray, np, random, init, setDefaultDevice } from "@fluxion/core";
import { grad, vmap, jit, valueAndGrad } from "@fluxion/transforms";
import { distributions as tfd, JointDistributionNamed } from "@fluxion/prob";
import { NoUTurnSampler, DualAveragingStepSizeAdaptation, sampleChain } from "@fluxion/mcmc";
import { lbfgsMinimize } from "@fluxion/optim";

export interface TourResult { gradient: number[]; rowGradients: number[][]; jitGradient: number[]; posteriorDraws: number[]; mode: number; y: number[] }

export async function main(log: (s: string) => void = console.log): Promise<TourResult> {
  // TOUR-BEGIN
  await init("wasm"); setDefaultDevice("wasm");             // jit compiles to SIMD WebAssembly

  const f = (x: NDArray) => np.sum(np.multiply(np.sin(x), x));
  const gradient = grad(f)(np.array([1, 2, 3])) as NDArray;             // cos(x)·x + sin(x)
  const rowGradients = vmap(grad(f))(np.ones([8, 3])) as NDArray;        // one gradient per row
  const jitGradient = jit(grad(f))(np.array([1, 2, 3])) as NDArray;      // traced once per signature, compiled, cached

  // A model: mu ~ N(0, 10), five observations y_i ~ N(mu, 1); log p(mu, y) at the observed y.
  const y = np.array([1.2, 0.4, 2.1, 1.6, 0.9], "float64");
  const model = new JointDistributionNamed({
    mu: new tfd.Normal({ loc: np.array(0, "float64"), scale: 10 }),
    y: (mu: NDArray) => new tfd.Sample({ distribution: new tfd.Normal({ loc: mu, scale: 1 }), sampleShape: 5 }),
  });
  const logPosterior = (mu: NDArray) => model.logProb({ mu, y });

  // NUTS with dual-averaging step sizes: 4 chains (a leading chain axis) as one jitted program.
  const kernel = new DualAveragingStepSizeAdaptation({ innerKernel: new NoUTurnSampler({ targetLogProbFn: logPosterior, stepSize: 0.5 }), numAdaptationSteps: 150 });
  const sample = jit((mu0: NDArray, key: NDArray) => sampleChain({ numResults: 250, numBurninSteps: 200, currentState: mu0, kernel, seed: key }).states);
  const draws = sample(np.zeros([4], "float64"), random.key(0)) as NDArray; // [250 draws, 4 chains]

  // L-BFGS: the posterior mode, from the value and gradient of -log p.
  const fit = lbfgsMinimize(valueAndGrad((mu: NDArray) => np.negative(np.sum(logPosterior(mu)))), { initialPosition: np.zeros([1], "float64") });
  // TOUR-END

  const posteriorDraws = Array.from(draws.dataSync(), Number);
  const mode = fit.position.item();
  const mean = posteriorDraws.reduce((a, b) => a + b, 0) / posteriorDraws.length;
  log(`grad f at [1, 2, 3]: ${Array.from(gradient.dataSync(), (v) => Number(v).toFixed(6)).join(", ")}`);
  log(`vmap(grad f) over 8 rows: shape [${rowGradients.shape.join(", ")}]; jit(grad f) equals grad f: ${Array.from(jitGradient.dataSync(), (v) => Number(v).toFixed(6)).join(", ")}`);
  log(`NUTS: ${draws.shape[0]} draws x ${draws.shape[1]} chains, posterior mean of mu ${mean.toFixed(4)}`);
  log(`L-BFGS: posterior mode ${mode.toFixed(8)} after ${fit.numObjectiveEvaluations.item()} evaluations`);
  return {
    gradient: Array.from(gradient.dataSync(), Number),
    rowGradients: rowGradients.toArray() as number[][],
    jitGradient: Array.from(jitGradient.dataSync(), Number),
    posteriorDraws,
    mode,
    y: Array.from(y.dataSync(), Number),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
