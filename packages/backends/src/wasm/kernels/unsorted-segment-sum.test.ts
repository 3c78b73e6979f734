import { setBackend, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerGradients } from '../../register-gradients';
import { registerWasmKernels } from '../register-wasm-kernels';

describe('wasm UnsortedSegmentSum', () => {
  beforeAll(async () => {
    registerGradients();
    registerWasmKernels();
    await setBackend('wasm');
  });
  afterAll(async () => {
    await setBackend('cpu');
  });

  it('UnsortedSegmentSum equals a brute-force loop (ids out of range dropped)', async () => {
    const values = uniformArray(6 * 4, 5, -1, 1);
    const ids = [2, 0, 2, -1, 5, 1];
    const expected = new Float32Array(3 * 4);
    ids.forEach((k, i) => {
      if (k < 0 || k >= 3) return;
      for (let j = 0; j < 4; j++) expected[k * 4 + j] += values[i * 4 + j];
    });
    const x = tf.tensor2d(values, [6, 4]);
    const segmentIds = tf.tensor1d(ids, 'int32');
    const out = tf.unsortedSegmentSum(x, segmentIds, 3);
    expect(out.shape).toEqual([3, 4]);
    const got = await out.data();
    for (let i = 0; i < expected.length; i++) expect(got[i]).toBeCloseTo(expected[i], 6);
    tf.dispose([x, segmentIds, out]);
  });
});
