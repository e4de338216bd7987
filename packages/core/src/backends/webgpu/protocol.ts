// The command stream between the webgpu runtime (which plans and names buffers) and the GPU host
// (which owns the GPUDevice): plain data, so it crosses a worker boundary by postMessage unchanged.

/** Read-only storage ("r") or writable storage ("w") for each binding of a pipeline, in order. */
export type BindingKind = "r" | "w";

export type GpuCommand =
  | { readonly op: "alloc"; readonly id: number; readonly bytes: number }
  | { readonly op: "write"; readonly id: number; readonly data: ArrayBuffer }
  | { readonly op: "free"; readonly id: number }
  | { readonly op: "pipeline"; readonly key: string; readonly code: string; readonly kinds: readonly BindingKind[] }
  | { readonly op: "dispatch"; readonly key: string; readonly ids: readonly number[]; readonly groups: readonly [number, number, number] }
  | { readonly op: "copy"; readonly src: number; readonly dst: number; readonly bytes: number; readonly srcOffset?: number; readonly dstOffset?: number };

/** Smallest GPU allocation: bindings of size 0 are invalid, and storage sizes must be multiples of 4. */
export const MIN_BUFFER_BYTES = 16;

/** Buffers are pooled by power-of-two size classes so freed memory is reused without fragmentation. */
export function sizeClass(bytes: number): number {
  let c = MIN_BUFFER_BYTES;
  while (c < bytes) c *= 2;
  return c;
}

/** Messages from the main thread to the Node worker that hosts the device. */
export type WorkerRequest =
  /** `progress`: an Int32 the worker increments after each message, so the sender can apply backpressure. */
  | { readonly kind: "init"; readonly tag: number; readonly options: { readonly nodeBackends?: readonly ("vulkan" | "opengles")[] }; readonly progress: SharedArrayBuffer }
  | { readonly kind: "run"; readonly cmds: readonly GpuCommand[] }
  /** `sab` present: answer through the shared buffer (the main thread is blocked in Atomics.wait). */
  | { readonly kind: "read"; readonly tag: number; readonly cmds: readonly GpuCommand[]; readonly id: number; readonly bytes: number; readonly sab?: SharedArrayBuffer }
  | { readonly kind: "compile"; readonly cmds: readonly GpuCommand[]; readonly key: string; readonly code: string; readonly kinds: readonly BindingKind[]; readonly sab: SharedArrayBuffer }
  | { readonly kind: "finish"; readonly cmds: readonly GpuCommand[]; readonly sab: SharedArrayBuffer };

export type WorkerReply =
  | { readonly kind: "init"; readonly tag: number; readonly info: unknown | null; readonly maxStorageBuffers: number; readonly error: string | null }
  | { readonly kind: "read"; readonly tag: number; readonly data: ArrayBuffer | null; readonly error: string | null };

/**
 * Layout of a shared reply buffer: Int32 status at 0 (0 pending, 1 ok, 2 error), Int32 payload
 * length at 4, payload from byte 8 (read data, or a UTF-8 error message).
 */
export const SAB_HEADER = 8;
export const SAB_PENDING = 0;
export const SAB_OK = 1;
export const SAB_ERROR = 2;

/** Writes a reply into a shared buffer and wakes the waiting thread. */
export function answerShared(sab: SharedArrayBuffer, ok: boolean, payload: Uint8Array): void {
  const header = new Int32Array(sab, 0, 2);
  const room = sab.byteLength - SAB_HEADER;
  const n = Math.min(room, payload.byteLength);
  new Uint8Array(sab, SAB_HEADER, n).set(payload.subarray(0, n));
  header[1] = n;
  Atomics.store(header, 0, ok ? SAB_OK : SAB_ERROR);
  Atomics.notify(header, 0);
}
