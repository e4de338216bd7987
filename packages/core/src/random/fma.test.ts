// The array-op fused multiply-add against the oracle's scalar fmaF32/fmaF64, on random operands and on
// constructed cases where rounding the float64 sum to float32 would land on the wrong side of a tie.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ConcreteArray } from "../index.js";
import { fmaF32, fmaF64 } from "./reference/index.js";
import { multiplyAdd } from "./fma.js";
import { jitCall } from "./testing.js";

const f32 = (xs: number[]) => ConcreteArray.fromData(Float32Array.from(xs), [xs.length], "float32");
const f64 = (xs: number[]) => ConcreteArray.fromData(Float64Array.from(xs), [xs.length], "float64");

function fusedF32(a: number[], b: number[], c: number[]): number[] {
  return Array.from(multiplyAdd(f32(a), f32(b), f32(c), true).dataSync());
}
function fusedF64(a: number[], b: number[], c: number[]): number[] {
  return Array.from(multiplyAdd(f64(a), f64(b), f64(c), true).dataSync());
}
const same = (x: number, y: number) => Object.is(x, y) || (Number.isNaN(x) && Number.isNaN(y));

describe("fused multiply-add, float32", () => {
  it("equals the oracle on random float32 triples (including signed zeros, infinities, subnormals)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.float(), fc.float(), fc.float()), { minLength: 1, maxLength: 40 }), (triples) => {
        const [a, b, c] = [0, 1, 2].map((k) => triples.map((t) => t[k]!));
        const got = fusedF32(a!, b!, c!);
        triples.forEach(([x, y, z], i) => {
          if (!same(got[i]!, fmaF32(x, y, z))) expect.fail(`fma(${x}, ${y}, ${z}) = ${got[i]}, oracle ${fmaF32(x, y, z)}`);
        });
      }),
      { numRuns: 200, seed: 11 },
    );
  });

  it("breaks float64 ties the way the exact sum points", () => {
    const e23 = 2 ** -23;
    const e12 = 2 ** -12;
    // a*b = 2^-24 - 2^-70 exactly; c = 1 + 2^-23: the float64 sum is the float32 midpoint 1 + 3*2^-24, and ties-to-even
    // would give 1 + 2^-22 while the exact value is below the midpoint.
    const cases: [number, number, number][] = [
      [e12 * (1 + e23), e12 * (1 - e23), 1 + e23],
      [-e12 * (1 + e23), e12 * (1 - e23), -(1 + e23)],
      [e12 * (1 + e23), -e12 * (1 - e23), 1 + 3 * e23],
    ];
    const got = fusedF32(cases.map((t) => t[0]), cases.map((t) => t[1]), cases.map((t) => t[2]));
    cases.forEach(([a, b, c], i) => {
      const doubleRounded = Math.fround(a * b + c);
      expect(got[i]).toBe(fmaF32(a, b, c));
      expect(got[i]).not.toBe(doubleRounded);
    });
    expect(got[0]).toBe(1 + e23);
  });

  it("unfused rounds twice", () => {
    const a = [0.1, 1 / 3, 7.25];
    const b = [0.7, 3, -1e-3];
    const c = [0.3, -1, 5];
    const got = Array.from(multiplyAdd(f32(a), f32(b), f32(c), false).dataSync());
    a.forEach((x, i) => expect(got[i]).toBe(Math.fround(Math.fround(Math.fround(x) * Math.fround(b[i]!)) + Math.fround(c[i]!))));
  });
});

