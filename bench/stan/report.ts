// Turns one run of bench/stan (Stan's JSON from bench.R, ours from fluxion.ts) into the "stan" section of
// bench/RESULTS.md: per model and chain count, wall time, gradient evaluations/s, min bulk ESS and ESS/s, and the
// Stan / Fluxion ratios. Usage: tsx bench/stan/report.ts stan.json fluxion.json [--write] [--quick]
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";

interface Run { model: string; chains: number; warmup: number; draws: number; seconds: number; gradients: number; minEssBulk: number; divergences: number; firstCallSeconds?: number; stanElapsed?: number }
interface StanResults { rstan: string; compileSeconds: Record<string, number>; runs: Run[] }
interface FluxionResults { device: string; dtype: string; runs: Run[] }

const [stanPath, fluxionPath] = process.argv.slice(2).filter((a) => !a.startsWith("--"));
if (!stanPath || !fluxionPath) throw new Error("report.ts: usage: report.ts <stan.json> <fluxion.json> [--write]");
const stan = JSON.parse(readFileSync(stanPath, "utf8")) as StanResults;
const ours = JSON.parse(readFileSync(fluxionPath, "utf8")) as FluxionResults;

const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toPrecision(2));
const ratio = (a: number, b: number) => `${fmt(a / b)}x`;
const rows: string[] = [];
const ratios: string[] = [];
for (const s of stan.runs) {
  const f = ours.runs.find((r) => r.model === s.model && r.chains === s.chains);
  const line = (who: string, r: Run, extra: string) =>
    `| ${r.model} | ${r.chains} | ${who} | ${r.warmup} + ${r.draws} | ${fmt(r.seconds)} | ${r.stanElapsed === undefined ? "" : fmt(r.stanElapsed)} | ${extra} | ${r.gradients} | ${fmt(r.gradients / r.seconds)} | ${fmt(r.minEssBulk)} | ${fmt(r.minEssBulk / r.seconds)} | ${r.divergences} |`;
  rows.push(line(`Stan (rstan ${stan.rstan})`, s, `${fmt(stan.compileSeconds[s.model] ?? NaN)} (C++ compile)`));
  if (!f) {
    rows.push(`| ${s.model} | ${s.chains} | Fluxion | not run | | | | | | | | |`);
    continue;
  }
  rows.push(line(`Fluxion (${ours.device}, ${ours.dtype})`, f, `${fmt(f.firstCallSeconds ?? NaN)} (1-step run)`));
  const stanTimer = s.stanElapsed ?? s.seconds;
  ratios.push(`| ${s.model} | ${s.chains} | ${ratio(s.gradients / s.seconds, f.gradients / f.seconds)} | ${ratio(s.minEssBulk / s.seconds, f.minEssBulk / f.seconds)} | ${ratio(f.seconds, s.seconds)} | ${ratio(s.gradients / stanTimer, f.gradients / f.seconds)} |`);
}

const quick = process.argv.includes("--quick");
const section = [
  "## stan: NUTS vs Stan (`pnpm bench --stan`)",
  "",
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} CPU cores (${cpus()[0]?.model ?? "unknown"}), Node ${process.version}, rstan ${stan.rstan}${quick ? " (--quick sizes)" : ""}. Load average at the end of the run: ${loadavg().map((l) => l.toFixed(1)).join(", ")}; the machine is shared, so compare only figures of one run.`,
  "Both sides: NUTS with Stan's windowed warmup (75 / 25-doubling / 50, dual averaging to 0.8, diagonal metric), max tree depth 10, same priors and data (bench/stan/models/*.stan and their joint-distribution twins in bench/stan/fluxion.ts; iris uses the raw features).",
  "Stan runs its chains one after another on one core (cores = 1); Fluxion runs all chains batched in one jitted program on the wasm device (one thread), float64, chains building their trees in lock step.",
  "`wall s` is the whole sampling call, warmup included: for Stan, rstan's `sampling()` (R-side setup and output included, its C++ compile excluded); `stan timer s` is Stan's own warmup + sampling clock (get_elapsed_time), without R's overhead. Fluxion's wall includes tracing the program and whatever the wasm kernel cache does not already hold after a 1-step run of the same model (the first-call column: trace + plan + compile + 1 step).",
  "`gradients` = leapfrog steps over warmup and draws, summed over chains (Stan's n_leapfrog__; ours counts each chain's own steps, not the masked lock-step ones). ESS = min over the parameters of the bulk ESS of the draws (Stan's ess_bulk; ours the same definition).",
  "Regenerate with `pnpm bench --stan` (installs rstan when missing; `--quick` for 200 + 200 steps).",
  "",
  "| model | chains | sampler | warmup + draws | wall s | stan timer s | first-call / compile s | gradients | gradient evals/s | min bulk ESS | min ESS/s | divergences |",
  "|---|---|---|---|---|---|---|---|---|---|---|---|",
  ...rows,
  "",
  "Ratios, Stan / Fluxion (above 1: Stan is faster), on wall times; the last column uses Stan's own timer instead:",
  "",
  "| model | chains | gradient evals/s | min ESS/s | wall time (Fluxion / Stan) | gradient evals/s, Stan timer |",
  "|---|---|---|---|---|---|",
  ...ratios,
  "",
].join("\n");

if (process.argv.includes("--write")) {
  const path = fileURLToPath(new URL("../RESULTS.md", import.meta.url));
  const current = existsSync(path) ? readFileSync(path, "utf8") : "# Benchmark results\n\n";
  const start = current.indexOf("## stan:");
  let next: string;
  if (start < 0) next = `${current.trimEnd()}\n\n${section}`;
  else {
    const end = current.indexOf("\n## ", start + 1);
    next = current.slice(0, start) + section + (end < 0 ? "" : current.slice(end + 1));
  }
  writeFileSync(path, next);
  console.error(`wrote the stan section of ${path}`);
}
console.log(section);
