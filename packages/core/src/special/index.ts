// The `special` namespace (jax.scipy.special in camelCase): broadcasting, dtype promotion to
// float, and numerically careful compositions over the special-function primitives.
import { NDArray, type ArrayLike } from "../array/ndarray.js";
import { isFloat } from "../dtype.js";
import { normalizeAxes } from "../shape.js";
import { bind1 } from "../trace/core.js";
import * as E from "../primitives/elementwise.js";
import * as S from "../primitives/structural.js";
import * as F from "../primitives/special.js";
import { stopGradient } from "../primitives/custom.js";
import { reduceMaxP } from "../primitives/reductions.js";
import { promoteAndBroadcast, resultKind, toKind, kindOf } from "../numpy/convert.js";
import * as np from "../numpy/index.js";
import type { Primitive } from "../trace/primitive.js";
import { customJvp } from "../lax/control.js";

const floatKind = (xs: ArrayLike[]) => {
  const k = resultKind(xs);
  return isFloat(k.dtype) ? k : { dtype: "float32" as const, weakType: k.weakType };
};
const f1 = (prim: Primitive) => (x: ArrayLike): NDArray => bind1(prim, [toKind(x, floatKind([x]))]);
const f2 = (prim: Primitive) => (a: ArrayLike, b: ArrayLike): NDArray => {
  const [x, y] = promoteAndBroadcast(prim.name, [a, b], floatKind([a, b]));
  return bind1(prim, [x!, y!]);
};
const f3 = (prim: Primitive) => (a: ArrayLike, b: ArrayLike, c: ArrayLike): NDArray => {
  const [x, y, z] = promoteAndBroadcast(prim.name, [a, b, c], floatKind([a, b, c]));
  return bind1(prim, [x!, y!, z!]);
};

export const gammaln = f1(F.lgammaP);
export const digamma = f1(F.digammaP);
export const polygamma = f2(F.polygammaP);
export const erf = f1(F.erfP);
export const erfc = f1(F.erfcP);
export const erfinv = f1(F.erfInvP);
export const ndtri = f1(F.ndtriP);
export const logNdtr = f1(F.logNdtrP);
export const i0e = f1(F.besselI0eP);
export const i1e = f1(F.besselI1eP);
/** Regularized lower incomplete gamma P(a, x). */
export const gammainc = f2(F.igammaP);
/** Regularized upper incomplete gamma Q(a, x). */
export const gammaincc = f2(F.igammacP);
export const gammaincinv = f2(F.igammaInvP);
export const betaln = f2(F.betalnP);
/** Regularized incomplete beta I_x(a, b). */
export const betainc = f3(F.betaincP);
export const betaincinv = f3(F.betaincInvP);

/** Φ(x), the standard normal cdf. */
export const ndtr = f1(F.ndtrP);
export function expit(x: ArrayLike): NDArray {
  return bind1(E.logisticP, [toKind(x, floatKind([x]))]);
}
export function logit(x: ArrayLike): NDArray {
  const a = toKind(x, floatKind([x]));
  return E.log(E.div(a, E.sub(E.fullLike(a, 1), a)));
}
/** log(1 + e^x) without overflow. */
export function softplus(x: ArrayLike): NDArray {
  return np.logaddexp(toKind(x, floatKind([x])), 0);
}
/** x·log(y) with 0·log(0) = 0; derivatives log(y) and x/y as JAX's custom rule (finite in x at 0). */
export function xlogy(x: ArrayLike, y: ArrayLike): NDArray {
  const [a, b] = promoteAndBroadcast("xlogy", [x, y], floatKind([x, y]));
  return xlogyRule(a!, b!);
}
function xlogyPrimal(a: NDArray, b: NDArray): NDArray {
  const zero = E.eq(a, E.fullLike(a, 0));
  const safeY = S.selectN(zero, b, E.fullLike(b, 1));
  return S.selectN(zero, E.mul(a, E.log(safeY)), E.fullLike(a, 0));
}
const xlogyRule = customJvp(xlogyPrimal);
xlogyRule.defjvp(([a, b], [ta, tb]) => [xlogyPrimal(a, b), E.add(E.mul(ta, E.log(b)), E.mul(tb, E.div(a, b)))]);

/** x·log1p(y) with 0·log1p(-1) = 0; derivatives log1p(y) and x/(1+y). */
export function xlog1py(x: ArrayLike, y: ArrayLike): NDArray {
  const [a, b] = promoteAndBroadcast("xlog1py", [x, y], floatKind([x, y]));
  return xlog1pyRule(a!, b!);
}
function xlog1pyPrimal(a: NDArray, b: NDArray): NDArray {
  const zero = E.eq(a, E.fullLike(a, 0));
  const safeY = S.selectN(zero, b, E.fullLike(b, 0));
  return S.selectN(zero, E.mul(a, bind1(E.log1pP, [safeY])), E.fullLike(a, 0));
}
const xlog1pyRule = customJvp(xlog1pyPrimal);
xlog1pyRule.defjvp(([a, b], [ta, tb]) => [xlog1pyPrimal(a, b), E.add(E.mul(ta, bind1(E.log1pP, [b])), E.mul(tb, E.div(a, E.add(b, E.fullLike(b, 1)))))]);
/** log Σ exp(x) over `axis`, stable (max subtracted; its gradient stopped, as JAX). */
export function logsumexp(x: ArrayLike, axis?: number | readonly number[] | null, keepdims = false, b?: ArrayLike): NDArray {
  let a = toKind(x, floatKind([x]));
  const axes = normalizeAxes("logsumexp", axis ?? null, a.ndim);
  if (b !== undefined) a = E.add(a, E.log(toKind(np.broadcastTo(toKind(b, kindOf(b)), a.shape), { dtype: a.dtype, weakType: false })));
  if (!axes.length) return a;
  const m = bind1(reduceMaxP, [a], { axes });
  const finite = S.selectN(np.isfinite(m), E.fullLike(m, 0), m);
  const mk = stopGradient(S.reshape(finite, a.shape.map((d, i) => (axes.includes(i) ? 1 : d))));
  const s = np.sum(E.exp(E.sub(a, S.broadcastTo(mk, a.shape))), axes, true);
  const out = E.add(E.log(s), mk);
  return keepdims ? out : S.reshape(out, a.shape.filter((_, i) => !axes.includes(i)));
}
export function logSoftmax(x: ArrayLike, axis: number | readonly number[] = -1): NDArray {
  const a = toKind(x, floatKind([x]));
  return E.sub(a, S.broadcastTo(logsumexp(a, axis, true), a.shape));
}
export function softmax(x: ArrayLike, axis: number | readonly number[] = -1): NDArray {
  return E.exp(logSoftmax(x, axis));
}
/** log of the multivariate gamma function Γ_d(a) (Wishart/LKJ normalisers). */
export function multigammaln(a: ArrayLike, d: number): NDArray {
  const x = toKind(a, floatKind([a]));
  let s = E.fullLike(x, (d * (d - 1) / 4) * Math.log(Math.PI));
  for (let j = 0; j < d; j++) s = E.add(s, bind1(F.lgammaP, [E.sub(x, E.fullLike(x, j / 2))]));
  return s;
}
