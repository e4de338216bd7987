// Elementwise primitives (unary math, binary arithmetic, comparisons, logic) and the small
// helpers every rule uses (full, zerosFor, scalar constants).
import { ShapedArray } from "../array/aval.js";
import { ConcreteArray, type NDArray } from "../array/ndarray.js";
import { type DType, castScalar, isFloat, typedArrayFor } from "../dtype.js";
import { type Shape, sizeOf } from "../shape.js";
import { EvalTrace, bind1, currentTrace } from "../trace/core.js";
import { UndefinedPrimal, Zero, type Tangent } from "../trace/values.js";
import { binaryPrimitive, unaryPrimitive } from "./families.js";
import { broadcastInDim, selectN } from "./structural.js";

// ---------------------------------------------------------------- constants
/** A concrete scalar (a literal when staged). */
export function scalar(value: number, dtype: DType, weakType = false): NDArray {
  const d = typedArrayFor(dtype, 1);
  d[0] = castScalar(value, dtype);
  return ConcreteArray.fromData(d, [], dtype, weakType);
}
/** An array filled with `value`, as a broadcast scalar (cheap to stage). */
export function full(shape: Shape, value: number, dtype: DType, weakType = false): NDArray {
  if (currentTrace() instanceof EvalTrace) {
    // Eagerly, fill one buffer rather than broadcasting a temporary scalar.
    const d = typedArrayFor(dtype, sizeOf(shape));
    d.fill(castScalar(value, dtype));
    return ConcreteArray.fromData(d, shape, dtype, weakType);
  }
  return broadcastInDim(scalar(value, dtype, weakType), shape, []);
}
export function zerosFor(aval: ShapedArray): NDArray {
  return full(aval.shape, 0, aval.dtype, aval.weakType);
}
/** A scalar of x's dtype broadcast to x's shape. */
export function fullLike(x: NDArray, value: number): NDArray {
  return full(x.shape, value, x.dtype, x.weakType);
}

const wrapInt = (v: number, d: DType): number => (d === "int32" ? v | 0 : d === "uint32" ? v >>> 0 : v);

