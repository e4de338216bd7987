// The wasm device's memory: one WebAssembly.Memory shared by every compiled module, a size-class
// allocator over it, and DeviceBuffers whose contents are views into it.
import { DeviceBuffer } from "../../array/memory.js";
import { type DType, type TypedArray, bytesPerElement } from "../../dtype.js";

const PAGE = 65536;
const MIN_CLASS = 64;

function sizeClass(bytes: number): number {
  let c = MIN_CLASS;
  while (c < bytes) c *= 2;
  return c;
}

export class WasmHeap {
  readonly memory: WebAssembly.Memory;
  private top: number;
  private readonly freeLists = new Map<number, number[]>();
  /** Bytes handed out and not yet freed (size classes, not requested sizes). */
  inUse = 0;

  /**
   * A shared memory (for worker threads) needs a fixed maximum, which V8 reserves as address space
   * up front; both kinds use 65536 pages (4 GiB) so growth behaves the same.
   */
  constructor(initialPages = 256, readonly shared = false) {
    this.memory = new WebAssembly.Memory({ initial: initialPages, maximum: 65536, shared });
    this.top = 1024; // the first KiB is scratch for kernels
  }

  /** The WAT import of this memory, for modules instantiated against it (sharedness must match). */
  memoryImport(): string {
    return `(import "env" "memory" (memory 1 65536${this.shared ? " shared" : ""}))`;
  }

  alloc(bytes: number): number {
    const c = sizeClass(Math.max(bytes, 1));
    this.inUse += c;
    const list = this.freeLists.get(c);
    if (list && list.length) return list.pop()!;
    const ptr = this.top;
    this.top += c;
    const need = this.top - this.memory.buffer.byteLength;
    if (need > 0) this.memory.grow(Math.ceil(need / PAGE) + Math.max(16, Math.ceil(this.memory.buffer.byteLength / PAGE / 4)));
    return ptr;
  }

  free(ptr: number, bytes: number): void {
    const c = sizeClass(Math.max(bytes, 1));
    this.inUse -= c;
    let list = this.freeLists.get(c);
    if (!list) this.freeLists.set(c, (list = []));
    list.push(ptr);
  }

  view(dtype: DType, ptr: number, length: number): TypedArray {
    const b = this.memory.buffer;
    switch (dtype) {
      case "float32": return new Float32Array(b, ptr, length);
      case "float64": return new Float64Array(b, ptr, length);
      case "int32": return new Int32Array(b, ptr, length);
      case "uint32": return new Uint32Array(b, ptr, length);
      case "bool": return new Uint8Array(b, ptr, length);
    }
  }
}

let defaultHeap: WasmHeap | null = null;
let wantShared: () => boolean = () => false;
/** Set by threads.ts: whether the heap, when first created, must be shared with worker threads. */
export function setHeapSharing(decide: () => boolean): void {
  wantShared = decide;
}
export function wasmHeap(): WasmHeap {
  return (defaultHeap ??= new WasmHeap(256, wantShared()));
}
/** The heap if it has been created (threads.ts asks without creating it). */
export function existingWasmHeap(): WasmHeap | null {
  return defaultHeap;
}

/** A buffer in wasm linear memory. */
export class WasmBuffer extends DeviceBuffer {
  constructor(readonly heap: WasmHeap, readonly ptr: number, readonly dtype: DType, readonly length: number) {
    super("wasm", null, length * bytesPerElement(dtype));
  }
  static allocate(heap: WasmHeap, dtype: DType, length: number): WasmBuffer {
    return new WasmBuffer(heap, heap.alloc(length * bytesPerElement(dtype)), dtype, length);
  }
  override get data(): TypedArray {
    return this.heap.view(this.dtype, this.ptr, this.length);
  }
  protected override free(): void {
    this.heap.free(this.ptr, this.byteLength);
  }
}
