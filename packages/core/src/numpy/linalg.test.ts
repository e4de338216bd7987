// Tests for np.linalg: residuals on random batched float64 matrices, closed-form and Laplace-expansion oracles,
// NumPy shape rules, singular / non-PD behaviour, and derivatives against float64 central differences.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { np } from "@fluxion/core";
import type { NDArray } from "../array/ndarray.js";
import { vmapFlat } from "../trace/batching.js";
import { vjpFlat } from "../trace/linearize.js";
import {
  SeededRandom,
  checkDerivatives,
  diffNorm,
  fixEigenvectorSigns,
  fromValues,
  laplaceDet,
  norm2,
  randomNormal,
  randomSpd,
  referenceMatmul,
  referenceTransposeBatch,
  shiftedRandom,
  symmetricWithGap,
  values,
} from "../primitives/linalgTestUtils.js";

const fcOptions = { seed: 7654321, numRuns: 15 };
const derivativeTolerance = 1e-6;
const transposeTolerance = 1e-12;
const eyeValues = (batch: number, n: number) => new Float64Array(batch * n * n).map((_, idx) => (Math.floor(idx / n) % n === idx % n ? 1 : 0));

describe("np.linalg.cholesky", () => {
  it("symmetrises its input: the factor of A + S (S skew) is the factor of A, and L Lᵀ = A", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 6 }), (seed, n) => {
        const rng = new SeededRandom(seed);
        const a = randomSpd(rng, [2, 2, n, n]);
        const skew = randomNormal(rng, [2, 2, n, n]);
        const perturbed = np.add(a, np.subtract(skew, np.swapaxes(skew, -1, -2)));
        const l = np.linalg.cholesky(perturbed);
        expect(diffNorm(values(l), values(np.linalg.cholesky(a)))).toBeLessThan(1e-13);
        const llt = referenceMatmul(values(l), referenceTransposeBatch(values(l), 4, n, n), 4, n, n, n);
        expect(diffNorm(llt, values(a)) / norm2(values(a))).toBeLessThan(1e-14);
      }),
      fcOptions,
    );
  });

  it("upper: Uᵀ U = A with U upper triangular", () => {
    const a = randomSpd(new SeededRandom(2), [3, 3]);
    const u = np.linalg.cholesky(a, { upper: true });
    expect(values(u)[3]).toBe(0);
    expect(diffNorm(values(np.matmul(np.transpose(u), u)), values(a))).toBeLessThan(1e-14);
  });

  it("a non-positive-definite batch element gives NaN in that element only, detectable with np.isnan", () => {
    const a = values(randomSpd(new SeededRandom(3), [3, 2, 2]));
    a.set([1, 2, 2, 1], 4); // eigenvalues 3 and -1
    const l = np.linalg.cholesky(fromValues(a, [3, 2, 2]));
    expect([...np.any(np.isnan(l), [-2, -1]).dataSync()]).toEqual([0, 1, 0]);
  });

  it("promotes integer input to float32", () => {
    const l = np.linalg.cholesky(np.array([[4, 2], [2, 5]], "int32"));
    expect(l.dtype).toBe("float32");
    expect([...l.dataSync()]).toEqual([2, 0, 1, 2]);
  });
});

