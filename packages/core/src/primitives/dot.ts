// dot_general: batched tensor contraction, with XLA's dimension numbers and all of its rules.
import { ShapedArray } from "../array/aval.js";
import { ConcreteArray, type NDArray } from "../array/ndarray.js";
import { stridedCopy } from "../backends/js/strided.js";
import { typedArrayFor } from "../dtype.js";
import { DTypeError, ShapeError } from "../errors.js";
import { sizeOf, stridesOf } from "../shape.js";
import { bind1 } from "../trace/core.js";
import { type Params, type Primitive, definePrimitive } from "../trace/primitive.js";
import { UndefinedPrimal, Zero, type Tangent } from "../trace/values.js";
import { moveaxis, transpose } from "./structural.js";
import { add } from "./elementwise.js";

export interface DotParams extends Params {
  /** [lhs contracting axes, rhs contracting axes] */
  contracting: readonly [readonly number[], readonly number[]];
  /** [lhs batch axes, rhs batch axes] */
  batch: readonly [readonly number[], readonly number[]];
}

const remaining = (n: number, ...drop: (readonly number[])[]) => [...Array(n).keys()].filter((i) => !drop.some((d) => d.includes(i)));

export const dotGeneralP: Primitive<DotParams> = definePrimitive<DotParams>({
  name: "dot_general",
  abstractEval([l, r], { contracting: [lc, rc], batch: [lb, rb] }) {
    if (l!.dtype !== r!.dtype) throw new DTypeError(`dot_general: operand dtypes ${l!.dtype} and ${r!.dtype} differ; convert one with .astype().`);
    if (l!.dtype === "bool") throw new DTypeError("dot_general: bool operands are not supported; convert to a numeric dtype.");
    const bad = lc.length !== rc.length || lb.length !== rb.length || lc.some((a, i) => l!.shape[a] !== r!.shape[rc[i]!]) || lb.some((a, i) => l!.shape[a] !== r!.shape[rb[i]!]) ||
      [...lc, ...lb].some((a) => a < 0 || a >= l!.ndim) || [...rc, ...rb].some((a) => a < 0 || a >= r!.ndim);
    if (bad) throw new ShapeError(`dot_general: cannot contract ${l} axes [${lc}] with ${r} axes [${rc}] (batch axes [${lb}] / [${rb}]); contracted and batch axes must have equal sizes.`);
    const shape = [...lb.map((a) => l!.shape[a]!), ...remaining(l!.ndim, lc, lb).map((a) => l!.shape[a]!), ...remaining(r!.ndim, rc, rb).map((a) => r!.shape[a]!)];
    return [new ShapedArray(shape, l!.dtype, l!.weakType && r!.weakType)];
  },
  js([l, r], { contracting: [lc, rc], batch: [lb, rb] }, [av]) {
    // Reorder to lhs [B, M, K] and rhs [B, K, N], then a plain batched matmul in float64.
    const lf = remaining(l!.ndim, lc, lb);
    const rf = remaining(r!.ndim, rc, rb);
    const B = sizeOf(lb.map((a) => l!.shape[a]!));
    const M = sizeOf(lf.map((a) => l!.shape[a]!));
    const K = sizeOf(lc.map((a) => l!.shape[a]!));
    const N = sizeOf(rf.map((a) => r!.shape[a]!));
    const permute = (x: ConcreteArray, order: number[]) => {
      const st = stridesOf(x.shape);
      const out = new Float64Array(x.size);
      stridedCopy(x.rawData, 0, order.map((o) => st[o]!), order.map((o) => x.shape[o]!), out);
      return out;
    };
    const L = permute(l!, [...lb, ...lf, ...lc]);
    const R = permute(r!, [...rb, ...rc, ...rf]);
    const o = typedArrayFor(av!.dtype, B * M * N);
    const row = new Float64Array(N);
    const isInt = av!.dtype === "int32" || av!.dtype === "uint32";
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < M; i++) {
        row.fill(0);
        const lo = (b * M + i) * K;
        for (let k = 0; k < K; k++) {
          const a = L[lo + k]!;
          if (a === 0 && !isInt) { /* still propagate NaN/Inf from R */ }
          const ro = (b * K + k) * N;
          for (let j = 0; j < N; j++) row[j] = row[j]! + a * R[ro + j]!;
        }
        o.set(isInt ? row.map((v) => (av!.dtype === "int32" ? v | 0 : v >>> 0)) : row, (b * M + i) * N);
      }
    }
    return [ConcreteArray.fromData(o, av!.shape, av!.dtype, av!.weakType)];
  },
  jvp([l, r], [tl, tr], p) {
    const y = bind1(dotGeneralP, [l!, r!], p);
    const a: Tangent = tl instanceof Zero ? tl : bind1(dotGeneralP, [tl!, r!], p);
    const b: Tangent = tr instanceof Zero ? tr : bind1(dotGeneralP, [l!, tr!], p);
    return [[y], [a instanceof Zero ? (b instanceof Zero ? new Zero(y.aval) : b) : b instanceof Zero ? a : add(a, b)]];
  },
  transpose([ct], [l, r], p) {
    if (ct instanceof Zero) return [l instanceof UndefinedPrimal ? new Zero(l.aval) : null, r instanceof UndefinedPrimal ? new Zero(r.aval) : null];
    const [[lc, rc], [lb, rb]] = [p.contracting, p.batch];
    if (l instanceof UndefinedPrimal) {
      return [transposeLhs(ct!, l.aval.ndim, r as NDArray, lc, rc, lb, rb, false), null];
    }
    return [null, transposeLhs(ct!, (r as UndefinedPrimal).aval.ndim, l as NDArray, rc, lc, rb, lb, true)];
  },
  batch([l, r], [ld, rd], p) {
    const [[lc, rc], [lb, rb]] = [p.contracting, p.batch];
    const sh = (xs: readonly number[]) => xs.map((a) => a + 1);
    if (ld !== null && rd !== null) {
      const lm = moveaxis(l!, ld, 0);
      const rm = moveaxis(r!, rd, 0);
      return [[bind1(dotGeneralP, [lm, rm], { contracting: [sh(lc), sh(rc)], batch: [[0, ...sh(lb)], [0, ...sh(rb)]] })], [0]];
    }
    if (ld !== null) {
      const lm = moveaxis(l!, ld, 0);
      const out = bind1(dotGeneralP, [lm, r!], { contracting: [sh(lc), rc], batch: [sh(lb), rb] });
      return [[out], [lb.length]];
    }
    const rm = moveaxis(r!, rd!, 0);
    const out = bind1(dotGeneralP, [l!, rm], { contracting: [lc, sh(rc)], batch: [lb, sh(rb)] });
    return [[out], [lb.length + remaining(l!.ndim, lc, lb).length]];
  },
});

