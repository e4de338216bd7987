// The scipy-fixture test suite for scalar distributions (shared by the continuous and discrete test files):
// every method in the fixture in float64 (tight) and float32 (loose), plus finite-difference gradient checks.
import { describe, it } from "vitest";
import { NDArray, np } from "@fluxion/core";
import { type Distribution, distributionRegistry } from "../index.js";
import { type Encoded, type Tolerance, checkGradsScaled, decode, expectClose, loadFixture } from "./helpers.js";

type Columns = Record<string, Encoded[]>;
interface Family {
  points: { params: Columns; x: Encoded[] } & Columns;
  quantile?: { params: Columns; p: Encoded[]; value: Encoded[]; slope: Encoded[] };
  stats: { params: Columns } & Columns;
}
type Ctor = new (params: Record<string, unknown>) => Distribution;

export const TIGHT: Tolerance = { rtol: 1e-10, atol: 1e-12 };
export const LOOSE: Tolerance = { rtol: 2e-3, atol: 2e-4 };

const column = (xs: readonly Encoded[]): number[] => xs.map(decode);
const fromNumbers = (xs: readonly number[], dtype: "float32" | "float64"): NDArray => np.array(xs as number[], dtype);
function paramsOf(cols: Columns, dtype: "float32" | "float64", keep?: readonly boolean[]): Record<string, NDArray> {
  const out: Record<string, NDArray> = {};
  for (const [k, v] of Object.entries(cols)) out[k] = fromNumbers(column(v).filter((_, i) => !keep || keep[i]), dtype);
  return out;
}

const POINT_METHODS = ["logProb", "cdf", "logCdf", "survivalFunction", "logSurvivalFunction"] as const;
const STAT_METHODS = ["mean", "variance", "entropy", "mode"] as const;

export interface SuiteOptions {
  /** Per distribution (fixture key) and method, a looser float64 tolerance with its reason in a comment. */
  f64Overrides?: Record<string, Partial<Record<string, Tolerance>>>;
  /** Include the value itself among the differentiated arguments (continuous laws). */
  differentiateValue: boolean;
}

/** Fixture keys are class names, optionally suffixed "@variant" (e.g. "Bernoulli@logits"). */
export function runFixtureSuite(file: string, options: SuiteOptions): void {
  const fixtures = loadFixture<Record<string, Family>>(file);
  for (const [key, fam] of Object.entries(fixtures)) {
    const name = key.split("@")[0]!;
    const cls = distributionRegistry.get(name);
    if (!cls) throw new Error(`no distribution class ${name}`);
    const Cls = cls as unknown as Ctor;
    describe(key, () => {
      for (const dtype of ["float64", "float32"] as const) {
        const wide = dtype === "float64";
        const tolFor = (method: string): Tolerance => (wide ? (options.f64Overrides?.[key]?.[method] ?? TIGHT) : LOOSE);
        it(`${dtype}: ${POINT_METHODS.filter((m) => fam.points[m]).join(", ")} at ${fam.points.x.length} points`, () => {
          const x = column(fam.points.x);
          const cdf = column(fam.points.cdf ?? fam.points.refCdf ?? x.map(() => 0.5));
          // float32: only points whose cdf is in [0.005, 0.995] (the far tails need float64 arguments).
          const keep = x.map((_, i) => wide || (cdf[i]! >= 0.005 && cdf[i]! <= 0.995));
          const d = new Cls(paramsOf(fam.points.params, dtype, keep));
          const xs = fromNumbers(x.filter((_, i) => keep[i]), dtype);
          for (const m of POINT_METHODS) {
            if (!fam.points[m]) continue;
            const want = column(fam.points[m]!).filter((_, i) => keep[i]);
            const got = (d[m] as (v: NDArray) => NDArray).call(d, xs);
            expectClose(`${key}.${m}`, got, want, tolFor(m), (i) => ` (x=${xs.dataSync()[i]})`);
          }
        });
        if (fam.quantile) {
          const q = fam.quantile;
          it(`${dtype}: quantile at ${q.p.length} probabilities`, () => {
            const p = column(q.p);
            const keep = p.map((v) => wide || (v >= 1e-3 && v <= 0.999));
            const d = new Cls(paramsOf(q.params, dtype, keep));
            const ps = fromNumbers(p.filter((_, i) => keep[i]), dtype);
            // Allowance for the rounding of p itself: 8 eps p dq/dp (the quantile's condition in the far tails).
            const slope = column(q.slope).filter((_, i) => keep[i]);
            const pk = p.filter((_, i) => keep[i]);
            const want = column(q.value).filter((_, i) => keep[i]);
            const got = d.quantile(ps).dataSync();
            const eps = wide ? 2 ** -52 : 2 ** -23;
            const base = tolFor("quantile");
            want.forEach((w, i) => {
              expectClose(`${key}.quantile`, [got[i]!], [w], { rtol: base.rtol, atol: base.atol + 8 * eps * pk[i]! * slope[i]! }, () => ` (p=${pk[i]})`);
            });
          });
        }
        const stats = STAT_METHODS.filter((m) => fam.stats[m]);
        if (stats.length) {
          it(`${dtype}: ${stats.join(", ")}`, () => {
            const d = new Cls(paramsOf(fam.stats.params, dtype));
            for (const m of stats) {
              const want = column(fam.stats[m]!);
              // Modes in the fixture come from numeric maximisation where there is no closed form (~1e-8).
              const tol = m === "mode" ? { rtol: wide ? 1e-6 : 2e-3, atol: 1e-7 } : tolFor(m);
              expectClose(`${key}.${m}`, (d[m] as () => NDArray).call(d), want, tol);
            }
          });
        }
      }
      it("logProb gradients match finite differences in float64", () => {
        const x = column(fam.points.x);
        const cdf = column(fam.points.cdf ?? fam.points.refCdf ?? x.map(() => 0.5));
        // Away from the far tails and from the median (Laplace's density has a kink there).
        const keep = x.map((_, i) => cdf[i]! >= 0.005 && cdf[i]! <= 0.995 && Math.abs(cdf[i]! - 0.5) > 1e-3);
        if (!keep.some(Boolean)) keep.fill(true);
        const params = paramsOf(fam.points.params, "float64", keep);
        const names = Object.keys(params);
        const xs = fromNumbers(x.filter((_, i) => keep[i]), "float64");
        const f = (...args: NDArray[]) => {
          const p: Record<string, NDArray> = {};
          names.forEach((n, i) => (p[n] = args[i]!));
          return new Cls(p).logProb(options.differentiateValue ? args[names.length]! : xs);
        };
        checkGradsScaled(f, [...names.map((n) => params[n]!), ...(options.differentiateValue ? [xs] : [])]);
      });
    });
  }
}
