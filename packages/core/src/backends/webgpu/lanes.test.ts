// Program-per-lane kernels: jit(vmap(f)) with a whileLoop inside compiles to one dispatch in which
// every lane runs its own trip count, and equals a plain-JavaScript oracle; loops that do not fit
// (state too large, equations without WGSL) fall back to the host-driven loop and still agree.
// Under CI=true a missing adapter fails instead of skipping.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type NDArray, defaultDevice, init, lax, np, random, setDebugLevel, setDebugSink, setDefaultDevice } from "@fluxion/core";
import { grad, jit, vmap } from "@fluxion/transforms";
import { webgpuRequired } from "./adapter.js";
import { probeWebGPU } from "./testing.js";
import { setMaxLaneElements, webgpuStats } from "./index.js";

const { available, reason } = await probeWebGPU();
const skipNote = available ? "" : ` [skipped: ${reason}; run bash scripts/setup-webgpu.sh]`;

let saved: ReturnType<typeof defaultDevice>;
beforeAll(() => {
  saved = defaultDevice();
  if (available) setDefaultDevice("webgpu");
});
afterAll(() => setDefaultDevice(saved));
afterEach(() => {
  setMaxLaneElements(4096);
  setDebugLevel(0);
  setDebugSink((line) => console.error(line));
});

/** Collatz: steps until 1. */
const collatz = (x: NDArray, steps: NDArray) =>
  lax.whileLoop(
    ([v]: NDArray[]) => np.greater(v!, 1),
    ([v, n]: NDArray[]) => [np.where(np.equal(np.remainder(v!, 2), 0), v!.div(2), v!.mul(3).add(1)), n!.add(1)],
    [x, steps],
  ) as NDArray[];

function collatzOracle(x: number): number {
  let n = 0;
  while (x > 1) {
    x = x % 2 === 0 ? x / 2 : 3 * x + 1;
    n++;
  }
  return n;
}

/** Per-lane iteration of a normalised nonlinear map on a short vector, n[lane] times. */
const vectorLoop = (v0: NDArray, count: NDArray, w: NDArray) =>
  lax.whileLoop(
    ([i]: NDArray[]) => np.less(i!, count),
    ([i, v]: NDArray[]) => {
      const u = np.sin(v!.mul(w)).add(v!.mul(0.5));
      return [i!.add(1), u.div(np.sqrt(np.sum(u.mul(u))).add(0.1))];
    },
    [np.array(0, "int32"), v0],
  ) as NDArray[];

function vectorOracle(v0: number[], count: number, w: number[]): number[] {
  let v = v0.slice();
  for (let i = 0; i < count; i++) {
    const u = v.map((x, k) => Math.sin(x * w[k]!) + x * 0.5);
    const norm = Math.sqrt(u.reduce((s, x) => s + x * x, 0)) + 0.1;
    v = u.map((x) => x / norm);
  }
  return v;
}

