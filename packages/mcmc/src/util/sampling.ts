// Cheap random draws for samplers. random.normal reproduces JAX's erfinv bit for bit, which costs a few
// hundred array operations per call; MCMC needs no bit-equality with JAX, so momenta use Box-Muller on
// random.uniform words (Box & Muller 1958), about 45 operations whatever the size.
import { NDArray, np, random, type DType } from "@fluxion/core";

const floatDType = (dtype: DType): "float32" | "float64" => (dtype === "float64" ? "float64" : "float32");

/** Uniform draws in [0, 1). */
export function uniform01(key: NDArray, shape: readonly number[], dtype: DType): NDArray {
  return random.uniform(key, [...shape], { dtype: floatDType(dtype) });
}

/** Standard normal draws of `size` entries (a flat vector). */
export function standardNormal(key: NDArray, size: number, dtype: DType): NDArray {
  const pairs = Math.ceil(size / 2);
  const u = uniform01(key, [2, pairs], dtype);
  // 1 - u lies in (0, 1], so the logarithm is finite.
  const radius = np.sqrt(np.multiply(np.log(np.subtract(1, u.slice(0))), -2));
  const angle = np.multiply(u.slice(1), 2 * Math.PI);
  const both = np.concatenate([np.multiply(radius, np.cos(angle)), np.multiply(radius, np.sin(angle))], 0);
  return both.shape[0] === size ? both : both.slice([0, size]);
}