describe("np.linalg.solve / inv", () => {
  it("solves batched systems with a matrix right-hand side: relative residual < 1e-14", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 3 }), (seed, n, k) => {
        const rng = new SeededRandom(seed);
        const a = shiftedRandom(rng, [2, 3, n, n], n);
        const b = randomNormal(rng, [2, 3, n, k]);
        const x = np.linalg.solve(a, b);
        expect(x.shape).toEqual([2, 3, n, k]);
        const ax = referenceMatmul(values(a), values(x), 6, n, n, k);
        expect(diffNorm(ax, values(b)) / (norm2(values(a)) * norm2(values(x)))).toBeLessThan(1e-15);
      }),
      fcOptions,
    );
  });

  it("treats only a 1-D b as a vector (NumPy 2) and broadcasts leading axes both ways", () => {
    const rng = new SeededRandom(5);
    const a = shiftedRandom(rng, [4, 3, 3], 3);
    const vector = randomNormal(rng, [3]);
    const xv = np.linalg.solve(a, vector);
    expect(xv.shape).toEqual([4, 3]);
    for (let t = 0; t < 4; t++) {
      const single = np.linalg.solve(fromValues(values(a).slice(t * 9, t * 9 + 9), [3, 3]), vector);
      expect(diffNorm(values(xv).slice(t * 3, t * 3 + 3), values(single))).toBeLessThan(1e-14);
    }
    const bStack = randomNormal(rng, [5, 1, 3, 2]);
    expect(np.linalg.solve(a, bStack).shape).toEqual([5, 4, 3, 2]);
    const aSingle = shiftedRandom(rng, [3, 3], 3);
    const x = np.linalg.solve(aSingle, bStack);
    expect(x.shape).toEqual([5, 1, 3, 2]);
    const back = np.matmul(aSingle, x);
    expect(diffNorm(values(back), values(bStack))).toBeLessThan(1e-13);
    expect(() => np.linalg.solve(a, randomNormal(rng, [4]))).toThrow(/np.linalg.solve/);
  });

  it("inv: A A⁻¹ = I over batch axes", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 7 }), (seed, n) => {
        const rng = new SeededRandom(seed);
        const a = shiftedRandom(rng, [3, n, n], n);
        const product = referenceMatmul(values(a), values(np.linalg.inv(a)), 3, n, n, n);
        expect(diffNorm(product, eyeValues(3, n))).toBeLessThan(1e-13);
      }),
      fcOptions,
    );
  });

  it("a singular matrix gives non-finite entries instead of throwing (solve and inv)", () => {
    const singular = np.array([[1, 2], [2, 4]], "float64");
    const x = values(np.linalg.solve(singular, np.array([1, 1], "float64")));
    expect(x.some((v) => !Number.isFinite(v))).toBe(true);
    expect(values(np.linalg.inv(singular)).some((v) => !Number.isFinite(v))).toBe(true);
  });

  it("float32 stays float32 with float32-level residuals", () => {
    const rng = new SeededRandom(6);
    const a = np.astype(shiftedRandom(rng, [5, 5], 5), "float32");
    const b = np.astype(randomNormal(rng, [5]), "float32");
    const x = np.linalg.solve(a, b);
    expect(x.dtype).toBe("float32");
    const residual = values(np.subtract(np.matmul(np.astype(a, "float64"), np.astype(x, "float64")), np.astype(b, "float64")));
    expect(norm2(residual)).toBeLessThan(1e-5);
  });
});

describe("np.linalg.det / slogdet", () => {
  it("det equals the Laplace expansion over batch axes", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 5 }), (seed, n) => {
        const rng = new SeededRandom(seed);
        const a = randomNormal(rng, [2, 3, n, n]);
        const d = values(np.linalg.det(a));
        expect(d.length).toBe(6);
        const av = values(a);
        for (let t = 0; t < 6; t++) {
          const expected = laplaceDet([...av.slice(t * n * n, (t + 1) * n * n)], n);
          expect(Math.abs(d[t]! - expected)).toBeLessThan(1e-12 * Math.max(1, Math.abs(expected)) * n ** 2);
        }
        const [sign, logabsdet] = np.linalg.slogdet(a);
        const reconstructed = values(sign).map((s, t) => s * Math.exp(values(logabsdet)[t]!));
        expect(diffNorm(reconstructed, d)).toBeLessThan(1e-12 * Math.max(1, norm2(d)));
      }),
      fcOptions,
    );
  });

  it("a row swap flips the sign; a singular matrix has det 0, slogdet [0, -Infinity]", () => {
    expect(values(np.linalg.det(np.array([[0, 1], [1, 0]], "float64")))[0]).toBe(-1);
    const singular = np.array([[1, 2], [2, 4]], "float64");
    expect(Math.abs(values(np.linalg.det(singular))[0]!)).toBe(0); // NumPy gives +0; the sign of zero is not specified
    const [sign, logabsdet] = np.linalg.slogdet(singular);
    expect(values(sign)[0]).toBe(0);
    expect(values(logabsdet)[0]).toBe(-Infinity);
  });

  it("slogdet survives a determinant that overflows: logabsdet(cA) = n log c + logabsdet(A)", () => {
    const rng = new SeededRandom(9);
    const n = 40;
    const a = shiftedRandom(rng, [n, n], 5);
    const scaled = np.multiply(a, 1e20);
    expect(values(np.linalg.det(scaled))[0]).toSatisfy((v: number) => !Number.isFinite(v));
    const [signA, logA] = np.linalg.slogdet(a);
    const [signScaled, logScaled] = np.linalg.slogdet(scaled);
    expect(values(signScaled)[0]).toBe(values(signA)[0]);
    expect(Math.abs(values(logScaled)[0]! - (values(logA)[0]! + n * Math.log(1e20)))).toBeLessThan(1e-10 * values(logScaled)[0]!);
  });
});

