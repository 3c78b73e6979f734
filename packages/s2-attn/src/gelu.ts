import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS, useFusedKernel } from './fused-kernels';

/** Which GELU: 'erf' = x * Phi(x) exactly (PyTorch's default), 'tanh' = the tanh approximation. */
export type GeluApproximation = 'erf' | 'tanh';

/**
 * Name of a fused exact-GELU kernel (inputs {x}, float32, with a registered gradient). When the active backend
 * has one, `gelu(x, 'erf')` runs it instead of five elementwise ops; @s2cassi/backends registers it on wasm
 * (`setupBackend('wasm')` / `registerWasmKernels`), where it is one vectorised pass forward and one
 * backward. Everywhere else the composed form below runs.
 */
export const FUSED_GELU_KERNEL = FUSED_KERNELS.gelu;

/**
 * GELU(x) = 0.5 x (1 + erf(x / sqrt 2)) ('erf', default), or
 * 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) ('tanh', PyTorch's approximate='tanh').
 * tf.erf exists on cpu and wasm (checked by the tests, with its gradient).
 */
export function gelu(x: tf.Tensor, approximation: GeluApproximation = 'erf'): tf.Tensor {
  if (approximation === 'erf' && x.dtype === 'float32' && useFusedKernel('gelu')) {
    return tf.engine().runKernel(FUSED_GELU_KERNEL, { x }, {}) as tf.Tensor;
  }
  return tf.tidy(() => {
    if (approximation === 'tanh') {
      const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
      return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
    }
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
  });
}