// ---------------------------------------------------------------- binary arithmetic
export const addP = binaryPrimitive("add", {
  dtypes: "numeric",
  f: (a, b, d) => wrapInt(a + b, d),
  jvp: (_x, _y, _z, tx, ty) => addTangents(tx, ty),
  transpose: ([ct], [x, y]) => [x instanceof UndefinedPrimal ? ct! : null, y instanceof UndefinedPrimal ? ct! : null],
});
export const subP = binaryPrimitive("sub", {
  dtypes: "numeric",
  f: (a, b, d) => wrapInt(a - b, d),
  jvp: (_x, _y, _z, tx, ty) => (ty instanceof Zero ? tx : tx instanceof Zero ? neg(ty) : sub(tx, ty)),
  transpose: ([ct], [x, y]) => [
    x instanceof UndefinedPrimal ? ct! : null,
    y instanceof UndefinedPrimal ? (ct instanceof Zero ? ct : neg(ct!)) : null,
  ],
});
export const mulP = binaryPrimitive("mul", {
  dtypes: "numeric",
  f: (a, b, d) => (d === "int32" ? Math.imul(a, b) : d === "uint32" ? Math.imul(a, b) >>> 0 : a * b),
  jvp: (x, y, _z, tx, ty) => addTangents(tx instanceof Zero ? tx : mul(tx, y), ty instanceof Zero ? ty : mul(x, ty)),
  transpose: ([ct], [x, y]) => {
    if (x instanceof UndefinedPrimal && y instanceof UndefinedPrimal) throw new Error("mul: both operands linear (nonlinear use in a linear program)");
    if (ct instanceof Zero) return [x instanceof UndefinedPrimal ? new Zero(x.aval) : null, y instanceof UndefinedPrimal ? new Zero(y.aval) : null];
    return [x instanceof UndefinedPrimal ? mul(ct!, y as NDArray) : null, y instanceof UndefinedPrimal ? mul(x as NDArray, ct!) : null];
  },
});
export const divP = binaryPrimitive("div", {
  dtypes: "numeric",
  f: (a, b, d) => (d === "float32" || d === "float64" ? a / b : b === 0 ? (d === "int32" ? -1 : 0xffffffff) : wrapInt(Math.trunc(a / b), d)),
  jvp: (_x, y, z, tx, ty) => {
    const num = ty instanceof Zero ? tx : tx instanceof Zero ? neg(mul(z, ty)) : sub(tx, mul(z, ty));
    return num instanceof Zero ? num : div(num, y);
  },
  transpose: ([ct], [x, y]) => {
    if (y instanceof UndefinedPrimal) throw new Error("div: divisor is linear (nonlinear use in a linear program)");
    return [x instanceof UndefinedPrimal ? (ct instanceof Zero ? ct : div(ct!, y as NDArray)) : null, null];
  },
});
export const remP = binaryPrimitive("rem", {
  dtypes: "numeric",
  // C semantics (sign of the dividend), as lax.rem; x % 0 is NaN for floats and x for ints (XLA).
  f: (a, b, d) => (isFloat(d) ? a % b : b === 0 ? a : wrapInt(a % b, d)),
  jvp: (x, y, _z, tx, ty) => addTangents(tx, ty instanceof Zero ? ty : neg(mul(ty, truncF(div(x, y))))),
});
export const powP = binaryPrimitive("pow", {
  dtypes: "float",
  f: (a, b) => Math.pow(a, b),
  jvp: (x, y, z, tx, ty) => {
    const dx = tx instanceof Zero ? tx : mul(tx, selectN(eq(y, fullLike(y, 0)), mul(y, pow(x, sub(y, fullLike(y, 1)))), fullLike(y, 0)));
    const safeX = selectN(eq(x, fullLike(x, 0)), x, fullLike(x, 1));
    const dy = ty instanceof Zero ? ty : mul(ty, mul(z, log(safeX)));
    return addTangents(dx, dy);
  },
});
export const maxP = binaryPrimitive("max", {
  dtypes: "numeric",
  f: (a, b) => (a !== a || b !== b ? NaN : a > b ? a : b),
  jvp: (x, y, _z, tx, ty) => chooserJvp(x, y, tx, ty, gt),
});
export const minP = binaryPrimitive("min", {
  dtypes: "numeric",
  f: (a, b) => (a !== a || b !== b ? NaN : a < b ? a : b),
  jvp: (x, y, _z, tx, ty) => chooserJvp(x, y, tx, ty, lt),
});
/** max/min derivative: the chosen operand's tangent, averaged where they tie (as JAX). */
function chooserJvp(x: NDArray, y: NDArray, tx: Tangent, ty: Tangent, pick: (a: NDArray, b: NDArray) => NDArray): Tangent {
  const half = fullLike(x, 0.5);
  const zero = fullLike(x, 0);
  const one = fullLike(x, 1);
  const wx = selectN(eq(x, y), selectN(pick(x, y), zero, one), half);
  const wy = sub(one, wx);
  return addTangents(tx instanceof Zero ? tx : mul(tx, wx), ty instanceof Zero ? ty : mul(ty, wy));
}
export const atan2P = binaryPrimitive("atan2", {
  dtypes: "float",
  f: (a, b) => Math.atan2(a, b),
  jvp: (x, y, _z, tx, ty) => {
    const den = add(mul(x, x), mul(y, y));
    return addTangents(tx instanceof Zero ? tx : mul(tx, div(y, den)), ty instanceof Zero ? ty : neg(mul(ty, div(x, den))));
  },
});
export const nextafterP = binaryPrimitive("nextafter", {
  dtypes: "float",
  f: (a, b, d) => nextafterScalar(a, b, d),
});

/** The next representable value after a toward b in dtype d (float32 or float64). */
export function nextafterScalar(a: number, b: number, d: DType): number {
  if (a !== a || b !== b) return NaN;
  if (a === b) return b;
  if (d === "float32") {
    const f = new Float32Array([a]);
    const u = new Int32Array(f.buffer);
    if (a === 0) u[0] = b > 0 ? 1 : (1 | 0x80000000);
    else if ((a < b) === (a > 0)) u[0] = u[0]! + 1;
    else u[0] = u[0]! - 1;
    return f[0]!;
  }
  const f = new Float64Array([a]);
  const u = new BigInt64Array(f.buffer);
  if (a === 0) u[0] = b > 0 ? 1n : -(2n ** 63n) + 1n;
  else if ((a < b) === (a > 0)) u[0] = u[0]! + 1n;
  else u[0] = u[0]! - 1n;
  return f[0]!;
}

// ---------------------------------------------------------------- comparisons and logic
const cmp = (name: string, f: (a: number, b: number) => boolean) =>
  binaryPrimitive(name, { dtypes: "any", f: (a, b) => (f(a, b) ? 1 : 0), outDType: () => "bool" });