describe("np.linalg.norm", () => {
  const rng = new SeededRandom(10);
  const x = randomNormal(rng, [3, 4]);
  const xv = values(x);
  const rowsOf = (v: Float64Array, m: number, n: number) => Array.from({ length: m }, (_, i) => [...v.slice(i * n, (i + 1) * n)]);

  it.each([
    [null, (r: number[]) => Math.hypot(...r)],
    [2, (r: number[]) => Math.hypot(...r)],
    [1, (r: number[]) => r.reduce((s, v) => s + Math.abs(v), 0)],
    [Infinity, (r: number[]) => Math.max(...r.map(Math.abs))],
    [-Infinity, (r: number[]) => Math.min(...r.map(Math.abs))],
    [0, (r: number[]) => r.filter((v) => v !== 0).length],
    [3, (r: number[]) => r.reduce((s, v) => s + Math.abs(v) ** 3, 0) ** (1 / 3)],
    [0.5, (r: number[]) => r.reduce((s, v) => s + Math.abs(v) ** 0.5, 0) ** 2],
  ] as const)("vector ord %s along an axis matches the definition", (ord, reference) => {
    const got = values(np.linalg.norm(x, ord, 1));
    rowsOf(xv, 3, 4).forEach((row, i) => expect(got[i]).toBeCloseTo(reference(row), 13));
    expect(np.linalg.norm(x, ord, 1, true).shape).toEqual([3, 1]);
  });

  it("axis null and ord null: the 2-norm of the flattened array, any rank", () => {
    const t = randomNormal(rng, [2, 3, 4]);
    expect(values(np.linalg.norm(t))[0]).toBeCloseTo(norm2(values(t)), 13);
    expect(np.linalg.norm(t, null, null, true).shape).toEqual([1, 1, 1]);
  });

  it.each([
    ["fro", () => norm2(xv)],
    [1, () => Math.max(...[0, 1, 2, 3].map((j) => [0, 1, 2].reduce((s, i) => s + Math.abs(xv[i * 4 + j]!), 0)))],
    [-1, () => Math.min(...[0, 1, 2, 3].map((j) => [0, 1, 2].reduce((s, i) => s + Math.abs(xv[i * 4 + j]!), 0)))],
    [Infinity, () => Math.max(...rowsOf(xv, 3, 4).map((r) => r.reduce((s, v) => s + Math.abs(v), 0)))],
    [-Infinity, () => Math.min(...rowsOf(xv, 3, 4).map((r) => r.reduce((s, v) => s + Math.abs(v), 0)))],
  ] as const)("matrix ord %s matches the definition", (ord, reference) => {
    expect(values(np.linalg.norm(x, ord))[0]).toBeCloseTo(reference(), 13);
  });

  it("2, -2 and nuc match the closed form of 2×2 singular values, batched over axes (1, 2)", () => {
    const batch = randomNormal(rng, [5, 2, 2]);
    const bv = values(batch);
    const largest = values(np.linalg.norm(batch, 2, [1, 2]));
    const smallest = values(np.linalg.norm(batch, -2, [1, 2]));
    const nuclear = values(np.linalg.norm(batch, "nuc", [1, 2]));
    for (let t = 0; t < 5; t++) {
      const [a, b, c, d] = [...bv.slice(t * 4, t * 4 + 4)] as [number, number, number, number];
      const fro2 = a * a + b * b + c * c + d * d;
      const det = a * d - b * c;
      // σ₁² + σ₂² = ‖A‖F², σ₁σ₂ = |det A|.
      const s1 = Math.sqrt((fro2 + Math.sqrt(fro2 * fro2 - 4 * det * det)) / 2);
      expect(largest[t]).toBeCloseTo(s1, 12);
      expect(smallest[t]).toBeCloseTo(Math.abs(det) / s1, 10);
      expect(nuclear[t]).toBeCloseTo(Math.sqrt(fro2 + 2 * Math.abs(det)), 12);
    }
    expect(np.linalg.norm(batch, 2, [1, 2], true).shape).toEqual([5, 1, 1]);
  });

  it("matrix norms of a rectangular matrix: 2-norm of a diagonal embedding is its largest entry", () => {
    const d = np.array([[3, 0, 0, 0], [0, -7, 0, 0], [0, 0, 2, 0]], "float64");
    expect(values(np.linalg.norm(d, 2))[0]).toBeCloseTo(7, 13);
    expect(values(np.linalg.norm(np.transpose(d), 2))[0]).toBeCloseTo(7, 13);
    expect(values(np.linalg.norm(d, "nuc"))[0]).toBeCloseTo(12, 12);
    expect(values(np.linalg.norm(d, -2))[0]).toBeCloseTo(2, 12);
  });

  it("rejects a matrix ord on one axis and an unknown ord", () => {
    expect(() => np.linalg.norm(x, "fro", 0)).toThrow(/matrix norm/);
    expect(() => np.linalg.norm(x, 3 as 2)).toThrow(/invalid ord/);
  });
});

