// gather and scatter lowered into compiled wasm programs (programGather.ts): random XLA dimension
// numbers (batching dims, out-of-range / negative indices, every mode and combiner) inside a jitted
// scan equal the js reference device element for element (-0 kept apart), with no JS fallback.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { NDArray, np, lax, init, setDefaultDevice, defaultDevice, type DType } from "../../index.js";
import { jit, scan, valueAndGrad, vmap, whileLoop } from "@fluxion/transforms";
import { lbfgsMinimize, type LbfgsResults } from "@fluxion/optim";
import { wasmStats } from "./runtime.js";
import { rosenbrock } from "../../../../../examples/lbfgs_restarts.js";

const before = defaultDevice();
beforeAll(async () => {
  await init("wasm");
});
afterAll(() => setDefaultDevice(before));

type Fn = (...a: NDArray[]) => unknown;
const flat = (x: unknown): NDArray[] => (x instanceof NDArray ? [x] : Array.isArray(x) ? x.flatMap(flat) : typeof x === "object" && x !== null ? Object.values(x).flatMap(flat) : []);
const numbers = (xs: NDArray[]) => xs.map((x) => Array.from(x.dataSync() as ArrayLike<number>, Number));

/** jit(f) on the js device and on wasm (fresh jits); the wasm run's program / fallback counts. */
function onBoth(f: Fn, args: readonly NDArray[]) {
  setDefaultDevice("js");
  const want = numbers(flat(jit(f)(...args)));
  setDefaultDevice("wasm");
  const s0 = { ...wasmStats };
  const got = numbers(flat(jit(f)(...args)));
  const delta = { programRuns: wasmStats.programRuns - s0.programRuns, interpretedRuns: wasmStats.interpretedRuns - s0.interpretedRuns, fallbacks: wasmStats.programEqnFallbacks - s0.programEqnFallbacks };
  setDefaultDevice("js");
  return { want, got, delta };
}
/** Same values element for element (Object.is: -0 differs from 0, NaN equals NaN), in one wasm program, no fallback. */
function expectSameInWasm(f: Fn, args: readonly NDArray[]): void {
  const { want, got, delta } = onBoth(f, args);
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    const w = want[i]!;
    expect(g.length).toBe(w.length);
    const bad = g.findIndex((v, k) => !Object.is(v, w[k]));
    expect(bad, `output ${i} element ${bad}: wasm ${g[bad]} vs js ${w[bad]}`).toBe(-1);
  });
  expect(delta).toEqual({ programRuns: 1, interpretedRuns: 0, fallbacks: 0 });
}

const range = (n: number): number[] => [...Array(n).keys()];
const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const PALETTE: Record<DType, readonly number[]> = {
  float32: [0, -0, 1.5, -2, 3, 0.1, NaN, Infinity, -7.25, 1e30],
  float64: [0, -0, 1.5, -2, 3, 0.1, NaN, -Infinity, -7.25, 1e300],
  int32: [0, 1, -1, 5, -7, 2147483647, -2147483648, 65536],
  uint32: [0, 1, 5, 7, 4294967295, 65536, 2147483648],
  bool: [0, 1],
};

