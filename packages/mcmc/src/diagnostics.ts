// Convergence diagnostics of Vehtari, Gelman, Simpson, Carpenter & Bürkner (2021), "Rank-normalization,
// folding, and localization: an improved R-hat", with the definitions of the posterior R package (which
// ArviZ follows): rank-normalized split R-hat, bulk and tail ESS, MCSE; plus E-BFMI and divergence counts.
// Inputs use TFP's layout, draws first then chains: [draws, chains, ...]. They run on the host in float64.
import { NDArray, np, tree } from "@fluxion/core";
import { autocovariance } from "./util/fft.js";
import { ndtri } from "./util/ndtri.js";

/** One scalar quantity's draws: one Float64Array per chain, all of the same length. */
export type Chains = Float64Array[];

// ---------------------------------------------------------------- scalar building blocks

const isConstant = (chains: Chains): boolean => {
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of chains) for (const v of c) { if (v < lo) lo = v; if (v > hi) hi = v; }
  return Math.abs(hi - lo) < 2.220446049250313e-16;
};
const allFinite = (chains: Chains): boolean => chains.every((c) => c.every(Number.isFinite));
const pooled = (chains: Chains): Float64Array => {
  const out = new Float64Array(chains.reduce((a, c) => a + c.length, 0));
  let o = 0;
  for (const c of chains) { out.set(c, o); o += c.length; }
  return out;
};
const mean = (x: ArrayLike<number>): number => { let s = 0; for (let i = 0; i < x.length; i++) s += x[i]!; return s / x.length; };
const variance = (x: ArrayLike<number>): number => {
  const m = mean(x);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i]! - m) ** 2;
  return s / (x.length - 1);
};
const mapChains = (chains: Chains, f: (v: number) => number): Chains => chains.map((c) => c.map(f));

/** Each chain cut in two halves (the middle draw of an odd length is dropped, as posterior). */
export function splitChains(chains: Chains): Chains {
  const n = chains[0]!.length;
  if (n === 1) return chains;
  const half = Math.floor(n / 2);
  return chains.flatMap((c) => [c.slice(0, half), c.slice(n - half)]);
}

/** Quantile with linear interpolation between order statistics (R type 7, NumPy's default). */
export function quantile(values: ArrayLike<number>, prob: number): number {
  const sorted = Float64Array.from(values).sort();
  const h = (sorted.length - 1) * prob;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Ranks over all draws of all chains, ties getting their average rank, mapped through Φ⁻¹((r - 3/8) / (S + 1/4)) (Blom 1958). */
export function zScale(chains: Chains): Chains {
  const all = pooled(chains);
  const s = all.length;
  const order = Array.from({ length: s }, (_, i) => i).sort((a, b) => all[a]! - all[b]!);
  const ranks = new Float64Array(s);
  for (let i = 0; i < s;) {
    let j = i;
    while (j + 1 < s && all[order[j + 1]!] === all[order[i]!]) j++;
    const average = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]!] = average;
    i = j + 1;
  }
  const z = ranks.map((r) => ndtri((r - 3 / 8) / (s + 1 / 4)));
  const n = chains[0]!.length;
  return chains.map((_, c) => z.slice(c * n, (c + 1) * n));
}

/** Classic R-hat of Gelman et al. (2013) on the given (already split) chains. */
export function rhatBasic(chains: Chains): number {
  if (!allFinite(chains) || isConstant(chains)) return NaN;
  const n = chains[0]!.length;
  const means = chains.map(mean);
  const withinVariance = mean(chains.map(variance));
  const betweenVariance = n * variance(means);
  return Math.sqrt((betweenVariance / withinVariance + n - 1) / n);
}

