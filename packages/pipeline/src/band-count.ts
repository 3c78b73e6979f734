import { PipelineInputError } from './errors';

/** Options of {@link bandCountFor}. */
export interface BandCountOptions {
  /** The band count when the shift step is 0 (the widths say nothing then). Default 28. */
  bandCount?: number;
  /** Named in errors, e.g. a file name. */
  measurementName?: string;
  /** Named in errors, e.g. a file name. */
  maskName?: string;
}

/** Throws unless `shiftStep` is an integer >= 0 (pixels per band). */
export function expectShiftStep(shiftStep: number): number {
  if (!Number.isInteger(shiftStep) || shiftStep < 0) {
    throw new PipelineInputError(
      `shift step: expected an integer >= 0 (pixels of dispersion per band), got ${shiftStep}`,
    );
  }
  return shiftStep;
}

/**
 * The band count N of a measurement `[H, W']` taken through a mask `[H, W]` with a dispersion of
 * `shiftStep` pixels per band: W' = W + shiftStep * (N - 1), N >= 2. With a shift step of 0 the bands
 * overlap exactly, W' = W, and N is `options.bandCount` (default 28).
 *
 * Throws a {@link PipelineInputError} naming both shapes and the relation when the mask does not fit.
 */
export function bandCountFor(
  measurementShape: readonly number[],
  maskShape: readonly number[],
  shiftStep: number,
  options: BandCountOptions = {},
): number {
  expectShiftStep(shiftStep);
  const [height, measuredWidth] = measurementShape;
  const [maskHeight, maskWidth] = maskShape;
  const mask = options.maskName ? `mask ${options.maskName}` : 'mask';
  const measurement = options.measurementName ? `measurement ${options.measurementName}` : 'measurement';
  const shapes = `${mask} is [${maskHeight}, ${maskWidth}] (H x W) and ${measurement} is [${height}, ${measuredWidth}] (H x W')`;
  const relation = `A mask fits a measurement when the heights are equal and W' = W + step * (bands - 1) (step ${shiftStep})`;
  const advice =
    'use the mask the measurement was taken with (or one cropped to [H, W]), or check the shift step';
  if (maskHeight !== height) {
    throw new PipelineInputError(
      `the mask does not fit the measurement: ${shapes}; the heights differ. ${relation}; ${advice}.`,
    );
  }
  const extra = measuredWidth - maskWidth;
  if (shiftStep === 0) {
    const bands = options.bandCount ?? 28;
    if (!Number.isInteger(bands) || bands < 1) {
      throw new PipelineInputError(`band count: expected an integer >= 1, got ${bands}`);
    }
    if (extra !== 0) {
      throw new PipelineInputError(
        `the mask does not fit the measurement: ${shapes}; with step 0 the widths must be equal. ${relation}; ${advice}.`,
      );
    }
    return bands;
  }
  const bands = extra / shiftStep + 1;
  if (extra < 0 || !Number.isInteger(bands) || bands < 2) {
    throw new PipelineInputError(
      `the mask does not fit the measurement: ${shapes}; W' - W = ${extra} is not step * (bands - 1) for any band count >= 2. ${relation}; ${advice}.`,
    );
  }
  return bands;
}
