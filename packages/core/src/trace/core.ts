// The trace machinery: bind() dispatches to the current trace; a trace runs a primitive's rule
// with its parent as current; a tracer is recognised by the trace object it carries (no levels).
import type { ShapedArray } from "../array/aval.js";
import { ConcreteArray, NDArray } from "../array/ndarray.js";
import type { TypedArray } from "../dtype.js";
import { ConcretizationError, TracerLeakError } from "../errors.js";
import type { Params, Primitive } from "./primitive.js";

export abstract class Trace {
  finished = false;
  constructor(readonly parent: Trace | null) {}
  /** Short name of the transform, for messages ("jvp", "vmap", "jit", ...). */
  abstract readonly kind: string;
  abstract processPrimitive(prim: Primitive, args: readonly NDArray[], params: Params): NDArray[];
  finish(): void {
    this.finished = true;
  }
}

export abstract class Tracer extends NDArray {
  abstract readonly trace: Trace;
  get device(): string { return "tracer"; }
  /** The concrete value behind this tracer, if the transform knows it (jvp of concrete primals). */
  toConcrete(): ConcreteArray | null { return null; }
  /** Concrete arrays this tracer keeps alive (so tidy() does not free them). */
  abstract heldArrays(): NDArray[];
  dataSync(): TypedArray {
    const c = this.toConcrete();
    if (c) return c.dataSync();
    throw new ConcretizationError(
      `Cannot read the values of an abstract ${this.aval} tracer inside ${this.trace.kind}: its contents are unknown ` +
        `while tracing. Use array operations (np.where, cond, whileLoop) instead of reading values, or mark the ` +
        `argument static (jit's staticArgnums).`,
    );
  }
  dispose(): void {}
  get isDisposed(): boolean { return false; }
  override toString(): string { return `Tracer<${this.aval}>(${this.trace.kind})`; }
}

/** A device's eager kernels: results for the ops it runs itself, null to use the reference kernels. */
export type EagerExecutor = (prim: Primitive, args: readonly NDArray[], params: Params, outAvals: readonly ShapedArray[]) => NDArray[] | null;
let eagerExecutor: EagerExecutor | null = null;
/** Installs the default device's eager kernels (null: every eager op runs on the reference kernels). */
export function setEagerExecutor(e: EagerExecutor | null): void {
  eagerExecutor = e;
}

/** The bottom of every trace stack: runs primitives on concrete arrays. */
export class EvalTrace extends Trace {
  readonly kind = "eval";
  processPrimitive(prim: Primitive, args: readonly NDArray[], params: Params): NDArray[] {
    for (const a of args) {
      if (a instanceof Tracer) throw leakedTracer(prim, a);
    }
    const outAvals = prim.abstractEval(args.map((a) => a.aval), params);
    if (eagerExecutor) {
      const done = eagerExecutor(prim, args, params, outAvals);
      if (done) return done;
    }
    if (prim.evaluate) return prim.evaluate(args, params);
    if (!prim.js) throw new Error(`${prim.name} has no evaluation rule`);
    return prim.js(args as ConcreteArray[], params, outAvals);
  }
}

function leakedTracer(prim: Primitive, t: Tracer): TracerLeakError {
  return new TracerLeakError(
    `${prim.name}: got a ${t.aval} tracer from a ${t.trace.kind} transform that has already finished. A value ` +
      `computed inside the transformed function escaped it (for example it was stored in an outer variable or ` +
      `closed over by a later call). Return it from the transformed function instead, or pass it as an argument.`,
  );
}

export const evalTrace = new EvalTrace(null);
let current: Trace = evalTrace;

export function currentTrace(): Trace {
  return current;
}

/** Runs `fn` with `trace` as the current trace. */
export function withTrace<T>(trace: Trace, fn: () => T): T {
  const prev = current;
  current = trace;
  try {
    return fn();
  } finally {
    current = prev;
  }
}

export function bind<P extends Params>(prim: Primitive<P>, args: readonly NDArray[], params: P = {} as P): NDArray[] {
  const p = prim as unknown as Primitive;
  for (const a of args) {
    if (a instanceof Tracer && a.trace.finished) throw leakedTracer(p, a);
  }
  return current.processPrimitive(p, args, params);
}

export function bind1<P extends Params>(prim: Primitive<P>, args: readonly NDArray[], params: P = {} as P): NDArray {
  return bind(prim, args, params)[0]!;
}

export function avalOf(x: NDArray): ShapedArray {
  return x.aval;
}
