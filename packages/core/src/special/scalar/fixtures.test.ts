// Checks every scalar special function against mpmath truth values written by scripts/fixtures/gen_special.py.
// Tolerance per case = rtol + K_COND * eps * cond, where cond is the mpmath condition number |x f'(x) / f(x)| (summed over
// arguments): an input rounded by half an ulp already moves the true value by eps * cond, so no float64 code can beat that.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as special from "./index.js";

type Encoded = number | string;
interface FixtureEntry {
  args: Encoded[][];
  expected: Encoded[];
  cond?: Encoded[];
}
const fixtures = JSON.parse(
  readFileSync(new URL("./fixtures/special.json", import.meta.url), "utf8"),
) as Record<string, FixtureEntry>;

function decode(v: Encoded): number {
  if (typeof v === "number") return v;
  if (v === "NaN") return NaN;
  if (v === "Infinity") return Infinity;
  if (v === "-Infinity") return -Infinity;
  throw new Error(`bad fixture value ${v}`);
}

const EPS = 2.220446049250313e-16;
const K_COND = 4;
const MIN_NORMAL = 2.2250738585072014e-308;

type Scalar = (...args: number[]) => number;
interface Spec {
  fn: Scalar;
  rtol: number; // relative tolerance for well-conditioned cases
}

const specs: Record<string, Spec> = {
  lgamma: { fn: special.lgamma, rtol: 2e-15 },
  gamma: { fn: special.gamma, rtol: 1e-14 },
  digamma: { fn: special.digamma, rtol: 4e-15 },
  polygamma: { fn: special.polygamma, rtol: 1e-14 },
  betaln: { fn: special.betaln, rtol: 4e-15 },
  erf: { fn: special.erf, rtol: 1e-15 },
  erfc: { fn: special.erfc, rtol: 2e-15 },
  erfcx: { fn: special.erfcx, rtol: 2e-15 },
  erfinv: { fn: special.erfinv, rtol: 1e-15 },
  erfcinv: { fn: special.erfcinv, rtol: 1e-15 },
  ndtr: { fn: special.ndtr, rtol: 2e-15 },
  logNdtr: { fn: special.logNdtr, rtol: 2e-15 },
  ndtri: { fn: special.ndtri, rtol: 1e-15 },
  gammainc: { fn: special.gammainc, rtol: 1e-14 },
  gammaincc: { fn: special.gammaincc, rtol: 1e-14 },
  gammaincDa: { fn: special.gammaincDa, rtol: 1e-12 },
  gammaincinv: { fn: special.gammaincinv, rtol: 1e-14 },
  // the continued fraction loses a few ulps per sqrt(iteration); complements near 1 cost up to ~20 more
  betainc: { fn: special.betainc, rtol: 5e-14 },
  betaincDa: { fn: special.betaincDa, rtol: 2e-12 },
  betaincDb: { fn: special.betaincDb, rtol: 2e-12 },
  betaincinv: { fn: special.betaincinv, rtol: 2e-13 },
  besselI0e: { fn: special.besselI0e, rtol: 1e-15 },
  besselI1e: { fn: special.besselI1e, rtol: 1e-15 },
};

interface Measured {
  maxRel: number; // over every case with a normal expected value
  maxRelWellConditioned: number; // over cases with cond <= 10
  worstArgs: number[];
  failures: string[];
}

function measure(name: string, spec: Spec): Measured {
  const entry = fixtures[name];
  if (!entry) throw new Error(`no fixture for ${name}`);
  const out: Measured = { maxRel: 0, maxRelWellConditioned: 0, worstArgs: [], failures: [] };
  const n = entry.expected.length;
  const args: number[] = [];
  for (let i = 0; i < n; i++) {
    args.length = 0;
    for (const column of entry.args) args.push(decode(column[i]!));
    const expected = decode(entry.expected[i]!);
    const cond = entry.cond ? decode(entry.cond[i]!) : 0;
    const got = spec.fn(...args);
    const label = `${name}(${args.join(", ")}) = ${got}, expected ${expected}`;
    if (Number.isNaN(expected)) {
      if (!Number.isNaN(got)) out.failures.push(label);
      continue;
    }
    if (!Number.isFinite(expected) || expected === 0) {
      if (got !== expected) out.failures.push(label);
      continue;
    }
    if (Math.abs(expected) < MIN_NORMAL) {
      // subnormal results carry fewer than 53 bits: compare in absolute terms
      if (Math.abs(got - expected) > 1e-3 * MIN_NORMAL) out.failures.push(label);
      continue;
    }
    const rel = Math.abs(got - expected) / Math.abs(expected);
    const allowed = spec.rtol + K_COND * EPS * (Number.isFinite(cond) ? cond : Infinity);
    if (!(rel <= allowed)) out.failures.push(`${label} (rel ${rel.toExponential(2)}, cond ${cond.toExponential(2)})`);
    if (rel > out.maxRel) {
      out.maxRel = rel;
      out.worstArgs = args.slice();
    }
    if (cond <= 10 && rel > out.maxRelWellConditioned) out.maxRelWellConditioned = rel;
  }
  return out;
}

describe("special scalar functions against mpmath fixtures", () => {
  const summary: string[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    it(`${name} within rtol ${spec.rtol} + ${K_COND} eps cond`, () => {
      const m = measure(name, spec);
      summary.push(
        `${name.padEnd(14)} n=${String(fixtures[name]!.expected.length).padStart(4)} max rel ${m.maxRel.toExponential(2)}` +
          ` (cond<=10: ${m.maxRelWellConditioned.toExponential(2)}) worst at (${m.worstArgs.join(", ")})`,
      );
      expect(m.failures.slice(0, 10)).toEqual([]);
    });
  }
  it("prints the measured accuracy table", () => {
    console.log(summary.join("\n"));
    expect(summary.length).toBe(Object.keys(specs).length);
  });
});
