// Tests for the bit helpers: rotations against BigInt arithmetic, bitcasts against IEEE-754 patterns,
// neighbours, and the float32 FMA against an exact BigInt oracle.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  addU32,
  bitsToF32,
  bitsToF64,
  f32ToBits,
  f64ToBits,
  fmaF32,
  fmaF64,
  mulAddF32,
  nextafterF32,
  nextafterF64,
  rotl32,
} from "./bits.js";

function rotlBig(x: number, r: number): number {
  const v = BigInt(x);
  const s = BigInt(r % 32);
  return Number(((v << s) | (v >> ((32n - s) % 32n))) & 0xffffffffn);
}

// Exact oracle: every finite float32 is an integer multiple of 2^-149, so a*b + c is an exact integer
// multiple of 2^-298; the answer is whichever float32 neighbour of an approximation is nearest (ties to even).
function exactFmaF32(a: number, b: number, c: number): number {
  const scaled = (x: number): bigint => BigInt(x * 2 ** 149);
  const exact = scaled(a) * scaled(b) + (scaled(c) << 149n);
  // An exact zero keeps IEEE's sign rule for sums: -0 only when the product and c are both -0
  // (the bigint arithmetic above has no signed zero, which an unseeded run once tripped over).
  if (exact === 0n) return Object.is(a * b, -0) && Object.is(c, -0) ? -0 : 0;
  const approx = Math.fround(Number(exact) / 2 ** 298);
  const bitsOf = f32ToBits(approx);
  const candidates = [approx, bitsToF32(bitsOf + 1), bitsToF32(bitsOf - 1)].filter(Number.isFinite);
  if (approx === 0) candidates.push(bitsToF32(1), bitsToF32(0x80000001));
  let best = candidates[0]!;
  let bestDistance = -1n;
  for (const candidate of candidates) {
    const diff = exact - (scaled(candidate) << 149n);
    const distance = diff < 0n ? -diff : diff;
    const better =
      bestDistance < 0n || distance < bestDistance || (distance === bestDistance && (f32ToBits(candidate) & 1) === 0);
    if (better) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

describe("rotl32 / addU32", () => {
  it("match BigInt rotation and modular addition", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 31 }), (x, r) => {
        expect(rotl32(x, r)).toBe(rotlBig(x, r));
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), (a, b) => {
        expect(addU32(a, b)).toBe(Number((BigInt(a) + BigInt(b)) % 2n ** 32n));
      }),
    );
    expect(rotl32(0x80000001, 1)).toBe(0x00000003);
    expect(rotl32(0x12345678, 0)).toBe(0x12345678);
  });
});

describe("float bitcasts", () => {
  it("reproduce IEEE-754 binary32 and binary64 patterns", () => {
    expect(f32ToBits(1)).toBe(0x3f800000);
    expect(f32ToBits(-2)).toBe(0xc0000000);
    expect(f32ToBits(Infinity)).toBe(0x7f800000);
    expect(bitsToF32(0x3f800000)).toBe(1);
    expect(bitsToF32(1)).toBe(2 ** -149);
    expect(f64ToBits(1)).toEqual([0x3ff00000, 0]);
    expect(f64ToBits(Math.PI)).toEqual([0x400921fb, 0x54442d18]);
    expect(bitsToF64(0x400921fb, 0x54442d18)).toBe(Math.PI);
    expect(bitsToF64(0, 1)).toBe(Number.MIN_VALUE);
  });

  it("round-trip every float32 pattern sampled", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (bits) => {
        const value = bitsToF32(bits);
        if (!Number.isNaN(value)) expect(f32ToBits(value)).toBe(bits);
      }),
    );
  });
});

describe("nextafterF32 / nextafterF64", () => {
  it("step to the adjacent representable value", () => {
    expect(f32ToBits(nextafterF32(-1, 0))).toBe(0xbf7fffff);
    expect(nextafterF32(-1, 0)).toBe(-(1 - 2 ** -24));
    expect(nextafterF32(1, 2)).toBe(1 + 2 ** -23);
    expect(nextafterF32(0, 1)).toBe(2 ** -149);
    expect(nextafterF32(0, -1)).toBe(-(2 ** -149));
    expect(nextafterF32(2 ** -149, 0)).toBe(0);
    expect(nextafterF32(bitsToF32(0x7f7fffff), Infinity)).toBe(Infinity);
    expect(nextafterF32(3, 3)).toBe(3);
    expect(nextafterF32(NaN, 0)).toBeNaN();
    expect(nextafterF64(-1, 0)).toBe(-1 + 2 ** -53);
    expect(nextafterF64(1, 2)).toBe(1 + Number.EPSILON);
    expect(nextafterF64(0, -1)).toBe(-Number.MIN_VALUE);
    expect(nextafterF64(2 ** 20, 0)).toBe(2 ** 20 - 2 ** (20 - 53));
  });
});

