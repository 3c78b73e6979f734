import { describeBackends, expectNoLeaks, maxAbsDiff, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { loadReferenceCases } from './_fixtures';
import { shiftBack, shiftBands } from './dispersion';
import { createCassiOperator } from './operator';
import { simulateMeasurement } from './simulate';

async function dot(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const x = await a.data();
  const y = await b.data();
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
}

describeBackends('createCassiOperator', () => {
  for (const [step, direction, perSample] of [
    [2, 'right', false],
    [1, 'left', true],
  ] as const) {
    it(`adjoint identity <A x, y> = <x, A^T y> in both domains (step ${step}, ${direction})`, async () => {
      await expectNoLeaks(async () => {
        const [batch, height, width, bands] = [2, 6, 10, 7];
        const wide = width + step * (bands - 1);
        const mask = perSample
          ? tf.tensor3d(uniformArray(batch * height * width, 61), [batch, height, width])
          : tf.tensor2d(uniformArray(height * width, 61), [height, width]);
        const operator = createCassiOperator(mask, { bandCount: bands, shiftStep: step, direction });
        expect(operator.measurementWidth).toBe(wide);
        const x = tf.tensor4d(uniformArray(batch * height * width * bands, 62, -1, 1), [
          batch,
          height,
          width,
          bands,
        ]);
        const y = tf.tensor3d(uniformArray(batch * height * wide, 63, -1, 1), [batch, height, wide]);
        const ax = operator.forward(x);
        const aty = operator.adjoint(y);
        const left = await dot(ax, y);
        const right = await dot(x, aty);
        expect(Math.abs(left - right)).toBeLessThan(1e-4 * Math.max(1, Math.abs(left)));
        expect(Math.abs(left)).toBeGreaterThan(0.1);
        // Shifted domain: <Phi z, y> = <z, Phi^T y>.
        const z = tf.tensor4d(uniformArray(batch * height * wide * bands, 64, -1, 1), [
          batch,
          height,
          wide,
          bands,
        ]);
        const pz = operator.shiftedForward(z);
        const pty = operator.shiftedAdjoint(y);
        const left2 = await dot(pz, y);
        const right2 = await dot(z, pty);
        expect(Math.abs(left2 - right2)).toBeLessThan(1e-4 * Math.max(1, Math.abs(left2)));
        // The two domains agree: A x = Phi shiftBands(x), A^T y = shiftBack(Phi^T y).
        const shifted = shiftBands(x, { shiftStep: step, direction });
        const viaPhi = operator.shiftedForward(shifted);
        expect(maxAbsDiff(await viaPhi.data(), await ax.data())).toBeLessThan(1e-5);
        const back = shiftBack(pty, { shiftStep: step, direction });
        expect(maxAbsDiff(await back.data(), await aty.data())).toBeLessThan(1e-6);
        // And forward is simulateMeasurement without noise.
        const absX = tf.abs(x) as tf.Tensor4D;
        const simulated = simulateMeasurement(absX, mask, { shiftStep: step, direction });
        const forwardAbs = operator.forward(absX);
        expect(maxAbsDiff(await simulated.data(), await forwardAbs.data())).toBeLessThan(1e-6);
        tf.dispose([mask, x, y, ax, aty, z, pz, pty, shifted, viaPhi, back, simulated, absX, forwardAbs]);
        operator.dispose();
      });
    });
  }

  it('matches the numpy reference A / At with Phi and holds no tensors after dispose', async () => {
    for (const c of loadReferenceCases()) {
      await expectNoLeaks(async () => {
        const [batch, height, width, bands] = c.shape;
        const mask = tf.tensor3d(c.mask, [batch, height, width]);
        const operator = createCassiOperator(mask, {
          bandCount: bands,
          shiftStep: c.shiftStep,
          direction: c.direction,
        });
        const x = tf.tensor4d(c.cube, c.shape);
        const y = operator.forward(x);
        expect(maxAbsDiff(await y.data(), c.measurement)).toBeLessThan(1e-6);
        expect(maxAbsDiff(await operator.phi().data(), c.phi)).toBe(0);
        expect(maxAbsDiff(await operator.phiSquaredSum().data(), c.phiSquaredSum)).toBeLessThan(1e-6);
        const shifted = tf.tensor4d(c.shifted, [batch, height, width + c.shiftStep * (bands - 1), bands]);
        const fromShifted = tf.tidy(() => tf.sum(shifted, 3));
        expect(maxAbsDiff(await fromShifted.data(), c.measurement)).toBeLessThan(1e-6);
        tf.dispose([mask, x, y, shifted, fromShifted]);
        operator.dispose();
        operator.dispose(); // idempotent
        expect(() => operator.forward(x)).toThrow(/disposed/);
      });
    }
  });

  it('works inside tf.tidy (its own tensors survive the scope)', async () => {
    await expectNoLeaks(async () => {
      const mask = tf.ones([2, 3]) as tf.Tensor2D;
      const ones = tf.ones([1, 2, 3, 2]) as tf.Tensor4D;
      let operator!: ReturnType<typeof createCassiOperator>;
      tf.tidy(() => {
        const op = createCassiOperator(mask, { bandCount: 2, shiftStep: 1 });
        op.phi();
        op.phiSquaredSum();
        operator = op;
      });
      const y = operator.forward(ones);
      expect(Array.from(await y.data())).toEqual([1, 2, 2, 1, 1, 2, 2, 1]);
      expect(Array.from(await operator.phiSquaredSum().data())).toEqual([1, 2, 2, 1, 1, 2, 2, 1]);
      tf.dispose([y, mask, ones]);
      operator.dispose();
    });
  });

  it('rejects wrong shapes naming expected and given', () => {
    const mask = tf.ones([4, 6]) as tf.Tensor2D;
    const operator = createCassiOperator(mask, { bandCount: 3 });
    const cube = tf.zeros([1, 4, 5, 3]) as tf.Tensor4D;
    expect(() => operator.forward(cube)).toThrow(/expected cube .* = \[B, 4, 6, 3\], got \[1, 4, 5, 3\]/);
    const y = tf.zeros([1, 4, 9]) as tf.Tensor3D;
    expect(() => operator.adjoint(y)).toThrow(
      /= \[B, 4, 10\] \(W' = W \+ shiftStep \* \(bands - 1\) = 6 \+ 2 \* \(3 - 1\)\), got \[1, 4, 9\]/,
    );
    const perSample = createCassiOperator(tf.ones([2, 4, 6]) as tf.Tensor3D, { bandCount: 3 });
    const wrongBatch = tf.zeros([3, 4, 6, 3]) as tf.Tensor4D;
    expect(() => perSample.forward(wrongBatch)).toThrow(
      /batch 2 \(the per-sample mask's\), got \[3, 4, 6, 3\]/,
    );
    expect(() => createCassiOperator(mask, { bandCount: 0 })).toThrow(
      /bandCount: expected a positive integer, got 0/,
    );
    tf.dispose([mask, cube, y, wrongBatch]);
    operator.dispose();
    perSample.dispose();
  });
});
