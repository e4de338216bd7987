// Samplers: values JAX published for its own test suite, distribution checks with fixed keys against scipy
// tables (scripts/fixtures/gen_random_dists.py) or closed forms, shapes and dtypes, and jit/vmap equivalence.
//
// False-failure rates (over the choice of key, for a correct sampler): each DKW check uses
// eps = sqrt(ln(2/alpha) / 2n) with alpha = 1e-6, so it fails with probability at most 1e-6; each moment check
// allows 5 standard errors, about 6e-7 two-sided under the normal approximation. About 150 such checks run, so
// the chance that any of them fails for a correct implementation is below 2e-4.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { defaultDevice, ConcreteArray, NDArray, np, random } from "../index.js";
import { dkwBound, gridCdfDistance, jitCall, ksStatistic, moments, valuesOf, vmapCall } from "./testing.js";

interface Table { x: number[]; cdf: number[]; mean: number; var: number; exkurt: number }
interface Fixture { continuous: Record<string, Table>; discrete: Record<string, Table> }
const fixture = JSON.parse(readFileSync(new URL("../../../../scripts/fixtures/random_dists.json", import.meta.url), "utf8")) as Fixture;
const table = (name: string): Table => {
  const t = fixture.continuous[name] ?? fixture.discrete[name];
  if (!t) throw new Error(`no fixture table ${name}`);
  return t;
};

const ALPHA = 1e-6;

function expectMoments(values: number[], t: Pick<Table, "mean" | "var" | "exkurt">, what: string): void {
  const m = moments(values);
  expect(Math.abs(m.mean - t.mean), `${what}: mean ${m.mean} vs ${t.mean}`).toBeLessThan(5 * Math.sqrt(t.var / m.n));
  // Var(s^2) = sigma^4 (excess kurtosis + 2) / n.
  expect(Math.abs(m.variance - t.var), `${what}: variance ${m.variance} vs ${t.var}`).toBeLessThan(5 * t.var * Math.sqrt((t.exkurt + 2) / m.n));
}

function expectMatchesTable(values: number[], t: Table, what: string): void {
  expect(gridCdfDistance(values, t.x, t.cdf), `${what}: DKW distance`).toBeLessThan(dkwBound(values.length, ALPHA));
  expectMoments(values, t, what);
}

const f64 = (xs: number[], shape = [xs.length]) => ConcreteArray.fromData(Float64Array.from(xs), shape, "float64");
const f32 = (xs: number[], shape = [xs.length]) => ConcreteArray.fromData(Float32Array.from(xs), shape, "float32");

function adler32(text: string): number {
  let a = 1;
  let b = 0;
  for (const byte of new TextEncoder().encode(text)) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return (b * 65536 + a) >>> 0;
}

describe("values JAX published (tests/random_test.py, _RANDOM_VALUES_CASES, threefry2x32)", () => {
  // Each case seeds random.PRNGKey(adler32(name + "threefry2x32")) and prints 6 decimals. The gamma, loggamma,
  // beta and dirichlet rows are those of the 2023 table (JAX 0.4.x, whose jax/_src/random.py this module
  // follows); later versions of the table list other values for those four samplers.
  const keyFor = (name: string) => random.key(adler32(`${name}threefry2x32`));
  const close = (got: NDArray, want: number[], what: string) => {
    const g = valuesOf(got);
    expect(g.length, what).toBe(want.length);
    want.forEach((w, i) => expect(Math.abs(g[i]! - w), `${what}[${i}]: ${g[i]} vs ${w}`).toBeLessThanOrEqual(1e-6 + 2e-6 * Math.abs(w)));
  };

  it("bernoulli, exponential, gumbel, truncated_normal, randint, poisson", () => {
    expect(valuesOf(random.bernoulli(keyFor("bernoulli"), 0.5, [5]))).toEqual([0, 1, 1, 1, 0]);
    close(random.exponential(keyFor("exponential"), [5]), [0.526067, 0.043046, 0.039932, 0.46427, 0.123886], "exponential");
    close(random.gumbel(keyFor("gumbel"), [5]), [2.06701, 0.911726, 0.145736, 0.185427, -0.00711], "gumbel");
    close(random.truncatedNormal(keyFor("truncated_normal"), 0, 2, [5]), [0.582807, 1.709771, 0.159513, 0.861376, 0.36148], "truncated_normal");
    expect(valuesOf(random.randint(keyFor("randint"), [5], 0, 10))).toEqual([0, 5, 7, 7, 5]);
    expect(valuesOf(random.poisson(keyFor("poisson"), 5, [5]))).toEqual([7, 3, 6, 11, 6]);
  });

  it("gamma, loggamma, beta, dirichlet (a = 0.8, b = 0.9, alpha = [0.5, 0.6, 0.7])", () => {
    close(random.gamma(keyFor("gamma"), 0.8, [5]), [0.332641, 0.10187, 1.816109, 0.023457, 0.487853], "gamma");
    close(random.loggamma(keyFor("loggamma"), 0.8, [5]), [-0.899633, -0.424083, 0.631593, 0.102374, -1.07189], "loggamma");
    close(random.beta(keyFor("beta"), 0.8, 0.9, [5]), [0.533685, 0.843179, 0.063495, 0.573444, 0.459514], "beta");
    close(random.dirichlet(keyFor("dirichlet"), f32([0.5, 0.6, 0.7]), [2]), [0.556287, 0.304219, 0.139494, 0.15221, 0.632251, 0.21554], "dirichlet");
  });

  it("multivariate_normal (mean ones((1, 3)), cov eye(3), shape (2,))", () => {
    const out = random.multivariateNormal(keyFor("multivariate_normal"), np.ones([1, 3]), np.eye(3), { shape: [2] });
    expect(out.shape).toEqual([2, 3]);
    close(out, [1.067826, 1.215599, 0.234166, -0.237534, 1.32591, 1.413987], "multivariate_normal");
  });

  it("testPRNGValues: randint(key(0), (3, 3), 0, 8)", () => {
    expect(valuesOf(random.randint(random.key(0), [3, 3], 0, 8))).toEqual([2, 1, 3, 6, 1, 5, 6, 3, 4]);
  });
});

