import * as tf from '@tensorflow/tfjs-core';
import { offsetOf, tfjsKernels, type WasmBackendLike } from '../_simd-module';
import { runElementwise } from './_elementwise';

type Info = tf.TensorInfo;
type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The gradient of the fused GELU: inputs {x, dy}, output dy (Phi(x) + x phi(x)) (scripts/wasm/gelu.mjs). */
export const FUSED_GELU_GRAD = 'S2CassiGeluGrad';

function geluGrad(args: KernelArgs): Info {
  const backend = args.backend as WasmBackendLike;
  const { x, dy } = args.inputs as { x: Info; dy: Info };
  const kernels = tfjsKernels(backend);
  const size = tf.util.sizeFromShape(x.shape);
  if (x.dtype !== 'float32' || dy.dtype !== 'float32' || !tf.util.arraysEqual(x.shape, dy.shape)) {
    throw new Error(
      `${FUSED_GELU_GRAD}: expected float32 x and dy of one shape, got ${x.dtype} [${x.shape}] and ${dy.dtype} [${dy.shape}]`,
    );
  }
  if (kernels == null)
    throw new Error(`${FUSED_GELU_GRAD}: needs tfjs-backend-wasm's memory, which this build does not expose`);
  const out = backend.makeOutput([...x.shape], 'float32');
  if (size > 0) {
    const pointers = [x, dy, out].map((t) => offsetOf(backend, t, FUSED_GELU_GRAD));
    runElementwise(backend, kernels, 'geluGrad', pointers, size);
  }
  return out;
}

export const geluGradKernel: tf.KernelConfig = {
  kernelName: FUSED_GELU_GRAD,
  backendName: 'wasm',
  kernelFunc: geluGrad,
};
