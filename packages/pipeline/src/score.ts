import { describeReportPreset, qualityReport, REPORT_PRESETS, type ReportPreset } from '@s2cassi/metrics';
import { type CubeData, expectCubeData } from './cube-data';
import { PipelineInputError } from './errors';

/** Options of {@link score}. */
export interface ScoreOptions {
  /** The metrics preset of @s2cassi/metrics' `qualityReport`. Default `'matlab'` (the papers' tables). */
  preset?: ReportPreset;
}

/** The scores of one estimate, under a named preset. */
export interface Scores {
  preset: ReportPreset;
  /** One line naming the preset and what it does (`describeReportPreset`), for reports. */
  presetDescription: string;
  /** Mean over bands of the per-band PSNR, dB. */
  psnr: number;
  /** Mean over bands of the per-band SSIM. */
  ssim: number;
  /** Mean spectral angle, degrees. */
  sam: number;
  ergas: number;
  rmse: number;
  /** Per band, as plain arrays (they cross a worker boundary or go into JSON). */
  bands: { psnr: number[]; ssim: number[]; rmse: number[] };
}

/**
 * Full-reference scores of an estimate against the ground truth, through `qualityReport` of
 * @s2cassi/metrics: one definition per preset, the same in every app. Plain TypeScript, no tfjs.
 *
 * @param truth `[H, W, N]`, values in 0..1.
 * @param estimate `[H, W, N]` (under `'matlab'` it is clipped to 0..1 and both are quantised to 8 bits).
 */
export function score(truth: CubeData, estimate: CubeData, options: ScoreOptions = {}): Scores {
  expectCubeData(truth, 'score: truth');
  expectCubeData(estimate, 'score: estimate');
  if (truth.shape.join() !== estimate.shape.join()) {
    throw new PipelineInputError(
      `score: the truth is [${truth.shape.join(', ')}] and the estimate [${estimate.shape.join(', ')}]: compare cubes of one scene and size`,
    );
  }
  const preset = options.preset ?? REPORT_PRESETS[0];
  const presetDescription = describeReportPreset(preset);
  const scene = qualityReport(truth, estimate, { preset }).scenes[0];
  return {
    preset,
    presetDescription,
    psnr: scene.psnr,
    ssim: scene.ssim,
    sam: scene.sam,
    ergas: scene.ergas,
    rmse: scene.rmse,
    bands: {
      psnr: Array.from(scene.bands.psnr),
      ssim: Array.from(scene.bands.ssim),
      rmse: Array.from(scene.bands.rmse),
    },
  };
}
