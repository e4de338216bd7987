// Cases for the PRNG primitives (threefry2x32, random_gamma_grad).
import { internal, random } from "@fluxion/core";
import { type PrimCase, ints, uniform } from "../harness.js";

const P = (name: string) => internal.registeredPrimitives().find((p) => p.name === name)!;

export const cases: PrimCase[] = [
  {
    prim: "threefry2x32",
    name: "threefry2x32 (bits)",
    fn: (k0, k1, x0, x1) => internal.bind(P("threefry2x32"), [k0, k1, x0, x1]),
    args: (s) => [ints(s, [3], 0, 2 ** 31, "uint32"), ints(s + 1, [3], 0, 2 ** 31, "uint32"), ints(s + 2, [3], 0, 2 ** 31, "uint32"), ints(s + 3, [3], 0, 2 ** 31, "uint32")],
    grad: false,
    noGradReason: "integer bits",
  },
  {
    prim: "random_gamma_grad",
    name: "randomGammaGrad(a, x)",
    fn: (a, x) => random.randomGammaGrad(a, x),
    args: (s) => [uniform(s, [3], 0.8, 4), uniform(s + 1, [3], 0.3, 4)],
    grad: false,
    noGradReason: "itself the reparameterization derivative; higher orders refused with a clear error",
  },
];