describe("np.linalg.qr / eigh / eigvalsh", () => {
  it("qr modes: reduced (default), complete and r", () => {
    const a = randomNormal(new SeededRandom(12), [2, 5, 3]);
    const [q, r] = np.linalg.qr(a);
    expect([q.shape, r.shape]).toEqual([[2, 5, 3], [2, 3, 3]]);
    const [qc, rc] = np.linalg.qr(a, "complete");
    expect([qc.shape, rc.shape]).toEqual([[2, 5, 5], [2, 5, 3]]);
    expect(diffNorm(values(np.matmul(q, r)), values(a))).toBeLessThan(1e-14 * norm2(values(a)) * 10);
    expect(diffNorm(values(np.linalg.qr(a, "r")), values(r))).toBe(0);
  });

  it("eigvalsh of the [-1, 2, -1] tridiagonal matrix is 2 − 2 cos(kπ/(n+1))", () => {
    const n = 9;
    const data = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      data[i * n + i] = 2;
      if (i > 0) data[i * n + i - 1] = data[(i - 1) * n + i] = -1;
    }
    const w = values(np.linalg.eigvalsh(fromValues(data, [n, n])));
    w.forEach((value, k) => expect(value).toBeCloseTo(2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1)), 14));
  });

  it("eigh returns [w, v] (NumPy order) with A V = V diag(w), symmetrising by default", () => {
    const rng = new SeededRandom(13);
    const a = symmetricWithGap(rng, 3, 4, 1);
    const skew = randomNormal(rng, [3, 4, 4]);
    const [w, v] = np.linalg.eigh(np.add(a, np.subtract(skew, np.swapaxes(skew, -1, -2))));
    expect([w.shape, v.shape]).toEqual([[3, 4], [3, 4, 4]]);
    const av = values(np.matmul(a, v));
    const vw = values(np.multiply(v, np.expandDims(w, 1)));
    expect(diffNorm(av, vw)).toBeLessThan(1e-13 * norm2(values(a)));
    // Without symmetrisation, UPLO picks the triangle read.
    const upperOnly = np.triu(a);
    expect(diffNorm(values(np.linalg.eigvalsh(upperOnly, "U", { symmetrizeInput: false })), values(w))).toBeLessThan(1e-12);
  });
});

