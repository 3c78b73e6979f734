import * as tf from '@tensorflow/tfjs-core';
import { mergeHeads, projectHeads } from './_heads';
import { SeededRandom } from './_random';
import { describeShape, expectPositiveInteger, S2AttnInputError } from './_validate';
import { FUSED_KERNELS, useFusedKernel } from './fused-kernels';
import { Linear } from './linear';
import { Module } from './module';
import { lookupBias, relativePositionIndex } from './relative-position';

/**
 * How Q K^T is computed (numerically equivalent): 'batch-matmul' = one batched matMul over (head,
 * window); 'depthwise' = a depthwise convolution whose channels are the (head, window) pairs and one
 * transpose of the attention. 'auto' (default) = batch-matmul. The depthwise form was the faster one on
 * wasm while tfjs-backend-wasm ran batched products in a scalar loop; with the SIMD BatchMatMul that
 * `setupBackend('wasm')` / `registerWasmKernels()` of @s2cassi/backends register, batch-matmul
 * wins (spatial MSA of a shifted 256 x 256 block, C=60, forward: 1012 ms against 1616 ms, wasm, 1 thread,
 * bench/attention-variants.ts), and it needs no depthwise backprop kernels under a gradient tape.
 */
export type SpatialProductImplementation = 'auto' | 'batch-matmul' | 'depthwise';
let spatialProduct: SpatialProductImplementation = 'auto';

/** Internal benchmark switch (see bench/attention-variants.ts). */
export function setSpatialProductImplementation(value: SpatialProductImplementation): void {
  spatialProduct = value;
}

export interface WindowMsaConfig {
  /** Embedding width C. */
  features: number;
  /** Heads T; C must be divisible by T (Ch = C / T). */
  heads: number;
  /** Window side M. */
  windowSize: number;
  seed?: number;
}

export interface SpatialMsaOptions {
  /**
   * Additive mask [windowCount, M*M, M*M] of a shifted block ({@link shiftedWindowMask}); the input
   * windows are then `batch * windowCount` windows in {@link windowPartition} order.
   */
  mask?: tf.Tensor;
}

/**
 * Q K^T for q, k [B, P, Ch] as a depthwise convolution: input Q as [1, P, Ch, B], filter K as
 * [1, Ch, B, P]; 'valid' padding contracts Ch; the result is laid out [1, P, 1, B * P] = (p, b, q).
 */
function depthwiseLogits(q: tf.Tensor, k: tf.Tensor): tf.Tensor {
  const [batch, tokens, ch] = q.shape;
  return tf.tidy(() => {
    const input = tf.reshape(tf.transpose(q, [1, 2, 0]), [1, tokens, ch, batch]) as tf.Tensor4D;
    const filter = tf.reshape(tf.transpose(k, [2, 0, 1]), [1, ch, batch, tokens]) as tf.Tensor4D;
    return tf.depthwiseConv2d(input, filter, 1, 'valid');
  });
}

/** tf.reshape that disposes its input (the result shares the buffer). */
export function reshapeOwned(x: tf.Tensor, shape: number[]): tf.Tensor {
  const y = tf.reshape(x, shape);
  x.dispose();
  return y;
}

export function validateMsaConfig(config: WindowMsaConfig, what: string): [number, number, number] {
  const features = expectPositiveInteger(config.features, `${what} features`);
  const heads = expectPositiveInteger(config.heads, `${what} heads`);
  const windowSize = expectPositiveInteger(config.windowSize, `${what} windowSize`);
  if (features % heads !== 0) {
    throw new S2AttnInputError(`${what}: features (${features}) must be divisible by heads (${heads})`);
  }
  return [features, heads, windowSize];
}

export function expectWindows(x: tf.Tensor, tokens: number, features: number, what: string): void {
  if (!(x instanceof tf.Tensor) || x.rank !== 3 || x.shape[1] !== tokens || x.shape[2] !== features) {
    throw new S2AttnInputError(
      `${what}: expected windows [count, ${tokens}, ${features}], got ${x instanceof tf.Tensor ? `shape ${describeShape(x.shape)}` : typeof x}`,
    );
  }
}

