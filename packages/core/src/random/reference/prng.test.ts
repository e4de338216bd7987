// The PRNG oracle against values JAX has published (its tests, docstrings and executed notebooks),
// plus structural properties and moment checks with a fixed key.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { nextafterF32 } from "./bits.js";
import { erfInvF32 } from "./erfinv.js";
import {
  bits,
  foldIn,
  key,
  normal,
  split,
  uniform,
  unitF32FromBits,
  unitF64FromBits,
  type KeyData,
  type SamplerOptions,
} from "./prng.js";

// Published draws are checked under both rounding models (FMA contraction on and off); see SamplerOptions.
const ROUNDING_VARIANTS: SamplerOptions[] = [{ fusedMultiplyAdd: true }, { fusedMultiplyAdd: false }];

const keyAt = (keys: Uint32Array, i: number): KeyData => keys.slice(2 * i, 2 * i + 2);

/**
 * True when `published` is what numpy prints for the float32 `actual`: either it reads back to the same
 * float32 (shortest round-trip repr) or it is `actual` rounded to `fractionDigits` decimals.
 */
function printsAs(actual: number, published: number, fractionDigits: number): boolean {
  return Math.fround(published) === actual || Math.abs(actual - published) <= 0.5 * 10 ** -fractionDigits * (1 + 1e-9);
}

function expectPrintsAs(actual: ArrayLike<number>, published: number[], fractionDigits: number): void {
  expect(actual.length).toBe(published.length);
  published.forEach((p, i) => {
    const ok = printsAs(actual[i]!, p, fractionDigits);
    if (!ok) expect.fail(`element ${i}: ${actual[i]} does not print as ${p} at ${fractionDigits} decimals`);
  });
}

/** zlib's Adler-32, which jax tests/random_test.py (RandomValuesCase._seed) uses to seed each case. */
function adler32(text: string): number {
  let a = 1;
  let b = 0;
  for (const byte of new TextEncoder().encode(text)) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return (b * 65536 + a) >>> 0;
}

describe("JAX published values: tests/random_test.py", () => {
  it("test_prng_seeds_and_keys: seed -> key data, with and without jax_enable_x64", () => {
    const int32Max = 2 ** 31 - 1;
    const int32Min = -(2 ** 31);
    const cases: [seed: number, x32: [number, number], x64: [number, number]][] = [
      [0, [0, 0], [0, 0]],
      [1, [0, 1], [0, 1]],
      [2, [0, 2], [0, 2]],
      [3, [0, 3], [0, 3]],
      [-1, [0, 4294967295], [4294967295, 4294967295]],
      [-2, [0, 4294967294], [4294967295, 4294967294]],
      [-3, [0, 4294967293], [4294967295, 4294967293]],
      [int32Max + 100, [0, 2147483747], [0, 2147483747]],
      [int32Max + 101, [0, 2147483748], [0, 2147483748]],
      [int32Min - 100, [0, 2147483548], [4294967295, 2147483548]],
      [int32Min - 101, [0, 2147483547], [4294967295, 2147483547]],
    ];
    // The -2 case is published only as np.int32 (key [0, 4294967294] in both modes); its x64 column here
    // follows the int64 rule the -1 and -3 cases publish.
    for (const [seed, x32, x64] of cases) {
      expect(Array.from(key(seed)), `seed ${seed}`).toEqual(x32);
      expect(Array.from(key(seed, { x64: true })), `seed ${seed} x64`).toEqual(x64);
    }
  });

  it("testPRNGValues: split(key(0), 4) and fold_in(key(0), 4)", () => {
    expect(Array.from(split(key(0), 4))).toEqual([
      2285895361, 1501764800, 1518642379, 4090693311, 433833334, 4221794875, 839183663, 3740430601,
    ]);
    expect(Array.from(foldIn(key(0), 4))).toEqual([2285895361, 433833334]);
  });

  it("testRngRandomBits: bits of key(1701), shape (3,), widths 8/16/32/64", () => {
    const k = key(1701);
    expect(Array.from(bits(k, [3], 8))).toEqual([216, 115, 43]);
    expect(Array.from(bits(k, [3], 16))).toEqual([41682, 1300, 55017]);
    expect(Array.from(bits(k, [3], 32))).toEqual([56197195, 4200222568, 961309823]);
    expect(Array.from(bits(k, [3], 64))).toEqual([3982329540505020460n, 16822122385914693683n, 7882654074788531506n]);
  });

  it("testRngRandomBitsViewProperty: 8-, 16- and 32-bit draws are the same bytes", () => {
    const k = key(1701);
    const n = 10;
    const as32 = (a: Uint8Array | Uint16Array | Uint32Array): number[] =>
      Array.from(new Uint32Array(a.buffer, a.byteOffset, (a.length * a.BYTES_PER_ELEMENT) / 4));
    const b32 = as32(bits(k, [(n * 64) / 32], 32));
    expect(as32(bits(k, [(n * 64) / 8], 8))).toEqual(b32);
    expect(as32(bits(k, [(n * 64) / 16], 16))).toEqual(b32);
  });

  describe("testRandomDistributionValues (threefry2x32 cases, seed = adler32(name + impl), 6 decimals)", () => {
    const seedFor = (name: string): number => adler32(`${name}threefry2x32`);

    it("bits, shape (5,)", () => {
      const k = key(seedFor("bits"));
      expect(Array.from(bits(k, [5], 8))).toEqual([10, 158, 82, 54, 158]);
      expect(Array.from(bits(k, [5], 16))).toEqual([6738, 38161, 50695, 57337, 61600]);
      expect(Array.from(bits(k, [5], 32))).toEqual([1978747883, 4134381225, 3628107870, 689687174, 2788938207]);
      expect(Array.from(bits(k, [5], 64))).toEqual([
        17649965731882839947n, 1415307058040849897n, 8282622628079774249n, 14024425113645909402n, 2012979996110532418n,
      ]);
    });

    it("uniform float32, shape (5,)", () => {
      expectPrintsAs(uniform(key(seedFor("uniform")), [5], "float32"), [0.298671, 0.073213, 0.873356, 0.260549, 0.412797], 6);
    });

    it("normal float32, shape (5,)", () => {
      const expected = [-1.173234, -1.511662, 0.070593, -0.099764, 1.052845];
      for (const rounding of ROUNDING_VARIANTS) expectPrintsAs(normal(key(seedFor("normal")), [5], "float32", rounding), expected, 6);
    });
  });
});

