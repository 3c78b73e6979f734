import { type CubeView, readCubePair, withData } from './_cube';
import { mean } from './_math';
import { im2uint8 } from './_quantize';
import type { CubeLike } from './cube-like';
import { ergasPerSceneOf } from './ergas';
import { MetricsInputError } from './errors';
import { psnrPerBandOf, psnrWithPeaks } from './psnr';
import { rmsePerBandOf, rmsePerSceneOf } from './rmse';
import { samPerSceneOf } from './sam';
import { ssimPerBandOf, ssimWith } from './ssim';

/**
 * - `matlab` (default): exactly `Cal_quality_assessment.m` -> `quality_assessment.m`: the prediction is
 *   clipped to [0, 1], both cubes go through `im2uint8`, and every metric is computed on those 0..255
 *   values (PSNR `matlab`, SSIM `matlab`, SAM `matlab` convention, ERGAS, RMSE in 0..255 units).
 * - `float`: no quantisation: PSNR `float` (data range 1), SSIM `torch-same`, SAM / ERGAS / RMSE on the
 *   raw values.
 */
export type ReportPreset = 'matlab' | 'float';

/** Every {@link ReportPreset}, the default first. */
export const REPORT_PRESETS: readonly ReportPreset[] = Object.freeze(['matlab', 'float']);

const DESCRIPTIONS: Readonly<Record<ReportPreset, string>> = Object.freeze({
  matlab:
    "metrics preset 'matlab' (the CASSI papers' Cal_quality_assessment.m: estimate clipped to [0, 1], both cubes quantised to 8 bits, PSNR / SSIM / SAM on those values; SAM in degrees)",
  float:
    "metrics preset 'float' (no quantisation: PSNR with data range 1, SSIM 'torch-same', SAM on the raw values in degrees)",
});

/**
 * One line that names a report preset and says what it does, for reports and tables that print scores
 * (the same numbers mean different things under different presets).
 */
export function describeReportPreset(preset: ReportPreset): string {
  if (!REPORT_PRESETS.includes(preset)) {
    throw new MetricsInputError(
      `report preset: expected one of ${REPORT_PRESETS.join(', ')}, got ${String(preset)}`,
    );
  }
  return DESCRIPTIONS[preset];
}

export interface ReportOptions {
  /** Default `matlab`. */
  preset?: ReportPreset;
  /** ERGAS scale ratio (see `ergas`). Default 1. */
  ergasRatio?: number;
}

export interface BandReport {
  /** PSNR (dB) of each band. */
  psnr: Float64Array;
  /** SSIM of each band. */
  ssim: Float64Array;
  /** RMSE of each band (0..255 units under the `matlab` preset). */
  rmse: Float64Array;
}

export interface SceneReport {
  /** Mean over bands of the per-band PSNR (dB). */
  psnr: number;
  /** Mean over bands of the per-band SSIM. */
  ssim: number;
  /** Mean spectral angle (degrees). */
  sam: number;
  ergas: number;
  rmse: number;
  bands: BandReport;
}

export interface QualityReport {
  preset: ReportPreset;
  /** One report per scene of the batch (one for an [H, W, N] cube). */
  scenes: SceneReport[];
  /** Each scalar metric averaged over the scenes, as the papers average their test scenes. */
  mean: { psnr: number; ssim: number; sam: number; ergas: number; rmse: number };
}

/**
 * Full-reference quality report of a prediction against its ground truth: scalar PSNR, SSIM, SAM,
 * ERGAS and RMSE per scene, per-band PSNR / SSIM / RMSE, and the means over scenes.
 *
 * @param reference ground truth, [H, W, N] or [B, H, W, N], values in [0, 1]
 * @param prediction same shape (a reconstruction; clipped to [0, 1] under the `matlab` preset)
 */
export function qualityReport(
  reference: CubeLike,
  prediction: CubeLike,
  options: ReportOptions = {},
): QualityReport {
  const preset = options.preset ?? 'matlab';
  if (!REPORT_PRESETS.includes(preset)) {
    throw new MetricsInputError(`report preset: expected 'matlab' or 'float', got ${String(preset)}`);
  }
  let [ref, pred]: [CubeView, CubeView] = readCubePair(reference, prediction);
  let psnrBands: Float64Array;
  let ssimBands: Float64Array;
  if (preset === 'matlab') {
    ref = withData(ref, im2uint8(ref.data));
    pred = withData(pred, im2uint8(pred.data));
    psnrBands = psnrWithPeaks(ref, pred, () => 255);
    ssimBands = ssimWith(ref, pred, 'valid', 255);
  } else {
    psnrBands = psnrPerBandOf(ref, pred, 'float');
    ssimBands = ssimPerBandOf(ref, pred, 'torch-same');
  }
  const rmseBands = rmsePerBandOf(ref, pred);
  const samScenes = samPerSceneOf(ref, pred, 'matlab');
  const ergasScenes = ergasPerSceneOf(ref, pred, options.ergasRatio ?? 1);
  const rmseScenes = rmsePerSceneOf(ref, pred);
  const { bands } = ref;
  const scenes: SceneReport[] = [];
  for (let s = 0; s < ref.batch; s++) {
    const slice = (x: Float64Array) => x.slice(s * bands, (s + 1) * bands);
    const band: BandReport = { psnr: slice(psnrBands), ssim: slice(ssimBands), rmse: slice(rmseBands) };
    scenes.push({
      psnr: mean(band.psnr),
      ssim: mean(band.ssim),
      sam: samScenes[s],
      ergas: ergasScenes[s],
      rmse: rmseScenes[s],
      bands: band,
    });
  }
  const average = (key: 'psnr' | 'ssim' | 'sam' | 'ergas' | 'rmse') => mean(scenes.map((x) => x[key]));
  return {
    preset,
    scenes,
    mean: {
      psnr: average('psnr'),
      ssim: average('ssim'),
      sam: average('sam'),
      ergas: average('ergas'),
      rmse: average('rmse'),
    },
  };
}
