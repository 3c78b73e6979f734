import * as tf from '@tensorflow/tfjs-core';

/** Side of a square region in pixels, or the whole sample. */
export type RegionExtent = number | 'global';

/**
 * Sums a cube [B, H, W, N] over regions of r x r pixels x all N bands, tiled from the top-left
 * corner. When H or W is not a multiple of r, the last row / column of regions is partial (it holds
 * only the pixels that exist: the cube is zero-padded bottom / right before the sum, which adds
 * nothing). `global` sums the whole sample. Call inside a tidy.
 *
 * @returns [B, ceil(H / r), ceil(W / r)] for a size r, [B] for `global`.
 */
export function regionSums(x: tf.Tensor4D, extent: RegionExtent): tf.Tensor {
  if (extent === 'global') return tf.sum(x, [1, 2, 3]);
  const [batch, height, width] = x.shape;
  const perPixel = tf.sum(x, 3) as tf.Tensor3D;
  if (extent === 1) return perPixel;
  const rows = Math.ceil(height / extent);
  const cols = Math.ceil(width / extent);
  const padded =
    rows * extent === height && cols * extent === width
      ? perPixel
      : tf.pad(perPixel, [
          [0, 0],
          [0, rows * extent - height],
          [0, cols * extent - width],
        ]);
  return tf.sum(tf.reshape(padded, [batch, rows, extent, cols, extent]), [2, 4]);
}
