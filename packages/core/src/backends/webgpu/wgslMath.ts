// WGSL helper functions for the kernel IR's scalar operations, with XLA semantics where WGSL's
// builtins differ (integer division by zero, shift counts >= 32, NaN-propagating max/min) and
// accurate float32 versions where WGSL's builtins are only absolutely accurate near zero or one
// (measured on lavapipe: log near 1 off by 1e-3 relative, atan/asin/acos by 2e-5..4e-4, tanh(1e-6)
// by 1%, and WGSL has no log1p/expm1/cbrt/logistic at all).
//
// Sources of the approximations (re-derived here, constants as published):
// - log: FreeBSD msun e_logf.c (argument reduction to [√½, √2), minimax polynomial Lg1..Lg4 in s²).
// - atan, asin: Cephes single precision atanf.c / asinf.c (S. Moshier), reductions and polynomials.
// - log1p / expm1: the Kahan-Goldberg correction log(u)·x/(u-1) with u = 1 + x; expm1 by its
//   Taylor series on |x| < 1/2 (10 terms: relative truncation error < 3e-10).
import type { BinaryFn, UnaryFn } from "../kernel/ir.js";

interface Helper { readonly deps: readonly string[]; readonly code: string }

const LN2 = "0.6931471805599453";
const PI = "3.1415926535897932";
const PIO2 = "1.5707963267948966";

