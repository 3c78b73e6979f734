import { expectNoLeaks, setBackend, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerGradients } from '../../register-gradients';
import { registerWasmKernels } from '../register-wasm-kernels';
import { sizeOf, sliceReference } from './_test-references';

describe('wasm SplitV (one Slice per part)', () => {
  beforeAll(async () => {
    registerGradients();
    registerWasmKernels();
    await setBackend('wasm');
  });
  afterAll(async () => {
    await setBackend('cpu');
  });

  const splitCases: Array<[number[], number[] | number, number]> = [
    [[50, 180], [60, 60, 60], 1], // the qkv split
    [[4, 6, 40], [1, 2, 3], 1],
    [[6, 40], 3, 0],
    [[3, 5, 2], [2, -1], 1], // runs of 4 / 6: tfjs's own slice
  ];
  for (const [shape, splits, axis] of splitCases) {
    it(`SplitV of ${JSON.stringify(shape)} into ${JSON.stringify(splits)} on axis ${axis} equals index loops`, async () => {
      const values = uniformArray(sizeOf(shape), 25, -100, 100).map((v) => Math.round(v) + 0);
      const got = await expectNoLeaks(async () => {
        const x = tf.tensor(values, shape);
        const parts = tf.split(x, splits, axis);
        const result = await Promise.all(
          parts.map(async (p) => ({ shape: p.shape, data: Array.from(await p.data()) })),
        );
        x.dispose();
        for (const p of parts) p.dispose();
        return result;
      });
      const sizes = typeof splits === 'number' ? new Array(splits).fill(shape[axis] / splits) : [...splits];
      const known = sizes.filter((s) => s >= 0).reduce((p, s) => p + s, 0);
      let start = 0;
      for (const [i, raw] of sizes.entries()) {
        const part = raw < 0 ? shape[axis] - known : raw;
        const begin = shape.map((_, d) => (d === axis ? start : 0));
        const size = shape.map((s, d) => (d === axis ? part : s));
        expect(got[i].shape).toEqual(size);
        expect(got[i].data).toEqual(sliceReference(values, shape, begin, size));
        start += part;
      }
    });
  }
});
