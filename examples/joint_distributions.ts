// Joint distributions as in TFP's "Modeling with JointDistribution" guide: the same Bayesian linear
// regression written as a Sequential, a Named and a Coroutine joint; sample shapes, logProb of a draw as
// the sum of its parts, and pinning the observations to get the unnormalized posterior.
import { fileURLToPath } from "node:url";
import { NDArray, np, random } from "@fluxion/core";
import { distributions as tfd, JointDistributionCoroutine, JointDistributionNamed, JointDistributionSequential, Root, type ModelGenerator } from "@fluxion/prob";

// The guide's regression: m ~ N(0, 10), b ~ N(0, 10), s ~ U(0, 5), Y ~ N(m X + b, s) over X = 0..6.
export const X = [0, 1, 2, 3, 4, 5, 6];
export const Y_OBSERVED = [0.5, 1.8, 3.1, 4.6, 5.9, 7.6, 8.9];
const xs = np.array(X, "float64");
const f64 = (v: number) => np.array(v, "float64");
const likelihood = (m: NDArray, b: NDArray, s: NDArray) =>
  new tfd.Independent({
    distribution: new tfd.Normal({ loc: np.add(np.multiply(np.expandDims(m, -1), xs), np.expandDims(b, -1)), scale: np.expandDims(s, -1) }),
    reinterpretedBatchNdims: 1,
  });

export const sequential = new JointDistributionSequential([
  new tfd.Normal({ loc: f64(0), scale: 10, name: "m" }),
  new tfd.Normal({ loc: f64(0), scale: 10, name: "b" }),
  new tfd.Uniform({ low: f64(0), high: 5, name: "s" }),
  // Makers receive the earlier values most recent first, as TFP: (s, b, m).
  (s: NDArray, b: NDArray, m: NDArray) => likelihood(m, b, s),
]);

export const named = new JointDistributionNamed({
  m: new tfd.Normal({ loc: f64(0), scale: 10 }),
  b: new tfd.Normal({ loc: f64(0), scale: 10 }),
  s: new tfd.Uniform({ low: f64(0), high: 5 }),
  // Dependencies by parameter name.
  Y: (m: NDArray, b: NDArray, s: NDArray) => likelihood(m, b, s),
});

export const coroutine = new JointDistributionCoroutine(function* (): ModelGenerator {
  const m = (yield Root(new tfd.Normal({ loc: f64(0), scale: 10, name: "m" }))) as NDArray;
  const b = (yield Root(new tfd.Normal({ loc: f64(0), scale: 10, name: "b" }))) as NDArray;
  const s = (yield Root(new tfd.Uniform({ low: f64(0), high: 5, name: "s" }))) as NDArray;
  yield likelihood(m, b, s);
  return undefined;
});

export interface JointExampleResult {
  sampleShapes: { sequential: number[][]; named: Record<string, number[]>; coroutine: number[][] };
  /** One named draw (sample shape []) and its log-density, from the joint and part by part. */
  draw: { m: number; b: number; s: number; Y: number[] };
  jointLogProb: number;
  partLogProbs: number[];
  /** The three model styles agree on the density of the same values. */
  sequentialLogProb: number;
  coroutineLogProb: number;
  /** Pinned at Y_OBSERVED: unnormalized posterior log-density at (m, b, s) = (1.4, 0.4, 0.3). */
  pinnedLogProb: number;
  pinnedPoint: { m: number; b: number; s: number };
}

const nums = (a: NDArray) => Array.from(a.dataSync(), Number);

export function main(log: (s: string) => void = console.log): JointExampleResult {
  // Sample shapes: sampleShape + batch + event for every part.
  const seqDraw = sequential.sample(random.key(0), [3, 2]) as NDArray[];
  const namedDraw = named.sample(random.key(1), [3, 2]) as Record<string, NDArray>;
  const coDraw = coroutine.sample(random.key(2), [3, 2]) as NDArray[];
  const sampleShapes = {
    sequential: seqDraw.map((a) => [...a.shape]),
    named: Object.fromEntries(Object.entries(namedDraw).map(([k, a]) => [k, [...a.shape]])),
    coroutine: coDraw.map((a) => [...a.shape]),
  };
  log(`sample([3, 2]) shapes: sequential ${JSON.stringify(sampleShapes.sequential)}, named ${JSON.stringify(sampleShapes.named)}, coroutine ${JSON.stringify(sampleShapes.coroutine)}`);

  // logProb of a draw is the sum of the parts' log-densities, each evaluated given the earlier values.
  const one = named.sample(random.key(3)) as Record<string, NDArray>;
  const jointLogProb = named.logProb(one).item();
  const parts = named.logProbParts(one) as Record<string, NDArray>;
  const partLogProbs = ["m", "b", "s", "Y"].map((k) => parts[k]!.item());
  const draw = { m: one.m!.item(), b: one.b!.item(), s: one.s!.item(), Y: nums(one.Y!) };
  log(`one draw: m=${draw.m.toFixed(4)} b=${draw.b.toFixed(4)} s=${draw.s.toFixed(4)}`);
  log(`logProb(draw) = ${jointLogProb.toFixed(6)}; parts m, b, s, Y = ${partLogProbs.map((v) => v.toFixed(6)).join(", ")} (sum ${partLogProbs.reduce((a, c) => a + c, 0).toFixed(6)})`);
  const asList = [one.m!, one.b!, one.s!, one.Y!];
  const sequentialLogProb = sequential.logProb(asList).item();
  const coroutineLogProb = coroutine.logProb(asList).item();
  log(`same values under the sequential and coroutine models: ${sequentialLogProb.toFixed(6)}, ${coroutineLogProb.toFixed(6)}`);

  // Pinning the observations gives the unnormalized posterior over (m, b, s).
  const pinned = named.experimentalPin({ Y: np.array(Y_OBSERVED, "float64") });
  const pinnedPoint = { m: 1.4, b: 0.4, s: 0.3 };
  const pinnedLogProb = pinned.unnormalizedLogProb({ m: f64(pinnedPoint.m), b: f64(pinnedPoint.b), s: f64(pinnedPoint.s) }).item();
  log(`pinned at the observations: log p(m=1.4, b=0.4, s=0.3, Y=y_obs) = ${pinnedLogProb.toFixed(6)}`);
  return { sampleShapes, draw, jointLogProb, partLogProbs, sequentialLogProb, coroutineLogProb, pinnedLogProb, pinnedPoint };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
