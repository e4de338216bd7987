// Whole-program compilation on the wasm device: loops, conds, nested calls, random numbers and a
// NUTS chain compiled into one driver module, checked against the js reference device, with the
// stats counters proving the loops ran inside wasm (no host-driven iterations).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { NDArray, np, lax, random, init, setDefaultDevice, defaultDevice, memoryStats } from "../../index.js";
import { cond, foriLoop, grad, jit, scan, switchCase, vmap, whileLoop } from "@fluxion/transforms";
import { NoUTurnSampler, sampleChain } from "@fluxion/mcmc";
import { wasmStats } from "./runtime.js";
import { wasmHeap } from "./heap.js";
import { layoutArena } from "./arena.js";

const before = defaultDevice();
beforeAll(async () => {
  await init("wasm");
});
afterAll(() => setDefaultDevice(before));

type Fn = (...a: NDArray[]) => unknown;
const flat = (x: unknown): NDArray[] => (x instanceof NDArray ? [x] : Array.isArray(x) ? x.flatMap(flat) : typeof x === "object" && x !== null ? Object.values(x).flatMap(flat) : []);

/** Runs jit(f) on the js device and on wasm (fresh jit each, so each compiles); returns both plus the wasm stats delta. */
function onBoth(f: Fn, args: readonly NDArray[]) {
  setDefaultDevice("js");
  const want = flat(jit(f)(...args)).map((x) => Array.from(x.dataSync() as ArrayLike<number>));
  setDefaultDevice("wasm");
  const s0 = { ...wasmStats };
  const got = flat(jit(f)(...args)).map((x) => Array.from(x.dataSync() as ArrayLike<number>));
  const delta = {
    programRuns: wasmStats.programRuns - s0.programRuns, interpretedRuns: wasmStats.interpretedRuns - s0.interpretedRuns, fallbacks: wasmStats.programEqnFallbacks - s0.programEqnFallbacks,
    carriesInPlace: wasmStats.programCarriesInPlace - s0.programCarriesInPlace, slicesInPlace: wasmStats.programSlicesInPlace - s0.programSlicesInPlace,
  };
  setDefaultDevice("js");
  return { want, got, delta };
}

/** Bitwise equality (NaN equal to NaN), the strictest check. */
function expectBitEqual(f: Fn, args: readonly NDArray[]) {
  const { want, got, delta } = onBoth(f, args);
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(g.map((v) => Object.is(v, -0) ? 0 : v)).toEqual(want[i]!.map((v) => Object.is(v, -0) ? 0 : v)));
  return delta;
}
function expectClose(f: Fn, args: readonly NDArray[], rtol: number) {
  const { want, got, delta } = onBoth(f, args);
  got.forEach((g, i) => g.forEach((v, k) => expect(Math.abs(v - want[i]![k]!)).toBeLessThanOrEqual(rtol * (1 + Math.abs(want[i]![k]!)))));
  return delta;
}
/** The program ran once in wasm and nothing ran step by step (no host iterations). */
const inWasm = (d: { programRuns: number; interpretedRuns: number; fallbacks: number }) => {
  expect(d.programRuns).toBe(1);
  expect(d.interpretedRuns).toBe(0);
  expect(d.fallbacks).toBe(0);
};

describe("arena layout", () => {
  it("shares bytes only between values whose lifetimes do not overlap", () => {
    const ivs = [
      { id: 0, bytes: 40, def: 0, last: 2 },
      { id: 1, bytes: 40, def: 1, last: 3 },
      { id: 2, bytes: 40, def: 3, last: 4 }, // may reuse 0 (dead after 2), not 1 (read at 3)
      { id: 3, bytes: 8, def: 2, last: 2 },
    ];
    const { offsets, bytes } = layoutArena(ivs);
    const overl = (a: (typeof ivs)[0], b: (typeof ivs)[0]) => a.def <= b.last && b.def <= a.last;
    for (const a of ivs) for (const b of ivs) {
      if (a.id >= b.id || !overl(a, b)) continue;
      const [oa, ob] = [offsets.get(a.id)!, offsets.get(b.id)!];
      expect(oa + a.bytes <= ob || ob + b.bytes <= oa).toBe(true);
    }
    expect(offsets.get(2)).toBe(offsets.get(0));
    expect(bytes).toBeLessThan(48 * 4);
  });
});