describe("fmaF32", () => {
  it("equals the exactly rounded a*b + c", () => {
    const f = fc.float({ min: Math.fround(-1e12), max: Math.fround(1e12), noNaN: true, noDefaultInfinity: true });
    fc.assert(
      fc.property(f, f, f, (a, b, c) => {
        expect(fmaF32(a, b, c)).toBe(exactFmaF32(a, b, c));
      }),
      { numRuns: 2000, seed: 20261121 },
    );
  });

  it("keeps the sign of exact zeros", () => {
    expect(Object.is(fmaF32(-0, 1, -0), -0)).toBe(true);
    expect(Object.is(fmaF32(0, -1, -0), -0)).toBe(true);
    expect(Object.is(fmaF32(-0, -1, -0), 0)).toBe(true);
    expect(Object.is(fmaF32(2, 3, -6), 0)).toBe(true);
    expect(Object.is(fmaF32(-0, 1, 0), 0)).toBe(true);
    const zeroHeavy = fc.oneof(fc.constantFrom(0, -0, 1, -1, 2, -2), fc.float({ min: -4, max: 4, noNaN: true }));
    fc.assert(fc.property(zeroHeavy, zeroHeavy, zeroHeavy, (a, b, c) => {
      expect(fmaF32(a, b, c)).toBe(exactFmaF32(a, b, c));
    }), { numRuns: 3000, seed: 20261122 });
  });

  it("breaks float32 ties by the low-order part that a double sum drops", () => {
    // (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24: the 2^-24 is half a float32 ulp of 1, a tie.
    const a = 1 + 2 ** -12;
    const cases: [number, number][] = [
      [2 ** -60, 1 + 2 ** -11 + 2 ** -23],
      [-(2 ** -60), 1 + 2 ** -11],
      [0, 1 + 2 ** -11],
    ];
    for (const [c, expected] of cases) {
      expect(fmaF32(a, a, c)).toBe(expected);
      expect(exactFmaF32(a, a, c)).toBe(expected);
    }
    // The two-rounding version ties to even and ignores the tiny addend.
    expect(mulAddF32(a, a, 2 ** -60)).toBe(1 + 2 ** -11);
  });
});

// Exact oracle for binary64: every finite double is an integer multiple of 2^-1074.
function scaledF64(x: number): bigint {
  const [hi, lo] = f64ToBits(x);
  const biased = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exponent = -1074;
  if (biased !== 0) {
    mantissa |= 1n << 52n;
    exponent = biased - 1075;
  }
  const magnitude = mantissa << BigInt(exponent + 2148); // x * 2^2148
  return hi >>> 31 === 1 ? -magnitude : magnitude;
}

function exactFmaF64(a: number, b: number, c: number): number {
  // The product is scaled by 2^4296; bring c to the same scale.
  const total = scaledF64(a) * scaledF64(b) + scaledF64(c) * 2n ** 2148n;
  if (total === 0n) return 0;
  const negative = total < 0n;
  const magnitude = negative ? -total : total;
  const bitLength = magnitude.toString(2).length;
  const shift = bitLength - 64;
  const top = Number(magnitude >> BigInt(shift));
  // top * 2^(shift - 4296), split so that no intermediate power of two overflows.
  const e = shift - 4296;
  let approx = top * 2 ** Math.trunc(e / 2) * 2 ** (e - Math.trunc(e / 2));
  if (negative) approx = -approx;
  let best = approx;
  let bestDistance = -1n;
  let candidate = approx;
  for (let step = 0; step < 2; step++) candidate = nextafterF64(candidate, -Infinity);
  for (let k = 0; k < 5; k++) {
    const diff = total - scaledF64(candidate) * 2n ** 2148n;
    const distance = diff < 0n ? -diff : diff;
    if (bestDistance < 0n || distance < bestDistance || (distance === bestDistance && (f64ToBits(candidate)[1] & 1) === 0)) {
      best = candidate;
      bestDistance = distance;
    }
    candidate = nextafterF64(candidate, Infinity);
  }
  return best;
}

describe("fmaF64", () => {
  it("equals the exactly rounded a*b + c away from overflow and underflow", () => {
    const moderate = fc
      .double({ min: -1e100, max: 1e100, noNaN: true })
      .filter((x) => x === 0 || Math.abs(x) > 1e-100);
    fc.assert(
      fc.property(moderate, moderate, moderate, (a, b, c) => {
        expect(fmaF64(a, b, c)).toBe(exactFmaF64(a, b, c));
      }),
      { numRuns: 1000, seed: 20261121 },
    );
  });

  it("recovers low-order bits that a double product loses", () => {
    // (1 + 2^-30)^2 = 1 + 2^-29 + 2^-60; the 2^-60 survives only in a fused evaluation.
    const a = 1 + 2 ** -30;
    expect(fmaF64(a, a, -(1 + 2 ** -29))).toBe(2 ** -60);
    expect(a * a - (1 + 2 ** -29)).toBe(0);
    // (1 + 2^-26)(1 + 2^-27) = 1 + 2^-26 + 2^-27 + 2^-53: a binary64 tie that a tiny addend must break.
    const x = 1 + 2 ** -26;
    const y = 1 + 2 ** -27;
    const below = 1 + 2 ** -26 + 2 ** -27;
    const above = below + 2 ** -52;
    expect(fmaF64(x, y, 2 ** -100)).toBe(above);
    expect(exactFmaF64(x, y, 2 ** -100)).toBe(above);
    expect(fmaF64(x, y, -(2 ** -100))).toBe(below);
    expect(fmaF64(x, y, 0)).toBe(below);
    expect(x * y + 2 ** -100).toBe(below);
  });
});
