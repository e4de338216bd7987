// Bijectors onto the simplex and onto increasing vectors: SoftmaxCentered, IteratedSigmoidCentered, Ascending
// (TFP's softmax_centered.py, iterated_sigmoid_centered.py, ascending.py).
import { ConcreteArray, NDArray, ShapeError, np, special } from "@fluxion/core";
import { Bijector, BijectorError, defaultName, registerBijector, shouldValidate, type BijectorOptions, type Shape } from "./bijector.js";
import { cumprodLast, cumsumLast, sigmoid, sliceLast, softplus } from "./ops.js";

function statics(options: BijectorOptions, className: string): { name: string; validateArgs: boolean } {
  return { name: options.name ?? defaultName(className), validateArgs: options.validateArgs ?? false };
}

function growLast(shape: Shape, by: number, op: string): Shape {
  if (shape.length < 1) throw new ShapeError(`${op}: expected at least a vector shape, got [${shape}].`);
  const n = shape[shape.length - 1]! + by;
  if (n < 0) throw new ShapeError(`${op}: the last axis of [${shape}] is too short.`);
  return [...shape.slice(0, -1), n];
}

/**
 * R^n to the open n-simplex in R^(n+1): Y = softmax([X, 0]). The log-det-Jacobian is that of the embedding,
 * log(√(n+1) · ∏ Y) (TFP's derivation: the map to the first n coordinates has det ∏ Y, the lift adds √(n+1)).
 */
export class SoftmaxCentered extends Bijector {
  constructor(options: BijectorOptions = {}) {
    const s = statics(options, "SoftmaxCentered");
    super({ forwardMinEventNdims: 1, ...s, parameters: { ...s } });
  }
  protected _forward(x: NDArray): NDArray {
    const padded = np.concatenate([x, np.zeros([...x.shape.slice(0, -1), 1], x.dtype)], -1);
    return special.softmax(padded, -1);
  }
  protected _inverse(y: NDArray): NDArray {
    const n = y.shape[y.ndim - 1]!;
    const logY = np.log(y);
    return np.subtract(sliceLast(logY, 0, n - 1), sliceLast(logY, n - 1));
  }
  protected override _inverseLogDetJacobian(y: NDArray): NDArray {
    const np1 = y.shape[y.ndim - 1]!;
    return np.negative(np.add(0.5 * Math.log(np1), np.sum(np.log(y), -1)));
  }
  protected override _forwardLogDetJacobian(x: NDArray): NDArray {
    // log normaliser of [x, 0] is softplus(logsumexp(x)); Σ log y = Σ x - (n+1)·that.
    const np1 = x.shape[x.ndim - 1]! + 1;
    return np.add(0.5 * Math.log(np1), np.subtract(np.sum(x, -1), np.multiply(np1, softplus(special.logsumexp(x, -1)))));
  }
  protected override _forwardEventShape(shape: Shape): Shape {
    return growLast(shape, 1, "SoftmaxCentered.forwardEventShape");
  }
  protected override _inverseEventShape(shape: Shape): Shape {
    return growLast(shape, -1, "SoftmaxCentered.inverseEventShape");
  }
}
registerBijector(SoftmaxCentered, [], (p) => new SoftmaxCentered(p as BijectorOptions));

/**
 * R^n to the n-simplex in R^(n+1) by stick breaking (Stan reference manual, "Unit simplex"), centred so that
 * 0 maps to the barycentre. Its log-det-Jacobian is that of the map to the first n coordinates (as TFP).
 */
export class IteratedSigmoidCentered extends Bijector {
  constructor(options: BijectorOptions = {}) {
    const s = { name: options.name ?? "iterated_sigmoid", validateArgs: options.validateArgs ?? false };
    super({ forwardMinEventNdims: 1, ...s, parameters: { ...s } });
  }
  protected _forward(x: NDArray): NDArray {
    const n = x.shape[x.ndim - 1]!;
    // z_k = sigmoid(x_k - log(n - k)), y_k = z_k ∏_{i<k} (1 - z_i), y_last = 1 - Σ y.
    const offset = np.negative(np.log(np.arange(n, 0, -1, x.dtype)));
    const shifted = np.add(x, offset);
    const z = sigmoid(shifted);
    const remaining = cumprodLast(sigmoid(np.negative(shifted)), true);
    const y = np.multiply(z, remaining);
    return np.concatenate([y, np.subtract(1, np.sum(y, -1, true))], -1);
  }
  private stickFractions(y: NDArray): NDArray {
    return np.divide(y, np.subtract(1, cumsumLast(y, true)));
  }
  protected _inverse(y: NDArray): NDArray {
    const n = y.shape[y.ndim - 1]!;
    const offset = np.log(np.arange(n - 1, 0, -1, y.dtype));
    const z = sliceLast(this.stickFractions(y), 0, n - 1);
    return np.add(np.subtract(np.log(z), np.log1p(np.negative(z))), offset);
  }
  protected override _inverseLogDetJacobian(y: NDArray): NDArray {
    const n = y.shape[y.ndim - 1]!;
    const z = sliceLast(this.stickFractions(y), 0, n - 1);
    return np.sum(np.subtract(np.negative(np.log(sliceLast(y, 0, n - 1))), np.log1p(np.negative(z))), -1);
  }
  protected override _forwardEventShape(shape: Shape): Shape {
    return growLast(shape, 1, "IteratedSigmoidCentered.forwardEventShape");
  }
  protected override _inverseEventShape(shape: Shape): Shape {
    return growLast(shape, -1, "IteratedSigmoidCentered.inverseEventShape");
  }
}
registerBijector(IteratedSigmoidCentered, [], (p) => new IteratedSigmoidCentered(p as BijectorOptions));

/** R^n to strictly increasing vectors: y = cumsum([x_0, exp(x_1), ..., exp(x_{n-1})]). */
export class Ascending extends Bijector {
  constructor(options: BijectorOptions = {}) {
    const s = statics(options, "Ascending");
    super({ forwardMinEventNdims: 1, ...s, parameters: { ...s } });
  }
  protected _forward(x: NDArray): NDArray {
    return cumsumLast(np.concatenate([sliceLast(x, 0, 1), np.exp(sliceLast(x, 1))], -1));
  }
  private gaps(y: NDArray): NDArray {
    const n = y.shape[y.ndim - 1]!;
    const gaps = np.subtract(sliceLast(y, 1), sliceLast(y, 0, n - 1));
    if (shouldValidate(this.validateArgs, y) && Array.from((gaps as ConcreteArray).dataSync()).some((g) => !(g > 0))) {
      throw new BijectorError("Ascending: the inverse's input must be strictly increasing.");
    }
    return gaps;
  }
  protected _inverse(y: NDArray): NDArray {
    return np.concatenate([sliceLast(y, 0, 1), np.log(this.gaps(y))], -1);
  }
  // The Jacobian is lower triangular with diagonal (1, exp(x_1), ..., exp(x_{n-1})) (Stan manual, ordered vectors).
  protected override _forwardLogDetJacobian(x: NDArray): NDArray {
    return np.sum(sliceLast(x, 1), -1);
  }
  protected override _inverseLogDetJacobian(y: NDArray): NDArray {
    return np.negative(np.sum(np.log(this.gaps(y)), -1));
  }
}
registerBijector(Ascending, [], (p) => new Ascending(p as BijectorOptions));
