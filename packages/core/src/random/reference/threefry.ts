// Threefry-2x32 block function (Salmon et al. 2011) and JAX's `threefry_2x32` counter wrapper,
// written over plain typed arrays so the engine's random kernels can be checked against it.
import { addU32, rotl32 } from "./bits.js";

/**
 * Rotation constants R_32x2 from Salmon, Moraes, Dror & Shaw, "Parallel random numbers: as easy as
 * 1, 2, 3" (SC 2011), Table 4; round r uses THREEFRY2X32_ROTATIONS[r % 8]. JAX uses the same two
 * groups [13, 15, 26, 6] and [17, 29, 16, 24] (jax/_src/random/threefry2x32.py, _threefry2x32_lowering).
 */
export const THREEFRY2X32_ROTATIONS: readonly number[] = [13, 15, 26, 6, 17, 29, 16, 24];

/** Skein key-schedule parity constant (C240 in the Threefish spec, truncated to 32 bits). */
export const THREEFRY_KEY_PARITY32 = 0x1bd11bda;

/** Number of rounds of Threefry-2x32 used by Random123's default and by JAX. */
export const THREEFRY_DEFAULT_ROUNDS = 20;

/**
 * Applies Threefry-2x32 to every counter pair (x0[i], x1[i]) under `key` = [k0, k1].
 * The key is injected before round 0 and after every 4th round (s = 1, 2, ...): x0 += ks[s % 3],
 * x1 += ks[(s + 1) % 3] + s, with ks = [k0, k1, k0 ^ k1 ^ 0x1BD11BDA]. `rounds` other than 20
 * exists only to run Random123's 13- and 32-round known-answer vectors.
 */
export function threefry2x32(
  key: Uint32Array,
  x0: Uint32Array,
  x1: Uint32Array,
  rounds: number = THREEFRY_DEFAULT_ROUNDS,
): [Uint32Array, Uint32Array] {
  if (key.length !== 2) {
    throw new RangeError(`threefry2x32: key must hold 2 uint32 words, got ${key.length}; pass a key from random.key or random.split.`);
  }
  if (x0.length !== x1.length) {
    throw new RangeError(`threefry2x32: counter halves must have equal length, got ${x0.length} and ${x1.length}.`);
  }
  if (!Number.isInteger(rounds) || rounds < 0) {
    throw new RangeError(`threefry2x32: rounds must be a non-negative integer, got ${rounds}.`);
  }
  const k0 = key[0]!;
  const k1 = key[1]!;
  const ks = [k0, k1, (k0 ^ k1 ^ THREEFRY_KEY_PARITY32) >>> 0] as const;
  const out0 = new Uint32Array(x0.length);
  const out1 = new Uint32Array(x0.length);
  for (let i = 0; i < x0.length; i++) {
    let a = addU32(x0[i]!, ks[0]);
    let b = addU32(x1[i]!, ks[1]);
    for (let r = 0; r < rounds; r++) {
      a = addU32(a, b);
      b = (rotl32(b, THREEFRY2X32_ROTATIONS[r % 8]!) ^ a) >>> 0;
      if ((r & 3) === 3) {
        const s = (r + 1) >>> 2;
        a = addU32(a, ks[s % 3]!);
        b = addU32(addU32(b, ks[(s + 1) % 3]!), s);
      }
    }
    out0[i] = a;
    out1[i] = b;
  }
  return [out0, out1];
}

/**
 * JAX's `threefry_2x32(keypair, count)` (jax/_src/random/threefry2x32.py, function threefry_2x32):
 * the flat count array is padded with one zero word if its length is odd, split into a first and
 * second half that become the x0 and x1 counter words, hashed, and the two output halves are
 * concatenated (and the padding word dropped). So for counts c of even length 2h,
 *   out[i] = threefry(key, c[i], c[h + i]).word0   and   out[h + i] = ... .word1   (0 ≤ i < h).
 */
export function threefry2x32Counts(key: Uint32Array, counts: Uint32Array): Uint32Array {
  const n = counts.length;
  const half = (n + 1) >>> 1;
  const x0 = counts.subarray(0, half);
  const x1 = new Uint32Array(half);
  x1.set(counts.subarray(half));
  const [o0, o1] = threefry2x32(key, x0, x1);
  const out = new Uint32Array(n);
  out.set(o0);
  out.set(o1.subarray(0, n - half), half);
  return out;
}

/** uint32 iota [0, 1, ..., n-1], the counter array JAX hashes for split and random_bits. */
export function iotaU32(n: number): Uint32Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new RangeError(`iotaU32: length must be an integer in [0, 2^32 - 1], got ${n}.`);
  }
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}