describe("compiled loops equal the js device", () => {
  const xs = np.array([0.5, -1, 2, 3.25, 0, 7, -2.5, 1], "float32");
  it("scan forward with xs and ys", () => {
    // sin: the wasm kernels' decomposed sin may differ from Math.sin by an ulp (render.ts), hence a tolerance.
    inWasm(expectClose((c, x) => scan((c: NDArray, x: NDArray) => { const n = np.add(np.multiply(c, 0.9), np.sin(x)); return [n, np.multiply(n, x)]; }, c, x), [np.asarray(1, "float32"), xs], 1e-6));
    inWasm(expectBitEqual((c, x) => scan((c: NDArray, x: NDArray) => { const n = np.add(np.multiply(c, 0.9), x); return [n, np.multiply(n, x)]; }, c, x), [np.asarray(1, "float32"), xs]));
  });
  it("scan in reverse, vector carry and 2-d xs", () => {
    const x2 = np.reshape(np.arange(24).astype("float64"), [6, 4]);
    inWasm(expectBitEqual((c, x) => scan((c: NDArray, r: NDArray) => [np.add(np.multiply(c, 0.5), r), np.sum(np.multiply(c, r))], c, x, { reverse: true }), [np.ones([4], "float64"), x2]));
  });
  it("a 10^4-step scan of c*0.999+1", () => {
    inWasm(expectBitEqual((c) => scan((c: NDArray) => [np.add(np.multiply(c, 0.999), 1), null], c, null, { length: 10000 })[0] as NDArray, [np.asarray(0, "float32")]));
  });
  it("while with a data-dependent trip count", () => {
    for (const start of [0.1, 3, 200]) {
      inWasm(expectBitEqual((x) => whileLoop(([i, s]: NDArray[]) => np.less(s, 100), ([i, s]: NDArray[]) => [np.add(i, 1), np.add(np.multiply(s, 1.5), 1)], [np.asarray(0, "int32"), x]), [np.asarray(start, "float32")]));
    }
  });
  it("foriLoop", () => {
    inWasm(expectBitEqual((x) => foriLoop(0, 17, (i: NDArray, v: NDArray) => np.add(np.multiply(v, 0.5), np.sqrt(np.add(i.astype("float64"), v))), x), [np.array([1, 2, 3], "float64")]));
  });
  it("cond and switch inside a loop, branch chosen by the carry", () => {
    const body = (i: NDArray, v: NDArray) => {
      const a = cond(np.greater(np.sum(v), 10), (u: NDArray) => np.multiply(u, 0.25), (u: NDArray) => np.add(u, 3), v) as NDArray;
      return switchCase(np.remainder(i, 3), [(u: NDArray) => np.subtract(u, 1), (u: NDArray) => np.exp(np.multiply(u, 0.01)), (u: NDArray) => np.negative(u)], a) as NDArray;
    };
    inWasm(expectBitEqual((x) => foriLoop(0, 25, body, x), [np.array([1, -2, 0.5], "float32")]));
  });
  it("nested loops: a while inside a scan inside a foriLoop", () => {
    const inner = (c: NDArray, x: NDArray) => {
      const [, r] = whileLoop(([k, s]: NDArray[]) => np.less(k, x.astype("int32")), ([k, s]: NDArray[]) => [np.add(k, 1), np.add(np.multiply(s, 1.01), 1)], [np.asarray(0, "int32"), c]) as NDArray[];
      return [r!, np.multiply(r!, 2)];
    };
    inWasm(expectBitEqual((c, x) => foriLoop(0, 3, (_i: NDArray, cc: NDArray) => scan(inner, cc, x)[0] as NDArray, c), [np.asarray(0.5, "float32"), np.array([3, 0, 5, 1], "float32")]));
  });
  it("vmap(whileLoop) with a different trip count per lane", () => {
    const f = (x: NDArray) => whileLoop(([i, s]: NDArray[]) => np.less(s, 50), ([i, s]: NDArray[]) => [np.add(i, 1), np.add(np.multiply(s, 2), 1)], [np.asarray(0, "int32"), x]);
    const d = expectBitEqual(vmap(f) as Fn, [np.array([0.5, 3, 49, 60, 0], "float32")]);
    inWasm(d);
  });
  it("grad through scan", () => {
    const loss = (w: NDArray, x: NDArray) => np.sum(scan((c: NDArray, xi: NDArray) => { const n = np.tanh(np.add(np.multiply(c, w), xi)); return [n, np.square(n)]; }, np.zeros([], "float64"), x)[1] as NDArray);
    inWasm(expectClose((w, x) => grad(loss)(w, x), [np.asarray(0.7, "float64"), np.array([0.1, -0.3, 0.8, 1.2, -2], "float64")], 1e-14));
  });
  it("random numbers (threefry) inside a scan are bit-equal to js", () => {
    const bitsScan = (k: NDArray) => scan((c: NDArray, i: NDArray) => { const b = random.bits(random.foldIn(k, i), [5]); return [np.add(c, np.sum(b)), [b, random.uniform(random.foldIn(k, np.add(i, 100)), [3])]]; }, np.asarray(0, "uint32"), np.arange(20).astype("int32"));
    inWasm(expectBitEqual(bitsScan, [random.key(7)]));
    // normal goes through erf_inv, decomposed in the wasm kernels: equal to a few ulp.
    const normalScan = (k: NDArray) => scan((c: NDArray, i: NDArray) => { const u = random.normal(random.foldIn(k, i), [5]); return [np.add(c, np.sum(u)), u]; }, np.asarray(0, "float32"), np.arange(20).astype("int32"));
    inWasm(expectClose(normalScan, [random.key(7)], 1e-6));
  });
  it("a NUTS chain (2-d normal, 50 draws) under jit runs as one wasm call", () => {
    const logProb = (x: NDArray) => np.multiply(np.sum(np.square(np.divide(x, np.array([1, 2], "float64"))), -1), -0.5);
    const kernel = new NoUTurnSampler({ targetLogProbFn: logProb as never, stepSize: 0.6 });
    const f = (x: NDArray, key: NDArray) => sampleChain({ numResults: 50, currentState: x, kernel, seed: key, traceFn: (_s, r) => (r as { leapfrogsTaken: NDArray }).leapfrogsTaken }) as unknown as { states: NDArray; trace: NDArray };
    const d = expectClose((x, k) => { const r = f(x, k); return [r.states, r.trace]; }, [np.array([0.3, -1], "float64"), random.key(11)], 1e-12);
    inWasm(d);
  });
  it("random small scan/while programs match the js device (property)", () => {
    const op = fc.constantFrom("add", "mul", "sin", "max", "where");
    fc.assert(fc.property(fc.array(op, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 12 }), fc.boolean(), fc.double({ min: -3, max: 3, noNaN: true }), (ops, n, useWhile, x0) => {
      const step = (c: NDArray, x: NDArray) => ops.reduce((acc, o) => (o === "add" ? np.add(acc, x) : o === "mul" ? np.multiply(acc, 0.75) : o === "sin" ? np.sin(acc) : o === "max" ? np.maximum(acc, x) : np.where(np.greater(acc, 0), acc, np.negative(x))), c);
      const f = useWhile
        ? (c: NDArray, xs: NDArray) => whileLoop(([i, v]: NDArray[]) => np.less(i, n), ([i, v]: NDArray[]) => [np.add(i, 1), step(v!, np.take(xs, np.minimum(i, 11)))], [np.asarray(0, "int32"), c])
        : (c: NDArray, xs: NDArray) => scan((v: NDArray, x: NDArray) => { const r = step(v, x); return [r, np.multiply(r, 2)]; }, c, xs);
      const args = [np.asarray(x0, "float64"), np.linspace(-2, 2, 12).astype("float64")];
      const { want, got, delta } = onBoth(f as Fn, args);
      // Bit-equal unless sin (decomposed in wasm kernels, an ulp apart from Math.sin) is involved.
      got.forEach((g, i) => g.forEach((v, k) => expect(Math.abs(v - want[i]![k]!)).toBeLessThanOrEqual(ops.includes("sin") ? 1e-13 * (1 + Math.abs(want[i]![k]!)) : 0)));
      expect(delta.interpretedRuns).toBe(0);
    }), { numRuns: 25, seed: 4 });
  });
});

