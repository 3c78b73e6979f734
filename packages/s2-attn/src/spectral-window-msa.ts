import * as tf from '@tensorflow/tfjs-core';
import { mergeHeads, projectHeads } from './_heads';
import { SeededRandom } from './_random';
import { expectOneOf } from './_validate';
import { FUSED_KERNELS, useFusedKernel } from './fused-kernels';
import { Linear } from './linear';
import { Module } from './module';
import { lookupBias, spectralBiasIndex } from './relative-position';
import { expectWindows, validateMsaConfig, type WindowMsaConfig } from './spatial-window-msa';

/**
 * How the spectral attention is applied to V. 'paper' (default): Z = V A, literally paper Eq. 9,
 * output channel j = sum_i V[:, i] A[i, j]. 'mst': Z = V A^T, i.e. output channel i = sum_j A[i, j] V[:, j]
 * (MST's MS-MSA `attn @ v`, each output channel a convex combination of value channels).
 * A's softmax runs over its last axis (the Q channel index j) in both.
 */
export type SpectralProduct = 'paper' | 'mst';

export interface SpectralMsaConfig extends WindowMsaConfig {
  product?: SpectralProduct;
}

/**
 * Spectral window multi-head self-attention (paper Eq. 9). Per window and head, with tokens
 * X in R^{M^2 x Ch}: Q, K, V from `qkv` (Linear C->3C with bias); A = softmax(K^T Q / beta + B) in
 * R^{Ch x Ch}; output Z = V A (M^2 x Ch); heads concatenated, then `proj` (Linear C->C).
 *
 * - `beta` [T]: learnable per head, initialised to sqrt(M*M) = M.
 * - `spectral_bias_table` [2Ch-1, T]: learnable bias over channel offsets, trunc-normal(0.02), indexed
 *   by {@link spectralBiasIndex} (i - j + Ch - 1).
 * - No extra masking in shifted windows.
 *
 * Input and output: windows [count, M*M, C].
 */
export class SpectralWindowMsa extends Module {
  static readonly className = 's2cassi.SpectralWindowMsa';
  readonly features: number;
  readonly heads: number;
  readonly headDim: number;
  readonly windowSize: number;
  readonly product: SpectralProduct;
  readonly qkv: Linear;
  readonly proj: Linear;
  readonly beta: tf.Variable;
  readonly biasTable: tf.Variable;
  private readonly seed: number;
  private readonly index: Int32Array;

  constructor(config: SpectralMsaConfig) {
    super();
    [this.features, this.heads, this.windowSize] = validateMsaConfig(config, 'SpectralWindowMsa');
    this.headDim = this.features / this.heads;
    this.product = expectOneOf(
      config.product ?? 'paper',
      ['paper', 'mst'] as const,
      'SpectralWindowMsa product',
    );
    this.seed = config.seed ?? 1;
    const random = new SeededRandom(this.seed);
    this.beta = this.addParameter('beta', [this.heads], new Float32Array(this.heads).fill(this.windowSize));
    this.biasTable = this.addParameter(
      'spectral_bias_table',
      [2 * this.headDim - 1, this.heads],
      random.truncatedNormalArray((2 * this.headDim - 1) * this.heads, 0.02),
    );
    this.qkv = this.addChild(
      'qkv',
      new Linear({ inFeatures: this.features, outFeatures: 3 * this.features, seed: this.seed + 1 }),
    );
    this.proj = this.addChild(
      'proj',
      new Linear({ inFeatures: this.features, outFeatures: this.features, seed: this.seed + 2 }),
    );
    this.index = spectralBiasIndex(this.headDim);
  }

  /** The spectral bias B as [T, Ch, Ch]. */
  spectralBias(): tf.Tensor3D {
    return lookupBias(this.biasTable, this.index, this.headDim);
  }

  apply(windows: tf.Tensor): tf.Tensor3D {
    this.assertLive();
    const tokens = this.windowSize * this.windowSize;
    expectWindows(windows, tokens, this.features, 'SpectralWindowMsa');
    const count = windows.shape[0];
    if (windows.dtype === 'float32' && useFusedKernel('spectralAttention')) return this.applyFused(windows);
    return tf.tidy(() => {
      const t = this.heads;
      const ch = this.headDim;
      const [q, k, v] = projectHeads(this.qkv, windows, t, ch);
      const invBeta = tf.reshape(tf.reciprocal(this.beta), [t, 1, 1, 1]);
      const kScaled = tf.reshape(tf.mul(tf.reshape(k, [t, count, tokens, ch]), invBeta), [
        t * count,
        tokens,
        ch,
      ]);
      // K^T Q: [Ch, M^2] x [M^2, Ch], the M^2 tokens being the long inner dimension.
      const logits = tf.add(
        tf.reshape(tf.matMul(kScaled, q, true, false), [t, count, ch, ch]),
        tf.expandDims(this.spectralBias(), 1),
      );
      const attention = tf.softmax(tf.reshape(logits, [t * count, ch, ch]));
      const out = tf.matMul(v, attention, false, this.product === 'mst');
      return this.proj.apply(mergeHeads(out, t)) as tf.Tensor3D;
    });
  }

  /**
   * The fused path (`S2CassiSpectralAttention`, see {@link FUSED_KERNELS}): one qkv matMul [count, P, 3C], then the
   * Ch x Ch attention per window and head in one kernel that reads the heads in place, writes them concatenated,
   * and keeps only the softmax's row statistics for its gradient.
   */
  private applyFused(windows: tf.Tensor): tf.Tensor3D {
    return tf.tidy(() => {
      const qkv = this.qkv.apply(windows);
      const [out, stats] = tf
        .engine()
        .runKernel(
          FUSED_KERNELS.spectralAttention,
          { qkv, scale: tf.reciprocal(this.beta), bias: this.spectralBias() },
          { heads: this.heads, transpose: this.product === 'mst' } as unknown as tf.NamedAttrMap,
        ) as tf.Tensor[];
      stats.dispose();
      qkv.dispose();
      return this.proj.apply(out) as tf.Tensor3D;
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    return {
      features: this.features,
      heads: this.heads,
      windowSize: this.windowSize,
      product: this.product,
      seed: this.seed,
    };
  }
}