/**
 * Spatial window multi-head self-attention (paper Eq. 8, Swin W-MSA). Per window and head, with tokens
 * X in R^{M^2 x Ch}: Q, K, V from one Linear C->3C with bias (`qkv`, output channels [3][T][Ch]),
 * A = softmax(Q K^T / beta + B) in R^{M^2 x M^2}, output A V; heads concatenated, then `proj`
 * (Linear C->C with bias).
 *
 * - `beta` [T]: learnable per head, initialised to sqrt(Ch).
 * - `relative_position_bias_table` [(2M-1)^2, T], trunc-normal(0.02) init, indexed by
 *   {@link relativePositionIndex}.
 * - Shifted windows add `options.mask` (0 / -100).
 *
 * Input and output: windows [count, M*M, C].
 */
export class SpatialWindowMsa extends Module {
  static readonly className = 's2cassi.SpatialWindowMsa';
  readonly features: number;
  readonly heads: number;
  readonly headDim: number;
  readonly windowSize: number;
  readonly qkv: Linear;
  readonly proj: Linear;
  readonly beta: tf.Variable;
  readonly biasTable: tf.Variable;
  private readonly seed: number;
  private readonly index: Int32Array;

  constructor(config: WindowMsaConfig) {
    super();
    [this.features, this.heads, this.windowSize] = validateMsaConfig(config, 'SpatialWindowMsa');
    this.headDim = this.features / this.heads;
    this.seed = config.seed ?? 1;
    const m = this.windowSize;
    const random = new SeededRandom(this.seed);
    this.beta = this.addParameter(
      'beta',
      [this.heads],
      new Float32Array(this.heads).fill(Math.sqrt(this.headDim)),
    );
    this.biasTable = this.addParameter(
      'relative_position_bias_table',
      [(2 * m - 1) ** 2, this.heads],
      random.truncatedNormalArray((2 * m - 1) ** 2 * this.heads, 0.02),
    );
    this.qkv = this.addChild(
      'qkv',
      new Linear({ inFeatures: this.features, outFeatures: 3 * this.features, seed: this.seed + 1 }),
    );
    this.proj = this.addChild(
      'proj',
      new Linear({ inFeatures: this.features, outFeatures: this.features, seed: this.seed + 2 }),
    );
    this.index = relativePositionIndex(m);
  }

  /** The relative position bias B as [T, M*M, M*M]. */
  relativePositionBias(): tf.Tensor3D {
    const tokens = this.windowSize * this.windowSize;
    return lookupBias(this.biasTable, this.index, tokens);
  }

  apply(windows: tf.Tensor, options: SpatialMsaOptions = {}): tf.Tensor3D {
    this.assertLive();
    const tokens = this.windowSize * this.windowSize;
    expectWindows(windows, tokens, this.features, 'SpatialWindowMsa');
    const count = windows.shape[0];
    const { mask } = options;
    if (mask !== undefined) {
      if (
        mask.rank !== 3 ||
        mask.shape[1] !== tokens ||
        mask.shape[2] !== tokens ||
        count % mask.shape[0] !== 0
      ) {
        throw new S2AttnInputError(
          `SpatialWindowMsa: expected a mask [windowCount, ${tokens}, ${tokens}] with windowCount dividing ${count}, got shape ${describeShape(mask.shape)}`,
        );
      }
    }
    if (windows.dtype === 'float32' && useFusedKernel('windowAttention')) {
      return this.applyFused(windows, mask);
    }
    return tf.tidy(() => {
      const t = this.heads;
      const [q, k, v] = projectHeads(this.qkv, windows, t, this.headDim);
      // Q K^T / beta: the per-head 1/beta is applied to Q (fewer elements than the logits).
      const invBeta = tf.reshape(tf.reciprocal(this.beta), [t, 1, 1, 1]);
      const qScaled = tf.reshape(tf.mul(tf.reshape(q, [t, count, tokens, this.headDim]), invBeta), [
        t * count,
        tokens,
        this.headDim,
      ]);
      const useDepthwise = spatialProduct === 'depthwise';
      let product: tf.Tensor;
      if (useDepthwise) {
        const attention = this.attentionDepthwise(qScaled, k, count, mask);
        product = tf.matMul(attention, v);
        attention.dispose();
      } else {
        // 5-D [T, images, windows, P, *] so that no large tensor is reshaped (tfjs' reshape gradient
        // keeps its input; on wasm every tensor kept for the gradient is a copy). The [.., P, P]
        // tensors are disposed as soon as the next exists (a gradient tape keeps its own references).
        const perGroup = mask ? mask.shape[0] : count;
        const groups = count / perGroup;
        const shape5 = (x: tf.Tensor) => tf.reshape(x, [t, groups, perGroup, tokens, this.headDim]);
        const raw = tf.matMul(shape5(qScaled), shape5(k), false, true);
        let logits = tf.add(raw, tf.reshape(this.relativePositionBias(), [t, 1, 1, tokens, tokens]));
        raw.dispose();
        if (mask) {
          const masked = tf.add(logits, tf.expandDims(mask, 0));
          logits.dispose();
          logits = masked;
        }
        const attention = tf.softmax(logits);
        logits.dispose();
        const out5 = tf.matMul(attention, shape5(v));
        attention.dispose();
        product = tf.reshape(out5, [t * count, tokens, this.headDim]);
      }
      const out = mergeHeads(product, t);
      return this.proj.apply(out) as tf.Tensor3D;
    });
  }

