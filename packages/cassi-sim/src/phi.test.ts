import { describeBackends, expectNoLeaks, maxAbsDiff, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { loadReferenceCases } from './_fixtures';
import { buildPhi, phiSquaredSum } from './phi';

describeBackends('buildPhi / phiSquaredSum', () => {
  it("match per-pixel loops (Phi[h, w', n] = M[h, w' - off(n)]; 0 -> 1 in Phi_s)", async () => {
    await expectNoLeaks(async () => {
      const [height, width, bands, step] = [3, 5, 4, 2];
      const maskData = uniformArray(height * width, 51);
      maskData[0] = 0; // column 0 of row 0 is covered only by band 0: Phi_s must become 1 there
      const mask = tf.tensor2d(maskData, [height, width]);
      const phi = buildPhi(mask, bands, { direction: 'left' });
      const phiS = phiSquaredSum(mask, bands, { direction: 'left' });
      const wide = width + step * (bands - 1);
      expect(phi.shape).toEqual([1, height, wide, bands]);
      expect(phiS.shape).toEqual([1, height, wide]);
      const expectedPhi = new Float64Array(height * wide * bands);
      const expectedS = new Float64Array(height * wide);
      for (let h = 0; h < height; h++)
        for (let w2 = 0; w2 < wide; w2++) {
          let s = 0;
          for (let n = 0; n < bands; n++) {
            const w = w2 - step * (bands - 1 - n);
            const m = w >= 0 && w < width ? maskData[h * width + w] : 0;
            expectedPhi[(h * wide + w2) * bands + n] = m;
            s += m * m;
          }
          expectedS[h * wide + w2] = s === 0 ? 1 : s;
        }
      expect(maxAbsDiff(await phi.data(), expectedPhi)).toBe(0);
      expect(maxAbsDiff(await phiS.data(), expectedS)).toBeLessThan(1e-6);
      // Left dispersion: the last column is only covered by band 0 ... and it is mask column W - 1 of band N-1
      expect(expectedS.some((v) => v === 1)).toBe(true);
      tf.dispose([mask, phi, phiS]);
    });
  });

  it('agree to 1e-6 with the numpy reference (shift(mask3d), Phi_s)', async () => {
    for (const c of loadReferenceCases()) {
      await expectNoLeaks(async () => {
        const [batch, height, width, bands] = c.shape;
        const mask = tf.tensor3d(c.mask, [batch, height, width]);
        const options = { shiftStep: c.shiftStep, direction: c.direction } as const;
        const phi = buildPhi(mask, bands, options);
        const phiS = phiSquaredSum(mask, bands, options);
        expect(phi.shape).toEqual([batch, height, width + c.shiftStep * (bands - 1), bands]);
        expect(maxAbsDiff(await phi.data(), c.phi)).toBeLessThan(1e-6);
        expect(maxAbsDiff(await phiS.data(), c.phiSquaredSum)).toBeLessThan(1e-6);
        tf.dispose([mask, phi, phiS]);
      });
    }
  });

  it('reject bad input', () => {
    const mask = tf.ones([3, 3]) as tf.Tensor2D;
    expect(() => buildPhi(mask, 0)).toThrow(/bandCount: expected a positive integer, got 0/);
    expect(() => buildPhi(tf.ones([3]) as never)).toThrow(/rank 2 or 3.*got shape \[3\]/);
    const negative = tf.fill([3, 3], -0.5) as tf.Tensor2D;
    expect(() => phiSquaredSum(negative)).toThrow(/non-negative.*-0.5/);
    tf.dispose([mask, negative]);
  });
});
