// NDArray: the public array type. Concrete arrays own device buffers; tracers (trace/) stand in
// for arrays inside transforms. Arithmetic methods are bound late to the numpy layer (no cycle).
import { type DType, type TypedArray } from "../dtype.js";
import { ConcretizationError, DisposedError } from "../errors.js";
import { type Shape, stridesOf } from "../shape.js";
import { ShapedArray } from "./aval.js";
import { DeviceBuffer, trackInScope, untrackFromScope } from "./memory.js";

/** Index items accepted by `x.slice(...)`: see numpy/indexing.ts for the full spec. */
export type IndexItem = number | null | "..." | ":" | string | readonly [number | null, (number | null)?, (number | null)?] | NDArray;

/** The methods NDArray forwards to the numpy layer; installed once by numpy/index.ts. */
export interface ArrayMethods {
  add(a: NDArray, b: ArrayLike): NDArray;
  sub(a: NDArray, b: ArrayLike): NDArray;
  mul(a: NDArray, b: ArrayLike): NDArray;
  div(a: NDArray, b: ArrayLike): NDArray;
  pow(a: NDArray, b: ArrayLike): NDArray;
  neg(a: NDArray): NDArray;
  reshape(a: NDArray, shape: readonly number[]): NDArray;
  transpose(a: NDArray, axes?: readonly number[]): NDArray;
  astype(a: NDArray, dtype: DType): NDArray;
  reduce(kind: ReduceKind, a: NDArray, axis?: number | readonly number[] | null, keepdims?: boolean): NDArray;
  slice(a: NDArray, index: readonly IndexItem[]): NDArray;
  atUpdate(a: NDArray, index: readonly IndexItem[], mode: "set" | "add" | "mul" | "min" | "max", v: ArrayLike): NDArray;
}
export type ReduceKind = "sum" | "prod" | "mean" | "max" | "min" | "argmax" | "argmin" | "any" | "all" | "var" | "std";

let methods: ArrayMethods | null = null;
export function installArrayMethods(m: ArrayMethods): void {
  methods = m;
}
function m(): ArrayMethods {
  if (!methods) throw new Error("Fluxion's numpy layer is not loaded; import from '@fluxion/core'.");
  return methods;
}

export type NestedNumbers = number | boolean | readonly NestedNumbers[];
export type ArrayLike = NDArray | number | boolean | NestedNumbers | TypedArray;

export abstract class NDArray {
  abstract get aval(): ShapedArray;
  get shape(): readonly number[] { return this.aval.shape; }
  get dtype(): DType { return this.aval.dtype; }
  get weakType(): boolean { return this.aval.weakType; }
  get ndim(): number { return this.aval.shape.length; }
  get size(): number { return this.aval.size; }
  abstract get device(): string;

  /** Contents as a fresh typed array. */
  abstract dataSync(): TypedArray;
  async data(): Promise<TypedArray> { return this.dataSync(); }
  abstract dispose(): void;
  abstract get isDisposed(): boolean;
  [Symbol.dispose](): void { this.dispose(); }

  toArray(): NestedNumbers {
    const data = this.dataSync();
    const bool = this.dtype === "bool";
    const shape = this.shape;
    const strides = stridesOf(shape);
    const build = (dim: number, offset: number): NestedNumbers => {
      if (dim === shape.length) return bool ? data[offset] !== 0 : data[offset]!;
      const out: NestedNumbers[] = [];
      for (let i = 0; i < shape[dim]!; i++) out.push(build(dim + 1, offset + i * strides[dim]!));
      return out;
    };
    return build(0, 0);
  }
  item(): number {
    if (this.size !== 1) {
      throw new ConcretizationError(`item: only arrays with one element can be converted to a number, got shape [${this.shape}]; index or reduce it first.`);
    }
    return this.dataSync()[0]!;
  }

