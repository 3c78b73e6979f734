import * as tf from '@tensorflow/tfjs-core';
import { CassiInputError, expectFiniteNumber, expectRank } from './_validate';
import { type DispersionOptions, resolveDispersion } from './dispersion';
import { assertMaskFits, type CassiMask, validateMask } from './mask';
import { createCassiOperator } from './operator';

/** Options of {@link estimateCubeScale}. */
export interface CubeScaleOptions extends DispersionOptions {
  /** Band count N; default inferred from W' = W + shiftStep * (N - 1). */
  bandCount?: number;
  /** Percentile (0..100] of the band-mean brightness that is returned (default 99.9). */
  percentile?: number;
}

/**
 * Estimates the brightness scale of the cube behind a measurement of unknown scale (a real camera's
 * frame, for instance, which is normalised to its own maximum): the `percentile`-th percentile of
 *
 *   b(h, w') = y(h, w') / S(h, w'),   S = sum_n shift(M)_n = A 1   (the dispersed sum of the mask),
 *
 * taken over the pixels where S >= S_max / 4 (the frame's edges, seen by few bands, are left out). For a
 * cube F with a flat spectrum b is exactly F, so b is the brightness of the band-averaged scene: ~0.4-0.75
 * for the CAVE simulations (cubes in 0..1) and ~0.05-0.06 for the five TSA-Net real measurements
 * (660 x 714, peak 1). {@link reconstructGapTv}'s `tvWeightScale: 'auto'` multiplies its TV weight by it.
 * Reads the data back (one number per call).
 *
 * @param measurement [B, H, W'] (one scale over the whole batch).
 * @param mask [H, W] or [B, H, W], >= 0.
 * @returns a finite number > 0 (1 when the measurement is all zeros).
 */
export async function estimateCubeScale(
  measurement: tf.Tensor3D,
  mask: CassiMask,
  options: CubeScaleOptions = {},
): Promise<number> {
  expectRank(measurement, [3], 'estimateCubeScale(measurement)', "[batch, height, width']");
  validateMask(mask, 'estimateCubeScale(mask)', false);
  const dispersion = resolveDispersion(options);
  const { bandCount } = assertMaskFits(mask, measurement, { ...dispersion, bandCount: options.bandCount });
  const percentile = expectFiniteNumber(options.percentile ?? 99.9, 'estimateCubeScale: percentile', 0);
  if (percentile <= 0 || percentile > 100) {
    throw new CassiInputError(`estimateCubeScale: percentile: expected 0 < p <= 100, got ${percentile}`);
  }
  const operator = createCassiOperator(mask, { ...dispersion, bandCount, validateValues: false });
  let values: Float32Array;
  let coverage: Float32Array;
  try {
    const [ratio, sum] = tf.tidy(() => {
      const [maskBatch, height, width] = operator.mask.shape;
      const s = operator.forward(tf.ones([maskBatch, height, width, bandCount]) as tf.Tensor4D);
      const y = tf.cast(measurement, 'float32');
      const broadcastSum = tf.mul(s, tf.onesLike(y));
      return [tf.div(y, tf.maximum(broadcastSum, 1e-12)), broadcastSum];
    });
    try {
      values = (await ratio.data()) as Float32Array;
      coverage = (await sum.data()) as Float32Array;
    } finally {
      tf.dispose([ratio, sum]);
    }
  } finally {
    operator.dispose();
  }
  let peak = 0;
  for (const v of coverage) if (v > peak) peak = v;
  const buffer = new Float32Array(values.length);
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    if (coverage[i] >= peak / 4 && coverage[i] > 0) {
      if (!Number.isFinite(values[i])) {
        throw new CassiInputError(
          'estimateCubeScale(measurement): expected finite values, got NaN or Infinity',
        );
      }
      buffer[count++] = values[i];
    }
  }
  if (count === 0) return 1;
  const kept = buffer.subarray(0, count).sort();
  // Linear interpolation between order statistics (numpy's default percentile).
  const position = ((kept.length - 1) * percentile) / 100;
  const low = Math.floor(position);
  const high = Math.min(kept.length - 1, low + 1);
  const value = kept[low] + (kept[high] - kept[low]) * (position - low);
  return value > 0 ? value : 1;
}
