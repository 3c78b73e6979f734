import { type CubeView, extractBand, readCubePair, withData } from './_cube';
import { gaussianKernel } from './_filter';
import { mean } from './_math';
import { im2uint8 } from './_quantize';
import type { CubeLike } from './cube-like';
import { MetricsInputError } from './errors';

/**
 * How SSIM is computed. Both use an 11 x 11 Gaussian window (sigma 1.5, normalised to sum 1),
 * K1 = 0.01, K2 = 0.03, population statistics, one SSIM map per band, the mean of the map, then the
 * mean over bands (and scenes).
 *
 * | preset | data | L | filtering |
 * |---|---|---|---|
 * | `matlab` (default) | prediction clipped to [0, 1], both quantised like `im2uint8` | 255 | `'valid'` (no padding): the map is (H - 10) x (W - 10), as Wang et al.'s `ssim_index.m` called by `cal_ssim.m` |
 * | `torch-same` | values as given (nominally [0, 1]) | 1 | zero padding 5, map H x W, as MST's `torch_ssim` (`ssim_torch.py`) |
 */
export type SsimPreset = 'matlab' | 'torch-same';

export interface SsimOptions {
  /** Default `matlab`. */
  preset?: SsimPreset;
}

const SSIM_PRESETS: readonly SsimPreset[] = ['matlab', 'torch-same'];
const WINDOW_SIZE = 11;
const WINDOW = gaussianKernel(WINDOW_SIZE, 1.5);

export function expectSsimPreset(preset: unknown): SsimPreset {
  if (!SSIM_PRESETS.includes(preset as SsimPreset)) {
    throw new MetricsInputError(
      `ssim preset: expected one of ${SSIM_PRESETS.join(', ')}, got ${String(preset)}`,
    );
  }
  return preset as SsimPreset;
}

/**
 * Mean SSIM of two single-band images (row-major float64). The five local statistics (means, second
 * moments, cross moment) are filtered together: one horizontal pass over both images, then one
 * vertical pass, with the 11-tap normalised Gaussian (separable form of the 11 x 11 window).
 * `valid`: no padding; `zero`: zero padding, map of the input size.
 */
export function ssimOfBand(
  a: Float64Array,
  b: Float64Array,
  height: number,
  width: number,
  mode: 'valid' | 'zero',
  range: number,
): number {
  const c1 = (0.01 * range) ** 2;
  const c2 = (0.03 * range) ** 2;
  const k = WINDOW_SIZE;
  const half = (k - 1) >> 1;
  const valid = mode === 'valid';
  const outHeight = valid ? height - k + 1 : height;
  const outWidth = valid ? width - k + 1 : width;
  // Horizontal pass: 5 interleaved statistics per (row, output column).
  const rows = new Float64Array(height * outWidth * 5);
  for (let y = 0; y < height; y++) {
    const base = y * width;
    for (let x = 0; x < outWidth; x++) {
      const start = valid ? x : x - half;
      const t0 = start < 0 ? -start : 0;
      const t1 = start + k > width ? width - start : k;
      let s1 = 0;
      let s2 = 0;
      let s11 = 0;
      let s22 = 0;
      let s12 = 0;
      for (let t = t0; t < t1; t++) {
        const w = WINDOW[t];
        const p = a[base + start + t];
        const q = b[base + start + t];
        const wp = w * p;
        const wq = w * q;
        s1 += wp;
        s2 += wq;
        s11 += wp * p;
        s22 += wq * q;
        s12 += wp * q;
      }
      const o = (y * outWidth + x) * 5;
      rows[o] = s1;
      rows[o + 1] = s2;
      rows[o + 2] = s11;
      rows[o + 3] = s22;
      rows[o + 4] = s12;
    }
  }
  // Vertical pass, row by row, then the SSIM map and its mean.
  const acc = new Float64Array(outWidth * 5);
  let sum = 0;
  for (let y = 0; y < outHeight; y++) {
    acc.fill(0);
    const start = valid ? y : y - half;
    const t0 = start < 0 ? -start : 0;
    const t1 = start + k > height ? height - start : k;
    for (let t = t0; t < t1; t++) {
      const w = WINDOW[t];
      const src = (start + t) * outWidth * 5;
      for (let i = 0; i < outWidth * 5; i++) acc[i] += w * rows[src + i];
    }
    for (let x = 0; x < outWidth; x++) {
      const o = x * 5;
      const m1 = acc[o];
      const m2 = acc[o + 1];
      const m11 = m1 * m1;
      const m22 = m2 * m2;
      const m12 = m1 * m2;
      const sigma1 = acc[o + 2] - m11;
      const sigma2 = acc[o + 3] - m22;
      const sigma12 = acc[o + 4] - m12;
      sum += ((2 * m12 + c1) * (2 * sigma12 + c2)) / ((m11 + m22 + c1) * (sigma1 + sigma2 + c2));
    }
  }
  return sum / (outHeight * outWidth);
}

/** Per-band SSIM of already validated cubes, scene-major. */
export function ssimPerBandOf(ref: CubeView, pred: CubeView, preset: SsimPreset): Float64Array {
  if (preset === 'matlab') {
    return ssimWith(withData(ref, im2uint8(ref.data)), withData(pred, im2uint8(pred.data)), 'valid', 255);
  }
  return ssimWith(ref, pred, 'zero', 1);
}

/** Per-band SSIM without preprocessing: `valid` or zero-padded filtering, dynamic range `range`. */
export function ssimWith(ref: CubeView, pred: CubeView, mode: 'valid' | 'zero', range: number): Float64Array {
  const { batch, height, width, bands } = ref;
  if (mode === 'valid' && (height < WINDOW_SIZE || width < WINDOW_SIZE)) {
    throw new MetricsInputError(
      `ssim: expected bands of at least 11 x 11 pixels for 'valid' filtering, got ${height} x ${width}`,
    );
  }
  const out = new Float64Array(batch * bands);
  const a = new Float64Array(height * width);
  const b = new Float64Array(height * width);
  for (let s = 0; s < batch; s++) {
    for (let n = 0; n < bands; n++) {
      extractBand(ref, s, n, a);
      extractBand(pred, s, n, b);
      out[s * bands + n] = ssimOfBand(a, b, height, width, mode, range);
    }
  }
  return out;
}

/**
 * SSIM of each band: a Float64Array of length batch * bands, scene-major (`result[scene * bands + band]`).
 *
 * @param reference ground truth, [H, W, N] or [B, H, W, N], values nominally in [0, 1]
 * @param prediction same shape as `reference`
 */
export function ssimPerBand(
  reference: CubeLike,
  prediction: CubeLike,
  options: SsimOptions = {},
): Float64Array {
  const preset = expectSsimPreset(options.preset ?? 'matlab');
  const [ref, pred] = readCubePair(reference, prediction);
  return ssimPerBandOf(ref, pred, preset);
}

/** Mean SSIM over bands (and scenes). 1 for identical cubes. */
export function ssim(reference: CubeLike, prediction: CubeLike, options: SsimOptions = {}): number {
  return mean(ssimPerBand(reference, prediction, options));
}
