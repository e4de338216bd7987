// Buffer ownership: reference-counted device buffers, live-memory counters, and tidy() scopes.
import type { TypedArray } from "../dtype.js";

export interface MemoryStats {
  liveBuffers: number;
  liveBytes: number;
}
const stats: MemoryStats = { liveBuffers: 0, liveBytes: 0 };

/** Counts of buffers and bytes currently alive on every device. */
export function memoryStats(): MemoryStats {
  return { ...stats };
}

/** A block of device memory shared by every array view that retains it. */
export class DeviceBuffer {
  private refs = 1;
  constructor(readonly device: string, readonly data: TypedArray) {
    stats.liveBuffers++;
    stats.liveBytes += data.byteLength;
  }
  retain(): this {
    this.refs++;
    return this;
  }
  release(): void {
    if (--this.refs === 0) {
      stats.liveBuffers--;
      stats.liveBytes -= this.data.byteLength;
    }
  }
}

/** Anything a tidy scope can free. */
export interface Disposable {
  dispose(): void;
  readonly isDisposed: boolean;
}

const scopes: Set<Disposable>[] = [];

export function trackInScope(x: Disposable): void {
  const top = scopes[scopes.length - 1];
  if (top) top.add(x);
}

export function untrackFromScope(x: Disposable): void {
  const top = scopes[scopes.length - 1];
  if (top) top.delete(x);
}

/**
 * Runs `fn` and frees every array created inside it except those reachable from its result
 * (`keep` collects them, including arrays held inside tracers). Nested scopes hand kept
 * arrays to the enclosing scope.
 */
export function runInScope<T>(fn: () => T, keep: (result: T) => Disposable[]): T {
  const scope = new Set<Disposable>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const x of scope) x.dispose();
    throw e;
  }
  scopes.pop();
  const kept = new Set(keep(result));
  for (const x of scope) if (!kept.has(x)) x.dispose();
  const parent = scopes[scopes.length - 1];
  if (parent) for (const x of kept) if (scope.has(x)) parent.add(x);
  return result;
}
