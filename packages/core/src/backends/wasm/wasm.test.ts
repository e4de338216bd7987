// The wasm device: fusion plans, SIMD/scalar kernels, integer and float edge semantics equal to
// the reference backend, and memory that stays flat.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NDArray, np, lax, internal, init, setDefaultDevice, defaultDevice, memoryStats, devicePut, setDebugLevel, setDebugSink } from "../../index.js";
import { makeJaxpr, jit } from "@fluxion/transforms";
import { planJaxpr } from "../kernel/plan.js";
import { wasmCaps, wasmStats } from "./runtime.js";

const before = defaultDevice();
beforeAll(async () => {
  await init("wasm");
  setDefaultDevice("wasm");
});
afterAll(() => setDefaultDevice(before));

const plan = (f: (...a: NDArray[]) => NDArray, ...args: NDArray[]) => planJaxpr(makeJaxpr(f)(...args).jaxpr, wasmCaps);

describe("fusion planner", () => {
  it("fuses an elementwise chain with broadcasts into one kernel", () => {
    const p = plan((x) => np.multiply(np.exp(np.add(np.multiply(np.sin(x), 2), 1)), x), np.ones([100]));
    expect(p.steps.map((s) => s.kind)).toEqual(["kernel"]);
  });
  it("fuses a reduction with its elementwise producer, and views (transpose, broadcast) into loads", () => {
    const p = plan((x, y) => np.sum(np.multiply(np.transpose(x), y), 1), np.ones([4, 3]), np.ones([4]));
    expect(p.steps.length).toBe(1);
    const s = p.steps[0]!;
    expect(s.kind === "kernel" && s.kernel.reduce?.fn).toBe("sum");
  });
  it("leaves matmul to the runtime and materialises its operands", () => {
    const p = plan((a, b) => np.tanh(np.matmul(np.exp(a), b)), np.ones([2, 3]), np.ones([3, 4]));
    expect(p.steps.map((s) => (s.kind === "kernel" ? "kernel" : s.eqn.prim.name))).toEqual(["kernel", "dot_general", "kernel"]);
  });
});

describe("kernels equal the reference backend", () => {
  const both = (f: (...a: NDArray[]) => NDArray, ...args: NDArray[]) => {
    const got = (jit(f)(...args) as NDArray).toArray();
    setDefaultDevice("js");
    const want = (jit(f)(...args) as NDArray).toArray();
    setDefaultDevice("wasm");
    expect(got).toEqual(want);
    return got;
  };
  it("integer division, remainder and shifts follow XLA's edge cases", () => {
    const a = np.array([7, -7, -2147483648, 5, 0], "int32");
    const b = np.array([2, 2, -1, 0, 0], "int32");
    expect(both((x, y) => lax.div(x, y), a, b)).toEqual([3, -3, -2147483648, -1, -1]);
    expect(both((x, y) => lax.rem(x, y), a, b)).toEqual([1, -1, 0, 5, 0]);
    const shl = internal.registeredPrimitives().find((p) => p.name === "shift_left")!;
    const shr = internal.registeredPrimitives().find((p) => p.name === "shift_right_logical")!;
    const v = np.array([1, 3, 0xffffffff, 5], "uint32");
    const n = np.array([1, 31, 32, 40], "uint32");
    expect(both((x, y) => internal.bind1(shl, [x, y]), v, n)).toEqual([2, 2147483648, 0, 0]);
    expect(both((x, y) => internal.bind1(shr, [x, y]), v, n)).toEqual([0, 0, 0, 0]);
  });
  it("unsigned comparisons, float→int saturation and NaN-propagating max", () => {
    expect(both((x, y) => lax.lt(x, y), np.array([4294967295, 1], "uint32"), np.array([1, 2], "uint32"))).toEqual([false, true]);
    expect(both((x) => lax.convertElementType(x, "int32"), np.array([1e10, -1e10, NaN, 2.7, -2.7], "float32"))).toEqual([2147483647, -2147483648, 0, 2, -2]);
    expect(both((x, y) => np.maximum(x, y), np.array([1, NaN, 3], "float32"), np.array([2, 0, NaN], "float32"))).toEqual([2, NaN, NaN]);
  });
  it("strided (transposed) inner loops, odd sizes and SIMD tails", () => {
    const x = np.reshape(np.arange(7 * 9).astype("float32"), [7, 9]);
    both((a) => np.add(np.transpose(a), 1), x);
    both((a) => np.multiply(np.sqrt(np.abs(a)), a), np.reshape(np.arange(-13, 14).astype("float64"), [27]));
    both((a) => np.sum(a, 0), x);
    both((a) => np.max(a, 1), x);
    both((a) => np.any(np.greater(a, 30), 1), x);
  });
  it("compiles SIMD kernels for contiguous float chains", () => {
    const n0 = wasmStats.simdKernels;
    jit((a: NDArray) => np.add(np.multiply(a, 3), 1))(np.ones([1024]));
    expect(wasmStats.simdKernels).toBe(n0 + 1);
  });
});

describe("runtime", () => {
  it("runs dot_general with the wasm matmul (its handler is registered by the devices module)", async () => {
    const { eqnHandlers } = await import("./handlers.js");
    expect(eqnHandlers.has("dot_general")).toBe(true);
    const a = np.reshape(np.arange(12).astype("float32"), [3, 4]);
    const b = np.reshape(np.arange(20).astype("float32"), [4, 5]);
    const got = (jit((x: NDArray, y: NDArray) => np.matmul(x, y))(a, b) as NDArray).toArray();
    setDefaultDevice("js");
    const want = (jit((x: NDArray, y: NDArray) => np.matmul(x, y))(a, b) as NDArray).toArray();
    setDefaultDevice("wasm");
    expect(got).toEqual(want);
  });
  it("keeps wasm memory flat over 10^4 jitted calls", () => {
    const f = jit((a: NDArray) => np.tanh(np.add(np.multiply(a, 0.5), 1)));
    const x = devicePut(np.ones([256]), "wasm");
    f(x).dispose();
    const base = memoryStats();
    for (let i = 0; i < 10_000; i++) (f(x) as NDArray).dispose();
    expect(memoryStats()).toEqual(base);
  });
  it("prints the fusion plan and kernels at FLUXION_DEBUG=3", () => {
    const lines: string[] = [];
    setDebugSink((l) => lines.push(l));
    setDebugLevel(3);
    try {
      jit((a: NDArray) => np.subtract(np.multiply(a, a), 7))(np.ones([5, 5]));
    } finally {
      setDebugLevel(0);
      setDebugSink((l) => console.error(l));
    }
    const text = lines.join("\n");
    expect(text).toContain("wasm fusion plan:");
    expect(text).toMatch(/kernel float32\[25\]|kernel float32\[5,5\]/);
  });
});
