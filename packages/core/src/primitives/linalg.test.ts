// Tests for the linalg primitives: residuals over leading batch axes, derivatives against float64 central
// differences, vjp = jvpᵀ, the triangular_solve transpose rule, vmap against a loop, NaN/Inf behaviour, staging.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShapedArray } from "../array/aval.js";
import type { NDArray } from "../array/ndarray.js";
import { ShapeError } from "../errors.js";
import { sizeOf } from "../shape.js";
import { bind, bind1 } from "../trace/core.js";
import { vmapFlat } from "../trace/batching.js";
import { jvpFlat } from "../trace/jvp.js";
import { evalJaxpr, traceToJaxpr } from "../trace/staging.js";
import { UndefinedPrimal, Zero } from "../trace/values.js";
import { convert, moveaxis, reshape, sliceAxis } from "./structural.js";
import { choleskyP, eighP, luP, qrP, triangularSolveP, type TriangularSolveParams } from "./linalg.js";
import {
  SeededRandom,
  checkDerivatives,
  diffNorm,
  fixEigenvectorSigns,
  fromValues,
  norm2,
  randomNormal,
  randomSpd,
  referenceMatmul,
  referenceTransposeBatch,
  shiftedRandom,
  symmetricWithGap,
  values,
} from "./linalgTestUtils.js";

const fcOptions = { seed: 1234567, numRuns: 15 };
const derivativeTolerance = 1e-6;
const transposeTolerance = 1e-12;

const allSolveParams: TriangularSolveParams[] = [];
for (const leftSide of [true, false])
  for (const lower of [true, false])
    for (const transposeA of [true, false])
      for (const unitDiagonal of [true, false]) allSolveParams.push({ leftSide, lower, transposeA, unitDiagonal });
const describeParams = (p: TriangularSolveParams) => `left=${p.leftSide} lower=${p.lower} T=${p.transposeA} unit=${p.unitDiagonal}`;

/** Element `i` of axis `axis`, with that axis removed. */
function take(x: NDArray, axis: number, i: number): NDArray {
  return reshape(sliceAxis(x, axis, i, i + 1), x.shape.filter((_, k) => k !== axis));
}
/** Values of `x` with its batch axis `axis` moved to the front (to compare against a loop). */
const frontValues = (x: NDArray, axis: number): Float64Array => values(moveaxis(x, axis, 0));

/** The dense op(A) a triangular solve uses: kept triangle, unit diagonal if asked, transposed if asked. */
function denseOp(a: Float64Array, batch: number, k: number, p: TriangularSolveParams): Float64Array {
  const out = new Float64Array(batch * k * k);
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        const inTriangle = p.lower ? j <= i : j >= i;
        let v = inTriangle ? a[t * k * k + i * k + j]! : 0;
        if (i === j && p.unitDiagonal) v = 1;
        const [r, c] = p.transposeA ? [j, i] : [i, j];
        out[t * k * k + r * k + c] = v;
      }
    }
  }
  return out;
}

