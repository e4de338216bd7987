// dot_general on the webgpu device: operands viewed as [B, M, K] and [B, K, N] through strides (a
// transposing copy kernel only when an axis group cannot be walked as one axis), multiplied by a
// 16×16 workgroup-tiled WGSL kernel (tiles staged in workgroup memory), one workgroup layer per batch.
import type { DeviceBuffer } from "../../array/memory.js";
import type { ConcreteArray } from "../../array/ndarray.js";
import type { DType } from "../../dtype.js";
import type { JaxprEqn } from "../../ir/jaxpr.js";
import { stridesOf } from "../../shape.js";
import { KBuilder, type Kernel } from "../kernel/ir.js";
import { WebGPUBuffer, allocGpuArray, dispatch, flushWebGPU, gpuBufferOf, pipelineFor, runKernel, webgpuEqnHandlers } from "./runtime.js";
import { MAX_GROUPS, storageType } from "./wgsl.js";

const TILE = 16;

interface Operand { readonly buffer: WebGPUBuffer; readonly batch: number; readonly a: number; readonly b: number }

const remaining = (n: number, ...drop: (readonly number[])[]) => [...Array(n).keys()].filter((i) => !drop.some((d) => d.includes(i)));

/** Element stride of a group of axes walked as one flat axis, or null when they are not collapsible. */
function groupStride(shape: readonly number[], strides: readonly number[], axes: readonly number[]): number | null {
  if (axes.length === 0) return 0;
  for (let i = 0; i < axes.length - 1; i++) if (strides[axes[i]!] !== strides[axes[i + 1]!]! * shape[axes[i + 1]!]!) return null;
  return strides[axes[axes.length - 1]!]!;
}

/** x as [group0, group1, group2] with element strides, copying into that order when needed. */
function operand(x: ConcreteArray, groups: [number[], number[], number[]], temps: DeviceBuffer[]): Operand {
  const st = stridesOf(x.shape);
  const gs = groups.map((g) => groupStride(x.shape, st, g));
  const buf = gpuBufferOf(x, temps);
  if (gs.every((g) => g !== null)) return { buffer: buf, batch: gs[0]!, a: gs[1]!, b: gs[2]! };
  const order = groups.flat();
  const shape = order.map((o) => x.shape[o]!);
  const kb = new KBuilder();
  const kernel: Kernel = { shape, dtype: x.dtype, root: kb.load(0, { offset: 0, strides: order.map((o) => st[o]!) }, x.dtype), sources: [x.dtype] };
  const copy = WebGPUBuffer.allocate(x.dtype, x.size);
  temps.push(copy);
  runKernel(kernel, copy, [buf]);
  const sizes = groups.map((g) => g.reduce((p, a) => p * x.shape[a]!, 1));
  return { buffer: copy, batch: sizes[1]! * sizes[2]!, a: sizes[2]!, b: 1 };
}

function matmulWgsl(d: DType, M: number, N: number, K: number, l: Operand, r: Operand): string {
  const T = storageType(d);
  const zero = d === "float32" ? "0.0" : d === "int32" ? "0i" : "0u";
  return `@group(0) @binding(0) var<storage, read_write> out: array<${T}>;
@group(0) @binding(1) var<storage, read> lhs: array<${T}>;
@group(0) @binding(2) var<storage, read> rhs: array<${T}>;
var<workgroup> tileA: array<${T}, ${TILE * TILE}>;
var<workgroup> tileB: array<${T}, ${TILE * TILE}>;
@compute @workgroup_size(${TILE}, ${TILE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let col = wid.x * ${TILE}u + lid.x;
  let row = wid.y * ${TILE}u + lid.y;
  let b = wid.z;
  let baseA = b * ${l.batch}u;
  let baseB = b * ${r.batch}u;
  var acc: ${T} = ${zero};
  for (var t: u32 = 0u; t < ${K}u; t = t + ${TILE}u) {
    let ka = t + lid.x;
    var va: ${T} = ${zero};
    if (row < ${M}u && ka < ${K}u) { va = lhs[baseA + row * ${l.a}u + ka * ${l.b}u]; }
    tileA[lid.y * ${TILE}u + lid.x] = va;
    let kb = t + lid.y;
    var vb: ${T} = ${zero};
    if (kb < ${K}u && col < ${N}u) { vb = rhs[baseB + kb * ${r.a}u + col * ${r.b}u]; }
    tileB[lid.y * ${TILE}u + lid.x] = vb;
    workgroupBarrier();
    for (var kk: u32 = 0u; kk < ${TILE}u; kk = kk + 1u) {
      acc = acc + tileA[lid.y * ${TILE}u + kk] * tileB[kk * ${TILE}u + lid.x];
    }
    workgroupBarrier();
  }
  if (row < ${M}u && col < ${N}u) { out[b * ${M * N}u + row * ${N}u + col] = acc; }
}
`;
}

/** dot_general on GPU buffers; null (reference kernel) for bool operands or batch counts beyond one dispatch. */
export function webgpuDotGeneral(eqn: JaxprEqn, [lhs, rhs]: readonly ConcreteArray[]): ConcreteArray[] | null {
  const d = lhs!.dtype;
  if (d !== "float32" && d !== "int32" && d !== "uint32") return null;
  const [[lc, rc], [lb, rb]] = [eqn.params.contracting as [number[], number[]], eqn.params.batch as [number[], number[]]];
  const lf = remaining(lhs!.ndim, lc, lb);
  const rf = remaining(rhs!.ndim, rc, rb);
  const Bn = lb.reduce((p, a) => p * lhs!.shape[a]!, 1);
  const M = lf.reduce((p, a) => p * lhs!.shape[a]!, 1);
  const K = lc.reduce((p, a) => p * lhs!.shape[a]!, 1);
  const N = rf.reduce((p, a) => p * rhs!.shape[a]!, 1);
  const gx = Math.ceil(N / TILE);
  const gy = Math.ceil(M / TILE);
  if (Bn > MAX_GROUPS || gx > MAX_GROUPS || gy > MAX_GROUPS) return null;
  const temps: DeviceBuffer[] = [];
  const L = operand(lhs!, [lb, lf, lc], temps);
  const R = operand(rhs!, [rb, rc, rf], temps);
  const out = allocGpuArray(eqn.outputs[0]!.aval);
  if (out.size > 0) {
    const key = pipelineFor(matmulWgsl(d, M, N, K, L, R), ["w", "r", "r"]);
    dispatch(key, [out.buffer as WebGPUBuffer, L.buffer, R.buffer], [gx, gy, Bn]);
  }
  for (const t of temps) t.release();
  flushWebGPU();
  return [out];
}

webgpuEqnHandlers.set("dot_general", webgpuDotGeneral);
