import * as tf from '@tensorflow/tfjs-core';
import { expectCube, expectObject, expectOneOf, expectSameShape } from './_validate';
import type { LossParts } from './loss-parts';

/** The reconstruction norms: the paper's L1, and MSE / RMSE as the MST toolbox trains with. */
export type ReconstructionKind = 'l1' | 'rmse' | 'mse';

export const RECONSTRUCTION_KINDS: readonly ReconstructionKind[] = ['l1', 'rmse', 'mse'];

export interface ReconstructionLossOptions {
  /** Default 'l1' (paper Eq. 12, spec section 3). */
  kind?: ReconstructionKind;
}

export function resolveReconstructionKind(kind: unknown, what: string): ReconstructionKind {
  return expectOneOf(kind ?? 'l1', RECONSTRUCTION_KINDS, what);
}

/**
 * The reconstruction error term as a scalar, with no validation (callers have checked the shapes).
 * Call inside a tidy.
 */
export function reconstructionTerm(
  prediction: tf.Tensor4D,
  truth: tf.Tensor4D,
  kind: ReconstructionKind,
): tf.Scalar {
  const difference = tf.sub(prediction, truth);
  if (kind === 'l1') return tf.mean(tf.abs(difference));
  const mse = tf.mean(tf.square(difference));
  return (kind === 'mse' ? mse : tf.sqrt(mse)) as tf.Scalar;
}

/**
 * The reconstruction term Recon of the paper's losses, averaged over every element of the batch:
 *
 * - `l1`:   mean |F_hat - F| over all B * H * W * N elements (paper Eq. 12, the default);
 * - `mse`:  mean (F_hat - F)^2 over all elements;
 * - `rmse`: sqrt( mean (F_hat - F)^2 ), the square root of the MSE of the WHOLE batch (not a mean of
 *   per-sample or per-band RMSEs): the MST toolbox's `torch.sqrt(MSELoss()(out, gt))`. Its gradient
 *   is undefined where the prediction equals the truth exactly (d sqrt(x)/dx at 0), as in MST.
 *
 * @param prediction F_hat [B, H, W, N], float32.
 * @param truth F [B, H, W, N], float32, same shape. Values in [0, 1] by convention (not checked).
 * @returns `{ total, recon }`, two distinct scalar tensors with the same value, owned by the caller.
 */
export function reconstructionLoss(
  prediction: tf.Tensor4D,
  truth: tf.Tensor4D,
  options: ReconstructionLossOptions = {},
): LossParts {
  const pred = expectCube(prediction, 'reconstructionLoss(prediction)');
  const target = expectCube(truth, 'reconstructionLoss(truth)');
  expectSameShape(target, pred, 'reconstructionLoss(truth)', 'the prediction');
  const kind = resolveReconstructionKind(
    expectObject(options, 'reconstructionLoss(options)').kind,
    'reconstructionLoss(options.kind)',
  );
  return tf.tidy(() => {
    const recon = reconstructionTerm(pred, target, kind);
    return { total: tf.clone(recon), recon };
  });
}
