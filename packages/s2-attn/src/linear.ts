import * as tf from '@tensorflow/tfjs-core';
import { SeededRandom } from './_random';
import { describeShape, expectPositiveInteger, S2AttnInputError } from './_validate';
import { addBias, leanGradients, reshapeLean } from './lean-gradients';
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
      let y: tf.Tensor;
      if (this.bias && leanGradients()) {
        y = linearWithBias(flat as tf.Tensor2D, this.weight as tf.Tensor2D, this.bias as tf.Tensor1D);
      } else {
        y = tf.matMul(flat, this.weight);
        // bias add and reshape through shape-only gradients: the tape keeps neither the product before the bias
        // nor the output (the backward pass reads neither)
        if (this.bias) y = addBias(y, this.bias);
      }
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

/**
 * x W + b in one kernel (tfjs's _FusedMatMul: on wasm @s2cassi/backends' SIMD matrix kernel starts each output row
 * from the bias, one pass over the output fewer than matMul then add), with our own gradient: dx = dy W^T,
 * dW = x^T dy, db = the column sums of dy. The tape keeps x and W only (tf.fused.matMul's own gradient also keeps
 * the output, and leaks backend data on wasm in tfjs 4.22: 4 data ids per call; so the kernel is called
 * directly). Values differ from matMul then add by float32 rounding only (the bias is added first, not last).
 */
export function linearWithBias(x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
  return tf.tidy(() => linearWithBiasUntidied(x, weight, bias));
}

function linearWithBiasUntidied(x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
  const [n, k] = x.shape;
  const m = weight.shape[1];
  // The rank-3 views the kernel takes are made out here: reading a tensor that lives on another backend moves
  // its data, and a move inside a custom gradient's forward function trips tfjs's leak check.
  const a = reshapeLean(x, [1, n, k]);
  const w = reshapeLean(weight, [1, k, m]);
  const b = reshapeLean(bias, [m]);
  const op = tf.customGrad((a3, w3, b1, save) => {
    (save as tf.GradSaveFunc)([a3 as tf.Tensor, w3 as tf.Tensor]);
    return {
      value: tf
        .engine()
        .runKernel(
          tf._FusedMatMul,
          { a: a3 as tf.Tensor3D, b: w3 as tf.Tensor3D, bias: b1 as tf.Tensor1D },
          { transposeA: false, transposeB: false, activation: 'linear' },
        ) as tf.Tensor3D,
      gradFunc: (dy, saved) => {
        const [input, kernel] = saved;
        const g = dy as tf.Tensor3D;
        return [tf.matMul(g, kernel, false, true), tf.matMul(input, g, true, false), tf.sum(g, [0, 1])];
      },
    };
  });
  return reshapeLean(op(a, w, b) as tf.Tensor3D, [n, m]) as tf.Tensor2D;
}