describe("cholesky primitive", () => {
  it("factors batched SPD matrices: L Lᵀ = A, L lower, relative residual < 1e-14", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 7 }), (seed, n) => {
        const rng = new SeededRandom(seed);
        const a = randomSpd(rng, [2, 3, n, n]);
        const l = bind1(choleskyP, [a]);
        expect(l.shape).toEqual([2, 3, n, n]);
        expect(l.dtype).toBe("float64");
        const lv = values(l);
        for (let t = 0; t < 6; t++) for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(lv[t * n * n + i * n + j]).toBe(0);
        const llt = referenceMatmul(lv, referenceTransposeBatch(lv, 6, n, n), 6, n, n, n);
        expect(diffNorm(llt, values(a)) / norm2(values(a))).toBeLessThan(1e-14);
      }),
      fcOptions,
    );
  });

  it("reads only the lower triangle (NaN above the diagonal is ignored)", () => {
    const rng = new SeededRandom(3);
    const a = values(randomSpd(rng, [2, 4, 4]));
    const poisoned = a.slice();
    for (let t = 0; t < 2; t++) for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) poisoned[t * 16 + i * 4 + j] = Number.NaN;
    expect(values(bind1(choleskyP, [fromValues(poisoned, [2, 4, 4])]))).toEqual(values(bind1(choleskyP, [fromValues(a, [2, 4, 4])])));
  });

  it("gives an all-NaN factor for a non-positive-definite batch element only, without throwing", () => {
    const rng = new SeededRandom(4);
    const a = values(randomSpd(rng, [3, 3, 3]));
    a[1 * 9 + 4] = -5; // element 1: negative diagonal entry, so not positive definite
    const l = values(bind1(choleskyP, [fromValues(a, [3, 3, 3])]));
    expect(l.slice(9, 18).every(Number.isNaN)).toBe(true);
    expect(l.slice(0, 9).every(Number.isFinite)).toBe(true);
    expect(l.slice(18, 27).every(Number.isFinite)).toBe(true);
  });

  it("jvp matches central differences and vjp is its transpose (the strict upper triangle has no effect)", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 5 }), (seed, n) => {
        const rng = new SeededRandom(seed);
        const spd = values(randomSpd(rng, [2, n, n]));
        // Random junk above the diagonal: the primitive's derivative must ignore it as the kernel does.
        for (let t = 0; t < 2; t++) for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) spd[t * n * n + i * n + j] = rng.normal();
        const report = checkDerivatives((x) => bind(choleskyP, [x]), [fromValues(spd, [2, n, n])], rng);
        expect(report.jvpError).toBeLessThan(derivativeTolerance);
        expect(report.transposeError).toBeLessThan(transposeTolerance);
      }),
      fcOptions,
    );
  });

  it("vmap over a middle axis equals a loop over the batch", () => {
    const rng = new SeededRandom(5);
    const stacked = moveaxis(randomSpd(rng, [4, 2, 3, 3]), 0, 1); // [2, 4, 3, 3], mapped axis 1
    const [[out], [dim]] = vmapFlat((x) => bind(choleskyP, [x]), [stacked], [1], 4);
    const loop = [0, 1, 2, 3].flatMap((i) => [...values(bind1(choleskyP, [take(stacked, 1, i)]))]);
    expect([...frontValues(out!, dim!)]).toEqual(loop);
  });

  it("rejects non-square and non-float operands with a ShapeError / DTypeError naming the op", () => {
    expect(() => bind1(choleskyP, [fromValues(new Float64Array(6), [2, 3])])).toThrow(ShapeError);
    expect(() => bind1(choleskyP, [fromValues(new Float64Array(6), [2, 3])])).toThrow(/cholesky/);
    expect(() => bind1(choleskyP, [fromValues(new Float64Array(3), [3])])).toThrow(/at least 2 dimensions/);
  });
});

