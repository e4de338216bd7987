// Test configuration: tests import workspace packages from source, so no build is needed to test.
import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      "@fluxion/core": src("core"),
      "@fluxion/transforms": src("transforms"),
      "@fluxion/optim": src("optim"),
      "@fluxion/prob": src("prob"),
      "@fluxion/mcmc": src("mcmc"),
    },
  },
  test: {
    include: ["packages/*/src/**/*.test.ts", "tests/**/*.test.ts"],
    testTimeout: 60_000,
    pool: "forks",
    setupFiles: ["./tests/setup-device.ts"],
  },
});
