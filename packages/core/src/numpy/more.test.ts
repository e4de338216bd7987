// np breadth (more.ts, contract.ts, stats.ts) against NumPy: every case in fixtures/numpy_more.json was
// computed by NumPy in scripts/fixtures/gen_numpy_more.py; the inputs are stored with the outputs.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { np, type NDArray, type DType, type IndexItem } from "@fluxion/core";

type Encoded = number | string | boolean;
interface EncArray { shape: number[]; dtype: DType; data: Encoded[] }
interface Case { fn: string; args: (EncArray | number)[]; kw: Record<string, unknown>; out: EncArray | EncArray[] }
const fixture = JSON.parse(readFileSync(new URL("./fixtures/numpy_more.json", import.meta.url), "utf8")) as { cases: Case[] };

const decode = (v: Encoded): number => (v === "NaN" ? NaN : v === "Infinity" ? Infinity : v === "-Infinity" ? -Infinity : Number(v));
const toArray = (e: EncArray): NDArray => np.array(e.data.map(decode), e.dtype).reshape(e.shape);

type EncItem = { new: true } | { ell: true } | { slice: [number | null, number | null, number | null] } | { array: EncArray } | { int: number };
const toItem = (it: EncItem): IndexItem =>
  "new" in it ? null : "ell" in it ? "..." : "slice" in it ? it.slice : "array" in it ? toArray(it.array) : it.int;
type Call = (args: NDArray[], kw: Record<string, unknown>) => NDArray | NDArray[];
const k = <T>(kw: Record<string, unknown>, name: string): T => kw[name] as T;
const axisKw = (kw: Record<string, unknown>) => k<number | number[] | null>(kw, "axis");
const calls: Record<string, Call> = {
  prod: ([x], kw) => np.prod(x!, axisKw(kw), k<boolean>(kw, "keepdims") ?? false),
  cumsum: ([x], kw) => np.cumsum(x!, k<number | null>(kw, "axis")),
  cumprod: ([x], kw) => np.cumprod(x!, k<number | null>(kw, "axis")),
  nancumsum: ([x], kw) => np.nancumsum(x!, k<number | null>(kw, "axis")),
  nancumprod: ([x], kw) => np.nancumprod(x!, k<number | null>(kw, "axis")),
  take: ([x, i], kw) => np.take(x!, i!, k<number | null>(kw, "axis"), k<"clip" | "wrap" | undefined>(kw, "mode") ?? "fill"),
  takeAlongAxis: ([x, i], kw) => np.takeAlongAxis(x!, i!, k<number | null>(kw, "axis")),
  pad: ([x], kw) => np.pad(x!, k(kw, "padWidth"), k(kw, "mode"), k(kw, "options")),
  sort: ([x], kw) => np.sort(x!, k<number | null>(kw, "axis")),
  argsort: ([x], kw) => np.argsort(x!, k<number | null>(kw, "axis"), { descending: k<boolean>(kw, "descending") ?? false }),
  tile: ([x], kw) => np.tile(x!, k(kw, "reps")),
  repeat: ([x], kw) => np.repeat(x!, k(kw, "repeats"), k<number | null>(kw, "axis")),
  split: ([x], kw) => np.split(x!, k(kw, "sections"), k(kw, "axis")),
  arraySplit: ([x], kw) => np.arraySplit(x!, k(kw, "sections"), k(kw, "axis")),
  roll: ([x], kw) => np.roll(x!, k(kw, "shift"), k(kw, "axis")),
  tensordot: ([a, b], kw) => np.tensordot(a!, b!, k(kw, "axes")),
  einsum: (ops, kw) => np.einsum(k(kw, "subscripts"), ...ops),
  trace: ([x], kw) => np.trace(x!, k(kw, "offset"), k<number>(kw, "axis1") ?? 0, k<number>(kw, "axis2") ?? 1),
  diagonal: ([x], kw) => np.diagonal(x!, k(kw, "offset"), k<number>(kw, "axis1") ?? 0, k<number>(kw, "axis2") ?? 1),
  diag: ([x], kw) => np.diag(x!, k(kw, "k")),
  searchsorted: ([a, v, sorter], kw) => np.searchsorted(a!, v!, k(kw, "side"), sorter),
  meshgrid: (xs, kw) => np.meshgrid(...xs, { indexing: k(kw, "indexing"), sparse: k(kw, "sparse") }),
  cross: ([a, b], kw) => np.cross(a!, b!, { axisa: k(kw, "axisa"), axisb: k(kw, "axisb"), axisc: k(kw, "axisc") }),
  kron: ([a, b]) => np.kron(a!, b!),
  countNonzero: ([x], kw) => np.countNonzero(x!, axisKw(kw)),
  nansum: ([x], kw) => np.nansum(x!, axisKw(kw)),
  nanmean: ([x], kw) => np.nanmean(x!, axisKw(kw)),
  nanmax: ([x], kw) => np.nanmax(x!, axisKw(kw)),
  nanmin: ([x], kw) => np.nanmin(x!, axisKw(kw)),
  nanprod: ([x], kw) => np.nanprod(x!, axisKw(kw)),
  nanvar: ([x], kw) => np.nanvar(x!, axisKw(kw), false, k<number>(kw, "ddof") ?? 0),
  nanstd: ([x], kw) => np.nanstd(x!, axisKw(kw)),
  nanmedian: ([x], kw) => np.nanmedian(x!, axisKw(kw)),
  nanquantile: ([x], kw) => np.nanquantile(x!, k(kw, "q"), axisKw(kw)),
  nanpercentile: ([x], kw) => np.nanpercentile(x!, k(kw, "q"), axisKw(kw)),
  quantile: ([x], kw) => np.quantile(x!, k(kw, "q"), axisKw(kw), k(kw, "method") ?? "linear", k<boolean>(kw, "keepdims") ?? false),
  percentile: ([x], kw) => np.percentile(x!, k(kw, "q"), axisKw(kw)),
  median: ([x], kw) => np.median(x!, axisKw(kw)),
  diff: ([x], kw) => np.diff(x!, k(kw, "n"), k(kw, "axis"), k(kw, "prepend"), k(kw, "append")),
  ptp: ([x], kw) => np.ptp(x!, axisKw(kw)),
  index: ([x], kw) => x!.slice(...k<EncItem[]>(kw, "items").map(toItem)),
  update: ([x, v], kw) => x!.at(...k<EncItem[]>(kw, "items").map(toItem))[k<"set" | "add" | "mul" | "min" | "max">(kw, "mode")](v!),
};

