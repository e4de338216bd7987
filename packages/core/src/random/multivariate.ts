// random.multivariateNormal: mean + factor @ z with z standard normal and factor a square root of the
// covariance (Cholesky or eigendecomposition), batched over leading axes as jax.random.multivariate_normal.
import { NDArray, type ArrayLike } from "../array/ndarray.js";
import { DTypeError, ShapeError } from "../errors.js";
import { asarray } from "../numpy/convert.js";
import { cholesky, eigh } from "../numpy/linalg.js";
import { matmul } from "../numpy/index.js";
import { broadcastShapes, shapesEqual, showShape } from "../shape.js";
import { add, broadcastInDim, broadcastToShape, convert, mul, reshape, sqrt } from "./ops.js";
import { type FloatDType, type RoundingOptions, type ShapeLike, asKey, checkFloatDType, normal, normalizeShape } from "./prng.js";

export interface MultivariateNormalOptions extends RoundingOptions {
  /** Batch shape of the result (its shape without the last axis); default: broadcast of mean's and cov's batch shapes. */
  shape?: ShapeLike;
  dtype?: FloatDType;
  /** How to factor cov: "cholesky" (default) or "eigh" (which also accepts singular covariances). */
  method?: "cholesky" | "eigh";
}

/** Samples of N(mean, cov): mean [..., n], cov [..., n, n]; result shape + [n]. */
export function multivariateNormal(key: ArrayLike, mean: ArrayLike, cov: ArrayLike, options: MultivariateNormalOptions = {}): NDArray {
  const k = asKey("multivariateNormal", key);
  let mu = mean instanceof NDArray ? mean : asarray(mean);
  let sigma = cov instanceof NDArray ? cov : asarray(cov);
  const floatOf = (x: NDArray): FloatDType => (x.dtype === "float64" ? "float64" : "float32");
  const dtype = checkFloatDType("multivariateNormal", options.dtype ?? (floatOf(mu) === "float64" || floatOf(sigma) === "float64" ? "float64" : "float32"));
  if (mu.ndim < 1) throw new ShapeError(`random.multivariateNormal: mean must have at least one axis, got shape ${showShape(mu.shape)}.`);
  if (sigma.ndim < 2) throw new ShapeError(`random.multivariateNormal: cov must have at least two axes, got shape ${showShape(sigma.shape)}.`);
  const n = mu.shape[mu.ndim - 1]!;
  if (sigma.shape[sigma.ndim - 1] !== n || sigma.shape[sigma.ndim - 2] !== n) {
    throw new ShapeError(`random.multivariateNormal: cov must have shape [..., ${n}, ${n}] to match mean ${showShape(mu.shape)}, got ${showShape(sigma.shape)}.`);
  }
  const method = options.method ?? "cholesky";
  if (method !== "cholesky" && method !== "eigh") throw new DTypeError(`random.multivariateNormal: method must be "cholesky" or "eigh", got ${String(method)}.`);
  mu = convert(mu, dtype);
  sigma = convert(sigma, dtype);
  const meanBatch = mu.shape.slice(0, -1);
  const covBatch = sigma.shape.slice(0, -2);
  let batch: number[];
  if (options.shape === undefined) batch = broadcastShapes("random.multivariateNormal", meanBatch, covBatch);
  else {
    batch = normalizeShape("multivariateNormal", options.shape);
    if (!shapesEqual(broadcastShapes("random.multivariateNormal", batch, meanBatch, covBatch), batch)) {
      throw new ShapeError(`random.multivariateNormal: mean batch ${showShape(meanBatch)} and cov batch ${showShape(covBatch)} must broadcast to the shape argument ${showShape(batch)}.`);
    }
  }
  let factor: NDArray;
  if (method === "cholesky") factor = cholesky(sigma);
  else {
    const [w, v] = eigh(sigma);
    // v * sqrt(w)[..., None, :]: scale each eigenvector column.
    const root = sqrt(w);
    factor = mul(v, broadcastInDim(reshape(root, [...root.shape.slice(0, -1), 1, n]), v.shape, v.shape.map((_, i) => i)));
  }
  const z = normal(k, [...batch, n], { dtype, fusedMultiplyAdd: options.fusedMultiplyAdd !== false });
  const factorBatched = broadcastToShape(factor, [...batch, n, n]);
  const product = reshape(matmul(factorBatched, reshape(z, [...batch, n, 1])), [...batch, n]);
  return add(broadcastToShape(mu, [...batch, n]), product);
}
