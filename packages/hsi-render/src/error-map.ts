import { expectArrayLike, expectFiniteNumber, expectPositiveNumber, HsiRenderInputError } from './_validate';
import { applyColormap, type ColormapName } from './colormap';
import { type CubeLike, type RgbaImage, resolveCube } from './cube';

export interface ErrorMapOptions {
  /** Colour map (default 'viridis'). */
  colormap?: ColormapName;
  /**
   * Coded-aperture mask, height x width row-major (e.g. the CASSI mask). With it, only pixels where
   * mask < maskThreshold (the pixels the mask blocked) count; the others are drawn in excludedColor.
   */
  mask?: ArrayLike<number>;
  /** Default 0.5. */
  maskThreshold?: number;
  /** Error shown at the top of the colour map (default: the largest error among counted pixels). */
  maxError?: number;
  /** RGBA of pixels left out by the mask (default [128, 128, 128, 255]). */
  excludedColor?: [number, number, number] | [number, number, number, number];
}

export interface ErrorMap {
  /** The error map through the colour map, 0 at the low end, maxError at the high end. */
  readonly image: RgbaImage;
  /** Per-pixel mean absolute error over bands, height x width (NaN where the mask leaves a pixel out). */
  readonly error: Float32Array;
  /** Largest and mean error over the counted pixels, and their number. */
  readonly maxError: number;
  readonly meanError: number;
  readonly pixelCount: number;
}

/**
 * Per-pixel spectral error E(h, w) = mean_n |F_hat(h, w, n) - F(h, w, n)| between an estimate and the
 * ground truth (same shape), optionally restricted to pixels where a mask is below a threshold, as a
 * colour-mapped picture plus the numbers.
 */
export function errorMap(estimate: CubeLike, truth: CubeLike, options: ErrorMapOptions = {}): ErrorMap {
  const a = resolveCube(estimate, 'errorMap: estimate');
  const b = resolveCube(truth, 'errorMap: truth');
  if (a.height !== b.height || a.width !== b.width || a.bands !== b.bands) {
    throw new HsiRenderInputError(
      `errorMap: expected estimate and truth of the same shape, got [${a.height}, ${a.width}, ${a.bands}] and [${b.height}, ${b.width}, ${b.bands}]`,
    );
  }
  const { height, width, bands } = a;
  const pixels = height * width;
  const mask =
    options.mask === undefined
      ? undefined
      : expectArrayLike(options.mask, 'errorMap: options.mask (height x width)', pixels);
  const threshold = expectFiniteNumber(options.maskThreshold ?? 0.5, 'errorMap: options.maskThreshold');
  const error = new Float32Array(pixels);
  const skip = new Uint8Array(pixels);
  let sum = 0;
  let peak = 0;
  let count = 0;
  for (let p = 0; p < pixels; p++) {
    if (mask && !(mask[p] < threshold)) {
      skip[p] = 1;
      error[p] = Number.NaN;
      continue;
    }
    let total = 0;
    for (let n = 0, i = p * bands; n < bands; n++, i++) total += Math.abs(a.data[i] - b.data[i]);
    const e = total / bands;
    error[p] = e;
    sum += e;
    if (e > peak) peak = e;
    count++;
  }
  const top =
    options.maxError === undefined
      ? peak
      : expectPositiveNumber(options.maxError, 'errorMap: options.maxError');
  const image = applyColormap(error, width, height, {
    colormap: options.colormap ?? 'viridis',
    min: 0,
    max: top > 0 ? top : 1,
    skip,
    skipColor: options.excludedColor ?? [128, 128, 128, 255],
  });
  return { image, error, maxError: peak, meanError: count > 0 ? sum / count : Number.NaN, pixelCount: count };
}
