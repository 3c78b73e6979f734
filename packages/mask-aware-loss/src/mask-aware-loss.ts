import * as tf from '@tensorflow/tfjs-core';
import { type RegionExtent, regionSums } from './_region-sums';
import {
  expectFiniteNumber,
  expectObject,
  expectPositiveInteger,
  expectPositiveNumber,
  LossInputError,
} from './_validate';
import type { LossParts } from './loss-parts';
import { checkMaskInputs, type MaskEncodingLossInputs, maskEncodingResidual } from './mask-encoding-loss';
import { reconstructionTerm } from './reconstruction-loss';

/**
 * Region over which the MA ratio is formed: `pixel` (r = 1), `window` (r = `windowSize`, the
 * default), `global` (the whole sample), or a positive integer r.
 */
export type RegionSize = 'pixel' | 'window' | 'global' | number;

export interface MaskAwareRegion {
  size: RegionSize;
}

export interface MaskAwareLossInputs extends MaskEncodingLossInputs {
  /** Weight of the ME term inside L_MA. Default 1.0 (the paper's value after pre-training). */
  alpha?: number;
  /** Weight of the MA term. Default 10. */
  beta?: number;
  /** Default `{ size: 'window' }`. */
  region?: MaskAwareRegion;
  /** The attention window M, the region side for `size: 'window'`. Default 8. */
  windowSize?: number;
  /** Added to each region's denominator, only against division by zero. Default 1e-6. */
  eps?: number;
}

/** Resolves a region option to a side in pixels or `global`; validates it. */
export function resolveRegion(region: unknown, windowSize: unknown, fn: string): RegionExtent {
  const o = expectObject(region ?? { size: 'window' }, `${fn}(region)`);
  const size = o.size;
  const window = expectPositiveInteger(windowSize ?? 8, `${fn}(windowSize)`);
  if (size === 'pixel') return 1;
  if (size === 'window') return window;
  if (size === 'global') return 'global';
  if (typeof size === 'number') return expectPositiveInteger(size, `${fn}(region.size)`);
  throw new LossInputError(
    `${fn}(region.size): expected 'pixel', 'window', 'global' or a positive integer, got ${
      typeof size === 'string' ? `'${size}'` : String(size)
    }`,
  );
}

/**
 * The mask-aware loss (paper Eq. 13), used after pre-training with L_ME:
 *
 *   L_MA = Recon(F_hat, F) + alpha * ME + beta * MA
 *   ME   = mean |f_h - M * F|                                (over all elements)
 *   MA   = mean over regions R of  sum_R |F_hat - F| / (sum_R |f_h - M * F| + eps)
 *
 * A region R is r x r pixels x all N bands of one sample (`region.size`: `pixel` r = 1, `window`
 * r = `windowSize`, a number r, or `global` = the whole sample); the mean runs over every region of
 * every sample with equal weight. When H or W is not a multiple of r the last row / column of regions
 * is partial (only the pixels that exist are summed) and still counts as one region.
 *
 * Where the mask blocks light (M near 0) the encoded signal M * F is small and so, once f_h fits it,
 * is the denominator: the reconstruction error there is weighted up, the paper's prioritisation of
 * masked pixels. Gradients flow through the numerator (into F_hat) AND the denominator (into f_h);
 * nothing is detached. `eps` only guards against a zero denominator: when f_h equals M * F exactly
 * over a region the ratio is sum |F_hat - F| / eps, large but finite.
 *
 * @returns `{ total, recon, me, ma }` scalar tensors owned by the caller (`me` and `ma` unweighted).
 */
export function maskAwareLoss(inputs: MaskAwareLossInputs): LossParts {
  const fn = 'maskAwareLoss';
  const checked = checkMaskInputs(inputs, fn);
  const alpha = expectFiniteNumber(inputs.alpha ?? 1, `${fn}(alpha)`, 0);
  const beta = expectFiniteNumber(inputs.beta ?? 10, `${fn}(beta)`, 0);
  const eps = expectPositiveNumber(inputs.eps ?? 1e-6, `${fn}(eps)`);
  const extent = resolveRegion(inputs.region, inputs.windowSize, fn);
  return tf.tidy(() => {
    const residual = maskEncodingResidual(checked, fn);
    const error = tf.abs(tf.sub(checked.prediction, checked.truth)) as tf.Tensor4D;
    // For L1 the element-wise error is shared with the MA numerator.
    const recon =
      checked.reconstruction === 'l1'
        ? (tf.mean(error) as tf.Scalar)
        : reconstructionTerm(checked.prediction, checked.truth, checked.reconstruction);
    const me = tf.mean(residual) as tf.Scalar;
    const numerator = regionSums(error, extent);
    const denominator = tf.add(regionSums(residual, extent), tf.scalar(eps));
    const ma = tf.mean(tf.div(numerator, denominator)) as tf.Scalar;
    // Two adds rather than addN: tfjs's AddN gradient fails when only a part is differentiated.
    const total = tf.add(
      tf.add(recon, tf.mul(tf.scalar(alpha), me)),
      tf.mul(tf.scalar(beta), ma),
    ) as tf.Scalar;
    return { total, recon, me, ma };
  });
}
