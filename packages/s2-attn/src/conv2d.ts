import * as tf from '@tensorflow/tfjs-core';
import { SeededRandom } from './_random';
import { describeShape, expectOneOf, expectPositiveInteger, S2AttnInputError } from './_validate';
import { addBias } from './lean-gradients';
import { Module } from './module';

export interface Conv2dConfig {
  inChannels: number;
  outChannels: number;
  /** Odd kernel size, 'same' zero padding (PyTorch padding = k // 2). Default 3. */
  kernelSize?: 1 | 3 | 5;
  /** Seed of the initialisation (PyTorch's default: uniform(+-1/sqrt(fan_in)) for weight and bias). */
  seed?: number;
}

/**
 * Stride-1 2D convolution with bias and 'same' zero padding, NHWC. `weight` is
 * [kernel, kernel, inChannels, outChannels] (tfjs HWIO; PyTorch's is OIHW), `bias` [outChannels].
 * Input [batch, height, width, inChannels] -> [batch, height, width, outChannels].
 */
export class Conv2d extends Module {
  static readonly className = 's2cassi.Conv2d';
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: 1 | 3 | 5;
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  private readonly seed: number;

  constructor(config: Conv2dConfig) {
    super();
    this.inChannels = expectPositiveInteger(config.inChannels, 'Conv2d inChannels');
    this.outChannels = expectPositiveInteger(config.outChannels, 'Conv2d outChannels');
    this.kernelSize = expectOneOf(config.kernelSize ?? 3, [1, 3, 5] as const, 'Conv2d kernelSize');
    this.seed = config.seed ?? 1;
    const random = new SeededRandom(this.seed);
    const fanIn = this.inChannels * this.kernelSize * this.kernelSize;
    const bound = 1 / Math.sqrt(fanIn);
    this.weight = this.addParameter(
      'weight',
      [this.kernelSize, this.kernelSize, this.inChannels, this.outChannels],
      random.uniformArray(fanIn * this.outChannels, bound),
    );
    this.bias = this.addParameter('bias', [this.outChannels], random.uniformArray(this.outChannels, bound));
  }

  apply(x: tf.Tensor): tf.Tensor {
    this.assertLive();
    if (x.rank !== 4 || x.shape[3] !== this.inChannels) {
      throw new S2AttnInputError(
        `Conv2d: expected input [batch, height, width, ${this.inChannels}], got shape ${describeShape(x.shape)}`,
      );
    }
    return tf.tidy(() =>
      addBias(tf.conv2d(x as tf.Tensor4D, this.weight as tf.Tensor4D, 1, 'same'), this.bias),
    );
  }

  getConfig(): tf.serialization.ConfigDict {
    return {
      inChannels: this.inChannels,
      outChannels: this.outChannels,
      kernelSize: this.kernelSize,
      seed: this.seed,
    };
  }
}
