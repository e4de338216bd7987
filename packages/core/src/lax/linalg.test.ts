// Tests for lax.linalg: JAX's defaults and output orders, vector right-hand sides and batch broadcasting in
// triangularSolve, symmetrizeInput, and derivatives of the wrappers against float64 central differences.
import { describe, expect, it } from "vitest";
import { lax, np } from "@fluxion/core";
import type { NDArray } from "../array/ndarray.js";
import {
  SeededRandom,
  checkDerivatives,
  diffNorm,
  fixEigenvectorSigns,
  fromValues,
  norm2,
  randomNormal,
  randomSpd,
  shiftedRandom,
  symmetricWithGap,
  values,
} from "../primitives/linalgTestUtils.js";

describe("lax.linalg.triangularSolve", () => {
  it("defaults to JAX's leftSide=false, lower=false: solves X U = B reading only the upper triangle", () => {
    const rng = new SeededRandom(1);
    const a = shiftedRandom(rng, [3, 3], 4);
    const b = randomNormal(rng, [2, 3]);
    const x = lax.linalg.triangularSolve(a, b);
    expect(diffNorm(values(np.matmul(x, np.triu(a))), values(b))).toBeLessThan(1e-14 * norm2(values(b)) * 10);
  });

  it("a vector b (one axis fewer than a) is a column for leftSide and a row otherwise", () => {
    const rng = new SeededRandom(2);
    const a = shiftedRandom(rng, [2, 3, 3], 4);
    const b = randomNormal(rng, [2, 3]);
    const left = lax.linalg.triangularSolve(a, b, { leftSide: true, lower: true });
    expect(left.shape).toEqual([2, 3]);
    const lowerA = np.tril(a);
    expect(diffNorm(values(np.matmul(lowerA, np.expandDims(left, -1))), values(b))).toBeLessThan(1e-13);
    const right = lax.linalg.triangularSolve(a, b, { leftSide: false, lower: true, transposeA: true });
    expect(right.shape).toEqual([2, 3]);
    const back = np.matmul(np.expandDims(right, -2), np.swapaxes(lowerA, -1, -2));
    expect(diffNorm(values(back), values(b))).toBeLessThan(1e-13);
  });

  it("broadcasts leading axes of a and b", () => {
    const rng = new SeededRandom(3);
    const a = shiftedRandom(rng, [3, 3], 4);
    const b = randomNormal(rng, [4, 2, 3, 2]);
    const x = lax.linalg.triangularSolve(a, b, { leftSide: true, lower: true, unitDiagonal: true });
    expect(x.shape).toEqual([4, 2, 3, 2]);
    const unitLower = np.add(np.tril(a, -1), np.eye(3, 3, 0, "float64"));
    expect(diffNorm(values(np.matmul(unitLower, x)), values(b))).toBeLessThan(1e-13);
  });

  it("is differentiable in a and b, including vector right-hand sides", () => {
    const rng = new SeededRandom(4);
    const report = checkDerivatives(
      (a, b) => [lax.linalg.triangularSolve(a, b, { leftSide: true, lower: false, transposeA: true })],
      [shiftedRandom(rng, [2, 4, 4], 5), randomNormal(rng, [2, 4])],
      rng,
    );
    expect(report.jvpError).toBeLessThan(1e-6);
    expect(report.transposeError).toBeLessThan(1e-12);
  });
});

describe("lax.linalg factorizations", () => {
  it("cholesky symmetrises by default; symmetrizeInput=false reads only the lower triangle", () => {
    const rng = new SeededRandom(5);
    const a = values(randomSpd(rng, [4, 4]));
    const lowerOnly = a.slice();
    for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) lowerOnly[i * 4 + j] = a[i * 4 + j]! + 0.1 * rng.normal();
    const raw = lax.linalg.cholesky(fromValues(lowerOnly, [4, 4]), { symmetrizeInput: false });
    expect(diffNorm(values(raw), values(lax.linalg.cholesky(fromValues(a, [4, 4]))))).toBeLessThan(1e-14);
    const symmetrised = values(lax.linalg.cholesky(fromValues(lowerOnly, [4, 4])));
    expect(diffNorm(symmetrised, values(raw))).toBeGreaterThan(1e-3);
  });

  it("lu returns [lu, pivots, permutation] with A[permutation] = L U", () => {
    const a = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 10]], "float64");
    const [factors, pivots, permutation] = lax.linalg.lu(a);
    expect([...pivots.dataSync()]).toEqual([2, 2, 2]);
    expect([...permutation.dataSync()]).toEqual([2, 0, 1]);
    const l = np.add(np.tril(factors, -1), np.eye(3, 3, 0, "float64"));
    const u = np.triu(factors);
    const permuted = values(a).filter(() => true);
    const reordered = [2, 0, 1].flatMap((r) => [...permuted.slice(r * 3, r * 3 + 3)]);
    expect(diffNorm(values(np.matmul(l, u)), reordered)).toBeLessThan(1e-14);
  });

  it("qr defaults to fullMatrices=true (JAX); eigh returns [v, w] (JAX order)", () => {
    const rng = new SeededRandom(6);
    const [q, r] = lax.linalg.qr(randomNormal(rng, [5, 2]));
    expect([q.shape, r.shape]).toEqual([[5, 5], [5, 2]]);
    const [qReduced] = lax.linalg.qr(randomNormal(rng, [5, 2]), { fullMatrices: false });
    expect(qReduced.shape).toEqual([5, 2]);
    const a = symmetricWithGap(rng, 2, 3, 1);
    const [v, w] = lax.linalg.eigh(a);
    expect([v.shape, w.shape]).toEqual([[2, 3, 3], [2, 3]]);
    expect(diffNorm(values(np.matmul(a, v)), values(np.multiply(v, np.expandDims(w, 1))))).toBeLessThan(1e-13 * norm2(values(a)));
  });

  it("the symmetrising wrappers are differentiable for arbitrary (non-symmetric) inputs", () => {
    const rng = new SeededRandom(7);
    const programs: [(x: NDArray) => NDArray[], NDArray][] = [
      [(x) => [lax.linalg.cholesky(x)], np.add(randomSpd(rng, [2, 3, 3]), np.multiply(randomNormal(rng, [2, 3, 3]), 0.1))],
      [(x) => { const [v, w] = lax.linalg.eigh(x); return [fixEigenvectorSigns(v), w]; }, np.add(symmetricWithGap(rng, 2, 3, 1), np.multiply(randomNormal(rng, [2, 3, 3]), 0.1))],
      [(x) => lax.linalg.lu(x), shiftedRandom(rng, [2, 3, 4], 2)],
      [(x) => lax.linalg.qr(x, { fullMatrices: false }), shiftedRandom(rng, [2, 4, 3], 2)],
    ];
    for (const [program, input] of programs) {
      const report = checkDerivatives(program, [input], rng);
      expect(report.jvpError).toBeLessThan(1e-6);
      expect(report.transposeError).toBeLessThan(1e-12);
    }
  });
});