describe("dot_general inside programs", () => {
  it("large products call dot.ts's packed GEMM / matvec kernels; results match js within float32 summation error", () => {
    const w = np.divide(np.reshape(np.arange(64 * 64).astype("float32"), [64, 64]), 4096);
    const v = np.divide(np.reshape(np.arange(64 * 600).astype("float32"), [64, 600]), 38400);
    // 64x64 @ 64x64 (262144 multiply-adds: GEMM) and 1x64 @ 64x600 (38400: matvec with the operands swapped).
    inWasm(expectClose((x) => foriLoop(0, 3, (_i: NDArray, c: NDArray) => np.tanh(np.matmul(c, w)), x), [np.divide(np.ones([64, 64], "float32"), 8)], 1e-5));
    inWasm(expectClose((x) => scan((c: NDArray, r: NDArray) => [np.tanh(np.add(c, r)), np.matmul(np.reshape(c, [1, 64]), v)], x, np.ones([2, 64], "float32")), [np.linspace(-1, 1, 64).astype("float32")], 1e-5));
  });
});

describe("in-place carries and scan slices", () => {
  it("a carry computed elementwise from itself is written in place", () => {
    const y = np.linspace(0, 1, 10).astype("float64");
    const d = expectBitEqual((x) => foriLoop(0, 50, (_i: NDArray, c: NDArray) => np.add(np.multiply(c, 0.5), y), x), [np.ones([10], "float64")]);
    inWasm(d);
    expect(d.carriesInPlace).toBeGreaterThanOrEqual(1);
  });
  it("carry permutations (a, b) -> (b, a + b) are not written in place over a value still needed", () => {
    inWasm(expectBitEqual((a, b) => foriLoop(0, 20, (_i: NDArray, [p, q]: NDArray[]) => [q!, np.add(p!, q!)], [a, b]), [np.array([1, 2], "float64"), np.array([1, 3], "float64")]));
    inWasm(expectBitEqual((a, b) => whileLoop(([p]: NDArray[]) => np.less(np.sum(p!), 1000), ([p, q]: NDArray[]) => [q!, np.multiply(q!, 2)], [a, b]), [np.array([1, 2], "float64"), np.array([1, 3], "float64")]));
    // Copies of 100 B (16-byte loop + tail), 1040 B (memory.copy) and 36 B (unrolled) between carries.
    for (const [n, dt] of [[25, "float32"], [130, "float64"], [9, "int32"]] as const) {
      const a = np.arange(n).astype(dt);
      inWasm(expectBitEqual((a, b) => foriLoop(0, 7, (_i: NDArray, [p, q]: NDArray[]) => [q!, np.add(p!, q!)], [a, b]), [a, np.flip(a)]));
    }
  });
  it("a carry read reversed, or again after the new value exists, keeps its own slot", () => {
    inWasm(expectBitEqual((x) => foriLoop(0, 9, (_i: NDArray, c: NDArray) => np.add(np.multiply(np.flip(c), 2), c), x), [np.arange(7).astype("float32")]));
    const d = expectBitEqual((x, z) => foriLoop(0, 9, (_i: NDArray, [c, e]: NDArray[]) => { const n = np.multiply(c!, 1.5); return [n, np.add(np.sum(c!), n)]; }, [x, z]), [np.arange(4).astype("float64"), np.zeros([4], "float64")]);
    inWasm(d);
  });
  it("dynamic_update_slice into a carry buffer updates it in place", () => {
    const f = (buf: NDArray) => foriLoop(0, 8, (i: NDArray, b: NDArray) => lax.dynamicUpdateSlice(b, np.reshape(np.multiply(i.astype("float32"), 1.5), [1]), [i]), buf);
    const d = expectBitEqual(f, [np.zeros([8], "float32")]);
    inWasm(d);
    expect(d.carriesInPlace).toBeGreaterThanOrEqual(1);
  });
  it("scan slices are read in place, also by an equation the program runs through JS", () => {
    const x2 = np.reshape(np.arange(24).astype("float64"), [6, 4]);
    const d = expectBitEqual((c, x) => scan((c: NDArray, r: NDArray) => [np.add(c, np.sort(np.negative(r))), np.sum(r)], c, x), [np.zeros([4], "float64"), x2]);
    expect(d.slicesInPlace).toBe(1);
    expect(d.interpretedRuns).toBe(0);
  });
});

