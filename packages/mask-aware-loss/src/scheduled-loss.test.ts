import { describeBackends, expectNoLeaks } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { disposeLossParts, readLossParts } from './loss-parts';
import { createLossSchedule, lossScheduleAt } from './loss-schedule';
import { scheduledLoss } from './scheduled-loss';

describeBackends('scheduledLoss', () => {
  it('computes the objective a schedule step names, with its alpha and beta', async () => {
    await expectNoLeaks(async () => {
      // One band, 1 x 2, mask [1, 0.5], F = [0.4, 0.8] -> M*F = [0.4, 0.4];
      // F_hat - F = [0.1, -0.3]; f_h - M*F = [0.2, 0.1].
      const inputs = {
        prediction: tf.tensor4d([0.5, 0.5], [1, 1, 2, 1]),
        truth: tf.tensor4d([0.4, 0.8], [1, 1, 2, 1]),
        maskEncodedPrediction: tf.tensor4d([0.6, 0.5], [1, 1, 2, 1]),
        mask: tf.tensor2d([1, 0.5], [1, 2]),
        region: { size: 'pixel' as const },
        eps: 1e-9,
      };
      const schedule = createLossSchedule();
      const first = scheduledLoss(lossScheduleAt(schedule, { epoch: 0, totalEpochs: 10 }), inputs);
      // L_ME = 0.2 + 1.5 * 0.15
      expect(await readLossParts(first)).toMatchObject({
        recon: expect.closeTo(0.2, 6),
        me: expect.closeTo(0.15, 6),
      });
      expect((await readLossParts(first)).total).toBeCloseTo(0.425, 6);
      expect(first.ma).toBeUndefined();
      const second = scheduledLoss(lossScheduleAt(schedule, { epoch: 5, totalEpochs: 10 }), inputs);
      // L_MA = 0.2 + 1.0 * 0.15 + 10 * mean(0.1 / 0.2, 0.3 / 0.1) = 0.35 + 10 * 1.75
      const v = await readLossParts(second);
      expect(v.ma).toBeCloseTo(1.75, 5);
      expect(v.total).toBeCloseTo(17.85, 4);
      const plain = createLossSchedule({ firstObjective: 'rmse', secondObjective: 'l1' });
      const rmse = scheduledLoss(lossScheduleAt(plain, { epoch: 0, totalEpochs: 2 }), {
        prediction: inputs.prediction,
        truth: inputs.truth,
      });
      expect((await readLossParts(rmse)).total).toBeCloseTo(Math.sqrt(0.05), 6);
      expect(rmse.me).toBeUndefined();
      expect(() =>
        scheduledLoss(
          { ...lossScheduleAt(schedule, { epoch: 0, totalEpochs: 1 }), objective: 'x' as 'me' },
          inputs,
        ),
      ).toThrow(/step.objective\): expected 'me', 'ma', 'l1' or 'rmse', got x/);
      expect(() =>
        scheduledLoss(lossScheduleAt(schedule, { epoch: 0, totalEpochs: 1 }), {
          prediction: inputs.prediction,
          truth: inputs.truth,
        }),
      ).toThrow(/maskEncodedPrediction\): expected a tfjs Tensor/);
      for (const p of [first, second, rmse]) disposeLossParts(p);
      tf.dispose([inputs.prediction, inputs.truth, inputs.maskEncodedPrediction, inputs.mask]);
    });
  });
});
