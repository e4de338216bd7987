// Forward-mode autodiff: a trace whose tracers carry (primal, tangent) pairs.
import type { ShapedArray } from "../array/aval.js";
import type { NDArray } from "../array/ndarray.js";
import { Trace, Tracer, bind, currentTrace, withTrace } from "./core.js";
import type { Params, Primitive } from "./primitive.js";
import { type Tangent, Zero, tangentAval } from "./values.js";

export class JVPTracer extends Tracer {
  constructor(readonly trace: JVPTrace, readonly primal: NDArray, readonly tangent: NDArray) {
    super();
  }
  get aval(): ShapedArray { return this.primal.aval; }
  override toConcrete() {
    const p = this.primal;
    return p instanceof Tracer ? p.toConcrete() : (p as import("../array/ndarray.js").ConcreteArray);
  }
  heldArrays(): NDArray[] { return [this.primal, this.tangent]; }
}

export class JVPTrace extends Trace {
  readonly kind = "jvp";
  processPrimitive(prim: Primitive, args: readonly NDArray[], params: Params): NDArray[] {
    const primals: NDArray[] = [];
    const tangents: Tangent[] = [];
    let any = false;
    for (const a of args) {
      if (a instanceof JVPTracer && a.trace === this) {
        primals.push(a.primal);
        tangents.push(a.tangent);
        any = true;
      } else {
        primals.push(a);
        tangents.push(new Zero(tangentAval(a.aval)));
      }
    }
    if (!any) return withTrace(this.parent!, () => bind(prim, primals, params));
    const [outs, outTangents] = withTrace(this.parent!, () => prim.jvp(primals, tangents, params));
    return outs.map((p, i) => {
      const t = outTangents[i]!;
      return t instanceof Zero ? p : new JVPTracer(this, p, t);
    });
  }
}

/**
 * Pushes `tangents` through `fn` at `primals`. Tangents may be symbolic Zeros; output tangents
 * that do not depend on the inputs come back as Zero.
 */
export function jvpFlat(
  fn: (...xs: NDArray[]) => NDArray[],
  primals: readonly NDArray[],
  tangents: readonly Tangent[],
): [NDArray[], Tangent[]] {
  const trace = new JVPTrace(currentTrace());
  const ins = primals.map((p, i) => {
    const t = tangents[i]!;
    return t instanceof Zero ? p : new JVPTracer(trace, p, t);
  });
  try {
    const outs = withTrace(trace, () => fn(...ins));
    const po: NDArray[] = [];
    const to: Tangent[] = [];
    for (const o of outs) {
      if (o instanceof JVPTracer && o.trace === trace) {
        po.push(o.primal);
        to.push(o.tangent);
      } else {
        po.push(o);
        to.push(new Zero(tangentAval(o.aval)));
      }
    }
    return [po, to];
  } finally {
    trace.finish();
  }
}