/** One random gather / scatter problem: operand, indices and XLA dimension numbers that pass the checkers. */
interface Case {
  dtype: DType; opShape: number[]; opData: number[];
  idxDtype: "int32" | "uint32"; idxShape: number[]; idxData: number[];
  batching: number[]; indicesBatching: number[]; startMap: number[]; collapsed: number[]; offsetDims: number[]; sliceSizes: number[];
  outShape: number[];
}
function genCase(g: fc.GeneratorValue): Case {
  const int = (min: number, max: number) => g(fc.integer, { min, max });
  const dtype = g(fc.constantFrom<DType[]>, "float32", "float64", "int32", "uint32", "bool");
  const r = int(1, 3);
  const opShape = range(r).map(() => int(1, 4));
  const nb = int(0, Math.min(2, r));
  const batching = [...g(fc.shuffledSubarray, range(r), { minLength: nb, maxLength: nb })].sort((a, b) => a - b);
  const rest = range(r).filter((d) => !batching.includes(d));
  const startMap = g(fc.shuffledSubarray, rest, { minLength: rest.length ? 1 : 0, maxLength: rest.length });
  const collapsed = g(fc.subarray, rest, { minLength: 0, maxLength: rest.length });
  // Windows of any size that fits, size 1 on collapsed and batching axes (sometimes the whole axis).
  const sliceSizes = opShape.map((n, d) => (batching.includes(d) || collapsed.includes(d) ? 1 : int(1, n)));
  const nIdxBatch = nb + int(0, 1);
  const indicesBatching = g(fc.shuffledSubarray, range(nIdxBatch), { minLength: nb, maxLength: nb });
  const idxBatchShape = range(nIdxBatch).map((j) => {
    const i = indicesBatching.indexOf(j);
    return i >= 0 ? opShape[batching[i]!]! : int(1, 3);
  });
  const idxDtype = g(fc.constantFrom<("int32" | "uint32")[]>, "int32", "uint32");
  const k = startMap.length;
  const idxShape = [...idxBatchShape, k];
  // Indices from -3 to size + 2: negative and out of range on both sides (uint32 wraps negatives to huge).
  const idxData = range(sizeOf(idxShape)).map((f) => {
    const v = int(-3, opShape[startMap[f % k]!]! + 2);
    return idxDtype === "uint32" ? v >>> 0 : v;
  });
  const kept = rest.filter((d) => !collapsed.includes(d));
  const outRank = nIdxBatch + kept.length;
  const offsetDims = [...g(fc.shuffledSubarray, range(outRank), { minLength: kept.length, maxLength: kept.length })].sort((a, b) => a - b);
  const outShape = new Array<number>(outRank);
  offsetDims.forEach((o, j) => (outShape[o] = sliceSizes[kept[j]!]!));
  let b = 0;
  for (let i = 0; i < outRank; i++) if (outShape[i] === undefined) outShape[i] = idxBatchShape[b++]!;
  const pal = PALETTE[dtype];
  const opData = range(sizeOf(opShape)).map(() => pal[int(0, pal.length - 1)]!);
  return { dtype, opShape, opData, idxDtype, idxShape, idxData, batching, indicesBatching, startMap, collapsed, offsetDims, sliceSizes, outShape };
}
const arrays = (c: Case) => [np.reshape(np.array(c.opData, c.dtype), c.opShape), np.reshape(np.array(c.idxData, c.idxDtype), c.idxShape)] as const;
const show = (c: Case) => JSON.stringify({ ...c, opData: undefined, idxData: c.idxData });

describe("gather in a compiled wasm program", () => {
  it("equals the js device for random dimension numbers, modes and fills (fast-check)", () => {
    fc.assert(fc.property(fc.gen(), fc.constantFrom("clip", "fill", "fill-default"), fc.constantFrom(0, -0, 2.5, 7, NaN), (g, mode, fillValue) => {
      const c = genCase(g);
      const dn = { offsetDims: c.offsetDims, collapsedSliceDims: c.collapsed, startIndexMap: c.startMap, operandBatchingDims: c.batching, startIndicesBatchingDims: c.indicesBatching };
      const opts = mode === "clip" ? { mode: "clip" as const } : mode === "fill" ? { mode: "fill" as const, fillValue } : { mode: "fill" as const };
      const [x, idx] = arrays(c);
      // The gather sits in a scan body, so it is lowered into the program's loop.
      const f = (x: NDArray, idx: NDArray) => scan((carry: NDArray[]) => [carry, lax.gather(carry[0]!, carry[1]!, dn, c.sliceSizes, opts)], [x, idx], null, { length: 2 })[1];
      try {
        expectSameInWasm(f, [x, idx]);
      } catch (err) {
        throw new Error(`${show(c)} ${mode} ${fillValue}: ${(err as Error).message}`);
      }
    }), { numRuns: 150 });
  });

  it("gathers rows by a loop-carried index (the window start changes every iteration)", () => {
    const x = np.reshape(np.arange(20, undefined, undefined, "float32"), [5, 4]);
    // i runs -2..7: clamped below and above in clip mode, filled in fill mode.
    const f = (x: NDArray) => scan((i: NDArray) => [np.add(i, 1), [np.take(x, i, 0, "clip"), np.take(x, np.reshape(i, [1]), 0, "fill", -1)]], np.asarray(-2, "int32"), null, { length: 10 })[1];
    expectSameInWasm(f, [x]);
  });
});