describe("JAX published values: docstrings (jax/_src/random/stateful_rng.py)", () => {
  // fold_in has no partitionable variant (threefry2x32.py, threefry_fold_in), so these current docstrings
  // apply to classic mode too. StatefulPRNG.key() is fold_in(key(seed), counter).
  it("StatefulPRNG.key: fold_in(key(0), 0) and fold_in(key(0), 1)", () => {
    expect(Array.from(foldIn(key(0), 0))).toEqual([1797259609, 2579123966]);
    expect(Array.from(foldIn(key(0), 1))).toEqual([928981903, 3453687069]);
  });

  it("stateful_rng example: after four draws from stateful_rng(42), keys use counters 4 and 5", () => {
    expect(Array.from(foldIn(key(42), 4))).toEqual([2954079971, 3276725750]);
    expect(Array.from(foldIn(key(42), 5))).toEqual([2765691542, 824333390]);
  });

  it("StatefulPRNG docstring: stateful_rng(42) holds key [0, 42]", () => {
    expect(Array.from(key(42))).toEqual([0, 42]);
  });
});

describe("JAX published values: executed notebooks (numpy prints 8 decimals)", () => {
  // docs/notebooks/Common_Gotchas_in_JAX.ipynb (as of jax commit 20379c6, 2024-05), cells 7zUdQMynoE5e,
  // ASj0_rSzqgGh, jbC34XLor2Ek, lEi08PJ4tfkX; notebook metadata: GPU.
  it.each(ROUNDING_VARIANTS)("Common Gotchas: key(0), split chains and normal draws (%j)", (rounding) => {
    const k0 = key(0);
    expect(Array.from(k0)).toEqual([0, 0]);
    expectPrintsAs(normal(k0, [1], "float32", rounding), [-0.20584226], 8);

    const first = split(k0);
    expect(Array.from(first)).toEqual([4146024105, 967050713, 2718843009, 1272950319]);
    expectPrintsAs(normal(keyAt(first, 1), [1], "float32", rounding), [-1.2515389], 8);

    const second = split(keyAt(first, 0));
    expect(Array.from(second)).toEqual([2384771982, 3928867769, 1278412471, 2182328957]);
    expectPrintsAs(normal(keyAt(second, 1), [1], "float32", rounding), [-0.58665055], 8);

    const four = split(keyAt(second, 0), 4);
    const draws = [1, 2, 3].map((i) => normal(keyAt(four, i), [1], "float32", rounding)[0]!);
    expectPrintsAs(draws, [-0.37533438, 0.98645043, 0.14553197], 8);
  });

  // docs/notebooks/quickstart.ipynb (jax commit a835caf, 2023-05; "pre-execute the quickstart notebook on GPU",
  // 2022-12-06), cell u0nseKZNqOoH: random.normal(PRNGKey(0), (10,)).
  it.each(ROUNDING_VARIANTS)("Quickstart: normal(key(0), (10,)) (%j)", (rounding) => {
    expectPrintsAs(
      normal(key(0), [10], "float32", rounding),
      [-0.3721109, 0.26423115, -0.18252768, -0.7368197, -0.44030377, -0.1521442, -0.67135346, -0.5908641, 0.73168886, 0.5673026],
      8,
    );
  });

  // docs/jax-101/05-random-numbers.ipynb (same commit; outputs last refreshed 2021 or earlier, backend not
  // recorded). Its keys match exactly, and so does the one normal draw from a split key. Its other normal
  // draws are not today's normal (up to 20 float32 ulp apart, e.g. -0.18471184 here vs -0.18471177). They
  // are today's pipeline with the uniform lower bound -1 instead of nextafter(-1, 0) (u shifted by 2^-24):
  // 6 of those 7 print identically and -1.2806507 is 1 ulp away. Which part of that older JAX/XLA stack
  // did this was not identified; the check records the observation at 1 ulp.
  it("JAX 101 random numbers: key(42), split, and normal draws of an older JAX (lower bound -1)", () => {
    const k42 = key(42);
    expect(Array.from(k42)).toEqual([0, 42]);
    const pair = split(k42);
    expect(Array.from(pair)).toEqual([2465931498, 3679230171, 255383827, 267815257]);
    expectPrintsAs(normal(keyAt(pair, 1), [], "float32"), [1.3694694], 8);

    const sqrt2 = Math.fround(Math.SQRT2);
    const olderNormal = (k: KeyData, shape: number[]): number[] =>
      Array.from(uniform(k, shape, "float32", -1, 1), (u) => Math.fround(sqrt2 * erfInvF32(u)));
    const three = split(k42, 3);
    const older = [
      ...olderNormal(k42, []),
      ...[0, 1, 2].map((i) => olderNormal(keyAt(three, i), [])[0]!),
      ...olderNormal(k42, [3]),
    ];
    const published = [-0.18471184, -0.04838839, 0.10796146, -1.2226542, 0.18693541, -1.2806507, -1.5593133];
    published.forEach((p, i) => {
      const ulp = nextafterF32(Math.abs(p), Infinity) - Math.abs(Math.fround(p));
      expect(Math.abs(older[i]! - p), `draw ${i}`).toBeLessThanOrEqual(ulp);
    });
    expect(printsAs(normal(k42, [], "float32")[0]!, -0.18471184, 8)).toBe(false);
  });
});

