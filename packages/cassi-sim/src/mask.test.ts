import { describeBackends, expectNoLeaks } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { assertMaskFits, cropMask, maskFromArray, randomBinaryMask } from './mask';

describeBackends('masks', () => {
  it('maskFromArray reads row-major and MATLAB column-major data without modifying it', async () => {
    await expectNoLeaks(async () => {
      // The 2 x 3 matrix [[1, 2, 3], [4, 5, 6]] in both orders.
      const rowMajor = [1, 2, 3, 4, 5, 6];
      const columnMajor = Float64Array.from([1, 4, 2, 5, 3, 6]);
      const a = maskFromArray(rowMajor, [2, 3]);
      const b = maskFromArray(columnMajor, [2, 3], { order: 'column-major' });
      expect(a.shape).toEqual([2, 3]);
      expect(a.dtype).toBe('float32');
      expect(Array.from(await a.data())).toEqual(rowMajor);
      expect(Array.from(await b.data())).toEqual(rowMajor);
      expect(Array.from(columnMajor)).toEqual([1, 4, 2, 5, 3, 6]);
      tf.dispose([a, b]);
    });
  });

  it('maskFromArray rejects wrong lengths, shapes and values', () => {
    expect(() => maskFromArray([1, 2, 3], [2, 2])).toThrow(
      /expected 2 x 2 = 4 values for shape \[2, 2\], got 3/,
    );
    expect(() => maskFromArray([1, 2], [2] as never)).toThrow(/expected shape \[height, width\], got \[2\]/);
    expect(() => maskFromArray([1, Number.NaN], [1, 2])).toThrow(
      /finite non-negative values, got NaN at row 0, column 1/,
    );
    expect(() => maskFromArray([1, -0.1], [1, 2])).toThrow(/got -0.1 at row 0, column 1/);
    expect(() => maskFromArray([1, 2], [1, 2], { order: 'fortran' as never })).toThrow(
      /'row-major' or 'column-major'/,
    );
  });

  it('cropMask cuts the requested window of 2D and per-sample masks', async () => {
    await expectNoLeaks(async () => {
      const mask = tf.tensor2d(
        Array.from({ length: 20 }, (_, i) => i),
        [4, 5],
      );
      const crop = cropMask(mask, { top: 1, left: 2, height: 2, width: 3 });
      expect(crop.shape).toEqual([2, 3]);
      expect(Array.from(await crop.data())).toEqual([7, 8, 9, 12, 13, 14]);
      const batch = tf.tidy(() => tf.stack([mask, tf.mul(mask, 2)]) as tf.Tensor3D);
      const crop3 = cropMask(batch, { top: 3, left: 0, height: 1, width: 2 });
      expect(crop3.shape).toEqual([2, 1, 2]);
      expect(Array.from(await crop3.data())).toEqual([15, 16, 30, 32]);
      expect(() => cropMask(mask, { top: 3, left: 0, height: 2, width: 2 })).toThrow(
        /rows 3..4, columns 0..1 does not fit in the mask \[4, 5\]/,
      );
      expect(() => cropMask(mask, { top: -1, left: 0, height: 2, width: 2 })).toThrow(
        /top: expected a non-negative integer/,
      );
      tf.dispose([mask, crop, batch, crop3]);
    });
  });

  it('randomBinaryMask is seeded, binary, and open with the requested probability', async () => {
    await expectNoLeaks(async () => {
      const a = randomBinaryMask(100, 120, { seed: 3, openFraction: 0.3 });
      const b = randomBinaryMask(100, 120, { seed: 3, openFraction: 0.3 });
      const c = randomBinaryMask(100, 120, { seed: 4, openFraction: 0.3 });
      const av = await a.data();
      expect(Array.from(av).every((v) => v === 0 || v === 1)).toBe(true);
      expect(Array.from(await b.data())).toEqual(Array.from(av));
      expect(Array.from(await c.data())).not.toEqual(Array.from(av));
      const open = Array.from(av).reduce((s, v) => s + v, 0) / av.length;
      // Binomial sd of the fraction: sqrt(0.3 * 0.7 / 12000) = 0.0042
      expect(Math.abs(open - 0.3)).toBeLessThan(0.017);
      expect(() => randomBinaryMask(0, 3)).toThrow(/height: expected a positive integer, got 0/);
      expect(() => randomBinaryMask(3, 3, { openFraction: 1.5 })).toThrow(/\[0, 1\], got 1.5/);
      tf.dispose([a, b, c]);
    });
  });

  it("assertMaskFits returns the geometry and names both shapes and W' = W + step * (bands - 1)", () => {
    const mask = tf.ones([256, 256]) as tf.Tensor2D;
    const measurement = tf.zeros([2, 256, 310]) as tf.Tensor3D;
    expect(assertMaskFits(mask, measurement)).toEqual({
      batch: 2,
      height: 256,
      width: 256,
      measurementWidth: 310,
      bandCount: 28,
    });
    const cube = tf.zeros([1, 256, 256, 28]) as tf.Tensor4D;
    expect(assertMaskFits(mask, cube).measurementWidth).toBe(310);
    const wrong = tf.zeros([1, 256, 300]) as tf.Tensor3D;
    expect(() => assertMaskFits(mask, wrong, { bandCount: 28 })).toThrow(
      "mask [256, 256] does not fit measurement [1, 256, 300]: expected W' = W + shiftStep * (bands - 1) = 256 + 2 * (28 - 1) = 310, got W' = 300",
    );
    const narrowCube = tf.zeros([1, 256, 250, 28]) as tf.Tensor4D;
    expect(() => assertMaskFits(mask, narrowCube)).toThrow(
      "mask [256, 256] does not fit cube [1, 256, 250, 28]: a cube must have the mask's width 256, got 250",
    );
    expect(() => assertMaskFits(mask, cube, { bandCount: 31 })).toThrow(
      /bandCount 31 given but the cube has 28 bands/,
    );
    expect(() => assertMaskFits(mask, tf.zeros([256, 310]) as never)).toThrow(/rank 3 or 4/);
    tf.dispose([mask, measurement, cube, wrong, narrowCube]);
  });
});
