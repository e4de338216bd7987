// Linear-algebra primitives (cholesky, triangular_solve, lu, qr, eigh), batched over leading axes, with
// their jvp / transpose / batching rules modelled on JAX's jax/_src/lax/linalg.py.
import { ShapedArray } from "../array/aval.js";
import { ConcreteArray, type NDArray } from "../array/ndarray.js";
import * as kernels from "../backends/js/linalg/index.js";
import type { FloatArray } from "../backends/js/linalg/index.js";
import { type DType, typedArrayFor } from "../dtype.js";
import { DTypeError, ShapeError } from "../errors.js";
import { type Shape, showShape, sizeOf, shapesEqual } from "../shape.js";
import { bind, bind1 } from "../trace/core.js";
import { type Params, type Primitive, definePrimitive } from "../trace/primitive.js";
import { type Tangent, UndefinedPrimal, Zero, tangentAval } from "../trace/values.js";
import { checkDType } from "./families.js";
import { add, div, eq, mul, neg, sub, zerosFor } from "./elementwise.js";
import { broadcastBatched, broadcastInDim, concatenate, convert, iota, moveaxis, pad, reshape, selectN, sliceAxis, transpose } from "./structural.js";
import { dotGeneral } from "./dot.js";
import { reduceSum } from "./reductions.js";

// ---------------------------------------------------------------- shared shape checks
function checkMatrixOperand(op: string, x: ShapedArray, square: boolean): void {
  checkDType(op, x.dtype, "float");
  if (x.ndim < 2) {
    throw new ShapeError(`${op}: operand ${x} must have at least 2 dimensions ([..., m, n]); reshape a vector to a matrix first.`);
  }
  if (square && x.shape[x.ndim - 1] !== x.shape[x.ndim - 2]) {
    throw new ShapeError(`${op}: operand ${x} must be square in its last two axes ([..., n, n]).`);
  }
}
const batchShapeOf = (shape: Shape): number[] => shape.slice(0, -2);
const last2 = (shape: Shape): [number, number] => [shape[shape.length - 2]!, shape[shape.length - 1]!];

function floatOut(data: FloatArray, av: ShapedArray): ConcreteArray {
  return ConcreteArray.fromData(data, av.shape, av.dtype, av.weakType);
}
const allocFloat = (dtype: DType, size: number): FloatArray => typedArrayFor(dtype, size) as FloatArray;

