// Vector- and matrix-valued distributions (categorical family, multinomials, multivariate normal and t, Dirichlet,
// WishartTriL, LKJ, CholeskyLKJ) against scipy / closed-form fixtures with a batch axis: logProb (and cdf), mean, variance, covariance, entropy, mode in float64
// (1e-10) and float32 (loose); logProb gradients by finite differences.
import { describe, expect, it } from "vitest";
import { NDArray, np } from "@fluxion/core";
import { type Distribution, distributionRegistry } from "./index.js";
import { type Encoded, type Tolerance, checkGradsScaled, decode, expectClose, loadFixture } from "./testing/helpers.js";

type Nested = Encoded | Nested[];
interface Case {
  name: string;
  variant?: string;
  params: Record<string, Nested>;
  options?: Record<string, number | boolean>;
  x: Nested;
  [method: string]: Nested | Record<string, Nested> | Record<string, number | boolean> | string | undefined;
}
const CASES = loadFixture<Case[]>("multivariate.json");
type Ctor = new (params: Record<string, unknown>) => Distribution;

const flat = (v: Nested): number[] => (Array.isArray(v) ? v.flatMap(flat) : [decode(v)]);
function shapeOf(v: Nested): number[] {
  const s: number[] = [];
  let cur: Nested = v;
  while (Array.isArray(cur)) {
    s.push(cur.length);
    cur = cur[0]!;
  }
  return s;
}
const toArray = (v: Nested, dtype: "float32" | "float64"): NDArray => np.reshape(np.array(flat(v), dtype), shapeOf(v));

const DISCRETE = new Set(["Categorical", "OneHotCategorical", "Multinomial", "DirichletMultinomial"]);
const METHODS = ["logProb", "cdf"] as const;
const STATS = ["mean", "variance", "stddev", "covariance", "entropy", "mode"] as const;
const TIGHT: Tolerance = { rtol: 1e-10, atol: 1e-12 };
const LOOSE: Tolerance = { rtol: 2e-3, atol: 2e-4 };

describe("multivariate fixtures", () => {
  for (const c of CASES) {
    const Cls = distributionRegistry.get(c.name) as unknown as Ctor;
    const label = `${c.name}${c.variant ? `(${c.variant})` : ""}`;
    for (const dtype of ["float64", "float32"] as const) {
      it(`${label} ${dtype}: ${[...METHODS, ...STATS].filter((m) => c[m] !== undefined).join(", ")}`, () => {
        const params: Record<string, NDArray> = {};
        for (const [k, v] of Object.entries(c.params)) params[k] = toArray(v, dtype);
        const d = new Cls({ ...params, ...c.options });
        expect(d.batchShape.length).toBe(1);
        const tol = dtype === "float64" ? TIGHT : LOOSE;
        const x = toArray(c.x, dtype);
        for (const m of METHODS) {
          if (c[m] === undefined) continue;
          const got = (d[m] as (v: NDArray) => NDArray).call(d, x);
          expect(got.shape).toEqual(shapeOf(c[m] as Nested));
          expectClose(`${label}.${m}`, got, flat(c[m] as Nested), tol);
        }
        for (const m of STATS) {
          if (c[m] === undefined) continue;
          const got = (d[m] as () => NDArray).call(d);
          expect(got.shape, `${label}.${m} shape`).toEqual(shapeOf(c[m] as Nested));
          expectClose(`${label}.${m}`, got, flat(c[m] as Nested), tol);
        }
      });
    }
    it(`${label}: logProb gradients match finite differences`, () => {
      const names = Object.keys(c.params);
      const params = names.map((k) => toArray(c.params[k]!, "float64"));
      const x = toArray(c.x, "float64");
      const withValue = !DISCRETE.has(c.name);
      const f = (...args: NDArray[]) => {
        const p: Record<string, NDArray> = {};
        names.forEach((n, i) => (p[n] = args[i]!));
        return new Cls({ ...p, ...c.options }).logProb(withValue ? args[names.length]! : x);
      };
      checkGradsScaled(f, withValue ? [...params, x] : params);
    });
  }
});
