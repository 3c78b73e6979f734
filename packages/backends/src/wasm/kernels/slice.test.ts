import { expectNoLeaks, setBackend, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerGradients } from '../../register-gradients';
import { registerWasmKernels } from '../register-wasm-kernels';
import { sizeOf, sliceReference } from './_test-references';

describe('wasm Slice (copies by runs)', () => {
  beforeAll(async () => {
    registerGradients();
    registerWasmKernels();
    await setBackend('wasm');
  });
  afterAll(async () => {
    await setBackend('cpu');
  });

  const sliceCases: Array<[number[], number[], number[]]> = [
    [
      [1, 20, 24, 6],
      [0, 0, 3, 0],
      [1, 20, 21, 6],
    ], // the cyclic shift's two halves
    [
      [1, 20, 24, 6],
      [0, 3, 0, 0],
      [1, 17, 24, 6],
    ],
    [
      [1, 20, 24, 6],
      [0, 0, 0, 0],
      [1, 20, 3, 6],
    ], // runs of 18 floats
    [
      [60, 180],
      [0, 60],
      [60, 60],
    ],
    [[180], [60], [60]],
    [
      [3, 4, 5, 6],
      [1, 1, 1, 1],
      [2, 2, 3, 4],
    ], // 12 runs of 4: copied run by run (few runs)
    [
      [100, 10],
      [0, 2],
      [100, 3],
    ], // 100 runs of 3: tfjs's own kernel
    [[5000], [4990], [6]], // one short run of a long vector (a bias cut out of a flat gradient)
    [
      [7, 40],
      [2, 3],
      [3, -1],
    ], // -1: to the end
    [
      [2, 3, 17, 40],
      [1, 0, 5, 0],
      [1, 3, 7, 40],
    ],
  ];
  for (const [shape, begin, size] of sliceCases) {
    for (const dtype of ['float32', 'int32'] as const) {
      it(`Slice ${JSON.stringify(shape)} at ${JSON.stringify(begin)} size ${JSON.stringify(size)} (${dtype}) equals an index loop`, async () => {
        const values = uniformArray(sizeOf(shape), 23, -100, 100).map((v) => Math.round(v) + 0);
        const fullSize = size.map((s, d) => (s < 0 ? shape[d] - begin[d] : s));
        const expected = sliceReference(values, shape, begin, fullSize);
        const got = await expectNoLeaks(async () => {
          const x = tf.tensor(values, shape, dtype);
          const y = tf.slice(x, begin, size);
          const result = { data: Array.from(await y.data()), shape: y.shape };
          x.dispose();
          y.dispose();
          return result;
        });
        expect(got.shape).toEqual(fullSize);
        expect(got.data).toEqual(expected);
      });
    }
  }
});
