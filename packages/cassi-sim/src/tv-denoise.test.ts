import { describeBackends, expectNoLeaks, maxAbsDiff, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { loadReferenceCases } from './_fixtures';
import { denoiseTv } from './tv-denoise';

/** Isotropic vector TV (forward differences, Neumann): sum_pixels sqrt(sum_n dx^2 + dy^2). */
function totalVariation(x: Float32Array, [batch, height, width, bands]: number[]): number {
  let tv = 0;
  const at = (b: number, h: number, w: number, n: number) => x[((b * height + h) * width + w) * bands + n];
  for (let b = 0; b < batch; b++)
    for (let h = 0; h < height; h++)
      for (let w = 0; w < width; w++) {
        let s = 0;
        for (let n = 0; n < bands; n++) {
          const dx = w + 1 < width ? at(b, h, w + 1, n) - at(b, h, w, n) : 0;
          const dy = h + 1 < height ? at(b, h + 1, w, n) - at(b, h, w, n) : 0;
          s += dx * dx + dy * dy;
        }
        tv += Math.sqrt(s);
      }
  return tv;
}

describeBackends('denoiseTv', () => {
  it('agrees to 1e-6 with the numpy TV_denoiser (both boundary rules)', async () => {
    for (const c of loadReferenceCases()) {
      for (const run of c.tv) {
        await expectNoLeaks(async () => {
          const cube = tf.tensor4d(c.cube, c.shape);
          const out = denoiseTv(cube, {
            weight: run.weight,
            iterations: run.iterations,
            boundary: run.boundary,
          });
          expect(out.shape).toEqual(c.shape);
          expect(maxAbsDiff(await out.data(), run.result)).toBeLessThan(1e-6);
          tf.dispose([cube, out]);
        });
      }
    }
  });

  it('lowers the total variation, keeps constants and the mean, weight 0 is the identity', async () => {
    await expectNoLeaks(async () => {
      const shape = [1, 16, 16, 3];
      const data = uniformArray(16 * 16 * 3, 71);
      const cube = tf.tensor4d(data, shape as [number, number, number, number]);
      const weight = 0.2;
      const out = denoiseTv(cube, { weight, iterations: 20 });
      const denoised = (await out.data()) as Float32Array;
      expect(totalVariation(denoised, shape)).toBeLessThan(0.5 * totalVariation(data, shape));
      // The ROF energy 1/2 ||u - x||^2 + weight * TV(u) is far below its value at u = x.
      let fidelity = 0;
      for (let i = 0; i < data.length; i++) fidelity += 0.5 * (denoised[i] - data[i]) ** 2;
      const energy = fidelity + weight * totalVariation(denoised, shape);
      expect(energy).toBeLessThan(0.8 * weight * totalVariation(data, shape));
      // The divergence of the dual field sums to zero with the adjoint boundary: the mean is preserved.
      const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;
      expect(Math.abs(mean(denoised) - mean(data))).toBeLessThan(1e-5);
      const constant = tf.fill([1, 5, 6, 2], 0.3) as tf.Tensor4D;
      const kept = denoiseTv(constant, { weight: 1, iterations: 10 });
      expect(maxAbsDiff(await kept.data(), new Float32Array(60).fill(0.3))).toBeLessThan(1e-7);
      const same = denoiseTv(cube, { weight: 0 });
      expect(maxAbsDiff(await same.data(), data)).toBe(0);
      tf.dispose([cube, out, constant, kept, same]);
    });
  });

  it('rejects bad input', () => {
    const cube = tf.zeros([1, 3, 3, 2]) as tf.Tensor4D;
    expect(() => denoiseTv(cube, { weight: -1 })).toThrow(/weight: expected a finite number >= 0, got -1/);
    expect(() => denoiseTv(cube, { iterations: 2.5 })).toThrow(/iterations: expected a non-negative integer/);
    expect(() => denoiseTv(cube, { boundary: 'periodic' as never })).toThrow(/'adjoint' or 'reference'/);
    expect(() => denoiseTv(tf.zeros([3, 3, 2]) as never)).toThrow(/rank 4/);
    const nan = tf.fill([1, 2, 2, 1], Number.NaN) as tf.Tensor4D;
    expect(() => denoiseTv(nan)).toThrow(/NaN or Infinity/);
    tf.dispose([cube, nan]);
  });
});
