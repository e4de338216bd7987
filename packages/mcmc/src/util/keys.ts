// PRNG key helpers: seeds as numbers or keys, and splitting one key into a JS list of keys.
import { NDArray, lax, random } from "@fluxion/core";

/** A threefry key from a seed number or an existing key. */
export function asKey(seed: number | NDArray): NDArray {
  return typeof seed === "number" ? random.key(seed) : seed;
}

/** `n` independent keys derived from `key`, as separate [2] arrays. */
export function splitKeys(key: NDArray, n: number): NDArray[] {
  const keys = random.split(key, n);
  return Array.from({ length: n }, (_, i) => lax.reshape(lax.slice(keys, [i, 0], [i + 1, 2]), [2]));
}