describe("np.linalg.matrixPower / cond", () => {
  it("matrixPower matches repeated products, n = 0 is I, negative n inverts", () => {
    const rng = new SeededRandom(14);
    const a = shiftedRandom(rng, [2, 3, 3], 1);
    let expected = np.broadcastTo(np.eye(3, 3, 0, "float64"), [2, 3, 3]);
    for (let p = 0; p <= 6; p++) {
      expect(diffNorm(values(np.linalg.matrixPower(a, p)), values(expected))).toBeLessThan(1e-13 * Math.max(1, norm2(values(expected))));
      expected = np.matmul(expected, a);
    }
    const inverseSquared = np.linalg.matrixPower(a, -2);
    const identity = np.matmul(np.matmul(a, a), inverseSquared);
    expect(diffNorm(values(identity), eyeValues(2, 3))).toBeLessThan(1e-12);
    expect(() => np.linalg.matrixPower(a, 1.5)).toThrow(/integer/);
  });

  it("cond: σmax/σmin for 2×2 (closed form) and diagonal matrices; p = 1 is ‖A‖₁‖A⁻¹‖₁", () => {
    const [a, b, c, d] = [2, -1, 0.5, 3];
    const fro2 = a * a + b * b + c * c + d * d;
    const det = a * d - b * c;
    const s1 = Math.sqrt((fro2 + Math.sqrt(fro2 * fro2 - 4 * det * det)) / 2);
    const s2 = Math.abs(det) / s1;
    const m = np.array([[a, b], [c, d]], "float64");
    expect(values(np.linalg.cond(m))[0]).toBeCloseTo(s1 / s2, 12);
    expect(values(np.linalg.cond(m, -2))[0]).toBeCloseTo(s2 / s1, 12);
    expect(values(np.linalg.cond(np.array([[4, 0, 0], [0, -0.5, 0], [0, 0, 2]], "float64")))[0]).toBeCloseTo(8, 12);
    // ‖A‖₁ = max column sum = 4; A⁻¹ = [[3, 1], [-0.5, 2]] / 6.5, ‖A⁻¹‖₁ = 3/6.5 + ... = max(3.5, 3)/6.5.
    expect(values(np.linalg.cond(m, 1))[0]).toBeCloseTo(4 * (3.5 / 6.5), 12);
  });
});