describe("program per lane (jit(vmap(f)) with a while loop)", () => {
  const lanesDelta = (f: Fn, args: readonly NDArray[]) => {
    const i0 = wasmStats.programLaneIterations;
    const r = expectBitEqual(f, args);
    return { ...r, laneIterations: wasmStats.programLaneIterations - i0 };
  };
  it("each lane runs its own trip count: results equal js, body runs = sum of the lanes' trips", () => {
    // Trip count of lane x: steps of s -> 2s + 1 until s >= 50 (0 for x >= 50).
    const f = (x: NDArray) => whileLoop(([i, s]: NDArray[]) => np.less(s, 50), ([i, s]: NDArray[]) => [np.add(i, 1), np.add(np.multiply(s, 2), 1)], [np.asarray(0, "int32"), x]);
    const x = np.array([0.5, 3, 49, 60, 0, 20], "float32");
    const d = lanesDelta(vmap(f) as Fn, [x]);
    inWasm(d);
    const trips = Array.from(((vmap(f)(x) as NDArray[])[0]!).dataSync() as Int32Array);
    expect(new Set(trips).size).toBeGreaterThan(2);
    const sum = trips.reduce((a, b) => a + b, 0);
    expect(d.laneIterations).toBe(sum);
    expect(d.laneIterations).toBeLessThan(trips.length * Math.max(...trips));
  });
  it("vector state per lane with shared constants, and a lane that never enters the loop", () => {
    const w = np.array([0.5, 1.5, -1], "float64");
    const f = (x: NDArray, lim: NDArray) => whileLoop(([k, v]: NDArray[]) => np.less(np.sum(np.abs(v!)), lim), ([k, v]: NDArray[]) => [np.add(k, 1), np.add(np.multiply(v!, 1.25), w)], [np.asarray(0, "int32"), x]);
    const x = np.array([[0.1, 0.2, 0.3], [5, 5, 5], [0, 0, 0], [-1, 2, 0.5]], "float64");
    const lim = np.array([10, 1, 40, 7], "float64");
    const d = lanesDelta(vmap(f) as Fn, [x, lim]);
    inWasm(d);
    const trips = Array.from(((vmap(f)(x, lim) as NDArray[])[0]!).dataSync() as Int32Array);
    expect(trips[1]).toBe(0);
    expect(d.laneIterations).toBe(trips.reduce((a, b) => a + b, 0));
  });
});

