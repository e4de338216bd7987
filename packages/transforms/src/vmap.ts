// vmap over pytrees with per-argument / per-leaf inAxes and outAxes (null = not mapped).
import { NDArray, internal, tree, TransformError } from "@fluxion/core";
import { flatFn, flattenArgs } from "./util.js";

type Fn = (...args: never[]) => unknown;
export type AxisSpec = number | null | undefined | readonly AxisSpec[] | { readonly [k: string]: AxisSpec };

export interface VmapOptions {
  inAxes?: AxisSpec;
  outAxes?: AxisSpec;
  axisSize?: number;
}

const isAxisLeaf = (x: unknown) => x === null || x === undefined || typeof x === "number";

export function vmap(f: Fn, opts: VmapOptions = {}): (...args: unknown[]) => unknown {
  const name = f.name || "f";
  return (...args: unknown[]) => {
    const [leaves, def] = flattenArgs(args, `vmap(${name}) arguments`);
    const inAxes = opts.inAxes === undefined ? 0 : opts.inAxes;
    // A bare inAxes applies to every argument; an array is one entry per positional argument.
    let axes: (number | null)[];
    try {
      axes = tree.broadcastPrefix(Array.isArray(inAxes) ? inAxes : args.map(() => inAxes), args, { isPrefixLeaf: isAxisLeaf, prefixName: "inAxes" }) as (number | null)[];
    } catch (e) {
      throw new TransformError(`vmap(${name}): inAxes ${JSON.stringify(inAxes)} does not match the arguments' structure ${def}: ${(e as Error).message}`);
    }
    const dims = axes.map((ax, i) => {
      if (ax === null || ax === undefined) return null;
      const nd = leaves[i]!.ndim;
      if (!Number.isInteger(ax) || ax < -nd || ax >= nd) {
        throw new TransformError(`vmap(${name}): inAxes ${ax} is out of range for argument leaf ${i} of shape [${leaves[i]!.shape}] (rank ${nd}); use an axis in [${-nd}, ${nd - 1}] or null.`);
      }
      return ax < 0 ? ax + nd : ax;
    });
    const sizes = new Set(dims.map((d, i) => (d === null ? -1 : leaves[i]!.shape[d]!)).filter((s) => s >= 0));
    if (opts.axisSize !== undefined) sizes.add(opts.axisSize);
    if (sizes.size === 0) throw new TransformError(`vmap(${name}): no argument is mapped (every inAxes is null) and no axisSize was given; pass {axisSize}.`);
    if (sizes.size > 1) {
      const detail = dims.map((d, i) => (d === null ? null : `leaf ${i} [${leaves[i]!.shape}] axis ${d}: ${leaves[i]!.shape[d]}`)).filter(Boolean).join("; ");
      throw new TransformError(`vmap(${name}): mapped axes have different sizes {${[...sizes].join(", ")}} (${detail}); every mapped axis must have the same size.`);
    }
    const axisSize = [...sizes][0]!;
    const { fn, out } = flatFn(f, def, `vmap(${name}) output`);
    const [outs, outDims] = internal.vmapFlat(fn, leaves, dims, axisSize);
    const outDef = out.def!;
    const outAxes = opts.outAxes === undefined ? 0 : opts.outAxes;
    let oAxes: (number | null)[];
    try {
      oAxes = tree.broadcastPrefix(outAxes, tree.unflatten(outDef, outs), { isPrefixLeaf: isAxisLeaf, prefixName: "outAxes" }) as (number | null)[];
    } catch (e) {
      throw new TransformError(`vmap(${name}): outAxes ${JSON.stringify(outAxes)} does not match the output structure ${outDef}: ${(e as Error).message}`);
    }
    const moved = outs.map((o, i) => {
      const want = oAxes[i];
      const d = outDims[i]!;
      if (want === null || want === undefined) {
        if (d !== null) throw new TransformError(`vmap(${name}): outAxes is null for output leaf ${i}, but that output depends on the mapped inputs.`);
        return o;
      }
      const b = d === null ? internal.broadcastBatched(o, axisSize) : o;
      const from = d === null ? 0 : d;
      const nd = b.ndim;
      const to = want < 0 ? want + nd : want;
      if (to < 0 || to >= nd) throw new TransformError(`vmap(${name}): outAxes ${want} is out of range for output leaf ${i} of rank ${nd - 1}.`);
      return internal.moveaxis(b, from, to);
    });
    return tree.unflatten(outDef, moved);
  };
}
export type { NDArray };
