// Byte-moving code for compiled wasm programs: small copies as loads/stores, larger ones as
// memory.copy, and strided boxes (slices, concatenation, dynamic_update_slice) as nested loops.
type B = typeof import("binaryen").default;
type Module = InstanceType<B["Module"]>;
type Ref = number;

/** One loop level of a strided copy: `count` steps advancing dst and src by their byte strides. */
export interface CopyLevel { readonly count: number; readonly dstStride: number; readonly srcStride: number }

/** Emits code in one function: needs the module, binaryen and a local allocator. */
export interface CodeCtx {
  readonly m: Module;
  readonly bin: B;
  newLocal(type: number): number;
}

/** Copies `bytes` bytes; `dst`/`src` build fresh address expressions (called once per access). */
export function copyBytes(cx: CodeCtx, dst: () => Ref, src: () => Ref, bytes: number): Ref {
  const { m } = cx;
  if (bytes === 0) return m.nop();
  // memory.copy leaves wasm for a runtime call (~20 ns): up to 1 KiB, wasm moves are cheaper.
  if (bytes > 1024) return m.memory.copy(dst(), src(), m.i32.const(bytes));
  const parts: Ref[] = [];
  let off = 0;
  if (bytes > 64) {
    // A 16-byte loop (small code: the module's size is most of its emit time), the rest below.
    const { bin } = cx;
    const d = cx.newLocal(bin.i32), sp = cx.newLocal(bin.i32), end = cx.newLocal(bin.i32);
    const label = `vcopy${d}`;
    const chunk = bytes - (bytes % 16);
    const g = (l: number) => m.local.get(l, bin.i32);
    parts.push(
      m.local.set(d, dst()), m.local.set(sp, src()), m.local.set(end, m.i32.add(g(d), m.i32.const(chunk))),
      m.loop(label, m.block(null, [
        m.v128.store(0, 1, g(d), m.v128.load(0, 1, g(sp))),
        m.local.set(d, m.i32.add(g(d), m.i32.const(16))),
        m.local.set(sp, m.i32.add(g(sp), m.i32.const(16))),
        m.br(label, m.i32.lt_u(g(d), g(end))),
      ])),
    );
    off = chunk;
  }
  // Unrolled 16/8/4/1-byte moves: the scalars and small vectors loops carry.
  while (off + 16 <= bytes) {
    parts.push(m.v128.store(off, 1, dst(), m.v128.load(off, 1, src())));
    off += 16;
  }
  while (off + 8 <= bytes) {
    parts.push(m.i64.store(off, 1, dst(), m.i64.load(off, 1, src())));
    off += 8;
  }
  while (off + 4 <= bytes) {
    parts.push(m.i32.store(off, 1, dst(), m.i32.load(off, 1, src())));
    off += 4;
  }
  while (off < bytes) {
    parts.push(m.i32.store8(off, 1, dst(), m.i32.load8_u(off, 1, src())));
    off += 1;
  }
  return parts.length === 1 ? parts[0]! : m.block(null, parts);
}

/** Copies a box: for every index of `levels` (outermost first), `runBytes` contiguous bytes. */
export function stridedCopy(cx: CodeCtx, dst: () => Ref, src: () => Ref, levels: readonly CopyLevel[], runBytes: number): Ref {
  const { m, bin } = cx;
  const live = levels.filter((l) => l.count !== 1);
  if (live.some((l) => l.count === 0) || runBytes === 0) return m.nop();
  if (live.length === 0) return copyBytes(cx, dst, src, runBytes);
  const [head, ...rest] = live;
  const dp = cx.newLocal(bin.i32);
  const sp = cx.newLocal(bin.i32);
  const n = cx.newLocal(bin.i32);
  const label = `copy${dp}`;
  const get = (i: number) => () => m.local.get(i, bin.i32);
  return m.block(null, [
    m.local.set(dp, dst()),
    m.local.set(sp, src()),
    m.local.set(n, m.i32.const(head!.count)),
    m.loop(label, m.block(null, [
      stridedCopy(cx, get(dp), get(sp), rest, runBytes),
      m.local.set(dp, m.i32.add(m.local.get(dp, bin.i32), m.i32.const(head!.dstStride))),
      m.local.set(sp, m.i32.add(m.local.get(sp, bin.i32), m.i32.const(head!.srcStride))),
      m.local.set(n, m.i32.sub(m.local.get(n, bin.i32), m.i32.const(1))),
      m.br(label, m.local.get(n, bin.i32)),
    ])),
  ]);
}

/**
 * The copy levels for moving a `box`-shaped block between a row-major array of `shape` (side
 * "big") and a contiguous `box`-shaped buffer (side "small"), element size `eb`. Trailing axes the
 * box spans fully merge into one contiguous run.
 */
export function boxLevels(shape: readonly number[], box: readonly number[], eb: number, bigIsDst: boolean): { levels: CopyLevel[]; runBytes: number } {
  const r = shape.length;
  if (r === 0) return { levels: [], runBytes: eb };
  const bigStrides: number[] = new Array<number>(r);
  const smallStrides: number[] = new Array<number>(r);
  let bs = eb;
  let ss = eb;
  for (let d = r - 1; d >= 0; d--) {
    bigStrides[d] = bs;
    smallStrides[d] = ss;
    bs *= shape[d]!;
    ss *= box[d]!;
  }
  let d = r - 1;
  let run = box[d]! * eb;
  while (d > 0 && box[d] === shape[d]) {
    d--;
    run *= box[d]!;
  }
  const levels = Array.from({ length: d }, (_, k) => ({
    count: box[k]!,
    dstStride: bigIsDst ? bigStrides[k]! : smallStrides[k]!,
    srcStride: bigIsDst ? smallStrides[k]! : bigStrides[k]!,
  }));
  return { levels, runBytes: run };
}

/** Fills `bytes` bytes at `dst` with the `eb`-byte element at `value` (pad's padding value). */
export function fillBytes(cx: CodeCtx, dst: number, bytes: number, value: () => Ref, eb: number): Ref {
  const { m, bin } = cx;
  if (bytes === 0) return m.nop();
  const p = cx.newLocal(bin.i32);
  const label = `fill${p}`;
  const at = () => m.local.get(p, bin.i32);
  const store = eb === 8 ? m.i64.store(0, 1, at(), m.i64.load(0, 1, value())) : eb === 4 ? m.i32.store(0, 1, at(), m.i32.load(0, 1, value())) : m.i32.store8(0, 1, at(), m.i32.load8_u(0, 1, value()));
  return m.block(null, [
    m.local.set(p, m.i32.const(dst)),
    m.loop(label, m.block(null, [
      store,
      m.local.set(p, m.i32.add(at(), m.i32.const(eb))),
      m.br(label, m.i32.lt_u(at(), m.i32.const(dst + bytes))),
    ])),
  ]);
}