const helpers: Record<string, Helper> = {
  fx_isnan: { deps: [], code: `fn fx_isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }` },
  // WGSL rejects non-finite constant expressions; bits held in private variables are run-time values.
  fx_bits: { deps: [], code: `var<private> fx_nan_bits: u32 = 0x7fc00000u;\nvar<private> fx_inf_bits: u32 = 0x7f800000u;` },
  fx_nan: { deps: ["fx_bits"], code: `fn fx_nan() -> f32 { return bitcast<f32>(fx_nan_bits); }` },
  fx_inf: { deps: ["fx_bits"], code: `fn fx_inf() -> f32 { return bitcast<f32>(fx_inf_bits); }` },
  fx_log: {
    deps: ["fx_isnan", "fx_nan", "fx_inf"],
    code: `fn fx_log(x: f32) -> f32 {
  if (fx_isnan(x) || x < 0.0) { return fx_nan(); }
  if (x == 0.0) { return -fx_inf(); }
  if (x == fx_inf()) { return x; }
  let fe = frexp(x);
  var m = fe.fract * 2.0;
  var k = f32(fe.exp - 1);
  if (m > 1.41421356) { m = m * 0.5; k = k + 1.0; }
  let f = m - 1.0;
  let s = f / (2.0 + f);
  let z = s * s;
  let w = z * z;
  let r = z * (0.66666662693 + w * 0.28498786688) + w * (0.40000972152 + w * 0.24279078841);
  let hfsq = 0.5 * f * f;
  return k * 6.9313812256e-01 - ((hfsq - (s * (hfsq + r) + k * 9.0580006145e-06)) - f);
}`,
  },
  // Near zero the reduced argument of fx_log is x itself (k = 0): no 1 + x is formed, so no
  // compensation is needed (Mesa's optimiser folds (1 + x) - 1 to x, which defeats the classic trick).
  fx_log1p: {
    deps: ["fx_log"],
    code: `fn fx_log1p(x: f32) -> f32 {
  if (x > -0.2928932 && x < 0.4142135) {
    let s = x / (2.0 + x);
    let z = s * s;
    let w = z * z;
    let r = z * (0.66666662693 + w * 0.28498786688) + w * (0.40000972152 + w * 0.24279078841);
    let hfsq = 0.5 * x * x;
    return x - (hfsq - s * (hfsq + r));
  }
  return fx_log(1.0 + x);
}`,
  },
  fx_expm1: {
    deps: [],
    code: `fn fx_expm1(x: f32) -> f32 {
  if (abs(x) < 0.5) {
    return x * (1.0 + x * (0.5 + x * (1.6666666666666666e-1 + x * (4.1666666666666664e-2 + x * (8.333333333333333e-3
      + x * (1.388888888888889e-3 + x * (1.984126984126984e-4 + x * (2.48015873015873e-5 + x * 2.7557319223985893e-6))))))));
  }
  return exp(x) - 1.0;
}`,
  },
  fx_sinh: {
    deps: ["fx_expm1"],
    code: `fn fx_sinh(x: f32) -> f32 {
  let a = abs(x);
  var r: f32;
  if (a < 1.0) { let t = fx_expm1(a); r = 0.5 * (t + t / (t + 1.0)); }
  else if (a < 88.0) { let e = exp(a); r = 0.5 * (e - 1.0 / e); }
  else { r = exp(a - ${LN2}); }
  return select(r, -r, x < 0.0);
}`,
  },
  fx_cosh: {
    deps: [],
    code: `fn fx_cosh(x: f32) -> f32 {
  let a = abs(x);
  if (a < 88.0) { let e = exp(a); return 0.5 * (e + 1.0 / e); }
  return exp(a - ${LN2});
}`,
  },
  fx_tanh: {
    deps: ["fx_expm1"],
    code: `fn fx_tanh(x: f32) -> f32 {
  let a = abs(x);
  var r: f32;
  if (a > 9.5) { r = 1.0; } else { let t = fx_expm1(2.0 * a); r = t / (t + 2.0); }
  return select(r, -r, x < 0.0);
}`,
  },
  fx_asinh: {
    deps: ["fx_log1p", "fx_log"],
    code: `fn fx_asinh(x: f32) -> f32 {
  let a = abs(x);
  var r: f32;
  if (a > 1.0e10) { r = fx_log(a) + ${LN2}; }
  else { r = fx_log1p(a + a * a / (1.0 + sqrt(1.0 + a * a))); }
  return select(r, -r, x < 0.0);
}`,
  },
  fx_acosh: {
    deps: ["fx_log1p", "fx_log", "fx_nan"],
    code: `fn fx_acosh(x: f32) -> f32 {
  if (x < 1.0) { return fx_nan(); }
  if (x > 1.0e10) { return fx_log(x) + ${LN2}; }
  let t = x - 1.0;
  return fx_log1p(t + sqrt(2.0 * t + t * t));
}`,
  },
  fx_atanh: {
    deps: ["fx_log1p"],
    code: `fn fx_atanh(x: f32) -> f32 {
  let a = abs(x);
  let r = 0.5 * fx_log1p(2.0 * a / (1.0 - a));
  return select(r, -r, x < 0.0);
}`,
  },
  fx_atan: {
    deps: ["fx_isnan"],
    code: `fn fx_atan(x: f32) -> f32 {
  if (fx_isnan(x)) { return x; }
  var a = abs(x);
  var y = 0.0;
  if (a > 2.414213562373095) { y = ${PIO2}; a = -1.0 / a; }
  else if (a > 0.4142135623730950) { y = 0.7853981633974483; a = (a - 1.0) / (a + 1.0); }
  let z = a * a;
  let r = y + ((((8.05374449538e-2 * z - 1.38776856032e-1) * z + 1.99777106478e-1) * z - 3.33329491539e-1) * z * a + a);
  return select(r, -r, x < 0.0);
}`,
  },
  fx_atan2: {
    deps: ["fx_atan", "fx_isnan", "fx_inf"],
    code: `fn fx_atan2(y: f32, x: f32) -> f32 {
  if (fx_isnan(x) || fx_isnan(y)) { return x + y; }
  let ax = abs(x);
  let ay = abs(y);
  let xneg = (bitcast<u32>(x) >> 31u) == 1u;
  var r: f32;
  if (ay == 0.0) { r = select(0.0, ${PI}, xneg); }
  else if (ax == fx_inf() && ay == fx_inf()) { r = select(0.7853981633974483, 2.356194490192345, xneg); }
  else if (ax >= ay) { r = fx_atan(ay / ax); if (xneg) { r = ${PI} - r; } }
  else { r = ${PIO2} - fx_atan(ax / ay); if (xneg) { r = ${PI} - r; } }
  return select(r, -r, (bitcast<u32>(y) >> 31u) == 1u);
}`,
  },
  fx_asin: {
    deps: ["fx_nan"],
    code: `fn fx_asin(x: f32) -> f32 {
  let a = abs(x);
  if (a > 1.0) { return fx_nan(); }
  var z: f32;
  var v: f32;
  let big = a > 0.5;
  if (big) { z = 0.5 * (1.0 - a); v = sqrt(z); } else { z = a * a; v = a; }
  var r = ((((4.2163199048e-2 * z + 2.4181311049e-2) * z + 4.5470025998e-2) * z + 7.4953002686e-2) * z + 1.6666752422e-1) * z * v + v;
  if (big) { r = ${PIO2} - (r + r); }
  return select(r, -r, x < 0.0);
}`,
  },
  fx_acos: {
    deps: ["fx_asin", "fx_nan"],
    code: `fn fx_acos(x: f32) -> f32 {
  if (abs(x) > 1.0) { return fx_nan(); }
  if (x < -0.5) { return ${PI} - 2.0 * fx_asin(sqrt(0.5 * (1.0 + x))); }
  if (x > 0.5) { return 2.0 * fx_asin(sqrt(0.5 * (1.0 - x))); }
  return ${PIO2} - fx_asin(x);
}`,
  },
  fx_logistic: {
    deps: [],
    code: `fn fx_logistic(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}`,
  },
  fx_cbrt: {
    deps: ["fx_inf"],
    code: `fn fx_cbrt(x: f32) -> f32 {
  let a = abs(x);
  if (a == 0.0 || !(a < fx_inf())) { return x; }
  var r = exp2(log2(a) / 3.0);
  r = r - (r * r * r - a) / (3.0 * r * r);
  return select(r, -r, x < 0.0);
}`,
  },
  fx_pow: {
    deps: ["fx_isnan", "fx_nan", "fx_inf"],
    code: `fn fx_pow(x: f32, y: f32) -> f32 {
  // JavaScript's Math.pow (the reference): pow(x, 0) = 1 even for NaN x; pow(±1, ±inf) = NaN.
  if (y == 0.0) { return 1.0; }
  if (fx_isnan(x) || fx_isnan(y)) { return fx_nan(); }
  let ay = abs(y);
  let yint = floor(y) == y;
  let yodd = yint && ay < 16777216.0 && (i32(ay) & 1) == 1;
  if (x == 0.0) {
    let z = select(0.0, fx_inf(), y < 0.0);
    return select(z, select(z, -z, (bitcast<u32>(x) >> 31u) == 1u), yodd);
  }
  if (x == 1.0) { return 1.0; }
  let ax = abs(x);
  if (ay == fx_inf()) {
    if (ax == 1.0) { return fx_nan(); }
    return select(0.0, fx_inf(), (ax > 1.0) == (y > 0.0));
  }
  if (ax == fx_inf()) {
    let z = select(fx_inf(), 0.0, y < 0.0);
    return select(z, -z, x < 0.0 && yodd);
  }
  if (x < 0.0 && !yint) { return fx_nan(); }
  let r = exp2(y * log2(ax));
  return select(r, -r, x < 0.0 && yodd);
}`,
  },
  fx_rem: {
    deps: ["fx_isnan", "fx_nan", "fx_inf"],
    code: `fn fx_rem(a: f32, b: f32) -> f32 {
  if (fx_isnan(a) || fx_isnan(b) || b == 0.0 || abs(a) == fx_inf()) { return fx_nan(); }
  if (abs(b) == fx_inf()) { return a; }
  var r = a - b * trunc(a / b);
  let ab = abs(b);
  if (abs(r) >= ab) { r = r - sign(r) * ab; }
  if (r != 0.0 && sign(r) != sign(a)) { r = r + sign(a) * ab; }
  return select(r, r * 0.0 * sign(a), r == 0.0);
}`,
  },
  fx_nextafter: {
    deps: ["fx_isnan", "fx_nan"],
    code: `fn fx_nextafter(a: f32, b: f32) -> f32 {
  if (fx_isnan(a) || fx_isnan(b)) { return fx_nan(); }
  if (a == b) { return b; }
  if (a == 0.0) { return select(bitcast<f32>(0x80000001u), bitcast<f32>(1u), b > 0.0); }
  let u = bitcast<u32>(a);
  return bitcast<f32>(select(u - 1u, u + 1u, (a < b) == (a > 0.0)));
}`,
  },
  // Threefry-2x32 with 20 rounds (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11),
  // in JAX's arrangement: key injection every 4 rounds, rotations 13 15 26 6 / 17 29 16 24.
  fx_threefry: {
    deps: [],
    code: `fn fx_rotl(x: u32, r: u32) -> u32 { return (x << r) | (x >> (32u - r)); }
fn fx_threefry(k0: u32, k1: u32, x0: u32, x1: u32) -> vec2<u32> {
  var ks = array<u32, 3>(k0, k1, k0 ^ k1 ^ 0x1BD11BDAu);
  var rot = array<u32, 8>(13u, 15u, 26u, 6u, 17u, 29u, 16u, 24u);
  var a = x0 + k0;
  var b = x1 + k1;
  for (var g: u32 = 0u; g < 5u; g++) {
    for (var r: u32 = 0u; r < 4u; r++) {
      a = a + b;
      b = fx_rotl(b, rot[(g % 2u) * 4u + r]);
      b = b ^ a;
    }
    a = a + ks[(g + 1u) % 3u];
    b = b + ks[(g + 2u) % 3u] + g + 1u;
  }
  return vec2<u32>(a, b);
}`,
  },
  // x · 2^k as two power-of-two factors built in the exponent field (Intrinsic2 "ldexp" in kernel/ir.ts).
  fx_ldexp: {
    deps: [],
    code: `fn fx_pow2(e: f32) -> f32 { return bitcast<f32>(u32(i32(e) + 127i) << 23u); }
fn fx_ldexp(x: f32, k: f32) -> f32 {
  let kc = clamp(k, -252.0, 254.0);
  let k1 = floor(kc * 0.5);
  return x * fx_pow2(k1) * fx_pow2(kc - k1);
}`,
  },
  fx_max: { deps: ["fx_isnan"], code: `fn fx_max(a: f32, b: f32) -> f32 { if (fx_isnan(a) || fx_isnan(b)) { return a + b; } return max(a, b); }` },
  fx_min: { deps: ["fx_isnan"], code: `fn fx_min(a: f32, b: f32) -> f32 { if (fx_isnan(a) || fx_isnan(b)) { return a + b; } return min(a, b); }` },
  fx_sign: { deps: [], code: `fn fx_sign(x: f32) -> f32 { if (x > 0.0) { return 1.0; } if (x < 0.0) { return -1.0; } return x; }` },
  fx_round: {
    deps: [],
    // Round half to even (WASM's nearest, XLA's round_nearest_even).
    code: `fn fx_round(x: f32) -> f32 { return round(x); }`,
  },
  fx_f2i: { deps: ["fx_isnan"], code: `fn fx_f2i(x: f32) -> i32 { if (fx_isnan(x)) { return 0; } if (x >= 2147483648.0) { return 2147483647; } if (x <= -2147483648.0) { return bitcast<i32>(0x80000000u); } return i32(x); }` },
  fx_f2u: { deps: ["fx_isnan"], code: `fn fx_f2u(x: f32) -> u32 { if (fx_isnan(x) || x <= 0.0) { return 0u; } if (x >= 4294967296.0) { return 4294967295u; } return u32(x); }` },
  fx_idiv: { deps: [], code: `fn fx_idiv(a: i32, b: i32) -> i32 { if (b == 0) { return -1; } if (b == -1 && a == bitcast<i32>(0x80000000u)) { return a; } return a / b; }` },
  fx_irem: { deps: [], code: `fn fx_irem(a: i32, b: i32) -> i32 { if (b == 0) { return a; } if (b == -1) { return 0; } return a % b; }` },
  fx_udiv: { deps: [], code: `fn fx_udiv(a: u32, b: u32) -> u32 { if (b == 0u) { return 4294967295u; } return a / b; }` },
  fx_urem: { deps: [], code: `fn fx_urem(a: u32, b: u32) -> u32 { if (b == 0u) { return a; } return a % b; }` },
};