describe("np.linalg derivatives (float64 central differences, vjp = jvpᵀ)", () => {
  const rng = new SeededRandom(100);
  const square = () => shiftedRandom(rng, [2, 4, 4], 4);
  const cases: [string, (...xs: NDArray[]) => NDArray[], () => NDArray[]][] = [
    ["cholesky", (a) => [np.linalg.cholesky(a)], () => [randomSpd(rng, [2, 4, 4])]],
    ["cholesky upper", (a) => [np.linalg.cholesky(a, { upper: true })], () => [randomSpd(rng, [3, 3])]],
    ["solve (matrix b)", (a, b) => [np.linalg.solve(a, b)], () => [square(), randomNormal(rng, [2, 4, 3])]],
    ["solve (vector b, broadcast)", (a, b) => [np.linalg.solve(a, b)], () => [square(), randomNormal(rng, [4])]],
    ["inv", (a) => [np.linalg.inv(a)], () => [square()]],
    ["det", (a) => [np.linalg.det(a)], () => [shiftedRandom(rng, [2, 4, 4], 1)]],
    ["slogdet", (a) => np.linalg.slogdet(a), () => [shiftedRandom(rng, [2, 4, 4], 1)]],
    ["qr reduced", (a) => np.linalg.qr(a), () => [shiftedRandom(rng, [2, 5, 3], 2)]],
    ["qr complete (wide)", (a) => np.linalg.qr(a, "complete"), () => [shiftedRandom(rng, [2, 3, 5], 2)]],
    ["eigh (eigenvector signs fixed)", (a) => { const [w, v] = np.linalg.eigh(a); return [w, fixEigenvectorSigns(v)]; }, () => [symmetricWithGap(rng, 2, 7, 1)]],
    ["eigvalsh", (a) => [np.linalg.eigvalsh(a)], () => [randomNormal(rng, [2, 4, 4])]],
    ["matrixPower 3", (a) => [np.linalg.matrixPower(a, 3)], () => [randomNormal(rng, [2, 3, 3])]],
    ["matrixPower -2", (a) => [np.linalg.matrixPower(a, -2)], () => [square()]],
    ["norm vector 2", (x) => [np.linalg.norm(x, 2, -1)], () => [randomNormal(rng, [3, 5])]],
    ["norm vector 1", (x) => [np.linalg.norm(x, 1, -1)], () => [randomNormal(rng, [3, 5])]],
    ["norm vector inf", (x) => [np.linalg.norm(x, Infinity, -1)], () => [randomNormal(rng, [3, 5])]],
    ["norm vector 3", (x) => [np.linalg.norm(x, 3, -1)], () => [randomNormal(rng, [3, 5])]],
    ["norm fro", (x) => [np.linalg.norm(x, "fro")], () => [randomNormal(rng, [3, 5])]],
    ["norm matrix 1", (x) => [np.linalg.norm(x, 1)], () => [randomNormal(rng, [3, 5])]],
    ["norm matrix inf", (x) => [np.linalg.norm(x, Infinity)], () => [randomNormal(rng, [3, 5])]],
    ["norm matrix 2", (x) => [np.linalg.norm(x, 2, [1, 2])], () => [randomNormal(rng, [2, 4, 3])]],
    ["norm matrix -2", (x) => [np.linalg.norm(x, -2, [1, 2])], () => [randomNormal(rng, [2, 3, 4])]],
    ["norm nuc", (x) => [np.linalg.norm(x, "nuc")], () => [randomNormal(rng, [3, 5])]],
    ["cond", (a) => [np.linalg.cond(a)], () => [square()]],
    ["cond p=inf", (a) => [np.linalg.cond(a, Infinity)], () => [square()]],
  ];
  it.each(cases)("%s", (_name, fn, makeArgs) => {
    for (let trial = 0; trial < 3; trial++) {
      const report = checkDerivatives(fn, makeArgs(), rng);
      expect(report.jvpError).toBeLessThan(derivativeTolerance);
      expect(report.transposeError).toBeLessThan(transposeTolerance);
    }
  });

  it("Jacobi's formula: ∂det/∂A = det(A) A⁻ᵀ, and ∂logabsdet/∂A = A⁻ᵀ", () => {
    const a = shiftedRandom(rng, [4, 4], 2);
    const [[d], pullDet] = vjpFlat((x) => [np.linalg.det(x)], [a]);
    const [gradDet] = pullDet([np.array(1, "float64")]);
    const invT = values(np.transpose(np.linalg.inv(a)));
    expect(diffNorm(values(gradDet as NDArray), invT.map((v) => v * values(d!)[0]!))).toBeLessThan(1e-12 * Math.abs(values(d!)[0]!) * norm2(invT));
    const [, pullLog] = vjpFlat((x) => [np.linalg.slogdet(x)[1]], [a]);
    const [gradLog] = pullLog([np.array(1, "float64")]);
    expect(diffNorm(values(gradLog as NDArray), invT)).toBeLessThan(1e-13 * norm2(invT));
  });
});

describe("np.linalg under vmap", () => {
  it.each([
    ["solve", (a: NDArray, b: NDArray) => [np.linalg.solve(a, b)]],
    ["det and slogdet", (a: NDArray) => [np.linalg.det(a), ...np.linalg.slogdet(a)]],
    ["inv", (a: NDArray) => [np.linalg.inv(a)]],
    ["cholesky", (a: NDArray) => [np.linalg.cholesky(np.matmul(a, np.swapaxes(a, -1, -2)))]],
  ] as const)("%s equals a loop over the mapped axis", (_name, fn) => {
    const rng = new SeededRandom(200);
    const a = shiftedRandom(rng, [3, 4, 4], 4);
    const b = randomNormal(rng, [3, 4]);
    const program = fn as (...xs: NDArray[]) => NDArray[];
    const [outs, dims] = vmapFlat(program, [a, b], [0, 0], 3);
    outs.forEach((out, o) => {
      const loop = [0, 1, 2].flatMap((i) => [...values(program(fromValues(values(a).slice(i * 16, i * 16 + 16), [4, 4]), fromValues(values(b).slice(i * 4, i * 4 + 4), [4]))[o]!)]);
      const got = values(np.moveaxis(out, dims[o]!, 0));
      expect(diffNorm(got, loop)).toBeLessThanOrEqual(1e-13 * Math.max(1, norm2(loop)));
    });
  });
});