describe("triangular_solve primitive", () => {
  it.each(allSolveParams.map((p) => [describeParams(p), p] as const))("solves op(A) X = B / X op(A) = B over batch axes (%s)", (_name, p) => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 4 }), (seed, k, other) => {
        const rng = new SeededRandom(seed);
        const a = shiftedRandom(rng, [2, 3, k, k], 2 * k + 2);
        const bShape = p.leftSide ? [2, 3, k, other] : [2, 3, other, k];
        const b = randomNormal(rng, bShape);
        const x = bind1(triangularSolveP, [a, b], p);
        expect(x.shape).toEqual(bShape);
        const op = denseOp(values(a), 6, k, p);
        const [m, n] = bShape.slice(2) as [number, number];
        const product = p.leftSide ? referenceMatmul(op, values(x), 6, m, m, n) : referenceMatmul(values(x), op, 6, m, n, n);
        expect(diffNorm(product, values(b)) / norm2(values(b))).toBeLessThan(1e-13);
      }),
      { ...fcOptions, numRuns: 6 },
    );
  });

  it.each(allSolveParams.map((p) => [describeParams(p), p] as const))("derivatives in a and b match central differences (%s)", (_name, p) => {
    const rng = new SeededRandom(11);
    for (const [k, other] of [[3, 2], [2, 4], [4, 1]] as const) {
      const a = shiftedRandom(rng, [2, k, k], 2 * k + 2);
      const b = randomNormal(rng, p.leftSide ? [2, k, other] : [2, other, k]);
      const report = checkDerivatives((x, y) => bind(triangularSolveP, [x, y], p), [a, b], rng);
      expect(report.jvpError).toBeLessThan(derivativeTolerance);
      expect(report.transposeError).toBeLessThan(transposeTolerance);
    }
  });

  it.each(allSolveParams.map((p) => [describeParams(p), p] as const))("transpose rule: <T(c), v> = <c, solve(a, v)> (%s)", (_name, p) => {
    const rng = new SeededRandom(12);
    const a = shiftedRandom(rng, [3, 4, 4], 6);
    const bShape = p.leftSide ? [3, 4, 2] : [3, 2, 4];
    const v = randomNormal(rng, bShape);
    const c = randomNormal(rng, bShape);
    const rule = triangularSolveP.transpose;
    if (rule === "nonlinear") throw new Error("triangular_solve must be transposable in b");
    const [ctA, ctB] = rule([c], [a, new UndefinedPrimal(new ShapedArray(bShape, "float64"))], p);
    expect(ctA).toBeNull();
    const left = values(ctB as NDArray).reduce((s, x, i) => s + x * values(v)[i]!, 0);
    const right = values(bind1(triangularSolveP, [a, v], p)).reduce((s, x, i) => s + x * values(c)[i]!, 0);
    expect(Math.abs(left - right)).toBeLessThan(1e-13 * norm2(values(c)) * norm2(values(v)));
    const zero = rule([new Zero(new ShapedArray(bShape, "float64"))], [a, new UndefinedPrimal(new ShapedArray(bShape, "float64"))], p);
    expect(zero[1]).toBeInstanceOf(Zero);
  });

  describe("vmap equals a loop", () => {
    const cases: [string, TriangularSolveParams, number | null, number | null][] = [];
    for (const p of [allSolveParams[0]!, allSolveParams[5]!, allSolveParams[10]!, allSolveParams[15]!]) {
      cases.push([`${describeParams(p)} both mapped`, p, 0, 2]);
      cases.push([`${describeParams(p)} only b mapped (folded into b)`, p, null, 1]);
      cases.push([`${describeParams(p)} only a mapped (b broadcast)`, p, 2, null]);
    }
    it.each(cases)("%s", (_name, p, aDim, bDim) => {
      const rng = new SeededRandom(13);
      const size = 3;
      const k = 4;
      const other = 2;
      const bCore = p.leftSide ? [k, other] : [other, k];
      const insert = (shape: number[], dim: number | null) => (dim === null ? shape : [...shape.slice(0, dim), size, ...shape.slice(dim)]);
      const aArr = aDim === null ? shiftedRandom(rng, [2, k, k], 8) : moveaxis(shiftedRandom(rng, [size, 2, k, k], 8), 0, aDim);
      const bArr = randomNormal(rng, insert([2, ...bCore], bDim));
      const [[out], [dim]] = vmapFlat((x, y) => bind(triangularSolveP, [x, y], p), [aArr, bArr], [aDim, bDim], size);
      const loop: number[] = [];
      for (let i = 0; i < size; i++) {
        const ai = aDim === null ? aArr : take(aArr, aDim, i);
        const bi = bDim === null ? bArr : take(bArr, bDim, i);
        loop.push(...values(bind1(triangularSolveP, [ai, bi], p)));
      }
      const got = frontValues(out!, dim!);
      expect(diffNorm(got, loop) / norm2(loop)).toBeLessThan(1e-14);
    });
  });

  it("rejects mismatched batch axes, non-square a and incompatible sizes with ShapeErrors", () => {
    const p = allSolveParams[0]!;
    const a = fromValues(new Float64Array(18), [2, 3, 3]);
    expect(() => bind1(triangularSolveP, [a, fromValues(new Float64Array(18), [3, 3, 2])], p)).toThrow(/batch/);
    expect(() => bind1(triangularSolveP, [fromValues(new Float64Array(12), [2, 3, 2]), fromValues(new Float64Array(12), [2, 3, 2])], p)).toThrow(ShapeError);
    expect(() => bind1(triangularSolveP, [a, fromValues(new Float64Array(8), [2, 2, 2])], p)).toThrow(/leftSide=true/);
  });

  it("a zero on the diagonal yields Inf/NaN instead of throwing", () => {
    const a = fromValues([1, 0, 0, 0, 0, 0, 1, 1, 1], [3, 3]);
    const x = values(bind1(triangularSolveP, [a, fromValues([1, 1, 1], [3, 1])], { leftSide: true, lower: true, transposeA: false, unitDiagonal: false }));
    expect(x.some((v) => !Number.isFinite(v))).toBe(true);
  });
});

