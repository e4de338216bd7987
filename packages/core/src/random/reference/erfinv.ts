// Inverse error function as XLA evaluates it for JAX's `lax.erf_inv`: a float32 polynomial emulated
// step by step with Math.fround, and the float64 polynomial, both after Giles (2011).
import { fmaF32, fmaF64, mulAddF32 } from "./bits.js";

/**
 * Coefficients of XLA's float32 ErfInv, from M. Giles, "Approximating the erfinv function"
 * (GPU Computing Gems Jade, 2011), single-precision version. Source of the exact literals and the
 * evaluation order: openxla/stablehlo stablehlo/transforms/ChloLegalizeToStablehlo.cpp, erfInv32
 * (the lowering of chlo.erf_inv that JAX emits for lax.erf_inv_p, jax/_src/lax/special.py).
 * Math.fround of each decimal literal equals the C++ float literal (checked for all 18 by exact
 * rational rounding).
 */
const ERFINV_F32_W_LT_5: readonly number[] = [
  2.81022636e-8, 3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 0.00021858087, -0.00125372503,
  -0.00417768164, 0.246640727, 1.50140941,
].map(Math.fround);
const ERFINV_F32_W_GE_5: readonly number[] = [
  -0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
  0.00943887047, 1.00167406, 2.83297682,
].map(Math.fround);

/** Options for the float32 emulation; both knobs model properties of the XLA backend that ran JAX. */
export interface ErfInvF32Options {
  /**
   * Evaluate each Horner step `c + p * w` as one fused multiply-add. Default true: XLA's CPU compiler
   * sets llvm::TargetOptions::AllowFPOpFusion = Fast ("Always allow FMA fusion", openxla/xla
   * xla/service/cpu/cpu_compiler.cc, CompilerTargetOptions) and NVPTX contracts by default, so on hosts
   * with FMA instructions (x86-64 since Haswell, ARM64, NVIDIA GPUs) each step is one FMA. false
   * gives two roundings per step (hosts without FMA). About 4% of float32 normal draws differ between
   * the two (measured over 2^20 draws), by at most 3 ulp; every published JAX value checked in the tests agrees with both.
   */
  fusedMultiplyAdd?: boolean;
  /** float32 log1p; XLA's own is accurate to about 1 ulp, not correctly rounded. Default log1pF32. */
  log1p?: (x: number) => number;
}

/** float32 log1p: the double-precision log1p rounded to float32 (correctly rounded but for rare ties). */
export function log1pF32(x: number): number {
  return Math.fround(Math.log1p(Math.fround(x)));
}

/**
 * XLA's float32 erfinv (stablehlo erfInv32) with float32 rounding after every operation:
 *   w = -log1p(-x*x); if w < 5: w -= 2.5 else: w = sqrt(w) - 3;
 *   p = c0; p = c_i + p*w for i = 1..8; result = p*x;  erfinv(±1) = ±inf.
 */
export function erfInvF32(x: number, options: ErfInvF32Options = {}): number {
  const log1p = options.log1p ?? log1pF32;
  const step = options.fusedMultiplyAdd === false ? mulAddF32 : fmaF32;
  const xf = Math.fround(x);
  const minusXSquared = Math.fround(xf * -xf);
  let w = -Math.fround(log1p(minusXSquared));
  const small = w < 5;
  const coefficients = small ? ERFINV_F32_W_LT_5 : ERFINV_F32_W_GE_5;
  w = small ? Math.fround(w - 2.5) : Math.fround(Math.fround(Math.sqrt(w)) - 3);
  let p = coefficients[0]!;
  for (let i = 1; i < coefficients.length; i++) p = step(p, w, coefficients[i]!);
  const result = Math.fround(p * xf);
  return Math.abs(xf) === 1 ? xf * Infinity : result;
}

