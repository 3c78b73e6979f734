import * as tf from '@tensorflow/tfjs-core';
import { SeededRandom } from './_random';
import { describeShape, expectPositiveInteger, S2AttnInputError } from './_validate';
import { addBias, reshapeLean } from './lean-gradients';
import { Module } from './module';

export interface LinearConfig {
  inFeatures: number;
  outFeatures: number;
  /** Add a learnable bias (default true). */
  bias?: boolean;
  /** Seed of the initialisation (trunc-normal std 0.02, bias 0, as timm's `_init_weights`). */
  seed?: number;
}

/**
 * y = x W + b over the last axis. `weight` is [inFeatures, outFeatures] (the transpose of PyTorch's
 * `nn.Linear.weight`), `bias` is [outFeatures]. Input [..., inFeatures] -> output [..., outFeatures].
 */
export class Linear extends Module {
  static readonly className = 's2cassi.Linear';
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly hasBias: boolean;
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | undefined;
  private readonly seed: number;

  constructor(config: LinearConfig) {
    super();
    this.inFeatures = expectPositiveInteger(config.inFeatures, 'Linear inFeatures');
    this.outFeatures = expectPositiveInteger(config.outFeatures, 'Linear outFeatures');
    this.hasBias = config.bias ?? true;
    this.seed = config.seed ?? 1;
    const random = new SeededRandom(this.seed);
    this.weight = this.addParameter(
      'weight',
      [this.inFeatures, this.outFeatures],
      random.truncatedNormalArray(this.inFeatures * this.outFeatures, 0.02),
    );
    this.bias = this.hasBias
      ? this.addParameter('bias', [this.outFeatures], new Float32Array(this.outFeatures))
      : undefined;
  }

  apply(x: tf.Tensor): tf.Tensor {
    this.assertLive();
    const last = x.shape[x.rank - 1];
    if (last !== this.inFeatures) {
      throw new S2AttnInputError(
        `Linear: expected input [..., ${this.inFeatures}], got shape ${describeShape(x.shape)}`,
      );
    }
    return tf.tidy(() => {
      const flat = tf.reshape(x, [-1, this.inFeatures]);
      // Not tf.fused.matMul: its gradient leaks backend data on wasm in tfjs 4.22 (4 data ids per call).
      let y = tf.matMul(flat, this.weight);
      // bias add and reshape through shape-only gradients: the tape keeps neither the product before the bias nor
      // the output (the backward pass reads neither)
      if (this.bias) y = addBias(y, this.bias);
      return reshapeLean(y, [...x.shape.slice(0, -1), this.outFeatures]);
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    return {
      inFeatures: this.inFeatures,
      outFeatures: this.outFeatures,
      bias: this.hasBias,
      seed: this.seed,
    };
  }
}