describe("lu primitive", () => {
  const shapes: [number, number][] = [[4, 4], [5, 3], [3, 5], [1, 4], [4, 1]];

  it.each(shapes)("A[permutation] = L U with consistent pivots over batch axes (%i×%i)", (m, n) => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const rng = new SeededRandom(seed);
        const a = randomNormal(rng, [2, 2, m, n]);
        const [factors, pivots, permutation] = bind(luP, [a]) as [NDArray, NDArray, NDArray];
        const k = Math.min(m, n);
        expect(pivots.shape).toEqual([2, 2, k]);
        expect(permutation.shape).toEqual([2, 2, m]);
        expect(pivots.dtype).toBe("int32");
        const f = values(factors);
        const piv = pivots.dataSync();
        const perm = permutation.dataSync();
        const av = values(a);
        for (let t = 0; t < 4; t++) {
          const order = [...Array(m).keys()];
          for (let j = 0; j < k; j++) {
            const swap = piv[t * k + j]!;
            [order[j], order[swap]] = [order[swap]!, order[j]!];
          }
          expect([...perm.slice(t * m, (t + 1) * m)]).toEqual(order);
          const l = new Float64Array(m * k);
          const u = new Float64Array(k * n);
          for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) l[i * k + j] = i === j ? 1 : i > j ? f[t * m * n + i * n + j]! : 0;
          for (let i = 0; i < k; i++) for (let j = i; j < n; j++) u[i * n + j] = f[t * m * n + i * n + j]!;
          const lu = referenceMatmul(l, u, 1, m, k, n);
          const permuted = new Float64Array(m * n);
          for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) permuted[i * n + j] = av[t * m * n + order[i]! * n + j]!;
          expect(diffNorm(lu, permuted) / norm2(permuted)).toBeLessThan(1e-14);
          // Partial pivoting bounds every multiplier by one.
          for (let i = 0; i < m; i++) for (let j = 0; j < Math.min(i, k); j++) expect(Math.abs(l[i * k + j]!)).toBeLessThanOrEqual(1);
        }
      }),
      fcOptions,
    );
  });

  it.each(shapes)("jvp matches central differences, vjp is its transpose, pivots get zero tangents (%i×%i)", (m, n) => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const rng = new SeededRandom(seed);
        const a = shiftedRandom(rng, [2, m, n], 1.5);
        const report = checkDerivatives((x) => bind(luP, [x]), [a], rng);
        expect(report.jvpError).toBeLessThan(derivativeTolerance);
        expect(report.transposeError).toBeLessThan(transposeTolerance);
        const [, tangents] = jvpFlat((x) => bind(luP, [x]), [a], [randomNormal(rng, a.shape)]);
        expect(tangents[1]).toBeInstanceOf(Zero);
        expect(tangents[2]).toBeInstanceOf(Zero);
      }),
      { ...fcOptions, numRuns: 8 },
    );
  });

  it("vmap over the last axis equals a loop", () => {
    const rng = new SeededRandom(21);
    const stacked = randomNormal(rng, [2, 4, 3, 5]); // mapped axis 3: matrices [2, 4, 3]
    const [outs, dims] = vmapFlat((x) => bind(luP, [x]), [stacked], [3], 5);
    outs.forEach((out, o) => {
      const loop = [0, 1, 2, 3, 4].flatMap((i) => [...(bind(luP, [take(stacked, 3, i)])[o]!.dataSync())]);
      expect([...moveaxis(out, dims[o]!, 0).dataSync()]).toEqual(loop);
    });
  });

  it("an exactly singular matrix factors without throwing (zero on U's diagonal)", () => {
    const [factors] = bind(luP, [fromValues([1, 2, 2, 4], [2, 2])]);
    const f = values(factors!);
    expect(f[3]).toBe(0);
    expect(f.every(Number.isFinite)).toBe(true);
  });
});