/** WGSL source of the named helpers and everything they call, each once, callees first. */
export function helperSource(names: Iterable<string>): string {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (n: string) => {
    if (seen.has(n)) return;
    seen.add(n);
    const h = helpers[n];
    if (!h) throw new Error(`wgsl: no helper ${n}`);
    h.deps.forEach(add);
    out.push(h.code);
  };
  for (const n of names) add(n);
  return out.join("\n");
}

/** Unary float functions rendered by a helper (name) or a WGSL builtin (builtin name). */
export const FLOAT_UNARY: Partial<Record<UnaryFn, { helper?: string; builtin?: string }>> = {
  exp: { builtin: "exp" }, exp2: { builtin: "exp2" }, sqrt: { builtin: "sqrt" }, floor: { builtin: "floor" }, ceil: { builtin: "ceil" },
  trunc: { builtin: "trunc" }, abs: { builtin: "abs" }, sin: { builtin: "sin" }, cos: { builtin: "cos" }, tan: { builtin: "tan" },
  round: { helper: "fx_round" }, sign: { helper: "fx_sign" }, log: { helper: "fx_log" }, log1p: { helper: "fx_log1p" }, expm1: { helper: "fx_expm1" },
  tanh: { helper: "fx_tanh" }, sinh: { helper: "fx_sinh" }, cosh: { helper: "fx_cosh" }, asinh: { helper: "fx_asinh" }, acosh: { helper: "fx_acosh" },
  atanh: { helper: "fx_atanh" }, atan: { helper: "fx_atan" }, asin: { helper: "fx_asin" }, acos: { helper: "fx_acos" }, logistic: { helper: "fx_logistic" },
  cbrt: { helper: "fx_cbrt" },
};
export const FLOAT_BINARY: Partial<Record<BinaryFn, string>> = {
  pow: "fx_pow", atan2: "fx_atan2", rem: "fx_rem", nextafter: "fx_nextafter", max: "fx_max", min: "fx_min",
};
