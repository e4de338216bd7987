// Special-function primitives (lgamma, digamma, polygamma, erf family, incomplete gamma/beta,
// scaled Bessel I0/I1, ndtri, log_ndtr), computed by the float64 scalar library and rounded to
// the output dtype, with their derivatives.
import type { NDArray } from "../array/ndarray.js";
import { TransformError } from "../errors.js";
import { bind1 } from "../trace/core.js";
import { Zero, type Tangent } from "../trace/values.js";
import { binaryPrimitive, unaryPrimitive } from "./families.js";
import { add, addTangents, div, exp, fullLike, log, mul, neg, sign, sub, eq } from "./elementwise.js";
import { selectN } from "./structural.js";
import { ShapedArray } from "../array/aval.js";
import { ConcreteArray } from "../array/ndarray.js";
import { typedArrayFor } from "../dtype.js";
import { DTypeError, ShapeError } from "../errors.js";
import { type Params, type Primitive, definePrimitive } from "../trace/primitive.js";
import { elementwiseBatch } from "./families.js";
import * as S from "../special/scalar/index.js";

const SQRT_PI = Math.sqrt(Math.PI);
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const c = (x: NDArray, v: number) => fullLike(x, v);
const noFurther = (name: string) => () => {
  throw new TransformError(`${name}: derivatives of this derivative are not implemented (it is the shape-parameter gradient of an incomplete gamma/beta function); use first-order gradients w.r.t. shape parameters.`);
};

export const lgammaP = unaryPrimitive("lgamma", { dtypes: "float", f: S.lgamma, jvp: (x, _y, t) => mul(t, digamma(x)) });
export const digammaP = unaryPrimitive("digamma", { dtypes: "float", f: S.digamma, jvp: (x, _y, t) => mul(t, polygamma(c(x, 1), x)) });
export const polygammaP = binaryPrimitive("polygamma", {
  dtypes: "float",
  f: (n, x) => (Number.isInteger(n) && n >= 0 ? (n === 0 ? S.digamma(x) : S.polygamma(n, x)) : NaN),
  jvp: (n, x, _z, _tn, tx) => (tx instanceof Zero ? tx : mul(tx, polygamma(add(n, c(n, 1)), x))),
});
export const erfP = unaryPrimitive("erf", { dtypes: "float", f: S.erf, jvp: (x, _y, t) => mul(t, mul(c(x, 2 / SQRT_PI), exp(neg(mul(x, x))))) });
export const erfcP = unaryPrimitive("erfc", { dtypes: "float", f: S.erfc, jvp: (x, _y, t) => mul(t, mul(c(x, -2 / SQRT_PI), exp(neg(mul(x, x))))) });
export const erfInvP = unaryPrimitive("erf_inv", { dtypes: "float", f: S.erfinv, jvp: (_x, y, t) => mul(t, mul(c(y, SQRT_PI / 2), exp(mul(y, y)))) });
/** Φ(x), the standard normal cdf; d/dx = φ(x). */
export const ndtrP = unaryPrimitive("ndtr", { dtypes: "float", f: S.ndtr, jvp: (x, _y, t) => mul(t, exp(sub(mul(c(x, -0.5), mul(x, x)), c(x, LOG_SQRT_2PI)))) });
export const ndtriP = unaryPrimitive("ndtri", { dtypes: "float", f: S.ndtri, jvp: (_x, y, t) => mul(t, exp(add(mul(c(y, 0.5), mul(y, y)), c(y, LOG_SQRT_2PI)))) });
/** d/dx log Φ(x) = φ(x)/Φ(x), formed in log space so it stays finite far in the left tail. */
export const logNdtrP = unaryPrimitive("log_ndtr", { dtypes: "float", f: S.logNdtr, jvp: (x, y, t) => mul(t, exp(sub(sub(mul(c(x, -0.5), mul(x, x)), c(x, LOG_SQRT_2PI)), y))) });
export const besselI0eP = unaryPrimitive("bessel_i0e", { dtypes: "float", f: S.besselI0e, jvp: (x, y, t) => mul(t, sub(besselI1e(x), mul(sign(x), y))) });
/** i1e'(x) = i0e(x) - (sign(x) + 1/x) i1e(x), with the limit 1/2 at x = 0. */
export const besselI1eP = unaryPrimitive("bessel_i1e", {
  dtypes: "float",
  f: S.besselI1e,
  jvp: (x, y, t) => {
    const zero = eq(x, c(x, 0));
    const safeX = selectN(zero, x, c(x, 1));
    const d = sub(besselI0e(x), mul(add(sign(x), div(c(x, 1), safeX)), y));
    return mul(t, selectN(zero, d, c(x, 0.5)));
  },
});

// ---------------------------------------------------------------- incomplete gamma
export const igammaGradAP = binaryPrimitive("igamma_grad_a", { dtypes: "float", f: S.gammaincDa, jvp: noFurther("igamma_grad_a") as never });
/** x^(a-1) e^(-x) / Γ(a): the x-derivative of P(a, x). */
function gammaDensity(a: NDArray, x: NDArray): NDArray {
  return exp(sub(sub(mul(sub(a, c(a, 1)), log(x)), x), lgamma(a)));
}
export const igammaP = binaryPrimitive("igamma", {
  dtypes: "float",
  f: S.gammainc,
  jvp: (a, x, _z, ta, tx) => addTangents(ta instanceof Zero ? ta : mul(ta, bind1(igammaGradAP, [a, x])), tx instanceof Zero ? tx : mul(tx, gammaDensity(a, x))),
});
export const igammacP = binaryPrimitive("igammac", {
  dtypes: "float",
  f: S.gammaincc,
  jvp: (a, x, _z, ta, tx) => addTangents(ta instanceof Zero ? ta : neg(mul(ta, bind1(igammaGradAP, [a, x]))), tx instanceof Zero ? tx : neg(mul(tx, gammaDensity(a, x)))),
});
/** Inverse of P(a, ·): d/dp = 1 / density at the result. */
export const igammaInvP = binaryPrimitive("igamma_inv", {
  dtypes: "float",
  f: S.gammaincinv,
  jvp: (a, _p, z, ta, tp) => {
    const dens = gammaDensity(a, z);
    const dp = tp instanceof Zero ? tp : div(tp, dens);
    const da = ta instanceof Zero ? ta : neg(div(mul(ta, bind1(igammaGradAP, [a, z])), dens));
    return addTangents(dp, da);
  },
});

