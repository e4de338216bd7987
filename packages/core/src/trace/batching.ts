// Vectorisation: a trace whose tracers carry a value with a batch axis at a known position.
import type { ShapedArray } from "../array/aval.js";
import type { NDArray } from "../array/ndarray.js";
import { TransformError } from "../errors.js";
import { Trace, Tracer, bind, currentTrace, withTrace } from "./core.js";
import type { BDim, Params, Primitive } from "./primitive.js";
import { ShapedArray as SA } from "../array/aval.js";

export class BatchTracer extends Tracer {
  constructor(readonly trace: BatchTrace, readonly val: NDArray, readonly bdim: number) {
    super();
  }
  get aval(): ShapedArray {
    const s = this.val.aval;
    const shape = s.shape.filter((_, i) => i !== this.bdim);
    return new SA(shape, s.dtype, s.weakType);
  }
  heldArrays(): NDArray[] { return [this.val]; }
}

export class BatchTrace extends Trace {
  readonly kind = "vmap";
  constructor(parent: Trace, readonly axisSize: number) {
    super(parent);
  }
  processPrimitive(prim: Primitive, args: readonly NDArray[], params: Params): NDArray[] {
    const vals: NDArray[] = [];
    const dims: BDim[] = [];
    let any = false;
    for (const a of args) {
      if (a instanceof BatchTracer && a.trace === this) {
        vals.push(a.val);
        dims.push(a.bdim);
        any = true;
      } else {
        vals.push(a);
        dims.push(null);
      }
    }
    if (!any) return withTrace(this.parent!, () => bind(prim, vals, params));
    const [outs, outDims] = withTrace(this.parent!, () => prim.batch(vals, dims, params, this.axisSize));
    return outs.map((o, i) => {
      const d = outDims[i]!;
      return d === null ? o : new BatchTracer(this, o, d);
    });
  }
}

/**
 * Maps `fn` over axis `inDims[i]` of each argument (null = not mapped). Returns each output with
 * its batch axis, or null when that output does not depend on any mapped input.
 */
export function vmapFlat(
  fn: (...xs: NDArray[]) => NDArray[],
  args: readonly NDArray[],
  inDims: readonly BDim[],
  axisSize: number,
): [NDArray[], BDim[]] {
  const trace = new BatchTrace(currentTrace(), axisSize);
  const ins = args.map((a, i) => {
    const d = inDims[i];
    if (d === null || d === undefined) return a;
    if (a.shape[d] !== axisSize) {
      throw new TransformError(`vmap: argument ${i} of shape [${a.shape}] has size ${a.shape[d]} on its mapped axis ${d}, but the mapped axis size is ${axisSize}; all mapped axes must have the same size.`);
    }
    return new BatchTracer(trace, a, d);
  });
  try {
    const outs = withTrace(trace, () => fn(...ins));
    const vals: NDArray[] = [];
    const dims: BDim[] = [];
    for (const o of outs) {
      if (o instanceof BatchTracer && o.trace === trace) {
        vals.push(o.val);
        dims.push(o.bdim);
      } else {
        vals.push(o);
        dims.push(null);
      }
    }
    return [vals, dims];
  } finally {
    trace.finish();
  }
}
