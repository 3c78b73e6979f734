import * as tf from '@tensorflow/tfjs-core';
import { expectOneOf, expectPositiveInteger } from './_validate';
import { type GeluApproximation, gelu } from './gelu';
import { Linear } from './linear';
import { Module } from './module';

export interface FeedForwardConfig {
  features: number;
  /** Hidden width = ratio * features (default 4). */
  ratio?: number;
  /** GELU after the second Linear too (paper: Linear-GELU-Linear-GELU, default true; the authors' code: false). */
  outputGelu?: boolean;
  gelu?: GeluApproximation;
  seed?: number;
}

/** f_FFN: Linear C->rC, GELU, Linear rC->C, GELU (names `fc1`, `fc2`). Input/output [..., C]. */
export class FeedForward extends Module {
  static readonly className = 's2cassi.FeedForward';
  readonly features: number;
  readonly ratio: number;
  readonly outputGelu: boolean;
  readonly geluApproximation: GeluApproximation;
  readonly fc1: Linear;
  readonly fc2: Linear;
  private readonly seed: number;

  constructor(config: FeedForwardConfig) {
    super();
    this.features = expectPositiveInteger(config.features, 'FeedForward features');
    this.ratio = expectPositiveInteger(config.ratio ?? 4, 'FeedForward ratio');
    this.outputGelu = expectOneOf(config.outputGelu ?? true, [true, false], 'FeedForward outputGelu');
    this.geluApproximation = expectOneOf(config.gelu ?? 'erf', ['erf', 'tanh'] as const, 'FeedForward gelu');
    this.seed = config.seed ?? 1;
    const hidden = this.features * this.ratio;
    this.fc1 = this.addChild(
      'fc1',
      new Linear({ inFeatures: this.features, outFeatures: hidden, seed: this.seed }),
    );
    this.fc2 = this.addChild(
      'fc2',
      new Linear({ inFeatures: hidden, outFeatures: this.features, seed: this.seed + 1 }),
    );
  }

  apply(x: tf.Tensor): tf.Tensor {
    this.assertLive();
    return tf.tidy(() => {
      const hidden = gelu(this.fc1.apply(x), this.geluApproximation);
      const out = this.fc2.apply(hidden);
      return this.outputGelu ? gelu(out, this.geluApproximation) : out;
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    return {
      features: this.features,
      ratio: this.ratio,
      outputGelu: this.outputGelu,
      gelu: this.geluApproximation,
      seed: this.seed,
    };
  }
}