// ---------------------------------------------------------------- helpers used inside rules
/** Batched matrix product over equal leading axes: [..., m, k] @ [..., k, n]. */
export function matmulBatched(x: NDArray, y: NDArray): NDArray {
  const nd = x.ndim;
  const batchAxes = [...Array(nd - 2).keys()];
  return dotGeneral(x, y, [[nd - 1], [nd - 2]], [batchAxes, batchAxes]);
}
/** Swaps the last two axes. */
export function swapLast2(x: NDArray): NDArray {
  const perm = [...Array(x.ndim).keys()];
  perm[x.ndim - 2] = x.ndim - 1;
  perm[x.ndim - 1] = x.ndim - 2;
  return transpose(x, perm);
}
/** A constant n×m matrix from f(i, j), broadcast over the leading axes of `shape` (which ends in n, m). */
function constantMatrix(shape: Shape, dtype: DType, f: (i: number, j: number) => number): NDArray {
  const [n, m] = last2(shape);
  const data = typedArrayFor(dtype, n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) data[i * m + j] = f(i, j);
  const c = ConcreteArray.fromData(data, [n, m], dtype);
  return broadcastInDim(c, shape, [shape.length - 2, shape.length - 1]);
}
/** Keeps entries with j - i <= k (lower) or j - i >= k (upper); zeros elsewhere without multiplying (no Inf·0). */
export function bandPart(x: NDArray, lower: boolean, k: number): NDArray {
  const keep = constantMatrix(x.shape, "bool", (i, j) => ((lower ? j - i <= k : j - i >= k) ? 1 : 0));
  return selectN(keep, zerosFor(x.aval), x);
}
export const tril = (x: NDArray, k = 0): NDArray => bandPart(x, true, k);
export const triu = (x: NDArray, k = 0): NDArray => bandPart(x, false, k);
/** Identity matrices broadcast over the leading axes of `shape` ([..., n, n]). */
export function eyeLike(shape: Shape, dtype: DType): NDArray {
  return constantMatrix(shape, dtype, (i, j) => (i === j ? 1 : 0));
}
/** The symmetric matrix whose `lower` (or upper) triangle is that of x: what the kernels actually read. */
function symmetricFromTriangle(x: NDArray, lower: boolean): NDArray {
  const part = lower ? tril(x) : triu(x);
  const strict = lower ? tril(x, -1) : triu(x, 1);
  return add(part, swapLast2(strict));
}
/** The diagonal of [..., n, n] as [..., n] (a linear map, safe on tangents). */
export function diagonalOf(x: NDArray): NDArray {
  const onDiagonal = constantMatrix(x.shape, "bool", (i, j) => (i === j ? 1 : 0));
  return reduceSum(selectN(onDiagonal, zerosFor(x.aval), x), [x.ndim - 1]);
}
/** One-hot rows: P[..., i, j] = (permutation[..., i] == j), so (P A)[i] = A[permutation[i]]. */
export function permutationMatrix(permutation: NDArray, dtype: DType): NDArray {
  const m = permutation.shape[permutation.ndim - 1]!;
  const shape = [...permutation.shape, m];
  const rows = broadcastInDim(permutation, shape, [...permutation.shape.keys()]);
  const columns = iota("int32", shape, shape.length - 1);
  return convert(eq(rows, columns), dtype);
}
const addTangent = (a: Tangent, b: Tangent): Tangent => (a instanceof Zero ? b : b instanceof Zero ? a : add(a, b));
/** Moves the batch axis to the front and rebinds: every linalg primitive batches natively over leading axes. */
function leadingBatch<P extends Params>(prim: Primitive<P>, args: readonly NDArray[], dims: readonly (number | null)[], params: P): [NDArray[], number[]] {
  const outs = bind(prim, [moveaxis(args[0]!, dims[0]!, 0)], params);
  return [outs, outs.map(() => 0)];
}

// ---------------------------------------------------------------- triangular_solve
export interface TriangularSolveParams extends Params {
  /** true: op(A) X = B; false: X op(A) = B. */
  leftSide: boolean;
  /** Which triangle of A is read (the other one is ignored). */
  lower: boolean;
  /** op(A) = Aᵀ when true. */
  transposeA: boolean;
  /** The diagonal of A is taken to be ones and never read. */
  unitDiagonal: boolean;
}

