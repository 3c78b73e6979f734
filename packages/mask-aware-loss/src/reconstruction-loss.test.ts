import { describeBackends, expectNoLeaks } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { disposeLossParts, readLossParts } from './loss-parts';
import { reconstructionLoss } from './reconstruction-loss';

describeBackends('reconstructionLoss', () => {
  // F_hat - F = [0.25, 0, 0.5, -1] over a [1, 1, 2, 2] cube.
  const prediction = [0.5, 0.2, 0.9, 0.0];
  const truth = [0.25, 0.2, 0.4, 1.0];

  it('l1 / mse / rmse match hand-computed values', async () => {
    await expectNoLeaks(async () => {
      const p = tf.tensor4d(prediction, [1, 1, 2, 2]);
      const t = tf.tensor4d(truth, [1, 1, 2, 2]);
      // L1 = (0.25 + 0 + 0.5 + 1) / 4; MSE = (0.0625 + 0 + 0.25 + 1) / 4 = 21/64; RMSE = sqrt(21) / 8.
      const expected = { l1: 0.4375, mse: 0.328125, rmse: Math.sqrt(21) / 8 } as const;
      for (const kind of ['l1', 'mse', 'rmse'] as const) {
        const parts = reconstructionLoss(p, t, { kind });
        expect(parts.total).not.toBe(parts.recon);
        const values = await readLossParts(parts);
        expect(values.recon).toBeCloseTo(expected[kind], 6);
        expect(values.total).toBeCloseTo(expected[kind], 6);
        expect(values.me).toBeUndefined();
        expect(values.ma).toBeUndefined();
        disposeLossParts(parts);
        disposeLossParts(parts); // idempotent
      }
      const defaultKind = reconstructionLoss(p, t);
      expect((await readLossParts(defaultKind)).total).toBeCloseTo(0.4375, 6);
      disposeLossParts(defaultKind);
      tf.dispose([p, t]);
    });
  });

  it('rmse is the root of the whole batch MSE, not the mean of per-sample RMSEs', async () => {
    await expectNoLeaks(async () => {
      // Sample 0 is off by 1 everywhere (MSE 1), sample 1 is exact (MSE 0):
      // sqrt((1 + 0) / 2) = 0.7071, whereas the mean of per-sample RMSEs would be 0.5.
      const p = tf.tensor4d([1, 1, 1, 1, 0, 0, 0, 0], [2, 1, 2, 2]);
      const t = tf.zeros([2, 1, 2, 2]) as tf.Tensor4D;
      const parts = reconstructionLoss(p, t, { kind: 'rmse' });
      expect((await readLossParts(parts)).recon).toBeCloseTo(Math.SQRT1_2, 6);
      disposeLossParts(parts);
      tf.dispose([p, t]);
    });
  });

  it('does not modify its inputs', async () => {
    const p = tf.tensor4d(prediction, [1, 1, 2, 2]);
    const t = tf.tensor4d(truth, [1, 1, 2, 2]);
    disposeLossParts(reconstructionLoss(p, t, { kind: 'rmse' }));
    expect(Array.from(await p.data())).toEqual(Array.from(new Float32Array(prediction)));
    expect(Array.from(await t.data())).toEqual(Array.from(new Float32Array(truth)));
    tf.dispose([p, t]);
  });

  it('rejects bad input with messages naming what was expected and given', () => {
    const p = tf.zeros([1, 2, 2, 3]) as tf.Tensor4D;
    const t = tf.zeros([1, 2, 2, 4]) as tf.Tensor4D;
    const flat = tf.zeros([2, 2, 3]);
    const ints = tf.zeros([1, 2, 2, 3], 'int32') as tf.Tensor4D;
    expect(() => reconstructionLoss(p, t)).toThrow(
      /truth\): expected the shape of the prediction \[1, 2, 2, 3\], got \[1, 2, 2, 4\]/,
    );
    expect(() => reconstructionLoss(flat as unknown as tf.Tensor4D, p)).toThrow(
      /rank 4 \[batch, height, width, bands\], got shape \[2, 2, 3\]/,
    );
    expect(() => reconstructionLoss(ints, p)).toThrow(/expected dtype float32, got int32/);
    expect(() => reconstructionLoss(p, p, { kind: 'l2' as 'l1' })).toThrow(
      /options.kind\): expected one of 'l1', 'rmse', 'mse', got 'l2'/,
    );
    expect(() => reconstructionLoss([1, 2] as unknown as tf.Tensor4D, p)).toThrow(
      /expected a tfjs Tensor .* got an array/,
    );
    const gone = tf.zeros([1, 2, 2, 3]) as tf.Tensor4D;
    gone.dispose();
    expect(() => reconstructionLoss(gone, p)).toThrow(/has been disposed/);
    tf.dispose([p, t, flat, ints]);
  });
});
