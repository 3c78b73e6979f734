import * as tf from '@tensorflow/tfjs-core';
import { disperseAndSum } from './_forward';
import {
  CassiInputError,
  checksValuesSynchronously,
  expectFiniteNumber,
  expectFiniteValues,
  expectRank,
} from './_validate';
import { type DispersionOptions, resolveDispersion } from './dispersion';
import { assertMaskFits, type CassiMask, maskAsChannel, validateMask } from './mask';
import { applyNoise, type MeasurementNoise, type NoiseRandomOptions, resolveNoise } from './noise';

/** Options of {@link simulateMeasurement}. */
export interface SimulateOptions extends DispersionOptions, NoiseRandomOptions {
  /** Measurement noise (spec section 1 step 3). Default `'none'`. */
  noise?: MeasurementNoise;
  /**
   * Factor applied to Y before the noise: `'none'` (default: the physical sum) or a number such as
   * `2 / 28` (the toolboxes' `meas / nC * 2`). The MST real-data pipeline applies shot noise to the
   * normalised measurement; if you normalise here, use `normalisation: 'none'` in `initialEstimate`.
   */
  normalisation?: number | 'none';
  /**
   * Check that cube and mask hold finite, non-negative values (reads them back synchronously; default: true
   * on cpu, wasm and other CPU backends, false on the GPU backends webgl and webgpu, where a synchronous
   * readback stalls, so only shapes and dtypes are checked: run `await assertFiniteValues(...)` there
   * first).
   * Turn it off in a training loop whose data you already trust.
   */
  validateValues?: boolean;
}

export function resolveNormalisation(value: number | 'none' | undefined, fallback: number | 'none'): number {
  const v = value ?? fallback;
  if (v === 'none') return 1;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new CassiInputError(`normalisation: expected a finite number > 0 or 'none', got ${String(v)}`);
  }
  return v;
}

/**
 * Simulates a CASSI snapshot (spec section 1, paper Eq. 1-2): modulate every band by the mask,
 * disperse band n by offset(n) = shiftStep * n columns, integrate over bands, then optional noise:
 *   Y[b, h, w'] = sum_n F[b, h, w' - offset(n), n] * M[b, h, w' - offset(n)] (+ Omega).
 * The MST toolbox's `gen_meas_torch(..., Y2H=False)` (`sum(shift(mask3d * data), 1)`).
 *
 * @param cube [B, H, W, N] float32 intensities, finite and >= 0 (usually 0..1).
 * @param mask [H, W] (shared) or [B, H, W] (per sample; batch 1 broadcasts), finite and >= 0.
 * @returns measurement [B, H, W'] float32, W' = W + shiftStep * (N - 1); values 0..N * max(F * M)
 *   without noise (times `normalisation`).
 */
export function simulateMeasurement(
  cube: tf.Tensor4D,
  mask: CassiMask,
  options: SimulateOptions = {},
): tf.Tensor3D {
  expectRank(cube, [4], 'simulateMeasurement(cube)', '[batch, height, width, bands]');
  validateMask(mask, 'simulateMeasurement(mask)', false);
  const dispersion = resolveDispersion(options);
  assertMaskFits(mask, cube, dispersion);
  const noise = resolveNoise(options.noise);
  const scale = resolveNormalisation(options.normalisation, 'none');
  if (checksValuesSynchronously(options.validateValues)) {
    expectFiniteValues(cube, 'simulateMeasurement(cube)', true);
    expectFiniteValues(mask, 'simulateMeasurement(mask)', true);
  }
  if (options.seed !== undefined) expectFiniteNumber(options.seed, 'seed', 0);
  const clean = tf.tidy(() => {
    const modulated = tf.mul(tf.cast(cube, 'float32'), maskAsChannel(mask)) as tf.Tensor4D;
    const y = disperseAndSum(modulated, dispersion);
    return scale === 1 ? y : (tf.mul(y, scale) as tf.Tensor3D);
  });
  if (noise.type === 'none') return clean;
  try {
    return applyNoise(clean, noise, options);
  } finally {
    clean.dispose();
  }
}