describe("continuous samplers against closed-form cdfs", () => {
  const n = 2 ** 14;
  for (const dtype of ["float32", "float64"] as const) {
    it(`exponential ${dtype}: KS vs 1 - exp(-x), mean 1, variance 1`, () => {
      const xs = valuesOf(random.exponential(random.key(101), [n], { dtype }));
      expect(xs.every((x) => x >= 0 && Number.isFinite(x))).toBe(true);
      expect(ksStatistic(xs, (x) => -Math.expm1(-x))).toBeLessThan(dkwBound(n, ALPHA));
      expectMoments(xs, { mean: 1, var: 1, exkurt: 6 }, "exponential");
    });
    it(`gumbel ${dtype}: KS vs exp(-exp(-x)), mean Euler's gamma, variance pi^2/6`, () => {
      const xs = valuesOf(random.gumbel(random.key(102), [n], { dtype }));
      expect(ksStatistic(xs, (x) => Math.exp(-Math.exp(-x)))).toBeLessThan(dkwBound(n, ALPHA));
      expectMoments(xs, { mean: 0.5772156649015329, var: Math.PI ** 2 / 6, exkurt: 12 / 5 }, "gumbel");
    });
    it(`normal ${dtype}: KS vs the normal cdf`, () => {
      const xs = valuesOf(random.normal(random.key(103), [n], { dtype }));
      const cdf = (x: number) => 0.5 * (1 + erfScalar(x / Math.SQRT2));
      expect(ksStatistic(xs, cdf)).toBeLessThan(dkwBound(n, ALPHA));
    });
  }
});

/** erf for the closed-form normal cdf in the test: A&S 7.1.26 is too coarse, so integrate the series exactly enough. */
function erfScalar(x: number): number {
  // Maclaurin series for |x| < 3 (terms summed until negligible), continued fraction beyond.
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 200; n++) {
      term *= (-ax * ax) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  let t = ax;
  for (let k = 80; k >= 1; k--) t = ax + k / 2 / t;
  return Math.sign(x) * (1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / t);
}

