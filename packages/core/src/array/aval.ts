// Abstract values: what every transform knows about an array without its contents.
import { type DType, shortDType } from "../dtype.js";
import { type Shape, sizeOf, shapesEqual } from "../shape.js";

// Kept outside the objects so avals stay plain data for structural comparisons.
const keys = new WeakMap<ShapedArray, string>();

export class ShapedArray {
  readonly shape: readonly number[];
  constructor(shape: Shape, readonly dtype: DType, readonly weakType: boolean = false) {
    this.shape = Object.freeze([...shape]);
  }
  get ndim(): number { return this.shape.length; }
  get size(): number { return sizeOf(this.shape); }
  equals(o: ShapedArray): boolean {
    return this.dtype === o.dtype && this.weakType === o.weakType && shapesEqual(this.shape, o.shape);
  }
  /** `f32[3,4]` as in jaxprs. */
  toString(): string { return `${shortDType[this.dtype]}[${this.shape.join(",")}]`; }
  /** A cache key: the printed form plus weak typing, computed once per aval (avals are immutable). */
  get key(): string {
    let k = keys.get(this);
    if (k === undefined) keys.set(this, (k = this.weakType ? `${this.toString()}w` : this.toString()));
    return k;
  }
  strong(): ShapedArray { return this.weakType ? new ShapedArray(this.shape, this.dtype, false) : this; }
  withShape(shape: Shape): ShapedArray { return new ShapedArray(shape, this.dtype, this.weakType); }
  withDType(dtype: DType): ShapedArray { return new ShapedArray(this.shape, dtype, this.weakType); }
}
