// The browser demo: runs jitted computations on WebGPU when the browser offers an adapter and on
// the WASM device otherwise, and prints which device ran them and the numbers (one per line) into
// the page, where the end-to-end test (tests/browser.test.ts) reads them.
import { type NDArray, init, lax, np, random, setDefaultDevice } from "@fluxion/core";
import { grad, jit, vmap } from "@fluxion/transforms";

export interface DemoResult {
  device: "webgpu" | "wasm";
  adapter: string;
  /** Σ exp(2 sin x + 1) · x over 100,000 points of [-1, 1]. */
  chain: number;
  /** Σ (A B) for 64×64 matrices A[i,j] = sin(i + 2j), B[i,j] = cos(3i - j) / 8. */
  matmul: number;
  /** Collatz trip counts of 1..16 from one vmapped whileLoop (one program-per-lane kernel on WebGPU). */
  collatz: number[];
  /** A small sampler: accepted proposals per chain of 16 vmapped HMC chains (30 transitions each). */
  hmcAccepted: number[];
  /** Mean over chains and dimensions of the chains' final states. */
  hmcMean: number;
  ms: number;
}

/** Inputs shared with the test, which recomputes the same numbers on the js reference device. */
export function demoInputs(): { x: NDArray; a: NDArray; b: NDArray; starts: NDArray } {
  const n = 100000;
  const x = np.array(Array.from({ length: n }, (_, i) => -1 + (2 * i) / (n - 1)), "float32");
  const m = 64;
  const a = np.array(Array.from({ length: m * m }, (_, k) => Math.sin(Math.floor(k / m) + 2 * (k % m))), "float32").reshape(m, m);
  const b = np.array(Array.from({ length: m * m }, (_, k) => Math.cos(3 * Math.floor(k / m) - (k % m)) / 8), "float32").reshape(m, m);
  const starts = np.array(Array.from({ length: 16 }, (_, i) => i + 1), "float32");
  return { x, a, b, starts };
}

export const chainFn = (x: NDArray) => np.sum(np.exp(np.sin(x).mul(2).add(1)).mul(x));
export const matmulFn = (a: NDArray, b: NDArray) => np.sum(np.matmul(a, b));
export const collatzFn = (start: NDArray) =>
  (lax.whileLoop(
    ([v]: NDArray[]) => np.greater(v!, 1),
    ([v, n]: NDArray[]) => [np.where(np.equal(np.remainder(v!, 2), 0), v!.div(2), v!.mul(3).add(1)), n!.add(1)],
    [start, np.zerosLike(start)],
  ) as NDArray[])[1]!;

/**
 * One HMC chain on a standard normal in 3 dimensions (4 leapfrog steps of 0.3, Box-Muller momenta,
 * threefry keys), as a whileLoop over transitions: under jit(vmap) on WebGPU every chain is one lane
 * of one kernel.
 */
export const hmcChain = (key: NDArray, x0: NDArray): NDArray[] => {
  const D = 3, L = 4, eps = 0.3, steps = 30;
  const logp = (x: NDArray) => np.sum(x.mul(x)).mul(-0.5);
  const g = grad(logp);
  return lax.whileLoop(
    ([, , n]: NDArray[]) => np.less(n!, steps),
    ([k, x, n, acc]: NDArray[]) => {
      const ks = random.split(k!, 3);
      const u = random.uniform(ks.slice(1), [2, D], { dtype: "float32" });
      const p0 = np.sqrt(np.log(u.slice(0)).mul(-2)).mul(np.cos(u.slice(1).mul(2 * Math.PI)));
      let q = x!;
      let p = p0.add(g(q).mul(eps / 2));
      for (let l = 0; l < L; l++) {
        q = q.add(p.mul(eps));
        if (l < L - 1) p = p.add(g(q).mul(eps));
      }
      p = p.add(g(q).mul(eps / 2));
      const h0 = logp(x!).sub(np.sum(p0.mul(p0)).mul(0.5));
      const h1 = logp(q).sub(np.sum(p.mul(p)).mul(0.5));
      const accept = np.less(np.log(random.uniform(ks.slice(2), [], { dtype: "float32" })), h1.sub(h0));
      return [ks.slice(0), np.where(accept, q, x!), n!.add(1), acc!.add(accept.astype("int32"))];
    },
    [key, x0, np.array(0, "int32"), np.array(0, "int32")],
  ) as NDArray[];
};

export function hmcInputs(): { keys: NDArray; x0: NDArray } {
  const chains = 16;
  return {
    keys: random.split(random.key(2024), chains),
    x0: np.array(Array.from({ length: chains * 3 }, (_, i) => Math.sin(i) * 2), "float32").reshape(chains, 3),
  };
}

export async function runDemo(): Promise<DemoResult> {
  let device: DemoResult["device"] = "webgpu";
  let adapter = "";
  try {
    await init("webgpu");
    const { webgpuInfo } = await import("../../packages/core/src/backends/webgpu/index.js");
    const info = webgpuInfo();
    // Browsers often leave description empty; vendor and architecture are usually there.
    adapter = info ? [info.description, info.vendor, info.architecture, info.device].filter(Boolean).join(" / ") || "(unnamed adapter)" : "";
  } catch (e) {
    device = "wasm";
    adapter = `no WebGPU adapter: ${e instanceof Error ? e.message : String(e)}`;
    await init("wasm");
  }
  setDefaultDevice(device);
  const t0 = performance.now();
  const { x, a, b, starts } = demoInputs();
  const chain = (await jit(chainFn)(x).data())[0]!;
  const matmul = (await jit(matmulFn)(a, b).data())[0]!;
  const collatz = Array.from(await jit(vmap(collatzFn))(starts).data());
  const { keys, x0 } = hmcInputs();
  const [, xs, , accepted] = jit(vmap(hmcChain))(keys, x0);
  const hmcAccepted = Array.from(await accepted!.data());
  const finals = await xs!.data();
  const hmcMean = Array.from(finals).reduce((a, b) => a + b, 0) / finals.length;
  return { device, adapter, chain, matmul, collatz, hmcAccepted, hmcMean, ms: performance.now() - t0 };
}

/** Page entry: prints `key: value` lines into #out, then `done`. */
export async function main(): Promise<void> {
  const out = document.getElementById("out")!;
  const print = (line: string) => {
    out.textContent += `${line}\n`;
  };
  try {
    const r = await runDemo();
    print(`device: ${r.device}`);
    print(`adapter: ${r.adapter}`);
    print(`chain: ${r.chain}`);
    print(`matmul: ${r.matmul}`);
    print(`collatz: ${r.collatz.join(",")}`);
    print(`hmc_accepted: ${r.hmcAccepted.join(",")}`);
    print(`hmc_mean: ${r.hmcMean}`);
    print(`ms: ${r.ms.toFixed(1)}`);
    print("done");
  } catch (e) {
    print(`error: ${e instanceof Error ? `${e.message}\n${e.stack}` : String(e)}`);
  }
}

if (typeof document !== "undefined") void main();
