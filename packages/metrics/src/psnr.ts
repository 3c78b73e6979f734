import { type CubeView, readCubePair, withData } from './_cube';
import { mean } from './_math';
import { im2uint8, round256 } from './_quantize';
import type { CubeLike } from './cube-like';
import { MetricsInputError } from './errors';

/**
 * How PSNR is computed; every preset is per band and averaged over bands (and then over scenes).
 *
 * | preset | preprocessing | per-band PSNR |
 * |---|---|---|
 * | `matlab` (default) | prediction clipped to [0, 1]; both cubes quantised like MATLAB `im2uint8` (x * 255, round, saturate) | 10 log10(255^2 / MSE) |
 * | `mst-python` | both cubes `round(x * 256)` (half to even, no clipping), as MST's `torch_psnr` | 10 log10(255^2 / MSE) |
 * | `s2` | none | 10 log10(peak^2 / MSE), peak = max of the reference scene (S2-Transformer's `torch_psnr`) |
 * | `float` | none | 10 log10(1 / MSE) (data range 1) |
 *
 * `matlab` is what the published tables use (`Cal_quality_assessment.m` / `csnr.m`).
 */
export type PsnrPreset = 'matlab' | 'mst-python' | 's2' | 'float';

export interface PsnrOptions {
  /** Default `matlab`. */
  preset?: PsnrPreset;
}

const PSNR_PRESETS: readonly PsnrPreset[] = ['matlab', 'mst-python', 's2', 'float'];

export function expectPsnrPreset(preset: unknown): PsnrPreset {
  if (!PSNR_PRESETS.includes(preset as PsnrPreset)) {
    throw new MetricsInputError(
      `psnr preset: expected one of ${PSNR_PRESETS.join(', ')}, got ${String(preset)}`,
    );
  }
  return preset as PsnrPreset;
}

/** Per-band mean squared errors, scene-major: index scene * bands + band. */
export function bandMse(ref: CubeView, pred: CubeView): Float64Array {
  const { batch, height, width, bands } = ref;
  const plane = height * width;
  const sums = new Float64Array(batch * bands);
  const a = ref.data;
  const b = pred.data;
  for (let s = 0; s < batch; s++) {
    const offset = s * bands;
    let i = s * plane * bands;
    for (let p = 0; p < plane; p++) {
      for (let n = 0; n < bands; n++, i++) {
        const d = a[i] - b[i];
        sums[offset + n] += d * d;
      }
    }
  }
  for (let i = 0; i < sums.length; i++) sums[i] /= plane;
  return sums;
}

/** Per-band PSNR (dB) of already validated cubes, scene-major. */
export function psnrPerBandOf(ref: CubeView, pred: CubeView, preset: PsnrPreset): Float64Array {
  if (preset === 'matlab' || preset === 'mst-python') {
    const quantise = preset === 'matlab' ? im2uint8 : round256;
    return psnrWithPeaks(withData(ref, quantise(ref.data)), withData(pred, quantise(pred.data)), () => 255);
  }
  if (preset === 's2') {
    const sceneSize = ref.height * ref.width * ref.bands;
    return psnrWithPeaks(ref, pred, (s) => {
      let max = -Infinity;
      for (let i = s * sceneSize, end = i + sceneSize; i < end; i++) if (ref.data[i] > max) max = ref.data[i];
      return max;
    });
  }
  return psnrWithPeaks(ref, pred, () => 1);
}

/** Per-band 10 log10(peak^2 / MSE) with the peak of each scene given by `peakOf(scene)`. */
export function psnrWithPeaks(
  ref: CubeView,
  pred: CubeView,
  peakOf: (scene: number) => number,
): Float64Array {
  const mse = bandMse(ref, pred);
  const out = new Float64Array(mse.length);
  for (let s = 0; s < ref.batch; s++) {
    const peak = peakOf(s);
    for (let n = 0; n < ref.bands; n++) {
      const i = s * ref.bands + n;
      out[i] = 10 * Math.log10((peak * peak) / mse[i]);
    }
  }
  return out;
}

/**
 * PSNR in dB for each band: a Float64Array of length batch * bands, scene-major
 * (`result[scene * bands + band]`). Identical bands give `Infinity`.
 *
 * @param reference ground truth, [H, W, N] or [B, H, W, N], values nominally in [0, 1]
 * @param prediction same shape as `reference`
 */
export function psnrPerBand(
  reference: CubeLike,
  prediction: CubeLike,
  options: PsnrOptions = {},
): Float64Array {
  const preset = expectPsnrPreset(options.preset ?? 'matlab');
  const [ref, pred] = readCubePair(reference, prediction);
  return psnrPerBandOf(ref, pred, preset);
}

/**
 * Mean PSNR in dB over bands (and scenes, for a batch), as the CASSI papers report it.
 * `Infinity` when the cubes are identical after the preset's preprocessing.
 */
export function psnr(reference: CubeLike, prediction: CubeLike, options: PsnrOptions = {}): number {
  return mean(psnrPerBand(reference, prediction, options));
}
