import * as tf from '@tensorflow/tfjs-core';

/**
 * tfjs-backend-webgpu 4.22 compiles `addN` of k tensors into one shader with k + 1 storage buffers.
 * Devices allow only `maxStorageBuffersPerShaderStage` of them (8 by default, the WebGPU minimum, and
 * tfjs does not ask for more), so `tf.addN` of more than 7 tensors fails pipeline validation and the
 * result is garbage (NaN in the GAP-TV output). @s2cassi/cassi-sim sums 28 bands with one addN. This
 * wraps the webgpu AddN kernel so that it adds at most `limit - 1` tensors per shader, chaining the
 * partial sums. Installed once, after the webgpu backend is set up; other backends are untouched.
 */
export function installWebGpuAddNChunking(): number {
  const original = tf.getKernel('AddN', 'webgpu');
  if (!original) throw new Error('installWebGpuAddNChunking: no AddN kernel registered for webgpu');
  if ((original as { s2cassiChunked?: boolean }).s2cassiChunked) return chunkSize;
  const backend = tf.findBackend('webgpu') as unknown as {
    device?: { limits?: { maxStorageBuffersPerShaderStage?: number } };
    disposeData(dataId: object): void;
  } | null;
  const limit = backend?.device?.limits?.maxStorageBuffersPerShaderStage ?? 8;
  chunkSize = Math.max(2, limit - 1);
  const kernelFunc: tf.KernelFunc = (args) => {
    const inputs = args.inputs as unknown as tf.TensorInfo[];
    if (inputs.length <= chunkSize) return original.kernelFunc(args);
    let partial = original.kernelFunc({
      ...args,
      inputs: inputs.slice(0, chunkSize) as never,
    }) as tf.TensorInfo;
    for (let start = chunkSize; start < inputs.length; start += chunkSize - 1) {
      const next = original.kernelFunc({
        ...args,
        inputs: [partial, ...inputs.slice(start, start + chunkSize - 1)] as never,
      }) as tf.TensorInfo;
      (args.backend as unknown as { disposeData(dataId: object): void }).disposeData(partial.dataId);
      partial = next;
    }
    return partial;
  };
  (kernelFunc as { s2cassiChunked?: boolean }).s2cassiChunked = true;
  tf.unregisterKernel('AddN', 'webgpu');
  tf.registerKernel({ kernelName: 'AddN', backendName: 'webgpu', kernelFunc });
  return chunkSize;
}

let chunkSize = 7;
