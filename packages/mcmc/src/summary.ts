// summary(states): per-scalar posterior summaries and convergence diagnostics as rows and a printable
// table in the style of ArviZ's az.summary (mean, sd, 5%, 95%, mcse, ess_bulk, ess_tail, r_hat).
import { NDArray, np, tree } from "@fluxion/core";
import { entryChains, essBulk, essTail, mcseMean, mcseSd, quantile, rhat, type Chains } from "./diagnostics.js";

export interface SummaryRow {
  name: string;
  mean: number;
  sd: number;
  /** Quantiles at probs[0] and probs[1] (default 5% and 95%). */
  lower: number;
  upper: number;
  mcseMean: number;
  mcseSd: number;
  essBulk: number;
  essTail: number;
  rHat: number;
}

export interface SummaryOptions {
  /** Name of a state that is a single array (default "x"); pytree states use their key paths. */
  name?: string;
  /** Quantile levels of the two interval columns. Default [0.05, 0.95]. */
  probs?: readonly [number, number];
}

export class Summary {
  constructor(readonly rows: readonly SummaryRow[], readonly probs: readonly [number, number]) {}

  /** The row of a named scalar (e.g. "x[1]"). */
  row(name: string): SummaryRow {
    const r = this.rows.find((x) => x.name === name);
    if (!r) throw new RangeError(`summary: no row "${name}"; rows are ${this.rows.map((x) => x.name).join(", ")}.`);
    return r;
  }

  toString(): string {
    const pct = (p: number) => `${+(p * 100).toFixed(1)}%`;
    const headers = ["", "mean", "sd", pct(this.probs[0]), pct(this.probs[1]), "mcse_mean", "mcse_sd", "ess_bulk", "ess_tail", "r_hat"];
    const f3 = (v: number) => (Number.isNaN(v) ? "nan" : v.toFixed(3));
    const body = this.rows.map((r) => [
      r.name, f3(r.mean), f3(r.sd), f3(r.lower), f3(r.upper), f3(r.mcseMean), f3(r.mcseSd),
      Number.isNaN(r.essBulk) ? "nan" : r.essBulk.toFixed(0), Number.isNaN(r.essTail) ? "nan" : r.essTail.toFixed(0),
      Number.isNaN(r.rHat) ? "nan" : r.rHat.toFixed(2),
    ]);
    const widths = headers.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
    return [line(headers), ...body.map(line)].join("\n");
  }
}

function rowFor(name: string, chains: Chains, probs: readonly [number, number]): SummaryRow {
  const all = chains.flatMap((c) => Array.from(c));
  const m = all.reduce((a, b) => a + b, 0) / all.length;
  const sd = Math.sqrt(all.reduce((a, b) => a + (b - m) ** 2, 0) / (all.length - 1));
  return {
    name, mean: m, sd, lower: quantile(all, probs[0]), upper: quantile(all, probs[1]),
    mcseMean: mcseMean(chains), mcseSd: mcseSd(chains), essBulk: essBulk(chains), essTail: essTail(chains), rHat: rhat(chains),
  };
}

/** Summaries of every scalar of `states` (a [draws, chains, ...] array or a pytree of them). */
export function summary(states: unknown, options: SummaryOptions = {}): Summary {
  const probs = options.probs ?? [0.05, 0.95];
  const [leaves] = tree.flattenWithPaths<unknown>(states);
  const rows: SummaryRow[] = [];
  for (const [path, leaf] of leaves) {
    const x = leaf instanceof NDArray ? leaf : np.asarray(leaf as number[]);
    const base = path === "" ? options.name ?? "x" : path.replace(/^\./, "");
    const { eventShape, entries } = entryChains(x);
    entries.forEach((chains, flatIndex) => {
      const index: number[] = [];
      let rest = flatIndex;
      for (let a = eventShape.length - 1; a >= 0; a--) {
        index.unshift(rest % eventShape[a]!);
        rest = Math.floor(rest / eventShape[a]!);
      }
      rows.push(rowFor(eventShape.length ? `${base}[${index.join(", ")}]` : base, chains, probs));
    });
  }
  return new Summary(rows, probs);
}
