// Acquires a WebGPU adapter and device: the browser's navigator.gpu, or in Node the `webgpu`
// package (Dawn), trying Vulkan (lavapipe on CPU-only machines) and then GL ES in compatibility mode.

// A type-only import: it erases at run time, and brings the @webgpu/types globals (GPUDevice, ...)
// that the `webgpu` package declares.
type DawnModule = typeof import("webgpu");

/** Dawn backends tried in Node, in the default order. */
export type NodeWebGPUBackend = "vulkan" | "opengles";

export type WebGPUBackend = "browser" | NodeWebGPUBackend;

export interface WebGPUDeviceOptions {
  /** Node only: Dawn backends to try, in order. Default ["vulkan", "opengles"]. */
  nodeBackends?: readonly NodeWebGPUBackend[];
  powerPreference?: GPUPowerPreference;
  /** Features the device must have; an adapter lacking any of them is passed over. */
  requiredFeatures?: readonly GPUFeatureName[];
  /** Features enabled when the adapter has them, silently left out otherwise. */
  optionalFeatures?: readonly GPUFeatureName[];
  /**
   * Ask for the adapter's own maxima of the buffer and compute limits instead of WebGPU's
   * defaults (128 MiB bindings, 256 invocations per workgroup). Default true.
   */
  adapterMaxLimits?: boolean;
}

export interface WebGPUDeviceInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** The adapter's features (the device has those requested: see `device.features`). */
  features: string[];
  backend: WebGPUBackend;
  featureLevel: "core" | "compatibility";
  /** True for software adapters such as lavapipe. */
  isFallbackAdapter: boolean;
}

export interface WebGPUDeviceResult {
  adapter: GPUAdapter;
  device: GPUDevice;
  info: WebGPUDeviceInfo;
}

// Limits a compute backend can use beyond the defaults; raising them costs nothing on the adapter.
const computeLimitNames = [
  "maxBufferSize",
  "maxStorageBufferBindingSize",
  "maxUniformBufferBindingSize",
  "maxStorageBuffersPerShaderStage",
  "maxBindingsPerBindGroup",
  "maxComputeWorkgroupStorageSize",
  "maxComputeInvocationsPerWorkgroup",
  "maxComputeWorkgroupSizeX",
  "maxComputeWorkgroupSizeY",
  "maxComputeWorkgroupSizeZ",
  "maxComputeWorkgroupsPerDimension",
] as const;

const defaultNodeBackends: readonly NodeWebGPUBackend[] = ["vulkan", "opengles"];

// The module specifier sits in a variable so bundlers leave it alone: the browser build never
// tries to resolve Dawn's native module.
const dawnSpecifier = "webgpu";

let lastError: string | null = null;
let dawnModule: Promise<DawnModule> | null = null;

// One Dawn instance per backend, held for the life of the process: letting a GPU object be
// collected while a device made from it is alive aborts the process (measured with webgpu 0.6.2).
const dawnInstances = new Map<NodeWebGPUBackend, GPU>();

/** Why the last `requestWebGPUDevice` call returned null; null after a success. */
export function lastWebGPUError(): string | null {
  return lastError;
}

/** Under CI a missing WebGPU adapter is a failure, never a skip. */
export function webgpuRequired(): boolean {
  return typeof process !== "undefined" && process.env?.CI === "true";
}

/**
 * Returns an adapter and device, or null when none is available (see `lastWebGPUError()`).
 * Uses navigator.gpu when the host has it; otherwise loads Dawn lazily, so importing this module
 * costs nothing until a device is asked for.
 */
export async function requestWebGPUDevice(
  options: WebGPUDeviceOptions = {},
): Promise<WebGPUDeviceResult | null> {
  const failures: string[] = [];
  const browserGpu = typeof navigator !== "undefined" ? navigator.gpu : undefined;

  if (browserGpu) {
    // A browser that cannot give a core adapter (older GL-only hardware) may give a compatibility one.
    const result =
      (await tryGpu(browserGpu, "browser", "core", options, failures)) ??
      (await tryGpu(browserGpu, "browser", "compatibility", options, failures));
    lastError = result ? null : failures.join("; ");
    return result;
  }

  let dawn: DawnModule;
  try {
    dawn = await loadDawn();
  } catch (error) {
    dawnModule = null;
    lastError = `cannot load the "webgpu" package (Dawn for Node): ${describeError(error)}`;
    return null;
  }

  for (const backend of options.nodeBackends ?? defaultNodeBackends) {
    let gpu: GPU;
    try {
      gpu = dawnInstance(dawn, backend);
    } catch (error) {
      failures.push(`${backend}: creating the Dawn instance failed: ${describeError(error)}`);
      continue;
    }
    // Dawn on GL ES only offers compatibility-mode adapters (no cube-array views and the like).
    const featureLevel = backend === "opengles" ? "compatibility" : "core";
    const result = await tryGpu(gpu, backend, featureLevel, options, failures);
    if (result) {
      lastError = null;
      return result;
    }
  }
  lastError = failures.join("; ");
  return null;
}

