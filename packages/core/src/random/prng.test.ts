// The engine's random functions against the threefry oracle (./reference), bit for bit: key, split, foldIn,
// bits, uniform and normal in float32 and float64, eagerly, under jit, and under vmap over keys
// (normals under jit on a compiling device: within a few ulp, see checkAllModes).
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { NDArray, ConcreteArray, defaultDevice, random } from "../index.js";
import * as ref from "./reference/index.js";
import { jitCall, vmapCall } from "./testing.js";

type FloatDType = "float32" | "float64";
type Sampler = (k: NDArray) => NDArray;

const SHAPES: number[][] = [[], [1], [2], [5], [7, 3], [0], [2, 0, 3], [3, 1, 5], [33]];
const SEEDS = [0, 1, 42, 1701, -1, 2 ** 31 + 5];

/** Bit patterns, so -0/+0 and NaN payloads count and floats compare exactly. */
function bitsOf(x: ArrayLike<number> | NDArray): number[] {
  const data = x instanceof NDArray ? x.dataSync() : x;
  if (data instanceof Float32Array) return Array.from(new Uint32Array(data.buffer, data.byteOffset, data.length));
  if (data instanceof Float64Array) {
    const words = new Uint32Array(data.buffer, data.byteOffset, 2 * data.length);
    return Array.from(words);
  }
  return Array.from(data as ArrayLike<number>);
}

function expectBitEqual(got: NDArray, want: ArrayLike<number>, shape: readonly number[], what: string): void {
  expect(got.shape, `${what}: shape`).toEqual(shape);
  const g = bitsOf(got);
  const w = bitsOf(want);
  expect(g.length, `${what}: length`).toBe(w.length);
  const firstMismatch = g.findIndex((v, i) => v !== w[i]);
  if (firstMismatch >= 0) expect.fail(`${what}: first mismatch at word ${firstMismatch}: got ${g[firstMismatch]}, want ${w[firstMismatch]}`);
}

function expectUlpClose(got: NDArray, want: ArrayLike<number>, shape: readonly number[], ulps: number, what: string): void {
  expect(got.shape, `${what}: shape`).toEqual(shape);
  const g = got.dataSync();
  const eps = g instanceof Float32Array ? 2 ** -23 : 2 ** -52;
  for (let i = 0; i < g.length; i++) {
    const w = want[i]!;
    if (Math.abs(g[i]! - w) > ulps * eps * Math.abs(w)) expect.fail(`${what}: element ${i}: got ${g[i]}, want ${w} (more than ${ulps} ulp apart)`);
  }
}

const keyData = (k: NDArray): Uint32Array => k.dataSync() as Uint32Array;

/** Checks a sampler eagerly, under jit, and vmapped over 4 split keys against the oracle. */
function checkAllModes(name: string, sample: Sampler, oracle: (k: Uint32Array) => ArrayLike<number>, shape: readonly number[]): void {
  for (const seed of SEEDS) {
    const k = random.key(seed);
    expectBitEqual(sample(k), oracle(keyData(k)), shape, `${name} eager seed ${seed}`);
  }
  const k = random.key(7);
  const jitted = jitCall((kk) => [sample(kk)], [k])[0]!;
  // A compiling device fuses the sampler's transcendentals (erfinv's log) into kernels with their own
  // ≤ 3-ulp approximations (backends/kernel/decompose.ts): normals agree to a few ulp there, and
  // everything built from bits alone (bits, uniform) stays bit-exact.
  if (name === "normal" && defaultDevice() !== "js") expectUlpClose(jitted, oracle(keyData(k)), shape, 4, `${name} jit`);
  else expectBitEqual(jitted, oracle(keyData(k)), shape, `${name} jit`);
  const keys = random.split(random.key(3), 4);
  const [batched] = vmapCall((kk) => [sample(kk)], [keys], [true]);
  const want: number[] = [];
  const rows = keyData(keys);
  for (let b = 0; b < 4; b++) want.push(...bitsOf(oracle(rows.slice(2 * b, 2 * b + 2))));
  expect(batched!.shape).toEqual([4, ...shape]);
  expect(bitsOf(batched!), `${name} vmap`).toEqual(want);
}

