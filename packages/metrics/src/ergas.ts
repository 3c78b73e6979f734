import { type CubeView, readCubePair } from './_cube';
import { mean } from './_math';
import type { CubeLike } from './cube-like';
import { MetricsInputError } from './errors';
import { rmsePerBandOf } from './rmse';

export interface ErgasOptions {
  /**
   * The scale ratio d_h / d_l between the pixel sizes of the high- and low-resolution images
   * (1/4 for a 4x pansharpening problem). Reconstruction at the same resolution uses 1, which is what
   * the CASSI scripts pass (`quality_assessment(..., 0, 1)`). Default 1.
   */
  ratio?: number;
}

/** ERGAS of each scene of validated cubes. */
export function ergasPerSceneOf(ref: CubeView, pred: CubeView, ratio: number): Float64Array {
  if (typeof ratio !== 'number' || !Number.isFinite(ratio) || ratio <= 0) {
    throw new MetricsInputError(`ergas ratio: expected a finite number > 0, got ${String(ratio)}`);
  }
  const { batch, height, width, bands } = ref;
  const plane = height * width;
  const rmse = rmsePerBandOf(ref, pred);
  const means = new Float64Array(batch * bands);
  let i = 0;
  for (let s = 0; s < batch; s++) {
    for (let p = 0; p < plane; p++) for (let n = 0; n < bands; n++, i++) means[s * bands + n] += ref.data[i];
  }
  const out = new Float64Array(batch);
  for (let s = 0; s < batch; s++) {
    let sum = 0;
    for (let n = 0; n < bands; n++) {
      const e = rmse[s * bands + n];
      const m = means[s * bands + n] / plane;
      // 0 / 0 (a perfect all-zero band) counts as 0; e / 0 with e > 0 gives Infinity.
      const term = e === 0 ? 0 : e / m;
      sum += term * term;
    }
    out[s] = 100 * ratio * Math.sqrt(sum / bands);
  }
  return out;
}

/**
 * ERGAS (relative dimensionless global error in synthesis), as `quality_assessment.m`:
 * ERGAS = 100 * ratio * sqrt( (1/N) * sum_b (RMSE_b / mean(reference_b))^2 ).
 * Lower is better, 0 for identical cubes. Not symmetric (normalised by the reference's band means);
 * a reference band with zero mean and a non-zero error makes it Infinity. For a batch, the mean over
 * scenes.
 */
export function ergas(reference: CubeLike, prediction: CubeLike, options: ErgasOptions = {}): number {
  const [ref, pred] = readCubePair(reference, prediction);
  return mean(ergasPerSceneOf(ref, pred, options.ratio ?? 1));
}
