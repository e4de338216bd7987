// Staging: a trace that records primitives into a jaxpr (for jit, makeJaxpr and control-flow
// bodies), in "partial" mode only the ones touching its own tracers (linearize's tangent program),
// and the interpreter that evaluates a jaxpr under whatever trace is current.
import { ShapedArray } from "../array/aval.js";
import { ConcreteArray, NDArray } from "../array/ndarray.js";
import { trackInScope, untrackFromScope } from "../array/memory.js";
import { typedArrayFor, castScalar } from "../dtype.js";
import { type Atom, ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Var } from "../ir/jaxpr.js";
import { dce } from "../ir/passes.js";
import { EvalTrace, Trace, Tracer, bind, currentTrace, withTrace } from "./core.js";
import type { Params, Primitive } from "./primitive.js";

export class JaxprTracer extends Tracer {
  constructor(readonly trace: JaxprTrace, readonly aval: ShapedArray, readonly v: Var) {
    super();
  }
  heldArrays(): NDArray[] { return []; }
}

export class JaxprTrace extends Trace {
  readonly eqns: JaxprEqn[] = [];
  private readonly constAtoms = new Map<NDArray, Atom>();
  private readonly constVars: Var[] = [];
  private readonly constValues: NDArray[] = [];
  /**
   * @param partial when true, primitives with no input from this trace are passed to the parent
   *   (computed now) and only the rest is staged: this is how linearize separates the primal
   *   computation from the linear tangent program.
   */
  constructor(parent: Trace | null, readonly partial: boolean, readonly kind: string = partial ? "linearize" : "jit") {
    super(parent);
  }

  newArg(aval: ShapedArray): JaxprTracer {
    return new JaxprTracer(this, aval, new Var(aval));
  }

  isOwn(x: unknown): x is JaxprTracer {
    return x instanceof JaxprTracer && x.trace === this;
  }

  processPrimitive(prim: Primitive, args: readonly NDArray[], params: Params): NDArray[] {
    if (this.partial) {
      if (!args.some((a) => this.isOwn(a))) return withTrace(this.parent!, () => bind(prim, args, params));
      if (prim.partialEval) return prim.partialEval(this, args, params);
    }
    return this.stage(prim, args, params);
  }

  /** Records `prim` as an equation and returns tracers for its outputs. */
  stage<P extends Params>(prim: Primitive<P>, args: readonly NDArray[], params: P): JaxprTracer[] {
    const outAvals = prim.abstractEval(args.map((a) => a.aval), params);
    const inputs = args.map((a) => this.atomFor(a));
    const outs = outAvals.map((av) => this.newArg(av));
    this.eqns.push(new JaxprEqn(prim as unknown as Primitive, inputs, params, outs.map((o) => o.v)));
    return outs;
  }

  /** The atom standing for `x` here: its var if it is ours, else a literal or a constvar. */
  atomFor(x: NDArray): Atom {
    if (this.isOwn(x)) return x.v;
    let a = this.constAtoms.get(x);
    if (a) return a;
    if (x instanceof ConcreteArray && x.ndim === 0) {
      a = new Literal(x.rawData[0]!, x.aval);
    } else {
      const v = new Var(x.aval);
      this.constVars.push(v);
      this.constValues.push(x);
      a = v;
    }
    this.constAtoms.set(x, a);
    return a;
  }

  /** Closes the recording into a jaxpr over `inputs` returning `outs` (DCE applied). */
  build(inputs: readonly JaxprTracer[], outs: readonly NDArray[]): ClosedJaxpr {
    const outvars = outs.map((o) => this.atomFor(o));
    const jaxpr = new Jaxpr(this.constVars.slice(), inputs.map((t) => t.v), this.eqns.slice(), outvars);
    return dce(new ClosedJaxpr(jaxpr, this.constValues.slice()));
  }
}

