// Identity, inverse-property, finite-difference and edge-case checks for the scalar special functions.
// These need no fixture: each compares one implementation against another route to the same number.
import { describe, expect, it } from "vitest";
import * as s from "./index.js";

const EPS = 2.220446049250313e-16;

function relErr(got: number, want: number): number {
  if (got === want) return 0;
  return Math.abs(got - want) / Math.abs(want);
}

/** Deterministic points spread over [lo, hi] on a log scale. */
function logGrid(lo: number, hi: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Math.exp(Math.log(lo) + ((Math.log(hi) - Math.log(lo)) * i) / (n - 1)));
  return out;
}

/** Richardson-extrapolated central difference (two steps), error O(h^4), used as the derivative oracle. */
function richardson(f: (v: number) => number, v: number, h: number): number {
  const d1 = (f(v + h) - f(v - h)) / (2 * h);
  const d2 = (f(v + h / 2) - f(v - h / 2)) / h;
  return (4 * d2 - d1) / 3;
}

describe("symmetries and complements", () => {
  it("erf is odd and erf + erfc = 1", () => {
    for (const x of [...logGrid(1e-10, 6, 60)]) {
      expect(s.erf(-x)).toBe(-s.erf(x));
      expect(Math.abs(s.erf(x) + s.erfc(x) - 1)).toBeLessThanOrEqual(2 * EPS);
      expect(relErr(s.erfc(-x), 2 - s.erfc(x))).toBeLessThanOrEqual(2 * EPS);
    }
  });

  it("P + Q = 1 for the incomplete gamma over a wide grid", () => {
    for (const a of logGrid(1e-3, 1e5, 25)) {
      for (const f of [0.01, 0.3, 0.8, 1, 1.2, 3, 10]) {
        const x = a * f;
        expect(Math.abs(s.gammainc(a, x) + s.gammaincc(a, x) - 1)).toBeLessThanOrEqual(4 * EPS);
      }
    }
  });

  it("betainc(a, b, x) = 1 - betainc(b, a, 1 - x)", () => {
    for (const a of [0.05, 0.7, 2, 9, 40, 300]) {
      for (const b of [0.05, 1, 3.5, 25, 800]) {
        for (const x of [0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999]) {
          const lhs = s.betainc(a, b, x);
          const rhs = 1 - s.betainc(b, a, 1 - x);
          // 1 - x is rounded when x < 1/2: that moves the value by up to density * ulp(1)/2
          const density = Math.exp((a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x) - s.betaln(a, b));
          expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(4e-14 + (x < 0.5 ? density * EPS : 0));
        }
      }
    }
  });

  it("lgamma satisfies the recurrence lgamma(x + 1) = lgamma(x) + log x", () => {
    for (const x of [...logGrid(1e-3, 1e6, 50), -0.3, -2.7, -10.2]) {
      const lhs = s.lgamma(x + 1);
      const rhs = s.lgamma(x) + Math.log(Math.abs(x));
      expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-14 * Math.max(1, Math.abs(lhs)));
    }
  });

  it("digamma recurrence and reflection", () => {
    for (const x of [...logGrid(1e-3, 1e4, 40), -0.3, -2.7, -10.2]) {
      expect(Math.abs(s.digamma(x + 1) - s.digamma(x) - 1 / x)).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(1 / x)));
    }
  });

  it("log-domain helpers agree with direct formulas where those are exact enough", () => {
    for (const x of [1e-3, 0.1, 0.5, 0.69, 0.7, 2]) {
      expect(relErr(s.log1mexp(x), Math.log(1 - Math.exp(-x)))).toBeLessThanOrEqual(1e-12);
    }
    expect(relErr(s.log1mexp(1e-20), Math.log(1e-20))).toBeLessThanOrEqual(EPS);
    expect(relErr(s.log1mexp(50), -Math.exp(-50))).toBeLessThanOrEqual(EPS);
    for (const x of [0.5, 5, 20, 40, 800]) {
      // softplus(x) - softplus(-x) = x exactly, and softplus(-x) ~ e^-x (1 - e^-x / 2) for large x
      expect(relErr(s.log1pexp(x), x + s.log1pexp(-x))).toBeLessThanOrEqual(EPS);
      if (x >= 20) expect(relErr(s.log1pexp(-x), Math.exp(-x) * (1 - Math.exp(-x) / 2))).toBeLessThanOrEqual(EPS);
    }
    expect(relErr(s.log1pexp(0), Math.LN2)).toBeLessThanOrEqual(EPS);
    expect(s.logAddExp(1000, 1000)).toBe(1000 + Math.LN2);
    expect(relErr(s.logAddExp(-1000, -1001), -1000 + Math.log1p(Math.exp(-1)))).toBeLessThanOrEqual(EPS);
    expect(s.logAddExp(-Infinity, 3)).toBe(3);
    expect(s.logAddExp(-Infinity, -Infinity)).toBe(-Infinity);
    expect(s.logAddExp(Infinity, -Infinity)).toBe(Infinity);
  });
});

