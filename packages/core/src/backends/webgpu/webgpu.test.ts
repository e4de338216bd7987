// The webgpu device against the js reference backend: uploads and reads (sync and async), fused
// WGSL kernels for every elementwise primitive over wide ranges (float32 within stated ulp/relative
// bounds, integers and bools bitwise), reductions (per-invocation and workgroup), tiled matmul,
// host fallbacks, command batching and the pipeline cache, and the float64 error.
// Under CI=true a missing adapter fails instead of skipping.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NDArray, type DType, defaultDevice, devicePut, init, internal, lax, np, random, setDefaultDevice } from "@fluxion/core";
import { jit, vmap } from "@fluxion/transforms";
import { webgpuRequired } from "./adapter.js";
import { probeWebGPU } from "./testing.js";
import { WebGPUArray, webgpuFinish, webgpuInfo, webgpuStats, withFloat64Errors } from "./index.js";

const { available, reason } = await probeWebGPU();
const setupHint = "run `bash scripts/setup-webgpu.sh` (Mesa lavapipe >= 25)";
const skipNote = available ? "" : ` [skipped: ${reason}; ${setupHint}]`;

let saved: ReturnType<typeof defaultDevice>;
beforeAll(() => {
  saved = defaultDevice();
  if (available) setDefaultDevice("webgpu");
});
afterAll(() => setDefaultDevice(saved));

const P = (name: string) => internal.registeredPrimitives().find((p) => p.name === name)!;
const bind = (name: string, ...xs: NDArray[]) => internal.bind1(P(name), xs);

/** Evenly spread float32 values over [lo, hi] plus a few specials. */
function sweep(lo: number, hi: number, n = 2000): NDArray {
  const v = Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1) + 1e-4 * Math.sin(i * 7.3) * (hi - lo) / n);
  return np.array(v, "float32");
}

function ulps(a: number, b: number): number {
  if (Number.isNaN(a) && Number.isNaN(b)) return 0;
  if (a === b) return 0;
  const ia = new Int32Array(new Float32Array([a]).buffer)[0]!;
  const ib = new Int32Array(new Float32Array([b]).buffer)[0]!;
  if ((ia < 0) !== (ib < 0)) return Math.abs(ia & 0x7fffffff) + Math.abs(ib & 0x7fffffff);
  return Math.abs(ia - ib);
}

/** Worst error of got vs want: max of ulps and of |got-want| / atolScale in ulps of atolScale. */
function compareFloat(what: string, got: NDArray, want: NDArray, maxUlps: number, atol = 0): void {
  expect(got.dtype).toBe(want.dtype);
  const g = got.dataSync(), w = want.dataSync();
  let worst = 0;
  let where = -1;
  for (let i = 0; i < w.length; i++) {
    const a = g[i]!, b = w[i]!;
    if (Number.isNaN(b)) {
      expect(Number.isNaN(a), `${what}[${i}] = ${a}, want NaN`).toBe(true);
      continue;
    }
    if (Math.abs(a - b) <= atol) continue;
    const u = ulps(a, b);
    if (u > worst) { worst = u; where = i; }
  }
  expect(worst, `${what}: worst ${worst} ulp at ${where}: got ${g[where]}, want ${w[where]}`).toBeLessThanOrEqual(maxUlps);
}

function compareExact(what: string, got: NDArray, want: NDArray): void {
  expect(got.dtype).toBe(want.dtype);
  expect(got.shape).toEqual(want.shape);
  expect(Array.from(got.dataSync()), what).toEqual(Array.from(want.dataSync()));
}