  add(b: ArrayLike): NDArray { return m().add(this, b); }
  sub(b: ArrayLike): NDArray { return m().sub(this, b); }
  mul(b: ArrayLike): NDArray { return m().mul(this, b); }
  div(b: ArrayLike): NDArray { return m().div(this, b); }
  pow(b: ArrayLike): NDArray { return m().pow(this, b); }
  neg(): NDArray { return m().neg(this); }
  reshape(...shape: number[] | [readonly number[]]): NDArray {
    const s = Array.isArray(shape[0]) ? (shape[0] as readonly number[]) : (shape as number[]);
    return m().reshape(this, s);
  }
  transpose(axes?: readonly number[]): NDArray { return m().transpose(this, axes); }
  get T(): NDArray { return m().transpose(this); }
  astype(dtype: DType): NDArray { return m().astype(this, dtype); }
  sum(axis?: number | readonly number[] | null, keepdims = false): NDArray { return m().reduce("sum", this, axis, keepdims); }
  prod(axis?: number | readonly number[] | null, keepdims = false): NDArray { return m().reduce("prod", this, axis, keepdims); }
  mean(axis?: number | readonly number[] | null, keepdims = false): NDArray { return m().reduce("mean", this, axis, keepdims); }
  max(axis?: number | readonly number[] | null, keepdims = false): NDArray { return m().reduce("max", this, axis, keepdims); }
  min(axis?: number | readonly number[] | null, keepdims = false): NDArray { return m().reduce("min", this, axis, keepdims); }
  argmax(axis?: number): NDArray { return m().reduce("argmax", this, axis ?? null, false); }
  argmin(axis?: number): NDArray { return m().reduce("argmin", this, axis ?? null, false); }
  any(axis?: number | readonly number[] | null, keepdims = false): NDArray { return m().reduce("any", this, axis, keepdims); }
  all(axis?: number | readonly number[] | null, keepdims = false): NDArray { return m().reduce("all", this, axis, keepdims); }
  var(axis?: number | readonly number[] | null, keepdims = false): NDArray { return m().reduce("var", this, axis, keepdims); }
  std(axis?: number | readonly number[] | null, keepdims = false): NDArray { return m().reduce("std", this, axis, keepdims); }
  /** NumPy-style indexing; see numpy/indexing.ts for the accepted items. */
  slice(...index: IndexItem[]): NDArray { return m().slice(this, index); }
  /** Functional updates as in JAX: `x.at(i).set(v)` returns a new array. */
  at(...index: IndexItem[]): AtUpdater {
    const self = this;
    const up = (mode: "set" | "add" | "mul" | "min" | "max") => (v: ArrayLike) => m().atUpdate(self, index, mode, v);
    return { set: up("set"), add: up("add"), mul: up("mul"), min: up("min"), max: up("max"), get: () => m().slice(self, index) };
  }
  toString(): string {
    return `NDArray(${this.aval.toString()})`;
  }
}

export interface AtUpdater {
  set(v: ArrayLike): NDArray;
  add(v: ArrayLike): NDArray;
  mul(v: ArrayLike): NDArray;
  min(v: ArrayLike): NDArray;
  max(v: ArrayLike): NDArray;
  get(): NDArray;
}

const finalizer = new FinalizationRegistry<DeviceBuffer>((buf) => buf.release());

/** An array whose contents live in a device buffer. */
export class ConcreteArray extends NDArray {
  private buf: DeviceBuffer | null;
  private managed: boolean;
  /** @param managed false for runtime intermediates that are always disposed explicitly (no GC safety net, no tidy scope). */
  constructor(readonly aval: ShapedArray, buffer: DeviceBuffer, managed = true) {
    super();
    this.buf = buffer;
    this.managed = managed;
    if (managed) {
      finalizer.register(this, buffer, this);
      trackInScope(this);
    }
  }
  /** Hands a runtime intermediate to the user: registers the GC safety net and the tidy scope. */
  adopt(): this {
    if (!this.managed && this.buf) {
      this.managed = true;
      finalizer.register(this, this.buf, this);
      trackInScope(this);
    }
    return this;
  }
  static fromData(data: TypedArray, shape: Shape, dtype: DType, weakType = false, device = "js"): ConcreteArray {
    return new ConcreteArray(new ShapedArray(shape, dtype, weakType), new DeviceBuffer(device, data));
  }
  get device(): string { return this.buffer.device; }
  /** The underlying buffer (shared, not copied); throws after dispose. */
  get buffer(): DeviceBuffer {
    if (!this.buf) throw new DisposedError(`This ${this.aval} array was used after dispose(); keep it alive (do not dispose it, or return it from tidy) while it is in use.`);
    return this.buf;
  }
  /** Raw storage, not copied: for backends and kernels only. */
  get rawData(): TypedArray { return this.buffer.data; }
  dataSync(): TypedArray { return this.buffer.data.slice(); }
  get isDisposed(): boolean { return this.buf === null; }
  dispose(): void {
    if (!this.buf) return;
    if (this.managed) {
      finalizer.unregister(this);
      untrackFromScope(this);
    }
    this.buf.release();
    this.buf = null;
  }
  /** A second array object sharing this buffer (so either can be disposed independently). */
  share(aval: ShapedArray = this.aval): ConcreteArray {
    return new ConcreteArray(aval, this.buffer.retain());
  }
}