describe("structure", () => {
  it("split keys are distinct and split(key, shape) equals split(key, size)", () => {
    const keys = split(key(7), 1000);
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) seen.add(`${keys[2 * i]},${keys[2 * i + 1]}`);
    expect(seen.size).toBe(1000);
    expect(Array.from(split(key(7), [4, 5]))).toEqual(Array.from(split(key(7), 20)));
  });

  it("foldIn gives a different key for each datum, wraps negatives like uint32, and equals pair (0, m) of split(key, m)", () => {
    const k = key(3);
    const seen = new Set<string>();
    for (let d = 0; d < 1000; d++) seen.add(Array.from(foldIn(k, d)).join(","));
    expect(seen.size).toBe(1000);
    expect(Array.from(foldIn(k, -1))).toEqual(Array.from(foldIn(k, 0xffffffff)));
    // Classic split(key, m) hashes counter pairs (i, m + i); pair 0 is (0, m), fold_in's counter.
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), (m) => {
        const s = split(k, m);
        expect(Array.from(foldIn(k, m))).toEqual([s[0], s[m]]);
      }),
      { numRuns: 50 },
    );
  });

  it("bits: 32-bit draws are a prefix-stable stream, 64-bit values pair first-half and second-half words", () => {
    const k = key(11);
    const words = bits(k, [6], 32);
    const wide = bits(k, [3], 64);
    for (let i = 0; i < 3; i++) expect(wide[i]).toBe((BigInt(words[i]!) << 32n) | BigInt(words[3 + i]!));
    expect(bits(k, [2, 3], 32)).toEqual(words);
    expect(bits(k, [0], 32).length).toBe(0);
    expect(bits(k, [], 32).length).toBe(1);
  });

  it("uniform is the published bits under the mantissa trick", () => {
    const k = key(adler32("bitsthreefry2x32"));
    // Published bits (testRandomDistributionValues); the float32 draw keeps the top 23 bits, float64 the top 52.
    const b32 = [1978747883, 4134381225, 3628107870, 689687174, 2788938207];
    const b64 = [17649965731882839947n, 1415307058040849897n, 8282622628079774249n, 14024425113645909402n, 2012979996110532418n];
    expect(Array.from(uniform(k, [5], "float32"))).toEqual(b32.map((b) => Math.floor(b / 2 ** 9) / 2 ** 23));
    expect(Array.from(uniform(k, [5], "float64"))).toEqual(b64.map((b) => Number(b >> 12n) / 2 ** 52));
  });

  it("unit floats span [0, 1) and uniform stays in [minval, maxval) (minval, maxval rounded to the dtype)", () => {
    expect(unitF32FromBits(0)).toBe(0);
    expect(unitF32FromBits(0xffffffff)).toBe(1 - 2 ** -23);
    expect(unitF64FromBits(0, 0)).toBe(0);
    expect(unitF64FromBits(0xffffffff, 0xffffffff)).toBe(1 - 2 ** -52);
    const k = key(5);
    for (const fused of [false, true]) {
      const u32 = uniform(k, [20000], "float32", 0.1, 0.7, { fusedMultiplyAdd: fused });
      const lo = Math.fround(0.1);
      const hi = Math.fround(0.7);
      expect(u32.every((v) => v >= lo && v < hi)).toBe(true);
    }
    const u64 = uniform(k, [20000], "float64", -3, 5);
    expect(u64.every((v) => v >= -3 && v < 5)).toBe(true);
  });

  it("normal samples are finite in both dtypes", () => {
    expect(normal(key(9), [50000], "float32").every(Number.isFinite)).toBe(true);
    expect(normal(key(9), [50000], "float64").every(Number.isFinite)).toBe(true);
  });

  it("rejects bad seeds, keys, shapes and widths with messages naming the op", () => {
    expect(() => key(1.5)).toThrow(/random.key/);
    expect(() => key(2 ** 53)).toThrow(/random.key/);
    expect(() => split(new Uint32Array(3))).toThrow(/random.split/);
    expect(() => bits(key(0), [-1])).toThrow(/random.bits/);
    expect(() => bits(key(0), [2], 12 as 8)).toThrow(/bitWidth/);
    expect(() => foldIn(key(0), 2 ** 32)).toThrow(/random.foldIn/);
  });
});

