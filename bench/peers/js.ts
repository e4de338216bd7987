// Plain JS peer: the loops of workloads/inputs.ts on Float32Arrays, as a JS programmer would write them.
import { arrayChecksum, chainInput, chainJs, logregInputs, logregJs, matmulInputs, matmulJs, scanInitialAngles, scanJs } from "../workloads/inputs.js";
import { runPeer } from "../lib/timing.js";
import { schoolsLogProbJs, schoolsPoint } from "../workloads/models.js";

await runPeer("plain JS", {
  chain: (t) => {
    const x = chainInput(t.size);
    const y = new Float32Array(t.size);
    return { call: () => chainJs(x, y), checksum: () => arrayChecksum(y) };
  },
  matmul: (t) => {
    const [a, b] = matmulInputs(t.size);
    const c = new Float32Array(t.size * t.size);
    return { call: () => matmulJs(a, b, c, t.size), checksum: () => arrayChecksum(c) };
  },
  logreg: (t) => {
    const d = logregInputs(t.size);
    const grad = new Float64Array(d.features);
    let loss = 0;
    return { call: () => { loss = logregJs(d, d.w, grad); }, checksum: () => [loss, ...grad], note: "float64 accumulation" };
  },
  scan: (t) => {
    const q0 = scanInitialAngles();
    let out = scanJs(q0, t.size);
    return { call: () => { out = scanJs(q0, t.size); }, checksum: () => [...out.q, ...out.p], note: "float64 state" };
  },
  compile: { unsupported: "nothing to compile (V8 tiers the loop up itself)" },
  gradcall: () => {
    const q = schoolsPoint();
    let out = schoolsLogProbJs(q);
    return { call: () => { out = schoolsLogProbJs(q); }, checksum: () => [out.value, ...out.grad], note: "hand-written float64 gradient (the oracle)" };
  },
});
