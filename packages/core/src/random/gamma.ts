// Gamma sampling (Marsaglia & Tsang with JAX's boosting for a < 1) in whileLoops, its reparameterized
// gradient by implicit differentiation (the random_gamma_grad primitive), and beta and dirichlet built on it.
import { NDArray, type ArrayLike } from "../array/ndarray.js";
import { DTypeError, ShapeError, TransformError } from "../errors.js";
import { customJvp, whileLoop } from "../lax/control.js";
import { asarray } from "../numpy/convert.js";
import { binaryPrimitive } from "../primitives/families.js";
import { reduceMaxP } from "../primitives/reductions.js";
import { stopGradient } from "../primitives/custom.js";
import { broadcastShapes, shapesEqual, showShape } from "../shape.js";
import { bind1 } from "../trace/core.js";
import { vmapFlat } from "../trace/batching.js";
import { Zero } from "../trace/values.js";
import { gammaincDa, gammaPrefix } from "../special/scalar/index.js";
import {
  add, and, broadcastInDim, broadcastToShape, constant, convert, div, eq, exp, fullLike, ge, le, log, max, moveaxis, mul, pow,
  reduceSum, reshape, select, sqrt, sub,
} from "./ops.js";
import { type FloatDType, type PRNGKey, type ShapeLike, asKey, checkFloatDType, normalizeShape, normal, split, uniform } from "./prng.js";
import { FLOAT_TINY, keyAt } from "./samplers.js";

/**
 * d sample / d a for a Gamma(a, 1) sample x, by implicit differentiation of P(a, x) = u:
 * dx/da = -(dP/da) / (dP/dx), with dP/dx = x^(a-1) e^-x / Gamma(a) = gammaPrefix(a, x) / x.
 * JAX's lax.random_gamma_grad; evaluated in float64 and rounded to the operands' dtype.
 */
export const randomGammaGradP = binaryPrimitive("random_gamma_grad", {
  dtypes: "float",
  f: (a, x) => {
    if (!(x > 0) || !(a > 0)) return NaN;
    if (x === Infinity) return NaN;
    return (-gammaincDa(a, x) * x) / gammaPrefix(a, x);
  },
  jvp: (_a, _x, z, ta, tx) => {
    if (ta instanceof Zero && tx instanceof Zero) return new Zero(z.aval);
    throw new TransformError("random_gamma_grad: second derivatives of gamma samples with respect to the shape parameter are not implemented (they need d^2 P(a, x) / da^2).");
  },
});

/** d sample / d a for Gamma(a, 1) samples (arrays of one shape and float dtype). */
export function randomGammaGrad(a: NDArray, sample: NDArray): NDArray {
  return bind1(randomGammaGradP, [a, sample]);
}

/**
 * One Gamma(alpha, 1) draw (alpha a float scalar), JAX's _gamma_one: Marsaglia & Tsang, "A simple method for
 * generating gamma variables" (ACM TOMS 26, 2000), squeeze test 1 - 0.0331 X^2, with alpha < 1 boosted to
 * alpha + 1 and the result multiplied by u^(1/alpha) (in log space: + log(u)/alpha).
 */
function gammaOne(key: PRNGKey, alpha: NDArray, logSpace: boolean): NDArray {
  const dtype = alpha.dtype as FloatDType;
  const c0 = (v: number) => constant([], v, dtype);
  const one = c0(1);
  const boostMask = ge(alpha, one);
  const boosted = select(boostMask, alpha, add(alpha, one));
  const d = sub(boosted, c0(1 / 3));
  const c = div(c0(1 / 3), sqrt(d));

  type State = [NDArray, NDArray, NDArray, NDArray];
  const rejected = ([, x, v, u]: State): NDArray => {
    const squeeze = ge(u, sub(one, mul(c0(0.0331), mul(x, x))));
    const full = ge(log(u), add(mul(x, c0(0.5)), mul(d, add(sub(one, v), log(v)))));
    return and(squeeze, full);
  };
  const propose = ([k]: State): State => {
    const keys = split(k, 3);
    // Candidates with v = (1 + c x)^3 <= 0 are redrawn before the acceptance test.
    const [, x, v] = whileLoop(
      ([, , vv]: [NDArray, NDArray, NDArray]) => le(vv, c0(0)),
      ([kk]: [NDArray, NDArray, NDArray]): [NDArray, NDArray, NDArray] => {
        const pair = split(kk);
        const xx = normal(keyAt(pair, 1), [], { dtype });
        return [keyAt(pair, 0), xx, add(one, mul(xx, c))];
      },
      [keyAt(keys, 1), c0(0), c0(-1)] as [NDArray, NDArray, NDArray],
    );
    return [keyAt(keys, 0), mul(x, x), mul(mul(v, v), v), uniform(keyAt(keys, 2), [], { dtype })];
  };
  const first = split(key);
  const boostUniform = uniform(keyAt(first, 1), [], { dtype });
  // The initial state (X, V, U) = (0, 1, 2) fails the acceptance test, so the body runs at least once.
  const [, , volume] = whileLoop(rejected, propose, [keyAt(first, 0), c0(0), one, c0(2)] as State);
  if (logSpace) {
    const logBoost = select(boostMask, c0(0), mul(log(boostUniform), div(one, alpha)));
    return add(add(log(d), log(volume)), logBoost);
  }
  const boost = select(boostMask, one, pow(boostUniform, div(one, alpha)));
  const z = mul(mul(d, volume), boost);
  return select(eq(z, c0(0)), c0(FLOAT_TINY[dtype]), z);
}