describe("moments with a fixed key (tolerance: 5 standard errors)", () => {
  const n = 2 ** 18;

  const moments = (xs: ArrayLike<number>): { mean: number; variance: number; skew: number; exKurt: number } => {
    let mean = 0;
    for (let i = 0; i < xs.length; i++) mean += xs[i]!;
    mean /= xs.length;
    let m2 = 0;
    let m3 = 0;
    let m4 = 0;
    for (let i = 0; i < xs.length; i++) {
      const d = xs[i]! - mean;
      m2 += d * d;
      m3 += d * d * d;
      m4 += d * d * d * d;
    }
    m2 /= xs.length;
    m3 /= xs.length;
    m4 /= xs.length;
    return { mean, variance: m2, skew: m3 / m2 ** 1.5, exKurt: m4 / (m2 * m2) - 3 };
  };

  for (const dtype of ["float32", "float64"] as const) {
    it(`uniform ${dtype}: mean 1/2, variance 1/12, 16-bin chi-square`, () => {
      const xs = uniform(key(20240611), [n], dtype);
      const m = moments(xs);
      // SE(mean) = sqrt(1/12 / n); SE(variance) = sqrt((mu4 - sigma^4) / n) with mu4 = 1/80.
      expect(Math.abs(m.mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
      expect(Math.abs(m.variance - 1 / 12)).toBeLessThan(5 * Math.sqrt((1 / 80 - 1 / 144) / n));
      const counts = new Array<number>(16).fill(0);
      for (const x of xs) counts[Math.floor(x * 16)]! += 1;
      const expected = n / 16;
      const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
      // chi-square with 15 degrees of freedom: mean 15, sd sqrt(30); 15 + 5 sd is about the 0.99999 quantile.
      expect(chi2).toBeLessThan(15 + 5 * Math.sqrt(30));
    });

    it(`normal ${dtype}: mean 0, variance 1, skewness 0, excess kurtosis 0`, () => {
      const m = moments(normal(key(20240611), [n], dtype));
      expect(Math.abs(m.mean)).toBeLessThan(5 / Math.sqrt(n));
      expect(Math.abs(m.variance - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
      expect(Math.abs(m.skew)).toBeLessThan(5 * Math.sqrt(6 / n));
      expect(Math.abs(m.exKurt)).toBeLessThan(5 * Math.sqrt(24 / n));
    });
  }
});
