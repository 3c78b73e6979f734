import { describeBackends, expectNoLeaks } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { niqe } from './niqe';
import { psnr } from './psnr';
import { ssim } from './ssim';
import { cubeFromTensor, cubeFromTensorAsync, imageFromTensor } from './tfjs';

describeBackends('tfjs adapters', () => {
  it('read NHWC tensors as cubes (sync and async) with the same metric values as the arrays', async () => {
    const values = Float32Array.from({ length: 2 * 16 * 16 * 3 }, (_, i) => ((i * 7919) % 1000) / 1000);
    const noisy = values.map((v, i) => v + (((i * 104729) % 100) - 50) / 2000);
    await expectNoLeaks(async () => {
      const a = tf.tensor4d(values, [2, 16, 16, 3]);
      const b = tf.tensor4d(noisy, [2, 16, 16, 3]);
      const cubeA = cubeFromTensor(a);
      const cubeB = await cubeFromTensorAsync(b);
      expect(cubeA.shape).toEqual([2, 16, 16, 3]);
      expect(psnr(cubeA, cubeB)).toBe(
        psnr({ data: values, shape: [2, 16, 16, 3] }, { data: noisy, shape: [2, 16, 16, 3] }),
      );
      expect(ssim(cubeA, cubeB)).toBeGreaterThan(0);
      tf.dispose([a, b]);
    });
  });

  it('reads [H, W] tensors as images and rejects other ranks', async () => {
    await expectNoLeaks(() => {
      const data = Float32Array.from(
        { length: 192 * 200 },
        (_, i) => 0.5 + 0.4 * Math.sin(i / 7) * Math.cos(i / 500),
      );
      const t = tf.tensor2d(data, [192, 200]);
      expect(niqe(imageFromTensor(t))).toBe(niqe({ data, shape: [192, 200] }));
      const r1 = tf.tensor1d([1, 2, 3]);
      expect(() => cubeFromTensor(r1)).toThrow(/NHWC.*got \[3\]/);
      expect(() => imageFromTensor(r1)).toThrow(/\[height, width\].*got \[3\]/);
      tf.dispose([t, r1]);
    });
  });
});
