// Eager (un-jitted) exactly rounded elementwise ops on the wasm device. Each (primitive, dtypes) pair gets a few
// kernels over fixed chunk sizes, compiled once; an array of any length runs as a sequence of
// chunk calls at moving offsets, so no eager op ever waits for a binaryen compile of its own shape.
import { ConcreteArray, type NDArray } from "../../array/ndarray.js";
import { untrackFromScope } from "../../array/memory.js";
import type { ShapedArray } from "../../array/aval.js";
import { bytesPerElement, type DType } from "../../dtype.js";
import type { Params, Primitive } from "../../trace/primitive.js";
import { type BinaryFn, KBuilder, type KNode, type Kernel, type UnaryFn } from "../kernel/ir.js";
import { BINARY_FNS, UNARY_FNS } from "../kernel/plan.js";
import { WasmBuffer, wasmHeap } from "./heap.js";
import { binaryenReady, compiled as compiledKernel, toWasm, wasmCaps } from "./runtime.js";

/** Chunk lengths, largest first: a length-n op is ⌊n/4096⌋ big calls plus at most 7 of each smaller size. */
const CHUNKS = [4096, 512, 64, 8, 1] as const;

export const wasmEagerStats = { ops: 0, chunkCalls: 0 };

type Builder = (b: KBuilder, loads: readonly KNode[], out: DType) => KNode | null;

// Only correctly rounded operations run here, so an eager result is bit-identical to the reference
// kernel's (float32 +,-,*,/,sqrt computed in float64 and rounded once are correctly rounded too).
// Transcendentals stay on the reference kernels eagerly: bit-exact samplers (random.normal's erfinv)
// and the special functions' ulp bounds are defined against them; jit fuses the ≤ 3-ulp versions.
const EXACT_UNARY = new Set(["neg", "abs", "sqrt", "floor", "ceil", "round", "trunc", "sign", "not", "is_finite", "square"]);
const EXACT_BINARY = new Set(["add", "sub", "mul", "div", "max", "min", "eq", "ne", "lt", "le", "gt", "ge", "and", "or", "xor", "shift_left", "shift_right_logical", "shift_right_arithmetic"]);

/** How each supported primitive becomes one kernel node over its (equal-shaped) operands. */
function builderFor(prim: Primitive, args: readonly NDArray[]): Builder | null {
  const name = prim.name;
  const u = UNARY_FNS[name];
  if (u && EXACT_UNARY.has(u) && args.length === 1) return wasmCaps.unary(u, args[0]!.dtype) ? (b, [a], d) => b.unary(u as UnaryFn, a!, d) : null;
  const bin = BINARY_FNS[name];
  if (bin && EXACT_BINARY.has(bin) && args.length === 2) return wasmCaps.binary(bin, args[0]!.dtype) ? (b, [x, y], d) => b.binary(bin as BinaryFn, x!, y!, d) : null;
  if (name === "convert_element_type") return (b, [a], d) => b.convert(a!, d);
  if (name === "select_n" && args.length === 3 && args[0]!.dtype === "bool") return (b, [p, f, t]) => b.select(p!, f!, t!);
  return null;
}

const kernelCache = new Map<string, Kernel>();

function chunkKernel(key: string, size: number, build: Builder, dtypes: readonly DType[], out: DType): Kernel | null {
  const k = `${key}|${size}`;
  let kernel = kernelCache.get(k);
  if (!kernel) {
    const b = new KBuilder();
    const loads = dtypes.map((d, i) => b.load(i, { offset: 0, strides: [1] }, d));
    const root = build(b, loads, out);
    if (!root) return null;
    kernel = { shape: [size], dtype: out, root, sources: dtypes };
    kernelCache.set(k, kernel);
  }
  return kernel;
}

/**
 * Runs `prim` on the wasm device when it is an elementwise op whose operands all have the output's
 * shape (lax-level ops are never implicitly broadcast); null to leave it to the reference kernel.
 */
export function wasmEager(prim: Primitive, args: readonly NDArray[], params: Params, outAvals: readonly ShapedArray[]): NDArray[] | null {
  if (!binaryenReady() || outAvals.length !== 1) return null;
  const out = outAvals[0]!;
  const n = out.size;
  if (n === 0) return null;
  for (const a of args) if (!(a instanceof ConcreteArray) || a.size !== n) return null;
  const build = builderFor(prim, args);
  if (!build) return null;
  const dtypes = args.map((a) => a.dtype);
  const key = `${prim.name}|${JSON.stringify(params)}|${dtypes.join(",")}|${out.dtype}`;
  const inputs = args.map((a) => {
    const w = toWasm(a as ConcreteArray);
    if (w !== a) untrackFromScope(w);
    return w;
  });
  try {
    const result = new ConcreteArray(out, WasmBuffer.allocate(wasmHeap(), out.dtype, n));
    const outPtr = (result.buffer as WasmBuffer).ptr;
    const inPtrs = inputs.map((w) => (w.buffer as WasmBuffer).ptr);
    const outBytes = bytesPerElement(out.dtype);
    const inBytes = dtypes.map(bytesPerElement);
    let done = 0;
    for (const size of CHUNKS) {
      if (n - done < size) continue;
      const kernel = chunkKernel(key, size, build, dtypes, out.dtype);
      if (!kernel) {
        result.dispose();
        return null;
      }
      const fn = compiledKernel(kernel);
      while (n - done >= size) {
        fn(outPtr + done * outBytes, ...inPtrs.map((p, i) => p + done * inBytes[i]!));
        done += size;
        wasmEagerStats.chunkCalls++;
      }
    }
    wasmEagerStats.ops++;
    return [result];
  } finally {
    inputs.forEach((w, i) => {
      if (w !== args[i]) w.dispose();
    });
  }
}