describe("inverse properties", () => {
  it("ndtri(ndtr(x)) = x and erfinv(erf(x)) = x", () => {
    for (const x of [-37, -20, -5, -1, -0.1, 0.001, 0.3, 2, 7]) {
      const p = s.ndtr(x);
      // the inverse of a rounded p is accurate to eps/|x ndtri'(p)| ~ eps * p / (x phi(x))
      const cond = Math.abs(p / (x * Math.exp(-0.5 * x * x) * 0.3989422804014327));
      expect(relErr(s.ndtri(p), x)).toBeLessThanOrEqual(4 * EPS * Math.max(1, cond));
    }
    for (const x of [1e-300, 1e-5, 0.2, 0.9, 2, 3]) {
      const y = s.erf(x);
      const cond = Math.abs(y / (x * 1.1283791670955126 * Math.exp(-x * x)));
      expect(relErr(s.erfinv(y), x)).toBeLessThanOrEqual(4 * EPS * Math.max(1, cond));
    }
    for (const q of [1e-300, 1e-100, 1e-10, 0.3, 1.7]) expect(relErr(s.erfc(s.erfcinv(q)), q)).toBeLessThanOrEqual(1e-13);
  });

  it("gammainc(a, gammaincinv(a, p)) = p and gammaincc(a, gammainccinv(a, q)) = q", () => {
    for (const a of logGrid(1e-3, 1e6, 19)) {
      for (const p of [1e-300, 1e-50, 1e-8, 0.01, 0.2, 0.5, 0.8, 0.99, 1 - 1e-9]) {
        const x = s.gammaincinv(a, p);
        if (x === 0) {
          // underflow: x = (p Gamma(a + 1))^(1/a) is below the smallest double
          expect((Math.log(p) + s.lgamma1p(a)) / a).toBeLessThan(-744);
          continue;
        }
        // forward error of P at the root plus the rounding of x (|x P'(x) / P| eps)
        const slope = s.gammaPrefix(a, x);
        const tail = p <= 0.5 ? p : 1 - p;
        const got = p <= 0.5 ? s.gammainc(a, x) : s.gammaincc(a, x);
        expect(Math.abs(got - tail) / tail).toBeLessThanOrEqual(1e-13 + 4 * EPS * (slope / tail));
        const xq = s.gammainccinv(a, p);
        if (xq === 0) {
          expect((Math.log1p(-p) + s.lgamma1p(a)) / a).toBeLessThan(-744);
          continue;
        }
        const gotQ = p <= 0.5 ? s.gammaincc(a, xq) : s.gammainc(a, xq);
        expect(Math.abs(gotQ - tail) / tail).toBeLessThanOrEqual(1e-13 + 4 * EPS * (s.gammaPrefix(a, xq) / tail));
      }
    }
  });

  it("betainc(a, b, betaincinv(a, b, p)) = p", () => {
    for (const a of [0.02, 0.3, 1, 4, 60, 2000]) {
      for (const b of [0.05, 1, 7, 300, 5000]) {
        for (const p of [1e-200, 1e-12, 0.01, 0.3, 0.5, 0.77, 0.999]) {
          const x = s.betaincinv(a, b, p);
          expect(x >= 0 && x <= 1).toBe(true);
          if (x === 0 || x === 1) {
            // the root is not representable: its power-law tail estimate must lie beyond the double range
            const logEdge =
              p <= 0.5 ? (Math.log(p) + Math.log(a) + s.betaln(a, b)) / a : (Math.log1p(-p) + Math.log(b) + s.betaln(a, b)) / b;
            expect(logEdge).toBeLessThan(p <= 0.5 ? -700 : -36);
            continue;
          }
          const tail = p <= 0.5 ? p : 1 - p;
          const got = p <= 0.5 ? s.betainc(a, b, x) : 1 - s.betainc(a, b, x); // 1 - x would round x away
          // x is rounded to a double: allow the slope x(1-x) f(x) * eps / tail, f the Beta density
          const density = Math.exp((a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x) - s.betaln(a, b));
          const slack = (4 * EPS * density * x * Math.max(x, 1 - x)) / tail;
          expect(Math.abs(got - tail) / tail).toBeLessThanOrEqual(1e-12 + slack);
        }
      }
    }
  });
});

