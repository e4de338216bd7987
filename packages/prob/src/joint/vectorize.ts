// Automatic vectorization for joint distributions written for a single draw (TFP's use_vectorized_map, its
// vectorization_util.make_rank_polymorphic and iid_sample): vmap over extra leading dims and over sample keys.
import { NDArray, np, random, tree } from "@fluxion/core";
import { vmap } from "@fluxion/transforms";
import { broadcastShapes, shapeSize } from "../distributions/internal.js";

/** Prepends `lead` to the leading (mapped) axis of every array leaf of `out`. */
function unflattenLeading<R>(out: R, lead: readonly number[]): R {
  return tree.map((leaf: NDArray) => np.reshape(leaf, [...lead, ...leaf.shape.slice(1)]), out) as R;
}

/**
 * Calls `fn` on parts that may carry extra leading dims beyond their `coreNdims`: the extra dims are
 * broadcast together, flattened into one axis and mapped over with vmap; every output leaf gets them back
 * as leading dims. Parts that are null pass through as null.
 */
export function mapOverExtraDims<R>(what: string, fn: (parts: (NDArray | null)[]) => R, parts: readonly (NDArray | null)[], coreNdims: readonly number[]): R {
  const extras: number[][] = [];
  parts.forEach((v, i) => {
    if (v === null) return;
    const core = coreNdims[i]!;
    if (v.ndim < core) throw new Error(`${what}: part ${i} has shape [${v.shape}], but a single draw of it has rank ${core}.`);
    extras.push(v.shape.slice(0, v.ndim - core));
  });
  const lead = broadcastShapes(what, ...extras);
  if (lead.length === 0) return fn([...parts]);
  const n = shapeSize(lead);
  const flat = parts.map((v, i) => {
    if (v === null) return null;
    const core = v.shape.slice(v.ndim - coreNdims[i]!);
    return np.reshape(np.broadcastTo(v, [...lead, ...core]), [n, ...core]);
  });
  const out = vmap((fv: (NDArray | null)[]) => fn(fv))(flat) as R;
  return unflattenLeading(out, lead);
}

/** `fn(key)` drawn iid over `sampleShape` by splitting the key and mapping over the keys (TFP's iid_sample). */
export function iidSample<R>(fn: (key: NDArray) => R, key: NDArray, sampleShape: readonly number[]): R {
  const n = shapeSize(sampleShape);
  const keys = random.split(key, n);
  const out = vmap((k: NDArray) => fn(k))(keys) as R;
  return unflattenLeading(out, sampleShape);
}