export const eqP = cmp("eq", (a, b) => a === b);
export const neP = cmp("ne", (a, b) => a !== b);
export const ltP = cmp("lt", (a, b) => a < b);
export const leP = cmp("le", (a, b) => a <= b);
export const gtP = cmp("gt", (a, b) => a > b);
export const geP = cmp("ge", (a, b) => a >= b);
export const andP = binaryPrimitive("and", { dtypes: "intOrBool", f: (a, b, d) => wrapInt(a & b, d) });
export const orP = binaryPrimitive("or", { dtypes: "intOrBool", f: (a, b, d) => wrapInt(a | b, d) });
export const xorP = binaryPrimitive("xor", { dtypes: "intOrBool", f: (a, b, d) => wrapInt(a ^ b, d) });
export const shiftLeftP = binaryPrimitive("shift_left", { dtypes: "integer", f: (a, b, d) => (b >= 32 || b < 0 ? 0 : wrapInt(a << b, d)) });
export const shiftRightLogicalP = binaryPrimitive("shift_right_logical", {
  dtypes: "integer",
  f: (a, b, d) => (b >= 32 || b < 0 ? 0 : wrapInt(a >>> b, d)),
});
export const shiftRightArithmeticP = binaryPrimitive("shift_right_arithmetic", {
  dtypes: "integer",
  f: (a, b, d) => wrapInt((d === "uint32" ? a | 0 : a) >> Math.min(Math.max(b, 0), 31), d),
});

// ---------------------------------------------------------------- unary math
const LN2 = Math.LN2;
export const negP = unaryPrimitive("neg", { dtypes: "numeric", f: (x, d) => wrapInt(-x, d), jvp: (_x, _y, t) => neg(t), linearTranspose: (ct) => neg(ct) });
export const signP = unaryPrimitive("sign", { dtypes: "numeric", f: (x, d) => (d === "uint32" ? (x > 0 ? 1 : 0) : x !== x ? NaN : x > 0 ? 1 : x < 0 ? -1 : x) });
export const floorP = unaryPrimitive("floor", { dtypes: "float", f: Math.floor });
export const ceilP = unaryPrimitive("ceil", { dtypes: "float", f: Math.ceil });
/** Rounds half to even (NumPy's and jnp.round's rule). */
export const roundP = unaryPrimitive("round", {
  dtypes: "float",
  f: (x) => {
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
  },
});
export const truncP = unaryPrimitive("trunc", { dtypes: "float", f: Math.trunc });
export const isFiniteP = unaryPrimitive("is_finite", { dtypes: "float", f: (x) => (Number.isFinite(x) ? 1 : 0), outDType: () => "bool" });
export const notP = unaryPrimitive("not", { dtypes: "intOrBool", f: (x, d) => (d === "bool" ? (x ? 0 : 1) : wrapInt(~x, d)) });
export const absP = unaryPrimitive("abs", { dtypes: "numeric", f: (x, d) => (d === "int32" ? Math.abs(x) | 0 : Math.abs(x)), jvp: (x, _y, t) => mul(t, sign(x)) });
export const expP = unaryPrimitive("exp", { dtypes: "float", f: Math.exp, jvp: (_x, y, t) => mul(t, y) });
export const exp2P = unaryPrimitive("exp2", { dtypes: "float", f: (x) => Math.pow(2, x), jvp: (_x, y, t) => mul(t, mul(y, fullLike(y, LN2))) });
export const logP = unaryPrimitive("log", { dtypes: "float", f: Math.log, jvp: (x, _y, t) => div(t, x) });
export const log1pP = unaryPrimitive("log1p", { dtypes: "float", f: Math.log1p, jvp: (x, _y, t) => div(t, add(x, fullLike(x, 1))) });
export const expm1P = unaryPrimitive("expm1", { dtypes: "float", f: Math.expm1, jvp: (_x, y, t) => mul(t, add(y, fullLike(y, 1))) });
export const tanhP = unaryPrimitive("tanh", { dtypes: "float", f: Math.tanh, jvp: (_x, y, t) => mul(t, sub(fullLike(y, 1), mul(y, y))) });
export const logisticP = unaryPrimitive("logistic", {
  dtypes: "float",
  f: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  jvp: (_x, y, t) => mul(t, mul(y, sub(fullLike(y, 1), y))),
});
export const sinP = unaryPrimitive("sin", { dtypes: "float", f: Math.sin, jvp: (x, _y, t) => mul(t, cos(x)) });
export const cosP = unaryPrimitive("cos", { dtypes: "float", f: Math.cos, jvp: (x, _y, t) => neg(mul(t, sin(x))) });
export const tanP = unaryPrimitive("tan", { dtypes: "float", f: Math.tan, jvp: (_x, y, t) => mul(t, add(fullLike(y, 1), mul(y, y))) });
export const asinP = unaryPrimitive("asin", { dtypes: "float", f: Math.asin, jvp: (x, _y, t) => div(t, sqrt(sub(fullLike(x, 1), mul(x, x)))) });
export const acosP = unaryPrimitive("acos", { dtypes: "float", f: Math.acos, jvp: (x, _y, t) => neg(div(t, sqrt(sub(fullLike(x, 1), mul(x, x))))) });
export const atanP = unaryPrimitive("atan", { dtypes: "float", f: Math.atan, jvp: (x, _y, t) => div(t, add(fullLike(x, 1), mul(x, x))) });
export const sinhP = unaryPrimitive("sinh", { dtypes: "float", f: Math.sinh, jvp: (x, _y, t) => mul(t, cosh(x)) });
export const coshP = unaryPrimitive("cosh", { dtypes: "float", f: Math.cosh, jvp: (x, _y, t) => mul(t, sinh(x)) });
export const asinhP = unaryPrimitive("asinh", { dtypes: "float", f: Math.asinh, jvp: (x, _y, t) => div(t, sqrt(add(mul(x, x), fullLike(x, 1)))) });
export const acoshP = unaryPrimitive("acosh", {
  dtypes: "float",
  f: Math.acosh,
  jvp: (x, _y, t) => div(t, mul(sqrt(sub(x, fullLike(x, 1))), sqrt(add(x, fullLike(x, 1))))),
});
export const atanhP = unaryPrimitive("atanh", { dtypes: "float", f: Math.atanh, jvp: (x, _y, t) => div(t, sub(fullLike(x, 1), mul(x, x))) });
export const sqrtP = unaryPrimitive("sqrt", { dtypes: "float", f: Math.sqrt, jvp: (_x, y, t) => div(t, mul(y, fullLike(y, 2))) });
export const rsqrtP = unaryPrimitive("rsqrt", { dtypes: "float", f: (x) => 1 / Math.sqrt(x), jvp: (x, y, t) => mul(t, mul(fullLike(y, -0.5), div(y, x))) });
export const cbrtP = unaryPrimitive("cbrt", { dtypes: "float", f: Math.cbrt, jvp: (_x, y, t) => div(t, mul(fullLike(y, 3), mul(y, y))) });
export const squareP = unaryPrimitive("square", { dtypes: "numeric", f: (x, d) => (d === "int32" ? Math.imul(x, x) : d === "uint32" ? Math.imul(x, x) >>> 0 : x * x), jvp: (x, _y, t) => mul(t, mul(x, fullLike(x, 2))) });

