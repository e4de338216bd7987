// Fluxion peer: every workload jitted on the wasm device with inputs resident in wasm memory.
import { init, numThreads, setDefaultDevice } from "@fluxion/core";
import { chainWorkload, logregWorkload, matmulWorkload, scanWorkload, type FluxionWorkload } from "../workloads/fluxion.js";
import { arrayChecksum } from "../workloads/inputs.js";
import { runPeer, type Prepared } from "../lib/timing.js";

await init("wasm");
setDefaultDevice("wasm");

const prepared = (w: FluxionWorkload, checksum: (v: number[]) => number[] = (v) => v): Prepared => ({
  call: () => w.run(),
  checksum: () => checksum(w.check()),
  dispose: () => w.dispose(),
});

await runPeer(
  "Fluxion",
  {
    chain: (t) => prepared(chainWorkload(t.size), arrayChecksum),
    matmul: (t) => prepared(matmulWorkload(t.size), arrayChecksum),
    logreg: (t) => prepared(logregWorkload(t.size)),
    scan: (t) => prepared(scanWorkload(t.size)),
    compile: { unsupported: "measured in fresh processes by peers/fluxion-compile.ts" },
  },
  () => ({ "Fluxion threads": `${numThreads()} (setNumThreads / FLUXION_THREADS; default 1)` }),
);
