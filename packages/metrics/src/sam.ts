import { type CubeView, readCubePair } from './_cube';
import { EPS, mean, RAD_TO_DEG } from './_math';
import type { CubeLike } from './cube-like';
import { MetricsInputError } from './errors';

/**
 * How a spectral angle is computed for a pixel with reference spectrum x and predicted spectrum y.
 *
 * - `matlab` (default): `SpectAngMapper.m` of the CASSI scripts,
 *   angle = real(acos((x.y + eps) / (|x| + eps) / (|y| + eps))), eps = 2^-52. The eps terms define
 *   the zero-vector cases: two zero spectra give 0 degrees; one zero spectrum gives
 *   acos(1 / (|other| + eps)), which depends on the data scale (about 89.8 degrees for a uint8-scaled
 *   spectrum of norm 255, 0 degrees for a norm <= 1: the cosine is clamped as `real(acos)` does).
 * - `strict`: the exact angle acos(x.y / (|x| |y|)), evaluated stably as
 *   2 atan2(|x/|x| - y/|y||, |x/|x| + y/|y||) (identical spectra give exactly 0), with a documented
 *   zero-vector rule: two zero spectra are parallel (0 degrees); a zero spectrum and a non-zero one
 *   are orthogonal (90 degrees).
 */
export type SamConvention = 'matlab' | 'strict';

export interface SamOptions {
  /** Default `matlab`. */
  convention?: SamConvention;
}

function clampedAcos(c: number): number {
  // MATLAB's real(acos(c)) is 0 for c > 1 and pi for c < -1.
  return c >= 1 ? 0 : c <= -1 ? Math.PI : Math.acos(c);
}

/** Mean spectral angle (degrees) of each scene of validated cubes. */
export function samPerSceneOf(ref: CubeView, pred: CubeView, convention: SamConvention): Float64Array {
  if (convention !== 'matlab' && convention !== 'strict') {
    throw new MetricsInputError(`sam convention: expected 'matlab' or 'strict', got ${String(convention)}`);
  }
  const { batch, height, width, bands } = ref;
  const plane = height * width;
  const a = ref.data;
  const b = pred.data;
  const out = new Float64Array(batch);
  for (let s = 0; s < batch; s++) {
    let sum = 0;
    let i = s * plane * bands;
    for (let p = 0; p < plane; p++) {
      let dot = 0;
      let aa = 0;
      let bb = 0;
      for (let n = 0; n < bands; n++, i++) {
        const x = a[i];
        const y = b[i];
        dot += x * y;
        aa += x * x;
        bb += y * y;
      }
      let angle: number;
      if (convention === 'matlab') {
        angle = clampedAcos((dot + EPS) / (Math.sqrt(aa) + EPS) / (Math.sqrt(bb) + EPS));
      } else if (aa === 0 || bb === 0) {
        angle = aa === 0 && bb === 0 ? 0 : Math.PI / 2;
      } else {
        // Kahan's angle 2 atan2(|x/|x| - y/|y||, |x/|x| + y/|y||): accurate for small angles, where
        // acos(cos) loses half the digits (identical spectra give exactly 0).
        const na = Math.sqrt(aa);
        const nb = Math.sqrt(bb);
        let diff = 0;
        let sum = 0;
        for (let n = i - bands; n < i; n++) {
          const u = a[n] / na;
          const v = b[n] / nb;
          diff += (u - v) * (u - v);
          sum += (u + v) * (u + v);
        }
        angle = 2 * Math.atan2(Math.sqrt(diff), Math.sqrt(sum));
      }
      sum += angle;
    }
    out[s] = (sum / plane) * RAD_TO_DEG;
  }
  return out;
}

/**
 * Mean spectral angle mapper (SAM) in degrees: the angle between the reference and predicted spectra
 * of each pixel, averaged over pixels (and over scenes for a batch). Symmetric in its two arguments.
 * Computed on the values as given; `qualityReport` with the `matlab` preset applies it to the
 * uint8-quantised cubes, as `quality_assessment.m` does.
 */
export function sam(reference: CubeLike, prediction: CubeLike, options: SamOptions = {}): number {
  const [ref, pred] = readCubePair(reference, prediction);
  return mean(samPerSceneOf(ref, pred, options.convention ?? 'matlab'));
}
