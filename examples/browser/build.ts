// Bundles the browser demo with esbuild into examples/browser/dist (app.js, index.html and the
// binaryen module the WASM device loads on demand). Run: pnpm exec tsx examples/browser/build.ts
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const src = (pkg: string) => join(root, "packages", pkg, "src", "index.ts");

export async function buildDemo(outDir = join(here, "dist")): Promise<string> {
  mkdirSync(join(outDir, "vendor"), { recursive: true });
  await build({
    entryPoints: [join(here, "app.ts")],
    outfile: join(outDir, "app.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    sourcemap: true,
    logLevel: "warning",
    alias: { "@fluxion/core": src("core"), "@fluxion/transforms": src("transforms") },
  });
  copyFileSync(join(here, "index.html"), join(outDir, "index.html"));
  // binaryen is an ES module that the WASM device imports by name (mapped in index.html).
  const binaryen = createRequire(join(root, "packages", "core", "package.json")).resolve("binaryen");
  copyFileSync(binaryen, join(outDir, "vendor", "binaryen.js"));
  return outDir;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = await buildDemo();
  console.log(`built ${dir}`);
}
