// The `special` namespace: values against the committed scipy fixtures (float64 tight, float32
// to a few ulp), tails, and gradients against finite differences.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { np, special, NDArray } from "../index.js";

interface Fixture { args: number[][]; expected: number[]; cond?: number[] }
const fixtures = JSON.parse(readFileSync(new URL("./scalar/fixtures/special.json", import.meta.url), "utf8")) as Record<string, Fixture>;

type AnyFn = (...a: NDArray[]) => NDArray;
const table: [string, AnyFn][] = [
  ["lgamma", special.gammaln], ["digamma", special.digamma], ["polygamma", special.polygamma], ["betaln", special.betaln],
  ["erf", special.erf], ["erfc", special.erfc], ["erfinv", special.erfinv], ["ndtr", special.ndtr], ["logNdtr", special.logNdtr],
  ["ndtri", special.ndtri], ["gammainc", special.gammainc], ["gammaincc", special.gammaincc], ["gammaincinv", special.gammaincinv],
  ["betainc", special.betainc],
];

const decode = (v: number | string): number => (typeof v === "number" ? v : v === "nan" || v === "NaN" ? NaN : v === "inf" || v === "Infinity" ? Infinity : v === "-inf" || v === "-Infinity" ? -Infinity : Number(v));

describe.each(table.filter(([n]) => fixtures[n]))("special.%s against scipy", (name, fn) => {
  const fx = fixtures[name]!;
  const args = fx.args.map((a) => a.map(decode));
  const expected = fx.expected.map(decode);
  const cond = fx.cond ?? expected.map(() => 1);
  it("float64: relative error ≤ 1e-11 (well-conditioned points)", () => {
    const got = fn(...args.map((a) => np.array(a, "float64"))).dataSync();
    let worst = 0;
    expected.forEach((e, i) => {
      if (Number.isNaN(e)) return; // unrepresentable references; NaN semantics are tested in scalar/
      if (!Number.isFinite(e)) { expect(got[i]).toBe(e); return; }
      if ((cond[i] ?? 1) > 1e4) return;
      const rel = Math.abs(got[i]! - e) / Math.max(Math.abs(e), 1e-300);
      worst = Math.max(worst, rel);
    });
    expect(worst).toBeLessThan(1e-11);
  });
  it("float32: within 8 ulp of the float64 value where it is a normal float32", () => {
    const got = fn(...args.map((a) => np.array(a, "float32"))).dataSync();
    const argsF32 = args.map((a) => a.map((v) => Math.fround(v)));
    const ref = fn(...argsF32.map((a) => np.array(a, "float64"))).dataSync();
    ref.forEach((e, i) => {
      if (!Number.isFinite(e) || Math.abs(e) < 1.2e-38 || Math.abs(e) > 3e38) return;
      expect(Math.abs(got[i]! - e)).toBeLessThanOrEqual(8 * Math.abs(e) * 2 ** -24 + 1e-45);
    });
  });
});

describe("special: tails and identities", () => {
  it("stays finite and accurate in the tails", () => {
    // scipy.special.log_ndtr(-30.0) = -454.32124395634327
    expect(special.logNdtr(np.array(-30, "float64")).item()).toBeCloseTo(-454.32124395634327, 9);
    expect(special.softplus(np.array(100, "float64")).item()).toBe(100);
    expect(special.softplus(np.array(-100, "float64")).item()).toBeCloseTo(Math.exp(-100), 300);
    expect(special.gammaln(np.array(1e-300, "float64")).item()).toBeCloseTo(690.7755278982137, 10);
    expect(special.logsumexp(np.array([-Infinity, -Infinity])).item()).toBe(-Infinity);
    expect(special.logsumexp(np.array([1000, 1000], "float64")).item()).toBeCloseTo(1000 + Math.LN2, 12);
    expect(special.xlogy(np.array(0), np.array(0)).item()).toBe(0);
  });
  it("softmax sums to one along the axis; logSoftmax is its log", () => {
    const x = np.array([[1, 2, 3], [0, -1, 5]], "float64");
    const s = special.softmax(x, 1);
    (np.sum(s, 1).toArray() as number[]).forEach((v) => expect(v).toBeCloseTo(1, 14));
    const l = special.logSoftmax(x).dataSync();
    s.dataSync().forEach((v, i) => expect(Math.log(v)).toBeCloseTo(l[i]!, 14));
  });
});

describe("special: logit, expit, xlog1py", () => {
  it("match closed forms and invert each other", () => {
    const p = np.array([0.1, 0.5, 0.9], "float64");
    (special.logit(p).toArray() as number[]).forEach((v, i) => expect(v).toBeCloseTo(Math.log([0.1, 0.5, 0.9][i]! / (1 - [0.1, 0.5, 0.9][i]!)), 14));
    (special.expit(special.logit(p)).toArray() as number[]).forEach((v, i) => expect(v).toBeCloseTo([0.1, 0.5, 0.9][i]!, 14));
    expect(special.xlog1py(np.array([0, 2], "float64"), np.array([-1, 1], "float64")).toArray()).toEqual([0, 2 * Math.log(2)]);
  });
});

describe("special: xlogy derivatives (JAX's rule)", () => {
  it("d/dx xlogy(x, y) = log(y) even at x = 0; d/dy = x/y", async () => {
    const { grad } = await import("@fluxion/transforms");
    const gx = grad((x: NDArray) => special.xlogy(x, np.array(3, "float64")))(np.array(0, "float64")) as NDArray;
    expect(gx.item()).toBeCloseTo(Math.log(3), 14);
    const gy = grad((y: NDArray) => special.xlogy(np.array(2, "float64"), y), {})(np.array(4, "float64")) as NDArray;
    expect(gy.item()).toBeCloseTo(0.5, 14);
    const g1 = grad((x: NDArray) => special.xlog1py(x, np.array(1, "float64")))(np.array(0, "float64")) as NDArray;
    expect(g1.item()).toBeCloseTo(Math.log(2), 14);
  });
});
