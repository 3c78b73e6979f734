import { describeBackends, expectNoLeaks, maxAbsDiff, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { loadReferenceCases } from './_fixtures';
import { CassiInputError } from './_validate';
import { createRandom } from './random';
import { simulateMeasurement } from './simulate';

/** Brute force: y[b, h, w'] = sum_n x[b, h, w' - off(n), n] * M[h, w' - off(n)]. */
function measurementLoop(
  cube: Float32Array,
  mask: Float32Array,
  [batch, height, width, bands]: number[],
  maskBatch: number,
  step: number,
  right: boolean,
): Float64Array {
  const wide = width + step * (bands - 1);
  const out = new Float64Array(batch * height * wide);
  for (let b = 0; b < batch; b++)
    for (let h = 0; h < height; h++)
      for (let w2 = 0; w2 < wide; w2++) {
        let sum = 0;
        for (let n = 0; n < bands; n++) {
          const w = w2 - (right ? step * n : step * (bands - 1 - n));
          if (w < 0 || w >= width) continue;
          const m = mask[((maskBatch === 1 ? 0 : b) * height + h) * width + w];
          sum += cube[((b * height + h) * width + w) * bands + n] * m;
        }
        out[(b * height + h) * wide + w2] = sum;
      }
  return out;
}

describeBackends('simulateMeasurement', () => {
  const shape: [number, number, number, number] = [2, 5, 9, 6];
  const cubeData = uniformArray(
    shape.reduce((a, b) => a * b),
    21,
  );

  for (const [step, direction, perSample] of [
    [2, 'right', false],
    [1, 'left', true],
    [3, 'right', true],
  ] as const) {
    it(`matches a per-pixel loop (step ${step}, ${direction}, ${perSample ? 'per-sample' : 'shared'} mask)`, async () => {
      await expectNoLeaks(async () => {
        const maskBatch = perSample ? 2 : 1;
        const maskData = uniformArray(maskBatch * 5 * 9, 22);
        const cube = tf.tensor4d(cubeData, shape);
        const mask = perSample ? tf.tensor3d(maskData, [2, 5, 9]) : tf.tensor2d(maskData, [5, 9]);
        const y = simulateMeasurement(cube, mask, { shiftStep: step, direction });
        expect(y.shape).toEqual([2, 5, 9 + step * 5]);
        expect(y.dtype).toBe('float32');
        const expected = measurementLoop(cubeData, maskData, shape, maskBatch, step, direction === 'right');
        expect(maxAbsDiff(await y.data(), expected)).toBeLessThan(1e-5);
        const scaled = simulateMeasurement(cube, mask, { shiftStep: step, direction, normalisation: 2 / 6 });
        expect(
          maxAbsDiff(
            await scaled.data(),
            expected.map((v) => (v * 2) / 6),
          ),
        ).toBeLessThan(1e-5);
        tf.dispose([cube, mask, y, scaled]);
      });
    });
  }

  it('agrees to 1e-6 with the numpy reference (gen_meas)', async () => {
    for (const c of loadReferenceCases()) {
      await expectNoLeaks(async () => {
        const [batch, height, width] = c.shape;
        const cube = tf.tensor4d(c.cube, c.shape);
        const mask = tf.tensor3d(c.mask, [batch, height, width]);
        const y = simulateMeasurement(cube, mask, { shiftStep: c.shiftStep, direction: c.direction });
        expect(maxAbsDiff(await y.data(), c.measurement)).toBeLessThan(1e-6);
        tf.dispose([cube, mask, y]);
      });
    }
  });

  it('gaussian noise: mean 0, variance sigma^2, reproducible from a seed or a generator state', async () => {
    await expectNoLeaks(async () => {
      const cube = tf.fill([1, 64, 64, 28], 0.5) as tf.Tensor4D;
      const mask = tf.fill([64, 64], 0.7) as tf.Tensor2D;
      const clean = simulateMeasurement(cube, mask);
      const sigma = 0.05;
      const noisy = simulateMeasurement(cube, mask, { noise: { type: 'gaussian', sigma }, seed: 5 });
      const again = simulateMeasurement(cube, mask, { noise: { type: 'gaussian', sigma }, seed: 5 });
      const other = simulateMeasurement(cube, mask, { noise: { type: 'gaussian', sigma }, seed: 6 });
      const c = await clean.data();
      const n = await noisy.data();
      const count = c.length;
      let sum = 0;
      let squares = 0;
      for (let i = 0; i < count; i++) sum += n[i] - c[i];
      const mean = sum / count;
      for (let i = 0; i < count; i++) squares += (n[i] - c[i] - mean) ** 2;
      const variance = squares / (count - 1);
      expect(Math.abs(mean)).toBeLessThan((4 * sigma) / Math.sqrt(count));
      expect(Math.abs(variance / sigma ** 2 - 1)).toBeLessThan(0.05);
      expect(maxAbsDiff(await again.data(), n)).toBe(0);
      expect(maxAbsDiff(await other.data(), n)).toBeGreaterThan(0.01);
      // A generator continues where it stopped: two draws from one generator differ; a restored state repeats.
      const random = createRandom(9);
      const saved = random.state();
      const first = simulateMeasurement(cube, mask, { noise: { type: 'gaussian', sigma }, random });
      const second = simulateMeasurement(cube, mask, { noise: { type: 'gaussian', sigma }, random });
      const replay = simulateMeasurement(cube, mask, {
        noise: { type: 'gaussian', sigma },
        random: createRandom(saved),
      });
      expect(maxAbsDiff(await first.data(), await second.data())).toBeGreaterThan(0.01);
      expect(maxAbsDiff(await first.data(), await replay.data())).toBe(0);
      tf.dispose([cube, mask, clean, noisy, again, other, first, second, replay]);
    });
  });

  it('shot noise: Binomial(floor(1.2 y 2048 / 0.4), 0.4) / 2048 statistics, as the MST real toolbox', async () => {
    await expectNoLeaks(async () => {
      const cube = tf.tensor4d(uniformArray(2 * 48 * 48 * 28, 31), [2, 48, 48, 28]);
      const mask = tf.tensor2d(uniformArray(48 * 48, 32), [48, 48]);
      const normalisation = 2 / 28;
      const clean = simulateMeasurement(cube, mask, { normalisation });
      const noisy = simulateMeasurement(cube, mask, { normalisation, noise: { type: 'shot' }, seed: 3 });
      const again = simulateMeasurement(cube, mask, { normalisation, noise: { type: 'shot' }, seed: 3 });
      const c = await clean.data();
      const y = await noisy.data();
      // Standardised residuals z = (y - E y) / sd y must have mean 0 and variance 1.
      let sum = 0;
      let squares = 0;
      let count = 0;
      for (let i = 0; i < c.length; i++) {
        const photons = Math.floor((c[i] * 1.2 * 2048) / 0.4);
        if (photons === 0) continue;
        const mean = (photons * 0.4) / 2048;
        const sd = Math.sqrt(photons * 0.4 * 0.6) / 2048;
        const z = (y[i] - mean) / sd;
        sum += z;
        squares += z * z;
        count++;
        // Values are counts / 2048.
        expect(Number.isInteger(Math.round(y[i] * 2048 * 1e3) / 1e3)).toBe(true);
      }
      expect(count).toBeGreaterThan(4000);
      expect(Math.abs(sum / count)).toBeLessThan(4 / Math.sqrt(count));
      expect(Math.abs(squares / count - 1)).toBeLessThan(0.07);
      expect(maxAbsDiff(await again.data(), y)).toBe(0);
      // The mean is ~1.2 y: the gain is kept, as in the toolbox.
      let ratio = 0;
      let total = 0;
      for (let i = 0; i < c.length; i++) {
        ratio += y[i];
        total += c[i];
      }
      expect(Math.abs(ratio / total - 1.2)).toBeLessThan(0.01);
      tf.dispose([cube, mask, clean, noisy, again]);
    });
  });

  it('rejects bad input with CassiInputError naming expected and given', () => {
    const cube = tf.zeros([1, 4, 6, 3]) as tf.Tensor4D;
    const mask = tf.ones([4, 6]) as tf.Tensor2D;
    const wrong = tf.ones([4, 5]) as tf.Tensor2D;
    expect(() => simulateMeasurement(tf.zeros([4, 6, 3]) as never, mask)).toThrow(
      /rank 4 \(\[batch, height, width, bands\]\), got shape \[4, 6, 3\]/,
    );
    expect(() => simulateMeasurement(cube, wrong)).toThrow(/mask \[4, 5\] does not fit cube \[1, 4, 6, 3\]/);
    expect(() => simulateMeasurement(cube, tf.ones([3, 4, 6]) as tf.Tensor3D)).toThrow(
      /per-sample mask needs batch 1, got 3/,
    );
    const nan = tf.tensor4d([Number.NaN, 0, 0, 0], [1, 1, 1, 4]);
    expect(() => simulateMeasurement(nan, tf.ones([1, 1]) as tf.Tensor2D)).toThrow(/NaN or Infinity/);
    const negative = tf.tensor4d([-1, 0, 0, 0], [1, 1, 1, 4]);
    expect(() => simulateMeasurement(negative, tf.ones([1, 1]) as tf.Tensor2D)).toThrow(
      /non-negative intensities, found a minimum of -1/,
    );
    expect(() => simulateMeasurement(cube, tf.fill([4, 6], Number.POSITIVE_INFINITY) as tf.Tensor2D)).toThrow(
      CassiInputError,
    );
    expect(() => simulateMeasurement(cube, mask, { shiftStep: -2 })).toThrow(/non-negative integer, got -2/);
    expect(() => simulateMeasurement(cube, mask, { direction: 'up' as never })).toThrow(
      /'right' or 'left', got up/,
    );
    expect(() => simulateMeasurement(cube, mask, { noise: { type: 'gaussian', sigma: -1 } })).toThrow(
      /sigma: expected a finite number >= 0, got -1/,
    );
    expect(() => simulateMeasurement(cube, mask, { noise: { type: 'shot', quantumEfficiency: 2 } })).toThrow(
      /\(0, 1\], got 2/,
    );
    expect(() => simulateMeasurement(cube, mask, { noise: { type: 'poisson' } as never })).toThrow(
      /'none', 'gaussian' or 'shot', got poisson/,
    );
    expect(() => simulateMeasurement(cube, mask, { normalisation: 0 })).toThrow(/> 0 or 'none', got 0/);
    tf.dispose([cube, mask, wrong, nan, negative]);
  });
});
