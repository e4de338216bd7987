// The KL-divergence registry (TFP's kullback_leibler.py): analytic KL(p || q) functions keyed by the pair of
// classes, looked up through both class hierarchies with the nearest registered pair winning, as TFP's MRO walk.
import { ConcreteArray, NDArray, np } from "@fluxion/core";
import { NotImplementedError } from "../distributions/distribution.js";

/** A class (its constructor may be protected, as Distribution's): distributions, joints, GPs, HMMs. */
export interface ClassOf<T> {
  readonly prototype: T;
  readonly name: string;
}
type AnyClass = ClassOf<object>;
export type KlFunction<P = never, Q = never> = (p: P, q: Q) => NDArray;

const divergences = new Map<AnyClass, Map<AnyClass, KlFunction<unknown, unknown>>>();

/**
 * Registers `fn` as KL(p || q) for instances of `P` and `Q` (and their subclasses, unless a nearer pair is
 * registered), as TFP's @RegisterKL. Registering a pair twice is an error.
 */
export function registerKl<P extends object, Q extends object>(pClass: ClassOf<P>, qClass: ClassOf<Q>, fn: KlFunction<P, Q>): void {
  let row = divergences.get(pClass);
  if (!row) divergences.set(pClass, (row = new Map()));
  if (row.has(qClass)) throw new Error(`registerKl: KL(${pClass.name} || ${qClass.name}) is already registered.`);
  row.set(qClass, fn as KlFunction<unknown, unknown>);
}

/** The class chain of an instance, nearest first (TFP's tf_inspect.getmro). */
function hierarchy(x: object): AnyClass[] {
  const out: AnyClass[] = [];
  for (let proto = Object.getPrototypeOf(x) as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    out.push((proto as { constructor: AnyClass }).constructor);
  }
  return out;
}

/** The registered function for the nearest pair of ancestors (smallest summed distance; TFP's _registered_kl). */
export function registeredKl(p: object, q: object): KlFunction<unknown, unknown> | null {
  let best: KlFunction<unknown, unknown> | null = null;
  let bestDistance = Infinity;
  hierarchy(p).forEach((a, i) => {
    const row = divergences.get(a);
    if (!row) return;
    hierarchy(q).forEach((b, j) => {
      const fn = row.get(b);
      if (fn && i + j < bestDistance) {
        best = fn;
        bestDistance = i + j;
      }
    });
  });
  return best;
}

export interface KlOptions {
  /** When false, a NaN result (for concrete inputs) raises instead of being returned, as TFP's allow_nan_stats. */
  allowNanStats?: boolean;
}

/**
 * KL(p || q) = E_p[log p(X) - log q(X)], analytically, with the batch shape of p and q broadcast together.
 * Pairs without a registered formula raise NotImplementedError (estimate those by Monte Carlo instead).
 */
export function klDivergence(p: object, q: object, { allowNanStats = true }: KlOptions = {}): NDArray {
  const fn = registeredKl(p, q);
  if (!fn) {
    const a = p.constructor.name;
    const b = q.constructor.name;
    throw new NotImplementedError(
      `klDivergence: no KL(${a} || ${b}) is registered for p of type ${a} and q of type ${b}; register one with registerKl(${a}, ${b}, (p, q) => ...), or estimate it by Monte Carlo (mean of p.logProb(x) - q.logProb(x) over draws x of p).`,
    );
  }
  const kl = fn(p, q);
  if (!allowNanStats && kl instanceof ConcreteArray && Array.from(kl.dataSync() as ArrayLike<number>).some((v) => Number.isNaN(v))) {
    throw new Error(`klDivergence(${p.constructor.name}, ${q.constructor.name}): the result has NaN entries (allowNanStats is false).`);
  }
  return kl;
}

/** Cross entropy H(p, q) = H(p) + KL(p || q) (TFP's Distribution.cross_entropy). */
export function crossEntropy(p: { entropy(): NDArray }, q: object): NDArray {
  return np.add(p.entropy(), klDivergence(p, q));
}
