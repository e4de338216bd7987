// How the runtime reaches the GPU host. In browsers the host lives in the same thread and reads are
// asynchronous only. In Node the host lives in a worker thread, so the main thread can block in
// Atomics.wait until a read is done: that is what makes dataSync() (and host fallbacks inside
// jitted programs) work on the webgpu device in Node.
import type { WebGPUDeviceInfo } from "./adapter.js";
import { GpuHost, type HostStats } from "./host.js";
import { type BindingKind, type GpuCommand, SAB_HEADER, SAB_OK, SAB_PENDING, type WorkerReply, type WorkerRequest } from "./protocol.js";

export interface Transport {
  readonly kind: "node-worker" | "direct";
  readonly info: WebGPUDeviceInfo;
  /** The device's storage-buffer bindings per shader stage (kernels with more inputs pack them). */
  readonly maxStorageBuffers: number;
  /** Whether readSync can work here (false in a browser page's thread). */
  readonly syncReads: boolean;
  enqueue(cmd: GpuCommand): void;
  /** Sends the queued commands to the GPU (without waiting). */
  flush(): void;
  /** Creates a pipeline; in Node a WGSL error throws here, with the compiler's message. */
  compile(key: string, code: string, kinds: readonly BindingKind[]): void;
  readSync(id: number, bytes: number): ArrayBuffer;
  read(id: number, bytes: number): Promise<ArrayBuffer>;
  /** Waits (synchronously, Node only) until the GPU is idle; returns the host's counters. */
  finishSync(): HostStats;
  destroy(): void;
}

export class SyncReadError extends Error {}

const decoder = new TextDecoder();

/** The host in this thread: a browser page (or a browser worker). */
export class DirectTransport implements Transport {
  readonly kind = "direct";
  readonly syncReads = false;
  private readonly host: GpuHost;
  readonly maxStorageBuffers: number;
  constructor(device: GPUDevice, readonly info: WebGPUDeviceInfo) {
    this.host = new GpuHost(device);
    this.maxStorageBuffers = device.limits.maxStorageBuffersPerShaderStage;
  }
  enqueue(cmd: GpuCommand): void {
    this.host.run([cmd]);
  }
  flush(): void {
    this.host.submit();
  }
  compile(key: string, code: string, kinds: readonly BindingKind[]): void {
    // Browsers report WGSL errors asynchronously: they surface through the device's error event
    // and are thrown by the next read.
    this.host.run([{ op: "pipeline", key, code, kinds }]);
  }
  readSync(): ArrayBuffer {
    throw new SyncReadError("sync read");
  }
  async read(id: number, bytes: number): Promise<ArrayBuffer> {
    const data = await this.host.read(id, bytes);
    const errors = this.host.takeErrors();
    if (errors.length) throw new Error(`WebGPU device error: ${errors.join("; ")}`);
    return data;
  }
  finishSync(): HostStats {
    throw new SyncReadError("sync finish");
  }
  destroy(): void {
    this.host.device.destroy();
  }
}

interface NodeWorker {
  postMessage(value: unknown, transfer?: readonly ArrayBuffer[]): void;
  on(event: "message", fn: (msg: WorkerReply) => void): void;
  on(event: "error", fn: (err: Error) => void): void;
  ref(): void;
  unref(): void;
  terminate(): Promise<number>;
}

/** The host in a Node worker thread, reached by messages; reads may block the main thread. */
export class NodeWorkerTransport implements Transport {
  readonly kind = "node-worker";
  readonly syncReads = true;
  private queue: GpuCommand[] = [];
  private nextTag = 1;
  private readonly pending = new Map<number, { resolve: (b: ArrayBuffer) => void; reject: (e: Error) => void }>();
  private workerError: Error | null = null;
  /** Messages sent (the init included) and, in `progress`, messages the worker has finished. */
  private sent = 1;
  /** How far the main thread may run ahead of the GPU worker before it waits. */
  static maxInFlight = 32;

  private constructor(private readonly worker: NodeWorker, readonly info: WebGPUDeviceInfo, private readonly progress: Int32Array, readonly maxStorageBuffers: number) {
    worker.on("message", (msg) => {
      if (msg.kind !== "read") return;
      const p = this.pending.get(msg.tag);
      if (!p) return;
      this.pending.delete(msg.tag);
      if (this.pending.size === 0) worker.unref();
      if (msg.error !== null || !msg.data) p.reject(new Error(msg.error ?? "webgpu read failed"));
      else p.resolve(msg.data);
    });
    worker.on("error", (err) => {
      this.workerError = err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    });
  }

  /** Starts the worker and acquires a device in it; null with a reason when none is available. */
  static async start(options: { nodeBackends?: readonly ("vulkan" | "opengles")[] }): Promise<{ transport: NodeWorkerTransport | null; error: string | null }> {
    const worker = await spawnWorker();
    const tag = 0;
    const progress = new SharedArrayBuffer(4);
    const reply = await new Promise<WorkerReply>((resolve, reject) => {
      worker.on("message", (msg) => {
        if (msg.kind === "init" && msg.tag === tag) resolve(msg);
      });
      worker.on("error", reject);
      const req: WorkerRequest = { kind: "init", tag, options, progress };
      worker.postMessage(req);
    });
    if (reply.kind !== "init" || reply.info === null) {
      await worker.terminate();
      return { transport: null, error: reply.kind === "init" ? reply.error : "unexpected reply" };
    }
    worker.unref();
    return { transport: new NodeWorkerTransport(worker, reply.info as WebGPUDeviceInfo, new Int32Array(progress), reply.maxStorageBuffers), error: null };
  }