describe("key", () => {
  it("equals the oracle for integer seeds, with and without x64", () => {
    const seeds = [0, 1, -1, -3, 2 ** 31 + 100, -(2 ** 31) - 101, 2 ** 40 + 7, -(2 ** 45) + 3];
    for (const seed of seeds) {
      expect(Array.from(keyData(random.key(seed))), `seed ${seed}`).toEqual(Array.from(ref.key(seed)));
      expect(Array.from(keyData(random.key(seed, { x64: true }))), `seed ${seed} x64`).toEqual(Array.from(ref.key(seed, { x64: true })));
      expect(random.PRNGKey(seed).dtype).toBe("uint32");
    }
  });

  it("accepts traced int32 seeds (jit and vmap over seeds)", () => {
    const seeds = [0, 5, -2, 2147483647];
    const seedArray = ConcreteArray.fromData(Int32Array.from(seeds), [seeds.length], "int32");
    const [keys] = vmapCall((s) => [random.key(s)], [seedArray], [true]);
    expect(Array.from(keyData(keys!))).toEqual(seeds.flatMap((s) => Array.from(ref.key(s))));
    const [keys64] = vmapCall((s) => [random.key(s, { x64: true })], [seedArray], [true]);
    expect(Array.from(keyData(keys64!))).toEqual(seeds.flatMap((s) => Array.from(ref.key(s, { x64: true }))));
    const one = ConcreteArray.fromData(Int32Array.of(-7), [], "int32");
    expect(Array.from(keyData(jitCall((s) => [random.key(s)], [one])[0]!))).toEqual(Array.from(ref.key(-7)));
  });

  it("rejects non-integer seeds and malformed keys with a message naming the fix", () => {
    expect(() => random.key(1.5)).toThrow(/integer/);
    expect(() => random.normal(random.split(random.key(0), 3))).toThrow(/batch of keys: map over it with vmap/);
    expect(() => random.uniform(ConcreteArray.fromData(Int32Array.of(0, 1), [2], "int32"))).toThrow(/uint32 array of shape \[2\]/);
  });
});

describe("split and foldIn", () => {
  for (const num of [1, 2, 3, 4, 7, 0]) {
    it(`split(key, ${num}) -> uint32[${num}, 2]`, () => {
      checkAllModes(`split ${num}`, (k) => random.split(k, num), (k) => ref.split(k, num), [num, 2]);
    });
  }

  it("split with a shape of keys", () => {
    checkAllModes("split [2,3]", (k) => random.split(k, [2, 3]), (k) => ref.split(k, [2, 3]), [2, 3, 2]);
  });

  it("split default num is 2 and chains of splits match the oracle", () => {
    let k = random.key(11);
    let kr = ref.key(11);
    for (let i = 0; i < 5; i++) {
      const ks = random.split(k);
      const ksr = ref.split(kr);
      expect(Array.from(keyData(ks))).toEqual(Array.from(ksr));
      k = ks.slice(1);
      kr = ksr.slice(2, 4);
    }
  });

  for (const data of [0, 1, 4, 123456789, 0xffffffff, -1, -(2 ** 31)]) {
    it(`foldIn(key, ${data})`, () => {
      checkAllModes(`foldIn ${data}`, (k) => random.foldIn(k, data), (k) => ref.foldIn(k, data), [2]);
    });
  }

  it("foldIn with traced uint32 and int32 data equals the number form", () => {
    const data = [0, 3, 4000000000];
    const arr = ConcreteArray.fromData(Uint32Array.from(data), [3], "uint32");
    const k = random.key(5);
    const [out] = vmapCall((d) => [random.foldIn(k, d)], [arr], [true]);
    expect(Array.from(keyData(out!))).toEqual(data.flatMap((d) => Array.from(ref.foldIn(ref.key(5), d))));
    const neg = ConcreteArray.fromData(Int32Array.of(-5), [], "int32");
    expect(Array.from(keyData(jitCall((d) => [random.foldIn(k, d)], [neg])[0]!))).toEqual(Array.from(ref.foldIn(ref.key(5), -5)));
  });

  it("foldIn rejects out-of-range data", () => {
    expect(() => random.foldIn(random.key(0), 2 ** 32)).toThrow(/\[-2\^31, 2\^32\)/);
  });
});

describe("bits", () => {
  for (const shape of SHAPES) {
    it(`32-bit, shape [${shape}]`, () => {
      checkAllModes("bits32", (k) => random.bits(k, shape), (k) => ref.bits(k, shape, 32), shape);
    });
  }
  for (const width of [8, 16] as const) {
    for (const shape of [[3], [5], [7, 3], [0], [1], [9]]) {
      it(`${width}-bit, shape [${shape}], as uint32 values`, () => {
        checkAllModes(`bits${width}`, (k) => random.bits(k, shape, { bitWidth: width }), (k) => ref.bits(k, shape, width) as Uint8Array | Uint16Array, shape);
      });
    }
  }
  it("64-bit is refused (no 64-bit integer dtype)", () => {
    expect(() => random.bits(random.key(0), [2], { bitWidth: 64 as 32 })).toThrow(/bitWidth/);
  });
});