describe("truncatedNormal", () => {
  const cases: [number, number, string][] = [
    [-0.3, 0.3, "truncnorm(-0.3,0.3)"],
    [0, 2, "truncnorm(0.0,2.0)"],
    [-Infinity, 1, "truncnorm(-inf,1.0)"],
    [1.5, 4, "truncnorm(1.5,4.0)"],
    [-2, Infinity, "truncnorm(-2.0,inf)"],
  ];
  for (const [lower, upper, name] of cases) {
    it(`(${lower}, ${upper}) float32 against scipy's truncnorm; samples inside the open interval`, () => {
      const xs = valuesOf(random.truncatedNormal(random.key(200), lower, upper, [2 ** 13]));
      expect(xs.every((x) => x > lower && x < upper)).toBe(true);
      expectMatchesTable(xs, table(name), name);
    });
  }

  it("float64, and per-column array bounds", () => {
    const xs = valuesOf(random.truncatedNormal(random.key(201), 0, 2, [2 ** 13], { dtype: "float64" }));
    expectMatchesTable(xs, table("truncnorm(0.0,2.0)"), "float64");
    const lower = f32([-1, 0, 2]);
    const upper = f32([1, 0.5, 3]);
    const grid = random.truncatedNormal(random.key(202), lower, upper, [500, 3]).dataSync();
    for (let i = 0; i < 1500; i++) {
      const col = i % 3;
      expect(grid[i]! > lower.dataSync()[col]! && grid[i]! < upper.dataSync()[col]!).toBe(true);
    }
    expect(random.truncatedNormal(random.key(0), lower, upper).shape).toEqual([3]);
    expect(() => random.truncatedNormal(random.key(0), lower, upper, [3, 2])).toThrow(/broadcast/);
  });
});

describe("discrete samplers", () => {
  it("bernoulli: frequency within 5 standard errors, array p, bool dtype", () => {
    const n = 2 ** 14;
    const xs = random.bernoulli(random.key(300), 0.3, [n]);
    expect(xs.dtype).toBe("bool");
    const mean = valuesOf(xs).reduce((s, v) => s + v, 0) / n;
    expect(Math.abs(mean - 0.3)).toBeLessThan(5 * Math.sqrt(0.21 / n));
    const p = f32([0.1, 0.9]);
    const grid = valuesOf(random.bernoulli(random.key(301), p, [4000, 2]));
    for (const [col, pc] of [[0, 0.1], [1, 0.9]] as const) {
      const m = grid.filter((_, i) => i % 2 === col).reduce((s, v) => s + v, 0) / 4000;
      expect(Math.abs(m - pc)).toBeLessThan(5 * Math.sqrt((pc * (1 - pc)) / 4000));
    }
    expect(random.bernoulli(random.key(0), p).shape).toEqual([2]);
  });

  it("categorical: category frequencies within 5 standard errors (axis -1 and axis 0, with a sample prefix)", () => {
    const n = 2 ** 14;
    const probs = [0.1, 0.2, 0.3, 0.4];
    const logits = f32(probs.map((p) => Math.log(p) - 42));
    const draws = random.categorical(random.key(310), logits, { shape: [n] });
    expect(draws.dtype).toBe("int32");
    const counts = [0, 0, 0, 0];
    for (const d of valuesOf(draws)) counts[d]! += 1;
    probs.forEach((p, c) => expect(Math.abs(counts[c]! / n - p), `category ${c}`).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n)));
    // axis 0: each column of [[.5, .1], [.5, .9]] is a distribution over 2 categories.
    const cols = f32([0.5, 0.1, 0.5, 0.9].map(Math.log), [2, 2]);
    const byColumn = random.categorical(random.key(311), cols, { axis: 0, shape: [5000, 2] });
    expect(byColumn.shape).toEqual([5000, 2]);
    const v = valuesOf(byColumn);
    const freqOne = [1, 0].map((c) => v.filter((_, i) => i % 2 === c).reduce((s, x) => s + x, 0) / 5000);
    expect(Math.abs(freqOne[0]! - 0.9)).toBeLessThan(5 * Math.sqrt(0.09 / 5000));
    expect(Math.abs(freqOne[1]! - 0.5)).toBeLessThan(5 * Math.sqrt(0.25 / 5000));
    expect(random.categorical(random.key(0), cols).shape).toEqual([2]);
    expect(() => random.categorical(random.key(0), cols, { shape: [3] })).toThrow(/broadcast/);
  });

  it("randint: range, uniform frequencies, span <= 0 gives minval, full int32 range, array bounds", () => {
    const n = 2 ** 14;
    const xs = valuesOf(random.randint(random.key(320), [n], -3, 7));
    expect(xs.every((x) => Number.isInteger(x) && x >= -3 && x < 7)).toBe(true);
    for (let v = -3; v < 7; v++) {
      const f = xs.filter((x) => x === v).length / n;
      expect(Math.abs(f - 0.1), `value ${v}`).toBeLessThan(5 * Math.sqrt(0.09 / n));
    }
    expect(valuesOf(random.randint(random.key(321), [4], 5, 5))).toEqual([5, 5, 5, 5]);
    expect(valuesOf(random.randint(random.key(321), [4], 9, 2))).toEqual([9, 9, 9, 9]);
    const wide = valuesOf(random.randint(random.key(322), [4000], -(2 ** 31), 2 ** 31));
    expect(wide.some((x) => x < -(2 ** 30)) && wide.some((x) => x > 2 ** 30)).toBe(true);
    const hi = ConcreteArray.fromData(Int32Array.of(2, 1000), [2], "int32");
    const cols = valuesOf(random.randint(random.key(323), [300, 2], 0, hi));
    expect(cols.every((x, i) => x >= 0 && x < (i % 2 === 0 ? 2 : 1000))).toBe(true);
    const unsigned = random.randint(random.key(324), [100], 0, 2 ** 32, { dtype: "uint32" });
    expect(unsigned.dtype).toBe("uint32");
    expect(valuesOf(unsigned).some((x) => x > 2 ** 31)).toBe(true);
  });

  const poissonCases: [number, string][] = [[0.7, "poisson(0.7)"], [4, "poisson(4.0)"], [9.5, "poisson(9.5)"], [15, "poisson(15.0)"], [250, "poisson(250.0)"]];
  for (const [lam, name] of poissonCases) {
    it(`poisson(${lam}) (${lam < 10 ? "Knuth" : "transformed rejection"}) against scipy's cdf at the integers`, () => {
      const xs = valuesOf(random.poisson(random.key(330), lam, [2 ** 13]));
      expect(xs.every((x) => Number.isInteger(x) && x >= 0)).toBe(true);
      expectMatchesTable(xs, table(name), name);
    });
  }

  it("poisson: rate 0 gives 0, mixed rates in one array use each element's algorithm", () => {
    const lam = f32([0, 2, 30]);
    const draws = random.poisson(random.key(331), lam, [3000, 3]);
    expect(draws.dtype).toBe("int32");
    const v = valuesOf(draws);
    expect(v.filter((_, i) => i % 3 === 0).every((x) => x === 0)).toBe(true);
    for (const [col, rate] of [[1, 2], [2, 30]] as const) {
      const m = moments(v.filter((_, i) => i % 3 === col));
      expect(Math.abs(m.mean - rate)).toBeLessThan(5 * Math.sqrt(rate / 3000));
    }
  });
});