describe("qr primitive", () => {
  const cases: [number, number, boolean][] = [[5, 3, false], [5, 3, true], [4, 4, false], [4, 4, true], [3, 5, false], [3, 5, true]];

  it.each(cases)("Q R = A, QᵀQ = I, R upper over batch axes (%i×%i, fullMatrices=%s)", (m, n, fullMatrices) => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const rng = new SeededRandom(seed);
        const a = randomNormal(rng, [2, 3, m, n]);
        const [q, r] = bind(qrP, [a], { fullMatrices }) as [NDArray, NDArray];
        const k = fullMatrices ? m : Math.min(m, n);
        expect(q.shape).toEqual([2, 3, m, k]);
        expect(r.shape).toEqual([2, 3, k, n]);
        const qv = values(q);
        const rv = values(r);
        for (let t = 0; t < 6; t++) for (let i = 0; i < k; i++) for (let j = 0; j < Math.min(i, n); j++) expect(rv[t * k * n + i * n + j]).toBe(0);
        const qr = referenceMatmul(qv, rv, 6, m, k, n);
        expect(diffNorm(qr, values(a)) / norm2(values(a))).toBeLessThan(1e-14);
        const gram = referenceMatmul(referenceTransposeBatch(qv, 6, m, k), qv, 6, k, m, k);
        const eye = new Float64Array(6 * k * k).map((_, idx) => (Math.floor(idx / k) % k === idx % k ? 1 : 0));
        expect(diffNorm(gram, eye)).toBeLessThan(1e-13);
      }),
      fcOptions,
    );
  });

  it.each(cases.filter(([m, n, full]) => !(full && m > n)))("jvp matches central differences and vjp is its transpose (%i×%i, fullMatrices=%s)", (m, n, fullMatrices) => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const rng = new SeededRandom(seed);
        const a = shiftedRandom(rng, [2, m, n], 2);
        const report = checkDerivatives((x) => bind(qrP, [x], { fullMatrices }), [a], rng);
        expect(report.jvpError).toBeLessThan(derivativeTolerance);
        expect(report.transposeError).toBeLessThan(transposeTolerance);
      }),
      { ...fcOptions, numRuns: 8 },
    );
  });

  it("refuses the derivative of a tall full QR (Q's extra columns are not unique) with a ShapeError", () => {
    const a = randomNormal(new SeededRandom(1), [5, 3]);
    expect(() => jvpFlat((x) => bind(qrP, [x], { fullMatrices: true }), [a], [a])).toThrow(/fullMatrices=false/);
  });

  it("vmap equals a loop", () => {
    const rng = new SeededRandom(22);
    const stacked = randomNormal(rng, [3, 4, 2]);
    for (const fullMatrices of [true, false]) {
      const [outs, dims] = vmapFlat((x) => bind(qrP, [x], { fullMatrices }), [stacked], [0], 3);
      outs.forEach((out, o) => {
        const loop = [0, 1, 2].flatMap((i) => [...values(bind(qrP, [take(stacked, 0, i)], { fullMatrices })[o]!)]);
        expect([...frontValues(out, dims[o]!)]).toEqual(loop);
      });
    }
  });
});

