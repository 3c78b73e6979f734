import * as tf from '@tensorflow/tfjs-core';
import { unary } from './_elementwise';
import { FUSED_GELU_GRAD } from './gelu-grad';

/**
 * The exact GELU as one kernel, x Phi(x) = 0.5 x (1 + erf(x / sqrt 2)) (erf as in ./erf.ts), with its gradient
 * kernel {@link FUSED_GELU_GRAD}: five elementwise passes forward (and about seven backward) become one each. Kernels
 * of this name are a protocol with @s2cassi/s2-attn, whose `gelu` runs this kernel when the active backend has it and
 * composes tf ops otherwise; they exist on wasm only, for float32.
 */
export const FUSED_GELU = 'S2CassiGelu';

export const geluKernel: tf.KernelConfig = {
  kernelName: FUSED_GELU,
  backendName: 'wasm',
  kernelFunc: unary(FUSED_GELU, 'gelu'),
};

/** Gradient of {@link FUSED_GELU}: one {@link FUSED_GELU_GRAD} call. */
export const geluGradient: tf.GradConfig = {
  kernelName: FUSED_GELU,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    return { x: () => tf.engine().runKernel(FUSED_GELU_GRAD, { x, dy: dy as tf.Tensor }, {}) as tf.Tensor };
  },
};
