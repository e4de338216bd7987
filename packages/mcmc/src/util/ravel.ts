// Flattens one chain's state (a pytree of arrays) into a single vector and back, so integrators,
// mass matrices and U-turn checks work on one [D] array whatever the state's structure.
import { NDArray, lax, np, tree, type DType } from "@fluxion/core";

export interface Raveler {
  /** Number of scalars in one chain's state. */
  readonly size: number;
  /** dtype of the flat vector (float64 if any part is float64, else float32). */
  readonly dtype: "float32" | "float64";
  /** One chain's state (leaves of their per-chain shapes) to a [size] vector. */
  ravel(state: unknown): NDArray;
  /** A [size] vector back to one chain's state, each leaf in its own dtype. */
  unravel(flat: NDArray): unknown;
}

const isFloat = (d: DType): boolean => d === "float32" || d === "float64";

/** A raveler for states shaped like `example` after dropping `batchRank` leading (chain) axes. */
export function makeRaveler(example: unknown, batchRank: number): Raveler {
  const [leaves, def] = tree.flatten<unknown>(example);
  const parts = leaves.map((leaf, i) => {
    const arr = leaf instanceof NDArray ? leaf : np.asarray(leaf as number);
    if (!isFloat(arr.dtype)) {
      throw new TypeError(`mcmc: state part ${i} has dtype ${arr.dtype}; MCMC states must be float32 or float64 arrays.`);
    }
    if (arr.ndim < batchRank) {
      throw new RangeError(`mcmc: state part ${i} has shape [${arr.shape}] but the target log prob has ${batchRank} chain axes; every state part needs those leading axes.`);
    }
    const shape = arr.shape.slice(batchRank);
    return { shape, dtype: arr.dtype, size: shape.reduce((a, b) => a * b, 1) };
  });
  const dtype: "float32" | "float64" = parts.some((p) => p.dtype === "float64") ? "float64" : "float32";
  const size = parts.reduce((a, p) => a + p.size, 0);
  const single = parts.length === 1 && parts[0]!.shape.length === 1 && parts[0]!.dtype === dtype;
  return {
    size,
    dtype,
    ravel(state: unknown): NDArray {
      const ls = tree.leaves<unknown>(state).map((l) => (l instanceof NDArray ? l : np.asarray(l as number, dtype)));
      if (single) return ls[0]!;
      const flat = ls.map((l) => np.reshape(l.dtype === dtype ? l : l.astype(dtype), [-1]));
      return flat.length === 1 ? flat[0]! : np.concatenate(flat, 0);
    },
    unravel(flat: NDArray): unknown {
      if (single) return tree.unflatten(def, [flat]);
      let offset = 0;
      const out = parts.map((p) => {
        const piece = lax.slice(flat, [offset], [offset + p.size]);
        offset += p.size;
        const shaped = np.reshape(piece, p.shape);
        return p.dtype === dtype ? shaped : shaped.astype(p.dtype);
      });
      return tree.unflatten(def, out);
    },
  };
}
