import * as tf from '@tensorflow/tfjs-core';
import { bandOffset, type ResolvedDispersion } from './dispersion';

/**
 * Disperse and integrate without validation: Y[b, h, w'] = sum_n u[b, h, w' - offset(n), n].
 * `u` [B, H, W, N] -> [B, H, W + step * (N - 1)]. Call inside tidy.
 */
export function disperseAndSum(u: tf.Tensor4D, dispersion: ResolvedDispersion): tf.Tensor3D {
  const [batch, height, width, bandCount] = u.shape;
  const total = dispersion.shiftStep * (bandCount - 1);
  const bands = bandCount === 1 ? [u] : tf.split(u, bandCount, 3);
  const padded = bands.map((band, n) => {
    const left = bandOffset(n, bandCount, dispersion);
    return tf.pad(band, [
      [0, 0],
      [0, 0],
      [left, total - left],
      [0, 0],
    ]);
  });
  const sum = padded.length === 1 ? padded[0] : tf.addN(padded);
  return tf.reshape(sum, [batch, height, width + total]);
}

/**
 * The adjoint of {@link disperseAndSum}: out[b, h, w, n] = y[b, h, w + offset(n)] (the toolboxes'
 * `shift_back(meas)`). `y` [B, H, W'] -> [B, H, W, N]. Call inside tidy.
 */
export function spreadBack(y: tf.Tensor3D, bandCount: number, dispersion: ResolvedDispersion): tf.Tensor4D {
  const [batch, height, measurementWidth] = y.shape;
  const width = measurementWidth - dispersion.shiftStep * (bandCount - 1);
  const y4 = tf.reshape(y, [batch, height, measurementWidth, 1]);
  const bands: tf.Tensor4D[] = [];
  for (let n = 0; n < bandCount; n++) {
    bands.push(
      tf.slice(y4 as tf.Tensor4D, [0, 0, bandOffset(n, bandCount, dispersion), 0], [batch, height, width, 1]),
    );
  }
  return (bands.length === 1 ? bands[0] : tf.concat(bands, 3)) as tf.Tensor4D;
}
