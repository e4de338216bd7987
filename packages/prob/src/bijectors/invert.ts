// Invert: swaps a bijector's forward and inverse (TFP's invert.py).
import type { NDArray } from "@fluxion/core";
import { Bijector, registerBijector, type BijectorOptions, type InputOf, type Ndims, type NdimsOf, type ShapeOf, type Value } from "./bijector.js";

/** Y = b⁻¹(X): forward is `b.inverse`, inverse is `b.forward`, log-det-Jacobians swap. */
export class Invert<X extends Value = NDArray, Y extends Value = NDArray> extends Bijector<Y, X> {
  readonly bijector: Bijector<X, Y>;
  constructor(bijector: Bijector<X, Y>, options: BijectorOptions = {}) {
    const name = options.name ?? `invert_${bijector.name}`;
    const validateArgs = options.validateArgs ?? false;
    super({
      forwardMinEventNdims: bijector.inverseMinEventNdims as Ndims,
      inverseMinEventNdims: bijector.forwardMinEventNdims as Ndims,
      isConstantJacobian: bijector.isConstantJacobian,
      name,
      validateArgs,
      parameters: { bijector, name, validateArgs },
    });
    this.bijector = bijector;
  }
  override get partsInteract(): boolean {
    return this.bijector.partsInteract;
  }
  override get isPermutation(): boolean {
    return this.bijector.isPermutation;
  }
  protected _forward(x: Y): X {
    return this.bijector.inverse(x as InputOf<Y>);
  }
  protected _inverse(y: X): Y {
    return this.bijector.forward(y as InputOf<X>);
  }
  override forwardLogDetJacobian(x: InputOf<Y>, eventNdims?: NdimsOf<Y>): NDArray {
    return this.bijector.inverseLogDetJacobian(x, eventNdims);
  }
  override inverseLogDetJacobian(y: InputOf<X>, eventNdims?: NdimsOf<X>): NDArray {
    return this.bijector.forwardLogDetJacobian(y, eventNdims);
  }
  protected override _forwardEventShape(shape: ShapeOf<Y>): ShapeOf<X> {
    return this.bijector.inverseEventShape(shape);
  }
  protected override _inverseEventShape(shape: ShapeOf<X>): ShapeOf<Y> {
    return this.bijector.forwardEventShape(shape);
  }
  override forwardEventNdims(eventNdims: NdimsOf<Y>): NdimsOf<X> {
    return this.bijector.inverseEventNdims(eventNdims);
  }
  override inverseEventNdims(eventNdims: NdimsOf<X>): NdimsOf<Y> {
    return this.bijector.forwardEventNdims(eventNdims);
  }
}
registerBijector(Invert, ["bijector"], (p) => new Invert(p.bijector as Bijector<Value, Value>, p as BijectorOptions));
