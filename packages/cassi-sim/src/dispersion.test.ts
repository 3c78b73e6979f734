import { describeBackends, expectNoLeaks, maxAbsDiff, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { dispersedWidth, sceneWidth, shiftBack, shiftBands } from './dispersion';

/** Brute-force reference: out[b, h, w + off(n), n] = x[b, h, w, n]. */
function shiftLoop(x: Float32Array, [b, h, w, n]: number[], step: number, right: boolean): Float32Array {
  const wOut = w + step * (n - 1);
  const out = new Float32Array(b * h * wOut * n);
  for (let ib = 0; ib < b; ib++)
    for (let ih = 0; ih < h; ih++)
      for (let iw = 0; iw < w; iw++)
        for (let k = 0; k < n; k++) {
          const off = right ? step * k : step * (n - 1 - k);
          out[((ib * h + ih) * wOut + iw + off) * n + k] = x[((ib * h + ih) * w + iw) * n + k];
        }
  return out;
}

describeBackends('shiftBands / shiftBack', () => {
  const shape: [number, number, number, number] = [2, 5, 7, 4];
  const data = uniformArray(
    shape.reduce((a, b) => a * b),
    1,
  );

  for (const [step, direction] of [
    [2, 'right'],
    [1, 'right'],
    [3, 'left'],
    [0, 'right'],
  ] as const) {
    it(`matches a per-pixel loop (step ${step}, ${direction})`, async () => {
      await expectNoLeaks(async () => {
        const x = tf.tensor4d(data, shape);
        const y = shiftBands(x, { shiftStep: step, direction });
        expect(y.shape).toEqual([2, 5, 7 + step * 3, 4]);
        const expected = shiftLoop(data, shape, step, direction === 'right');
        expect(maxAbsDiff(await y.data(), expected)).toBe(0);
        const back = shiftBack(y, { shiftStep: step, direction });
        expect(back.shape).toEqual(shape);
        expect(maxAbsDiff(await back.data(), data)).toBe(0);
        tf.dispose([x, y, back]);
      });
    });
  }

  it('shiftBack of a measurement gives each band its window', async () => {
    await expectNoLeaks(async () => {
      const width = 6;
      const bands = 3;
      const wide = dispersedWidth(width, bands);
      const meas = tf.tensor3d(uniformArray(2 * 4 * wide, 2), [2, 4, wide]);
      const out = shiftBack(meas, { bandCount: bands });
      expect(out.shape).toEqual([2, 4, width, bands]);
      const m = await meas.data();
      const o = await out.data();
      for (let b = 0; b < 2; b++)
        for (let h = 0; h < 4; h++)
          for (let w = 0; w < width; w++)
            for (let n = 0; n < bands; n++)
              expect(o[((b * 4 + h) * width + w) * bands + n]).toBe(m[(b * 4 + h) * wide + w + 2 * n]);
      tf.dispose([meas, out]);
    });
  });

  it('rejects bad shapes and steps with a message naming both', () => {
    const x = tf.zeros([4, 4]);
    expect(() => shiftBands(x as unknown as tf.Tensor4D)).toThrow(/rank 4.*got shape \[4, 4\]/);
    const c = tf.zeros([1, 2, 3, 4]) as tf.Tensor4D;
    expect(() => shiftBands(c, { shiftStep: -1 })).toThrow(
      /shiftStep: expected a non-negative integer, got -1/,
    );
    expect(() => shiftBands(c, { shiftStep: 1.5 })).toThrow(/got 1.5/);
    expect(() => shiftBack(tf.zeros([1, 2, 10]) as tf.Tensor3D, { bandCount: 28 })).toThrow(
      /W' = W \+ shiftStep/,
    );
    expect(() => sceneWidth(10, 28)).toThrow(/needs W' >= 55/);
    tf.dispose([x, c]);
  });
});
