// Bijectors from unconstrained reals onto distribution supports (TFP's _default_event_space_bijector choices),
// built from a support description so that distributions need not import bijector classes themselves.
import type { NDArray } from "@fluxion/core";
import { Bijector, BijectorError, type Value } from "./bijector.js";
import { Chain, type AnyBijector } from "./composition.js";
import { Exp, Identity, Sigmoid, Softplus } from "./elementwise.js";
import { Shift } from "./affine.js";
import { CholeskyOuterProduct, CorrelationCholesky, FillScaleTriL, TransformDiagonal } from "./triangular.js";
import { SoftmaxCentered } from "./simplex.js";

/** A distribution's support, as the distributions package describes it. */
export type SupportDescription =
  | { kind: "real" }
  | { kind: "positive"; via: "softplus" | "exp" }
  | { kind: "halfLine"; low: NDArray; via: "softplus" | "exp" }
  | { kind: "interval"; low: NDArray; high: NDArray }
  | { kind: "unitInterval" }
  | { kind: "simplex" }
  | { kind: "correlationCholesky" }
  | { kind: "correlationMatrix" }
  | { kind: "choleskyFactor" }
  | { kind: "positiveDefinite" }
  | { kind: "pushforward"; base: unknown; bijector: unknown }
  | { kind: "independent"; inner: SupportDescription; reinterpretedBatchNdims: number; distribution: unknown }
  | { kind: "sample"; inner: SupportDescription; sampleNdims: number; distribution: unknown }
  | { kind: "discrete" };

interface HasEventSpaceBijector {
  defaultEventSpaceBijector(): unknown;
}

function baseBijector(base: unknown): AnyBijector | null {
  if (typeof base !== "object" || base === null || typeof (base as HasEventSpaceBijector).defaultEventSpaceBijector !== "function") {
    throw new BijectorError("eventSpaceBijector: a pushforward support needs a base distribution with defaultEventSpaceBijector().");
  }
  const b = (base as HasEventSpaceBijector).defaultEventSpaceBijector();
  if (b === null || b === undefined) return null;
  if (!(b instanceof Bijector)) throw new BijectorError("eventSpaceBijector: the base distribution's defaultEventSpaceBijector() did not return a Bijector.");
  return b as AnyBijector;
}

/** The Cholesky-factor bijector of TFP's WishartTriL: Chain([TransformDiagonal(Softplus()), FillScaleTriL()]). */
function choleskyFactorBijector(): AnyBijector {
  return new Chain([new TransformDiagonal({ diagBijector: new Softplus() as AnyBijector }), new FillScaleTriL()]) as AnyBijector;
}

/**
 * The bijector from unconstrained reals onto `support` (null for discrete supports, as TFP's None):
 * Identity, Softplus/Exp, Chain([Shift(low), Softplus]), Sigmoid(low, high), SoftmaxCentered,
 * CorrelationCholesky, Chain([CholeskyOuterProduct, CorrelationCholesky]) (LKJ; TFP's extra clip omitted),
 * WishartTriL's Cholesky and SPD bijectors, `bijector ∘ base` for transformed distributions, and the inner
 * bijector for Independent and Sample (exact for Sample when the inner bijector's parameters carry no batch
 * dims; TFP moves the sample axes for that case).
 */
export function eventSpaceBijector(support: SupportDescription, _distribution?: unknown): AnyBijector | null {
  switch (support.kind) {
    case "real":
      return new Identity() as AnyBijector;
    case "positive":
      return (support.via === "exp" ? new Exp() : new Softplus()) as AnyBijector;
    case "halfLine":
      return new Chain([new Shift({ shift: support.low }), support.via === "exp" ? new Exp() : new Softplus()]) as AnyBijector;
    case "interval":
      return new Sigmoid({ low: support.low, high: support.high }) as AnyBijector;
    case "unitInterval":
      return new Sigmoid() as AnyBijector;
    case "simplex":
      return new SoftmaxCentered() as AnyBijector;
    case "correlationCholesky":
      return new CorrelationCholesky() as AnyBijector;
    case "correlationMatrix":
      return new Chain([new CholeskyOuterProduct(), new CorrelationCholesky()]) as AnyBijector;
    case "choleskyFactor":
      return choleskyFactorBijector();
    case "positiveDefinite":
      return new Chain([new CholeskyOuterProduct() as AnyBijector, choleskyFactorBijector()]) as AnyBijector;
    case "pushforward": {
      const inner = baseBijector(support.base);
      if (inner === null) return null;
      if (!(support.bijector instanceof Bijector)) throw new BijectorError("eventSpaceBijector: a pushforward support needs a Bijector.");
      return new Chain<Value, Value>([support.bijector as AnyBijector, inner]) as AnyBijector;
    }
    case "independent":
    case "sample":
      return eventSpaceBijector(support.inner);
    case "discrete":
      return null;
  }
}
