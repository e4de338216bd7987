// Bayesian multinomial logistic regression on iris with NUTS (the TFP-on-JAX docs' example):
// w ~ Normal(0, 1)[4, 3], b ~ Normal(0, 1)[3], y ~ Categorical(logits = X w + b), raw features.
// The model is a joint distribution with y pinned to the labels; windowedAdaptiveNuts runs four chains
// as one batched program with Stan's windowed warmup (a progress bar when run from the command line);
// predictions average the posterior (Bayesian model averaging).
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { NDArray, np, special, init, setDefaultDevice, defaultDevice } from "@fluxion/core";
import { windowedAdaptiveNuts, summary, type NutsTrace, type ProgressOption } from "@fluxion/mcmc";
import { JointDistributionNamed, distributions as tfd } from "@fluxion/prob";
import { tracePlotSvg } from "./tracePlot.js";

export function loadIris(): { x: NDArray; y: NDArray; classes: string[] } {
  const path = fileURLToPath(new URL("./data/iris.csv", import.meta.url));
  const rows = readFileSync(path, "utf8").trim().split("\n").slice(1).map((l) => l.split(","));
  const classes = [...new Set(rows.map((r) => r[4]!))];
  return {
    x: np.array(rows.map((r) => r.slice(0, 4).map(Number)), "float32"),
    y: np.array(rows.map((r) => classes.indexOf(r[4]!)), "int32"),
    classes,
  };
}

type State = { w: NDArray; b: NDArray };

/** log p(w, b, y | X) for a batch of chains: w [C, 4, 3], b [C, 3] -> [C]. */
export function makeTargetLogProb(x: NDArray, y: NDArray): (s: State) => NDArray {
  const oneHot = np.equal(np.expandDims(y, 1), np.arange(3)).astype("float32");
  return ({ w, b }: State) => {
    const logits = np.add(np.matmul(x, w), np.expandDims(b, -2)); // [C, 150, 3]
    const loglik = np.sum(np.multiply(special.logSoftmax(logits, -1), oneHot), [-2, -1]);
    const prior = np.multiply(np.add(np.sum(np.square(w), [-2, -1]), np.sum(np.square(b), -1)), -0.5);
    return np.add(loglik, prior);
  };
}

/** The same model as a joint distribution over { w, b, y } (pin y to the labels for the posterior). */
export function irisModel(x: NDArray): JointDistributionNamed {
  const standardNormal = (shape: number[]) => new tfd.Sample({ distribution: new tfd.Normal({ loc: np.asarray(0, "float32"), scale: np.asarray(1, "float32") }), sampleShape: shape });
  return new JointDistributionNamed({
    w: standardNormal([4, 3]),
    b: standardNormal([3]),
    // w [..., 4, 3], b [..., 3] (leading chain axes) -> logits [..., 150, 3]; one categorical per row.
    y: (w: NDArray, b: NDArray) => new tfd.Independent({
      distribution: new tfd.Categorical({ logits: np.add(np.matmul(x, w), np.expandDims(b, -2)) }),
      reinterpretedBatchNdims: 1,
    }),
  });
}

export interface IrisResult { accuracy: number; maxRhat: number; minEssBulk: number; seconds: number; stepSize: number; divergences: number; svgPath: string | null }

export async function main(opts: { nDraws?: number; numAdaptationSteps?: number; nChains?: number; device?: "js" | "wasm"; log?: (s: string) => void; svgPath?: string | null; progress?: ProgressOption } = {}): Promise<IrisResult> {
  const log = opts.log ?? console.log;
  const nDraws = opts.nDraws ?? 500;
  const nChains = opts.nChains ?? 4;
  const previousDevice = defaultDevice();
  if (opts.device !== "js") {
    await init("wasm");
    setDefaultDevice("wasm");
  } else setDefaultDevice("js");
  const { x, y } = loadIris();
  const t0 = performance.now();
  // Without progress the whole run (init, warmup, draws) is one jitted program; with it, compiled chunks.
  const out = windowedAdaptiveNuts({
    jointDistribution: irisModel(x), pins: { y }, nDraws, nChains, numAdaptationSteps: opts.numAdaptationSteps ?? 500, seed: 42,
    ...(opts.progress ? { progress: opts.progress } : {}),
  });
  const states = out.states as State;
  const trace = out.trace as NutsTrace;
  const stepSize = out.stepSize;
  const seconds = (performance.now() - t0) / 1000;
  // Bayesian model averaging: average the class probabilities over every draw of every chain.
  const w = np.reshape(states.w, [nDraws * nChains, 4, 3]);
  const b = np.reshape(states.b, [nDraws * nChains, 3]);
  const probs = np.mean(special.softmax(np.add(np.matmul(x, w), np.expandDims(b, -2)), -1), 0);
  const accuracy = np.mean(np.equal(np.argmax(probs, -1), y).astype("float32")).item();
  const s = summary(states);
  const maxRhat = Math.max(...s.rows.map((r) => r.rHat));
  const minEssBulk = Math.min(...s.rows.map((r) => r.essBulk));
  const divergences = np.sum(trace.diverging.astype("int32")).item();
  // Gradient evaluations of warmup and draws (the trace holds the draws only).
  const leapfrogs = np.sum(trace.numLeapfrog.astype("float32")).item() + np.sum(out.warmupLeapfrogs.astype("float32")).item();
  log(`NUTS: ${nChains} chains × (${opts.numAdaptationSteps ?? 500} warmup + ${nDraws} draws) in ${seconds.toFixed(1)} s (${(leapfrogs / seconds).toFixed(0)} gradients/s), step size ${(stepSize.dataSync()[0] ?? NaN).toFixed(3)}, divergences ${divergences}`);
  log(`Bayesian-model-averaging accuracy: ${accuracy.toFixed(3)}`);
  log(s.toString());
  // Trace plot of the biases and the first feature's weights, as SVG.
  const svgPath = opts.svgPath === undefined ? "iris_nuts_trace.svg" : opts.svgPath;
  if (svgPath) {
    const perChain = (a: NDArray) => a.toArray() as number[][];
    const series = [0, 1, 2].flatMap((k) => [
      { name: `b[${k}]`, draws: perChain(states.b.slice(":", ":", k)) },
      { name: `w[0, ${k}]`, draws: perChain(states.w.slice(":", ":", 0, k)) },
    ]);
    writeFileSync(svgPath, await tracePlotSvg(series));
    log(`trace plot written to ${svgPath}`);
  }
  setDefaultDevice(previousDevice);
  return { accuracy, maxRhat, minEssBulk, seconds, stepSize: stepSize.dataSync()[0]!, divergences, svgPath };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main({ progress: true });
