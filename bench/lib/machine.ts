// What the results depend on besides the code: the CPU, its load, and every tool's version.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";

export interface Machine { cores: number; cpuModel: string; cpuFlags: string; memoryGiB: number; loadAtStart: string }

const loadString = (): string => loadavg().map((l) => l.toFixed(2)).join(", ");

export function describeMachine(): Machine {
  let cpuModel = cpus()[0]?.model ?? "unknown";
  let cpuFlags = "";
  if (existsSync("/proc/cpuinfo")) {
    const info = readFileSync("/proc/cpuinfo", "utf8");
    cpuModel = /^model name\s*:\s*(.*)$/m.exec(info)?.[1] ?? cpuModel;
    const flags = new Set((/^flags\s*:\s*(.*)$/m.exec(info)?.[1] ?? "").split(/\s+/));
    cpuFlags = ["avx2", "fma", "avx512f", "avx512_bf16", "amx_tile"].filter((f) => flags.has(f)).join(" ");
  }
  return { cores: cpus().length, cpuModel, cpuFlags, memoryGiB: Math.round(totalmem() / 2 ** 30), loadAtStart: loadString() };
}
export const currentLoad = loadString;

/** First line a command prints for its version, or why it is unavailable. */
export function commandVersion(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).split("\n")[0]!.trim();
  } catch (e) {
    return `unavailable (${e instanceof Error ? e.message.split("\n")[0] : String(e)})`;
  }
}

export function packageVersion(dir: string): string {
  const file = join(dir, "package.json");
  if (!existsSync(file)) return "not installed";
  return (JSON.parse(readFileSync(file, "utf8")) as { version?: string }).version ?? "unknown";
}

/** The Fluxion commit measured, marked when the packages have uncommitted changes. */
export function fluxionRevision(root: string): string {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "packages"], { cwd: root, encoding: "utf8" }).trim() !== "";
    return dirty ? `${head} + uncommitted changes in packages/` : head;
  } catch {
    return "unknown (not a git checkout)";
  }
}