describe.each(["float32", "float64"] as const)("uniform and normal, %s", (dtype: FloatDType) => {
  for (const shape of SHAPES) {
    it(`uniform [0, 1), shape [${shape}]`, () => {
      checkAllModes("uniform", (k) => random.uniform(k, shape, { dtype }), (k) => ref.uniform(k, shape, dtype), shape);
    });
    it(`normal, shape [${shape}]`, () => {
      checkAllModes("normal", (k) => random.normal(k, shape, { dtype }), (k) => ref.normal(k, shape, dtype), shape);
    });
  }

  for (const fused of [true, false]) {
    it(`normal with fusedMultiplyAdd=${fused} over 4096 draws`, () => {
      const shape = [4096];
      checkAllModes("normal", (k) => random.normal(k, shape, { dtype, fusedMultiplyAdd: fused }), (k) => ref.normal(k, shape, dtype, { fusedMultiplyAdd: fused }), shape);
    });

    for (const [lo, hi] of [[-3.7, 11.2], [0.1, 0.3], [-1e-3, 5e4], [2, 2]] as const) {
      it(`uniform [${lo}, ${hi}) with fusedMultiplyAdd=${fused}`, () => {
        const shape = [1000];
        checkAllModes("uniform", (k) => random.uniform(k, shape, { dtype, minval: lo, maxval: hi, fusedMultiplyAdd: fused }), (k) => ref.uniform(k, shape, dtype, lo, hi, { fusedMultiplyAdd: fused }), shape);
      });
    }
  }

  it("uniform with array bounds broadcast against the shape equals the oracle per column", () => {
    const lows = [-2.5, 0.3, 10];
    const highs = [7.1, 0.30001, 1e3];
    const minval = ConcreteArray.fromData(Float64Array.from(lows), [3], "float64");
    const maxval = ConcreteArray.fromData(Float64Array.from(highs), [3], "float64");
    const k = random.key(9);
    const got = random.uniform(k, [4, 3], { dtype, minval, maxval }).dataSync();
    // The oracle takes scalar bounds: sample the full shape with each column's bounds and keep that column.
    for (let col = 0; col < 3; col++) {
      const want = ref.uniform(keyData(k), [4, 3], dtype, lows[col], highs[col]);
      for (let row = 0; row < 4; row++) expect(Object.is(got[row * 3 + col], want[row * 3 + col]), `(${row}, ${col})`).toBe(true);
    }
    expect(() => random.uniform(k, [4, 2], { dtype, minval })).toThrow(/broadcast/);
  });

  it("the rounding model matters: fused and unfused normals differ somewhere in 4096 draws", () => {
    const k = random.key(2024);
    const a = bitsOf(random.normal(k, [4096], { dtype }));
    const b = bitsOf(random.normal(k, [4096], { dtype, fusedMultiplyAdd: false }));
    expect(a.some((v, i) => v !== b[i])).toBe(true);
  });
});

describe("properties", () => {
  it("uniform lies in [minval, maxval) and normal is finite, for random keys (float32)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), (k0, k1) => {
        const k = ConcreteArray.fromData(Uint32Array.of(k0, k1), [2], "uint32");
        const u = random.uniform(k, [64]).dataSync();
        expect(u.every((v) => v >= 0 && v < 1)).toBe(true);
        const z = random.normal(k, [64]).dataSync();
        expect(z.every((v) => Number.isFinite(v))).toBe(true);
        expect(bitsOf(z)).toEqual(bitsOf(ref.normal(Uint32Array.of(k0, k1), [64], "float32")));
      }),
      { numRuns: 25, seed: 5 },
    );
  });

  it("published JAX values: split(key(0), 4) and foldIn(key(0), 4)", () => {
    expect(Array.from(keyData(random.split(random.key(0), 4)))).toEqual([
      2285895361, 1501764800, 1518642379, 4090693311, 433833334, 4221794875, 839183663, 3740430601,
    ]);
    expect(Array.from(keyData(random.foldIn(random.key(0), 4)))).toEqual([2285895361, 433833334]);
    expect(Array.from(random.bits(random.key(1701), [3]).dataSync())).toEqual([56197195, 4200222568, 961309823]);
  });
});