describe("fused multiply-add, float64", () => {
  it("equals the oracle on random doubles in the polynomial's range", () => {
    const moderate = fc.double({ min: -1e10, max: 1e10, noNaN: true });
    fc.assert(
      fc.property(fc.array(fc.tuple(moderate, moderate, moderate), { minLength: 1, maxLength: 40 }), (triples) => {
        const [a, b, c] = [0, 1, 2].map((k) => triples.map((t) => t[k]!));
        const got = fusedF64(a!, b!, c!);
        triples.forEach(([x, y, z], i) => {
          if (!same(got[i]!, fmaF64(x, y, z))) expect.fail(`fma(${x}, ${y}, ${z}) = ${got[i]}, oracle ${fmaF64(x, y, z)}`);
        });
      }),
      { numRuns: 200, seed: 12 },
    );
  });

  it("non-finite operands and overflowing products fall back to a*b + c, as the oracle", () => {
    const cases: [number, number, number][] = [
      [Infinity, 1, 1], [1, -Infinity, 2], [2, 3, Infinity], [NaN, 1, 0], [1e200, 1e200, 1], [-1e200, 1e200, 5], [0, Infinity, 1], [1e300, 10, -1e300],
    ];
    const got = fusedF64(cases.map((t) => t[0]), cases.map((t) => t[1]), cases.map((t) => t[2]));
    cases.forEach(([a, b, c], i) => expect(same(got[i]!, fmaF64(a, b, c)), `fma(${a}, ${b}, ${c}) = ${got[i]}`).toBe(true));
  });

  it("is exact where the plain expression is not: (1 + 2^-30)(1 - 2^-30) - 1 = -2^-60", () => {
    const a = 1 + 2 ** -30;
    const b = 1 - 2 ** -30;
    expect(a * b - 1).toBe(0);
    expect(fusedF64([a], [b], [-1])[0]).toBe(-(2 ** -60));
  });

  it("rounds to odd in the low part: cases where the low sum is inexact", () => {
    const cases: [number, number, number][] = [];
    for (let i = 1; i < 60; i++) cases.push([1 + i * 2 ** -52, 1 + 2 ** -(i % 50 + 2), -(1 + 2 ** -(i % 7 + 1))]);
    const got = fusedF64(cases.map((t) => t[0]), cases.map((t) => t[1]), cases.map((t) => t[2]));
    cases.forEach(([a, b, c], i) => expect(got[i]).toBe(fmaF64(a, b, c)));
  });

  it("equals the oracle under heavy cancellation (c near -a*b), where the low parts decide the result", () => {
    const unitish = fc.double({ min: 0.5, max: 4, noNaN: true });
    fc.assert(
      fc.property(fc.array(fc.tuple(unitish, unitish, fc.integer({ min: -64, max: 64 }), fc.integer({ min: -60, max: -20 }), fc.boolean()), { minLength: 1, maxLength: 40 }), (rows) => {
        const a = rows.map((r) => (r[4] ? r[0] : -r[0]));
        const b = rows.map((r) => r[1]);
        // c = -round(a b) shifted by a few units at a random scale, or an exact power of two nearby.
        const c = rows.map((r, i) => -(a[i]! * b[i]!) + r[2] * 2 ** r[3]);
        const got = fusedF64(a, b, c);
        rows.forEach((_, i) => {
          if (!same(got[i]!, fmaF64(a[i]!, b[i]!, c[i]!))) expect.fail(`fma(${a[i]}, ${b[i]}, ${c[i]}) = ${got[i]}, oracle ${fmaF64(a[i]!, b[i]!, c[i]!)}`);
        });
      }),
      { numRuns: 200, seed: 13 },
    );
  });

  it("float32 ties at random scales equal the oracle (and differ from rounding the float64 sum)", () => {
    // c = M 2^q with M in [2^23, 2^24) has ulp 2^q; a b = ±2^(q-1) (1 - k^2 2^-46) puts a*b + c within k^2 2^(q-47) of
    // the midpoint next to c, so the float64 sum is that midpoint and only the TwoSum error's sign decides.
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 2 ** 23, max: 2 ** 24 - 2 }), fc.integer({ min: -140, max: 100 }), fc.integer({ min: 0, max: 3 }), fc.boolean()), { minLength: 1, maxLength: 40 }), (rows) => {
        const a: number[] = [];
        const b: number[] = [];
        const c: number[] = [];
        for (const [m, q, k, upward] of rows) {
          const q1 = Math.floor((q - 1) / 2);
          a.push((upward ? -1 : 1) * 2 ** q1 * (1 + k * 2 ** -23));
          b.push(2 ** (q - 1 - q1) * (1 - k * 2 ** -23));
          c.push((upward ? m + 1 : m) * 2 ** q);
        }
        const got = fusedF32(a, b, c);
        rows.forEach((_, i) => {
          if (!same(got[i]!, fmaF32(a[i]!, b[i]!, c[i]!))) expect.fail(`fma(${a[i]}, ${b[i]}, ${c[i]}) = ${got[i]}, oracle ${fmaF32(a[i]!, b[i]!, c[i]!)}`);
        });
        const doubleRounded = rows.map((_, i) => Math.fround(a[i]! * b[i]! + c[i]!));
        return rows.every(([m, , k, upward], i) => k === 0 || (upward ? m % 2 === 1 : m % 2 === 0) || got[i] !== doubleRounded[i]);
      }),
      { numRuns: 200, seed: 14 },
    );
  });

  it("matches under jit", () => {
    const a = f64([0.1, 1e5, -3.3]);
    const b = f64([3.7, 1e-5, 2.2]);
    const c = f64([-0.37, -1, 7.26]);
    const [out] = jitCall((x, y, z) => [multiplyAdd(x, y, z, true)], [a, b, c]);
    expect(Array.from(out!.dataSync())).toEqual([fmaF64(0.1, 3.7, -0.37), fmaF64(1e5, 1e-5, -1), fmaF64(-3.3, 2.2, 7.26)]);
  });
});
