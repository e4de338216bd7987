// A mixture density network (Bishop 1994, "Mixture Density Networks", NCRG/94/004, §5): a small MLP maps
// x to the parameters of MixtureSameFamily(Categorical, Normal) over t, trained with Adam on the inverse of
// x = t + 0.3 sin(2πt) + noise, whose conditional p(t | x) has up to three branches.
import { fileURLToPath } from "node:url";
import { NDArray, np, random, type Device } from "@fluxion/core";
import { jit, scan, valueAndGrad } from "@fluxion/transforms";
import { adam, applyUpdates } from "@fluxion/optim";
import { distributions as tfd } from "@fluxion/prob";
import { onDevice } from "./device.js";

export const NUM_COMPONENTS = 3;
const HIDDEN = 20;

type Mlp = { w1: NDArray; b1: NDArray; w2: NDArray; b2: NDArray };

/** Bishop's data: t ~ U(0, 1), x = t + 0.3 sin(2πt) + U(-0.1, 0.1); the network predicts t from x. */
export function inverseSineData(key: NDArray, n: number): { x: NDArray; t: NDArray } {
  const keys = random.split(key);
  const [kt, kn] = [np.take(keys, 0, 0), np.take(keys, 1, 0)];
  const t = random.uniform(kt, [n], { dtype: "float32" });
  const noise = random.uniform(kn, [n], { minval: -0.1, maxval: 0.1, dtype: "float32" });
  const x = np.add(np.add(t, np.multiply(0.3, np.sin(np.multiply(2 * Math.PI, t)))), noise);
  return { x, t };
}

/** x [n] -> the conditional law of t: a batch [n] of K-component normal mixtures. */
export function mixtureFor(params: Mlp, x: NDArray): tfd.MixtureSameFamily {
  const hidden = np.tanh(np.add(np.matmul(np.expandDims(x, -1), params.w1), params.b1)); // [n, H]
  const out = np.add(np.matmul(hidden, params.w2), params.b2); // [n, 3K]: logits, locations, log scales
  const [logits, loc, logScale] = np.split(out, 3, -1) as [NDArray, NDArray, NDArray];
  return new tfd.MixtureSameFamily({
    mixtureDistribution: new tfd.Categorical({ logits }),
    componentsDistribution: new tfd.Normal({ loc, scale: np.exp(logScale) }),
  });
}

function initParams(key: NDArray): Mlp {
  const keys = random.split(key);
  const [k1, k2] = [np.take(keys, 0, 0), np.take(keys, 1, 0)];
  return {
    w1: np.multiply(random.normal(k1, [1, HIDDEN]), 2.0),
    b1: np.zeros([HIDDEN]),
    w2: np.multiply(random.normal(k2, [HIDDEN, 3 * NUM_COMPONENTS]), 1 / Math.sqrt(HIDDEN)),
    b2: np.zeros([3 * NUM_COMPONENTS]),
  };
}

export interface MdnResult {
  nllCurve: number[];
  finalNll: number;
  /** The fitted p(t | x = 0.5): mixture weights, locations and scales of its components. */
  at05: { weights: number[]; locs: number[]; scales: number[] };
}

export async function main(opts: { device?: Device; numSteps?: number; log?: (s: string) => void } = {}): Promise<MdnResult> {
  const log = opts.log ?? console.log;
  const numSteps = opts.numSteps ?? 2000;
  return onDevice(opts.device ?? "wasm", () => {
    const { x, t } = inverseSineData(random.key(0), 500);
    const nll = (p: Mlp) => np.negative(np.mean(mixtureFor(p, x).logProb(t)));
    const optimizer = adam(0.01);
    // All steps as one jitted scan; Adam's state and the parameters are plain pytrees carried by the scan.
    const train = jit((p0: Mlp) =>
      scan(([p, s]: [Mlp, unknown[]], _: null) => {
        const [loss, grads] = valueAndGrad(nll)(p) as [NDArray, Mlp];
        const [updates, next] = optimizer.update(grads, s, p);
        return [[applyUpdates(p, updates), next], loss] as [[Mlp, unknown[]], NDArray];
      }, [p0, optimizer.init(p0)] as [Mlp, unknown[]], null, { length: numSteps }),
    );
    const t0 = performance.now();
    const [[params], losses] = train(initParams(random.key(1))) as [[Mlp, unknown[]], NDArray];
    const curve = Array.from(losses.dataSync(), Number);
    const finalNll = nll(params).item();
    const marks = [0, numSteps / 4, numSteps / 2, (3 * numSteps) / 4].map((i) => curve[i]!);
    log(`Adam, ${numSteps} steps in one jit(scan): NLL ${[...marks, finalNll].map((v) => v.toFixed(4)).join(" -> ")} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);

    // At x = 0.5 the inverse has three branches (t ≈ 0.5 and one on each side): each should carry mass.
    const m = mixtureFor(params, np.array([0.5]));
    const weights = Array.from(m.mixtureDistribution.probsParameter().dataSync(), Number);
    const comps = m.componentsDistribution as tfd.Normal;
    const locs = Array.from(np.asarray(comps.loc).dataSync(), Number);
    const scales = Array.from(np.asarray(comps.scale).dataSync(), Number);
    const order = locs.map((_, i) => i).sort((a, b) => locs[a]! - locs[b]!);
    log(`p(t | x = 0.5) = ${order.map((i) => `${weights[i]!.toFixed(3)}·N(${locs[i]!.toFixed(3)}, ${scales[i]!.toFixed(3)})`).join(" + ")}`);
    const grid = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];
    const density = Array.from(m.prob(np.reshape(np.array(grid), [-1, 1])).dataSync(), Number);
    log(`density on t = 0, 0.1, ..., 1: ${density.map((v) => v.toFixed(2)).join(" ")}`);
    return { nllCurve: curve, finalNll, at05: { weights: order.map((i) => weights[i]!), locs: order.map((i) => locs[i]!), scales: order.map((i) => scales[i]!) } };
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
