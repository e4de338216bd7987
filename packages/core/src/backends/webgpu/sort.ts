// sort on the webgpu device: a stable merge sort of index permutations, one dispatch per doubling of
// the sorted run width (each element finds its place in the merged run by a binary search in the
// partner run), then one gather per operand. Keys compare lexicographically, NaNs last, as the js kernel.
import type { DeviceBuffer } from "../../array/memory.js";
import type { ConcreteArray } from "../../array/ndarray.js";
import type { DType } from "../../dtype.js";
import type { JaxprEqn } from "../../ir/jaxpr.js";
import type { SortParams } from "../../primitives/sorting.js";
import { WebGPUBuffer, allocGpuArray, dispatch, flushWebGPU, gpuBufferOf, maxStorageBindings, pipelineFor, webgpuEqnHandlers } from "./runtime.js";
import { gridFor, storageType } from "./wgsl.js";

const WG = 64;

/** Rows of length n along `dimension`: element i of row (a, b) sits at a·n·inner + b + i·inner. */
interface Layout { n: number; inner: number; rows: number }

const header = (groupsX: number, total: number) => `@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let id = gid.x + gid.y * ${groupsX * WG}u;
  if (id >= ${total}u) { return; }`;

const rowBase = (L: Layout, row: string) => `(${row} / ${L.inner}u) * ${L.n * L.inner}u + ${row} % ${L.inner}u`;

/** less(p, q) for original positions p, q of one row: the first key that differs decides; NaN sorts last. */
function lessFunction(keys: readonly DType[], L: Layout): string {
  const compare = keys.map((d, k) => {
    const u = `key${k}[base + p * ${L.inner}u]`, v = `key${k}[base + q * ${L.inner}u]`;
    if (d !== "float32") return `  if (${u} < ${v}) { return true; }\n  if (${v} < ${u}) { return false; }`;
    return `  { let u = ${u}; let v = ${v}; let un = fx_isnan_bits(u); let vn = fx_isnan_bits(v);
    if (un || vn) { if (un != vn) { return vn; } } else { if (u < v) { return true; } if (v < u) { return false; } } }`;
  });
  return `fn fx_isnan_bits(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn less(base: u32, p: u32, q: u32) -> bool {
${compare.join("\n")}
  return false;
}`;
}

/**
 * One merge pass at run width w: element i of run A (the left run of a pair) moves to
 * i + #{b in B : b < a_i}, element j of B to j + #{a in A : !(b_j < a)}, which keeps equal keys in
 * their original order (the stable merge).
 */
function mergeWgsl(keys: readonly DType[], L: Layout, groupsX: number): string {
  const total = L.rows * L.n;
  return `${keys.map((d, k) => `@group(0) @binding(${k + 3}) var<storage, read> key${k}: array<${storageType(d)}>;`).join("\n")}
@group(0) @binding(0) var<storage, read_write> dst: array<u32>;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read> width: array<u32>;
${lessFunction(keys, L)}
${header(groupsX, total)}
  let row = id / ${L.n}u;
  let i = id % ${L.n}u;
  let base = ${rowBase(L, "row")};
  let perm = row * ${L.n}u;
  let w = width[0];
  let start = (i / (2u * w)) * 2u * w;
  let inLeft = i < start + w;
  let other = select(start, start + w, inLeft);
  let otherEnd = min(select(start + w, start + 2u * w, inLeft), ${L.n}u);
  let me = src[perm + i];
  // Binary search for the number of partner elements that go before this one.
  var lo = other;
  var hi = max(other, otherEnd);
  loop {
    if (lo >= hi) { break; }
    let mid = (lo + hi) / 2u;
    let them = src[perm + mid];
    let before = select(!less(base, me, them), less(base, them, me), inLeft);
    if (before) { lo = mid + 1u; } else { hi = mid; }
  }
  let own = select(i - start - w, i - start, inLeft);
  dst[perm + start + own + (lo - other)] = me;
}
`;
}

function identityWgsl(L: Layout, groupsX: number): string {
  return `@group(0) @binding(0) var<storage, read_write> dst: array<u32>;
${header(groupsX, L.rows * L.n)}
  dst[id] = id % ${L.n}u;
}
`;
}

function gatherWgsl(d: DType, L: Layout, groupsX: number): string {
  const T = storageType(d);
  return `@group(0) @binding(0) var<storage, read_write> out: array<${T}>;
@group(0) @binding(1) var<storage, read> src: array<${T}>;
@group(0) @binding(2) var<storage, read> perm: array<u32>;
${header(groupsX, L.rows * L.n)}
  let row = id / ${L.n}u;
  let i = id % ${L.n}u;
  let base = ${rowBase(L, "row")};
  out[base + i * ${L.inner}u] = src[base + perm[id] * ${L.inner}u];
}
`;
}

export function webgpuSort(eqn: JaxprEqn, inputs: readonly ConcreteArray[]): ConcreteArray[] | null {
  const { dimension, numKeys } = eqn.params as SortParams;
  if (inputs.some((x) => x.dtype === "float64")) return null;
  // The merge kernel binds the permutation in and out, the run width and every key.
  if (numKeys + 3 > maxStorageBindings()) return null;
  const shape = inputs[0]!.shape;
  const n = shape[dimension]!;
  const inner = shape.slice(dimension + 1).reduce((p, s) => p * s, 1);
  const rows = n === 0 ? 0 : inputs[0]!.size / n;
  const L: Layout = { n, inner, rows };
  const outs = eqn.outputs.map((v) => allocGpuArray(v.aval));
  if (rows === 0) return outs;
  const temps: DeviceBuffer[] = [];
  const srcs = inputs.map((x) => gpuBufferOf(x, temps));
  const groups = gridFor(Math.ceil((rows * n) / WG));
  let perm = WebGPUBuffer.allocate("uint32", rows * n);
  let spare = WebGPUBuffer.allocate("uint32", rows * n);
  dispatch(pipelineFor(identityWgsl(L, groups[0]), ["w"]), [perm], groups);
  const keyTypes = inputs.slice(0, numKeys).map((x) => x.dtype);
  const merge = pipelineFor(mergeWgsl(keyTypes, L, groups[0]), ["w", "r", "r", ...keyTypes.map(() => "r" as const)]);
  for (let w = 1; w < n; w *= 2) {
    const width = WebGPUBuffer.fromHost("uint32", Uint32Array.of(w));
    dispatch(merge, [spare, perm, width, ...srcs.slice(0, numKeys)], groups);
    width.release();
    [perm, spare] = [spare, perm];
  }
  inputs.forEach((x, o) => {
    dispatch(pipelineFor(gatherWgsl(x.dtype, L, groups[0]), ["w", "r", "r"]), [outs[o]!.buffer as WebGPUBuffer, srcs[o]!, perm], groups);
  });
  perm.release();
  spare.release();
  for (const t of temps) t.release();
  flushWebGPU();
  return outs;
}

webgpuEqnHandlers.set("sort", webgpuSort);