describe("shape derivatives against Richardson-extrapolated differences of the functions themselves", () => {
  it("gammaincDa", () => {
    for (const a of [0.01, 0.4, 1.3, 7, 19, 21, 150, 3000]) {
      for (const f of [0.05, 0.5, 0.9, 1, 1.1, 2, 4]) {
        const x = a * f + 0.01;
        const h = 1e-3 * Math.min(a, 1) * Math.max(1, Math.sqrt(a));
        const fd = richardson((v) => s.gammainc(v, x), a, h);
        const got = s.gammaincDa(a, x);
        expect(Math.abs(got - fd)).toBeLessThanOrEqual(1e-8 * Math.abs(fd) + 1e-14);
      }
    }
  });

  it("betaincDa and betaincDb", () => {
    for (const a of [0.05, 0.8, 3, 30, 400]) {
      for (const b of [0.1, 2, 15, 600]) {
        for (const x of [0.01, 0.2, 0.5, 0.8, 0.97]) {
          const ha = 1e-3 * Math.min(a, 1) * Math.max(1, Math.sqrt(a));
          const hb = 1e-3 * Math.min(b, 1) * Math.max(1, Math.sqrt(b));
          const fa = richardson((v) => s.betainc(v, b, x), a, ha);
          const fb = richardson((v) => s.betainc(a, v, x), b, hb);
          // differences of values near 1 carry ~eps/h of noise, hence the absolute floor
          expect(Math.abs(s.betaincDa(a, b, x) - fa)).toBeLessThanOrEqual(1e-7 * Math.abs(fa) + 1e-11);
          expect(Math.abs(s.betaincDb(a, b, x) - fb)).toBeLessThanOrEqual(1e-7 * Math.abs(fb) + 1e-11);
        }
      }
    }
  });
});

