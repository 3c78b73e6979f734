import { describeBackends, expectNoLeaks, mulberry32, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { estimateCubeScale } from './cube-scale';
import { simulateMeasurement } from './simulate';

/** Brute force: b = y / sum_n M(h, w' - step * n) over pixels seen with >= 1/4 of the peak coverage. */
function bruteForceScale(
  y: Float32Array,
  mask: Float32Array,
  [height, width, bands, step]: number[],
  percentile: number,
): number {
  const wide = width + step * (bands - 1);
  const coverage = new Float64Array(height * wide);
  for (let h = 0; h < height; h++)
    for (let n = 0; n < bands; n++)
      for (let w = 0; w < width; w++) coverage[h * wide + w + step * n] += mask[h * width + w];
  const peak = Math.max(...coverage);
  const kept: number[] = [];
  for (let i = 0; i < coverage.length; i++) if (coverage[i] >= peak / 4) kept.push(y[i] / coverage[i]);
  kept.sort((a, b) => a - b);
  const position = ((kept.length - 1) * percentile) / 100;
  const low = Math.floor(position);
  const high = Math.min(kept.length - 1, low + 1);
  return kept[low] + (kept[high] - kept[low]) * (position - low);
}

describeBackends('estimateCubeScale', () => {
  it('matches a brute-force loop (percentiles 50, 99.9, 100)', async () => {
    const [height, width, bands, step] = [6, 9, 5, 2];
    const maskValues = uniformArray(height * width, 3, 0.05, 1);
    const yValues = uniformArray(height * (width + step * (bands - 1)), 4, 0, 2);
    await expectNoLeaks(async () => {
      const mask = tf.tensor2d(maskValues, [height, width]);
      const y = tf.tensor3d(yValues, [1, height, width + step * (bands - 1)]);
      for (const percentile of [50, 99.9, 100]) {
        const expected = bruteForceScale(yValues, maskValues, [height, width, bands, step], percentile);
        const got = await estimateCubeScale(y, mask, { percentile });
        expect(Math.abs(got - expected) / expected).toBeLessThan(1e-5);
      }
      tf.dispose([mask, y]);
    });
  });

  it('returns the brightness of a flat-spectrum cube, and scales with the measurement', async () => {
    const random = mulberry32(7);
    const maskValues = Float32Array.from({ length: 12 * 12 }, () => (random() < 0.5 ? 1 : 0.02));
    await expectNoLeaks(async () => {
      const mask = tf.tensor2d(maskValues, [12, 12]);
      const cube = tf.fill([1, 12, 12, 8], 0.37) as tf.Tensor4D;
      const y = simulateMeasurement(cube, mask);
      expect(await estimateCubeScale(y, mask)).toBeCloseTo(0.37, 5);
      const darker = tf.mul(y, 0.01) as tf.Tensor3D;
      expect(await estimateCubeScale(darker, mask)).toBeCloseTo(0.0037, 7);
      tf.dispose([mask, cube, y, darker]);
    });
  });

  it('returns 1 for an all-zero measurement and rejects bad input', async () => {
    const mask = tf.ones([4, 6]) as tf.Tensor2D;
    const y = tf.zeros([1, 4, 10]) as tf.Tensor3D;
    expect(await estimateCubeScale(y, mask)).toBe(1);
    await expect(estimateCubeScale(y, mask, { percentile: 0 })).rejects.toThrow(
      /percentile: expected 0 < p <= 100, got 0/,
    );
    await expect(estimateCubeScale(y, mask, { percentile: 101 })).rejects.toThrow(/got 101/);
    await expect(estimateCubeScale(tf.zeros([1, 4, 11]) as tf.Tensor3D, mask)).rejects.toThrow(
      /does not fit measurement \[1, 4, 11\]/,
    );
    const bad = tf.fill([1, 4, 10], Number.NaN) as tf.Tensor3D;
    await expect(estimateCubeScale(bad, mask)).rejects.toThrow(/finite/);
    tf.dispose([mask, y, bad]);
  });
});
