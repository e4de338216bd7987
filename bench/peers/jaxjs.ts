// @jax-js/jax peer on its wasm device: jit-fused kernels; arrays follow its move semantics
// (every argument is consumed, so inputs are passed as `.ref`). Results are awaited with
// blockUntilReady because its arrays are lazy.
import { blockUntilReady, defaultDevice, init, jit, numpy as np, valueAndGrad, type Array as JaxArray } from "@jax-js/jax";
import { SCAN_DT, arrayChecksum, chainInput, logregInputs, matmulInputs, scanInitialAngles } from "../workloads/inputs.js";
import { SCHOOLS_SIGMA, SCHOOLS_Y, schoolsPoint } from "../workloads/models.js";
import { runPeer } from "../lib/timing.js";

const devices = await init("wasm");
if (!devices.includes("wasm")) throw new Error(`jax-js: the wasm device did not start (got ${devices.join(", ")})`);
defaultDevice("wasm");

/** Steps per measured call of the scan workload: jax-js has no loop primitive, so the step is a JS loop of jitted calls. */
const SCAN_STEPS_MEASURED = 200;

const arr = (data: Float32Array, shape: number[]): JaxArray => np.array(data).reshape(shape);
const read = async (a: JaxArray): Promise<number[]> => Array.from(await a.data());

const nll = (w: JaxArray, x: JaxArray, y: JaxArray): JaxArray => {
  const z = np.matmul(x, w);
  const softplus = np.maximum(z.ref, 0).add(np.log1p(np.exp(np.negative(np.abs(z.ref)))));
  return softplus.sub(y.mul(z)).sum();
};

/** Eight schools non-centered log p (workloads/models.ts has the model and its oracle), with jax-js's move semantics. */
const schoolsLogProb = (q: JaxArray): JaxArray => {
  const mu = q.ref.slice(0);
  const logTau = q.ref.slice(1);
  const thetaTilde = q.slice([2, 10]);
  const tau = np.exp(logTau.ref);
  const prior = np.square(mu.ref.div(5)).mul(-0.5).add(logTau.sub(np.log1p(np.square(tau.ref.div(5)))));
  const r = np.array([...SCHOOLS_Y]).sub(mu.add(tau.mul(thetaTilde.ref))).div(np.array([...SCHOOLS_SIGMA]));
  return prior.add(np.sum(np.square(thetaTilde)).add(np.sum(np.square(r))).mul(-0.5));
};

await runPeer(
  "jax-js",
  {
    chain: (t) => {
      const x = arr(chainInput(t.size), [t.size]);
      const f = jit((v: JaxArray) => np.exp(np.sin(v.ref).mul(2).add(1)).mul(v));
      return {
        call: async () => { (await blockUntilReady(f(x.ref))).dispose(); },
        checksum: async () => arrayChecksum(await read(f(x.ref))),
        dispose: () => { x.dispose(); f.dispose(); },
      };
    },
    matmul: (t) => {
      const [ad, bd] = matmulInputs(t.size);
      const a = arr(ad, [t.size, t.size]);
      const b = arr(bd, [t.size, t.size]);
      const f = jit((p: JaxArray, q: JaxArray) => np.matmul(p, q));
      return {
        call: async () => { (await blockUntilReady(f(a.ref, b.ref))).dispose(); },
        checksum: async () => arrayChecksum(await read(f(a.ref, b.ref))),
        dispose: () => { a.dispose(); b.dispose(); f.dispose(); },
      };
    },
    logreg: (t) => {
      const d = logregInputs(t.size);
      const x = arr(d.x, [d.rows, d.features]);
      const y = arr(d.y, [d.rows]);
      const w = arr(d.w, [d.features]);
      const f = jit(valueAndGrad(nll));
      return {
        call: async () => {
          const [value, grad] = await blockUntilReady(f(w.ref, x.ref, y.ref));
          value.dispose();
          grad.dispose();
        },
        checksum: async () => {
          const [value, grad] = f(w.ref, x.ref, y.ref);
          return [...(await read(value)), ...(await read(grad))];
        },
        dispose: () => { x.dispose(); y.dispose(); w.dispose(); f.dispose(); },
      };
    },
    scan: () => {
      const q0 = scanInitialAngles();
      const step = jit((q: JaxArray, p: JaxArray): [JaxArray, JaxArray] => {
        const p2 = p.sub(np.sin(q.ref).mul(SCAN_DT));
        return [q.add(p2.ref.mul(SCAN_DT)), p2];
      });
      let last: [JaxArray, JaxArray] | null = null;
      const run = async (): Promise<[JaxArray, JaxArray]> => {
        let q = arr(q0, [q0.length]);
        let p = np.zeros([q0.length]);
        for (let s = 0; s < SCAN_STEPS_MEASURED; s++) [q, p] = step(q, p);
        return blockUntilReady([q, p]);
      };
      return {
        call: async () => {
          if (last) { last[0].dispose(); last[1].dispose(); }
          last = await run();
        },
        checksum: async () => {
          const [q, p] = last!;
          last = null;
          return [...(await read(q)), ...(await read(p))];
        },
        dispose: () => step.dispose(),
        measuredSize: SCAN_STEPS_MEASURED,
        note: `no loop primitive in jax-js: a JS loop of ${SCAN_STEPS_MEASURED} jitted steps, scaled`,
      };
    },
    compile: { unsupported: "measured in fresh processes by peers/jaxjs-compile.ts" },
    gradcall: () => {
      const q = arr(Float32Array.from(schoolsPoint()), [10]);
      const f = jit(valueAndGrad(schoolsLogProb));
      return {
        call: async () => {
          const [value, grad] = await blockUntilReady(f(q.ref));
          value.dispose();
          grad.dispose();
        },
        checksum: async () => {
          const [value, grad] = f(q.ref);
          return [...(await read(value)), ...(await read(grad))];
        },
        dispose: () => { q.dispose(); f.dispose(); },
      };
    },
  },
  () => ({ "jax-js threads": typeof Worker === "undefined" ? "1 (its worker pool needs a global Worker, which Node lacks)" : "its worker pool (global Worker present)" }),
);
