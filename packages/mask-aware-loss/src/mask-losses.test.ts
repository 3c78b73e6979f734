import { describeBackends, expectNoLeaks } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { disposeLossParts, type LossPartValues, readLossParts } from './loss-parts';
import { type MaskAwareLossInputs, maskAwareLoss } from './mask-aware-loss';
import { maskEncodingLoss } from './mask-encoding-loss';

/**
 * A hand-made [1, 2, 2, 2] example (pixels listed row-major, two bands each).
 *
 *   F      (0,0) [0.4, 0.8]  (0,1) [1.0, 0.2]  (1,0) [0.6, 0.6]   (1,1) [0.0, 0.5]
 *   M       1                 0.5               0.25               0
 *   M*F          [0.4, 0.8]        [0.5, 0.1]        [0.15, 0.15]        [0, 0]
 *   f_h          [0.5, 0.8]        [0.5, 0.3]        [0.15, 0.05]        [0.1, 0]
 *   |f_h-M*F|    [0.1, 0]          [0, 0.2]          [0, 0.1]            [0.1, 0]    sums 0.1 0.2 0.1 0.1
 *   F_hat-F      [0.1, 0]          [0, -0.2]         [0.3, 0]            [0.2, 0.2]  sums 0.1 0.2 0.3 0.4
 *
 * L1 = 1.0 / 8 = 0.125; ME = 0.5 / 8 = 0.0625;
 * MA per pixel = mean(0.1/0.1, 0.2/0.2, 0.3/0.1, 0.4/0.1) = (1 + 1 + 3 + 4) / 4 = 2.25;
 * MA global (and for any region >= 2) = 1.0 / 0.5 = 2.
 */
const F = [0.4, 0.8, 1.0, 0.2, 0.6, 0.6, 0.0, 0.5];
const M = [1, 0.5, 0.25, 0];
const FH = [0.5, 0.8, 0.5, 0.3, 0.15, 0.05, 0.1, 0];
const ERR = [0.1, 0, 0, -0.2, 0.3, 0, 0.2, 0.2];
const FHAT = F.map((v, i) => v + ERR[i]);

function example(batch = 1, mask: tf.Tensor = tf.tensor2d(M, [2, 2])) {
  const rep = (a: number[]) => Array.from({ length: batch }, () => a).flat();
  return {
    prediction: tf.tensor4d(rep(FHAT), [batch, 2, 2, 2]),
    truth: tf.tensor4d(rep(F), [batch, 2, 2, 2]),
    maskEncodedPrediction: tf.tensor4d(rep(FH), [batch, 2, 2, 2]),
    mask,
  };
}

function disposeInputs(inputs: Record<string, unknown>): void {
  tf.dispose(Object.values(inputs).filter((v): v is tf.Tensor => v instanceof tf.Tensor));
}

/** With eps in the denominators: ratio n / (d + eps). */
const r = (n: number, d: number, eps = 1e-6) => n / (d + eps);

async function values(parts: ReturnType<typeof maskAwareLoss>): Promise<LossPartValues> {
  const v = await readLossParts(parts);
  disposeLossParts(parts);
  return v;
}

