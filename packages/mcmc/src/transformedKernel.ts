// TransformedTransitionKernel: runs an inner kernel in an unconstrained space u with x = bijector.forward(u),
// on the target log π(forward(u)) + log|det J_forward(u)|, and reports states in the original space (TFP's).
import { NDArray, tree } from "@fluxion/core";
import { retarget, type KernelResults, type TransitionKernel } from "./kernel.js";
import { callLogProb, type LogProbFn } from "./util/chains.js";

/**
 * What the kernel needs of a bijector (the shape of @fluxion/prob's bijectors): forward, inverse, and the
 * forward log-det-Jacobian reduced over `eventNdims` (a number, or a structure for multipart bijectors).
 */
export interface BijectorLike {
  forward(x: never): unknown;
  inverse(y: never): unknown;
  forwardLogDetJacobian(x: never, eventNdims?: never): NDArray;
}

export interface TransformedTransitionKernelOptions<R extends KernelResults> {
  /** A kernel whose target is the original (constrained) one; it is rebuilt on the transformed target. */
  innerKernel: TransitionKernel<R>;
  /** One bijector for the whole state (possibly multipart), or one per state part in the state's structure. */
  bijector: BijectorLike | readonly BijectorLike[] | { readonly [name: string]: BijectorLike };
}

export interface TransformedTransitionKernelResults<R extends KernelResults = KernelResults> {
  /** The state in the unconstrained space, where the inner kernel runs. */
  transformedState: unknown;
  innerResults: R;
}

const isBijector = (b: unknown): b is BijectorLike =>
  typeof b === "object" && b !== null && typeof (b as BijectorLike).forward === "function" && typeof (b as BijectorLike).inverse === "function"
  && typeof (b as BijectorLike).forwardLogDetJacobian === "function";

export class TransformedTransitionKernel<R extends KernelResults = KernelResults> implements TransitionKernel<TransformedTransitionKernelResults<R>> {
  readonly innerKernel: TransitionKernel<R>;
  readonly bijector: TransformedTransitionKernelOptions<R>["bijector"];
  /** The inner kernel on the transformed target. */
  readonly transformedKernel: TransitionKernel<R>;

  constructor(options: TransformedTransitionKernelOptions<R>) {
    this.innerKernel = options.innerKernel;
    this.bijector = options.bijector;
    const target = (options.innerKernel as { targetLogProbFn?: LogProbFn }).targetLogProbFn ?? innermostTarget(options.innerKernel);
    this.transformedKernel = retarget(options.innerKernel, this.transformTarget(target));
  }

  get isCalibrated(): boolean { return this.innerKernel.isCalibrated; }

  /** x = forward(u), part by part or as a whole. */
  forward(u: unknown): unknown {
    return this.mapParts(u, (b, part) => b.forward(part as never));
  }

  /** u = inverse(x). */
  inverse(x: unknown): unknown {
    return this.mapParts(x, (b, part) => b.inverse(part as never));
  }

  /** log π(forward(u)) + log|det J|, each part's Jacobian reduced over its non-chain axes (rank(part) - rank(log π)). */
  transformTarget(target: LogProbFn): LogProbFn {
    return ((u: unknown) => {
      const x = this.forward(u);
      const lp = callLogProb(target, x);
      const chainRank = lp.ndim;
      let total = lp;
      if (isBijector(this.bijector)) {
        const eventNdims = tree.map((p: unknown) => (p as NDArray).ndim - chainRank, u);
        total = total.add(this.bijector.forwardLogDetJacobian(u as never, eventNdims as never));
      } else {
        const [bijectors] = tree.flatten<BijectorLike>(this.bijector, { isLeaf: isBijector });
        const parts = tree.leaves<NDArray>(u);
        bijectors.forEach((b, i) => { total = total.add(b.forwardLogDetJacobian(parts[i] as never, (parts[i]!.ndim - chainRank) as never)); });
      }
      return total;
    }) as LogProbFn;
  }

  withTargetLogProbFn(targetLogProbFn: LogProbFn): TransformedTransitionKernel<R> {
    return new TransformedTransitionKernel({ innerKernel: retarget(this.innerKernel, targetLogProbFn), bijector: this.bijector });
  }

  bootstrapResults(state: unknown): TransformedTransitionKernelResults<R> {
    const transformedState = this.inverse(state);
    return { transformedState, innerResults: this.transformedKernel.bootstrapResults(transformedState) };
  }

  oneStep(state: unknown, results: TransformedTransitionKernelResults<R>, key: NDArray): [unknown, TransformedTransitionKernelResults<R>] {
    void state;
    const [transformedState, innerResults] = this.transformedKernel.oneStep(results.transformedState, results.innerResults, key);
    return [this.forward(transformedState), { transformedState, innerResults }];
  }

  private mapParts(value: unknown, f: (b: BijectorLike, part: unknown) => unknown): unknown {
    if (isBijector(this.bijector)) return f(this.bijector, value);
    const [bijectors, def] = tree.flatten<BijectorLike>(this.bijector, { isLeaf: isBijector });
    const parts = tree.leaves<unknown>(value);
    if (parts.length !== bijectors.length) {
      throw new RangeError(`TransformedTransitionKernel: ${bijectors.length} bijectors for a state of ${parts.length} parts; give one bijector per state part, in the state's structure.`);
    }
    return tree.unflatten(def, bijectors.map((b, i) => f(b, parts[i])));
  }
}

/** The target of the innermost kernel (wrappers keep theirs in innerKernel). */
function innermostTarget(kernel: TransitionKernel): LogProbFn {
  let k = kernel as { targetLogProbFn?: LogProbFn; innerKernel?: TransitionKernel };
  while (k.targetLogProbFn === undefined && k.innerKernel !== undefined) k = k.innerKernel as typeof k;
  if (k.targetLogProbFn === undefined) throw new TypeError("TransformedTransitionKernel: could not find the inner kernel's targetLogProbFn.");
  return k.targetLogProbFn;
}

tree.registerPytreeNode(
  TransformedTransitionKernel,
  (k) => [[k.innerKernel, k.bijector], null] as const,
  (_aux, [innerKernel, bijector]) => new TransformedTransitionKernel({ innerKernel: innerKernel as TransitionKernel, bijector: bijector as BijectorLike }),
);
