// @tensorflow/tfjs peer on tfjs-backend-wasm (XNNPACK kernels, SIMD): eager ops, one kernel per op
// (tfjs has no jit), intermediates freed with tidy.
import * as tf from "@tensorflow/tfjs";
import { getThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import { SCAN_DT, arrayChecksum, chainInput, logregInputs, matmulInputs, scanInitialAngles } from "../workloads/inputs.js";
import { runPeer } from "../lib/timing.js";

if (!(await tf.setBackend("wasm"))) throw new Error("tfjs: the wasm backend did not initialise");
await tf.ready();

/** Steps per measured call of the scan workload: tfjs has no loop primitive, so each step is a few eager ops. */
const SCAN_STEPS_MEASURED = 1000;

const read = (t: tf.Tensor): number[] => Array.from(t.dataSync());

await runPeer(
  "tfjs-wasm",
  {
    chain: (t) => {
      const x = tf.tensor1d(chainInput(t.size));
      const f = (): tf.Tensor => tf.tidy(() => tf.exp(tf.sin(x).mul(2).add(1)).mul(x));
      return {
        call: () => f().dispose(),
        checksum: () => arrayChecksum(read(f())),
        dispose: () => x.dispose(),
      };
    },
    matmul: (t) => {
      const [ad, bd] = matmulInputs(t.size);
      const a = tf.tensor2d(ad, [t.size, t.size]);
      const b = tf.tensor2d(bd, [t.size, t.size]);
      return {
        call: () => tf.matMul(a, b).dispose(),
        checksum: () => arrayChecksum(read(tf.matMul(a, b))),
        dispose: () => { a.dispose(); b.dispose(); },
      };
    },
    logreg: (t) => {
      const d = logregInputs(t.size);
      const x = tf.tensor2d(d.x, [d.rows, d.features]);
      const y = tf.tensor1d(d.y);
      const w = tf.tensor1d(d.w);
      const nll = (v: tf.Tensor): tf.Scalar => {
        const z = tf.matMul(x, v.reshape([d.features, 1])).reshape([d.rows]);
        const softplus = tf.maximum(z, 0).add(tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
        return softplus.sub(y.mul(z)).sum() as tf.Scalar;
      };
      const f = tf.valueAndGrad(nll);
      const run = (): { value: tf.Scalar; grad: tf.Tensor } => tf.tidy(() => f(w));
      return {
        call: () => { const r = run(); r.value.dispose(); r.grad.dispose(); },
        checksum: () => { const r = run(); return [...read(r.value), ...read(r.grad)]; },
        dispose: () => { x.dispose(); y.dispose(); w.dispose(); },
      };
    },
    scan: () => {
      const q0 = scanInitialAngles();
      let last: [tf.Tensor, tf.Tensor] | null = null;
      const run = (): [tf.Tensor, tf.Tensor] => {
        let q = tf.tensor1d(q0);
        let p = tf.zeros([q0.length]);
        for (let s = 0; s < SCAN_STEPS_MEASURED; s++) {
          const [q2, p2] = tf.tidy(() => {
            const pn = p.sub(tf.sin(q).mul(SCAN_DT));
            return [q.add(pn.mul(SCAN_DT)), pn];
          });
          q.dispose();
          p.dispose();
          [q, p] = [q2!, p2!];
        }
        return [q, p];
      };
      return {
        call: () => { if (last) tf.dispose(last); last = run(); },
        checksum: () => [...read(last![0]), ...read(last![1])],
        measuredSize: SCAN_STEPS_MEASURED,
        note: `no loop primitive in tfjs: a JS loop of ${SCAN_STEPS_MEASURED} eager steps, scaled`,
      };
    },
    compile: { unsupported: "tfjs has no jit: it runs one precompiled kernel per op, so there is nothing to compile" },
  },
  () => ({
    "tfjs-wasm SIMD": String(tf.env().getBool("WASM_HAS_SIMD_SUPPORT")),
    "tfjs-wasm threads": `${getThreadsCount()} (multithread support: ${String(tf.env().getBool("WASM_HAS_MULTITHREAD_SUPPORT"))})`,
  }),
);
