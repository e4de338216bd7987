// Speed of the wasm device's kernels: elementwise chain (Melem/s), f32 matmul (GFLOP/s), logistic
// regression value+grad (evals/s). Run from the repo root:
//   node_modules/.bin/tsx --no-liftoff --tsconfig bench/tsconfig.json packages/core/src/backends/wasm/kernelSpeed.bench.mts [chain,matmul,logreg]
// Env: THREADS (setNumThreads), WALL=1 (wall clock; default is this process's CPU time, which a
// shared machine disturbs less but which sums over threads), SIZES / CSIZES (matmul n / chain n lists).
import { init, setDefaultDevice, setNumThreads, numThreads, np, devicePut, type NDArray } from "@fluxion/core";
import { jit, valueAndGrad } from "@fluxion/transforms";

setNumThreads(Number(process.env.THREADS ?? 1));
await init("wasm");
setDefaultDevice("wasm");
const which = (process.argv[2] ?? "chain,matmul,logreg").split(",");
const wall = process.env.WALL === "1";
const now = () => { if (wall) return performance.now(); const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
console.log(`threads ${numThreads()}, ${wall ? "wall" : "CPU"} time, median of 7 repetitions of >= 200 ms`);

/** Milliseconds per call: warm-up, then the median over 7 repetitions. */
function time(run: () => void): number {
  for (let i = 0; i < 3; i++) run();
  const t0 = performance.now();
  while (performance.now() - t0 < 300) run();
  const per: number[] = [];
  for (let r = 0; r < 7; r++) {
    let calls = 0;
    const s = now();
    while (now() - s < 200) { run(); calls++; }
    per.push((now() - s) / calls);
  }
  return per.sort((a, b) => a - b)[3]!;
}
const list = (v: string | undefined, d: string) => (v ?? d).split(",").map(Number);

if (which.includes("chain")) for (const n of list(process.env.CSIZES, "1e6,1e7")) {
  const data = new Float32Array(n).map((_, i) => ((i * 7919) % 2000) / 1000 - 1);
  const x = devicePut(np.array(data, "float32"), "wasm");
  const f = jit((v: NDArray) => np.multiply(np.exp(np.add(np.multiply(np.sin(v), 2), 1)), v));
  let last: NDArray | null = null;
  const ms = time(() => { last?.dispose(); last = f(x) as NDArray; });
  console.log(`chain exp(sin(x)*2+1)*x n=${n}: ${(n / ms / 1e3).toFixed(1)} Melem/s (${ms.toFixed(3)} ms)`);
  (last as NDArray | null)?.dispose();
  x.dispose();
}
if (which.includes("matmul")) for (const n of list(process.env.SIZES, "256,512,1024")) {
  const mk = (seed: number) => devicePut(np.array(new Float32Array(n * n).map((_, i) => (((i + seed) * 2654435761) % 1000) / 1000 - 0.5), "float32").reshape([n, n]), "wasm");
  const a = mk(1), b = mk(2);
  const f = jit((p: NDArray, q: NDArray) => np.matmul(p, q));
  let last: NDArray | null = null;
  const ms = time(() => { last?.dispose(); last = f(a, b) as NDArray; });
  console.log(`matmul f32 n=${n}: ${((2 * n ** 3) / ms / 1e6).toFixed(2)} GFLOP/s (${ms.toFixed(3)} ms)`);
  (last as NDArray | null)?.dispose();
  a.dispose();
  b.dispose();
}
if (which.includes("logreg")) {
  const [N, D] = [10_000, 100];
  const x = devicePut(np.array(new Float32Array(N * D).map((_, i) => ((i * 31) % 97) / 97 - 0.5), "float32").reshape([N, D]), "wasm");
  const y = devicePut(np.array(new Float32Array(N).map((_, i) => i % 2), "float32"), "wasm");
  const w = devicePut(np.array(new Float32Array(D).map((_, i) => (i % 5) / 50), "float32"), "wasm");
  const nll = (wv: NDArray, xv: NDArray, yv: NDArray) => {
    const z = np.matmul(xv, wv);
    return np.sum(np.subtract(np.add(np.maximum(z, 0), np.log1p(np.exp(np.negative(np.abs(z))))), np.multiply(yv, z)));
  };
  const f = jit(valueAndGrad(nll));
  let last: NDArray[] = [];
  const ms = time(() => { for (const o of last) o.dispose(); last = f(w, x, y) as NDArray[]; });
  console.log(`logreg value+grad N=${N} D=${D}: ${(1000 / ms).toFixed(0)} evals/s (${ms.toFixed(3)} ms)`);
}
process.exit(0);