describe("edge cases follow scipy.special", () => {
  it("NaN in, NaN out", () => {
    const unary = [s.lgamma, s.gamma, s.digamma, s.erf, s.erfc, s.erfcx, s.erfinv, s.erfcinv, s.ndtr, s.ndtri, s.logNdtr,
      s.besselI0e, s.besselI1e, s.log1mexp, s.log1pexp, s.gammaSign];
    for (const f of unary) expect(f(NaN)).toBeNaN();
    const binary = [s.gammainc, s.gammaincc, s.gammaincinv, s.gammainccinv, s.gammaincDa, s.betaln, s.polygamma, s.logAddExp];
    for (const f of binary) {
      expect(f(NaN, 1)).toBeNaN();
      expect(f(1, NaN)).toBeNaN();
    }
    for (const f of [s.betainc, s.betaincinv, s.betaincDa, s.betaincDb]) {
      expect(f(NaN, 1, 0.5)).toBeNaN();
      expect(f(1, NaN, 0.5)).toBeNaN();
      expect(f(1, 1, NaN)).toBeNaN();
    }
  });

  it("gamma-family poles and signs", () => {
    expect(s.lgamma(0)).toBe(Infinity);
    expect(s.lgamma(-3)).toBe(Infinity);
    expect(s.lgamma(Infinity)).toBe(Infinity);
    expect(s.gammaSign(0)).toBe(1);
    expect(s.gammaSign(-0)).toBe(-1);
    expect(s.gammaSign(-1)).toBeNaN();
    expect(s.gammaSign(-1.5)).toBe(1);
    expect(s.gammaSign(-0.5)).toBe(-1);
    expect(s.digamma(0)).toBe(-Infinity);
    expect(s.digamma(-0)).toBe(Infinity);
    expect(s.digamma(-2)).toBeNaN();
    expect(s.digamma(Infinity)).toBe(Infinity);
    expect(s.polygamma(1, 0)).toBe(Infinity);
    expect(s.polygamma(2, 0)).toBe(-Infinity);
    expect(s.polygamma(1, -1)).toBe(Infinity);
    expect(s.polygamma(1.5, 2)).toBeNaN();
    expect(s.polygamma(1, Infinity)).toBe(0);
    expect(s.polygamma(0, 3)).toBe(s.digamma(3));
  });

  it("error-function limits", () => {
    expect(s.erf(Infinity)).toBe(1);
    expect(s.erf(-Infinity)).toBe(-1);
    expect(s.erfc(Infinity)).toBe(0);
    expect(s.erfc(-Infinity)).toBe(2);
    expect(s.erfcx(Infinity)).toBe(0);
    expect(s.erfcx(-30)).toBe(Infinity);
    expect(s.erfinv(1)).toBe(Infinity);
    expect(s.erfinv(-1)).toBe(-Infinity);
    expect(s.erfinv(1.5)).toBeNaN();
    expect(Object.is(s.erfinv(-0), -0)).toBe(true);
    expect(s.ndtri(0)).toBe(-Infinity);
    expect(s.ndtri(1)).toBe(Infinity);
    expect(s.ndtri(-0.1)).toBeNaN();
    expect(s.ndtr(-Infinity)).toBe(0);
    expect(s.ndtr(Infinity)).toBe(1);
    expect(s.logNdtr(-Infinity)).toBe(-Infinity);
    expect(s.logNdtr(Infinity) === 0).toBe(true); // -0 like scipy
  });

  it("incomplete gamma domain", () => {
    expect(s.gammainc(0, 1)).toBe(1);
    expect(s.gammaincc(0, 1)).toBe(0);
    expect(s.gammainc(0, 0)).toBeNaN();
    expect(s.gammainc(-1, 1)).toBeNaN();
    expect(s.gammainc(1, -1)).toBeNaN();
    expect(s.gammainc(1, 0)).toBe(0);
    expect(s.gammaincc(1, 0)).toBe(1);
    expect(s.gammainc(1, Infinity)).toBe(1);
    expect(s.gammainc(Infinity, 1)).toBe(0);
    expect(s.gammaincinv(1, 0)).toBe(0);
    expect(s.gammaincinv(1, 1)).toBe(Infinity);
    expect(s.gammaincinv(0, 0.5)).toBeNaN();
    expect(s.gammaincinv(2, 1.5)).toBeNaN();
    expect(s.gammainccinv(2, 0)).toBe(Infinity);
    expect(s.gammainccinv(2, 1)).toBe(0);
    expect(s.gammaincDa(0, 1)).toBeNaN();
    expect(s.gammaincDa(2, 0)).toBe(0);
    // closed forms: P(1, x) = 1 - e^-x, P(1/2, x) = erf(sqrt x)
    for (const x of [1e-8, 0.3, 2, 40]) {
      expect(relErr(s.gammainc(1, x), -Math.expm1(-x))).toBeLessThanOrEqual(4 * EPS);
      expect(relErr(s.gammainc(0.5, x), s.erf(Math.sqrt(x)))).toBeLessThanOrEqual(1e-14);
    }
  });

  it("incomplete beta domain", () => {
    expect(s.betainc(0, 1, 0.5)).toBe(1);
    expect(s.betainc(1, 0, 0.5)).toBe(0);
    expect(s.betainc(0, 0, 0.5)).toBeNaN();
    expect(s.betainc(1, 1, 0)).toBe(0);
    expect(s.betainc(1, 1, 1)).toBe(1);
    expect(s.betainc(1, 1, 1.5)).toBeNaN();
    expect(s.betainc(-1, 1, 0.5)).toBeNaN();
    expect(s.betaincinv(2, 3, 0)).toBe(0);
    expect(s.betaincinv(2, 3, 1)).toBe(1);
    expect(s.betaincinv(0, 3, 0.5)).toBeNaN();
    // closed forms: I_x(a, 1) = x^a, I_x(1, b) = 1 - (1 - x)^b
    for (const x of [1e-9, 0.2, 0.7, 0.999]) {
      expect(relErr(s.betainc(2.5, 1, x), Math.pow(x, 2.5))).toBeLessThanOrEqual(1e-14);
      expect(relErr(s.betainc(1, 3.5, x), -Math.expm1(3.5 * Math.log1p(-x)))).toBeLessThanOrEqual(1e-14);
    }
  });

  it("Bessel and log helpers at the ends", () => {
    expect(s.besselI0e(0)).toBe(1);
    expect(s.besselI1e(0)).toBe(0);
    expect(s.besselI0e(Infinity)).toBe(0);
    expect(s.besselI1e(-3)).toBe(-s.besselI1e(3));
    expect(s.log1mexp(0)).toBe(-Infinity);
    expect(s.log1mexp(-1)).toBeNaN();
    expect(s.log1mexp(Infinity) === 0).toBe(true);
    expect(s.log1pexp(-Infinity)).toBe(0);
    expect(s.log1pexp(Infinity)).toBe(Infinity);
  });
});