  /**
   * The fused path (`S2CassiWindowAttention`, see {@link FUSED_KERNELS}): one qkv matMul [count, P, 3C], then
   * attention per window and head in one kernel that reads the heads in place and writes them concatenated (no
   * head split or merge transposes), and keeps only the softmax's row statistics for its gradient.
   */
  private applyFused(windows: tf.Tensor, mask: tf.Tensor | undefined): tf.Tensor3D {
    const tokens = this.windowSize * this.windowSize;
    return tf.tidy(() => {
      const qkv = this.qkv.apply(windows);
      const [out, stats] = tf.engine().runKernel(
        FUSED_KERNELS.windowAttention,
        {
          qkv,
          scale: tf.reciprocal(this.beta),
          bias: this.relativePositionBias(),
          mask: mask ?? tf.zeros([1, tokens, tokens]),
        },
        { heads: this.heads } as unknown as tf.NamedAttrMap,
      ) as tf.Tensor[];
      stats.dispose();
      qkv.dispose();
      return this.proj.apply(out) as tf.Tensor3D;
    });
  }

  /** softmax(Q K^T + B [+ mask]) as [T * count, P, P], Q K^T from {@link depthwiseLogits} (laid out [P, (head, window), P]). */
  private attentionDepthwise(
    q: tf.Tensor,
    k: tf.Tensor,
    count: number,
    mask: tf.Tensor | undefined,
  ): tf.Tensor {
    const t = this.heads;
    const tokens = this.windowSize * this.windowSize;
    const batch = t * count;
    const raw = reshapeOwned(depthwiseLogits(q, k), [tokens, t, count, tokens]);
    const bias = tf.reshape(tf.transpose(this.relativePositionBias(), [1, 0, 2]), [tokens, t, 1, tokens]);
    let logits: tf.Tensor = tf.add(raw, bias);
    raw.dispose();
    if (mask !== undefined) {
      const perImage = mask.shape[0];
      const grouped = reshapeOwned(logits, [tokens, t, count / perImage, perImage, tokens]);
      const maskLayout = tf.reshape(tf.transpose(mask, [1, 0, 2]), [tokens, 1, 1, perImage, tokens]);
      logits = tf.add(grouped, maskLayout);
      grouped.dispose();
    }
    const flat = reshapeOwned(logits, [tokens, batch, tokens]);
    const softmax = tf.softmax(flat);
    flat.dispose();
    const attention = tf.transpose(softmax, [1, 0, 2]); // [T*count, P, P] for A V
    softmax.dispose();
    return attention;
  }

  getConfig(): tf.serialization.ConfigDict {
    return { features: this.features, heads: this.heads, windowSize: this.windowSize, seed: this.seed };
  }
}