/** ESS of the given (already split) chains: Geyer's initial monotone sequence on the multi-chain autocorrelation (posterior's .ess). */
export function essBasic(chains: Chains): number {
  const m = chains.length;
  const n = chains[0]!.length;
  if (n < 3 || !allFinite(chains) || isConstant(chains)) return NaN;
  const acov = chains.map(autocovariance);
  const acovMean = new Float64Array(n);
  for (const a of acov) for (let k = 0; k < n; k++) acovMean[k] = acovMean[k]! + a[k]! / m;
  const meanVar = (acovMean[0]! * n) / (n - 1);
  let varPlus = (meanVar * (n - 1)) / n;
  if (m > 1) varPlus += variance(chains.map(mean));
  const rho = new Float64Array(n);
  let t = 0;
  let rhoEven = 1;
  rho[0] = rhoEven;
  let rhoOdd = 1 - (meanVar - acovMean[1]!) / varPlus;
  rho[1] = rhoOdd;
  while (t < n - 5 && !Number.isNaN(rhoEven + rhoOdd) && rhoEven + rhoOdd > 0) {
    t += 2;
    rhoEven = 1 - (meanVar - acovMean[t]!) / varPlus;
    rhoOdd = 1 - (meanVar - acovMean[t + 1]!) / varPlus;
    if (rhoEven + rhoOdd >= 0) {
      rho[t] = rhoEven;
      rho[t + 1] = rhoOdd;
    }
  }
  const maxT = t;
  // Geyer's truncation keeps the last positive even lag: less variance for antithetic chains.
  if (rhoEven > 0) rho[maxT] = rhoEven;
  t = 0;
  while (t <= maxT - 4) {
    t += 2;
    if (rho[t]! + rho[t + 1]! > rho[t - 2]! + rho[t - 1]!) {
      rho[t] = (rho[t - 2]! + rho[t - 1]!) / 2;
      rho[t + 1] = rho[t]!;
    }
  }
  let sum = 0;
  for (let k = 0; k < maxT; k++) sum += rho[k]!;
  const draws = m * n;
  const tau = Math.max(-1 + 2 * sum + rho[maxT]!, 1 / Math.log10(draws));
  return draws / tau;
}

/** Rank-normalized split R-hat: the larger of the bulk and the folded (|x - median|) versions. */
export function rhat(chains: Chains): number {
  const bulk = rhatBasic(zScale(splitChains(chains)));
  const median = quantile(pooled(chains), 0.5);
  const tail = rhatBasic(zScale(splitChains(mapChains(chains, (v) => Math.abs(v - median)))));
  return Math.max(bulk, tail);
}

export const essBulk = (chains: Chains): number => essBasic(zScale(splitChains(chains)));
export const essMean = (chains: Chains): number => essBasic(splitChains(chains));

/** ESS of the indicator x ≤ q_prob (quantile over all draws). */
export function essQuantile(chains: Chains, prob: number): number {
  const total = chains.reduce((a, c) => a + c.length, 0);
  const p = prob === 1 ? (total - 0.5) / total : prob;
  const q = quantile(pooled(chains), p);
  return essBasic(splitChains(mapChains(chains, (v) => (v <= q ? 1 : 0))));
}

/** Tail ESS: the smaller of the 5% and 95% quantile ESS. */
export const essTail = (chains: Chains): number => Math.min(essQuantile(chains, 0.05), essQuantile(chains, 0.95));

/** ESS for the standard deviation, from (x - mean)² (posterior ≥ 1.5). */
export function essSd(chains: Chains): number {
  const m = mean(pooled(chains));
  return essBasic(splitChains(mapChains(chains, (v) => (v - m) ** 2)));
}

export function mcseMean(chains: Chains): number {
  return Math.sqrt(variance(pooled(chains)) / essMean(chains));
}

/** MCSE of the standard deviation: variance of the variance (Kenney & Keeping 1951) with the ESS of (x - mean)², then the delta method. */
export function mcseSd(chains: Chains): number {
  const m = mean(pooled(chains));
  const centered = mapChains(chains, (v) => v - m);
  const squares = mapChains(centered, (v) => v * v);
  const ess = essMean(squares);
  const all = pooled(centered);
  const eVar = mean(all.map((v) => v * v));
  const varVar = (mean(all.map((v) => v ** 4)) - eVar ** 2) / ess;
  return Math.sqrt(varVar / eVar / 4);
}

// ---------------------------------------------------------------- array front ends