/** Gamma draws for every element of `alpha` with keys split(key, size), as JAX's _gamma_impl (vmapped _gamma_one). */
function gammaImpl(key: PRNGKey, alpha: NDArray, logSpace: boolean): NDArray {
  const size = alpha.size;
  if (size === 0) return constant(alpha.shape, 0, alpha.dtype);
  const keys = split(key, size);
  const [[samples], [dim]] = vmapFlat((k, a) => [gammaOne(k!, a!, logSpace)], [keys, reshape(alpha, [size])], [0, 0], size);
  return reshape(dim === null ? broadcastInDim(samples!, [size], []) : moveaxis(samples!, dim!, 0), alpha.shape);
}

// custom_jvp wrappers, built on first use (module initialisation must not call into lax).
let gammaSampler: ((key: NDArray, alpha: NDArray) => NDArray) | null = null;
let logGammaSampler: ((key: NDArray, alpha: NDArray) => NDArray) | null = null;

function samplers(): [(key: NDArray, alpha: NDArray) => NDArray, (key: NDArray, alpha: NDArray) => NDArray] {
  if (!gammaSampler || !logGammaSampler) {
    const plain = customJvp((key: NDArray, alpha: NDArray) => gammaImpl(key, alpha, false));
    plain.defjvp(([key, alpha], [, alphaDot]) => {
      const sample = gammaImpl(key, alpha, false);
      return [sample, mul(alphaDot, randomGammaGrad(alpha, sample))];
    });
    const logged = customJvp((key: NDArray, alpha: NDArray) => gammaImpl(key, alpha, true));
    logged.defjvp(([key, alpha], [, alphaDot]) => {
      const logSample = gammaImpl(key, alpha, true);
      // d log x / da = (dx/da) / x; exp(log x) may underflow, so it is floored at tiny as the sampler does.
      const dtype = alpha.dtype as FloatDType;
      const sample = exp(logSample);
      const safe = select(eq(sample, fullLike(sample, 0)), fullLike(sample, FLOAT_TINY[dtype]), sample);
      return [logSample, mul(alphaDot, div(randomGammaGrad(alpha, safe), safe))];
    });
    gammaSampler = plain;
    logGammaSampler = logged;
  }
  return [gammaSampler, logGammaSampler];
}

export interface GammaOptions {
  dtype?: FloatDType;
}

function shapeParam(op: string, value: number | NDArray, shape: ShapeLike | undefined, dtype: FloatDType): [NDArray, number[]] {
  const param = typeof value === "number" ? constant([], value, dtype) : convert(value, dtype);
  let dims: number[];
  if (shape === undefined) dims = [...param.shape];
  else {
    dims = normalizeShape(op, shape);
    const joint = broadcastShapes(`random.${op}`, dims, param.shape);
    if (!shapesEqual(joint, dims)) throw new ShapeError(`random.${op}: parameter shape ${showShape(param.shape)} must broadcast to the shape argument ${showShape(dims)}.`);
  }
  return [broadcastToShape(param, dims), dims];
}

