import * as tf from '@tensorflow/tfjs-core';
import { spreadBack } from './_forward';
import { CassiInputError, checksValuesSynchronously, expectFiniteValues, expectRank } from './_validate';
import { type DispersionOptions, resolveDispersion } from './dispersion';
import { assertMaskFits, type CassiMask, maskAsChannel, validateMask } from './mask';
import { resolveNormalisation } from './simulate';

/** Options of {@link initialEstimate}. */
export interface InitialEstimateOptions extends DispersionOptions {
  /**
   * `'HM'` (default, paper Eq. 3, S2's `meas*mask`): Y0(:, :, n) = Y_norm(:, offset(n) : offset(n) + W) * M.
   * `'H'`: the same windows without the mask product (the toolboxes' `shift_back(meas)`).
   */
  mode?: 'HM' | 'H';
  /**
   * Factor applied to the measurement first: a number, or `'none'` when the measurement is already
   * normalised. Default 2 / N (the reference pipelines' `meas / 28 * 2`).
   */
  normalisation?: number | 'none';
  /** Band count N; default inferred from W' = W + shiftStep * (N - 1) (28 when shiftStep is 0). */
  bandCount?: number;
  /**
   * Check that measurement and mask hold finite values, mask >= 0 (reads them back synchronously; default:
   * true on cpu, wasm and other CPU backends, false on the GPU backends webgl and webgpu, where a
   * synchronous readback stalls, so only shapes and dtypes are checked: run `await assertFiniteValues(...)`
   * there first).
   */
  validateValues?: boolean;
}

/**
 * The network input Y0 (spec section 1 steps 4-5): normalise, shift back, optionally multiply by the mask.
 * The MST toolbox's `init_meas(gt, mask, 'HM' | 'H')` given the measurement instead of the cube.
 *
 * @param measurement [B, H, W'] float32, finite.
 * @param mask [H, W] or [B, H, W] (batch 1 broadcasts), finite, >= 0.
 * @returns [B, H, W, N] float32 (for a noise-free measurement of a 0..1 cube, 'H' values are ~0..2).
 */
export function initialEstimate(
  measurement: tf.Tensor3D,
  mask: CassiMask,
  options: InitialEstimateOptions = {},
): tf.Tensor4D {
  expectRank(measurement, [3], 'initialEstimate(measurement)', "[batch, height, width']");
  validateMask(mask, 'initialEstimate(mask)', false);
  const dispersion = resolveDispersion(options);
  const { bandCount } = assertMaskFits(mask, measurement, { ...dispersion, bandCount: options.bandCount });
  const mode = options.mode ?? 'HM';
  if (mode !== 'HM' && mode !== 'H') {
    throw new CassiInputError(`initialEstimate: mode: expected 'HM' or 'H', got ${String(mode)}`);
  }
  const scale = resolveNormalisation(options.normalisation, 2 / bandCount);
  if (checksValuesSynchronously(options.validateValues)) {
    expectFiniteValues(measurement, 'initialEstimate(measurement)', false);
    expectFiniteValues(mask, 'initialEstimate(mask)', true);
  }
  return tf.tidy(() => {
    const y = tf.cast(measurement, 'float32') as tf.Tensor3D;
    const h = spreadBack(scale === 1 ? y : (tf.mul(y, scale) as tf.Tensor3D), bandCount, dispersion);
    return mode === 'H' ? h : (tf.mul(h, maskAsChannel(mask)) as tf.Tensor4D);
  });
}