/** Traces `fn` on abstract inputs into a closed jaxpr (consts are the values it closed over). */
export function traceToJaxpr(
  fn: (...args: NDArray[]) => NDArray[],
  inAvals: readonly ShapedArray[],
  kind = "jit",
): ClosedJaxpr {
  const trace = new JaxprTrace(currentTrace(), false, kind);
  const ins = inAvals.map((av) => trace.newArg(av));
  try {
    const outs = withTrace(trace, () => fn(...ins));
    return trace.build(ins, outs);
  } finally {
    trace.finish();
  }
}

/** Moves a closed jaxpr's consts to leading inputs, so a primitive can carry it as a static param. */
export function closureConvert(closed: ClosedJaxpr): { jaxpr: Jaxpr; consts: NDArray[] } {
  const j = closed.jaxpr;
  return { jaxpr: new Jaxpr([], [...j.constvars, ...j.invars], j.eqns, j.outvars), consts: [...closed.consts] };
}

const literalArrays = new WeakMap<Literal, ConcreteArray>();

/** A long-lived scalar array for a literal (not owned by any tidy scope). */
export function literalArray(l: Literal): ConcreteArray {
  let a = literalArrays.get(l);
  if (!a || a.isDisposed) {
    const data = typedArrayFor(l.aval.dtype, 1);
    data[0] = castScalar(l.value, l.aval.dtype);
    a = ConcreteArray.fromData(data, [], l.aval.dtype, l.aval.weakType);
    untrackFromScope(a);
    literalArrays.set(l, a);
  }
  return a;
}

/**
 * Evaluates `jaxpr` by binding each equation under the current trace. When that trace is the
 * eval trace, intermediates are freed right after their last use, so repeated calls of a jitted
 * function keep memory flat.
 */
export function evalJaxpr(jaxpr: Jaxpr, consts: readonly NDArray[], args: readonly NDArray[]): NDArray[] {
  const env = new Map<Var, NDArray>();
  jaxpr.constvars.forEach((v, i) => env.set(v, consts[i]!));
  jaxpr.invars.forEach((v, i) => env.set(v, args[i]!));
  const read = (a: Atom): NDArray => (a instanceof Literal ? literalArray(a) : env.get(a)!);
  const eager = currentTrace() instanceof EvalTrace;
  const lastUse = eager ? lastUses(jaxpr) : null;
  const produced = new Set<Var>();
  jaxpr.eqns.forEach((eqn, i) => {
    const outs = bind(eqn.prim, eqn.inputs.map(read), eqn.params);
    eqn.outputs.forEach((v, k) => {
      env.set(v, outs[k]!);
      produced.add(v);
    });
    if (lastUse) {
      for (const a of eqn.inputs) {
        if (a instanceof Var && produced.has(a) && lastUse.get(a) === i) {
          env.get(a)!.dispose();
          produced.delete(a);
        }
      }
      // Outputs nobody reads are freed at once.
      eqn.outputs.forEach((v) => {
        if (!lastUse.has(v)) {
          env.get(v)!.dispose();
          produced.delete(v);
        }
      });
    }
  });
  const outs = jaxpr.outvars.map(read);
  if (!eager) return outs;
  // Hand out independent array objects: an output that is an input, a const or a repeat shares its buffer.
  const seen = new Set<NDArray>();
  return outs.map((o, i) => {
    const v = jaxpr.outvars[i]!;
    const owned = v instanceof Var && produced.has(v) && !seen.has(o);
    seen.add(o);
    if (owned) return o;
    const c = o as ConcreteArray;
    const s = c.share();
    trackInScope(s);
    return s;
  });
}

/** Index of the last equation reading each var; outvars count as read after the end. */
function lastUses(jaxpr: Jaxpr): Map<Var, number> {
  const last = new Map<Var, number>();
  jaxpr.eqns.forEach((e, i) => {
    for (const a of e.inputs) if (a instanceof Var) last.set(a, i);
  });
  for (const a of jaxpr.outvars) if (a instanceof Var) last.set(a, Infinity);
  return last;
}

export function evalClosedJaxpr(closed: ClosedJaxpr, args: readonly NDArray[]): NDArray[] {
  return evalJaxpr(closed.jaxpr, closed.consts, args);
}
