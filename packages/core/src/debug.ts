// FLUXION_DEBUG levels: 1 compiles and timings, 2 jaxprs, 3 fusion plans, 4 generated WGSL/WASM.
let cached: number | null = null;

/** The debug level from the FLUXION_DEBUG environment variable (0 in browsers or when unset). */
export function debugLevel(): number {
  if (cached === null) {
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
    const v = Number(env?.FLUXION_DEBUG ?? 0);
    cached = Number.isFinite(v) ? v : 0;
  }
  return cached;
}

/** Overrides the level (tests, interactive sessions). */
export function setDebugLevel(level: number): void {
  cached = level;
}

let sink: (line: string) => void = (line) => console.error(line);
/** Where debug output goes (stderr by default). */
export function setDebugSink(fn: (line: string) => void): void {
  sink = fn;
}

export function debugLog(level: number, message: () => string): void {
  if (debugLevel() >= level) sink(`[fluxion] ${message()}`);
}