function compare(got: NDArray, want: EncArray, label: string) {
  expect(got.shape, `${label}: shape`).toEqual(want.shape);
  const g = Array.from(got.dataSync());
  const w = want.data.map(decode);
  for (let i = 0; i < w.length; i++) {
    const [a, b] = [g[i]!, w[i]!];
    if (Number.isNaN(b)) { expect(a, `${label}[${i}]`).toBeNaN(); continue; }
    if (!Number.isFinite(b)) { expect(a, `${label}[${i}]`).toBe(b); continue; }
    // float64 throughout: only summation-order rounding separates us from NumPy.
    expect(Math.abs(a - b), `${label}[${i}]: got ${a}, NumPy ${b}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b)));
  }
}

describe("np functions against NumPy", () => {
  it("covers every fixture function", () => {
    expect(fixture.cases.map((c) => c.fn).filter((f) => !(f in calls))).toEqual([]);
  });
  it.each(fixture.cases.map((c, i) => [`${c.fn} #${i} ${JSON.stringify(c.kw)}`, c] as const))("%s", (label, c) => {
    const args = c.args.map((a) => (typeof a === "number" ? np.array(a) : toArray(a)));
    const got = calls[c.fn]!(args, c.kw);
    if (Array.isArray(c.out)) {
      const gs = got as NDArray[];
      expect(gs.length).toBe(c.out.length);
      c.out.forEach((o, j) => compare(gs[j]!, o, `${label} out ${j}`));
    } else {
      compare(got as NDArray, c.out, label);
    }
  });
});
