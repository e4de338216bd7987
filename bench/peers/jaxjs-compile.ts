// @jax-js/jax's compile latency, one fresh process per measurement: init("wasm"), the first call of
// the same jitted 50-op function as Fluxion's, then a new input signature in the warm process.
import { blockUntilReady, defaultDevice, init, jit, numpy as np, type Array as JaxArray } from "@jax-js/jax";
import { compileInputs, fiftyOpsJs } from "../workloads/inputs.js";
import { RESULT_PREFIX, type Measurement } from "../lib/protocol.js";

/** The op cycle of workloads/fluxion.ts's fiftyOps, with jax-js's move semantics. */
const cycle: ((a: JaxArray, y: JaxArray) => JaxArray)[] = [
  (a) => np.sin(a),
  (a, y) => a.mul(y.ref),
  (a) => a.add(0.25),
  (a) => np.tanh(a),
  (a, y) => a.sub(y.ref),
  (a) => np.cos(a),
  (a) => a.mul(0.5),
];
const fiftyOps = (x: JaxArray, y: JaxArray): JaxArray => {
  let a = x;
  for (let i = 0; i < 49; i++) a = cycle[i % cycle.length]!(a, y);
  y.dispose();
  return a.sum();
};

const size = Number(process.argv[2] ?? 1000);
const ms = (t0: number): number => performance.now() - t0;
let t0 = performance.now();
await init("wasm");
defaultDevice("wasm");
const initMs = ms(t0);
const f = jit(fiftyOps);
const run = async (n: number): Promise<number> => {
  const [xd, yd] = compileInputs(n);
  const r = await blockUntilReady(f(np.array(xd), np.array(yd)));
  return (await r.data())[0]!;
};
t0 = performance.now();
const first = await run(size);
const firstCallMs = ms(t0);
t0 = performance.now();
await run(size + 1);
const newSignatureMs = ms(t0);
t0 = performance.now();
await run(size + 1);
const cachedCallMs = ms(t0);
const m: Measurement = {
  peer: "jax-js", workload: "compile", size, seconds: [], callsPerRep: 1, firstCallSeconds: (initMs + firstCallMs) / 1000,
  checksum: [first, fiftyOpsJs(...compileInputs(size))],
  extra: { initMs, firstCallMs, coldMs: initMs + firstCallMs, newSignatureMs, cachedCallMs },
};
process.stdout.write(RESULT_PREFIX + JSON.stringify(m) + "\n");