export const triangularSolveP: Primitive<TriangularSolveParams> = definePrimitive<TriangularSolveParams>({
  name: "triangular_solve",
  abstractEval([a, b], { leftSide }) {
    checkMatrixOperand("triangular_solve", a!, true);
    checkMatrixOperand("triangular_solve", b!, false);
    if (a!.dtype !== b!.dtype) {
      throw new DTypeError(`triangular_solve: a is ${a} and b is ${b}; convert both to the same float dtype.`);
    }
    if (a!.ndim !== b!.ndim || !shapesEqual(batchShapeOf(a!.shape), batchShapeOf(b!.shape))) {
      throw new ShapeError(`triangular_solve: a ${a} and b ${b} need equal leading (batch) axes; broadcast them first (lax.linalg.triangularSolve does).`);
    }
    const order = a!.shape[a!.ndim - 1]!;
    const [m, n] = last2(b!.shape);
    if ((leftSide ? m : n) !== order) {
      throw new ShapeError(`triangular_solve: a ${a} does not fit b ${b} with leftSide=${leftSide}; b needs ${leftSide ? "m" : "n"} = ${order} ${leftSide ? "rows" : "columns"}.`);
    }
    return [b!];
  },
  js([a, b], params, [av]) {
    const [m, n] = last2(b!.shape);
    const batch = sizeOf(batchShapeOf(b!.shape));
    const out = allocFloat(av!.dtype, av!.size);
    kernels.triangularSolve(a!.rawData as FloatArray, b!.rawData as FloatArray, batch, m, n, params, out);
    return [floatOut(out, av!)];
  },
  jvp([a, b], [ta, tb], params) {
    const x = bind1(triangularSolveP, [a!, b!], params);
    let tangent: Tangent = tb instanceof Zero ? new Zero(x.aval) : bind1(triangularSolveP, [a!, tb!], params);
    if (!(ta instanceof Zero)) {
      // JAX's triangular_solve_jvp_rule_a: d op(A)⁻¹ = -op(A)⁻¹ op(Ȧ) op(A)⁻¹, with Ȧ restricted to the triangle read.
      let g = bandPart(ta!, params.lower, params.unitDiagonal ? (params.lower ? -1 : 1) : 0);
      g = neg(g);
      if (params.transposeA) g = swapLast2(g);
      const solve = (rhs: NDArray) => bind1(triangularSolveP, [a!, rhs], params);
      const [m, n] = last2(x.shape);
      // Solves cost about as much as products; pick the order that works on the smaller operand.
      const da = params.leftSide
        ? m > n ? solve(matmulBatched(g, x)) : matmulBatched(solve(g), x)
        : m < n ? solve(matmulBatched(x, g)) : matmulBatched(x, solve(g));
      tangent = addTangent(tangent, da);
    }
    return [[x], [tangent]];
  },
  transpose([ct], [a, b], params) {
    if (a instanceof UndefinedPrimal) {
      throw new Error("triangular_solve: the matrix operand is linear, but the solve is only linear in b (nonlinear use in a linear program)");
    }
    const bAval = (b as UndefinedPrimal).aval;
    if (ct instanceof Zero) return [null, new Zero(bAval)];
    // B ↦ op(A)⁻¹ B has transpose C ↦ op(A)⁻ᵀ C: the same solve with transposeA flipped.
    return [null, bind1(triangularSolveP, [a as NDArray, ct!], { ...params, transposeA: !params.transposeA })];
  },
  batch([a, b], [da, db], params, axisSize) {
    if (da === null) {
      // Fold the batch axis of b into its independent columns (left) or rows (right), as JAX does.
      const nd = b!.ndim;
      if (params.leftSide) {
        const moved = moveaxis(b!, db!, nd - 1);
        const [m, n, size] = moved.shape.slice(-3) as [number, number, number];
        const flat = reshape(moved, [...moved.shape.slice(0, -3), m, n * size]);
        const out = bind1(triangularSolveP, [a!, flat], params);
        return [[reshape(out, moved.shape)], [nd - 1]];
      }
      const moved = moveaxis(b!, db!, nd - 2);
      const [m, size, n] = moved.shape.slice(-3) as [number, number, number];
      const flat = reshape(moved, [...moved.shape.slice(0, -3), m * size, n]);
      const out = bind1(triangularSolveP, [a!, flat], params);
      return [[reshape(out, moved.shape)], [nd - 2]];
    }
    const aFront = moveaxis(a!, da, 0);
    const bFront = db === null ? broadcastBatched(b!, axisSize) : moveaxis(b!, db, 0);
    return [[bind1(triangularSolveP, [aFront, bFront], params)], [0]];
  },
});

export function triangularSolve(a: NDArray, b: NDArray, params: TriangularSolveParams): NDArray {
  return bind1(triangularSolveP, [a, b], { leftSide: params.leftSide, lower: params.lower, transposeA: params.transposeA, unitDiagonal: params.unitDiagonal });
}

