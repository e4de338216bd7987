// Fluxion's compile latency, one fresh process per measurement: binaryen load, the first call of a
// jitted 50-op function (trace, plan, compile, run), then a new input signature in the warm process.
import { init, setDefaultDevice } from "@fluxion/core";
import { fiftyOpsJit } from "../workloads/fluxion.js";
import { compileInputs, fiftyOpsJs } from "../workloads/inputs.js";
import { RESULT_PREFIX, type Measurement } from "../lib/protocol.js";

const size = Number(process.argv[2] ?? 1000);
const ms = (t0: number): number => performance.now() - t0;
let t0 = performance.now();
await init("wasm");
setDefaultDevice("wasm");
const binaryenLoadMs = ms(t0);
const run = fiftyOpsJit();
t0 = performance.now();
const first = run(size);
const firstCallMs = ms(t0);
t0 = performance.now();
run(size + 1);
const newSignatureMs = ms(t0);
t0 = performance.now();
run(size + 1);
const cachedCallMs = ms(t0);
const m: Measurement = {
  peer: "Fluxion", workload: "compile", size, seconds: [], callsPerRep: 1, firstCallSeconds: (binaryenLoadMs + firstCallMs) / 1000,
  checksum: [first, fiftyOpsJs(...compileInputs(size))],
  extra: { binaryenLoadMs, firstCallMs, coldMs: binaryenLoadMs + firstCallMs, newSignatureMs, cachedCallMs },
};
process.stdout.write(RESULT_PREFIX + JSON.stringify(m) + "\n");