// ---------------------------------------------------------------- wrappers
export const add = (a: NDArray, b: NDArray): NDArray => bind1(addP, [a, b]);
export const sub = (a: NDArray, b: NDArray): NDArray => bind1(subP, [a, b]);
export const mul = (a: NDArray, b: NDArray): NDArray => bind1(mulP, [a, b]);
export const div = (a: NDArray, b: NDArray): NDArray => bind1(divP, [a, b]);
export const rem = (a: NDArray, b: NDArray): NDArray => bind1(remP, [a, b]);
export const pow = (a: NDArray, b: NDArray): NDArray => bind1(powP, [a, b]);
export const max = (a: NDArray, b: NDArray): NDArray => bind1(maxP, [a, b]);
export const min = (a: NDArray, b: NDArray): NDArray => bind1(minP, [a, b]);
export const eq = (a: NDArray, b: NDArray): NDArray => bind1(eqP, [a, b]);
export const ne = (a: NDArray, b: NDArray): NDArray => bind1(neP, [a, b]);
export const lt = (a: NDArray, b: NDArray): NDArray => bind1(ltP, [a, b]);
export const le = (a: NDArray, b: NDArray): NDArray => bind1(leP, [a, b]);
export const gt = (a: NDArray, b: NDArray): NDArray => bind1(gtP, [a, b]);
export const ge = (a: NDArray, b: NDArray): NDArray => bind1(geP, [a, b]);
export const neg = (x: NDArray): NDArray => bind1(negP, [x]);
export const sign = (x: NDArray): NDArray => bind1(signP, [x]);
export const exp = (x: NDArray): NDArray => bind1(expP, [x]);
export const log = (x: NDArray): NDArray => bind1(logP, [x]);
export const sin = (x: NDArray): NDArray => bind1(sinP, [x]);
export const cos = (x: NDArray): NDArray => bind1(cosP, [x]);
export const sinh = (x: NDArray): NDArray => bind1(sinhP, [x]);
export const cosh = (x: NDArray): NDArray => bind1(coshP, [x]);
export const sqrt = (x: NDArray): NDArray => bind1(sqrtP, [x]);
export const truncF = (x: NDArray): NDArray => (isFloat(x.dtype) ? bind1(truncP, [x]) : x);

/** Adds tangents that may be symbolic zeros. */
export function addTangents(a: Tangent, b: Tangent): Tangent {
  if (a instanceof Zero) return b;
  if (b instanceof Zero) return a;
  return add(a, b);
}
/** Adds two arrays of equal shape (used to accumulate cotangents). */
export function addAny(a: NDArray, b: NDArray): NDArray {
  if (a.dtype !== b.dtype) b = bind1(convertP(), [b], { newDtype: a.dtype, weakType: a.weakType });
  return add(a, b);
}
import { convertElementTypeP } from "./structural.js";
const convertP = () => convertElementTypeP;
