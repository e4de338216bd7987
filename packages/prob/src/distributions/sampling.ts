// Sampling helpers shared by the distributions: key splitting, uniform draws in (0, 1), and the Poisson and
// binomial samplers (rejection loops vectorised with done masks, as TFP's).
import { NDArray, lax, np, random, special } from "@fluxion/core";
import { finfo, type FloatDType } from "./internal.js";

/** `n` independent keys from one. */
export function splitKey(key: NDArray, n: number): NDArray[] {
  const keys = random.split(key, n);
  return Array.from({ length: n }, (_, i) => np.reshape(keys.slice(i), [2]));
}

/** Uniform draws in [tiny, 1): never exactly 0, so logs and inverse cdfs stay finite. */
export function uniformOpen(key: NDArray, shape: readonly number[], dtype: FloatDType): NDArray {
  return random.uniform(key, [...shape], { dtype, minval: finfo(dtype).tiny, maxval: 1 });
}

type Loop4 = [NDArray, NDArray, NDArray, NDArray];

/**
 * Poisson(rate) draws of `shape` (rate broadcast to it), as float. Knuth's product-of-uniforms for rate < 10 and
 * Hormann's transformed rejection with squeeze (PTRS; "The transformed rejection method for generating Poisson
 * random variables", Insurance: Math. and Econ. 12, 1993) above, as JAX and TFP do. Both run vectorised under a
 * done-mask whileLoop, so the sampler traces under jit and vmap.
 */
export function samplePoisson(key: NDArray, rate: NDArray, shape: readonly number[]): NDArray {
  const dtype = rate.dtype as FloatDType;
  const lam = np.broadcastTo(rate, shape);
  const small = np.less(lam, 10);
  const [knuthKey, ptrsKey] = splitKey(key, 2);
  const knuth = poissonKnuth(knuthKey!, np.where(small, lam, 0), shape, dtype);
  const ptrs = poissonPtrs(ptrsKey!, np.where(small, 10, lam), shape, dtype);
  return np.where(small, knuth, ptrs);
}

function poissonKnuth(key: NDArray, lam: NDArray, shape: readonly number[], dtype: FloatDType): NDArray {
  const [k] = lax.whileLoop(
    ([, , done]: Loop4) => np.logicalNot(np.all(done)),
    ([count, logProd, done, kk]: Loop4): Loop4 => {
      const [uKey, next] = splitKey(kk, 2);
      const u = uniformOpen(uKey!, shape, dtype);
      const acc = np.add(logProd, np.log(u));
      const stop = np.logicalOr(done, np.less(acc, np.negative(lam)));
      return [np.where(stop, count, np.add(count, 1)), np.where(done, logProd, acc), stop, next!];
    },
    [np.zeros([...shape], dtype), np.zeros([...shape], dtype), np.full([...shape], false), key] as Loop4,
  ) as Loop4;
  return k;
}

function poissonPtrs(key: NDArray, lam: NDArray, shape: readonly number[], dtype: FloatDType): NDArray {
  const logLam = np.log(lam);
  const b = np.add(0.931, np.multiply(2.53, np.sqrt(lam)));
  const a = np.add(-0.059, np.multiply(0.02483, b));
  const invAlpha = np.add(1.1239, np.divide(1.1328, np.subtract(b, 3.4)));
  const vr = np.subtract(0.9277, np.divide(3.6224, np.subtract(b, 2)));
  const [k] = lax.whileLoop(
    ([, , done]: Loop4) => np.logicalNot(np.all(done)),
    ([count, , done, kk]: Loop4): Loop4 => {
      const [uKey, vKey, next] = splitKey(kk, 3);
      const u = np.subtract(random.uniform(uKey!, [...shape], { dtype }), 0.5);
      const v = uniformOpen(vKey!, shape, dtype);
      const us = np.subtract(0.5, np.abs(u));
      const safeUs = np.maximum(us, 1e-12);
      const candidate = np.floor(np.add(np.add(np.multiply(np.add(np.divide(np.multiply(2, a), safeUs), b), u), lam), 0.43));
      const squeeze = np.logicalAnd(np.greaterEqual(us, 0.07), np.lessEqual(v, vr));
      const reject = np.logicalOr(np.less(candidate, 0), np.logicalAnd(np.less(us, 0.013), np.greater(v, us)));
      const safeK = np.maximum(candidate, 0);
      const s = np.log(np.divide(np.multiply(v, invAlpha), np.add(np.divide(a, np.square(safeUs)), b)));
      const t = np.subtract(np.subtract(np.multiply(safeK, logLam), lam), special.gammaln(np.add(safeK, 1)));
      const accept = np.logicalOr(squeeze, np.logicalAnd(np.logicalNot(reject), np.lessEqual(s, t)));
      const take = np.logicalAnd(np.logicalNot(done), accept);
      return [np.where(take, candidate, count), np.zerosLike(count), np.logicalOr(done, accept), next!];
    },
    [np.zeros([...shape], dtype), np.zeros([...shape], dtype), np.full([...shape], false), key] as Loop4,
  ) as Loop4;
  return k;
}