/**
 * Coefficients of XLA's float64 ErfInv (Giles' double-precision approximation), same source file,
 * function erfInv64: three regions w < 6.25 (w - 3.125), w < 16 (sqrt(w) - 3.25), else (sqrt(w) - 5).
 */
const ERFINV_F64_W_LT_6_25: readonly number[] = [
  -3.6444120640178196996e-21, -1.685059138182016589e-19, 1.2858480715256400167e-18,
  1.115787767802518096e-17, -1.333171662854620906e-16, 2.0972767875968561637e-17,
  6.6376381343583238325e-15, -4.0545662729752068639e-14, -8.1519341976054721522e-14,
  2.6335093153082322977e-12, -1.2975133253453532498e-11, -5.4154120542946279317e-11,
  1.051212273321532285e-9, -4.1126339803469836976e-9, -2.9070369957882005086e-8,
  4.2347877827932403518e-7, -1.3654692000834678645e-6, -1.3882523362786468719e-5,
  0.0001867342080340571352, -0.00074070253416626697512, -0.0060336708714301490533,
  0.24015818242558961693, 1.6536545626831027356,
];
const ERFINV_F64_W_LT_16: readonly number[] = [
  2.2137376921775787049e-9, 9.0756561938885390979e-8, -2.7517406297064545428e-7,
  1.8239629214389227755e-8, 1.5027403968909827627e-6, -4.013867526981545969e-6,
  2.9234449089955446044e-6, 1.2475304481671778723e-5, -4.7318229009055733981e-5,
  6.8284851459573175448e-5, 2.4031110387097893999e-5, -0.0003550375203628474796,
  0.00095328937973738049703, -0.0016882755560235047313, 0.0024914420961078508066,
  -0.0037512085075692412107, 0.005370914553590063617, 1.0052589676941592334, 3.0838856104922207635,
];
const ERFINV_F64_W_GE_16: readonly number[] = [
  -2.7109920616438573243e-11, -2.5556418169965252055e-10, 1.5076572693500548083e-9,
  -3.7894654401267369937e-9, 7.6157012080783393804e-9, -1.4960026627149240478e-8,
  2.9147953450901080826e-8, -6.7711997758452339498e-8, 2.2900482228026654717e-7,
  -9.9298272942317002539e-7, 4.5260625972231537039e-6, -1.9681778105531670567e-5,
  7.5995277030017761139e-5, -0.00021503011930044477347, -0.00013871931833623122026,
  1.0103004648645343977, 4.8499064014085844221,
];

/** Options for the float64 polynomial; same meaning as for float32. */
export interface ErfInvF64Options {
  /** One fused multiply-add per Horner step (default true, as XLA:CPU on FMA hardware). */
  fusedMultiplyAdd?: boolean;
  /** float64 log1p; default Math.log1p (XLA uses its own, so last-bit agreement is not guaranteed). */
  log1p?: (x: number) => number;
}

/**
 * XLA's float64 erfinv (stablehlo erfInv64) in double precision. Bit equality with JAX additionally
 * needs XLA's float64 log1p, which is replaceable through options.log1p.
 */
export function erfInvF64(x: number, options: ErfInvF64Options = {}): number {
  const log1p = options.log1p ?? Math.log1p;
  const fused = options.fusedMultiplyAdd !== false;
  let w = -log1p(x * -x);
  let coefficients: readonly number[];
  if (w < 6.25) {
    coefficients = ERFINV_F64_W_LT_6_25;
    w = w - 3.125;
  } else if (w < 16) {
    coefficients = ERFINV_F64_W_LT_16;
    w = Math.sqrt(w) - 3.25;
  } else {
    coefficients = ERFINV_F64_W_GE_16;
    w = Math.sqrt(w) - 5;
  }
  let p = coefficients[0]!;
  for (let i = 1; i < coefficients.length; i++) p = fused ? fmaF64(p, w, coefficients[i]!) : coefficients[i]! + p * w;
  return Math.abs(x) === 1 ? x * Infinity : p * x;
}