describe("eigh primitive", () => {
  it("A V = V diag(w), VᵀV = I, ascending w over batch axes; only the chosen triangle is read", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 7 }), fc.boolean(), (seed, n, lower) => {
        const rng = new SeededRandom(seed);
        const sym = values(randomSpd(rng, [6, n, n])).map((v) => v - 1.5);
        const full = sym.slice();
        for (let t = 0; t < 6; t++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (lower ? j > i : j < i) sym[t * n * n + i * n + j] = Number.NaN;
        const [v, w] = bind(eighP, [fromValues(sym, [2, 3, n, n])], { lower }) as [NDArray, NDArray];
        expect(w.shape).toEqual([2, 3, n]);
        const vv = values(v);
        const wv = values(w);
        const av = referenceMatmul(full, vv, 6, n, n, n);
        const vw = vv.map((x, idx) => x * wv[Math.floor(idx / (n * n)) * n + (idx % n)]!);
        expect(diffNorm(av, vw) / norm2(full)).toBeLessThan(1e-13);
        const gram = referenceMatmul(referenceTransposeBatch(vv, 6, n, n), vv, 6, n, n, n);
        const eye = new Float64Array(6 * n * n).map((_, idx) => (Math.floor(idx / n) % n === idx % n ? 1 : 0));
        expect(diffNorm(gram, eye)).toBeLessThan(1e-13);
        for (let t = 0; t < 6; t++) for (let i = 1; i < n; i++) expect(wv[t * n + i]!).toBeGreaterThanOrEqual(wv[t * n + i - 1]!);
      }),
      fcOptions,
    );
  });

  it.each([true, false])("jvp matches central differences and vjp is its transpose (lower=%s, junk in the other triangle, eigenvector signs fixed)", (lower) => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 8 }), (seed, n) => {
        const rng = new SeededRandom(seed);
        const a = values(symmetricWithGap(rng, 2, n, 1));
        for (let t = 0; t < 2; t++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (lower ? j > i : j < i) a[t * n * n + i * n + j] = rng.normal();
        const eigenSigned = (x: NDArray) => {
          const [v, w] = bind(eighP, [x], { lower });
          return [fixEigenvectorSigns(v!), w!];
        };
        const report = checkDerivatives(eigenSigned, [fromValues(a, [2, n, n])], rng);
        expect(report.jvpError).toBeLessThan(derivativeTolerance);
        expect(report.transposeError).toBeLessThan(transposeTolerance);
      }),
      { ...fcOptions, numRuns: 10 },
    );
  });

  it("degenerate eigenvalues: eigenvalue tangents stay finite, eigenvector tangents are not finite", () => {
    const a = fromValues([2, 0, 0, 0, 2, 0, 0, 0, 5], [3, 3]);
    const direction = randomNormal(new SeededRandom(8), [3, 3]);
    const [, [dv, dw]] = jvpFlat((x) => bind(eighP, [x], { lower: true }), [a], [direction]);
    expect(values(dw as NDArray).every(Number.isFinite)).toBe(true);
    expect(values(dv as NDArray).some((x) => !Number.isFinite(x))).toBe(true);
  });

  it("vmap equals a loop", () => {
    const rng = new SeededRandom(23);
    const stacked = moveaxis(symmetricWithGap(rng, 4, 3, 1), 0, 2); // [3, 3, 4], mapped axis 2
    const [outs, dims] = vmapFlat((x) => bind(eighP, [x], { lower: false }), [stacked], [2], 4);
    outs.forEach((out, o) => {
      const loop = [0, 1, 2, 3].flatMap((i) => [...values(bind(eighP, [take(stacked, 2, i)], { lower: false })[o]!)]);
      expect([...frontValues(out, dims[o]!)]).toEqual(loop);
    });
  });
});

