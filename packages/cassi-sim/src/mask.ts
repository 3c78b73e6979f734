import * as tf from '@tensorflow/tfjs-core';
import {
  CassiInputError,
  describeShape,
  expectFiniteNumber,
  expectFiniteValues,
  expectNonNegativeInteger,
  expectPositiveInteger,
  expectRank,
} from './_validate';
import { type DispersionOptions, resolveDispersion } from './dispersion';
import { createRandom } from './random';

/** A coded-aperture mask: one [H, W] mask for every sample, or one per sample [B, H, W]. float32, >= 0. */
export type CassiMask = tf.Tensor2D | tf.Tensor3D;

const MASK_LAYOUT = '[height, width] or per-sample [batch, height, width]';

/** Options of {@link maskFromArray}. */
export interface MaskFromArrayOptions {
  /**
   * How `data` is laid out: `row-major` (default, C / JS / numpy order: the column index varies fastest)
   * or `column-major` (MATLAB / MAT-file order: the row index varies fastest).
   */
  order?: 'row-major' | 'column-major';
}

/**
 * Builds a mask tensor from plain numbers.
 *
 * @param data H*W finite, non-negative transmittances (the standard TSA mask is 0.0066..1; not copied
 *   unless reordering is needed, never modified).
 * @param shape [H, W].
 * @returns float32 [H, W].
 */
export function maskFromArray(
  data: ArrayLike<number>,
  shape: readonly [number, number],
  options: MaskFromArrayOptions = {},
): tf.Tensor2D {
  if (!Array.isArray(shape) || shape.length !== 2) {
    throw new CassiInputError(`maskFromArray: expected shape [height, width], got ${JSON.stringify(shape)}`);
  }
  const height = expectPositiveInteger(shape[0], 'maskFromArray: height');
  const width = expectPositiveInteger(shape[1], 'maskFromArray: width');
  if (data === null || typeof data !== 'object' || typeof data.length !== 'number') {
    throw new CassiInputError(`maskFromArray: expected an array of numbers, got ${typeof data}`);
  }
  if (data.length !== height * width) {
    throw new CassiInputError(
      `maskFromArray: expected ${height} x ${width} = ${height * width} values for shape [${height}, ${width}], got ${data.length}`,
    );
  }
  const order = options.order ?? 'row-major';
  if (order !== 'row-major' && order !== 'column-major') {
    throw new CassiInputError(
      `maskFromArray: order: expected 'row-major' or 'column-major', got ${String(order)}`,
    );
  }
  const values = new Float32Array(height * width);
  for (let i = 0; i < height; i++) {
    for (let j = 0; j < width; j++) {
      const v = order === 'row-major' ? data[i * width + j] : data[j * height + i];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        throw new CassiInputError(
          `maskFromArray: expected finite non-negative values, got ${String(v)} at row ${i}, column ${j}`,
        );
      }
      values[i * width + j] = v;
    }
  }
  return tf.tensor2d(values, [height, width], 'float32');
}

/** Region of {@link cropMask}. */
export interface CropRegion {
  /** First row (0-based). */
  top: number;
  /** First column (0-based). */
  left: number;
  height: number;
  width: number;
}

/**
 * Cuts a window out of a mask (e.g. a 256 x 256 training crop of the 660 x 660 real mask).
 *
 * @param mask [H, W] or [B, H, W].
 * @returns [height, width] or [B, height, width]; a new tensor.
 */
export function cropMask<T extends CassiMask>(mask: T, region: CropRegion): T {
  expectRank(mask, [2, 3], 'cropMask(mask)', MASK_LAYOUT);
  const top = expectNonNegativeInteger(region?.top, 'cropMask: top');
  const left = expectNonNegativeInteger(region?.left, 'cropMask: left');
  const height = expectPositiveInteger(region?.height, 'cropMask: height');
  const width = expectPositiveInteger(region?.width, 'cropMask: width');
  const [maskHeight, maskWidth] = mask.shape.slice(-2);
  if (top + height > maskHeight || left + width > maskWidth) {
    throw new CassiInputError(
      `cropMask: region rows ${top}..${top + height - 1}, columns ${left}..${left + width - 1} ` +
        `does not fit in the mask ${describeShape(mask.shape)}`,
    );
  }
  return tf.tidy(() =>
    mask.rank === 2
      ? tf.slice(mask, [top, left], [height, width])
      : tf.slice(mask, [0, top, left], [mask.shape[0], height, width]),
  ) as T;
}

/** Options of {@link randomBinaryMask}. */
export interface RandomBinaryMaskOptions {
  /** Seed of the generator (default 0). */
  seed?: number;
  /** Probability that a pixel is open (1), in [0, 1]. Default 0.5. */
  openFraction?: number;
}

/**
 * A seeded random binary coded aperture: every pixel is 1 with probability `openFraction`, else 0
 * (independent Bernoulli draws from {@link createRandom}, identical on every backend).
 *
 * @returns float32 [height, width] of 0 and 1.
 */