  enqueue(cmd: GpuCommand): void {
    this.queue.push(cmd);
  }

  flush(): void {
    if (this.queue.length === 0) return;
    this.send({ kind: "run", cmds: this.take() });
  }

  compile(key: string, code: string, kinds: readonly BindingKind[]): void {
    const sab = new SharedArrayBuffer(SAB_HEADER + 16384);
    this.send({ kind: "compile", cmds: this.take(), key, code, kinds, sab });
    const { ok, payload } = this.wait(sab);
    if (!ok) throw new Error(decoder.decode(payload));
  }

  readSync(id: number, bytes: number): ArrayBuffer {
    const sab = new SharedArrayBuffer(SAB_HEADER + Math.max(bytes, 1024));
    this.send({ kind: "read", tag: 0, cmds: this.take(), id, bytes, sab });
    const { ok, payload } = this.wait(sab);
    if (!ok) throw new Error(decoder.decode(payload));
    return payload.slice().buffer;
  }

  read(id: number, bytes: number): Promise<ArrayBuffer> {
    const tag = this.nextTag++;
    return new Promise<ArrayBuffer>((resolve, reject) => {
      if (this.workerError) return reject(this.workerError);
      this.pending.set(tag, { resolve, reject });
      this.worker.ref();
      this.send({ kind: "read", tag, cmds: this.take(), id, bytes });
    });
  }

  finishSync(): HostStats {
    const sab = new SharedArrayBuffer(SAB_HEADER + 4096);
    this.send({ kind: "finish", cmds: this.take(), sab });
    const { ok, payload } = this.wait(sab);
    const text = decoder.decode(payload);
    if (!ok) throw new Error(text);
    return JSON.parse(text) as HostStats;
  }

  destroy(): void {
    void this.worker.terminate();
  }

  private take(): GpuCommand[] {
    const q = this.queue;
    this.queue = [];
    return q;
  }

  private checkWorker(): void {
    if (this.workerError) throw new Error(`the webgpu worker stopped: ${this.workerError.message}`);
  }

  private send(req: WorkerRequest): void {
    this.checkWorker();
    const transfer = "cmds" in req ? req.cmds.flatMap((c) => (c.op === "write" ? [c.data] : [])) : [];
    this.worker.postMessage(req, transfer);
    this.sent++;
    // Backpressure: a caller issuing work faster than the GPU runs it would queue without bound.
    for (let done = Atomics.load(this.progress, 0); this.sent - done > NodeWorkerTransport.maxInFlight; done = Atomics.load(this.progress, 0)) {
      Atomics.wait(this.progress, 0, done, 1000);
      this.checkWorker();
    }
  }

  private wait(sab: SharedArrayBuffer): { ok: boolean; payload: Uint8Array } {
    const header = new Int32Array(sab, 0, 2);
    // Waits in slices so a dead worker is noticed instead of hanging forever.
    for (let waited = 0; Atomics.load(header, 0) === SAB_PENDING; waited += 1000) {
      Atomics.wait(header, 0, SAB_PENDING, 1000);
      if (this.workerError) throw new Error(`the webgpu worker stopped: ${this.workerError.message}`);
      if (waited > 600_000) throw new Error("webgpu: no answer from the GPU worker in 10 minutes");
    }
    const status = Atomics.load(header, 0);
    return { ok: status === SAB_OK, payload: new Uint8Array(sab, SAB_HEADER, header[1]!) };
  }
}

// Module specifiers in variables: bundlers for the browser must not follow Node-only imports.
const workerThreadsSpecifier = "node:worker_threads";
const moduleSpecifier = "node:module";
const urlSpecifier = "node:url";

/**
 * Starts nodeWorker in a worker thread. From compiled JavaScript it is nodeWorker.js beside this
 * file; when Fluxion runs from its TypeScript sources (tests), the worker registers tsx first.
 */
async function spawnWorker(): Promise<NodeWorker> {
  const { Worker } = (await import(/* @vite-ignore */ workerThreadsSpecifier)) as typeof import("node:worker_threads");
  const here = import.meta.url;
  const fromSource = here.endsWith(".ts");
  const entry = new URL(fromSource ? "./nodeWorker.ts" : "./nodeWorker.js", here).href;
  if (!fromSource) return new Worker(new URL(entry)) as unknown as NodeWorker;
  const { createRequire } = (await import(/* @vite-ignore */ moduleSpecifier)) as typeof import("node:module");
  const { pathToFileURL } = (await import(/* @vite-ignore */ urlSpecifier)) as typeof import("node:url");
  // tsx's ESM API (its package exports map "tsx/esm/api" to this file under the import condition).
  const tsxApi = pathToFileURL(createRequire(here).resolve("tsx/package.json").replace(/package\.json$/, "dist/esm/api/index.mjs")).href;
  const code = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`
    + `.catch((e) => { console.error(e); process.exit(1); });`;
  return new Worker(code, { eval: true }) as unknown as NodeWorker;
}
