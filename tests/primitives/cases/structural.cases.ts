// Cases for structural primitives, reductions and dot_general.
import { lax, np, internal } from "@fluxion/core";
import { type PrimCase, ints, uniform } from "../harness.js";

const P = (name: string) => internal.registeredPrimitives().find((p) => p.name === name)!;
const noGrad = (reason: string): Partial<PrimCase> => ({ grad: false, noGradReason: reason });

export const cases: PrimCase[] = [
  { prim: "broadcast_in_dim", name: "broadcast [3]->[2,3]", fn: (x) => lax.broadcastInDim(x, [2, 3], [1]), args: (s) => [uniform(s, [3])] },
  { prim: "broadcast_in_dim", name: "broadcast [3,1]->[3,4] (size-1 axis)", fn: (x) => lax.broadcastInDim(x, [2, 3, 4], [1, 2]), args: (s) => [uniform(s, [3, 1])] },
  { prim: "reshape", name: "reshape", fn: (x) => lax.reshape(x, [3, 2]), args: (s) => [uniform(s, [2, 3])] },
  { prim: "transpose", name: "transpose", fn: (x) => lax.transpose(x, [2, 0, 1]), args: (s) => [uniform(s, [2, 3, 4])] },
  { prim: "convert_element_type", name: "f64->f32->f64", fn: (x) => lax.convertElementType(lax.convertElementType(x, "float32"), "float64"), args: (s) => [uniform(s, [4])], eps: 1e-3, rtol: 1e-3, atol: 1e-5 },
  { prim: "convert_element_type", name: "f64->int32", fn: (x) => lax.convertElementType(x, "int32"), args: (s) => [uniform(s, [4], -5, 5)], ...noGrad("integer output") },
  { prim: "bitcast_convert_type", name: "f32->u32", fn: (x) => lax.bitcastConvertType(lax.convertElementType(x, "float32"), "uint32"), args: (s) => [uniform(s, [4])], ...noGrad("bit pattern") },
  { prim: "select_n", name: "select_n bool", fn: (p, a, b) => lax.selectN(p, a, b), args: (s) => [np.greater(uniform(s + 9, [5]), 0), uniform(s, [5]), uniform(s + 1, [5])] },
  { prim: "select_n", name: "select_n int32 (3 cases)", fn: (p, a, b, c) => lax.selectN(p, a, b, c), args: (s) => [ints(s, [5], 0, 3), uniform(s, [5]), uniform(s + 1, [5]), uniform(s + 2, [5])] },
  { prim: "iota", name: "iota", fn: () => lax.iota("float64", [2, 3], 1), args: () => [], vmap: false, ...noGrad("no inputs") },
  { prim: "slice", name: "slice", fn: (x) => lax.slice(x, [1, 0], [4, 3]), args: (s) => [uniform(s, [5, 3])] },
  { prim: "slice", name: "slice with strides", fn: (x) => lax.slice(x, [0, 1], [5, 3], [2, 1]), args: (s) => [uniform(s, [5, 3])] },
  { prim: "pad", name: "pad lo/hi/interior", fn: (x, v) => lax.pad(x, v, [1, 0], [2, 1], [1, 0]), args: (s) => [uniform(s, [3, 2]), uniform(s + 1, [])] },
  { prim: "pad", name: "pad negative", fn: (x, v) => lax.pad(x, v, [-1, 1], [0, -1], [0, 1]), args: (s) => [uniform(s, [3, 3]), uniform(s + 1, [])] },
  { prim: "concatenate", name: "concatenate", fn: (a, b) => lax.concatenate([a, b], 1), args: (s) => [uniform(s, [2, 3]), uniform(s + 1, [2, 2])] },
  { prim: "rev", name: "rev", fn: (x) => lax.rev(x, [0, 1]), args: (s) => [uniform(s, [3, 2])] },
  { prim: "reduce_sum", name: "reduce_sum", fn: (x) => lax.reduceSum(x, [0, 2]), args: (s) => [uniform(s, [2, 3, 4])] },
  { prim: "reduce_max", name: "reduce_max", fn: (x) => lax.reduceMax(x, [1]), args: (s) => [uniform(s, [3, 4])] },
  { prim: "reduce_min", name: "reduce_min", fn: (x) => lax.reduceMin(x, [0]), args: (s) => [uniform(s, [3, 4])] },
  { prim: "reduce_and", name: "reduce_and", fn: (x) => internal.bind1(P("reduce_and"), [x], { axes: [1] }), args: (s) => [np.greater(uniform(s, [3, 4]), -0.5)], ...noGrad("boolean") },
  { prim: "reduce_or", name: "reduce_or", fn: (x) => internal.bind1(P("reduce_or"), [x], { axes: [0] }), args: (s) => [np.greater(uniform(s, [3, 4]), 0.5)], ...noGrad("boolean") },
  { prim: "argmax", name: "argmax", fn: (x) => np.argmax(x, 1), args: (s) => [uniform(s, [3, 4])], ...noGrad("integer output") },
  { prim: "argmin", name: "argmin", fn: (x) => np.argmin(x, 0), args: (s) => [uniform(s, [3, 4])], ...noGrad("integer output") },
  { prim: "dot_general", name: "matmul", fn: (a, b) => lax.dotGeneral(a, b, [[1], [0]]), args: (s) => [uniform(s, [2, 3]), uniform(s + 1, [3, 4])] },
  { prim: "dot_general", name: "batched, contracting lhs axis 0", fn: (a, b) => lax.dotGeneral(a, b, [[1], [2]], [[0], [1]]), args: (s) => [uniform(s, [2, 3, 4]), uniform(s + 1, [5, 2, 3])] },
  { prim: "dot_general", name: "two contracting axes, transposed order", fn: (a, b) => lax.dotGeneral(a, b, [[0, 2], [2, 0]]), args: (s) => [uniform(s, [2, 3, 4]), uniform(s + 1, [4, 5, 2])] },
  { prim: "stop_gradient", name: "stop_gradient", fn: (x) => np.add(lax.stopGradient(np.sin(x)), np.cos(x)), args: (s) => [uniform(s, [3])], ...noGrad("its derivative is zero by definition (checked in tests/transforms)") },
];
