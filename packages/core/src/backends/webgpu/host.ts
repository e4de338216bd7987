// The GPU side of the webgpu device: owns the GPUDevice, a size-class buffer pool, a pipeline cache
// keyed by kernel text, and one command encoder that collects every dispatch until a read or an
// explicit flush submits them together. Runs in the page's thread in browsers and in a worker in Node.
import { type BindingKind, type GpuCommand, sizeClass } from "./protocol.js";

interface CachedPipeline {
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
}

export interface HostStats {
  submits: number;
  dispatches: number;
  pipelines: number;
  buffersCreated: number;
}

export class GpuHost {
  private readonly buffers = new Map<number, GPUBuffer>();
  private readonly pool = new Map<number, GPUBuffer[]>();
  private readonly stagingPool = new Map<number, GPUBuffer[]>();
  /** Buffers freed since the last submit: queued work may still read them, so they rejoin the pool after it. */
  private pendingFree: GPUBuffer[] = [];
  private readonly pipelines = new Map<string, CachedPipeline>();
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private queued = 0;
  /** Uncaptured device errors not yet reported to the runtime. */
  private errors: string[] = [];
  readonly stats: HostStats = { submits: 0, dispatches: 0, pipelines: 0, buffersCreated: 0 };
  /** Dispatches per submit before the batch is sent anyway (keeps command buffers bounded). */
  maxBatch = 512;

  constructor(readonly device: GPUDevice) {
    device.addEventListener("uncapturederror", (event) => {
      this.errors.push((event as GPUUncapturedErrorEvent).error.message);
    });
  }

  /** Errors the device reported since the last call (validation, out of memory), cleared. */
  takeErrors(): string[] {
    const e = this.errors;
    this.errors = [];
    return e;
  }

  run(cmds: readonly GpuCommand[]): void {
    for (const c of cmds) {
      switch (c.op) {
        case "alloc": this.buffers.set(c.id, this.take(c.bytes)); break;
        case "write": this.device.queue.writeBuffer(this.buffer(c.id), 0, c.data); break;
        case "free": {
          const b = this.buffer(c.id);
          this.buffers.delete(c.id);
          this.pendingFree.push(b);
          break;
        }
        case "pipeline": this.pipelineFor(c.key, c.code, c.kinds); break;
        case "dispatch": this.dispatch(c.key, c.ids, c.groups); break;
        case "copy": {
          this.endPass();
          this.encoderNow().copyBufferToBuffer(this.buffer(c.src), c.srcOffset ?? 0, this.buffer(c.dst), c.dstOffset ?? 0, c.bytes);
          this.queued++;
          break;
        }
      }
    }
  }

  /** Submits everything encoded so far. */
  submit(): void {
    this.endPass();
    if (this.encoder) {
      this.device.queue.submit([this.encoder.finish()]);
      this.encoder = null;
      this.stats.submits++;
    }
    this.queued = 0;
    for (const b of this.pendingFree) this.release(this.pool, b);
    this.pendingFree = [];
  }

  /** Compiles (or finds) a pipeline and resolves to the WGSL compiler's error text, or null. */
  async compile(key: string, code: string, kinds: readonly BindingKind[]): Promise<string | null> {
    if (this.pipelines.has(key)) return null;
    this.device.pushErrorScope("validation");
    const module = this.device.createShaderModule({ code });
    const info = await module.getCompilationInfo();
    const messages = info.messages.filter((m) => m.type === "error").map((m) => `${m.lineNum}:${m.linePos} ${m.message}`);
    if (messages.length === 0) this.pipelineFor(key, code, kinds, module);
    const scoped = await this.device.popErrorScope();
    if (messages.length > 0 || scoped) return [...messages, scoped?.message ?? ""].filter(Boolean).join("\n");
    return null;
  }

  /** Contents of buffer `id` (its first `bytes` bytes), after every command sent before. */
  async read(id: number, bytes: number): Promise<ArrayBuffer> {
    const size = sizeClass(bytes);
    const staging = this.stagingPool.get(size)?.pop() ?? this.device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.endPass();
    if (bytes > 0) this.encoderNow().copyBufferToBuffer(this.buffer(id), 0, staging, 0, size);
    this.submit();
    await staging.mapAsync(GPUMapMode.READ, 0, size);
    const out = staging.getMappedRange(0, size).slice(0, bytes);
    staging.unmap();
    this.release(this.stagingPool, staging);
    return out;
  }

  /** Resolves when the GPU has finished everything submitted. */
  async finish(): Promise<void> {
    this.submit();
    await this.device.queue.onSubmittedWorkDone();
  }

  private buffer(id: number): GPUBuffer {
    const b = this.buffers.get(id);
    if (!b) throw new Error(`webgpu host: unknown buffer ${id}`);
    return b;
  }

  private take(bytes: number): GPUBuffer {
    const size = sizeClass(bytes);
    const pooled = this.pool.get(size)?.pop();
    if (pooled) return pooled;
    this.stats.buffersCreated++;
    return this.device.createBuffer({ size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  }

  private release(pool: Map<number, GPUBuffer[]>, b: GPUBuffer): void {
    let list = pool.get(b.size);
    if (!list) pool.set(b.size, (list = []));
    list.push(b);
  }

  private pipelineFor(key: string, code: string, kinds: readonly BindingKind[], module?: GPUShaderModule): CachedPipeline {
    let p = this.pipelines.get(key);
    if (!p) {
      const layout = this.device.createBindGroupLayout({
        entries: kinds.map((k, binding) => ({ binding, visibility: GPUShaderStage.COMPUTE, buffer: { type: k === "r" ? "read-only-storage" : "storage" } })),
      });
      const pipeline = this.device.createComputePipeline({
        layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
        compute: { module: module ?? this.device.createShaderModule({ code }), entryPoint: "main" },
      });
      p = { pipeline, layout };
      this.pipelines.set(key, p);
      this.stats.pipelines++;
    }
    return p;
  }

  private encoderNow(): GPUCommandEncoder {
    return (this.encoder ??= this.device.createCommandEncoder());
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }

  private dispatch(key: string, ids: readonly number[], groups: readonly [number, number, number]): void {
    const p = this.pipelines.get(key);
    if (!p) throw new Error(`webgpu host: dispatch of an unknown pipeline`);
    const bindGroup = this.device.createBindGroup({
      layout: p.layout,
      entries: ids.map((id, binding) => ({ binding, resource: { buffer: this.buffer(id) } })),
    });
    this.pass ??= this.encoderNow().beginComputePass();
    this.pass.setPipeline(p.pipeline);
    this.pass.setBindGroup(0, bindGroup);
    this.pass.dispatchWorkgroups(groups[0], groups[1], groups[2]);
    this.stats.dispatches++;
    if (++this.queued >= this.maxBatch) this.submit();
  }
}
