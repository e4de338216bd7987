// Householder reflector construction shared by QR and the tridiagonal reduction inside eigh.
// Convention follows LAPACK dlarfg: H = I - tau v vᵀ with v[0] = 1 and H [alpha; x] = [beta; 0].

const underflowGuard = 1e-290;
const overflowGuard = 1e290;

/** Euclidean norm of `count` elements starting at `offset` with `stride`, rescaled when squares would over/underflow. */
export function stridedNorm2(data: Float64Array, offset: number, stride: number, count: number): number {
  let sumOfSquares = 0;
  for (let i = 0, p = offset; i < count; i++, p += stride) sumOfSquares += data[p] * data[p];
  if (sumOfSquares > underflowGuard && sumOfSquares < overflowGuard) return Math.sqrt(sumOfSquares);
  if (sumOfSquares === 0) return 0;
  // Rare path: squaring lost range, so divide by the largest magnitude first (what dnrm2 achieves by scaling).
  let largest = 0;
  for (let i = 0, p = offset; i < count; i++, p += stride) largest = Math.max(largest, Math.abs(data[p]));
  if (largest === 0 || !Number.isFinite(largest)) return largest;
  let scaledSum = 0;
  for (let i = 0, p = offset; i < count; i++, p += stride) {
    const scaled = data[p] / largest;
    scaledSum += scaled * scaled;
  }
  return largest * Math.sqrt(scaledSum);
}

/**
 * Overwrites the vector [alpha, x] (at `offset`, `stride`, `length` elements) with [beta, v[1:]] and
 * returns tau. When x is already zero, tau = 0 and H = I, so beta keeps alpha's sign (as dlarfg);
 * otherwise beta = -sign(alpha) * ||[alpha, x]||, which makes R's diagonal match LAPACK and numpy.
 */
export function householderInPlace(data: Float64Array, offset: number, stride: number, length: number): number {
  if (length <= 1) return 0;
  const alpha = data[offset];
  const tailNorm = stridedNorm2(data, offset + stride, stride, length - 1);
  if (tailNorm === 0) return 0;
  const magnitude = Math.hypot(alpha, tailNorm);
  // Fortran SIGN(x, 0) is +x, so alpha = 0 gives beta = -norm, as in dlarfg.
  const beta = alpha >= 0 ? -magnitude : magnitude;
  const tau = (beta - alpha) / beta;
  const tailScale = 1 / (alpha - beta);
  for (let i = 1, p = offset + stride; i < length; i++, p += stride) data[p] *= tailScale;
  data[offset] = beta;
  return tau;
}
