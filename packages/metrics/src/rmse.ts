import { type CubeView, readCubePair } from './_cube';
import { mean } from './_math';
import type { CubeLike } from './cube-like';
import { bandMse } from './psnr';

/** Per-band RMSE of validated cubes, scene-major. */
export function rmsePerBandOf(ref: CubeView, pred: CubeView): Float64Array {
  const mse = bandMse(ref, pred);
  for (let i = 0; i < mse.length; i++) mse[i] = Math.sqrt(mse[i]);
  return mse;
}

/** RMSE of each scene: sqrt(mean over bands of the per-band MSE) = the RMSE over all values. */
export function rmsePerSceneOf(ref: CubeView, pred: CubeView): Float64Array {
  const mse = bandMse(ref, pred);
  const out = new Float64Array(ref.batch);
  for (let s = 0; s < ref.batch; s++)
    out[s] = Math.sqrt(mean(mse.subarray(s * ref.bands, (s + 1) * ref.bands)));
  return out;
}

/**
 * Root mean squared error, in the units of the data (`quality_assessment.m`:
 * rmse = sqrt(sum_b MSE_b / N)); for a batch, the mean of the per-scene RMSEs. Symmetric.
 */
export function rmse(reference: CubeLike, prediction: CubeLike): number {
  const [ref, pred] = readCubePair(reference, prediction);
  return mean(rmsePerSceneOf(ref, pred));
}

/** RMSE of each band, scene-major (`result[scene * bands + band]`). */
export function rmsePerBand(reference: CubeLike, prediction: CubeLike): Float64Array {
  const [ref, pred] = readCubePair(reference, prediction);
  return rmsePerBandOf(ref, pred);
}
