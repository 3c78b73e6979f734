import { describeBackends, expectNoLeaks } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { checksValuesSynchronously, GPU_BACKENDS } from './_validate';
import { assertFiniteValues } from './assert-finite-values';
import { reconstructGapTv } from './gap-tv';
import { initialEstimate } from './initial-estimate';
import { createCassiOperator } from './operator';
import { simulateMeasurement } from './simulate';
import { denoiseTv } from './tv-denoise';

describeBackends('value checks', (backend) => {
  it('checks values synchronously by default on this CPU backend, as the caller says otherwise', () => {
    expect(GPU_BACKENDS.has(backend)).toBe(false);
    expect(checksValuesSynchronously(undefined)).toBe(true);
    expect(checksValuesSynchronously(false)).toBe(false);
    expect(checksValuesSynchronously(true)).toBe(true);
    expect(() => checksValuesSynchronously('yes' as never)).toThrow(
      /validateValues: expected a boolean, got yes/,
    );
  });

  it('assertFiniteValues resolves for finite values and names the first bad element otherwise', async () => {
    await expectNoLeaks(async () => {
      const good = tf.tensor4d([0, 1, 2, 3, -4, 5], [1, 1, 2, 3]);
      await expect(assertFiniteValues(good)).resolves.toBeUndefined();
      const ints = tf.tensor1d([1, 2], 'int32');
      const empty = tf.tensor1d([], 'float32');
      const text = tf.tensor1d(['a'], 'string');
      await expect(assertFiniteValues(ints, { nonNegative: true })).resolves.toBeUndefined();
      await expect(assertFiniteValues(empty, { nonNegative: true })).resolves.toBeUndefined();
      await expect(assertFiniteValues(good, { name: 'cube', nonNegative: true })).rejects.toThrow(
        'cube: expected non-negative intensities, found a minimum of -4 (the first negative: -4 at flat index 4 of shape [1, 1, 2, 3])',
      );
      const nan = tf.tensor4d([0, 1, 2, 3, Number.NaN, Number.POSITIVE_INFINITY], [1, 2, 1, 3]);
      await expect(assertFiniteValues(nan, { name: 'cube' })).rejects.toThrow(
        'cube: expected finite values, found NaN or Infinity (the first: NaN at flat index 4 of shape [1, 2, 1, 3])',
      );
      const inf = tf.tensor2d([0, Number.NEGATIVE_INFINITY], [1, 2]);
      await expect(assertFiniteValues(inf)).rejects.toThrow(
        'tensor: expected finite values, found NaN or Infinity (the first: -Infinity at flat index 1 of shape [1, 2])',
      );
      await expect(assertFiniteValues(text, { name: 'mask' })).rejects.toThrow(
        'mask: expected a numeric tensor, got dtype string (shape [1])',
      );
      await expect(assertFiniteValues([1, 2] as never)).rejects.toThrow(
        'tensor: expected a tfjs Tensor, got object',
      );
      tf.dispose([good, nan, inf, ints, empty, text]);
    });
  });

  it('the synchronous functions check values by default and name the first bad element', () => {
    const mask = tf.ones([2, 3]) as tf.Tensor2D;
    const cube = tf.tensor4d([0, 0, 0, 0, Number.NaN, 0, 0, 0, 0, 0, 0, 0], [1, 2, 3, 2]);
    expect(() => simulateMeasurement(cube, mask)).toThrow(
      'simulateMeasurement(cube): expected finite values, found NaN or Infinity (the first: NaN at flat index 4 of shape [1, 2, 3, 2])',
    );
    expect(() => denoiseTv(cube)).toThrow(/denoiseTv\(cube\): expected finite values.*flat index 4/);
    const negativeMask = tf.tensor2d([1, 1, 1, 1, -0.5, 1], [2, 3]);
    expect(() => createCassiOperator(negativeMask, { bandCount: 2 })).toThrow(
      'createCassiOperator(mask): expected non-negative intensities, found a minimum of -0.5 (the first negative: -0.5 at flat index 4 of shape [2, 3])',
    );
    const y = tf.tensor3d([0, 0, 0, Number.POSITIVE_INFINITY, 0, 0, 0, 0, 0, 0], [1, 2, 5]);
    expect(() => initialEstimate(y, mask)).toThrow(
      /initialEstimate\(measurement\).*Infinity at flat index 3/,
    );
    // validateValues: false skips the value check (shapes are still checked)
    const unchecked = simulateMeasurement(cube, mask, { validateValues: false });
    expect(unchecked.shape).toEqual([1, 2, 5]);
    expect(Array.from(unchecked.dataSync()).some(Number.isNaN)).toBe(true);
    expect(() =>
      simulateMeasurement(cube, tf.ones([2, 4]) as tf.Tensor2D, { validateValues: false }),
    ).toThrow(/does not fit/);
    tf.dispose([mask, cube, negativeMask, y, unchecked]);
  });

  it('reconstructGapTv checks values asynchronously and rejects without leaking', async () => {
    const mask = tf.ones([2, 3]) as tf.Tensor2D;
    const y = tf.tensor3d([0, 0, 0, 0, 0, Number.NaN, 0, 0, 0, 0], [1, 2, 5]);
    await expectNoLeaks(() =>
      expect(reconstructGapTv(y, mask, { iterations: 2 })).rejects.toThrow(
        'reconstructGapTv(measurement): expected finite values, found NaN or Infinity (the first: NaN at flat index 5 of shape [1, 2, 5])',
      ),
    );
    const negativeMask = tf.tensor2d([1, -1, 1, 1, 1, 1], [2, 3]);
    const finite = tf.zeros([1, 2, 5]) as tf.Tensor3D;
    await expectNoLeaks(() =>
      expect(reconstructGapTv(finite, negativeMask, { iterations: 2 })).rejects.toThrow(
        /reconstructGapTv\(mask\): expected non-negative intensities, found a minimum of -1 \(the first negative: -1 at flat index 1/,
      ),
    );
    tf.dispose([mask, y, negativeMask, finite]);
  });
});
