import * as tf from '@tensorflow/tfjs-core';

/**
 * The correct gradient of `tf.mirrorPad`. tfjs-core 4.22 registers the gradient of Pad for MirrorPad
 * (it only slices the centre out of dy), which drops the contributions of the reflected border: for
 * x = [a, b, c] padded by one on each side in 'reflect' mode, y = [b, a, b, c, b], the gradient of
 * sum(y) with respect to b is 3, not 1.
 *
 * Mirror padding is separable, so dy is folded back one dimension at a time: the centre, plus the
 * reversed left border added onto the elements it was copied from, plus the reversed right border.
 * For dimension size n, padding (before, after) and offset o (1 for 'reflect', 0 for 'symmetric'),
 * padded index k < 0 copies x[-k - 1 + o] and k >= n copies x[2n - k - 1 - o].
 */
export const mirrorPadGradConfig: tf.GradConfig = {
  kernelName: tf.MirrorPad,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const { paddings, mode } = attrs as unknown as {
      paddings: Array<[number, number]>;
      mode: 'reflect' | 'symmetric';
    };
    const offset = mode === 'reflect' ? 1 : 0;
    return {
      x: () =>
        tf.tidy(() => {
          let g = dy as tf.Tensor;
          for (let axis = 0; axis < x.rank; axis++) {
            const [before, after] = paddings[axis];
            if (before === 0 && after === 0) continue;
            const n = x.shape[axis];
            g = foldAxis(g, axis, n, before, after, offset);
          }
          return g;
        }),
    };
  },
};

function foldAxis(
  g: tf.Tensor,
  axis: number,
  n: number,
  before: number,
  after: number,
  offset: number,
): tf.Tensor {
  const take = (start: number, size: number): tf.Tensor => {
    const begin = g.shape.map((_, i) => (i === axis ? start : 0));
    const sizes = g.shape.map((s, i) => (i === axis ? size : s));
    return tf.slice(g, begin, sizes);
  };
  const padAxis = (t: tf.Tensor, lo: number, hi: number): tf.Tensor =>
    tf.pad(
      t,
      t.shape.map((_, i) => (i === axis ? [lo, hi] : [0, 0]) as [number, number]),
    );
  let result = take(before, n);
  if (before > 0) {
    // Reversed, index j of the left border came from x[j + offset].
    const left = tf.reverse(take(0, before), axis);
    result = tf.add(result, padAxis(left, offset, n - before - offset));
  }
  if (after > 0) {
    // Reversed, index j of the right border came from x[n - offset - after + j].
    const right = tf.reverse(take(before + n, after), axis);
    result = tf.add(result, padAxis(right, n - offset - after, offset));
  }
  return result;
}
