import * as tf from '@tensorflow/tfjs-core';
import { describeShape, expectFinite, expectPositiveInteger, S2AttnInputError } from './_validate';
import { FUSED_KERNELS, useFusedKernel } from './fused-kernels';
import { Module } from './module';

export interface LayerNormConfig {
  features: number;
  /** Added to the variance (default 1e-5, PyTorch's default). */
  epsilon?: number;
}

/**
 * LayerNorm over the last axis: (x - mean) / sqrt(var + eps) * weight + bias, biased variance, weight
 * initialised to 1 and bias to 0. Input and output [..., features]. Runs the fused kernel `S2CassiLayerNorm`
 * ({@link FUSED_KERNELS}) where the backend has one (one pass forward and one backward; the gradient keeps x and
 * two floats per row instead of four intermediates), the composed ops elsewhere.
 */
export class LayerNorm extends Module {
  static readonly className = 's2cassi.LayerNorm';
  readonly features: number;
  readonly epsilon: number;
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  constructor(config: LayerNormConfig) {
    super();
    this.features = expectPositiveInteger(config.features, 'LayerNorm features');
    this.epsilon = expectFinite(config.epsilon ?? 1e-5, 'LayerNorm epsilon');
    this.weight = this.addParameter('weight', [this.features], new Float32Array(this.features).fill(1));
    this.bias = this.addParameter('bias', [this.features], new Float32Array(this.features));
  }

  apply(x: tf.Tensor): tf.Tensor {
    this.assertLive();
    if (x.shape[x.rank - 1] !== this.features) {
      throw new S2AttnInputError(
        `LayerNorm: expected input [..., ${this.features}], got shape ${describeShape(x.shape)}`,
      );
    }
    if (x.dtype === 'float32' && useFusedKernel('layerNorm')) {
      const [y, stats] = tf
        .engine()
        .runKernel(
          FUSED_KERNELS.layerNorm,
          { x, gamma: this.weight, beta: this.bias },
          { epsilon: this.epsilon },
        ) as tf.Tensor[];
      stats.dispose(); // the gradient keeps its own reference
      return y;
    }
    return tf.tidy(() => {
      const mean = tf.mean(x, -1, true);
      const centered = tf.sub(x, mean);
      const variance = tf.mean(tf.square(centered), -1, true);
      const normalized = tf.mul(centered, tf.rsqrt(tf.add(variance, this.epsilon)));
      return tf.add(tf.mul(normalized, this.weight), this.bias);
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    return { features: this.features, epsilon: this.epsilon };
  }
}
