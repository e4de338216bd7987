// cholesky and triangular_solve on the webgpu device (float32): one workgroup factors one matrix
// (columns in order, the rows below the diagonal in parallel); a triangular solve runs one
// invocation per independent right-hand-side vector. Semantics as the js kernels (backends/js/linalg).
import type { DeviceBuffer } from "../../array/memory.js";
import type { ConcreteArray } from "../../array/ndarray.js";
import type { JaxprEqn } from "../../ir/jaxpr.js";
import type { TriangularSolveParams } from "../../primitives/linalg.js";
import { WebGPUBuffer, allocGpuArray, copyBuffer, dispatch, flushWebGPU, gpuBufferOf, pipelineFor, webgpuEqnHandlers } from "./runtime.js";
import { MAX_GROUPS, gridFor } from "./wgsl.js";
import { helperSource } from "./wgslMath.js";

const CHOL_WG = 64;

/**
 * Left-looking Cholesky of each n×n matrix (workgroup `wid.x` takes matrix wid.x): for column j,
 * invocation 0 forms the pivot, then the invocations share the rows below it. Only the lower triangle
 * of A is read; a pivot that is not > 0 (or NaN) makes that whole factor NaN, as LAPACK potrf's info
 * check does in JAX on CPU. Sums are float32 (the js kernel sums in float64 and rounds once).
 */
function choleskyWgsl(n: number): string {
  return `${helperSource(["fx_nan"])}
@group(0) @binding(0) var<storage, read_write> l: array<f32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
var<workgroup> pivot: f32;
var<workgroup> failed: u32;
@compute @workgroup_size(${CHOL_WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let base = wid.x * ${n * n}u;
  for (var e = t; e < ${n * n}u; e = e + ${CHOL_WG}u) { l[base + e] = 0.0; }
  if (t == 0u) { failed = 0u; }
  storageBarrier();
  workgroupBarrier();
  for (var j = 0u; j < ${n}u; j = j + 1u) {
    if (t == 0u) {
      var s = a[base + j * ${n}u + j];
      for (var k = 0u; k < j; k = k + 1u) { let v = l[base + j * ${n}u + k]; s = s - v * v; }
      if (!(s > 0.0)) { failed = 1u; s = 1.0; }
      pivot = sqrt(s);
      l[base + j * ${n}u + j] = pivot;
    }
    storageBarrier();
    workgroupBarrier();
    let d = pivot;
    for (var i = j + 1u + t; i < ${n}u; i = i + ${CHOL_WG}u) {
      var s = a[base + i * ${n}u + j];
      for (var k = 0u; k < j; k = k + 1u) { s = s - l[base + i * ${n}u + k] * l[base + j * ${n}u + k]; }
      l[base + i * ${n}u + j] = s / d;
    }
    storageBarrier();
    workgroupBarrier();
  }
  if (failed != 0u) {
    for (var e = t; e < ${n * n}u; e = e + ${CHOL_WG}u) { l[base + e] = fx_nan(); }
  }
}
`;
}

export function webgpuCholesky(eqn: JaxprEqn, [a]: readonly ConcreteArray[]): ConcreteArray[] | null {
  if (a!.dtype !== "float32") return null;
  const n = a!.shape[a!.ndim - 1]!;
  const batch = n === 0 ? 0 : a!.size / (n * n);
  if (batch > MAX_GROUPS) return null;
  const temps: DeviceBuffer[] = [];
  const src = gpuBufferOf(a!, temps);
  const out = allocGpuArray(eqn.outputs[0]!.aval);
  if (batch > 0) dispatch(pipelineFor(choleskyWgsl(n), ["w", "r"]), [out.buffer as WebGPUBuffer, src], [batch, 1, 1]);
  for (const t of temps) t.release();
  flushWebGPU();
  return [out];
}

const SOLVE_WG = 64;

/**
 * Every solve is T y = c with T triangular: left side, T = op(A) and c a column of B; right side,
 * T = op(A)ᵀ and c a row of B (x op(A) = b  ⇔  op(A)ᵀ xᵀ = bᵀ). T[i][k] is A[i][k], or A[k][i] when A
 * is transposed into T. One invocation substitutes one vector in place (x starts as a copy of B).
 */
function triangularSolveWgsl(order: number, m: number, n: number, p: TriangularSolveParams, vectors: number, groupsX: number): string {
  const transposedIntoT = p.leftSide ? p.transposeA : !p.transposeA;
  const lowerT = p.lower !== transposedIntoT;
  const tAt = (i: string, k: string) => (transposedIntoT ? `a[aBase + ${k} * ${order}u + ${i}]` : `a[aBase + ${i} * ${order}u + ${k}]`);
  // Element r of vector v of matrix `mat` in X: column v (stride n) or row v (stride 1).
  const [vecStride, elemStride] = p.leftSide ? [1, n] : [n, 1];
  const perMatrix = p.leftSide ? n : m;
  const at = (r: string) => `xBase + ${r} * ${elemStride}u`;
  const step = lowerT
    ? { loop: `for (var r = 0u; r < ${order}u; r = r + 1u)`, inner: `for (var k = 0u; k < r; k = k + 1u)` }
    : { loop: `for (var q = 0u; q < ${order}u; q = q + 1u)`, inner: `for (var k = r + 1u; k < ${order}u; k = k + 1u)` };
  return `@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@compute @workgroup_size(${SOLVE_WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let id = gid.x + gid.y * ${groupsX * SOLVE_WG}u;
  if (id >= ${vectors}u) { return; }
  let mat = id / ${perMatrix}u;
  let v = id % ${perMatrix}u;
  let aBase = mat * ${order * order}u;
  let xBase = mat * ${m * n}u + v * ${vecStride}u;
  ${step.loop} {
    ${lowerT ? "" : `let r = ${order - 1}u - q;`}
    var s = x[${at("r")}];
    ${step.inner} { s = s - ${tAt("r", "k")} * x[${at("k")}]; }
    x[${at("r")}] = ${p.unitDiagonal ? "s" : `s / ${tAt("r", "r")}`};
  }
}
`;
}

export function webgpuTriangularSolve(eqn: JaxprEqn, [a, b]: readonly ConcreteArray[]): ConcreteArray[] | null {
  if (a!.dtype !== "float32" || b!.dtype !== "float32") return null;
  const p = eqn.params as TriangularSolveParams;
  const [m, n] = b!.shape.slice(-2) as [number, number];
  const order = p.leftSide ? m : n;
  const batch = m * n === 0 ? 0 : b!.size / (m * n);
  const vectors = batch * (p.leftSide ? n : m);
  const groups = gridFor(Math.ceil(vectors / SOLVE_WG));
  const temps: DeviceBuffer[] = [];
  const aBuf = gpuBufferOf(a!, temps);
  const bBuf = gpuBufferOf(b!, temps);
  const out = allocGpuArray(eqn.outputs[0]!.aval);
  if (out.size > 0) {
    copyBuffer(bBuf, out.buffer as WebGPUBuffer, out.size);
    if (order > 0) dispatch(pipelineFor(triangularSolveWgsl(order, m, n, p, vectors, groups[0]), ["w", "r"]), [out.buffer as WebGPUBuffer, aBuf], groups);
  }
  for (const t of temps) t.release();
  flushWebGPU();
  return [out];
}

webgpuEqnHandlers.set("cholesky", webgpuCholesky);
webgpuEqnHandlers.set("triangular_solve", webgpuTriangularSolve);
