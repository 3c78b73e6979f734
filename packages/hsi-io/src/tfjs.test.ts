import { describeBackends, expectNoLeaks, mulberry32 } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { createCube } from './cube';
import { stackCubes } from './cube-batch';
import { cubesToTensor, cubeToTensor, tensorToCube, tensorToCubes, tensorToCubesSync } from './tfjs';

describeBackends('tfjs converters', () => {
  const random = mulberry32(6);
  const cubes = [0, 1, 2].map(() =>
    createCube(
      [3, 4, 5],
      Float32Array.from({ length: 60 }, () => random()),
    ),
  );

  it('cube -> [1, H, W, N] tensor in NHWC order and back', async () => {
    await expectNoLeaks(async () => {
      const tensor = cubeToTensor(cubes[0]);
      expect(tensor.shape).toEqual([1, 3, 4, 5]);
      // NHWC: element [0, y, x, b] is data[(y * W + x) * N + b]
      const picked = tf.slice(tensor, [0, 2, 1, 3], [1, 1, 1, 1]);
      expect((await picked.data())[0]).toBe(cubes[0].data[(2 * 4 + 1) * 5 + 3]);
      picked.dispose();
      expect((await tensorToCube(tensor)).data).toEqual(cubes[0].data);
      tensor.dispose();
    });
  });

  it('batches of cubes -> [B, H, W, N] and back, single image by index, wrong shapes refused', async () => {
    await expectNoLeaks(async () => {
      const stacked = stackCubes(cubes);
      const batch = tf.tensor4d(stacked.data, stacked.shape);
      expect(batch.shape).toEqual([3, 3, 4, 5]);
      // The deprecated cubesToTensor forwards to exactly this.
      const forwarded = cubesToTensor(cubes);
      expect(forwarded.shape).toEqual(batch.shape);
      expect(await forwarded.data()).toEqual(await batch.data());
      forwarded.dispose();
      const back = await tensorToCubes(batch, [1, 2, 3, 4, 5]);
      back.forEach((c, i) => {
        expect(c.data).toEqual(cubes[i].data);
      });
      expect(back[0].wavelengths).toEqual([1, 2, 3, 4, 5]);
      expect((await tensorToCube(batch, 2)).data).toEqual(cubes[2].data);
      expect(tensorToCubesSync(batch)[1].data).toEqual(cubes[1].data);
      await expect(tensorToCube(batch, 3)).rejects.toThrow(/index must be in 0..2/);
      batch.dispose();
      const flat = tf.zeros([2, 3]);
      await expect(tensorToCubes(flat)).rejects.toThrow(/expected a tensor of shape \[B, H, W, N\]/);
      flat.dispose();
    });
    expect(() => cubesToTensor([cubes[0], createCube([1, 1, 1])])).toThrow(
      /stackCubes: cube 1 has shape \[1, 1, 1\]/,
    );
  });
});
