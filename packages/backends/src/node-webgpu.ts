import * as tf from '@tensorflow/tfjs-core';
import { IS_NODE_PLATFORM, importOptional, isInstalled } from '#platform';
import { isSoftwareRenderer } from './software-renderer';
import { registerWebGpuAddNChunking } from './webgpu-add-n';

/** Options of {@link setupNodeWebGpu}. */
export interface NodeWebGpuOptions {
  /**
   * Dawn instance flags, tried in order until one yields an adapter. Default: `[[], ['backend=opengles']]`
   * (the platform's native API, e.g. Vulkan on a GPU machine; then OpenGL ES, which reaches Mesa's
   * llvmpipe on a machine without a GPU).
   */
  dawnFlags?: string[][];
  /** Allow a software rasteriser adapter (llvmpipe, SwiftShader, lavapipe). Default true. */
  allowSoftware?: boolean;
  /** Sets `EGL_PLATFORM` when it is unset (Mesa needs 'surfaceless' without a display). Default 'surfaceless'. */
  eglPlatform?: string;
  powerPreference?: 'low-power' | 'high-performance';
  log?: (message: string) => void;
}

/** What {@link setupNodeWebGpu} found. */
export interface NodeWebGpuInfo {
  /** Adapter description: vendor, architecture, device, description as Dawn reports them. */
  adapter: string;
  /** True for software rasterisers (llvmpipe, SwiftShader, lavapipe, a fallback adapter). */
  isSoftware: boolean;
  /** 'core' or 'compatibility'. */
  featureLevel: string;
  /** The Dawn flags that produced the adapter. */
  dawnFlags: string[];
}

type GpuLike = { requestAdapter(options?: Record<string, unknown>): Promise<AdapterLike | null> };
type AdapterLike = {
  info?: Record<string, unknown>;
  isFallbackAdapter?: boolean;
  features: Set<string>;
  limits: Record<string, number>;
  requestDevice(descriptor?: Record<string, unknown>): Promise<unknown>;
};
type WebGpuPackage = { create(flags: string[]): GpuLike; globals: Record<string, unknown> };

let found: { info: NodeWebGpuInfo; adapter: AdapterLike; gpu: GpuLike } | undefined;

/** The `npm install` line printed when the `webgpu` package is missing. */
export const WEBGPU_INSTALL_HINT = 'npm install webgpu@0.6.2 @tensorflow/tfjs-backend-webgpu@4.22.0';

/**
 * Makes tfjs-backend-webgpu usable in Node through the `webgpu` npm package (Dawn): sets EGL_PLATFORM,
 * creates a Dawn GPU (trying each flag set in `dawnFlags` with a 'core' then a 'compatibility' adapter
 * request), defines `globalThis.navigator.gpu` and the WebGPU globals (GPUBufferUsage, ...), imports
 * tfjs-backend-webgpu and registers the 'webgpu' backend with a factory that uses the adapter found,
 * and replaces its `AddN` kernel with one that works for more than 7 tensors (see
 * {@link registerWebGpuAddNChunking}).
 * Throws an Error saying what was tried when no adapter exists. Idempotent.
 */
export async function setupNodeWebGpu(options: NodeWebGpuOptions = {}): Promise<NodeWebGpuInfo> {
  if (!IS_NODE_PLATFORM) {
    throw new Error('setupNodeWebGpu: expected Node; in a browser use setupBackend("webgpu")');
  }
  if (found) return found.info;
  const log = options.log ?? (() => {});
  if (!isInstalled('webgpu')) {
    throw new Error(
      `setupNodeWebGpu: the 'webgpu' package (Dawn for Node) is not installed. Install it with: ${WEBGPU_INSTALL_HINT}`,
    );
  }
  if (process.env.EGL_PLATFORM == null) process.env.EGL_PLATFORM = options.eglPlatform ?? 'surfaceless';
  const dawn = await importOptional<WebGpuPackage>('webgpu');
  for (const [name, value] of Object.entries(dawn.globals)) {
    if (!(name in globalThis)) (globalThis as Record<string, unknown>)[name] = value;
  }
  const attempts: string[] = [];
  for (const flags of options.dawnFlags ?? [[], ['backend=opengles']]) {
    const gpu = dawn.create(flags);
    for (const featureLevel of ['core', 'compatibility']) {
      const adapter = await gpu.requestAdapter({
        featureLevel,
        powerPreference: options.powerPreference ?? 'high-performance',
      });
      const label = `flags [${flags.join(', ')}], featureLevel '${featureLevel}'`;
      if (adapter == null) {
        attempts.push(`${label}: no adapter`);
        continue;
      }
      const description = describeAdapter(adapter);
      const isSoftware = isSoftwareRenderer(
        description,
        adapter.isFallbackAdapter === true || adapter.info?.isFallbackAdapter === true,
      );
      if (isSoftware && options.allowSoftware === false) {
        attempts.push(`${label}: software adapter '${description}' refused (allowSoftware: false)`);
        continue;
      }
      log(`webgpu: adapter '${description}' (${label})`);
      found = { adapter, gpu, info: { adapter: description, isSoftware, featureLevel, dawnFlags: flags } };
      break;
    }
    if (found) break;
  }
  if (!found) {
    throw new Error(`setupNodeWebGpu: no WebGPU adapter could be created (${attempts.join('; ')})`);
  }
  const nav = (globalThis as unknown as { navigator?: Record<string, unknown> }).navigator;
  if (nav == null) {
    Object.defineProperty(globalThis, 'navigator', {
      value: { gpu: found.gpu },
      configurable: true,
      writable: true,
    });
  } else if (nav.gpu == null) {
    Object.defineProperty(nav, 'gpu', { value: found.gpu, configurable: true, writable: true });
  }
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  registerWebGpuAddNChunking();
  const adapter = found.adapter;
  const registry = (tf.engine() as unknown as { registry: Record<string, unknown> }).registry;
  if (registry.webgpu == null) {
    if (tf.findBackendFactory('webgpu') != null) tf.removeBackend('webgpu');
    tf.registerBackend(
      'webgpu',
      async () => {
        const limits = adapter.limits;
        const device = await adapter.requestDevice({
          requiredFeatures: ['timestamp-query'].filter((f) => adapter.features.has(f)),
          requiredLimits: {
            maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
            maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
            maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
            maxBufferSize: limits.maxBufferSize,
            maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
            maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
          },
        });
        // biome-ignore lint/suspicious/noExplicitAny: the Dawn device is the WebGPU GPUDevice tfjs expects.
        return new WebGPUBackend(device as any, adapter.info as any);
      },
      3,
    );
  }
  return found.info;
}

function describeAdapter(adapter: AdapterLike): string {
  const info = adapter.info ?? {};
  return (
    ['vendor', 'architecture', 'device', 'description']
      .map((key) => info[key])
      .filter((v) => typeof v === 'string' && v.length > 0)
      .join(' / ') || 'unknown adapter'
  );
}