describe("scatter in a compiled wasm program", () => {
  it("equals the js device for random dimension numbers, combiners and modes (fast-check)", () => {
    fc.assert(fc.property(fc.gen(), fc.constantFrom("set", "add", "mul", "min", "max"), fc.constantFrom("clip", "drop"), (g, combine, mode) => {
      const c = genCase(g);
      if (c.dtype === "bool" && (combine === "add" || combine === "mul")) return;
      const dn = { updateWindowDims: c.offsetDims, insertedWindowDims: c.collapsed, scatterDimsToOperandDims: c.startMap, operandBatchingDims: c.batching, scatterIndicesBatchingDims: c.indicesBatching };
      const pal = PALETTE[c.dtype];
      // Updates have the matching gather's output shape; duplicates among the indices are common.
      const upData = range(sizeOf(c.outShape)).map(() => pal[g(fc.integer, { min: 0, max: pal.length - 1 })]!);
      const [x, idx] = arrays(c);
      const u = np.reshape(np.array(upData, c.dtype), c.outShape);
      const op = { set: lax.scatter, add: lax.scatterAdd, mul: lax.scatterMul, min: lax.scatterMin, max: lax.scatterMax }[combine];
      // The scattered operand is the scan's carry: the update is applied twice, the second time onto the first's result.
      const f = (x: NDArray, idx: NDArray, u: NDArray) => scan((carry: NDArray) => { const y = op(carry, idx, u, dn, { mode }); return [y, y]; }, x, null, { length: 2 });
      try {
        expectSameInWasm(f, [x, idx, u]);
      } catch (err) {
        throw new Error(`${show(c)} ${combine} ${mode} updates ${JSON.stringify(upData)}: ${(err as Error).message}`);
      }
    }), { numRuns: 150 });
  });

  it("keeps the last of duplicate 'set' updates and adds duplicates in row-major order", () => {
    const x = np.zeros([4], "float32");
    const idx = np.array([[1], [3], [1], [-1], [9], [1]], "int32");
    const u = np.array([0.1, 2, 0.7, 5, 6, 1e-8], "float32");
    const dn = { updateWindowDims: [], insertedWindowDims: [0], scatterDimsToOperandDims: [0] };
    const f = (x: NDArray, idx: NDArray, u: NDArray) => scan((c: NDArray) => [np.add(c, 1), [lax.scatter(c, idx, u, dn), lax.scatterAdd(c, idx, u, dn), lax.scatterAdd(c, idx, u, dn, { mode: "clip" })]], x, null, { length: 3 });
    expectSameInWasm(f, [x, idx, u]);
  });

  it("scatters a loop carry into itself (updates read the operand: no in-place write)", () => {
    const x = np.array([1.5, -2, 3, 0.25], "float32");
    const rev = np.array([[3], [2], [1], [0]], "int32");
    const dn = { updateWindowDims: [], insertedWindowDims: [0], scatterDimsToOperandDims: [0] };
    const f = (x: NDArray, rev: NDArray) => scan((c: NDArray) => { const y = lax.scatter(c, rev, c, dn); return [y, y]; }, x, null, { length: 3 });
    expectSameInWasm(f, [x, rev]);
    // Indices computed from the carry itself, too.
    const g = (x: NDArray) => scan((c: NDArray) => { const y = lax.scatterAdd(c, np.reshape(np.clip(np.floor(c), 0, 3).astype("int32"), [4, 1]), c, dn); return [y, y]; }, x, null, { length: 3 });
    expectSameInWasm(g, [x]);
  });
});

