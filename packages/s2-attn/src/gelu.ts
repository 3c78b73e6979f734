import * as tf from '@tensorflow/tfjs-core';

/** Which GELU: 'erf' = x * Phi(x) exactly (PyTorch's default), 'tanh' = the tanh approximation. */
export type GeluApproximation = 'erf' | 'tanh';

/**
 * GELU(x) = 0.5 x (1 + erf(x / sqrt 2)) ('erf', default), or
 * 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) ('tanh', PyTorch's approximate='tanh').
 * tf.erf exists on cpu and wasm (checked by the tests, with its gradient).
 */
export function gelu(x: tf.Tensor, approximation: GeluApproximation = 'erf'): tf.Tensor {
  return tf.tidy(() => {
    if (approximation === 'tanh') {
      const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
      return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
    }
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
  });
}
