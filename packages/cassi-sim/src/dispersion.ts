import * as tf from '@tensorflow/tfjs-core';
import {
  CassiInputError,
  describeShape,
  expectNonNegativeInteger,
  expectPositiveInteger,
  expectRank,
} from './_validate';

/** Which way the prism disperses: band n lands `shiftStep * n` columns to the right (default) or left. */
export type DispersionDirection = 'right' | 'left';

/** Dispersion geometry shared by every CASSI operator. */
export interface DispersionOptions {
  /** Pixels of shift between adjacent bands along the width (d in the paper). Default 2. */
  shiftStep?: number;
  /**
   * `right` (default): band n is shifted by `shiftStep * n`, so higher bands land at larger column
   * indices (the reference toolboxes). `left`: band n is shifted by `shiftStep * (N - 1 - n)`.
   */
  direction?: DispersionDirection;
}

export interface ResolvedDispersion {
  shiftStep: number;
  direction: DispersionDirection;
}

export function resolveDispersion(options: DispersionOptions = {}): ResolvedDispersion {
  const shiftStep = expectNonNegativeInteger(options.shiftStep ?? 2, 'shiftStep');
  const direction = options.direction ?? 'right';
  if (direction !== 'right' && direction !== 'left') {
    throw new CassiInputError(`direction: expected 'right' or 'left', got ${String(direction)}`);
  }
  return { shiftStep, direction };
}

/** Column offset of band `band` (0-based) out of `bandCount`. */
export function bandOffset(band: number, bandCount: number, dispersion: ResolvedDispersion): number {
  return dispersion.direction === 'right'
    ? dispersion.shiftStep * band
    : dispersion.shiftStep * (bandCount - 1 - band);
}

/** Width of the dispersed frame: W' = W + shiftStep * (N - 1). */
export function dispersedWidth(width: number, bandCount: number, options: DispersionOptions = {}): number {
  const { shiftStep } = resolveDispersion(options);
  return width + shiftStep * (bandCount - 1);
}

/** Width of the scene for a dispersed frame of width W': W = W' - shiftStep * (N - 1). */
export function sceneWidth(
  measurementWidth: number,
  bandCount: number,
  options: DispersionOptions = {},
): number {
  const { shiftStep } = resolveDispersion(options);
  const width = measurementWidth - shiftStep * (bandCount - 1);
  if (width < 1) {
    throw new CassiInputError(
      `a measurement of width ${measurementWidth} cannot hold ${bandCount} bands shifted by ${shiftStep} px ` +
        `(W' = W + shiftStep * (bands - 1) needs W' >= ${shiftStep * (bandCount - 1) + 1})`,
    );
  }
  return width;
}

/**
 * Disperses a cube: band n is moved `offset(n)` columns into a zero frame of width
 * W' = W + shiftStep * (N - 1). The reference toolboxes' `shift`.
 *
 * @param cube [B, H, W, N], any values.
 * @returns [B, H, W', N].
 */
export function shiftBands(cube: tf.Tensor4D, options: DispersionOptions = {}): tf.Tensor4D {
  expectRank(cube, [4], 'shiftBands(cube)', '[batch, height, width, bands]');
  const dispersion = resolveDispersion(options);
  return tf.tidy(() => {
    const [, , , bandCount] = cube.shape;
    const total = dispersion.shiftStep * (bandCount - 1);
    const bands = tf.split(cube, bandCount, 3);
    const shifted = bands.map((band, n) => {
      const left = bandOffset(n, bandCount, dispersion);
      return tf.pad(band, [
        [0, 0],
        [0, 0],
        [left, total - left],
        [0, 0],
      ]);
    });
    return tf.concat(shifted, 3) as tf.Tensor4D;
  });
}

/**
 * Undoes the dispersion. The reference toolboxes' `shift_back`:
 * - per-band frames [B, H, W', N] (the output of `shiftBands`): band n is read back from columns
 *   offset(n) .. offset(n) + W of its own channel, so `shiftBack(shiftBands(x)) = x`;
 * - a measurement [B, H, W'] (with `options.bandCount`, default 28): band n gets the window
 *   offset(n) .. offset(n) + W of the measurement, the `shift_back(meas)` of the reference code.
 *
 * @returns [B, H, W, N] with W = W' - shiftStep * (N - 1).
 */
export function shiftBack(
  shifted: tf.Tensor3D | tf.Tensor4D,
  options: DispersionOptions & { bandCount?: number } = {},
): tf.Tensor4D {
  expectRank(
    shifted,
    [3, 4],
    'shiftBack(input)',
    "per-band frames [batch, height, width', bands] or a measurement [batch, height, width']",
  );
  const dispersion = resolveDispersion(options);
  const isMeasurement = shifted.rank === 3;
  const bandCount = isMeasurement ? (options.bandCount ?? 28) : (shifted.shape[3] as number);
  expectPositiveInteger(bandCount, 'bandCount');
  if (!isMeasurement && options.bandCount !== undefined && options.bandCount !== bandCount) {
    throw new CassiInputError(
      `shiftBack: bandCount ${options.bandCount} given but the input ${describeShape(shifted.shape)} has ${bandCount} bands`,
    );
  }
  const [batch, height, measurementWidth] = shifted.shape;
  const width = sceneWidth(measurementWidth, bandCount, dispersion);
  return tf.tidy(() => {
    const x = (isMeasurement ? tf.expandDims(shifted, 3) : shifted) as tf.Tensor4D;
    const bands: tf.Tensor4D[] = [];
    for (let n = 0; n < bandCount; n++) {
      const channel = isMeasurement ? 0 : n;
      bands.push(
        tf.slice(x, [0, 0, bandOffset(n, bandCount, dispersion), channel], [batch, height, width, 1]),
      );
    }
    return tf.concat(bands, 3) as tf.Tensor4D;
  });
}