/**
 * Cotangent of the lhs of a dot_general (JAX's _dot_general_transpose_lhs): contract the output
 * cotangent with the rhs over the rhs's free axes, then permute back to lhs order.
 */
function transposeLhs(g: NDArray, xNdim: number, y: NDArray, xc: readonly number[], yc: readonly number[], xb: readonly number[], yb: readonly number[], swapAns: boolean): NDArray {
  const xKept = remaining(xNdim, xc, xb);
  const yKept = remaining(y.ndim, yc, yb);
  const nb = xb.length;
  const ansBatch = [...Array(nb).keys()];
  const ansY = swapAns ? yKept.map((_, i) => nb + i) : yKept.map((_, i) => nb + xKept.length + i);
  const dims = bind1(dotGeneralP, [g, y], { contracting: [ansY, yKept], batch: [ansBatch, yb] });
  // Result axes: batch, x kept, then x's contracting axes in the order of y's sorted contracting axes.
  const order = yc.map((_, i) => i).sort((a, b) => yc[a]! - yc[b]!);
  const xcSortedByY = order.map((i) => xc[i]!);
  const pos = [...xb, ...xKept, ...xcSortedByY];
  const outAxes = pos.map((_, i) => i).sort((a, b) => pos[a]! - pos[b]!);
  return transpose(dims, outAxes);
}

export function dotGeneral(l: NDArray, r: NDArray, contracting: [number[], number[]], batch: [number[], number[]] = [[], []]): NDArray {
  return bind1(dotGeneralP, [l, r], { contracting, batch });
}