describe("permutation and choice", () => {
  it("permutation(n) is a permutation; position frequencies are uniform over 2000 keys", () => {
    const p = valuesOf(random.permutation(random.key(400), 50));
    expect([...p].sort((a, b) => a - b)).toEqual([...Array(50).keys()]);
    expect(p).not.toEqual([...Array(50).keys()]);
    const keys = random.split(random.key(401), 2000);
    const [perms] = vmapCall((k) => [random.permutation(k, 5)], [keys], [true]);
    const v = valuesOf(perms!);
    for (let pos = 0; pos < 5; pos++) {
      for (let value = 0; value < 5; value++) {
        let count = 0;
        for (let r = 0; r < 2000; r++) if (v[r * 5 + pos] === value) count++;
        expect(Math.abs(count / 2000 - 0.2), `value ${value} at ${pos}`).toBeLessThan(5 * Math.sqrt(0.16 / 2000));
      }
    }
  });

  it("permutation of an array: whole rows by default, each row independently with independent", () => {
    const x = np.reshape(np.arange(12, undefined, 1, "float32"), [4, 3]);
    const rows = random.permutation(random.key(402), x);
    const r = rows.toArray() as number[][];
    expect(r.map((row) => row[0]! / 3).sort()).toEqual([0, 1, 2, 3]);
    r.forEach((row) => expect(row).toEqual([row[0]!, row[0]! + 1, row[0]! + 2]));
    const cols = random.permutation(random.key(403), x, { axis: 1, independent: true }).toArray() as number[][];
    cols.forEach((row, i) => expect([...row].sort((a, b) => a - b)).toEqual([3 * i, 3 * i + 1, 3 * i + 2]));
  });

  it("choice: with replacement, without replacement (unique), weighted frequencies, arrays along an axis", () => {
    const draws = valuesOf(random.choice(random.key(410), 10, { shape: [2000] }));
    expect(draws.every((d) => d >= 0 && d < 10)).toBe(true);
    const unique = valuesOf(random.choice(random.key(411), 100, { shape: [4, 5], replace: false }));
    expect(new Set(unique).size).toBe(20);
    const p = f32([0.1, 0, 0.6, 0.3]);
    const n = 2 ** 13;
    const weighted = valuesOf(random.choice(random.key(412), 4, { shape: [n], p }));
    [0.1, 0, 0.6, 0.3].forEach((q, c) => {
      const f = weighted.filter((d) => d === c).length / n;
      expect(Math.abs(f - q), `category ${c}`).toBeLessThanOrEqual(5 * Math.sqrt((q * (1 - q)) / n));
    });
    const noReplace = valuesOf(random.choice(random.key(413), 4, { shape: [2], p, replace: false }));
    expect(new Set(noReplace).size).toBe(2);
    expect(noReplace.includes(1)).toBe(false);
    const arr = np.reshape(np.arange(12, undefined, 1, "float32"), [3, 4]);
    const picked = random.choice(random.key(414), arr, { shape: [2, 5], axis: 1 });
    expect(picked.shape).toEqual([3, 2, 5]);
    const pv = picked.toArray() as number[][][];
    pv.forEach((row, i) => row.flat().forEach((x) => expect(Math.floor(x / 4)).toBe(i)));
    expect(() => random.choice(random.key(0), 3, { shape: [4], replace: false })).toThrow(/without replacement/);
  });
});

