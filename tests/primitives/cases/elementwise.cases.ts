// Cases for the elementwise primitives (unary math, binary arithmetic, comparisons, logic).
import { NDArray, lax, np, internal } from "@fluxion/core";
import { type PrimCase, ints, uniform } from "../harness.js";

const P = (name: string) => internal.registeredPrimitives().find((p) => p.name === name)!;
const un = (prim: string, lo: number, hi: number, extra: Partial<PrimCase> = {}): PrimCase => ({
  prim, name: prim, fn: (x) => internal.bind1(P(prim), [x]), args: (s) => [uniform(s, [2, 3], lo, hi)], ...extra,
});
const bin = (prim: string, lo: number, hi: number, lo2 = lo, hi2 = hi, extra: Partial<PrimCase> = {}): PrimCase => ({
  prim, name: prim, fn: (x, y) => internal.bind1(P(prim), [x, y]), args: (s) => [uniform(s, [3, 2], lo, hi), uniform(s + 100, [3, 2], lo2, hi2)], ...extra,
});
const noGrad = (reason: string): Partial<PrimCase> => ({ grad: false, noGradReason: reason });

export const cases: PrimCase[] = [
  un("neg", -2, 2), un("exp", -2, 2), un("exp2", -2, 2), un("log", 0.2, 3), un("log1p", -0.5, 2), un("expm1", -2, 2),
  un("tanh", -2, 2), un("logistic", -3, 3), un("sin", -3, 3), un("cos", -3, 3), un("tan", -1.2, 1.2),
  un("asin", -0.9, 0.9), un("acos", -0.9, 0.9), un("atan", -2, 2), un("sinh", -2, 2), un("cosh", -2, 2),
  un("asinh", -2, 2), un("acosh", 1.2, 3), un("atanh", -0.9, 0.9), un("sqrt", 0.2, 3), un("rsqrt", 0.2, 3), un("cbrt", 0.2, 3),
  un("square", -2, 2), un("abs", 0.1, 2, { name: "abs (positive)" }),
  { ...un("abs", -2, -0.1), name: "abs (negative)" },
  un("sign", 0.1, 2, noGrad("piecewise constant")), un("floor", -3, 3, noGrad("piecewise constant")), un("ceil", -3, 3, noGrad("piecewise constant")),
  un("round", -3, 3, noGrad("piecewise constant")), un("trunc", -3, 3, noGrad("piecewise constant")),
  un("is_finite", -3, 3, noGrad("boolean output")),
  { prim: "not", name: "not (bool)", fn: (x) => internal.bind1(P("not"), [x]), args: (s) => [np.greater(uniform(s, [4], -1, 1), 0)], ...noGrad("boolean") },
  { prim: "not", name: "not (int)", fn: (x) => internal.bind1(P("not"), [x]), args: (s) => [ints(s, [4], -50, 50)], ...noGrad("integer") },
  bin("add", -2, 2), bin("sub", -2, 2), bin("mul", -2, 2), bin("div", -2, 2, 0.5, 2), bin("pow", 0.5, 2, -1.5, 1.5), bin("atan2", -2, 2, 0.3, 2),
  bin("max", -2, 2, -2, 2), bin("min", -2, 2, -2, 2), bin("rem", 1, 5, 0.7, 2),
  bin("nextafter", -2, 2, -2, 2, noGrad("discrete step")),
  ...["eq", "ne", "lt", "le", "gt", "ge"].map((p) => bin(p, -1, 1, -1, 1, noGrad("boolean output"))),
  ...["and", "or", "xor"].map((p): PrimCase => ({ prim: p, name: p, fn: (x, y) => internal.bind1(P(p), [x, y]), args: (s) => [ints(s, [5], 0, 64), ints(s + 1, [5], 0, 64)], ...noGrad("integer") })),
  ...["shift_left", "shift_right_logical", "shift_right_arithmetic"].map((p): PrimCase => ({
    prim: p, name: p, fn: (x, y) => internal.bind1(P(p), [x, y]), args: (s) => [ints(s, [5], 0, 1 << 30, "uint32"), ints(s + 1, [5], 0, 31, "uint32")], ...noGrad("integer"),
  })),
  { prim: "add", name: "add (int32 wraps)", fn: (x, y) => lax.add(x, y), args: () => [np.array([2147483647, -5], "int32"), np.array([1, 3], "int32")], ...noGrad("integer") },
];
void NDArray;
