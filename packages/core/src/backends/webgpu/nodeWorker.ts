// Worker-thread entry for the webgpu device in Node: it owns the Dawn device and a GpuHost and
// answers the main thread, which can then block in Atomics.wait for reads (dataSync in Node).
import { parentPort } from "node:worker_threads";
import { requestWebGPUDevice, lastWebGPUError } from "./adapter.js";
import { GpuHost } from "./host.js";
import { type WorkerReply, type WorkerRequest, answerShared } from "./protocol.js";

const port = parentPort!;
let host: GpuHost | null = null;
const encoder = new TextEncoder();

function hostOrThrow(): GpuHost {
  if (!host) throw new Error("the webgpu worker has no device (init failed or was not called)");
  return host;
}

/** Device errors raised since the last answer become the answer's error. */
function deviceErrors(): string | null {
  const e = host?.takeErrors() ?? [];
  return e.length ? `WebGPU device error: ${e.join("; ")}` : null;
}

// Messages are handled strictly in order: an async step (a read) must finish before the next
// message's commands run, or the queue order the runtime relies on would break.
let chain: Promise<void> = Promise.resolve();
let progress: Int32Array | null = null;
port.on("message", (msg: WorkerRequest) => {
  if (msg.kind === "init") progress = new Int32Array(msg.progress);
  chain = chain.then(() => handle(msg)).catch((error: unknown) => {
    console.error(`[fluxion webgpu worker] ${error instanceof Error ? error.stack : String(error)}`);
  }).finally(() => {
    if (progress) {
      Atomics.add(progress, 0, 1);
      Atomics.notify(progress, 0);
    }
  });
});

async function handle(msg: WorkerRequest): Promise<void> {
  switch (msg.kind) {
    case "init": {
      const result = await requestWebGPUDevice(msg.options.nodeBackends ? { nodeBackends: msg.options.nodeBackends } : {});
      if (result) {
        host = new GpuHost(result.device);
        result.device.lost.then((lost) => console.error(`[fluxion webgpu worker] device lost: ${lost.message}`), () => {});
      }
      const reply: WorkerReply = {
        kind: "init", tag: msg.tag, info: result ? result.info : null,
        maxStorageBuffers: result ? result.device.limits.maxStorageBuffersPerShaderStage : 0, error: result ? null : lastWebGPUError(),
      };
      port.postMessage(reply);
      return;
    }
    case "run": {
      try {
        hostOrThrow().run(msg.cmds);
        host!.submit();
      } catch (error) {
        // Surfaces at the next synchronous request.
        host?.takeErrors();
        pendingError = error instanceof Error ? error.message : String(error);
      }
      return;
    }
    case "compile": {
      try {
        const h = hostOrThrow();
        h.run(msg.cmds);
        const err = (await h.compile(msg.key, msg.code, msg.kinds)) ?? takePending() ?? deviceErrors();
        answerShared(msg.sab, err === null, encoder.encode(err ?? ""));
      } catch (error) {
        answerShared(msg.sab, false, encoder.encode(error instanceof Error ? error.message : String(error)));
      }
      return;
    }
    case "finish": {
      try {
        const h = hostOrThrow();
        h.run(msg.cmds);
        await h.finish();
        const err = takePending() ?? deviceErrors();
        answerShared(msg.sab, err === null, encoder.encode(err ?? JSON.stringify(h.stats)));
      } catch (error) {
        answerShared(msg.sab, false, encoder.encode(error instanceof Error ? error.message : String(error)));
      }
      return;
    }
    case "read": {
      let data: ArrayBuffer | null = null;
      let err: string | null = null;
      try {
        const h = hostOrThrow();
        h.run(msg.cmds);
        data = await h.read(msg.id, msg.bytes);
        err = takePending() ?? deviceErrors();
      } catch (error) {
        err = error instanceof Error ? error.message : String(error);
      }
      if (msg.sab) answerShared(msg.sab, err === null, err === null ? new Uint8Array(data!) : encoder.encode(err));
      else {
        const reply: WorkerReply = { kind: "read", tag: msg.tag, data: err === null ? data : null, error: err };
        port.postMessage(reply, data && err === null ? [data] : []);
      }
      return;
    }
  }
}

let pendingError: string | null = null;
function takePending(): string | null {
  const e = pendingError;
  pendingError = null;
  return e;
}
