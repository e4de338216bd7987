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

/**
 * A block of device memory shared by every array view that retains it. The base class holds
 * a JS typed array (the `js` device); other devices subclass it and expose `data` as a view.
 */
export class DeviceBuffer {
  private refs = 1;
  readonly byteLength: number;
  constructor(readonly device: string, private readonly host: TypedArray | null, byteLength?: number) {
    this.byteLength = byteLength ?? host?.byteLength ?? 0;
    stats.liveBuffers++;
    stats.liveBytes += this.byteLength;
  }
  /** The contents as a typed array (a view for device memory: do not keep it across allocations). */
  get data(): TypedArray {
    return this.host!;
  }
  retain(): this {
    this.refs++;
    return this;
  }
  release(): void {
    if (--this.refs === 0) {
      stats.liveBuffers--;
      stats.liveBytes -= this.byteLength;
      this.free();
    }
  }
  /** Returns device memory to its allocator (js buffers are left to the garbage collector). */
  protected free(): void {}
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