export function randomBinaryMask(
  height: number,
  width: number,
  options: RandomBinaryMaskOptions = {},
): tf.Tensor2D {
  expectPositiveInteger(height, 'randomBinaryMask: height');
  expectPositiveInteger(width, 'randomBinaryMask: width');
  const openFraction = expectFiniteNumber(options.openFraction ?? 0.5, 'randomBinaryMask: openFraction', 0);
  if (openFraction > 1) {
    throw new CassiInputError(
      `randomBinaryMask: openFraction: expected a number in [0, 1], got ${openFraction}`,
    );
  }
  const random = createRandom(options.seed ?? 0);
  const values = new Float32Array(height * width);
  for (let i = 0; i < values.length; i++) values[i] = random.uniform() < openFraction ? 1 : 0;
  return tf.tensor2d(values, [height, width], 'float32');
}

/** What {@link assertMaskFits} found out about the geometry. */
export interface MaskFit {
  /** Batch of the target. */
  batch: number;
  height: number;
  /** Scene width W. */
  width: number;
  /** Measurement width W' = W + shiftStep * (bandCount - 1). */
  measurementWidth: number;
  bandCount: number;
}

/**
 * Checks that a mask fits a cube [B, H, W, N] (mask H x W equal to the cube's) or a measurement
 * [B, H, W'] (W' = W + shiftStep * (bands - 1); `bandCount` defaults to what that relation gives, or 28 when
 * `shiftStep` is 0). A per-sample mask [B, H, W] must have the target's batch (or 1).
 * Throws a {@link CassiInputError} naming both shapes and the relation; returns the geometry.
 */
export function assertMaskFits(
  mask: CassiMask,
  target: tf.Tensor,
  options: DispersionOptions & { bandCount?: number } = {},
): MaskFit {
  expectRank(mask, [2, 3], 'mask', MASK_LAYOUT);
  expectRank(
    target,
    [3, 4],
    'assertMaskFits(target)',
    "cube [batch, height, width, bands] or measurement [batch, height, width']",
  );
  const dispersion = resolveDispersion(options);
  const step = dispersion.shiftStep;
  const [maskHeight, maskWidth] = mask.shape.slice(-2);
  const maskBatch = mask.rank === 3 ? mask.shape[0] : 1;
  const batch = target.shape[0];
  const height = target.shape[1];
  const what = `mask ${describeShape(mask.shape)} does not fit ${target.rank === 4 ? 'cube' : 'measurement'} ${describeShape(target.shape)}`;
  if (mask.rank === 3 && maskBatch !== batch && maskBatch !== 1) {
    throw new CassiInputError(
      `${what}: a per-sample mask needs batch ${batch}${batch === 1 ? '' : ' (or 1)'}, got ${maskBatch}`,
    );
  }
  if (maskHeight !== height) {
    throw new CassiInputError(`${what}: heights differ (mask ${maskHeight}, target ${height})`);
  }
  if (target.rank === 4) {
    const [, , width, bandCount] = target.shape as number[];
    if (options.bandCount !== undefined && options.bandCount !== bandCount) {
      throw new CassiInputError(
        `${what}: bandCount ${options.bandCount} given but the cube has ${bandCount} bands`,
      );
    }
    if (maskWidth !== width) {
      throw new CassiInputError(`${what}: a cube must have the mask's width ${maskWidth}, got ${width}`);
    }
    return { batch, height, width, bandCount, measurementWidth: width + step * (bandCount - 1) };
  }
  const measurementWidth = target.shape[2] as number;
  let bandCount: number;
  if (options.bandCount !== undefined) {
    bandCount = expectPositiveInteger(options.bandCount, 'bandCount');
  } else if (step === 0) {
    bandCount = 28;
  } else {
    const extra = measurementWidth - maskWidth;
    bandCount = extra >= 0 && extra % step === 0 ? extra / step + 1 : Number.NaN;
  }
  const expected = maskWidth + step * (bandCount - 1);
  if (!Number.isInteger(bandCount) || expected !== measurementWidth) {
    const relation = Number.isInteger(bandCount)
      ? `W' = W + shiftStep * (bands - 1) = ${maskWidth} + ${step} * (${bandCount} - 1) = ${expected}`
      : `W' = W + shiftStep * (bands - 1) with W = ${maskWidth}, shiftStep = ${step} needs W' - W >= 0 and a multiple of ${step}`;
    throw new CassiInputError(`${what}: expected ${relation}, got W' = ${measurementWidth}`);
  }
  return { batch, height, width: maskWidth, bandCount, measurementWidth };
}

/** Validates a mask (rank, values) at an API boundary. */
export function validateMask(mask: CassiMask, what: string, checkValues: boolean): void {
  expectRank(mask, [2, 3], what, MASK_LAYOUT);
  if (checkValues) expectFiniteValues(mask, what, true);
}

/** The mask as [Bm, H, W, 1] float32 for broadcasting against [B, H, W, N] (call inside tidy). */
export function maskAsChannel(mask: CassiMask): tf.Tensor4D {
  const m = mask.dtype === 'float32' ? mask : tf.cast(mask, 'float32');
  const [height, width] = mask.shape.slice(-2);
  const batch = mask.rank === 3 ? mask.shape[0] : 1;
  return tf.reshape(m, [batch, height, width, 1]);
}
