// Static buffer plan for a compiled wasm program: every value gets a fixed byte offset in one
// arena; values whose live intervals do not overlap share bytes (best-fit over freed blocks).

/** A value's live interval in the program's linear order, both ends inclusive. */
export interface Interval {
  readonly id: number;
  readonly bytes: number;
  readonly def: number;
  readonly last: number;
}

export interface ArenaLayout {
  /** Byte offset of each interval's id, relative to the arena base. */
  readonly offsets: Map<number, number>;
  /** Total arena size in bytes. */
  readonly bytes: number;
}

/** Slots are 16-byte aligned so SIMD loads and stores never straddle a slot boundary badly. */
const ALIGN = 16;
const aligned = (n: number) => Math.max(ALIGN, Math.ceil(n / ALIGN) * ALIGN);

/**
 * Assigns offsets so that two intervals share bytes only when one ends strictly before the other
 * starts (a step may read an input and write an output at the same time, so they must not alias).
 */
export function layoutArena(intervals: readonly Interval[]): ArenaLayout {
  const order = [...intervals].sort((a, b) => a.def - b.def || a.id - b.id);
  const offsets = new Map<number, number>();
  // Free blocks (offset, size), kept sorted by offset so adjacent blocks can merge.
  let free: { off: number; size: number }[] = [];
  const live: { last: number; off: number; size: number }[] = [];
  let top = 0;
  const release = (upTo: number) => {
    for (let i = live.length - 1; i >= 0; i--) {
      const l = live[i]!;
      if (l.last < upTo) {
        free.push({ off: l.off, size: l.size });
        live.splice(i, 1);
      }
    }
    free.sort((a, b) => a.off - b.off);
    const merged: typeof free = [];
    for (const f of free) {
      const prev = merged[merged.length - 1];
      if (prev && prev.off + prev.size === f.off) prev.size += f.size;
      else merged.push({ ...f });
    }
    free = merged;
  };
  for (const iv of order) {
    release(iv.def);
    const size = aligned(iv.bytes);
    let best = -1;
    free.forEach((f, i) => {
      if (f.size >= size && (best < 0 || f.size < free[best]!.size)) best = i;
    });
    let off: number;
    if (best >= 0) {
      const f = free[best]!;
      off = f.off;
      if (f.size === size) free.splice(best, 1);
      else {
        f.off += size;
        f.size -= size;
      }
    } else if (free.length && free[free.length - 1]!.off + free[free.length - 1]!.size === top) {
      // Grow the arena from the free block at its end instead of leaving that block unused.
      const f = free.pop()!;
      off = f.off;
      top = off + size;
    } else {
      off = top;
      top += size;
    }
    offsets.set(iv.id, off);
    live.push({ last: iv.last, off, size });
  }
  return { offsets, bytes: Math.max(top, ALIGN) };
}
