// Strided copies and index walks shared by the reference kernels (transpose, broadcast, slice, rev).
import type { TypedArray } from "../../dtype.js";

/**
 * Writes `dst[i] = src[base + Σ_d idx_d · strides[d]]` for every multi-index `idx` of `outShape`,
 * in row-major order.
 */
export function stridedCopy(src: TypedArray, base: number, strides: readonly number[], outShape: readonly number[], dst: TypedArray): void {
  const nd = outShape.length;
  const n = dst.length;
  if (n === 0) return;
  if (nd === 0) {
    dst[0] = src[base]!;
    return;
  }
  const idx = new Array<number>(nd).fill(0);
  const last = nd - 1;
  const lastStride = strides[last]!;
  const lastSize = outShape[last]!;
  let off = base;
  let o = 0;
  while (o < n) {
    for (let j = 0, p = off; j < lastSize; j++, p += lastStride) dst[o++] = src[p]!;
    // Advance the odometer over the leading dims.
    let d = last - 1;
    for (; d >= 0; d--) {
      off += strides[d]!;
      if (++idx[d]! < outShape[d]!) break;
      off -= strides[d]! * outShape[d]!;
      idx[d] = 0;
    }
    if (d < 0) break;
  }
}