/**
 * Binomial(n, p) draws of `shape` as float: for n min(p, 1-p) < 10 the count of geometric waiting times that fit
 * in n trials (inversion), above that Hormann's BTRS ("The generation of binomial random variates", J. Stat.
 * Comput. Simul. 46, 1993) with the exact log-pmf ratio as the final test (as TFP's sampler); p > 1/2 is drawn as
 * n - Binomial(n, 1 - p).
 */
export function sampleBinomial(key: NDArray, count: NDArray, probs: NDArray, shape: readonly number[]): NDArray {
  const dtype = probs.dtype as FloatDType;
  const n = np.broadcastTo(count, shape);
  const p = np.broadcastTo(probs, shape);
  const flip = np.greater(p, 0.5);
  const q = np.where(flip, np.subtract(1, p), p);
  const small = np.less(np.multiply(n, q), 10);
  const [invKey, btrsKey] = splitKey(key, 2);
  const inv = binomialInversion(invKey!, np.where(small, n, 0), np.where(small, q, 0.25), shape, dtype);
  const btrs = binomialBtrs(btrsKey!, np.where(small, 100, n), np.where(small, 0.25, q), shape, dtype);
  const draw = np.where(small, inv, btrs);
  const out = np.where(flip, np.subtract(n, draw), draw);
  // Degenerate p = 0 or 1 and n = 0.
  return np.where(np.equal(q, 0), np.where(flip, n, 0), out);
}

function binomialInversion(key: NDArray, n: NDArray, q: NDArray, shape: readonly number[], dtype: FloatDType): NDArray {
  const logQc = np.log1p(np.negative(np.maximum(q, finfo(dtype).tiny)));
  const [k] = lax.whileLoop(
    ([, , done]: Loop4) => np.logicalNot(np.all(done)),
    ([numGeom, geomSum, done, kk]: Loop4): Loop4 => {
      const [uKey, next] = splitKey(kk, 2);
      const u = uniformOpen(uKey!, shape, dtype);
      const geom = np.ceil(np.divide(np.log(u), logQc));
      const total = np.add(geomSum, geom);
      const stop = np.logicalOr(done, np.greater(total, n));
      return [np.where(stop, numGeom, np.add(numGeom, 1)), np.where(done, geomSum, total), stop, next!];
    },
    [np.zeros([...shape], dtype), np.zeros([...shape], dtype), np.full([...shape], false), key] as Loop4,
  ) as Loop4;
  return k;
}

function binomialBtrs(key: NDArray, n: NDArray, p: NDArray, shape: readonly number[], dtype: FloatDType): NDArray {
  const spq = np.sqrt(np.multiply(np.multiply(n, p), np.subtract(1, p)));
  const b = np.add(1.15, np.multiply(2.53, spq));
  const a = np.add(np.add(-0.0873, np.multiply(0.0248, b)), np.multiply(0.01, p));
  const c = np.add(np.multiply(n, p), 0.5);
  const vr = np.subtract(0.92, np.divide(4.2, b));
  const alpha = np.multiply(np.add(2.83, np.divide(5.1, b)), spq);
  const logR = np.subtract(np.log(p), np.log1p(np.negative(p)));
  const m = np.floor(np.multiply(np.add(n, 1), p));
  const logPmfM = np.subtract(np.negative(special.gammaln(np.add(m, 1))), special.gammaln(np.add(np.subtract(n, m), 1)));
  const [k] = lax.whileLoop(
    ([, , done]: Loop4) => np.logicalNot(np.all(done)),
    ([count, , done, kk]: Loop4): Loop4 => {
      const [uKey, vKey, next] = splitKey(kk, 3);
      const u = np.subtract(random.uniform(uKey!, [...shape], { dtype }), 0.5);
      const v = uniformOpen(vKey!, shape, dtype);
      const us = np.subtract(0.5, np.abs(u));
      const safeUs = np.maximum(us, 1e-12);
      const candidate = np.floor(np.add(np.multiply(np.add(np.divide(np.multiply(2, a), safeUs), b), u), c));
      const squeeze = np.logicalAnd(np.greaterEqual(us, 0.07), np.lessEqual(v, vr));
      const outside = np.logicalOr(np.less(candidate, 0), np.greater(candidate, n));
      const safeK = np.clip(candidate, 0, n);
      const lhs = np.log(np.divide(np.multiply(v, alpha), np.add(np.divide(a, np.square(safeUs)), b)));
      // log f(k) - log f(m) for the binomial pmf f.
      const logPmfK = np.subtract(np.negative(special.gammaln(np.add(safeK, 1))), special.gammaln(np.add(np.subtract(n, safeK), 1)));
      const rhs = np.add(np.subtract(logPmfK, logPmfM), np.multiply(np.subtract(safeK, m), logR));
      const accept = np.logicalOr(squeeze, np.logicalAnd(np.logicalNot(outside), np.lessEqual(lhs, rhs)));
      const take = np.logicalAnd(np.logicalNot(done), accept);
      return [np.where(take, candidate, count), np.zerosLike(count), np.logicalOr(done, accept), next!];
    },
    [np.zeros([...shape], dtype), np.zeros([...shape], dtype), np.full([...shape], false), key] as Loop4,
  ) as Loop4;
  return k;
}
