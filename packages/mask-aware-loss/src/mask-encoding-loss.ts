import * as tf from '@tensorflow/tfjs-core';
import { expectCube, expectFiniteNumber, expectObject, expectSameShape, maskForCube } from './_validate';
import type { LossParts } from './loss-parts';
import {
  type ReconstructionKind,
  reconstructionTerm,
  resolveReconstructionKind,
} from './reconstruction-loss';

/** Inputs shared by `maskEncodingLoss` and `maskAwareLoss`. */
export interface MaskEncodingLossInputs {
  /** F_hat, the network's reconstruction [B, H, W, N], float32. */
  prediction: tf.Tensor4D;
  /** F, the ground-truth cube [B, H, W, N], float32 (values in [0, 1] by convention). */
  truth: tf.Tensor4D;
  /**
   * f_h(Z_kME), the intermediate head's prediction of the mask-encoded cube M * F, [B, H, W, N].
   */
  maskEncodedPrediction: tf.Tensor4D;
  /**
   * The coded aperture M in the scene (un-sheared) frame, the same for every band: [H, W] shared by
   * the batch, or [B, H, W] / [B, H, W, 1] per sample (a leading 1 is shared). Float32, usually in
   * [0, 1]; the standard TSA mask is not binary (0.0066..1).
   */
  mask: tf.Tensor;
  /** Weight of the ME term. Default 1.5 (the paper's pre-training value). */
  alpha?: number;
  /** Norm of the Recon term. Default 'l1' (paper); 'rmse' / 'mse' as in `reconstructionLoss`. */
  reconstruction?: ReconstructionKind;
}

export interface CheckedMaskInputs {
  prediction: tf.Tensor4D;
  truth: tf.Tensor4D;
  maskEncodedPrediction: tf.Tensor4D;
  mask: tf.Tensor;
  reconstruction: ReconstructionKind;
}

/** Validates the tensors shared by L_ME and L_MA. */
export function checkMaskInputs(inputs: unknown, fn: string): CheckedMaskInputs {
  const o = expectObject(inputs, `${fn}(inputs)`);
  const prediction = expectCube(o.prediction, `${fn}(prediction)`);
  const truth = expectCube(o.truth, `${fn}(truth)`);
  expectSameShape(truth, prediction, `${fn}(truth)`, 'the prediction');
  const maskEncodedPrediction = expectCube(o.maskEncodedPrediction, `${fn}(maskEncodedPrediction)`);
  expectSameShape(maskEncodedPrediction, prediction, `${fn}(maskEncodedPrediction)`, 'the prediction');
  // Checks the mask's layout now (the reshaped view is made again inside the caller's tidy).
  const { mask4d, owned } = maskForCube(o.mask, prediction, `${fn}(mask)`);
  if (owned) mask4d.dispose();
  const reconstruction = resolveReconstructionKind(o.reconstruction, `${fn}(reconstruction)`);
  return { prediction, truth, maskEncodedPrediction, mask: o.mask as tf.Tensor, reconstruction };
}

/**
 * |f_h - M * F| element-wise [B, H, W, N]; call inside a tidy.
 */
export function maskEncodingResidual(checked: CheckedMaskInputs, fn: string): tf.Tensor4D {
  const { mask4d } = maskForCube(checked.mask, checked.prediction, `${fn}(mask)`);
  return tf.abs(tf.sub(checked.maskEncodedPrediction, tf.mul(mask4d, checked.truth))) as tf.Tensor4D;
}

/**
 * The mask-encoding loss (paper Eq. 12), used for pre-training:
 *
 *   L_ME = Recon(F_hat, F) + alpha * ME,   ME = mean |f_h - M * F|
 *
 * with the mean over all B * H * W * N elements, M broadcast over the bands (and over the batch when
 * shared). Gradients flow into F_hat (through Recon) and into f_h (through ME).
 *
 * @returns `{ total, recon, me }` scalar tensors owned by the caller (`me` is unweighted by alpha).
 */
export function maskEncodingLoss(inputs: MaskEncodingLossInputs): LossParts {
  const fn = 'maskEncodingLoss';
  const checked = checkMaskInputs(inputs, fn);
  const alpha = expectFiniteNumber(inputs.alpha ?? 1.5, `${fn}(alpha)`, 0);
  return tf.tidy(() => {
    const recon = reconstructionTerm(checked.prediction, checked.truth, checked.reconstruction);
    const me = tf.mean(maskEncodingResidual(checked, fn)) as tf.Scalar;
    const total = tf.add(recon, tf.mul(tf.scalar(alpha), me)) as tf.Scalar;
    return { total, recon, me };
  });
}