// ---------------------------------------------------------------- cholesky
export const choleskyP: Primitive = definePrimitive<Params>({
  name: "cholesky",
  abstractEval([a]) {
    checkMatrixOperand("cholesky", a!, true);
    return [a!];
  },
  js([a], _p, [av]) {
    const n = a!.shape[a!.ndim - 1]!;
    const out = allocFloat(av!.dtype, av!.size);
    kernels.cholesky(a!.rawData as FloatArray, sizeOf(batchShapeOf(a!.shape)), n, out);
    return [floatOut(out, av!)];
  },
  jvp([a], [ta]) {
    const l = bind1(choleskyP, [a!]);
    if (ta instanceof Zero) return [[l], [new Zero(l.aval)]];
    // Murray (2016), arXiv:1602.07527, as JAX's cholesky_jvp_rule: L̇ = L Φ(L⁻¹ Σ̇ L⁻ᵀ), Φ = lower triangle with
    // the diagonal halved. The kernel reads only the lower triangle of A, so Σ̇ is the symmetric matrix built from
    // the lower triangle of Ȧ (JAX passes Ȧ as is and relies on the caller's symmetrisation; for a symmetric Ȧ
    // both agree, and this way the primitive's own derivative is exact).
    const sigmaDot = symmetricFromTriangle(ta!, true);
    const right = triangularSolve(l, sigmaDot, { leftSide: false, lower: true, transposeA: true, unitDiagonal: false });
    const inner = triangularSolve(l, right, { leftSide: true, lower: true, transposeA: false, unitDiagonal: false });
    const halfDiagonal = constantMatrix(inner.shape, inner.dtype, (i, j) => (i === j ? 0.5 : 1));
    const phi = mul(tril(inner), halfDiagonal);
    return [[l], [matmulBatched(l, phi)]];
  },
  transpose: "nonlinear",
  batch(args, dims, params) {
    return leadingBatch(choleskyP, args, dims, params);
  },
});

// ---------------------------------------------------------------- lu
export const luP: Primitive = definePrimitive<Params>({
  name: "lu",
  abstractEval([a]) {
    checkMatrixOperand("lu", a!, false);
    const batch = batchShapeOf(a!.shape);
    const [m, n] = last2(a!.shape);
    return [a!, new ShapedArray([...batch, Math.min(m, n)], "int32"), new ShapedArray([...batch, m], "int32")];
  },
  js([a], _p, [av, pivotsAval, permutationAval]) {
    const [m, n] = last2(a!.shape);
    const factors = allocFloat(av!.dtype, av!.size);
    const pivots = new Int32Array(pivotsAval!.size);
    const permutation = new Int32Array(permutationAval!.size);
    kernels.lu(a!.rawData as FloatArray, sizeOf(batchShapeOf(a!.shape)), m, n, factors, pivots, permutation);
    return [
      floatOut(factors, av!),
      ConcreteArray.fromData(pivots, pivotsAval!.shape, "int32"),
      ConcreteArray.fromData(permutation, permutationAval!.shape, "int32"),
    ];
  },
  jvp([a], [ta]) {
    const [factors, pivots, permutation] = bind(luP, [a!]) as [NDArray, NDArray, NDArray];
    const intZeros = [new Zero(tangentAval(pivots.aval)), new Zero(tangentAval(permutation.aval))];
    if (ta instanceof Zero) return [[factors, pivots, permutation], [new Zero(factors.aval), ...intZeros]];
    // De Hoog, Anderssen & Lukas, "Differentiation of matrix functionals using triangular factorization"
    // (JAX's _lu_jvp_rule): with P A = L U and X = L⁻¹ P Ȧ U⁻¹,  L̇ = L tril(X, -1),  U̇ = triu(X) U.
    // Rectangular cases pad L to m×m and U to n×n with identity blocks.
    const nd = a!.ndim;
    const [m, n] = last2(a!.shape);
    const k = Math.min(m, n);
    const dtype = a!.dtype;
    const zero = zerosFor(new ShapedArray([], dtype));
    const noPad = new Array<number>(nd).fill(0);
    const permutedTangent = matmulBatched(permutationMatrix(permutation, dtype), ta!);

    let lower = tril(sliceAxis(factors, nd - 1, 0, k), -1);
    if (m > k) lower = pad(lower, zero, noPad, [...noPad.slice(0, -1), m - k], noPad);
    lower = add(lower, eyeLike(lower.shape, dtype));
    let upper = triu(sliceAxis(factors, nd - 2, 0, k));
    if (n > k) {
      upper = pad(upper, zero, noPad, [...noPad.slice(0, -2), n - k, 0], noPad);
      upper = add(upper, constantMatrix(upper.shape, dtype, (i, j) => (i === j && i >= k ? 1 : 0)));
    }
    const la = triangularSolve(lower, permutedTangent, { leftSide: true, lower: true, transposeA: false, unitDiagonal: true });
    const lau = triangularSolve(upper, la, { leftSide: false, lower: false, transposeA: false, unitDiagonal: false });
    const lDot = matmulBatched(lower, tril(lau, -1));
    const uDot = matmulBatched(triu(lau), upper);
    return [[factors, pivots, permutation], [add(lDot, uDot), ...intZeros]];
  },
  transpose: "nonlinear",
  batch(args, dims, params) {
    return leadingBatch(luP, args, dims, params);
  },
});

