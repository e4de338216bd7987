// Accuracy of the XLA erfinv emulations against scipy (fixture from scripts/fixtures/random_erfinv.py),
// plus symmetry and the edge cases XLA special-cases.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { nextafterF32, nextafterF64 } from "./bits.js";
import { erfInvF32, erfInvF64, log1pF32 } from "./erfinv.js";

interface ErfInvFixture {
  source: string;
  float32: { x: number[]; erfinv: number[] };
  float64: { x: number[]; erfinv: number[] };
}
const fixture = JSON.parse(
  readFileSync(new URL("../../../../../scripts/fixtures/random_erfinv.json", import.meta.url), "utf8"),
) as ErfInvFixture;

const ulpF32 = (v: number): number => {
  const a = Math.abs(Math.fround(v));
  return nextafterF32(a, Infinity) - a;
};
const ulpF64 = (v: number): number => {
  const a = Math.abs(v);
  return nextafterF64(a, Infinity) - a;
};
// erfinv'(x) = sqrt(pi)/2 * exp(erfinv(x)^2): how much an input perturbation moves the output.
const erfInvSlope = (y: number): number => (Math.sqrt(Math.PI) / 2) * Math.exp(y * y);

/*
 * Both XLA polynomials start from -x*x rounded to the working precision, which perturbs the input by a
 * relative 2^-p (p = 24 or 53); near |x| = 1 that dominates. So the error is measured in units of
 * ulp(y) + erfinv'(x) |x| 2^-p. Giles (2011) designs both approximations to a few ulp; the bound is 3 units
 * (largest measured: 1.5 for float32, 1.9 for float64).
 */
const ERROR_UNITS = 3;

describe("erfInvF32 (XLA ErfInv for f32)", () => {
  for (const fused of [false, true]) {
    it(`agrees with scipy within ${ERROR_UNITS} units at ${fixture.float32.x.length} points (fusedMultiplyAdd=${fused})`, () => {
      let worst = 0;
      fixture.float32.x.forEach((x, i) => {
        const expected = fixture.float32.erfinv[i]!;
        const got = erfInvF32(x, { fusedMultiplyAdd: fused });
        expect(got).toBe(Math.fround(got));
        worst = Math.max(worst, Math.abs(got - expected) / (ulpF32(expected) + erfInvSlope(expected) * Math.abs(x) * 2 ** -24));
      });
      expect(worst).toBeLessThan(ERROR_UNITS);
    });
  }

  it("covers both polynomial branches (w < 5 and w >= 5)", () => {
    const w = (x: number): number => -log1pF32(Math.fround(-x * x));
    expect(fixture.float32.x.some((x) => w(x) < 5)).toBe(true);
    expect(fixture.float32.x.filter((x) => w(x) >= 5).length).toBeGreaterThan(50);
  });

  it("is odd, returns ±inf at ±1, NaN outside [-1, 1], and is finite at the normal sampler's extremes", () => {
    fc.assert(
      fc.property(fc.float({ min: -1, max: 1, noNaN: true }), (x) => {
        expect(erfInvF32(-x)).toBe(-erfInvF32(x));
      }),
    );
    expect(erfInvF32(1)).toBe(Infinity);
    expect(erfInvF32(-1)).toBe(-Infinity);
    expect(erfInvF32(0)).toBe(0);
    expect(erfInvF32(1.5)).toBeNaN();
    // u ranges over [nextafter(-1, 0), 1 - 3*2^-24] in random.normal (float32).
    expect(Number.isFinite(erfInvF32(nextafterF32(-1, 0)))).toBe(true);
    expect(Number.isFinite(erfInvF32(1 - 3 * 2 ** -24))).toBe(true);
  });
});

describe("erfInvF64 (XLA ErfInv for f64)", () => {
  for (const fused of [false, true]) {
    it(`agrees with scipy within ${ERROR_UNITS} units at ${fixture.float64.x.length} points (fusedMultiplyAdd=${fused})`, () => {
      let worst = 0;
      fixture.float64.x.forEach((x, i) => {
        const expected = fixture.float64.erfinv[i]!;
        const got = erfInvF64(x, { fusedMultiplyAdd: fused });
        worst = Math.max(worst, Math.abs(got - expected) / (ulpF64(expected) + erfInvSlope(expected) * Math.abs(x) * 2 ** -53));
      });
      expect(worst).toBeLessThan(ERROR_UNITS);
    });
  }

  it("covers all three regions (w < 6.25, 6.25 <= w < 16, w >= 16)", () => {
    const w = fixture.float64.x.map((x) => -Math.log1p(-x * x));
    expect(w.filter((v) => v < 6.25).length).toBeGreaterThan(50);
    expect(w.filter((v) => v >= 6.25 && v < 16).length).toBeGreaterThan(50);
    expect(w.filter((v) => v >= 16).length).toBeGreaterThan(50);
  });

  it("is odd with ±inf at ±1 and finite just inside", () => {
    fc.assert(
      fc.property(fc.double({ min: -1, max: 1, noNaN: true }), (x) => {
        expect(erfInvF64(-x)).toBe(-erfInvF64(x));
      }),
    );
    expect(erfInvF64(1)).toBe(Infinity);
    expect(erfInvF64(-1)).toBe(-Infinity);
    expect(Number.isFinite(erfInvF64(nextafterF64(-1, 0)))).toBe(true);
  });
});
