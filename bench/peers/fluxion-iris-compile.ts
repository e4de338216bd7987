// Compile latency of the iris NUTS step (examples/iris_nuts.ts's model: multinomial logistic regression
// on the raw iris features, 4 chains), one fresh process per measurement: init("wasm"), the first call
// of a jitted NUTS transition (trace, plan, compile, run), then a second call (cached).
import { init, np, random, setDefaultDevice, type NDArray } from "@fluxion/core";
import { jit } from "@fluxion/transforms";
import { NoUTurnSampler } from "@fluxion/mcmc";
import { loadIris, makeTargetLogProb } from "../../examples/iris_nuts.js";
import { RESULT_PREFIX, type Measurement } from "../lib/protocol.js";

const CHAINS = 4;
const ms = (t0: number): number => performance.now() - t0;
let t0 = performance.now();
await init("wasm");
setDefaultDevice("wasm");
const initMs = ms(t0);
const { x, y } = loadIris();
const target = makeTargetLogProb(x, y);
type State = { w: NDArray; b: NDArray };
const kernel = new NoUTurnSampler({ targetLogProbFn: target as never, stepSize: 0.05 });
const state: State = { w: random.uniform(random.key(0), [CHAINS, 4, 3], { minval: -0.5, maxval: 0.5 }), b: np.zeros([CHAINS, 3]) };
const step = jit((s: State, key: NDArray) => {
  const [next, results] = kernel.oneStep(s, kernel.bootstrapResults(s), key);
  return [next, results.targetLogProb, results.leapfrogsTaken];
});
const call = (key: NDArray): [State, NDArray, NDArray] => step(state, key) as [State, NDArray, NDArray];
t0 = performance.now();
const [next, lp] = call(random.key(1));
const lpValues = Array.from(lp.dataSync() as Float32Array);
const firstCallMs = ms(t0);
t0 = performance.now();
const [, lp2] = call(random.key(2));
lp2.dataSync();
const cachedCallMs = ms(t0);
// Check: the returned log prob is the target's at the returned state (the kernel evaluated the model it compiled).
const direct = Array.from(target(next).dataSync() as Float32Array);
const err = Math.max(...direct.map((v, i) => Math.abs(v - lpValues[i]!) / Math.max(Math.abs(v), 1)));
const m: Measurement = {
  peer: "Fluxion", workload: "iris", size: CHAINS, seconds: [], callsPerRep: 1, firstCallSeconds: (initMs + firstCallMs) / 1000,
  checksum: [err, lpValues.every(Number.isFinite) ? 1 : 0],
  extra: { initMs, firstCallMs, coldMs: initMs + firstCallMs, cachedCallMs },
};
process.stdout.write(RESULT_PREFIX + JSON.stringify(m) + "\n");
