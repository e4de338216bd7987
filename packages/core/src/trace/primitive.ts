// The shape of a primitive: one definition carrying every rule (shape/dtype, evaluation,
// jvp, transpose, batching, partial evaluation), and the registry that tests walk.
import type { ShapedArray } from "../array/aval.js";
import type { ConcreteArray, NDArray } from "../array/ndarray.js";
import type { Tangent, UndefinedPrimal } from "./values.js";
import type { JaxprTrace } from "./staging.js";

export type Params = Readonly<Record<string, unknown>>;
/** Where the batch axis of a value is under vmap, or null when the value is not batched. */
export type BDim = number | null;

export type TransposeRule<P> = (
  cotangents: readonly Tangent[],
  args: readonly (NDArray | UndefinedPrimal)[],
  params: P,
) => (Tangent | null)[];

export interface Primitive<P extends Params = Params> {
  readonly name: string;
  /** Output avals from input avals; throws ShapeError/DTypeError naming the op on bad input. */
  abstractEval(avals: readonly ShapedArray[], params: P): ShapedArray[];
  /** Kernel on the pure-TS reference backend (first-order primitives). */
  readonly js?: (args: readonly ConcreteArray[], params: P, outAvals: readonly ShapedArray[]) => ConcreteArray[];
  /** Evaluation by binding other primitives (higher-order primitives: jit, cond, scan, ...). */
  readonly evaluate?: (args: readonly NDArray[], params: P) => NDArray[];
  jvp(primals: readonly NDArray[], tangents: readonly Tangent[], params: P): [NDArray[], Tangent[]];
  /** Transpose w.r.t. the UndefinedPrimal arguments, or "nonlinear" for primitives that never appear linearly. */
  readonly transpose: TransposeRule<P> | "nonlinear";
  batch(args: readonly NDArray[], dims: readonly BDim[], params: P, axisSize: number): [NDArray[], BDim[]];
  /** Splitting into known (run now) and unknown (staged) parts; higher-order primitives only. */
  readonly partialEval?: (trace: JaxprTrace, args: readonly NDArray[], params: P) => NDArray[];
  /** Extra text for the IR printer; by default params are printed generically. */
  readonly printParams?: (params: P) => string;
}

const registry = new Map<string, Primitive>();

export function definePrimitive<P extends Params>(p: Primitive<P>): Primitive<P> {
  if (registry.has(p.name)) throw new Error(`primitive ${p.name} is defined twice`);
  registry.set(p.name, p as unknown as Primitive);
  return p;
}

/** Every registered primitive, for the registry-driven tests. */
export function registeredPrimitives(): Primitive[] {
  return [...registry.values()];
}