function sampleGamma(op: string, key: ArrayLike, a: number | NDArray, shape: ShapeLike | undefined, options: GammaOptions, logSpace: boolean): NDArray {
  const k = asKey(op, key);
  const dtype = checkFloatDType(op, options.dtype ?? (a instanceof NDArray && a.dtype === "float64" ? "float64" : "float32"));
  const [alpha] = shapeParam(op, a, shape, dtype);
  const [plain, logged] = samplers();
  return (logSpace ? logged : plain)(k, alpha);
}

/**
 * random.gamma: Gamma(a, 1) samples (divide by a rate to rescale). Shape defaults to a's shape. Differentiable
 * in `a` through the implicit reparameterization gradient (Figurnov et al. 2018), as JAX.
 */
export function gamma(key: ArrayLike, a: number | NDArray, shape?: ShapeLike, options: GammaOptions = {}): NDArray {
  return sampleGamma("gamma", key, a, shape, options, false);
}

/** random.loggamma: log of Gamma(a, 1) samples, accurate where the samples underflow (small a). */
export function loggamma(key: ArrayLike, a: number | NDArray, shape?: ShapeLike, options: GammaOptions = {}): NDArray {
  return sampleGamma("loggamma", key, a, shape, options, true);
}

/** random.beta: Beta(a, b) as Ga / (Ga + Gb), from two log-gamma draws scaled by their maximum (JAX's _beta). */
export function beta(key: ArrayLike, a: number | NDArray, b: number | NDArray, shape?: ShapeLike, options: GammaOptions = {}): NDArray {
  const k = asKey("beta", key);
  const isWide = (v: number | NDArray) => v instanceof NDArray && v.dtype === "float64";
  const dtype = checkFloatDType("beta", options.dtype ?? (isWide(a) || isWide(b) ? "float64" : "float32"));
  const shapeOf = (v: number | NDArray) => (typeof v === "number" ? [] : v.shape);
  const dims = shape === undefined ? broadcastShapes("random.beta", shapeOf(a), shapeOf(b)) : normalizeShape("beta", shape);
  const keys = split(k);
  const logA = loggamma(keyAt(keys, 0), a, dims, { dtype });
  const logB = loggamma(keyAt(keys, 1), b, dims, { dtype });
  const logMax = max(logA, logB);
  const scaledA = exp(sub(logA, logMax));
  const scaledB = exp(sub(logB, logMax));
  return div(scaledA, add(scaledA, scaledB));
}

/**
 * random.dirichlet: Dirichlet(alpha) over the last axis, as a softmax of log-gamma draws (JAX's _dirichlet);
 * `shape` is the batch shape (default alpha.shape[:-1]).
 */
export function dirichlet(key: ArrayLike, alpha: ArrayLike, shape?: ShapeLike, options: GammaOptions = {}): NDArray {
  const k = asKey("dirichlet", key);
  const concentration = alpha instanceof NDArray ? alpha : asarray(alpha);
  if (concentration.ndim < 1) throw new ShapeError(`random.dirichlet: alpha must have at least one axis, got shape ${showShape(concentration.shape)}.`);
  if (concentration.dtype !== "float32" && concentration.dtype !== "float64") {
    throw new DTypeError(`random.dirichlet: alpha must be float32 or float64, got ${concentration.dtype}.`);
  }
  const dtype = checkFloatDType("dirichlet", options.dtype ?? concentration.dtype);
  const batch = concentration.shape.slice(0, -1);
  const dims = shape === undefined ? batch : normalizeShape("dirichlet", shape);
  if (shape !== undefined && !shapesEqual(broadcastShapes("random.dirichlet", dims, batch), dims)) {
    throw new ShapeError(`random.dirichlet: alpha's batch shape ${showShape(batch)} must broadcast to the shape argument ${showShape(dims)}.`);
  }
  const n = concentration.shape[concentration.ndim - 1]!;
  const logSamples = loggamma(k, convert(concentration, dtype), [...dims, n], { dtype });
  // Softmax with the maximum held constant for the derivative, as JAX's _softmax.
  const last = dims.length;
  const peak = stopGradient(bind1(reduceMaxP, [logSamples], { axes: [last] }));
  const unnormalized = exp(sub(logSamples, broadcastInDim(peak, logSamples.shape, dims.map((_, i) => i))));
  const total = reduceSum(unnormalized, [last]);
  return div(unnormalized, broadcastInDim(total, logSamples.shape, dims.map((_, i) => i)));
}
