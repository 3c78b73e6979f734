import { describeBackends, expectNoLeaks, maxAbsDiff } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { addMeasurementNoise } from './noise';
import { createRandom } from './random';

describeBackends('addMeasurementNoise', () => {
  it('draws the same numbers as the generator it is given, and leaves the input alone', async () => {
    await expectNoLeaks(async () => {
      const y = tf.fill([1, 4, 5], 2) as tf.Tensor3D;
      const noisy = addMeasurementNoise(y, { type: 'gaussian', sigma: 0.5 }, { seed: 8 });
      const random = createRandom(8);
      const expected = Array.from({ length: 20 }, () => 2 + 0.5 * random.normal());
      expect(maxAbsDiff(await noisy.data(), expected)).toBeLessThan(1e-6);
      expect(Array.from(await y.data()).every((v) => v === 2)).toBe(true);
      // Shot noise on a known value: counts = floor(2 * 1.2 * 2048 / 0.4) (12287 in doubles), Binomial(counts, 0.4).
      const shot = addMeasurementNoise(y, { type: 'shot' }, { seed: 9 });
      const replay = createRandom(9);
      const counts = Math.floor((2 * 1.2 * 2048) / 0.4);
      const expectedShot = Array.from({ length: 20 }, () => replay.binomial(counts, 0.4) / 2048);
      expect(maxAbsDiff(await shot.data(), expectedShot)).toBeLessThan(1e-6);
      const none = addMeasurementNoise(y, 'none');
      expect(maxAbsDiff(await none.data(), await y.data())).toBe(0);
      tf.dispose([y, noisy, shot, none]);
    });
  });

  it('rejects non-finite measurements under shot noise and bad generators', () => {
    const y = tf.tensor3d([1, Number.NaN], [1, 1, 2]);
    expect(() => addMeasurementNoise(y, { type: 'shot' }, { seed: 1 })).toThrow(
      /finite measurement values, got NaN at index 1/,
    );
    expect(() => addMeasurementNoise(y, { type: 'gaussian', sigma: 1 }, { random: {} as never })).toThrow(
      /generator from createRandom/,
    );
    tf.dispose(y);
  });
});
