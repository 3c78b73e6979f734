import * as tf from '@tensorflow/tfjs-core';
import { disperseAndSum } from './_forward';
import { checksValuesSynchronously, expectFiniteValues, expectPositiveInteger } from './_validate';
import { type DispersionOptions, resolveDispersion, shiftBands } from './dispersion';
import { type CassiMask, maskAsChannel, validateMask } from './mask';

/** Options of {@link buildPhi} and {@link phiSquaredSum}. */
export interface PhiOptions extends DispersionOptions {
  /**
   * Check that the mask holds finite, non-negative values (reads it back synchronously; default: true on
   * cpu, wasm and other CPU backends, false on the GPU backends webgl and webgpu, where a synchronous
   * readback stalls, so only shapes and dtypes are checked: run `await assertFiniteValues(...)` there
   * first).
   */
  validateValues?: boolean;
}

/**
 * The shifted 3D mask Phi (the toolboxes' `mask_3d_shift` / `shift(mask3d)`):
 * Phi[b, h, w', n] = M[b, h, w' - offset(n)] inside band n's window, 0 outside.
 *
 * @param mask [H, W] or [B, H, W], finite, >= 0.
 * @param bandCount N (default 28).
 * @returns [Bm, H, W', N] float32 (Bm = 1 for a 2D mask), W' = W + shiftStep * (N - 1).
 */
export function buildPhi(mask: CassiMask, bandCount = 28, options: PhiOptions = {}): tf.Tensor4D {
  validateMask(mask, 'buildPhi(mask)', checksValuesSynchronously(options.validateValues));
  expectPositiveInteger(bandCount, 'bandCount');
  const dispersion = resolveDispersion(options);
  return tf.tidy(() => {
    const m = maskAsChannel(mask);
    return shiftBands(tf.tile(m, [1, 1, 1, bandCount]) as tf.Tensor4D, dispersion);
  });
}

/**
 * Phi_s = sum over bands of Phi^2, with 0 replaced by 1 (the toolboxes' `Phi_s`, `mask_3d_shift_s`):
 * the diagonal of Phi Phi^T that GAP and unfolding networks divide by.
 *
 * @param mask [H, W] or [B, H, W], finite, >= 0.
 * @param bandCount N (default 28).
 * @returns [Bm, H, W'] float32, > 0.
 */
export function phiSquaredSum(mask: CassiMask, bandCount = 28, options: PhiOptions = {}): tf.Tensor3D {
  validateMask(mask, 'phiSquaredSum(mask)', false);
  if (checksValuesSynchronously(options.validateValues))
    expectFiniteValues(mask, 'phiSquaredSum(mask)', true);
  expectPositiveInteger(bandCount, 'bandCount');
  const dispersion = resolveDispersion(options);
  return tf.tidy(() => computePhiSquaredSum(mask, bandCount, dispersion));
}

/** Unvalidated Phi_s (call inside tidy). */
export function computePhiSquaredSum(
  mask: CassiMask,
  bandCount: number,
  dispersion: ReturnType<typeof resolveDispersion>,
): tf.Tensor3D {
  const m = maskAsChannel(mask);
  const squared = tf.tile(tf.square(m), [1, 1, 1, bandCount]) as tf.Tensor4D;
  const sum = disperseAndSum(squared, dispersion);
  return tf.where(tf.equal(sum, 0), tf.onesLike(sum), sum) as tf.Tensor3D;
}