describeBackends('maskEncodingLoss', () => {
  it('L_ME = Recon + alpha * mean |f_h - M*F| (hand-computed)', async () => {
    await expectNoLeaks(async () => {
      const inputs = example();
      const v = await values(maskEncodingLoss(inputs));
      expect(v.recon).toBeCloseTo(0.125, 6);
      expect(v.me).toBeCloseTo(0.0625, 6);
      expect(v.total).toBeCloseTo(0.125 + 1.5 * 0.0625, 6); // default alpha 1.5
      expect(v.ma).toBeUndefined();
      const w = await values(maskEncodingLoss({ ...inputs, alpha: 0.4 }));
      expect(w.total).toBeCloseTo(0.125 + 0.4 * 0.0625, 6);
      // RMSE recon: sqrt((0.01 + 0.04 + 0.09 + 0.04 + 0.04) / 8) = sqrt(0.0275).
      const rm = await values(maskEncodingLoss({ ...inputs, alpha: 1, reconstruction: 'rmse' }));
      expect(rm.recon).toBeCloseTo(Math.sqrt(0.0275), 6);
      expect(rm.total).toBeCloseTo(Math.sqrt(0.0275) + 0.0625, 6);
      const ms = await values(maskEncodingLoss({ ...inputs, alpha: 1, reconstruction: 'mse' }));
      expect(ms.recon).toBeCloseTo(0.0275, 6);
      disposeInputs(inputs);
    });
  });

  it('a per-sample mask is applied to its own sample', async () => {
    await expectNoLeaks(async () => {
      // Sample 0 uses M, sample 1 an open mask (all 1): |f_h - F| sums to 0.1 + 0.6 + 1.0 + 0.6 = 2.3,
      // so ME = (0.5 + 2.3) / 16 = 0.175.
      const inputs = example(2, tf.tensor3d([...M, 1, 1, 1, 1], [2, 2, 2]));
      const v = await values(maskEncodingLoss({ ...inputs, alpha: 1 }));
      expect(v.me).toBeCloseTo(0.175, 6);
      expect(v.recon).toBeCloseTo(0.125, 6);
      disposeInputs(inputs);
    });
  });

  it('rejects masks that do not fit and mismatched cubes', () => {
    const inputs = example();
    const wrong = tf.zeros([3, 2]);
    const batchMismatch = tf.zeros([3, 2, 2]);
    const fourBands = tf.zeros([1, 2, 2, 2]);
    const intMask = tf.zeros([2, 2], 'int32');
    const otherShape = tf.zeros([1, 2, 2, 3]) as tf.Tensor4D;
    expect(() => maskEncodingLoss({ ...inputs, mask: wrong })).toThrow(
      /mask\): expected \[height, width\] \(shared\).*fitting the cube \[1, 2, 2, 2\].*got \[3, 2\]/,
    );
    expect(() => maskEncodingLoss({ ...inputs, mask: batchMismatch })).toThrow(
      /batch 1 or 1\), got \[3, 2, 2\]/,
    );
    expect(() => maskEncodingLoss({ ...inputs, mask: fourBands })).toThrow(/got \[1, 2, 2, 2\]/);
    expect(() => maskEncodingLoss({ ...inputs, mask: intMask })).toThrow(
      /mask\): expected dtype float32, got int32/,
    );
    expect(() => maskEncodingLoss({ ...inputs, maskEncodedPrediction: otherShape })).toThrow(
      /maskEncodedPrediction\): expected the shape of the prediction \[1, 2, 2, 2\], got \[1, 2, 2, 3\]/,
    );
    expect(() => maskEncodingLoss({ ...inputs, alpha: -1 })).toThrow(
      /alpha\): expected a finite number >= 0, got -1/,
    );
    expect(() => maskEncodingLoss({ ...inputs, alpha: Number.NaN })).toThrow(/alpha\).*got NaN/);
    expect(() => maskEncodingLoss({ ...inputs, reconstruction: 'l2' as 'l1' })).toThrow(
      /reconstruction\): expected one of 'l1', 'rmse', 'mse', got 'l2'/,
    );
    expect(() => maskEncodingLoss({ ...inputs, mask: undefined as unknown as tf.Tensor })).toThrow(
      /mask\): expected a tfjs Tensor/,
    );
    tf.dispose([wrong, batchMismatch, fourBands, intMask, otherShape]);
    disposeInputs(inputs);
  });
});

