// End-to-end: the examples/browser page, bundled with esbuild, in headless Debian Chromium driven
// by playwright-core. With --enable-unsafe-webgpu the page runs on WebGPU when Chromium offers an
// adapter (WASM otherwise); with --disable-gpu it must fall back to WASM. Either way the printed
// numbers must match oracles computed here. Needs `bash examples/browser/setup.sh`; under
// CI=true missing Chromium or playwright-core is a failure, not a skip.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Server } from "node:http";
import { buildDemo } from "../examples/browser/build.js";
import { serve } from "../examples/browser/serve.js";
import { hmcChain, hmcInputs } from "../examples/browser/app.js";
import { jit, vmap } from "@fluxion/transforms";
import { defaultDevice, setDefaultDevice } from "@fluxion/core";

const chromiumPath = "/usr/bin/chromium";
const demoDir = fileURLToPath(new URL("../examples/browser/", import.meta.url));
type Playwright = typeof import("playwright-core");
let playwright: Playwright | null = null;
let missing = "";
try {
  playwright = createRequire(join(demoDir, "package.json"))("playwright-core") as Playwright;
} catch {
  missing = "playwright-core is not installed";
}
if (!existsSync(chromiumPath)) missing = `${missing ? `${missing}; ` : ""}${chromiumPath} is missing`;
const fix = "run `bash examples/browser/setup.sh` (apt chromium + npm playwright-core)";

const baseFlags = ["--headless", "--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

/** Oracles in float64 over the page's float32 inputs. */
function oracles(): { chain: number; matmul: number; collatz: number[] } {
  const n = 100000;
  let chain = 0;
  for (let i = 0; i < n; i++) {
    const x = Math.fround(-1 + (2 * i) / (n - 1));
    chain += Math.exp(2 * Math.sin(x) + 1) * x;
  }
  const m = 64;
  const a = (i: number, j: number) => Math.fround(Math.sin(i + 2 * j));
  const b = (i: number, j: number) => Math.fround(Math.cos(3 * i - j) / 8);
  let matmul = 0;
  for (let i = 0; i < m; i++) for (let k = 0; k < m; k++) for (let j = 0; j < m; j++) matmul += a(i, k) * b(k, j);
  const collatz = Array.from({ length: 16 }, (_, i) => {
    let v = i + 1, s = 0;
    while (v > 1) { v = v % 2 === 0 ? v / 2 : 3 * v + 1; s++; }
    return s;
  });
  return { chain, matmul, collatz };
}

describe("browser demo (headless Chromium)", () => {
  if (missing && process.env.CI === "true") {
    it("has Chromium and playwright-core (required under CI=true)", () => {
      throw new Error(`${missing}. Fix: ${fix}.`);
    });
    return;
  }
  const test = it.skipIf(!!missing);
  const note = missing ? ` [skipped: ${missing}; ${fix}]` : "";
  let server: Server | null = null;
  let url = "";
  let outDir = "";
  beforeAll(async () => {
    if (missing) return;
    outDir = await buildDemo(mkdtempSync(join(tmpdir(), "fluxion-demo-")));
    ({ server, url } = await serve(outDir));
  }, 120_000);
  afterAll(() => {
    server?.close();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  async function runPage(extraFlags: string[]): Promise<Record<string, string>> {
    const profile = mkdtempSync(join(tmpdir(), "fluxion-chromium-"));
    const context = await playwright!.chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      args: [...baseFlags, ...extraFlags],
    });
    try {
      const page = await context.newPage();
      await page.goto(url);
      await page.waitForFunction(() => /^(done|error:)/m.test(document.getElementById("out")?.textContent ?? ""), null, { timeout: 180_000 });
      const text = (await page.textContent("#out")) ?? "";
      expect(text, text).not.toMatch(/^error:/m);
      return Object.fromEntries(text.trim().split("\n").map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()]));
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  }

  // The sampler's oracle: the same chains on the js reference device (float32, same keys).
  let hmcWant: { accepted: number[]; mean: number } | null = null;
  function hmcReference(): { accepted: number[]; mean: number } {
    if (!hmcWant) {
      const saved = defaultDevice();
      setDefaultDevice("js");
      try {
        const { keys, x0 } = hmcInputs();
        const [, xs, , accepted] = jit(vmap(hmcChain))(keys, x0);
        const finals = Array.from(xs!.dataSync());
        hmcWant = { accepted: Array.from(accepted!.dataSync()), mean: finals.reduce((a, b) => a + b, 0) / finals.length };
      } finally {
        setDefaultDevice(saved);
      }
    }
    return hmcWant;
  }

  function checkNumbers(lines: Record<string, string>): void {
    const want = oracles();
    const hmc = hmcReference();
    expect(lines.hmc_accepted!.split(",").map(Number)).toEqual(hmc.accepted);
    expect(Math.abs(Number(lines.hmc_mean) - hmc.mean)).toBeLessThan(1e-4);
    // The chains really sample: most proposals are accepted at this step size.
    expect(hmc.accepted.reduce((a, b) => a + b, 0) / (16 * 30)).toBeGreaterThan(0.7);
    expect(Math.abs(Number(lines.chain) - want.chain)).toBeLessThan(2e-4 * Math.abs(want.chain));
    expect(Math.abs(Number(lines.matmul) - want.matmul)).toBeLessThan(1e-4 + 1e-4 * Math.abs(want.matmul));
    expect(lines.collatz!.split(",").map(Number)).toEqual(want.collatz);
  }

  test(`with --enable-unsafe-webgpu: runs on WebGPU if offered (WASM otherwise) and prints the right numbers${note}`, async () => {
    const lines = await runPage(["--enable-unsafe-webgpu"]);
    expect(["webgpu", "wasm"]).toContain(lines.device);
    console.log(`[browser] --enable-unsafe-webgpu: device ${lines.device} (${lines.adapter}), ${lines.ms} ms`);
    checkNumbers(lines);
  }, 240_000);

  test(`with --disable-gpu: falls back to WASM and prints the right numbers${note}`, async () => {
    const lines = await runPage(["--disable-gpu"]);
    expect(lines.device).toBe("wasm");
    expect(lines.adapter).toMatch(/no WebGPU adapter/);
    console.log(`[browser] --disable-gpu: device ${lines.device}, ${lines.ms} ms`);
    checkNumbers(lines);
  }, 240_000);
});
