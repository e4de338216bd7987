// XLA's inverse error function (the lowering JAX uses for lax.erf_inv) written with array ops, float32 and
// float64, with every Horner step optionally fused as XLA's CPU compiler contracts it; derivative as JAX's erf_inv.
import type { NDArray } from "../array/ndarray.js";
import { DTypeError } from "../errors.js";
import { customJvp } from "../lax/control.js";
import { multiplyAddBy } from "./fma.js";
import { abs, eq, exp, fullLike, log1p, lt, mul, neg, select, sqrt, sub } from "./ops.js";

/*
 * Coefficients of Giles, "Approximating the erfinv function" (GPU Computing Gems Jade, 2011), as XLA spells
 * them: openxla/stablehlo stablehlo/transforms/ChloLegalizeToStablehlo.cpp, erfInv32 and erfInv64. Each list
 * runs from the highest power down; the float32 ones are rounded to float32 as C++ float literals are.
 */
const F32_W_LT_5: readonly number[] = [
  2.81022636e-8, 3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 0.00021858087, -0.00125372503,
  -0.00417768164, 0.246640727, 1.50140941,
].map(Math.fround);
const F32_W_GE_5: readonly number[] = [
  -0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
  0.00943887047, 1.00167406, 2.83297682,
].map(Math.fround);

const F64_W_LT_6_25: readonly number[] = [
  -3.6444120640178196996e-21, -1.685059138182016589e-19, 1.2858480715256400167e-18,
  1.115787767802518096e-17, -1.333171662854620906e-16, 2.0972767875968561637e-17,
  6.6376381343583238325e-15, -4.0545662729752068639e-14, -8.1519341976054721522e-14,
  2.6335093153082322977e-12, -1.2975133253453532498e-11, -5.4154120542946279317e-11,
  1.051212273321532285e-9, -4.1126339803469836976e-9, -2.9070369957882005086e-8,
  4.2347877827932403518e-7, -1.3654692000834678645e-6, -1.3882523362786468719e-5,
  0.0001867342080340571352, -0.00074070253416626697512, -0.0060336708714301490533,
  0.24015818242558961693, 1.6536545626831027356,
];
const F64_W_LT_16: readonly number[] = [
  2.2137376921775787049e-9, 9.0756561938885390979e-8, -2.7517406297064545428e-7,
  1.8239629214389227755e-8, 1.5027403968909827627e-6, -4.013867526981545969e-6,
  2.9234449089955446044e-6, 1.2475304481671778723e-5, -4.7318229009055733981e-5,
  6.8284851459573175448e-5, 2.4031110387097893999e-5, -0.0003550375203628474796,
  0.00095328937973738049703, -0.0016882755560235047313, 0.0024914420961078508066,
  -0.0037512085075692412107, 0.005370914553590063617, 1.0052589676941592334, 3.0838856104922207635,
];
const F64_W_GE_16: readonly number[] = [
  -2.7109920616438573243e-11, -2.5556418169965252055e-10, 1.5076572693500548083e-9,
  -3.7894654401267369937e-9, 7.6157012080783393804e-9, -1.4960026627149240478e-8,
  2.9147953450901080826e-8, -6.7711997758452339498e-8, 2.2900482228026654717e-7,
  -9.9298272942317002539e-7, 4.5260625972231537039e-6, -1.9681778105531670567e-5,
  7.5995277030017761139e-5, -0.00021503011930044477347, -0.00013871931833623122026,
  1.0103004648645343977, 4.8499064014085844221,
];

/** Pads coefficient lists to a common length with leading zeros: fma(0, w, c) = c, so Horner is unchanged. */
function padded(lists: readonly (readonly number[])[]): number[][] {
  const length = Math.max(...lists.map((l) => l.length));
  return lists.map((l) => [...new Array<number>(length - l.length).fill(0), ...l]);
}

/**
 * Horner over per-element coefficient tables: `region[i]` picks table region[i] (0, 1, ...) via the boolean
 * masks `inRegion`, where mask k selects table k and elements in no mask use the last table.
 */
function hornerByRegion(w: NDArray, inRegion: readonly NDArray[], tables: readonly (readonly number[])[], fused: boolean): NDArray {
  const rows = padded(tables);
  const coefficientAt = (i: number): NDArray => {
    let c = fullLike(w, rows[rows.length - 1]![i]!);
    for (let k = inRegion.length - 1; k >= 0; k--) c = select(inRegion[k]!, fullLike(w, rows[k]![i]!), c);
    return c;
  };
  const step = multiplyAddBy(w, fused);
  let p = coefficientAt(0);
  for (let i = 1; i < rows[0]!.length; i++) p = step(p, coefficientAt(i));
  return p;
}

/** erfInv32: w = -log1p(-x^2); w < 5: P(w - 2.5) x, else Q(sqrt(w) - 3) x; erfinv(±1) = ±inf. */
function erfInvF32(x: NDArray, fused: boolean): NDArray {
  const w = neg(log1p(mul(x, neg(x))));
  const small = lt(w, fullLike(w, 5));
  const shifted = select(small, sub(w, fullLike(w, 2.5)), sub(sqrt(w), fullLike(w, 3)));
  const p = hornerByRegion(shifted, [small], [F32_W_LT_5, F32_W_GE_5], fused);
  return select(eq(abs(x), fullLike(x, 1)), mul(x, fullLike(x, Infinity)), mul(p, x));
}

/** erfInv64: three regions w < 6.25 (w - 3.125), w < 16 (sqrt(w) - 3.25), else (sqrt(w) - 5). */
function erfInvF64(x: NDArray, fused: boolean): NDArray {
  const w = neg(log1p(mul(x, neg(x))));
  const low = lt(w, fullLike(w, 6.25));
  const middle = lt(w, fullLike(w, 16));
  const root = sqrt(w);
  const shifted = select(low, sub(w, fullLike(w, 3.125)), select(middle, sub(root, fullLike(w, 3.25)), sub(root, fullLike(w, 5))));
  const p = hornerByRegion(shifted, [low, middle], [F64_W_LT_6_25, F64_W_LT_16, F64_W_GE_16], fused);
  return select(eq(abs(x), fullLike(x, 1)), mul(x, fullLike(x, Infinity)), mul(p, x));
}

function erfInvPolynomial(x: NDArray, fused: boolean): NDArray {
  if (x.dtype === "float32") return erfInvF32(x, fused);
  if (x.dtype === "float64") return erfInvF64(x, fused);
  throw new DTypeError(`random.erfInv: got dtype ${x.dtype}, but it needs float32 or float64; convert with .astype("float32").`);
}

/** JAX's erf_inv derivative: d/dx erfinv(x) = sqrt(pi)/2 exp(erfinv(x)^2), not the polynomial's own slope. */
function withErfInvDerivative(fused: boolean) {
  const f = customJvp((x: NDArray) => erfInvPolynomial(x, fused));
  f.defjvp(([x], [t]) => {
    const y = erfInvPolynomial(x, fused);
    return [y, mul(t, mul(fullLike(y, Math.sqrt(Math.PI) / 2), exp(mul(y, y))))];
  });
  return f;
}
// Built on first use: module initialisation must not call into lax (ESM import cycles).
const variants = new Map<boolean, (x: NDArray) => NDArray>();

/** The inverse error function exactly as XLA evaluates it (float32 or float64 input). */
export function erfInv(x: NDArray, fusedMultiplyAdd = true): NDArray {
  let f = variants.get(fusedMultiplyAdd);
  if (!f) {
    f = withErfInvDerivative(fusedMultiplyAdd);
    variants.set(fusedMultiplyAdd, f);
  }
  return f(x);
}