function loadDawn(): Promise<DawnModule> {
  if (!dawnModule) {
    dawnModule = (import(/* @vite-ignore */ /* webpackIgnore: true */ dawnSpecifier) as Promise<DawnModule>).then(
      (loaded) => {
        installDawnGlobals(loaded.globals);
        return loaded;
      },
    );
  }
  return dawnModule;
}

// Kernels use GPUBufferUsage, GPUMapMode, GPUShaderStage as in a browser; Dawn exports them
// instead of defining them. Names the host already has are left as they are.
function installDawnGlobals(globals: object): void {
  const host = globalThis as Record<string, unknown>;
  for (const [name, value] of Object.entries(globals)) {
    if (!(name in host)) host[name] = value;
  }
}

function dawnInstance(dawn: DawnModule, backend: NodeWebGPUBackend): GPU {
  const existing = dawnInstances.get(backend);
  if (existing) return existing;
  if (backend === "opengles" && typeof process !== "undefined" && !process.env.EGL_PLATFORM) {
    // Without a display server EGL must be told to run surfaceless, or eglInitialize fails.
    process.env.EGL_PLATFORM = "surfaceless";
  }
  const gpu = dawn.create([`backend=${backend}`]);
  dawnInstances.set(backend, gpu);
  return gpu;
}

async function tryGpu(
  gpu: GPU,
  backend: WebGPUBackend,
  featureLevel: "core" | "compatibility",
  options: WebGPUDeviceOptions,
  failures: string[],
): Promise<WebGPUDeviceResult | null> {
  let adapter: GPUAdapter | null;
  try {
    const adapterOptions: GPURequestAdapterOptions = { featureLevel };
    if (options.powerPreference) adapterOptions.powerPreference = options.powerPreference;
    adapter = await gpu.requestAdapter(adapterOptions);
  } catch (error) {
    failures.push(`${backend}: requestAdapter threw: ${describeError(error)}`);
    return null;
  }
  if (!adapter) {
    failures.push(
      backend === "vulkan"
        ? "vulkan: no adapter (needs a GPU driver or Mesa lavapipe >= 25; run bash scripts/setup-webgpu.sh)"
        : `${backend}: no adapter`,
    );
    return null;
  }

  const missing = (options.requiredFeatures ?? []).filter((feature) => !adapter.features.has(feature));
  if (missing.length > 0) {
    failures.push(`${backend}: adapter lacks required features ${missing.join(", ")}`);
    return null;
  }
  const optional = (options.optionalFeatures ?? []).filter((feature) => adapter.features.has(feature));

  const descriptor: GPUDeviceDescriptor = {
    requiredFeatures: [...(options.requiredFeatures ?? []), ...optional],
  };
  if (options.adapterMaxLimits ?? true) {
    const limits: Record<string, number> = {};
    for (const name of computeLimitNames) limits[name] = adapter.limits[name];
    descriptor.requiredLimits = limits;
  }

  let device: GPUDevice;
  try {
    device = await adapter.requestDevice(descriptor);
  } catch (error) {
    failures.push(`${backend}: requestDevice failed: ${describeError(error)}`);
    return null;
  }

  // Older browsers have no adapter.info (it replaced requestAdapterInfo()).
  const adapterInfo: Partial<GPUAdapterInfo> = "info" in adapter ? adapter.info : {};
  return {
    adapter,
    device,
    info: {
      vendor: adapterInfo.vendor ?? "",
      architecture: adapterInfo.architecture ?? "",
      device: adapterInfo.device ?? "",
      description: adapterInfo.description ?? "",
      features: [...adapter.features].sort(),
      backend,
      featureLevel,
      isFallbackAdapter: adapterInfo.isFallbackAdapter ?? false,
    },
  };
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
