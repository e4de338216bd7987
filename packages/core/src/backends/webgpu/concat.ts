// concatenate on the webgpu device as one kernel: each output element selects the input whose
// range along the axis holds it (a select chain over affine loads in the shared kernel IR).
import type { ShapedArray } from "../../array/aval.js";
import type { DeviceBuffer } from "../../array/memory.js";
import type { ConcreteArray } from "../../array/ndarray.js";
import type { JaxprEqn } from "../../ir/jaxpr.js";
import { KBuilder, type KNode, type Kernel, rowMajorStrides } from "../kernel/ir.js";
import { WebGPUBuffer, allocGpuArray, flushWebGPU, gpuBufferOf, runKernel, webgpuEqnHandlers } from "./runtime.js";

/** The kernel of a concatenation along `dim`; `parts` are the indices of the non-empty inputs (its sources). */
export function concatKernel(inAvals: readonly ShapedArray[], dim: number, outAval: ShapedArray): { kernel: Kernel; parts: number[] } {
  const parts = inAvals.map((_, i) => i).filter((i) => inAvals[i]!.shape[dim]! > 0);
  const b = new KBuilder();
  const axisIndex = b.index({ offset: 0, strides: outAval.shape.map((_, d) => (d === dim ? 1 : 0)) }, "int32");
  // Input k is read at (i_dim - start_k) along the axis: a negative offset in its map.
  let start = 0;
  const loads = parts.map((i, k) => {
    const x = inAvals[i]!;
    const strides = rowMajorStrides(x.shape);
    const node = b.load(k, { offset: -start * strides[dim]!, strides }, x.dtype);
    start += x.shape[dim]!;
    return { node, end: start };
  });
  let root: KNode = loads.length ? loads[loads.length - 1]!.node : b.const(0, outAval.dtype);
  for (let k = loads.length - 2; k >= 0; k--) {
    root = b.select(b.binary("lt", axisIndex, b.const(loads[k]!.end, "int32"), "bool"), root, loads[k]!.node);
  }
  return { kernel: { shape: outAval.shape, dtype: outAval.dtype, root, sources: parts.map((i) => inAvals[i]!.dtype) }, parts };
}

export function webgpuConcatenate(eqn: JaxprEqn, inputs: readonly ConcreteArray[]): ConcreteArray[] | null {
  const outAval = eqn.outputs[0]!.aval;
  if (outAval.dtype === "float64") return null;
  const { kernel, parts } = concatKernel(inputs.map((x) => x.aval), eqn.params.dimension as number, outAval);
  const temps: DeviceBuffer[] = [];
  const srcs = parts.map((i) => gpuBufferOf(inputs[i]!, temps));
  const out = allocGpuArray(outAval);
  if (out.size > 0) runKernel(kernel, out.buffer as WebGPUBuffer, srcs);
  for (const t of temps) t.release();
  flushWebGPU();
  return [out];
}

webgpuEqnHandlers.set("concatenate", webgpuConcatenate);