// ---------------------------------------------------------------- qr
export interface QrParams extends Params {
  /** Q is m×m and R m×n when true; Q m×k and R k×n (k = min(m, n)) otherwise. */
  fullMatrices: boolean;
}
export const qrP: Primitive<QrParams> = definePrimitive<QrParams>({
  name: "qr",
  abstractEval([a], { fullMatrices }) {
    checkMatrixOperand("qr", a!, false);
    const batch = batchShapeOf(a!.shape);
    const [m, n] = last2(a!.shape);
    const k = fullMatrices ? m : Math.min(m, n);
    return [a!.withShape([...batch, m, k]), a!.withShape([...batch, k, n])];
  },
  js([a], { fullMatrices }, [qAval, rAval]) {
    const [m, n] = last2(a!.shape);
    const q = allocFloat(qAval!.dtype, qAval!.size);
    const r = allocFloat(rAval!.dtype, rAval!.size);
    kernels.qr(a!.rawData as FloatArray, sizeOf(batchShapeOf(a!.shape)), m, n, fullMatrices, q, r);
    return [floatOut(q, qAval!), floatOut(r, rAval!)];
  },
  jvp([a], [ta], params) {
    const [q, r] = bind(qrP, [a!], params) as [NDArray, NDArray];
    if (ta instanceof Zero) return [[q, r], [new Zero(q.aval), new Zero(r.aval)]];
    const nd = a!.ndim;
    const [m, n] = last2(a!.shape);
    if (params.fullMatrices && m > n) {
      throw new ShapeError(`qr: the derivative with fullMatrices=true needs m <= n (got ${showShape(a!.shape)}); the extra columns of Q are not unique. Use fullMatrices=false (np.linalg.qr's default "reduced" mode).`);
    }
    if (m >= n) {
      const [dq, dr] = qrTangentTall(q, r, ta!);
      return [[q, r], [dq, dr]];
    }
    // Wide A = Q [R₁ R₂] with R₁ square: the square rule on A₁ = Q R₁, then Ȧ₂ = Q̇ R₂ + Q Ṙ₂ gives
    // Ṙ₂ = Qᵀ (Ȧ₂ − Q̇ R₂) (Liao et al. 2019, "Differentiable programming tensor networks", §C).
    const r1 = sliceAxis(r, nd - 1, 0, m);
    const r2 = sliceAxis(r, nd - 1, m, n);
    const [dq, dr1] = qrTangentTall(q, r1, sliceAxis(ta!, nd - 1, 0, m));
    const dr2 = matmulBatched(swapLast2(q), sub(sliceAxis(ta!, nd - 1, m, n), matmulBatched(dq, r2)));
    return [[q, r], [dq, concatenate([dr1, dr2], nd - 1)]];
  },
  transpose: "nonlinear",
  batch(args, dims, params) {
    return leadingBatch(qrP, args, dims, params);
  },
});