describe(`webgpu device${skipNote}`, () => {
  if (!available && webgpuRequired()) {
    it("is available (required under CI=true)", () => {
      throw new Error(`no WebGPU device (${reason}). Fix: ${setupHint}.`);
    });
    return;
  }
  const test = it.skipIf(!available);

  test("reports its adapter", () => {
    const info = webgpuInfo()!;
    expect(["vulkan", "opengles", "browser"]).toContain(info.backend);
    expect(info.description.length).toBeGreaterThan(0);
  });

  test("round-trips every 32-bit dtype and bool through GPU memory, synchronously and asynchronously", async () => {
    const cases: [number[], DType][] = [
      [[1.5, -0, Infinity, -Infinity, NaN, 3.4028234663852886e38, 1.401298464324817e-45], "float32"],
      [[0, -1, 2147483647, -2147483648, 12345], "int32"],
      [[0, 1, 4294967295, 2147483648], "uint32"],
      [[1, 0, 0, 1, 1], "bool"],
    ];
    for (const [values, dtype] of cases) {
      const host = np.array(values, dtype);
      const gpuArr = devicePut(host, "webgpu");
      expect(gpuArr.device).toBe("webgpu");
      expect(gpuArr).toBeInstanceOf(WebGPUArray);
      // A computed array (not the upload's cached copy): y = x through a kernel.
      const y = jit((x: NDArray) => lax.convertElementType(x, dtype))(gpuArr);
      expect(y.device).toBe("webgpu");
      const want = Array.from(host.dataSync());
      expect(Array.from(await y.data()), `${dtype} async`).toEqual(want);
      expect(Array.from(y.dataSync()), `${dtype} sync`).toEqual(want);
      const back = devicePut(y, "js");
      expect(back.device).toBe("js");
      expect(Array.from(back.dataSync())).toEqual(want);
      expect(Object.is(back.dataSync()[1], host.dataSync()[1])).toBe(true);
    }
  });

  // Float32 unary functions: [name, lo, hi, max ulps, atol]. Bounds are the accuracy these WGSL
  // renderings reach on lavapipe; functions built on WGSL's native exp inherit its specified bound
  // (3 + 2|x| ulp), the rest are a few ulp; atol covers functions that cross zero in the range.
  const unary: [string, number, number, number, number][] = [
    ["neg", -1e30, 1e30, 0, 0], ["abs", -5, 5, 0, 0], ["sqrt", 0, 1e6, 1, 0], ["rsqrt", 1e-6, 1e6, 2, 0], ["cbrt", -1e6, 1e6, 2, 0],
    ["square", -1e10, 1e10, 0, 0], ["floor", -50, 50, 0, 0], ["ceil", -50, 50, 0, 0], ["round", -50.5, 50.5, 0, 0], ["trunc", -50, 50, 0, 0],
    ["sign", -3, 3, 0, 0], ["exp", -87, 88, 64, 0], ["exp2", -126, 127, 8, 0], ["log", 1e-30, 1e30, 2, 0], ["log", 0.5, 2, 2, 0],
    ["log1p", -0.99, 10, 3, 0], ["log1p", -1e-3, 1e-3, 3, 0], ["expm1", -10, 10, 24, 0], ["expm1", -1e-3, 1e-3, 3, 0],
    ["sin", -10, 10, 4, 1e-6], ["cos", -10, 10, 4, 1e-6], ["tan", -1.5, 1.5, 8, 1e-6], ["tanh", -12, 12, 4, 0], ["tanh", -1e-3, 1e-3, 4, 0],
    ["logistic", -80, 80, 164, 0], ["asin", -1, 1, 4, 0], ["acos", -1, 1, 4, 0], ["atan", -100, 100, 4, 0], ["sinh", -88, 88, 180, 0],
    ["sinh", -1e-3, 1e-3, 4, 0], ["cosh", -88, 88, 180, 0], ["asinh", -1e6, 1e6, 4, 0], ["asinh", -1e-3, 1e-3, 4, 0], ["acosh", 1, 1e6, 4, 0],
    ["atanh", -0.999, 0.999, 4, 0], ["atanh", -1e-3, 1e-3, 4, 0],
    // From kernel/decompose.ts (WGSL has none of these).
    ["erf", -5, 5, 4, 0], ["erfc", -3, 9, 8, 0], ["erf_inv", -0.999, 0.999, 8, 0], ["lgamma", 0.01, 30, 8, 1e-6],
    ["lgamma", -4.5, -0.1, 64, 1e-5], ["digamma", 0.05, 30, 8, 1e-6],
  ];
  for (const [name, lo, hi, maxUlps, atol] of unary) {
    test(`${name} over [${lo}, ${hi}] within ${maxUlps} ulp of the reference`, () => {
      const x = sweep(lo, hi);
      compareFloat(name, jit((a: NDArray) => bind(name, a))(x), bind(name, x), maxUlps, atol);
    });
  }

  test("is_finite, not and comparisons give the reference's bools", () => {
    const x = np.array([0, -0, 1, NaN, Infinity, -Infinity, -3, 2], "float32");
    const y = np.array([0, 0, NaN, NaN, Infinity, 5, -3, 1], "float32");
    compareExact("is_finite", jit((a: NDArray) => bind("is_finite", a))(x), bind("is_finite", x));
    for (const c of ["eq", "ne", "lt", "le", "gt", "ge"]) compareExact(c, jit((a: NDArray, b: NDArray) => bind(c, a, b))(x, y), bind(c, x, y));
    const b = np.array([1, 0, 1, 0], "bool");
    compareExact("not bool", jit((a: NDArray) => bind("not", a))(b), bind("not", b));
  });

  test("float32 binary functions", () => {
    const a = sweep(-20, 20, 997);
    const b = np.flip(sweep(-7, 9, 997));
    for (const f of ["add", "sub", "mul", "div", "max", "min"]) compareFloat(f, jit((p: NDArray, q: NDArray) => bind(f, p, q))(a, b), bind(f, a, b), 0);
    compareFloat("atan2", jit((p: NDArray, q: NDArray) => bind("atan2", p, q))(a, b), bind("atan2", a, b), 4);
    compareFloat("rem", jit((p: NDArray, q: NDArray) => bind("rem", p, q))(a, b), bind("rem", a, b), 0, 2e-6);
    const pa = sweep(0.01, 30, 997);
    compareFloat("pow", jit((p: NDArray, q: NDArray) => bind("pow", p, q))(pa, b), bind("pow", pa, b), 64);
    // Negative bases with integer exponents, zeros and infinities.
    const base = np.array([-2, -2, -0.5, 0, -0, 0, Infinity, -Infinity, -Infinity, 1, NaN, 2], "float32");
    const ex = np.array([3, 2, -3, -1, -3, 0, -2, 3, 2, NaN, 0, Infinity], "float32");
    compareFloat("pow specials", jit((p: NDArray, q: NDArray) => bind("pow", p, q))(base, ex), bind("pow", base, ex), 0);
    const nx = np.array([0, 1, -1, 1, 3.5, -0, NaN], "float32");
    const ny = np.array([1, 2, -2, 0, -Infinity, -1, 1], "float32");
    compareExact("nextafter", jit((p: NDArray, q: NDArray) => bind("nextafter", p, q))(nx, ny), bind("nextafter", nx, ny));
    // max/min propagate NaN as XLA does.
    const m = np.array([NaN, 1, 2], "float32");
    const n = np.array([1, NaN, 3], "float32");
    compareExact("max NaN", jit((p: NDArray, q: NDArray) => bind("max", p, q))(m, n), bind("max", m, n));
  });

  test("integer arithmetic is bitwise equal to the reference, XLA edge cases included", () => {
    const a = np.array([7, -7, 2147483647, -2147483648, -2147483648, 5, 0, -1, 100, 3], "int32");
    const b = np.array([2, 2, 1, -1, 0, 0, 0, 33, 31, -32], "int32");
    for (const f of ["add", "sub", "mul", "div", "rem", "max", "min", "and", "or", "xor", "eq", "lt", "shift_left", "shift_right_logical", "shift_right_arithmetic"]) {
      compareExact(`int32 ${f}`, jit((p: NDArray, q: NDArray) => bind(f, p, q))(a, b), bind(f, a, b));
    }
    for (const f of ["neg", "abs", "sign", "not", "square"]) compareExact(`int32 ${f}`, jit((p: NDArray) => bind(f, p))(a), bind(f, a));
    const ua = np.array([7, 4294967295, 2147483648, 0, 9], "uint32");
    const ub = np.array([2, 3, 0, 0, 40], "uint32");
    for (const f of ["add", "sub", "mul", "div", "rem", "max", "min", "gt", "shift_left", "shift_right_logical", "shift_right_arithmetic"]) {
      compareExact(`uint32 ${f}`, jit((p: NDArray, q: NDArray) => bind(f, p, q))(ua, ub), bind(f, ua, ub));
    }
  });

  test("conversions saturate and map NaN to 0 as the reference does", () => {
    const x = np.array([1.7, -1.7, 3e9, -3e9, NaN, Infinity, -0.5, 2147483520, 0, 4294967040], "float32");
    for (const d of ["int32", "uint32", "bool"] as DType[]) compareExact(`f32->${d}`, jit((a: NDArray) => lax.convertElementType(a, d))(x), lax.convertElementType(x, d));
    const i = np.array([-5, 0, 16777217, 2147483647], "int32");
    for (const d of ["float32", "uint32", "bool"] as DType[]) compareExact(`i32->${d}`, jit((a: NDArray) => lax.convertElementType(a, d))(i), lax.convertElementType(i, d));
    const f = np.array([1, -2.5, NaN, -0], "float32");
    compareExact("bitcast f32->i32", jit((a: NDArray) => lax.bitcastConvertType(a, "int32"))(f), lax.bitcastConvertType(f, "int32"));
    compareExact("bitcast i32->u32", jit((a: NDArray) => lax.bitcastConvertType(a, "uint32"))(i), lax.bitcastConvertType(i, "uint32"));
  });

  test("fuses broadcasts, transposes, slices, iota and reductions in arbitrary layouts", () => {
    const x = np.reshape(sweep(-3, 3, 2 * 3 * 4 * 5), [2, 3, 4, 5]);
    const f = (a: NDArray) => {
      const t = np.transpose(a, [3, 1, 0, 2]);
      const s = np.flip(t, 0).slice([1, 5], ":", ":", [0, 4, 2]);
      return [np.sum(np.exp(s), [1, 3]), np.max(np.sin(a), 2), np.min(a, [0, 1, 2, 3]), np.argmax(a, 3), np.any(np.greater(a, 2.5), 1), lax.iota("int32", [7])];
    };
    const got = jit(f)(x) as NDArray[];
    const want = f(x) as NDArray[];
    compareFloat("sum exp", got[0]!, want[0]!, 8);
    compareFloat("max", got[1]!, want[1]!, 4, 1e-6);
    compareFloat("min all", got[2]!, want[2]!, 0);
    for (const k of [3, 4, 5]) compareExact(`out ${k}`, got[k]!, want[k]!);
  });

  test("long reductions use the workgroup tree and agree with float64 sums to float32 accuracy", () => {
    const n = 300000;
    const x = np.reshape(sweep(-1, 3, n), [3, n / 3]);
    const got = jit((a: NDArray) => [np.sum(a, 1), np.max(a, 1), np.sum(np.reshape(a, [n]))])(x) as NDArray[];
    const xs = x.dataSync();
    for (let r = 0; r < 3; r++) {
      let s = 0, m = -Infinity;
      for (let i = 0; i < n / 3; i++) { s += xs[r * (n / 3) + i]!; m = Math.max(m, xs[r * (n / 3) + i]!); }
      expect(Math.abs(got[0]!.dataSync()[r]! - s)).toBeLessThan(1e-5 * Math.abs(s) + 1e-3);
      expect(got[1]!.dataSync()[r]).toBe(m);
    }
    const total = Array.from(xs).reduce((a, b) => a + b, 0);
    expect(Math.abs(got[2]!.item() - total)).toBeLessThan(1e-5 * Math.abs(total) + 1e-2);
  });

  test("matmul (tiled) for plain, transposed, batched and integer operands", () => {
    const shapes: [number, number, number][] = [[1, 1, 1], [5, 7, 3], [33, 17, 40], [64, 64, 64], [100, 1, 100]];
    for (const [m, k, n] of shapes) {
      const a = np.reshape(sweep(-1, 1, m * k), [m, k]);
      const b = np.reshape(sweep(-2, 1, k * n), [k, n]);
      compareFloat(`${m}x${k}x${n}`, jit((p: NDArray, q: NDArray) => np.matmul(p, q))(a, b), np.matmul(a, b), 16, 1e-5 * k);
      compareFloat(`${m}x${k}x${n} T`, jit((p: NDArray, q: NDArray) => np.matmul(np.transpose(q), np.transpose(p)))(a, b), np.matmul(np.transpose(b), np.transpose(a)), 16, 1e-5 * k);
    }
    const A = np.reshape(sweep(-1, 1, 4 * 6 * 5), [4, 6, 5]);
    const B = np.reshape(sweep(-1, 2, 4 * 5 * 3), [4, 5, 3]);
    const bm = (p: NDArray, q: NDArray) => lax.dotGeneral(p, q, [[2], [1]], [[0], [0]]);
    compareFloat("batched", jit(bm)(A, B), bm(A, B), 16, 1e-5);
    const ia = np.reshape(np.array(Array.from({ length: 35 }, (_, i) => (i * 7919) % 201 - 100), "int32"), [5, 7]);
    const ib = np.transpose(ia);
    compareExact("int32 matmul", jit((p: NDArray, q: NDArray) => np.matmul(p, q))(ia, ib), np.matmul(ia, ib));
  });

  test("equations without a WGSL kernel run on the reference kernels with a device round trip", () => {
    const x = sweep(-2, 2, 50);
    const f = (a: NDArray) => np.exp(np.sort(lax.cumsum(np.sin(a), 0)).mul(0.1));
    const before = webgpuStats.fallbacks;
    compareFloat("cumsum+sort", jit(f)(x), f(x), 8);
    // cumsum has no WGSL kernel; sort has one (sort.ts).
    expect(webgpuStats.fallbacks - before).toBe(1);
  });

  test("batches a program's dispatches into one submit and compiles each kernel once", () => {
    const f = jit((a: NDArray, b: NDArray) => {
      const c = np.exp(a).mul(b);
      return [np.sum(c), np.matmul(np.reshape(c, [10, 10]), np.reshape(b, [10, 10])), np.tanh(c).mul(np.sum(c))];
    });
    const a = sweep(-1, 1, 100);
    const b = sweep(0, 2, 100);
    f(a, b);
    webgpuFinish();
    const s0 = webgpuFinish();
    const d0 = webgpuStats.dispatches;
    const k0 = webgpuStats.kernelsCompiled;
    const outs = f(a, b) as NDArray[];
    const s1 = webgpuFinish();
    expect(webgpuStats.kernelsCompiled).toBe(k0);
    const dispatched = webgpuStats.dispatches - d0;
    expect(dispatched).toBeGreaterThanOrEqual(3);
    expect(s1.dispatches - s0.dispatches).toBe(dispatched);
    // Uploads of the two inputs, then every dispatch: one submit (plus the finish's own).
    expect(s1.submits - s0.submits).toBeLessThanOrEqual(2);
    for (const o of outs) o.dispose();
  });

  test("a fused kernel with more inputs than the device has storage bindings packs them into one buffer", () => {
    const n = 24;
    const xs = Array.from({ length: n }, (_, i) => sweep(-1 - i, 1 + i, 37));
    const ints = np.array(Array.from({ length: 37 }, (_, i) => i - 18), "int32");
    const flags = np.array(Array.from({ length: 37 }, (_, i) => i % 3 === 0), "bool");
    const f = (...args: NDArray[]) => {
      const floats = args.slice(0, n);
      const acc = floats.reduce((a, b, i) => (i % 2 ? np.add(a, np.sin(b)) : np.add(a, b.mul(0.5))));
      return np.where(args[n + 1]!, acc.mul(lax.convertElementType(args[n]!, "float32")), acc);
    };
    compareFloat("24 inputs", jit(f)(...xs, ints, flags), f(...xs, ints, flags), 8, 1e-5);
  });

  test("threefry2x32 runs on the GPU bit-for-bit equal to the reference (random.bits / uniform under jit)", () => {
    const k = random.key(42);
    const before = webgpuStats.fallbacks;
    const bits = jit((key: NDArray) => random.bits(key, [3, 1000]))(k);
    const uni = jit((key: NDArray) => random.uniform(random.split(key, 4).slice(2), [777], { dtype: "float32" }))(k);
    expect(webgpuStats.fallbacks).toBe(before);
    compareExact("bits", bits, random.bits(k, [3, 1000]));
    compareExact("uniform", uni, random.uniform(random.split(k, 4).slice(2), [777], { dtype: "float32" }));
  });

  test("concatenate along any axis runs as one GPU kernel", () => {
    const a = np.reshape(sweep(-1, 1, 2 * 3 * 4), [2, 3, 4]);
    const b = np.reshape(sweep(2, 3, 2 * 1 * 4), [2, 1, 4]);
    const c = np.reshape(sweep(-5, 5, 2 * 5 * 4), [2, 5, 4]);
    const before = webgpuStats.fallbacks;
    for (const axis of [0, 1, 2]) {
      const parts = axis === 1 ? [a, b, c] : [a, a.mul(2)];
      compareExact(`axis ${axis}`, jit((...xs: NDArray[]) => lax.concatenate(xs, axis))(...parts), lax.concatenate(parts, axis));
    }
    compareExact("int32", jit((p: NDArray, q: NDArray) => lax.concatenate([p, q], 0))(np.array([1, 2], "int32"), np.array([3], "int32")), np.array([1, 2, 3], "int32"));
    expect(webgpuStats.fallbacks).toBe(before);
  });

  test("float64 is a clear error naming the operation and the way out", () => {
    const x = np.array([1, 2], "float64");
    expect(() => withFloat64Errors(() => jit((a: NDArray) => np.exp(a))(x))).toThrow(/webgpu: .*exp.*float64.*devicePut\(x, "wasm"\)/s);
    expect(() => devicePut(x, "webgpu")).toThrow(/float64/);
  });

  test("vmap of a fused program matches the reference", () => {
    const x = np.reshape(sweep(-2, 2, 60), [6, 10]);
    const f = (r: NDArray) => np.sum(np.tanh(r).mul(r)).div(np.max(np.abs(r)));
    compareFloat("vmap", jit(vmap(f))(x), vmap(f)(x), 8);
  });
});