describe("program per lane: three carries", () => {
  it("a per-lane increment carried along with the state runs per lane", () => {
    const f = (x: NDArray, t: NDArray) => whileLoop(([i, s]: NDArray[]) => np.less(s, 50), ([i, s, u]: NDArray[]) => [np.add(i, 1), np.add(np.multiply(s, 2), u!), u!], [np.asarray(0, "int32"), x, t]);
    const x = np.array([0.5, 3, 49, 60], "float32");
    const t = np.array([1, 2, 0.5, 3], "float32");
    const i0 = wasmStats.programLaneIterations;
    const d = expectBitEqual(vmap(f) as Fn, [x, t]);
    inWasm(d);
    const trips = Array.from(((vmap(f)(x, t) as NDArray[])[0]!).dataSync() as Int32Array);
    expect(wasmStats.programLaneIterations - i0).toBe(trips.reduce((a, b) => a + b, 0));
  });
});

describe("memory", () => {
  it("outputs whose allocation grows the wasm memory are copied out intact", () => {
    // Regression: the output copy took its byte view before allocating, and a growing allocation
    // detached it (bench: chain 10^6 and matmul 1024 crashed).
    setDefaultDevice("wasm");
    try {
      const n = Math.ceil(wasmHeap().memory.buffer.byteLength / 4) + 4096;
      // A one-step scan keeps it a whole program (loop-free programs over large inputs run step by step).
      const f = jit((x: NDArray) => scan((c: NDArray) => [np.add(np.multiply(c, 2), 1), null], x, null, { length: 1 })[0] as NDArray);
      const x = np.arange(n, undefined, undefined, "float32");
      const runs = wasmStats.programRuns;
      const y = f(x) as NDArray;
      const d = y.dataSync();
      expect([d[0], d[1], d[n - 1]]).toEqual([1, 3, 2 * (n - 1) + 1]);
      expect(wasmStats.programRuns).toBe(runs + 1);
      y.dispose();
    } finally {
      setDefaultDevice("js");
    }
  });

  it("loop-free programs over large inputs run step by step, reading the inputs in place", () => {
    setDefaultDevice("wasm");
    try {
      const f = jit((x: NDArray) => np.sum(np.multiply(x, x)));
      const big = np.ones([1 << 18]);
      const small = np.ones([16]);
      const [runs, steps] = [wasmStats.programRuns, wasmStats.interpretedRuns];
      expect((f(big) as NDArray).item()).toBe(1 << 18);
      expect([wasmStats.programRuns - runs, wasmStats.interpretedRuns - steps]).toEqual([0, 1]);
      expect((f(small) as NDArray).item()).toBe(16);
      expect([wasmStats.programRuns - runs, wasmStats.interpretedRuns - steps]).toEqual([1, 1]);
    } finally {
      setDefaultDevice("js");
    }
  });

  it("10^4 calls of a compiled loop do not grow the heap", () => {
    setDefaultDevice("wasm");
    try {
      const f = jit((c: NDArray) => scan((c: NDArray) => [np.add(np.multiply(c, 0.999), 1), null], c, null, { length: 10 })[0] as NDArray);
      const x = np.asarray(1, "float32");
      f(x).dispose();
      const heap0 = wasmHeap().inUse;
      const live0 = memoryStats().liveBuffers;
      for (let i = 0; i < 10000; i++) f(x).dispose();
      expect(wasmHeap().inUse).toBe(heap0);
      expect(memoryStats().liveBuffers).toBe(live0);
    } finally {
      setDefaultDevice("js");
    }
  });
});