describe("jit and vmap", () => {
  const k = random.key(500);
  const samplers: [string, (key: NDArray) => NDArray][] = [
    ["exponential", (key) => random.exponential(key, [3])],
    ["gumbel", (key) => random.gumbel(key, [3], { dtype: "float64" })],
    ["truncatedNormal", (key) => random.truncatedNormal(key, -1, 0.5, [3])],
    ["bernoulli", (key) => random.bernoulli(key, 0.4, [3])],
    ["categorical", (key) => random.categorical(key, f32([0.1, 1, -2]), { shape: [4] })],
    ["randint", (key) => random.randint(key, [3], -5, 100)],
    ["permutation", (key) => random.permutation(key, 6)],
    ["choice", (key) => random.choice(key, 7, { shape: [3], p: f32([1, 2, 3, 4, 5, 6, 7]) })],
    ["gamma", (key) => random.gamma(key, f32([0.3, 1, 4]))],
    ["loggamma", (key) => random.loggamma(key, 0.5, [2], { dtype: "float64" })],
    ["beta", (key) => random.beta(key, 2, 0.5, [3])],
    ["dirichlet", (key) => random.dirichlet(key, f32([1, 2, 3]), [2])],
    ["poisson", (key) => random.poisson(key, f32([0.5, 20]), [2, 2])],
    ["multivariateNormal", (key) => random.multivariateNormal(key, f64([1, 2]), f64([2, 0.5, 0.5, 1], [2, 2]), { shape: [3] })],
  ];
  const expectSameSample = (got: number[], want: number[], dtype: string) => {
    if (defaultDevice() === "js" || !(dtype === "float32" || dtype === "float64")) {
      expect(got).toEqual(want);
      return;
    }
    const tol = dtype === "float32" ? 8 * 2 ** -24 : 8 * 2 ** -53;
    expect(got.length).toBe(want.length);
    got.forEach((g, i) => expect(Math.abs(g - want[i]!)).toBeLessThanOrEqual(tol * Math.max(Math.abs(want[i]!), 1e-30)));
  };
  for (const [name, sample] of samplers) {
    it(`${name}: jit equals eager; vmap over 3 keys equals a loop`, () => {
      const eager = sample(k);
      // Bitwise on the reference device; on compiled devices float transcendentals may differ in
      // the last bits (issue 4: "within a few ulp for float"), integer results stay exact.
      expectSameSample(valuesOf(jitCall((key) => [sample(key)], [k])[0]!), valuesOf(eager), eager.dtype);
      const keys = random.split(random.key(501), 3);
      const [batched] = vmapCall((key) => [sample(key)], [keys], [true]);
      const loop = [0, 1, 2].flatMap((i) => valuesOf(sample(keys.slice(i))));
      expect(batched!.shape).toEqual([3, ...eager.shape]);
      expect(valuesOf(batched!)).toEqual(loop);
    });
  }

  it("vmap(normal) over a batch of keys equals a loop, both dtypes", () => {
    const keys = random.split(random.key(502), 6);
    for (const dtype of ["float32", "float64"] as const) {
      const [batched] = vmapCall((key) => [random.normal(key, [2, 3], { dtype })], [keys], [true]);
      const loop = [0, 1, 2, 3, 4, 5].flatMap((i) => valuesOf(random.normal(keys.slice(i), [2, 3], { dtype })));
      expect(valuesOf(batched!)).toEqual(loop);
    }
  });
});
