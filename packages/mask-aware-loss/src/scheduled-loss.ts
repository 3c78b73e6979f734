import type * as tf from '@tensorflow/tfjs-core';
import { expectObject, LossInputError } from './_validate';
import type { LossParts } from './loss-parts';
import type { LossScheduleStep } from './loss-schedule';
import { type MaskAwareRegion, maskAwareLoss } from './mask-aware-loss';
import { maskEncodingLoss } from './mask-encoding-loss';
import { reconstructionLoss } from './reconstruction-loss';

/** The tensors (and MA options) a scheduled loss may need. */
export interface ScheduledLossInputs {
  prediction: tf.Tensor4D;
  truth: tf.Tensor4D;
  /** Required for the `me` and `ma` objectives. */
  maskEncodedPrediction?: tf.Tensor4D;
  /** Required for the `me` and `ma` objectives; layouts as in `maskEncodingLoss`. */
  mask?: tf.Tensor;
  region?: MaskAwareRegion;
  windowSize?: number;
  eps?: number;
}

/**
 * Computes the loss a schedule step names (`lossScheduleAt(...)`) with its alpha and beta:
 * `l1` / `rmse` -> `reconstructionLoss`, `me` -> `maskEncodingLoss`, `ma` -> `maskAwareLoss`.
 *
 * @returns the parts of that loss, owned by the caller (see `LossParts`).
 */
export function scheduledLoss(step: LossScheduleStep, inputs: ScheduledLossInputs): LossParts {
  const s = expectObject(step, 'scheduledLoss(step)') as unknown as LossScheduleStep;
  switch (s.objective) {
    case 'l1':
    case 'rmse':
      return reconstructionLoss(inputs.prediction, inputs.truth, { kind: s.objective });
    case 'me':
      return maskEncodingLoss({
        ...(inputs as Required<ScheduledLossInputs>),
        alpha: s.alpha,
        reconstruction: s.reconstruction,
      });
    case 'ma':
      return maskAwareLoss({
        ...(inputs as Required<ScheduledLossInputs>),
        alpha: s.alpha,
        beta: s.beta,
        reconstruction: s.reconstruction,
      });
    default:
      throw new LossInputError(
        `scheduledLoss(step.objective): expected 'me', 'ma', 'l1' or 'rmse', got ${String(
          (s as { objective: unknown }).objective,
        )}`,
      );
  }
}
