import * as tf from '@tensorflow/tfjs-core';

type Info = tf.TensorInfo;
type KernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * Identity on wasm, replacing tfjs-backend-wasm 4.22's copying one: shares the input's buffer (reference counted,
 * as the cpu backend's does) instead of copying it. tfjs clones (Identity) every tensor a gradient tape saves, so
 * with the copying kernel every saved activation existed twice in the wasm heap during training. No wasm kernel
 * writes into its inputs, so sharing is safe. Relies on tfjs-backend-wasm's reference counting (`incRef`).
 */
function sharedIdentity({ inputs, backend }: KernelArgs): Info {
  const { x } = inputs as { x: Info };
  (backend as tf.KernelBackend & { incRef(dataId: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

export const identityKernel: tf.KernelConfig = {
  kernelName: tf.Identity,
  backendName: 'wasm',
  kernelFunc: sharedIdentity,
};
