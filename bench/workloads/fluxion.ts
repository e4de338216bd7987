// Fluxion's side of every benchmark workload: the functions, jitted on the current default device,
// with their inputs. Shared by the harness (peers/fluxion.ts) and tests/bench-smoke.test.ts.
import { devicePut, defaultDevice, np, type NDArray } from "@fluxion/core";
import { jit, scan, valueAndGrad } from "@fluxion/transforms";
import { SCAN_DT, SCAN_LANES, chainInput, compileInputs, logregInputs, matmulInputs, scanInitialAngles } from "./inputs.js";

/** exp(sin(x)*2+1)*x, issue 9's elementwise chain. */
export const elementwiseChain = (x: NDArray): NDArray => np.multiply(np.exp(np.add(np.multiply(np.sin(x), 2), 1)), x);

export const matmul = (a: NDArray, b: NDArray): NDArray => np.matmul(a, b);

/** Logistic-regression negative log-likelihood, sum over rows of softplus(z) - y z with z = X w. */
export function logisticNll(w: NDArray, x: NDArray, y: NDArray): NDArray {
  const z = np.matmul(x, w);
  const softplus = np.add(np.maximum(z, 0), np.log1p(np.exp(np.negative(np.abs(z)))));
  return np.sum(np.subtract(softplus, np.multiply(y, z)));
}

/** `steps` symplectic-Euler pendulum steps over a [SCAN_LANES] carry, as one jitted scan. */
export function pendulumScan(q0: NDArray, steps: number): [NDArray, NDArray] {
  const [carry] = scan(
    ([q, p]: [NDArray, NDArray]): [[NDArray, NDArray], null] => {
      const p2 = np.subtract(p, np.multiply(np.sin(q), SCAN_DT));
      return [[np.add(q, np.multiply(p2, SCAN_DT)), p2], null];
    },
    [q0, np.zerosLike(q0)] as [NDArray, NDArray],
    null,
    { length: steps },
  );
  return carry;
}

/**
 * The compile-latency workload: 49 elementwise ops (cycling through transcendental, arithmetic and
 * broadcasting ops) and a final sum: 50 primitives, bounded values for any input.
 */
export const FIFTY_OP_CYCLE: readonly ((a: NDArray, y: NDArray) => NDArray)[] = [
  (a) => np.sin(a),
  (a, y) => np.multiply(a, y),
  (a) => np.add(a, 0.25),
  (a) => np.tanh(a),
  (a, y) => np.subtract(a, y),
  (a) => np.cos(a),
  (a) => np.multiply(a, 0.5),
];
export function fiftyOps(x: NDArray, y: NDArray): NDArray {
  let a = x;
  for (let i = 0; i < 49; i++) a = FIFTY_OP_CYCLE[i % FIFTY_OP_CYCLE.length]!(a, y);
  return np.sum(a);
}
/** An input on the current default device (resident in wasm memory on "wasm"). */
export const resident = (data: Float32Array, shape: readonly number[]): NDArray => devicePut(np.array(data, "float32").reshape(shape), defaultDevice());

/** A prepared workload: `run` is one timed call; `check` reads the last result back as numbers. */
export interface FluxionWorkload { run(): void; check(): number[]; dispose(): void }

const holder = () => {
  let last: NDArray[] = [];
  return {
    keep(outs: NDArray[]) { for (const o of last) o.dispose(); last = outs; },
    get: () => last,
    dispose() { for (const o of last) o.dispose(); last = []; },
  };
};
const values = (a: NDArray): Float32Array => a.dataSync() as Float32Array;

export function chainWorkload(n: number): FluxionWorkload {
  const x = resident(chainInput(n), [n]);
  const f = jit(elementwiseChain);
  const out = holder();
  return {
    run: () => out.keep([f(x) as NDArray]),
    check: () => Array.from(values(out.get()[0]!)),
    dispose: () => { out.dispose(); x.dispose(); },
  };
}

export function matmulWorkload(n: number): FluxionWorkload {
  const [ad, bd] = matmulInputs(n);
  const a = resident(ad, [n, n]);
  const b = resident(bd, [n, n]);
  const f = jit(matmul);
  const out = holder();
  return {
    run: () => out.keep([f(a, b) as NDArray]),
    check: () => Array.from(values(out.get()[0]!)),
    dispose: () => { out.dispose(); a.dispose(); b.dispose(); },
  };
}

/** check() returns [loss, ...gradient]. */
export function logregWorkload(rows: number): FluxionWorkload {
  const d = logregInputs(rows);
  const x = resident(d.x, [rows, d.features]);
  const y = resident(d.y, [rows]);
  const w = resident(d.w, [d.features]);
  const f = jit(valueAndGrad(logisticNll));
  const out = holder();
  return {
    run: () => {
      const [value, grad] = f(w, x, y) as [NDArray, NDArray];
      out.keep([value, grad]);
    },
    check: () => [values(out.get()[0]!)[0]!, ...values(out.get()[1]!)],
    dispose: () => { out.dispose(); x.dispose(); y.dispose(); w.dispose(); },
  };
}

/** check() returns [...q, ...p] after `steps` steps. */
export function scanWorkload(steps: number): FluxionWorkload {
  const q0 = resident(scanInitialAngles(), [SCAN_LANES]);
  const f = jit((q: NDArray) => pendulumScan(q, steps));
  const out = holder();
  return {
    run: () => out.keep(f(q0) as NDArray[]),
    check: () => [...values(out.get()[0]!), ...values(out.get()[1]!)],
    dispose: () => { out.dispose(); q0.dispose(); },
  };
}

/** A fresh jit of the 50-op function; each call of `run` with a new n compiles a new signature. */
export function fiftyOpsJit(): (n: number) => number {
  const f = jit(fiftyOps);
  return (n) => {
    const [xd, yd] = compileInputs(n);
    const x = resident(xd, [n]);
    const y = resident(yd, [n]);
    const r = f(x, y) as NDArray;
    const v = r.item();
    r.dispose(); x.dispose(); y.dispose();
    return v;
  };
}
