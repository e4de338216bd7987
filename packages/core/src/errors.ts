// Error classes: every message names the op, the shapes/dtypes involved, and the fix.

export class FluxionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
/** Incompatible or invalid shapes/axes. */
export class ShapeError extends FluxionError {}
/** Unsupported or mismatched dtypes. */
export class DTypeError extends FluxionError {}
/** A tracer was used outside the transform that created it. */
export class TracerLeakError extends FluxionError {}
/** A traced (abstract) value was asked for its concrete contents. */
export class ConcretizationError extends FluxionError {}
/** An array was used after `dispose()`. */
export class DisposedError extends FluxionError {}
/** A transform was given arguments it cannot handle (bad inAxes, non-scalar grad output, ...). */
export class TransformError extends FluxionError {}
