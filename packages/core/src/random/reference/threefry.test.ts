// Known-answer tests for Threefry-2x32 (Random123 vectors, JAX's testThreefry2x32) and for the layout of
// JAX's threefry_2x32 counter wrapper.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { iotaU32, threefry2x32, threefry2x32Counts } from "./threefry.js";

const u32 = (...xs: number[]): Uint32Array => Uint32Array.from(xs, (x) => x >>> 0);

interface Kat {
  rounds: number;
  ctr: [number, number];
  key: [number, number];
  expected: [number, number];
}

// Random123 kat_vectors rows "threefry2x32 R ctr0 ctr1 key0 key1 out0 out1".
// 13 and 20 rounds: DEShawResearch/Random123-Boost libs/random/test/test_threefry.cpp, test_kat_threefry2x32.
// 32 rounds: the same kat_vectors file as quoted in an OCaml port's Alcotest suite ("from random123/tests/kat_vectors");
// the original file is not in the searchable index, so these three rest on that secondary copy.
const PI_CTR: [number, number] = [0x243f6a88, 0x85a308d3];
const PI_KEY: [number, number] = [0x13198a2e, 0x03707344];
const ONES: [number, number] = [0xffffffff, 0xffffffff];
const ZEROS: [number, number] = [0, 0];
const KATS: Kat[] = [
  { rounds: 13, ctr: ZEROS, key: ZEROS, expected: [0x9d1c5ec6, 0x8bd50731] },
  { rounds: 13, ctr: ONES, key: ONES, expected: [0xfd36d048, 0x2d17272c] },
  { rounds: 13, ctr: PI_CTR, key: PI_KEY, expected: [0xba3e4725, 0xf27d669e] },
  { rounds: 20, ctr: ZEROS, key: ZEROS, expected: [0x6b200159, 0x99ba4efe] },
  { rounds: 20, ctr: ONES, key: ONES, expected: [0x1cb996fc, 0xbb002be7] },
  { rounds: 20, ctr: PI_CTR, key: PI_KEY, expected: [0xc4923a9c, 0x483df7a0] },
  { rounds: 32, ctr: ZEROS, key: ZEROS, expected: [0xcee3d47e, 0xa23dfd5c] },
  { rounds: 32, ctr: ONES, key: ONES, expected: [0x6e2fe0d0, 0xb1b76f82] },
  { rounds: 32, ctr: PI_CTR, key: PI_KEY, expected: [0xe2827716, 0xc3c05cdf] },
];

describe("threefry2x32 block function", () => {
  for (const kat of KATS) {
    it(`Random123 KAT: ${kat.rounds} rounds, ctr ${kat.ctr.map((x) => x.toString(16)).join(" ")}`, () => {
      const [o0, o1] = threefry2x32(u32(...kat.key), u32(kat.ctr[0]), u32(kat.ctr[1]), kat.rounds);
      expect([o0[0], o1[0]]).toEqual(kat.expected);
    });
  }

  it("defaults to 20 rounds and hashes each counter pair independently", () => {
    const key = u32(...PI_KEY);
    const [o0, o1] = threefry2x32(key, u32(0, PI_CTR[0], 0xffffffff), u32(0, PI_CTR[1], 0xffffffff));
    const single = (c0: number, c1: number): number[] => {
      const [a, b] = threefry2x32(key, u32(c0), u32(c1));
      return [a[0]!, b[0]!];
    };
    expect([o0[1], o1[1]]).toEqual([0xc4923a9c, 0x483df7a0]);
    expect([o0[0], o1[0]]).toEqual(single(0, 0));
    expect([o0[2], o1[2]]).toEqual(single(0xffffffff, 0xffffffff));
  });

  it("rejects malformed keys and counters", () => {
    expect(() => threefry2x32(u32(1, 2, 3), u32(0), u32(0))).toThrow(/key must hold 2/);
    expect(() => threefry2x32(u32(1, 2), u32(0, 1), u32(0))).toThrow(/equal length/);
  });
});

describe("threefry2x32Counts (JAX threefry_2x32)", () => {
  // jax tests/random_test.py, testThreefry2x32: threefry_2x32(key, count) with a 2-word count.
  it("JAX testThreefry2x32 vectors", () => {
    expect(Array.from(threefry2x32Counts(u32(0, 0), u32(0, 0)))).toEqual([0x6b200159, 0x99ba4efe]);
    expect(Array.from(threefry2x32Counts(u32(...ONES), u32(...ONES)))).toEqual([0x1cb996fc, 0xbb002be7]);
    expect(Array.from(threefry2x32Counts(u32(...PI_KEY), u32(...PI_CTR)))).toEqual([0xc4923a9c, 0x483df7a0]);
  });

  // jax tests/random_test.py, testThreefry2x32Large (n = 10^7 there): the first half of the counts is the
  // first counter word, so n copies of each pi word give n copies of each output word.
  it("JAX testThreefry2x32Large layout, n = 4097", () => {
    const n = 4097;
    const counts = new Uint32Array(2 * n);
    counts.fill(PI_CTR[0], 0, n);
    counts.fill(PI_CTR[1], n);
    const out = threefry2x32Counts(u32(...PI_KEY), counts);
    expect(out.subarray(0, n).every((x) => x === 0xc4923a9c)).toBe(true);
    expect(out.subarray(n).every((x) => x === 0x483df7a0)).toBe(true);
  });

  it("JAX testThreefry2x32Empty: no counts, no output", () => {
    expect(threefry2x32Counts(u32(...PI_KEY), new Uint32Array(0)).length).toBe(0);
  });

  it("pads odd lengths with a zero counter word and drops the padded output", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.uint32Array({ minLength: 1, maxLength: 41 }),
        (k0, k1, counts) => {
          const key = u32(k0, k1);
          const n = counts.length;
          const half = Math.ceil(n / 2);
          const out = threefry2x32Counts(key, counts);
          expect(out.length).toBe(n);
          for (let i = 0; i < half; i++) {
            const c1 = i + half < n ? counts[i + half]! : 0;
            const [a, b] = threefry2x32(key, u32(counts[i]!), u32(c1));
            expect(out[i]).toBe(a[0]);
            if (i + half < n) expect(out[i + half]).toBe(b[0]);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("iotaU32 counts from zero", () => {
    expect(Array.from(iotaU32(5))).toEqual([0, 1, 2, 3, 4]);
    expect(() => iotaU32(-1)).toThrow(RangeError);
  });
});
