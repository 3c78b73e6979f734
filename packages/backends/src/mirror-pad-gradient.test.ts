import { describeBackends, expectNoLeaks, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect, it } from 'vitest';
import { registerGradients } from './register-gradients';
import { registerWasmKernels } from './wasm/register-wasm-kernels';

/** Source index of padded position k for a dimension of size n (brute force, as in numpy.pad). */
function source(k: number, n: number, before: number, mode: 'reflect' | 'symmetric'): number {
  let i = k - before;
  // Walk back into range one reflection at a time.
  while (i < 0 || i >= n) {
    if (i < 0) i = mode === 'reflect' ? -i : -i - 1;
    else i = mode === 'reflect' ? 2 * (n - 1) - i : 2 * n - 1 - i;
  }
  return i;
}

describeBackends('mirrorPad gradient', () => {
  beforeAll(() => {
    registerGradients();
    registerWasmKernels();
  });

  for (const mode of ['reflect', 'symmetric'] as const) {
    it(`${mode}: equals the scatter-add of dy through a brute-force index map`, async () => {
      const shape = [3, 4, 5];
      const paddings: Array<[number, number]> = [
        [1, 2],
        [0, 3],
        [2, 1],
      ];
      const outShape = shape.map((n, i) => n + paddings[i][0] + paddings[i][1]);
      const dyValues = uniformArray(outShape[0] * outShape[1] * outShape[2], 21, -1, 1);
      const expected = new Float64Array(shape[0] * shape[1] * shape[2]);
      for (let a = 0; a < outShape[0]; a++)
        for (let b = 0; b < outShape[1]; b++)
          for (let c = 0; c < outShape[2]; c++) {
            const sa = source(a, shape[0], paddings[0][0], mode);
            const sb = source(b, shape[1], paddings[1][0], mode);
            const sc = source(c, shape[2], paddings[2][0], mode);
            expected[(sa * shape[1] + sb) * shape[2] + sc] +=
              dyValues[(a * outShape[1] + b) * outShape[2] + c];
          }
      const x = tf.tensor3d(uniformArray(60, 22), [3, 4, 5]);
      const dy = tf.tensor3d(dyValues, outShape as [number, number, number]);
      const got = await expectNoLeaks(async () => {
        const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.mirrorPad(t, paddings, mode), dy)))(x);
        const data = await g.data();
        g.dispose();
        return data;
      });
      for (let i = 0; i < expected.length; i++) expect(got[i]).toBeCloseTo(expected[i], 5);
      tf.dispose([x, dy]);
    });
  }
});