/**
 * JAX's qr_jvp_rule for m >= n (Townsend, "Differentiating the QR decomposition", j-towns.github.io/papers/
 * qr-derivative.pdf): C = Qᵀ Ȧ R⁻¹, Ω = tril(C, -1) − tril(C, -1)ᵀ, Q̇ = Q (Ω − C) + Ȧ R⁻¹, Ṙ = (C − Ω) R.
 */
function qrTangentTall(q: NDArray, r: NDArray, da: NDArray): [NDArray, NDArray] {
  const daRinv = triangularSolve(r, da, { leftSide: false, lower: false, transposeA: false, unitDiagonal: false });
  const c = matmulBatched(swapLast2(q), daRinv);
  const strictLower = tril(c, -1);
  const omega = sub(strictLower, swapLast2(strictLower));
  const dq = add(matmulBatched(q, sub(omega, c)), daRinv);
  const dr = matmulBatched(sub(c, omega), r);
  return [dq, dr];
}

// ---------------------------------------------------------------- eigh
export interface EighParams extends Params {
  /** Read the lower (true) or upper triangle of A. */
  lower: boolean;
}
/** Outputs [V, w] in JAX's order: eigenvectors as columns of V, eigenvalues w ascending. */
export const eighP: Primitive<EighParams> = definePrimitive<EighParams>({
  name: "eigh",
  abstractEval([a]) {
    checkMatrixOperand("eigh", a!, true);
    const n = a!.shape[a!.ndim - 1]!;
    return [a!, a!.withShape([...batchShapeOf(a!.shape), n])];
  },
  js([a], { lower }, [vAval, wAval]) {
    const n = a!.shape[a!.ndim - 1]!;
    const v = allocFloat(vAval!.dtype, vAval!.size);
    const w = allocFloat(wAval!.dtype, wAval!.size);
    kernels.eigh(a!.rawData as FloatArray, sizeOf(batchShapeOf(a!.shape)), n, lower, v, w);
    return [floatOut(v, vAval!), floatOut(w, wAval!)];
  },
  jvp([a], [ta], params) {
    const [v, w] = bind(eighP, [a!], params) as [NDArray, NDArray];
    if (ta instanceof Zero) return [[v, w], [new Zero(v.aval), new Zero(w.aval)]];
    // First-order perturbation theory for distinct eigenvalues (JAX's eigh_jvp_rule; Giles 2008, NA-08-01):
    // with S = Vᵀ Ȧ V,  ẇ = diag(S),  V̇ = V (F ∘ S),  F_ij = 1/(w_j − w_i) off the diagonal, 0 on it.
    // Equal eigenvalues make F infinite and V̇ NaN/Inf (the eigenvectors are not differentiable there).
    const sym = symmetricFromTriangle(ta!, params.lower);
    const s = matmulBatched(matmulBatched(swapLast2(v), sym), v);
    const square = v.shape;
    const nd = v.ndim;
    const leading = [...Array(nd - 2).keys()];
    const wj = broadcastInDim(w, square, [...leading, nd - 1]);
    const wi = broadcastInDim(w, square, [...leading, nd - 2]);
    const eye = eyeLike(square, v.dtype);
    const ones = constantMatrix(square, v.dtype, () => 1);
    const f = sub(div(ones, add(eye, sub(wj, wi))), eye);
    const dv = matmulBatched(v, mul(f, s));
    return [[v, w], [dv, diagonalOf(s)]];
  },
  transpose: "nonlinear",
  batch(args, dims, params) {
    return leadingBatch(eighP, args, dims, params);
  },
});