describe("numpy indexing inside a jitted scan", () => {
  const x = np.reshape(np.array(range(24).map((i) => (i * 7) % 11 - 3.5), "float64"), [4, 6]);
  const ints = np.array([2, -1, 0, 5, 2, -6, 9], "int32");
  it("take (fill, clip, wrap modes; negative and out-of-range indices)", () => {
    const f = (x: NDArray, i: NDArray) => scan((c: NDArray) => [np.multiply(c, 2), [np.take(c, i, 1), np.take(c, i, 1, "clip"), np.take(c, i, 1, "wrap"), np.take(c, i, null, "fill", 0)]], x, null, { length: 2 })[1];
    expectSameInWasm(f, [x, ints]);
  });
  it("takeAlongAxis and integer-array indexing", () => {
    const order = np.array([[5, 0, 1, 4, 2, 3], [0, 0, 0, 1, 1, 1], [-1, -2, -3, 3, 2, 1], [7, -7, 2, 2, 2, 2]], "int32");
    const f = (x: NDArray, o: NDArray, i: NDArray) => scan((c: NDArray) => [np.add(c, 0.5), [np.takeAlongAxis(c, o, 1), np.takeAlongAxis(c, o, 1, "clip"), c.slice(np.array([3, 0, -1], "int32")), c.slice(":", np.clip(i, 0, 5))]], x, null, { length: 2 })[1];
    expectSameInWasm(f, [x, order, ints]);
  });
  it("x.at[i].set / add / mul / min / max with duplicate indices", () => {
    const f = (x: NDArray, i: NDArray) => scan((c: NDArray) => {
      const j = np.clip(i, -4, 3);
      const next = c.at(j).add(1.25);
      return [next, [c.at(j).set(np.arange(7, undefined, undefined, "float64").reshape([7, 1])), c.at(":", 2).mul(-3), c.at(j, 1).min(0), c.at(j, 1).max(4)]];
    }, x, null, { length: 3 });
    expectSameInWasm(f, [x, ints]);
  });
});

describe("gather and scatter in a whileLoop", () => {
  it("a data-dependent trip count: each step reads x[i - 1] (wrapping) and adds it at i, plus a scatter-max of the index vector", () => {
    const x = np.array([0.5, -1, 2, 0.25, 3], "float64");
    const f = (x: NDArray) => whileLoop(
      ([i, v]: NDArray[]) => np.logicalAnd(np.less(i, 40), np.less(np.max(v), 1e6)),
      ([i, v]: NDArray[]) => {
        const prev = np.take(v, np.subtract(i, 1), 0, "wrap");
        const at = np.remainder(i, 5);
        const w = v.at(at).add(np.multiply(prev, 1.5));
        return [np.add(i, 1), lax.scatterMax(w, np.reshape(np.stack([at, np.remainder(np.add(i, 2), 5)]), [2, 1]), np.multiply(np.stack([prev, prev]), -0.5), { updateWindowDims: [], insertedWindowDims: [0], scatterDimsToOperandDims: [0] })];
      },
      [np.asarray(0, "int32"), x]);
    expectSameInWasm(f, [x]);
  });
});

describe("batched L-BFGS compiles with no JS fallback", () => {
  it("jit(vmap(lbfgsMinimize)) over 4 Rosenbrock starts: one program, no fallback, same optimum as the js device", () => {
    const starts = np.array([[-2, -2], [0.5, 1.5], [1.2, 1.2], [-1, 2]], "float64");
    const solve = (s: NDArray) => vmap((x0: NDArray) => lbfgsMinimize(valueAndGrad(rosenbrock), { initialPosition: x0, tolerance: 1e-8, maxIterations: 200 }))(s) as LbfgsResults;
    const { want, got, delta } = onBoth((s) => { const r = solve(s); return [r.position, r.converged, r.numObjectiveEvaluations]; }, [starts]);
    expect(delta).toEqual({ programRuns: 1, interpretedRuns: 0, fallbacks: 0 });
    expect(got[1]).toEqual([1, 1, 1, 1]);
    expect(got[1]).toEqual(want[1]);
    got[0]!.forEach((v, k) => expect(Math.abs(v - want[0]![k]!)).toBeLessThan(1e-6));
    got[0]!.forEach((v) => expect(Math.abs(v - 1)).toBeLessThan(1e-4));
  });
});
