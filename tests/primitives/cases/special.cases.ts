// Cases for the special-function primitives.
import { NDArray, special, internal } from "@fluxion/core";
import { type PrimCase, uniform } from "../harness.js";

const un = (prim: string, fn: (x: NDArray) => NDArray, lo: number, hi: number, extra: Partial<PrimCase> = {}): PrimCase => ({ prim, name: prim, fn, args: (s) => [uniform(s, [4], lo, hi)], ...extra });
const P = (name: string) => internal.registeredPrimitives().find((p) => p.name === name)!;
const firstOrderShape = { order: 1, rtol: 1e-4, atol: 1e-6 };

export const cases: PrimCase[] = [
  un("lgamma", special.gammaln, 0.3, 6), un("digamma", special.digamma, 0.3, 6), un("erf", special.erf, -2, 2), un("erfc", special.erfc, -2, 2),
  un("erf_inv", special.erfinv, -0.9, 0.9), un("ndtri", special.ndtri, 0.05, 0.95), un("log_ndtr", special.logNdtr, -8, 3),
  un("bessel_i0e", special.i0e, -3, 3), un("bessel_i1e", special.i1e, -3, 3),
  { prim: "polygamma", name: "polygamma(n=1..2, x)", fn: (x) => special.polygamma(internal.full(x.shape, 1, x.dtype), x), args: (s) => [uniform(s, [4], 0.5, 4)] },
  { prim: "betaln", name: "betaln", fn: (a, b) => special.betaln(a, b), args: (s) => [uniform(s, [3], 0.5, 5), uniform(s + 1, [3], 0.5, 5)] },
  { prim: "igamma", name: "gammainc (a and x)", fn: (a, x) => special.gammainc(a, x), args: (s) => [uniform(s, [3], 0.8, 4), uniform(s + 1, [3], 0.3, 5)], ...firstOrderShape },
  { prim: "igammac", name: "gammaincc (a and x)", fn: (a, x) => special.gammaincc(a, x), args: (s) => [uniform(s, [3], 0.8, 4), uniform(s + 1, [3], 0.3, 5)], ...firstOrderShape },
  { prim: "igamma_inv", name: "gammaincinv", fn: (a, p) => special.gammaincinv(a, p), args: (s) => [uniform(s, [3], 0.8, 4), uniform(s + 1, [3], 0.1, 0.9)], ...firstOrderShape },
  { prim: "regularized_incomplete_beta", name: "betainc (a, b, x)", fn: (a, b, x) => special.betainc(a, b, x), args: (s) => [uniform(s, [3], 0.8, 4), uniform(s + 1, [3], 0.8, 4), uniform(s + 2, [3], 0.1, 0.9)], ...firstOrderShape },
  { prim: "betainc_inv", name: "betaincinv", fn: (a, b, p) => special.betaincinv(a, b, p), args: (s) => [uniform(s, [3], 0.8, 4), uniform(s + 1, [3], 0.8, 4), uniform(s + 2, [3], 0.1, 0.9)], ...firstOrderShape },
  { prim: "igamma_grad_a", name: "igamma_grad_a", fn: (a, x) => internal.bind1(P("igamma_grad_a"), [a, x]), args: (s) => [uniform(s, [3], 0.8, 4), uniform(s + 1, [3], 0.3, 5)], grad: false, noGradReason: "itself a shape-parameter derivative; higher orders not implemented (clear error)" },
  { prim: "betainc_grad_a", name: "betainc_grad_a", fn: (a, b, x) => internal.bind1(P("betainc_grad_a"), [a, b, x]), args: (s) => [uniform(s, [3], 0.8, 4), uniform(s + 1, [3], 0.8, 4), uniform(s + 2, [3], 0.1, 0.9)], grad: false, noGradReason: "itself a shape-parameter derivative; higher orders not implemented (clear error)" },
  { prim: "betainc_grad_b", name: "betainc_grad_b", fn: (a, b, x) => internal.bind1(P("betainc_grad_b"), [a, b, x]), args: (s) => [uniform(s, [3], 0.8, 4), uniform(s + 1, [3], 0.8, 4), uniform(s + 2, [3], 0.1, 0.9)], grad: false, noGradReason: "itself a shape-parameter derivative; higher orders not implemented (clear error)" },
];
cases.push(un("ndtr", special.ndtr, -3, 3));
