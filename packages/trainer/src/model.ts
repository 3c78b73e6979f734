import { encodeModelWeights, type MeasurementScaling, S2Transformer } from '@s2cassi/s2-attn';
import type * as tf from '@tensorflow/tfjs-core';
import type { NamedVariable } from './adam';
import type { TrainerConfig } from './config';

/**
 * What the trainer needs from a model. `S2Transformer` from @s2cassi/s2-attn is one (the default);
 * any other network with the same shape of API can be trained too.
 */
export interface TrainableModel {
  /**
   * Y0 [B, H, W, N] -> F_hat [B, H, W, N], plus f_h's mask-encoded prediction [B, H, W, N] when
   * `withIntermediate` (needed by the L_ME / L_MA objectives).
   */
  apply(
    input: tf.Tensor4D,
    options: { withIntermediate?: boolean; training?: boolean; checkpointBlocks?: boolean | number },
  ): { reconstruction: tf.Tensor4D; maskEncoded?: tf.Tensor4D };
  /** Every weight under a stable, unique name (the checkpoint keys). */
  namedWeights(): NamedVariable[];
  parameterCount(): number;
  /**
   * The weights file to store in checkpoints (safetensors); default: every named weight as F32. For
   * S2Transformer it carries the model config in its metadata, so `loadS2Transformer` reads it directly.
   */
  encodeWeights?(): Uint8Array;
  dispose(): void;
}

/**
 * The measurement scaling a run's model is trained for. With `config.measurementScaling`, its kind with the gain
 * of the training measurements: shot noise's `scale` (its mean is scale x Y x 2 / N), else 1. Without it (every
 * run before the field existed), `band-sum` with gain 1, as those runs validated and wrote their weights: a
 * resumed run keeps validating and saving the way it started.
 */
export function modelMeasurementScaling(config: TrainerConfig): MeasurementScaling {
  const chosen = config.measurementScaling;
  if (!chosen) return { kind: 'band-sum', gain: 1 };
  const gain = config.data.noise.kind === 'shot' ? config.data.noise.scale : 1;
  return chosen.kind === 'peak' ? { kind: 'peak', peak: chosen.peak, gain } : { kind: 'band-sum', gain };
}

/**
 * Builds the default model: an S2Transformer from the config's `model` section and the run seed, which
 * expects measurements scaled as `measurementScaling` says (stored in its weights; default `band-sum`, gain 1).
 */
export function createModel(
  model: TrainerConfig['model'],
  seed: number,
  measurementScaling?: MeasurementScaling,
): TrainableModel {
  const network = new S2Transformer({ ...model, seed });
  if (measurementScaling) network.measurementScaling = measurementScaling;
  return {
    apply: (input, options) =>
      network.apply(input, {
        withIntermediate: options.withIntermediate === true,
        checkpointBlocks: options.checkpointBlocks ?? false,
      }),
    namedWeights: () => network.namedWeights(),
    parameterCount: () => network.parameterCount(),
    encodeWeights: () => encodeModelWeights(network),
    dispose: () => network.dispose(),
  };
}
