import * as tf from '@tensorflow/tfjs-core';

/** The WebGPU minimum of `maxStorageBuffersPerShaderStage`, used when a backend does not say. */
const DEFAULT_STORAGE_BUFFERS = 8;

type ChunkedKernelFunc = tf.KernelFunc & { s2cassiOriginal?: tf.KernelConfig };

interface WebGpuBackendLike {
  device?: { limits?: { maxStorageBuffersPerShaderStage?: number } };
  disposeData(dataId: object): void;
}

/**
 * How many tensors one `AddN` shader may add on this backend: one storage buffer per input plus one for
 * the output must fit `maxStorageBuffersPerShaderStage`.
 */
export function webGpuAddNChunkSize(backend: unknown): number {
  const limit =
    (backend as WebGpuBackendLike | null)?.device?.limits?.maxStorageBuffersPerShaderStage ??
    DEFAULT_STORAGE_BUFFERS;
  return Math.max(2, limit - 1);
}

function chunkedKernel(original: tf.KernelConfig): ChunkedKernelFunc {
  const kernelFunc: ChunkedKernelFunc = (args) => {
    const inputs = args.inputs as unknown as tf.TensorInfo[];
    const chunkSize = webGpuAddNChunkSize(args.backend);
    if (inputs.length <= chunkSize) return original.kernelFunc(args);
    const backend = args.backend as unknown as WebGpuBackendLike;
    // ((x0 + ... + x[c-1]) + x[c] + ... ) + ...: the same left-to-right order as one shader.
    let partial = original.kernelFunc({
      ...args,
      inputs: inputs.slice(0, chunkSize) as unknown as tf.NamedTensorInfoMap,
    }) as tf.TensorInfo;
    for (let start = chunkSize; start < inputs.length; start += chunkSize - 1) {
      const next = original.kernelFunc({
        ...args,
        inputs: [partial, ...inputs.slice(start, start + chunkSize - 1)] as unknown as tf.NamedTensorInfoMap,
      }) as tf.TensorInfo;
      backend.disposeData(partial.dataId);
      partial = next;
    }
    return partial;
  };
  kernelFunc.s2cassiOriginal = original;
  return kernelFunc;
}

/**
 * Fixes `tf.addN` of many tensors on tfjs-backend-webgpu 4.22. Its `AddN` kernel compiles one shader
 * with a storage buffer per input plus one for the output, and devices allow only
 * `maxStorageBuffersPerShaderStage` of them (8, the WebGPU minimum, unless the device was created asking
 * for more, which tfjs does not), so `addN` of more than 7 tensors fails pipeline validation and returns
 * garbage (the previous contents of the output buffer: zeros, stale values or NaN). This replaces the
 * webgpu `AddN` kernel with one that adds at most `limit - 1` tensors per shader and chains the partial
 * sums in the original left-to-right order (results equal to `cpu`). The limit is read from the
 * backend's device at every call. Other backends are untouched.
 *
 * Call it after `@tensorflow/tfjs-backend-webgpu` has been imported (it registers the kernel); the
 * webgpu backend need not be initialised yet. `setupBackend('webgpu')` (browser and Node) and
 * `setupNodeWebGpu()` call it. Idempotent.
 *
 * @returns true when it replaced the kernel, false when it was already replaced.
 */
export function registerWebGpuAddNChunking(): boolean {
  const current = tf.getKernel('AddN', 'webgpu');
  if (current == null) {
    throw new Error(
      "registerWebGpuAddNChunking: expected tfjs-backend-webgpu's 'AddN' kernel to be registered; import '@tensorflow/tfjs-backend-webgpu' first",
    );
  }
  if ((current.kernelFunc as ChunkedKernelFunc).s2cassiOriginal != null) return false;
  tf.unregisterKernel('AddN', 'webgpu');
  tf.registerKernel({ ...current, kernelFunc: chunkedKernel(current) });
  return true;
}

/**
 * Puts tfjs-backend-webgpu's own `AddN` kernel back (for tests; not exported by the package). Returns false when the
 * chunking was not registered.
 */
export function unregisterWebGpuAddNChunking(): boolean {
  const current = tf.getKernel('AddN', 'webgpu');
  const original = (current?.kernelFunc as ChunkedKernelFunc | undefined)?.s2cassiOriginal;
  if (original == null) return false;
  tf.unregisterKernel('AddN', 'webgpu');
  tf.registerKernel(original);
  return true;
}

/** True when the webgpu `AddN` kernel is the chunked one (for tests; not exported by the package). */
export function webGpuAddNChunkingRegistered(): boolean {
  const current = tf.getKernel('AddN', 'webgpu');
  return (current?.kernelFunc as ChunkedKernelFunc | undefined)?.s2cassiOriginal != null;
}
