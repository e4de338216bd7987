// Reading and replacing fields of nested kernel results (adaptation wrappers keep the inner kernel's
// results under `innerResults`), as TFP's unnest.get_innermost / replace_innermost.
import { NDArray, np } from "@fluxion/core";

type Nested = { innerResults?: unknown } & Record<string, unknown>;

/** The innermost results object that has `field`. */
export function getInnermost<T = NDArray>(results: object, field: string): T {
  let r = results as Nested;
  let found: unknown = undefined;
  for (;;) {
    if (field in r) found = r[field];
    if (r.innerResults === undefined || r.innerResults === null) break;
    r = r.innerResults as Nested;
  }
  if (found === undefined) throw new TypeError(`mcmc: kernel results have no field "${field}" at any level.`);
  return found as T;
}

/** A copy of `results` with the innermost `field` replaced. */
export function replaceInnermost<R extends object>(results: R, field: string, value: unknown): R {
  const r = results as Nested;
  if (r.innerResults !== undefined && r.innerResults !== null && hasField(r.innerResults as Nested, field)) {
    return { ...r, innerResults: replaceInnermost(r.innerResults as object, field, value) } as R;
  }
  if (!(field in r)) throw new TypeError(`mcmc: kernel results have no field "${field}" to replace.`);
  return { ...r, [field]: value } as R;
}

function hasField(r: Nested, field: string): boolean {
  for (let x: Nested | undefined = r; x; x = x.innerResults as Nested | undefined) if (field in x) return true;
  return false;
}

/** log(mean(exp(x))) over `axes`, stable. */
export function reduceLogMeanExp(x: NDArray, axes: readonly number[]): NDArray {
  if (axes.length === 0) return x;
  const m = np.max(x, [...axes], true);
  const safe = np.where(np.isfinite(m), m, 0);
  const count = axes.reduce((a, ax) => a * x.shape[ax]!, 1);
  const s = np.log(np.divide(np.sum(np.exp(np.subtract(x, safe)), [...axes], true), count));
  return np.squeeze(np.add(s, safe), [...axes]);
}

/** The acceptance probability of a batch of chains as one value per step size: TFP's reduce_logmeanexp of min(logAcceptRatio, 0) over the chain axes the step size does not have. */
export function logAcceptProbFor(logAcceptRatio: NDArray, stepSize: NDArray): NDArray {
  const reduced = Math.max(0, logAcceptRatio.ndim - stepSize.ndim);
  return reduceLogMeanExp(np.minimum(logAcceptRatio, 0), Array.from({ length: reduced }, (_, i) => i));
}