// ---------------------------------------------------------------- incomplete beta (ternary)
function ternaryPrimitive(name: string, f: (a: number, b: number, x: number) => number, jvp: Primitive["jvp"]): Primitive {
  const prim: Primitive = definePrimitive<Params>({
    name,
    abstractEval([a, b, x]) {
      for (const v of [a!, b!, x!]) {
        if (v.dtype !== "float32" && v.dtype !== "float64") throw new DTypeError(`${name}: needs float operands, got ${a}, ${b}, ${x}.`);
      }
      if (a!.shape.join() !== x!.shape.join() || b!.shape.join() !== x!.shape.join() || a!.dtype !== x!.dtype || b!.dtype !== x!.dtype) {
        throw new ShapeError(`${name}: operands ${a}, ${b}, ${x} must share shape and dtype (special.* functions broadcast for you).`);
      }
      return [new ShapedArray(x!.shape, x!.dtype, a!.weakType && b!.weakType && x!.weakType)];
    },
    js([a, b, x], _p, [out]) {
      const A = a!.rawData, B = b!.rawData, X = x!.rawData;
      const o = typedArrayFor(out!.dtype, X.length);
      for (let i = 0; i < X.length; i++) o[i] = f(A[i]!, B[i]!, X[i]!);
      return [ConcreteArray.fromData(o, out!.shape, out!.dtype, out!.weakType)];
    },
    jvp,
    transpose: "nonlinear",
    batch(args, dims, params, axisSize) { return elementwiseBatch(prim, args, dims, params, axisSize); },
  });
  return prim;
}
export const betaincGradAP = ternaryPrimitive("betainc_grad_a", S.betaincDa, noFurther("betainc_grad_a") as never);
export const betaincGradBP = ternaryPrimitive("betainc_grad_b", S.betaincDb, noFurther("betainc_grad_b") as never);
/** x^(a-1) (1-x)^(b-1) / B(a, b). */
function betaDensity(a: NDArray, b: NDArray, x: NDArray): NDArray {
  const one = c(x, 1);
  return exp(sub(add(mul(sub(a, one), log(x)), mul(sub(b, one), log(sub(one, x)))), betaln(a, b)));
}
export const betaincP: Primitive = ternaryPrimitive("regularized_incomplete_beta", S.betainc, ([a, b, x], [ta, tb, tx]) => {
  const y = bind1(betaincP, [a!, b!, x!]);
  let t: Tangent = new Zero(y.aval);
  if (!(ta instanceof Zero)) t = addTangents(t, mul(ta!, bind1(betaincGradAP, [a!, b!, x!])));
  if (!(tb instanceof Zero)) t = addTangents(t, mul(tb!, bind1(betaincGradBP, [a!, b!, x!])));
  if (!(tx instanceof Zero)) t = addTangents(t, mul(tx!, betaDensity(a!, b!, x!)));
  return [[y], [t]];
});
export const betaincInvP: Primitive = ternaryPrimitive("betainc_inv", S.betaincinv, ([a, b, p], [ta, tb, tp]) => {
  const y = bind1(betaincInvP, [a!, b!, p!]);
  const dens = betaDensity(a!, b!, y);
  let t: Tangent = new Zero(y.aval);
  if (!(tp instanceof Zero)) t = addTangents(t, div(tp!, dens));
  if (!(ta instanceof Zero)) t = addTangents(t, neg(div(mul(ta!, bind1(betaincGradAP, [a!, b!, y])), dens)));
  if (!(tb instanceof Zero)) t = addTangents(t, neg(div(mul(tb!, bind1(betaincGradBP, [a!, b!, y])), dens)));
  return [[y], [t]];
});


export const lgamma = (x: NDArray): NDArray => bind1(lgammaP, [x]);
export const digamma = (x: NDArray): NDArray => bind1(digammaP, [x]);
export const polygamma = (n: NDArray, x: NDArray): NDArray => bind1(polygammaP, [n, x]);
export const besselI0e = (x: NDArray): NDArray => bind1(besselI0eP, [x]);
export const besselI1e = (x: NDArray): NDArray => bind1(besselI1eP, [x]);
/** log B(a, b), accurate for large arguments (no lgamma cancellation). */
export const betalnP = binaryPrimitive("betaln", {
  dtypes: "float",
  f: S.betaln,
  jvp: (a, b, _z, ta, tb) => {
    const dab = digamma(add(a, b));
    return addTangents(ta instanceof Zero ? ta : mul(ta, sub(digamma(a), dab)), tb instanceof Zero ? tb : mul(tb, sub(digamma(b), dab)));
  },
});
export const betaln = (a: NDArray, b: NDArray): NDArray => bind1(betalnP, [a, b]);