describe(`program-per-lane whileLoop on webgpu${skipNote}`, () => {
  if (!available && webgpuRequired()) {
    it("is available (required under CI=true)", () => {
      throw new Error(`no WebGPU device (${reason}). Fix: run bash scripts/setup-webgpu.sh.`);
    });
    return;
  }
  const test = it.skipIf(!available);

  test("a vmapped whileLoop with different trip counts per lane is ONE dispatch and matches the oracle", () => {
    const starts = [1, 2, 3, 6, 7, 9, 27, 97, 871, 6171, 77031, 1];
    const f = jit(vmap(collatz));
    const x = np.array(starts, "float32");
    const zeros = np.zeros([starts.length], "float32");
    f(x, zeros); // compile
    const d0 = webgpuStats.dispatches;
    const p0 = webgpuStats.programPerLane;
    const [final, steps] = f(x, zeros);
    expect(webgpuStats.dispatches - d0).toBe(1);
    expect(webgpuStats.programPerLane - p0).toBe(1);
    const want = starts.map(collatzOracle);
    expect(new Set(want).size).toBeGreaterThan(8); // the lanes really have different trip counts
    expect(Array.from(steps!.dataSync())).toEqual(want);
    expect(Array.from(final!.dataSync())).toEqual(starts.map((s) => Math.min(s, 1)));
  });

  test("short-vector state with reductions and a shared input, over 1000 lanes", () => {
    const lanes = 1000;
    const dim = 4;
    const v0 = Array.from({ length: lanes * dim }, (_, i) => Math.fround(Math.cos(i * 0.37) + 0.2));
    const counts = Array.from({ length: lanes }, (_, i) => (i * 13) % 41);
    const w = [0.5, 1.5, -2, 3];
    const f = jit(vmap(vectorLoop, { inAxes: [0, 0, null] }));
    const d0 = webgpuStats.dispatches;
    const p0 = webgpuStats.programPerLane;
    const [iters, v] = f(np.reshape(np.array(v0, "float32"), [lanes, dim]), np.array(counts, "int32"), np.array(w, "float32"));
    // One kernel broadcasts the shared initial counter to the lanes; the whole loop is the other.
    expect(webgpuStats.dispatches - d0).toBe(2);
    expect(webgpuStats.programPerLane - p0).toBe(1);
    expect(Array.from(iters!.dataSync())).toEqual(counts);
    const got = v!.dataSync();
    let worst = 0;
    for (let l = 0; l < lanes; l++) {
      const want = vectorOracle(v0.slice(l * dim, (l + 1) * dim), counts[l]!, w);
      for (let k = 0; k < dim; k++) worst = Math.max(worst, Math.abs(got[l * dim + k]! - want[k]!));
    }
    // float32 iterates of a contracting map stay within a few float32 ulps of the float64 oracle.
    expect(worst).toBeLessThan(2e-5);
  });

  test("a non-vmapped loop whose predicate reduces over a vector keeps its any() semantics", () => {
    // Every element moves until ALL are >= 10: lanes must not stop on their own.
    const f = jit((x: NDArray) => lax.whileLoop((c: NDArray) => np.any(np.less(c, 10)), (c: NDArray) => c.add(1), x));
    const d0 = webgpuStats.dispatches;
    const y = f(np.array([1, 5, 20, 9.5], "float32")) as NDArray;
    expect(webgpuStats.dispatches - d0).toBe(1);
    expect(Array.from(y.dataSync())).toEqual([10, 14, 29, 18.5]);
  });

  test("too much per-lane state falls back to the host-driven loop, says so at FLUXION_DEBUG=3, and agrees", () => {
    const lines: string[] = [];
    setDebugSink((l) => lines.push(l));
    setDebugLevel(3);
    const starts = [3, 7, 27];
    const args = [np.array(starts, "float32"), np.zeros([3], "float32")] as const;
    setMaxLaneElements(1);
    const h0 = webgpuStats.hostLoops;
    const [, stepsHost] = jit(vmap(collatz))(...args);
    expect(webgpuStats.hostLoops - h0).toBe(1);
    expect(Array.from(stepsHost!.dataSync())).toEqual(starts.map(collatzOracle));
    expect(lines.some((l) => /whileLoop -> host-driven loop \(the loop state and temporaries need \d+ elements per lane \(limit 1\)/.test(l))).toBe(true);
    setMaxLaneElements(4096);
    const [, stepsLanes] = jit(vmap(collatz))(...args);
    expect(Array.from(stepsLanes!.dataSync())).toEqual(starts.map(collatzOracle));
    expect(lines.some((l) => /whileLoop -> program-per-lane kernel \(3 lanes, \d+ private elements per lane\)/.test(l))).toBe(true);
  });

  test("a loop body with an equation WGSL does not fuse runs host-driven and agrees with the js device", () => {
    const f = (x: NDArray) => lax.whileLoop((c: NDArray[]) => np.less(c[0]!, 3), (c: NDArray[]) => [c[0]!.add(1), np.sort(c[1]!.mul(-1.5))], [np.array(0, "float32"), x]) as NDArray[];
    const x = np.array([3, -1, 2, 0.5], "float32");
    const h0 = webgpuStats.hostLoops;
    const got = jit(f)(x);
    expect(webgpuStats.hostLoops - h0).toBe(1);
    setDefaultDevice("js");
    const want = jit(f)(x);
    setDefaultDevice("webgpu");
    expect(Array.from(got[1]!.dataSync())).toEqual(Array.from(want[1]!.dataSync()));
  });

  test("jit(vmap(scan)): each lane scans its own sequence (carry and ys) in one dispatch, shared xs included", () => {
    const lanes = 300, length = 50;
    // Per-lane exponential smoothing with a shared weight sequence: c <- c·w_t + x_t·(1 - w_t), y_t = c².
    const f = (c0: NDArray, xs: NDArray, ws: NDArray) =>
      lax.scan((c: NDArray, [x, w]: NDArray[]) => {
        const next = c.mul(w!).add(x!.mul(np.subtract(1, w!)));
        return [next, next.mul(next)] as [NDArray, NDArray];
      }, c0, [xs, ws]) as [NDArray, NDArray];
    const c0 = Array.from({ length: lanes }, (_, l) => Math.fround(Math.sin(l)));
    const xs = Array.from({ length: lanes * length }, (_, i) => Math.fround(Math.cos(i * 0.11)));
    const ws = Array.from({ length }, (_, t) => Math.fround(0.5 + 0.4 * Math.sin(t)));
    const g = jit(vmap(f, { inAxes: [0, 0, null] }));
    const args = [np.array(c0, "float32"), np.reshape(np.array(xs, "float32"), [lanes, length]), np.array(ws, "float32")] as const;
    g(...args);
    const d0 = webgpuStats.dispatches;
    const p0 = webgpuStats.programPerLane;
    const [cT, ys] = g(...args);
    expect(webgpuStats.programPerLane - p0).toBe(1);
    // The loop, plus two relayouts vmap's scan rule asks for: xs to [length, lanes] and ys back.
    expect(webgpuStats.dispatches - d0).toBe(3);
    const cGot = cT!.dataSync(), yGot = ys!.dataSync();
    expect(ys!.shape).toEqual([lanes, length]);
    let worst = 0;
    for (let l = 0; l < lanes; l++) {
      let c = c0[l]!;
      for (let t = 0; t < length; t++) {
        c = c * ws[t]! + xs[l * length + t]! * (1 - ws[t]!);
        worst = Math.max(worst, Math.abs(yGot[l * length + t]! - c * c));
      }
      worst = Math.max(worst, Math.abs(cGot[l]! - c));
    }
    expect(worst).toBeLessThan(1e-5);
  });

  test("a plain jitted reverse scan with vector carry runs as one invocation and equals the js device", () => {
    const f = (c0: NDArray, xs: NDArray) =>
      lax.scan((c: NDArray, x: NDArray) => [np.tanh(c.mul(0.9).add(x)), np.sum(c.mul(x))] as [NDArray, NDArray], c0, xs, { reverse: true }) as [NDArray, NDArray];
    const c0 = np.array([0.1, -0.2, 0.3], "float32");
    const xs = np.reshape(np.array(Array.from({ length: 60 }, (_, i) => Math.sin(i)), "float32"), [20, 3]);
    const p0 = webgpuStats.programPerLane;
    const got = jit(f)(c0, xs);
    expect(webgpuStats.programPerLane - p0).toBe(1);
    setDefaultDevice("js");
    const want = jit(f)(c0, xs);
    setDefaultDevice("webgpu");
    for (let k = 0; k < 2; k++) {
      const a = got[k]!.dataSync(), b = want[k]!.dataSync();
      expect(got[k]!.shape).toEqual(want[k]!.shape);
      for (let i = 0; i < b.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-5);
    }
  });

  test("nested jit and customJvp calls inside a loop body are inlined into the lane program", () => {
    const step = jit((v: NDArray) => np.sin(v).mul(0.5).add(v.mul(0.25)));
    const soft = lax.customJvp((v: NDArray) => np.log1p(np.exp(v)));
    soft.defjvp(([v], [t]) => [np.log1p(np.exp(v!)), t!.mul(np.divide(1, np.add(1, np.exp(np.negative(v!)))))]);
    const f = (x: NDArray) => lax.foriLoop(0, 7, (_i: NDArray, c: NDArray) => soft(step(c)).sub(0.5), x) as NDArray;
    const x = np.array([0.3, -1.2, 2.5, 0.0], "float32");
    const h0 = webgpuStats.hostLoops, p0 = webgpuStats.programPerLane;
    const got = jit(vmap(f))(x).dataSync();
    expect(webgpuStats.hostLoops - h0).toBe(0);
    expect(webgpuStats.programPerLane - p0).toBe(1);
    const want = Array.from(x.dataSync()).map((v) => {
      let c = v;
      for (let i = 0; i < 7; i++) c = Math.log1p(Math.exp(Math.sin(c) * 0.5 + c * 0.25)) - 0.5;
      return c;
    });
    want.forEach((w, i) => expect(Math.abs(got[i]! - w)).toBeLessThan(1e-5));
  });

  test("random numbers inside lane programs: a vmapped random walk with its own key and exit time per lane", () => {
    // Walk until |x| > 1 (or 200 steps), drawing a uniform step from a fresh key split each time.
    const walk = (k: NDArray) =>
      lax.whileLoop(
        ([, x, n]: NDArray[]) => np.logicalAnd(np.less(np.abs(x!), 1), np.less(n!, 200)),
        ([key, x, n]: NDArray[]) => {
          const ks = random.split(key!);
          const u = random.uniform(ks.slice(1), [], { dtype: "float32" });
          return [ks.slice(0), x!.add(u.sub(0.5).mul(0.6)), n!.add(1)];
        },
        [k, np.array(0, "float32"), np.array(0, "int32")],
      ) as NDArray[];
    const keys = random.split(random.key(7), 64);
    const f = jit(vmap(walk));
    const h0 = webgpuStats.hostLoops, p0 = webgpuStats.programPerLane;
    const lines: string[] = [];
    setDebugSink((l) => lines.push(l));
    setDebugLevel(3);
    const got = f(keys);
    expect(webgpuStats.hostLoops - h0).toBe(0);
    expect(webgpuStats.programPerLane - p0).toBe(1);
    // Split into lanes (not run whole in one invocation): each lane walks on its own.
    expect(lines.some((l) => l.includes("whileLoop -> program-per-lane kernel (64 lanes"))).toBe(true);
    setDefaultDevice("js");
    const want = jit(vmap(walk))(keys);
    setDefaultDevice("webgpu");
    expect(Array.from(got[2]!.dataSync())).toEqual(Array.from(want[2]!.dataSync()));
    expect(new Set(Array.from(got[2]!.dataSync())).size).toBeGreaterThan(5);
    expect(Array.from(got[0]!.dataSync())).toEqual(Array.from(want[0]!.dataSync()));
    const gx = got[1]!.dataSync(), wx = want[1]!.dataSync();
    for (let i = 0; i < wx.length; i++) expect(Math.abs(gx[i]! - wx[i]!)).toBeLessThan(1e-5);
  });

  test("vmapped HMC (shared step counter, per-chain keys and state): one lane kernel, equal to the js device", () => {
    // Standard normal target in 3 dimensions, 4 leapfrog steps, Box-Muller momenta, 25 transitions.
    const D = 3, L = 4, eps = 0.3, steps = 25;
    const logp = (x: NDArray) => np.sum(x.mul(x)).mul(-0.5);
    const g = grad(logp);
    const chain = (key: NDArray, x0: NDArray) => lax.whileLoop(
      ([, , n]: NDArray[]) => np.less(n!, steps),
      ([k, x, n, acc]: NDArray[]) => {
        const ks = random.split(k!, 3);
        const u = random.uniform(ks.slice(1), [2, D], { dtype: "float32" });
        const p0 = np.sqrt(np.log(u.slice(0)).mul(-2)).mul(np.cos(u.slice(1).mul(2 * Math.PI)));
        let q = x!, p = p0.add(g(q).mul(eps / 2));
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
      [key, x0, np.array(0, "int32"), np.array(0, "int32")]) as NDArray[];
    const chains = 48;
    const keys = random.split(random.key(3), chains);
    const x0 = np.reshape(np.array(Array.from({ length: chains * D }, (_, i) => Math.sin(i)), "float32"), [chains, D]);
    const lines: string[] = [];
    setDebugSink((l) => lines.push(l));
    setDebugLevel(3);
    const d0 = webgpuStats.dispatches;
    const got = jit(vmap(chain))(keys, x0);
    expect(lines.some((l) => l.includes(`whileLoop -> program-per-lane kernel (${chains} lanes`))).toBe(true);
    expect(webgpuStats.dispatches - d0).toBeLessThanOrEqual(3);
    setDefaultDevice("js");
    const want = jit(vmap(chain))(keys, x0);
    setDefaultDevice("webgpu");
    expect(Array.from(got[0]!.dataSync())).toEqual(Array.from(want[0]!.dataSync()));
    expect(Array.from(got[2]!.dataSync())).toEqual(Array.from(want[2]!.dataSync()));
    expect(Array.from(got[3]!.dataSync())).toEqual(Array.from(want[3]!.dataSync()));
    const gx = got[1]!.dataSync(), wx = want[1]!.dataSync();
    for (let i = 0; i < wx.length; i++) expect(Math.abs(gx[i]! - wx[i]!)).toBeLessThan(1e-4);
  });

  test("loops nested in a lane program (a foriLoop and a per-lane whileLoop inside a vmapped whileLoop) stay in the kernel", () => {
    // Outer: n[lane] rounds; each round takes 3 damped steps (foriLoop) and then halves x until |x| < 1 (whileLoop).
    const f = (x0: NDArray, rounds: NDArray) =>
      lax.whileLoop(
        ([, i]: NDArray[]) => np.less(i!, rounds),
        ([x, i, halvings]: NDArray[]) => {
          const stepped = lax.foriLoop(0, 3, (_k: NDArray, v: NDArray) => v.add(np.sin(v).mul(0.5)).add(1), x!) as NDArray;
          const [shrunk, h] = lax.whileLoop(([v]: NDArray[]) => np.greaterEqual(np.abs(v!), 1), ([v, c]: NDArray[]) => [v!.mul(0.5), c!.add(1)], [stepped, halvings!]) as NDArray[];
          return [shrunk!, i!.add(1), h!];
        },
        [x0, np.array(0, "int32"), np.array(0, "int32")],
      ) as NDArray[];
    const x0 = np.array([0.1, -0.7, 0.4, 0.9, -0.2, 0.55], "float32");
    const rounds = np.array([0, 1, 2, 5, 9, 3], "int32");
    const lines: string[] = [];
    setDebugSink((l) => lines.push(l));
    setDebugLevel(3);
    const h0 = webgpuStats.hostLoops, p0 = webgpuStats.programPerLane;
    const got = jit(vmap(f))(x0, rounds);
    expect(webgpuStats.hostLoops - h0).toBe(0);
    expect(webgpuStats.programPerLane - p0).toBe(1);
    expect(lines.some((l) => l.includes("whileLoop -> program-per-lane kernel (6 lanes"))).toBe(true);
    setDefaultDevice("js");
    const want = jit(vmap(f))(x0, rounds);
    setDefaultDevice("webgpu");
    expect(Array.from(got[1]!.dataSync())).toEqual(Array.from(want[1]!.dataSync()));
    expect(Array.from(got[2]!.dataSync())).toEqual(Array.from(want[2]!.dataSync()));
    const gx = got[0]!.dataSync(), wx = want[0]!.dataSync();
    for (let i = 0; i < wx.length; i++) expect(Math.abs(gx[i]! - wx[i]!)).toBeLessThan(1e-5);
  });

  test("a loop with more buffers than the device binds runs from two packed buffers", () => {
    // 12 carries and 10 distinct shared inputs: 22 bindings against lavapipe's 16.
    const ws = Array.from({ length: 10 }, (_, k) => np.array([k + 1, -k, 0.5 * k], "float32"));
    const f = (x: NDArray, n: NDArray) =>
      lax.whileLoop(
        (c: NDArray[]) => np.less(c[0]!, n),
        (c: NDArray[]) => [c[0]!.add(1), ...c.slice(1).map((v, k) => v.mul(0.9).add(np.sum(ws[k % 10]!.mul(v))).sub(k))],
        [np.array(0, "int32"), ...Array.from({ length: 11 }, (_, k) => x.add(k))],
      ) as NDArray[];
    const x = np.array([0.1, 0.2, -0.3], "float32");
    const n = np.array(6, "int32");
    const p0 = webgpuStats.programPerLane;
    const got = jit(f)(x, n);
    expect(webgpuStats.programPerLane - p0).toBe(1);
    setDefaultDevice("js");
    const want = jit(f)(x, n);
    setDefaultDevice("webgpu");
    got.forEach((g, i) => {
      const a = g.dataSync(), b = want[i]!.dataSync();
      for (let k = 0; k < b.length; k++) expect(Math.abs(a[k]! - b[k]!)).toBeLessThan(1e-4 * (1 + Math.abs(b[k]!)));
    });
  });

  test("1024 lanes: one dispatch against the host-driven loop's many (timed)", () => {
    const lanes = 1024;
    const starts = Array.from({ length: lanes }, (_, i) => i + 1);
    const x = np.array(starts, "float32");
    const z = np.zeros([lanes], "float32");
    const want = starts.map(collatzOracle);
    const run = (maxElems: number) => {
      setMaxLaneElements(maxElems);
      const f = jit(vmap(collatz));
      f(x, z)[1]!.dataSync(); // compile and warm up
      const d0 = webgpuStats.dispatches;
      const t0 = performance.now();
      const steps = f(x, z)[1]!.dataSync();
      const ms = performance.now() - t0;
      return { ms, dispatches: webgpuStats.dispatches - d0, steps: Array.from(steps) };
    };
    const perLane = run(4096);
    const host = run(0);
    expect(perLane.steps).toEqual(want);
    expect(host.steps).toEqual(want);
    expect(perLane.dispatches).toBe(1);
    const maxTrips = Math.max(...want);
    // The host loop runs the cond and the body once per trip of the slowest lane.
    expect(host.dispatches).toBeGreaterThanOrEqual(2 * maxTrips);
    console.log(`[webgpu] collatz over ${lanes} lanes (max ${maxTrips} trips): program-per-lane ${perLane.dispatches} dispatch, ${perLane.ms.toFixed(1)} ms; host-driven ${host.dispatches} dispatches, ${host.ms.toFixed(1)} ms`);
  });
});
