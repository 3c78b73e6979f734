import { describeBackends, expectNoLeaks, maxAbsDiff, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { loadReferenceCases } from './_fixtures';
import { initialEstimate } from './initial-estimate';

/** Brute force: Y0[b, h, w, n] = s * Y[b, h, w + off(n)] (* M[h, w]). */
function initialLoop(
  y: Float32Array,
  mask: Float32Array,
  [batch, height, width, bands]: number[],
  step: number,
  scale: number,
  withMask: boolean,
): Float64Array {
  const wide = width + step * (bands - 1);
  const out = new Float64Array(batch * height * width * bands);
  for (let b = 0; b < batch; b++)
    for (let h = 0; h < height; h++)
      for (let w = 0; w < width; w++)
        for (let n = 0; n < bands; n++) {
          const v = scale * y[(b * height + h) * wide + w + step * n];
          out[((b * height + h) * width + w) * bands + n] = withMask ? v * mask[h * width + w] : v;
        }
  return out;
}

describeBackends('initialEstimate', () => {
  it('matches a per-pixel loop for HM and H, default 2/N and custom normalisation', async () => {
    await expectNoLeaks(async () => {
      const shape = [2, 4, 7, 5];
      const wide = 7 + 2 * 4;
      const yData = uniformArray(2 * 4 * wide, 41, 0, 3);
      const maskData = uniformArray(4 * 7, 42);
      const y = tf.tensor3d(yData, [2, 4, wide]);
      const mask = tf.tensor2d(maskData, [4, 7]);
      const hm = initialEstimate(y, mask);
      expect(hm.shape).toEqual([2, 4, 7, 5]);
      expect(maxAbsDiff(await hm.data(), initialLoop(yData, maskData, shape, 2, 2 / 5, true))).toBeLessThan(
        1e-6,
      );
      const h = initialEstimate(y, mask, { mode: 'H', normalisation: 'none' });
      expect(maxAbsDiff(await h.data(), initialLoop(yData, maskData, shape, 2, 1, false))).toBeLessThan(1e-6);
      const custom = initialEstimate(y, mask, { mode: 'H', normalisation: 0.5 });
      expect(
        maxAbsDiff(await custom.data(), initialLoop(yData, maskData, shape, 2, 0.5, false)),
      ).toBeLessThan(1e-6);
      tf.dispose([y, mask, hm, h, custom]);
    });
  });

  it('agrees to 1e-6 with the numpy reference (init_meas H and HM)', async () => {
    for (const c of loadReferenceCases()) {
      await expectNoLeaks(async () => {
        const [batch, height, width, bands] = c.shape;
        const wide = width + c.shiftStep * (bands - 1);
        const y = tf.tensor3d(c.measurement, [batch, height, wide]);
        const mask = tf.tensor3d(c.mask, [batch, height, width]);
        const options = { shiftStep: c.shiftStep, direction: c.direction } as const;
        const hm = initialEstimate(y, mask, { ...options, mode: 'HM' });
        const h = initialEstimate(y, mask, { ...options, mode: 'H' });
        expect(hm.shape).toEqual(c.shape);
        expect(maxAbsDiff(await hm.data(), c.initialHM)).toBeLessThan(1e-6);
        expect(maxAbsDiff(await h.data(), c.initialH)).toBeLessThan(1e-6);
        tf.dispose([y, mask, hm, h]);
      });
    }
  });

  it('rejects bad input naming expected and given', () => {
    const y = tf.zeros([1, 4, 61]) as tf.Tensor3D;
    const mask = tf.ones([4, 6]) as tf.Tensor2D;
    expect(() => initialEstimate(y, mask)).toThrow(
      /shiftStep = 2 needs W' - W >= 0 and a multiple of 2, got W' = 61/,
    );
    const y2 = tf.zeros([1, 4, 60]) as tf.Tensor3D;
    expect(() => initialEstimate(y2, mask, { bandCount: 20 })).toThrow(
      /mask \[4, 6\] does not fit measurement \[1, 4, 60\]: expected W' = W \+ shiftStep \* \(bands - 1\) = 6 \+ 2 \* \(20 - 1\) = 44, got W' = 60/,
    );
    const good = tf.zeros([1, 4, 60]) as tf.Tensor3D;
    expect(() => initialEstimate(good, tf.ones([5, 6]) as tf.Tensor2D)).toThrow(
      /heights differ \(mask 5, target 4\)/,
    );
    expect(() => initialEstimate(good, mask, { mode: 'X' as never })).toThrow(/'HM' or 'H', got X/);
    const inf = tf.fill([1, 4, 60], Number.POSITIVE_INFINITY) as tf.Tensor3D;
    expect(() => initialEstimate(inf, mask)).toThrow(/NaN or Infinity/);
    expect(() => initialEstimate(tf.zeros([4, 60]) as never, mask)).toThrow(/rank 3.*got shape \[4, 60\]/);
    tf.dispose([y, y2, mask, good, inf]);
  });
});