describe("rules compose with other transforms", () => {
  it("vmap of the jvp of every primitive equals a loop of jvps (batching of the rules' own primitives)", () => {
    const rng = new SeededRandom(31);
    const size = 3;
    const programs: [string, (x: NDArray) => NDArray[], NDArray][] = [
      ["cholesky", (x) => bind(choleskyP, [x]), randomSpd(rng, [size, 3, 3])],
      ["lu", (x) => bind(luP, [x]).slice(0, 1), shiftedRandom(rng, [size, 4, 3], 2)],
      ["qr", (x) => bind(qrP, [x], { fullMatrices: false }), shiftedRandom(rng, [size, 4, 3], 2)],
      ["eigh", (x) => bind(eighP, [x], { lower: true }), symmetricWithGap(rng, size, 3, 1)],
      ["triangular_solve", (x) => bind(triangularSolveP, [x, x], allSolveParams[3]!), shiftedRandom(rng, [size, 3, 3], 4)],
    ];
    for (const [name, program, primal] of programs) {
      const tangent = randomNormal(rng, primal.shape);
      const jvpOf = (p: NDArray, t: NDArray) => {
        const [outs, tangents] = jvpFlat(program, [p], [t]);
        return [...outs, ...tangents.map((x) => x as NDArray)];
      };
      const [mapped, dims] = vmapFlat(jvpOf, [primal, tangent], [0, 0], size);
      mapped.forEach((out, o) => {
        const loop = [0, 1, 2].flatMap((i) => [...values(jvpOf(take(primal, 0, i), take(tangent, 0, i))[o]!)]);
        const got = frontValues(out, dims[o]!);
        expect(diffNorm(got, loop), name).toBeLessThanOrEqual(1e-12 * Math.max(norm2(loop), 1));
      });
    }
  });

  it("second order: the jvp of every primitive's jvp matches central differences (rules are differentiable)", () => {
    const rng = new SeededRandom(34);
    const programs: [string, (x: NDArray) => NDArray[], NDArray][] = [
      ["cholesky", (x) => bind(choleskyP, [x]), randomSpd(rng, [2, 3, 3])],
      ["lu", (x) => bind(luP, [x]).slice(0, 1), shiftedRandom(rng, [2, 3, 4], 2)],
      ["qr", (x) => bind(qrP, [x], { fullMatrices: false }), shiftedRandom(rng, [2, 4, 3], 2)],
      ["eigh", (x) => { const [v, w] = bind(eighP, [x], { lower: true }); return [fixEigenvectorSigns(v!), w!]; }, symmetricWithGap(rng, 2, 3, 1)],
      ["triangular_solve", (x) => bind(triangularSolveP, [x, x], allSolveParams[6]!), shiftedRandom(rng, [2, 3, 3], 4)],
    ];
    for (const [name, program, primal] of programs) {
      const direction = randomNormal(rng, primal.shape);
      const tangentOf = (x: NDArray) => jvpFlat(program, [x], [direction])[1].map((t) => t as NDArray);
      const report = checkDerivatives(tangentOf, [primal], rng, 1e-5);
      expect(report.jvpError, name).toBeLessThan(1e-5);
      expect(report.transposeError, name).toBeLessThan(1e-12);
    }
  });

  it("stages into a jaxpr whose evaluation reproduces eager results", () => {
    const rng = new SeededRandom(32);
    const a = randomSpd(rng, [2, 3, 3]);
    const program = (x: NDArray) => {
      const l = bind1(choleskyP, [x]);
      const [factors] = bind(luP, [x]);
      const [q] = bind(qrP, [x], { fullMatrices: true });
      const [v, w] = bind(eighP, [x], { lower: true });
      return [l, factors!, q!, v!, w!, bind1(triangularSolveP, [l, x], allSolveParams[0]!)];
    };
    const closed = traceToJaxpr(program, [a.aval]);
    const names = closed.jaxpr.eqns.map((e) => e.prim.name);
    for (const name of ["cholesky", "lu", "qr", "eigh", "triangular_solve"]) expect(names).toContain(name);
    const staged = evalJaxpr(closed.jaxpr, closed.consts, [a]);
    program(a).forEach((eager, i) => expect([...values(staged[i]!)]).toEqual([...values(eager)]));
  });

  it("keeps float32 inputs in float32", () => {
    const a = randomSpd(new SeededRandom(33), [3, 3]);
    const a32 = convert(a, "float32");
    expect(bind1(choleskyP, [a32]).dtype).toBe("float32");
    const [q, r] = bind(qrP, [a32], { fullMatrices: false });
    expect([q!.dtype, r!.dtype]).toEqual(["float32", "float32"]);
    expect(sizeOf(bind(eighP, [a32], { lower: true })[1]!.shape)).toBe(3);
  });
});