describeBackends('maskAwareLoss', () => {
  it('per-pixel, window and global regions on the hand-made example', async () => {
    await expectNoLeaks(async () => {
      const inputs = example();
      const pixel = await values(maskAwareLoss({ ...inputs, region: { size: 'pixel' } }));
      const maPixel = (r(0.1, 0.1) + r(0.2, 0.2) + r(0.3, 0.1) + r(0.4, 0.1)) / 4; // 2.25
      expect(pixel.ma).toBeCloseTo(maPixel, 5);
      expect(pixel.me).toBeCloseTo(0.0625, 6);
      expect(pixel.recon).toBeCloseTo(0.125, 6);
      // Defaults alpha 1.0 and beta 10.
      expect(pixel.total).toBeCloseTo(0.125 + 0.0625 + 10 * maPixel, 4);
      for (const size of ['global', 'window', 2, 5] as const) {
        const v = await values(maskAwareLoss({ ...inputs, region: { size } }));
        expect(v.ma, `region ${size}`).toBeCloseTo(r(1.0, 0.5), 5);
      }
      const weighted = await values(
        maskAwareLoss({ ...inputs, alpha: 0.5, beta: 2, region: { size: 'global' } }),
      );
      expect(weighted.total).toBeCloseTo(0.125 + 0.5 * 0.0625 + 2 * r(1.0, 0.5), 5);
      // Recon in RMSE form; ME and MA unchanged (MA is always a ratio of L1 sums).
      const rm = await values(
        maskAwareLoss({ ...inputs, reconstruction: 'rmse', region: { size: 'global' } }),
      );
      expect(rm.recon).toBeCloseTo(Math.sqrt(0.0275), 6);
      expect(rm.ma).toBeCloseTo(2, 5);
      disposeInputs(inputs);
    });
  });

  it('regions that do not tile the image: partial edge regions each count once', async () => {
    await expectNoLeaks(async () => {
      // One band, 3 x 3, mask 1 and F = 0.5. Per pixel |F_hat - F| (x 0.01) and |f_h - F| (x 0.01):
      //   num [[1, 2, 3], [4, 5, 6], [7, 8, 9]]    den [[1, 1, 2], [1, 1, 2], [4, 4, 8]]
      // r = 2 -> regions {0,1}x{0,1}: 12/4 = 3; {0,1}x{2}: 9/4 = 2.25; {2}x{0,1}: 15/8 = 1.875;
      //          {2}x{2}: 9/8 = 1.125; mean 8.25 / 4 = 2.0625.
      // r >= 3, global -> 45 / 24 = 1.875. r = 1 -> mean of the nine ratios = 21.375 / 9 = 2.375.
      const num = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((v) => v / 100);
      const den = [1, 1, 2, 1, 1, 2, 4, 4, 8].map((v) => v / 100);
      const sign = [1, -1, 1, 1, -1, -1, 1, 1, -1];
      const inputs = {
        prediction: tf.tensor4d(
          num.map((v, i) => 0.5 + sign[i] * v),
          [1, 3, 3, 1],
        ),
        truth: tf.fill([1, 3, 3, 1], 0.5) as tf.Tensor4D,
        maskEncodedPrediction: tf.tensor4d(
          den.map((v, i) => 0.5 - sign[i] * v),
          [1, 3, 3, 1],
        ),
        mask: tf.ones([3, 3]),
      };
      const eps = 1e-9;
      const ma = async (opts: Partial<MaskAwareLossInputs>) =>
        (await values(maskAwareLoss({ ...inputs, eps, ...opts }))).ma;
      expect(await ma({ region: { size: 2 } })).toBeCloseTo(2.0625, 5);
      expect(await ma({ region: { size: 'window' }, windowSize: 2 })).toBeCloseTo(2.0625, 5);
      expect(await ma({ region: { size: 3 } })).toBeCloseTo(1.875, 5);
      expect(await ma({ region: { size: 'window' } })).toBeCloseTo(1.875, 5); // default 8 > 3
      expect(await ma({ region: { size: 'global' } })).toBeCloseTo(1.875, 5);
      expect(await ma({ region: { size: 'pixel' } })).toBeCloseTo(2.375, 5);
      expect(await ma({ region: { size: 1 } })).toBeCloseTo(2.375, 5);
      // Default region is the window (8).
      expect(await ma({})).toBeCloseTo(1.875, 5);
      disposeInputs(inputs);
    });
  });

  it('per-sample masks ([B, H, W] or [B, H, W, 1]) vs a shared mask', async () => {
    await expectNoLeaks(async () => {
      // Sample 1 with an open mask: per-pixel ratios 0.1/0.1, 0.2/0.6, 0.3/1.0, 0.4/0.6;
      // global ratio 1.0 / 2.3.
      const pixelMA = (9 + 1 + 1 / 3 + 0.3 + 2 / 3) / 8; // (sample 0 sums to 9) -> 1.4125
      const globalMA = (2 + 1 / 2.3) / 2;
      for (const mask of [
        tf.tensor3d([...M, 1, 1, 1, 1], [2, 2, 2]),
        tf.tensor4d([...M, 1, 1, 1, 1], [2, 2, 2, 1]),
      ]) {
        const inputs = example(2, mask);
        const p = await values(maskAwareLoss({ ...inputs, region: { size: 'pixel' } }));
        expect(p.ma).toBeCloseTo(pixelMA, 4);
        const g = await values(maskAwareLoss({ ...inputs, region: { size: 'global' } }));
        expect(g.ma).toBeCloseTo(globalMA, 4);
        expect(g.me).toBeCloseTo(0.175, 6);
        disposeInputs(inputs);
      }
      // A shared mask ([H, W] or a leading batch of 1) over two identical samples equals one sample.
      for (const mask of [tf.tensor2d(M, [2, 2]), tf.tensor3d(M, [1, 2, 2])]) {
        const inputs = example(2, mask);
        const p = await values(maskAwareLoss({ ...inputs, region: { size: 'pixel' } }));
        expect(p.ma).toBeCloseTo(2.25, 4);
        expect(p.me).toBeCloseTo(0.0625, 6);
        disposeInputs(inputs);
      }
    });
  });

  it('stays finite when f_h equals M*F exactly (denominator 0 + eps)', async () => {
    await expectNoLeaks(async () => {
      const inputs = example();
      const exact = tf.tidy(() => tf.mul(tf.reshape(inputs.mask, [1, 2, 2, 1]), inputs.truth)) as tf.Tensor4D;
      for (const size of ['pixel', 'window', 'global'] as const) {
        const v = await values(maskAwareLoss({ ...inputs, maskEncodedPrediction: exact, region: { size } }));
        expect(v.me).toBe(0);
        for (const part of [v.total, v.recon, v.ma] as number[]) expect(Number.isFinite(part)).toBe(true);
        // MA = sum |F_hat - F| / eps per region: per pixel mean(0.1, 0.2, 0.3, 0.4) / 1e-6 = 2.5e5.
        const expected = size === 'pixel' ? 0.25 / 1e-6 : 1.0 / 1e-6;
        expect(v.ma as number).toBeCloseTo(expected, -1);
      }
      // Numerator 0 too (a perfect reconstruction): 0 / eps = 0.
      const perfect = await values(
        maskAwareLoss({ ...inputs, prediction: inputs.truth, maskEncodedPrediction: exact }),
      );
      expect(perfect).toEqual({ total: 0, recon: 0, me: 0, ma: 0 });
      exact.dispose();
      disposeInputs(inputs);
    });
  });

  it('rejects bad region, window, eps and weights', () => {
    const inputs = example();
    const call = (o: Partial<MaskAwareLossInputs>) => () => maskAwareLoss({ ...inputs, ...o });
    expect(call({ region: { size: 0 } })).toThrow(/region.size\): expected a positive integer, got 0/);
    expect(call({ region: { size: 2.5 } })).toThrow(/region.size\): expected a positive integer, got 2.5/);
    expect(call({ region: { size: 'patch' as 'pixel' } })).toThrow(
      /region.size\): expected 'pixel', 'window', 'global' or a positive integer, got 'patch'/,
    );
    expect(call({ region: 'pixel' as unknown as { size: 'pixel' } })).toThrow(
      /region\): expected an object, got 'pixel'/,
    );
    expect(call({ windowSize: 0 })).toThrow(/windowSize\): expected a positive integer, got 0/);
    expect(call({ eps: 0 })).toThrow(/eps\): expected a finite number > 0, got 0/);
    expect(call({ beta: -2 })).toThrow(/beta\): expected a finite number >= 0, got -2/);
    expect(call({ alpha: Number.POSITIVE_INFINITY })).toThrow(/alpha\).*got Infinity/);
    disposeInputs(inputs);
  });
});