/** Per scalar entry of a [draws, chains, ...] array: its chains, in row-major order of the trailing axes. */
export function entryChains(x: NDArray): { eventShape: number[]; entries: Chains[] } {
  const data = Float64Array.from(x.astype("float64").dataSync() as ArrayLike<number>);
  const [draws, chains, ...eventShape] = x.ndim === 1 ? [x.shape[0]!, 1] : x.shape;
  if (draws === undefined || chains === undefined) throw new RangeError(`mcmc diagnostics: expected [draws, chains, ...], got shape [${x.shape}].`);
  const eventSize = eventShape.reduce((a, b) => a * b, 1);
  const entries: Chains[] = [];
  for (let e = 0; e < eventSize; e++) {
    const cs: Chains = [];
    for (let c = 0; c < chains; c++) {
      const col = new Float64Array(draws);
      for (let d = 0; d < draws; d++) col[d] = data[(d * chains + c) * eventSize + e]!;
      cs.push(col);
    }
    entries.push(cs);
  }
  return { eventShape, entries };
}

function perEntry(states: unknown, f: (chains: Chains) => number): unknown {
  return tree.map((leaf: unknown) => {
    const x = leaf instanceof NDArray ? leaf : np.asarray(leaf as number[]);
    const { eventShape, entries } = entryChains(x);
    return np.array(Float64Array.from(entries.map(f)), "float64").reshape(eventShape);
  }, states);
}

export interface PotentialScaleReductionOptions {
  /** Rank-normalize and fold (Vehtari et al. 2021). Default true; false gives the classic statistic. */
  rankNormalize?: boolean;
  /** Split each chain in halves. Default true. */
  splitChains?: boolean;
}

/** R-hat per scalar entry of each state part ([draws, chains, ...] → [...]). */
export function potentialScaleReduction(states: unknown, options: PotentialScaleReductionOptions = {}): unknown {
  const rank = options.rankNormalize ?? true;
  const split = options.splitChains ?? true;
  return perEntry(states, (c) => {
    if (rank) {
      if (!split) throw new RangeError("potentialScaleReduction: the rank-normalized R-hat is defined on split chains; pass splitChains: true or rankNormalize: false.");
      return rhat(c);
    }
    return rhatBasic(split ? splitChains(c) : c);
  });
}

export type EssMethod = "bulk" | "tail" | "mean" | "sd" | "basic";

/** Effective sample size per scalar entry ([draws, chains, ...] → [...]). Default bulk-ESS; "basic" is ESS without splitting or ranks. */
export function effectiveSampleSize(states: unknown, options: { method?: EssMethod; prob?: number } = {}): unknown {
  const method = options.method ?? "bulk";
  if (options.prob !== undefined) return perEntry(states, (c) => essQuantile(c, options.prob!));
  const f = { bulk: essBulk, tail: essTail, mean: essMean, sd: essSd, basic: essBasic }[method];
  if (!f) throw new RangeError(`effectiveSampleSize: unknown method "${method}"; use bulk, tail, mean, sd or basic.`);
  return perEntry(states, f);
}

/** Monte Carlo standard error of the mean (default) or standard deviation per scalar entry. */
export function monteCarloStandardError(states: unknown, options: { method?: "mean" | "sd" } = {}): unknown {
  return perEntry(states, options.method === "sd" ? mcseSd : mcseMean);
}

/** Energy Bayesian fraction of missing information per chain (Betancourt 2016): mean((ΔE)²) / var(E), energy as [draws, chains]. */
export function energyBfmi(energy: NDArray): NDArray {
  const { entries } = entryChains(energy.ndim === 1 ? energy.reshape([energy.shape[0]!, 1]) : energy);
  if (entries.length !== 1) throw new RangeError(`energyBfmi: energy must be [draws, chains], got [${energy.shape}].`);
  const out = entries[0]!.map((e) => {
    let num = 0;
    for (let i = 1; i < e.length; i++) num += (e[i]! - e[i - 1]!) ** 2;
    num /= e.length - 1;
    return num / ((variance(e) * (e.length - 1)) / e.length);
  });
  return np.array(Float64Array.from(out), "float64");
}

/** Number of divergent transitions per chain, from a [draws, chains] boolean trace (hasDivergence). */
export function countDivergences(hasDivergence: NDArray): NDArray {
  const x = hasDivergence.ndim === 1 ? hasDivergence.reshape([hasDivergence.shape[0]!, 1]) : hasDivergence;
  return np.sum(x.astype("int32"), 0);
}
