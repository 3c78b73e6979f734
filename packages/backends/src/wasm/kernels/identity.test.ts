import { backendBuffers, setBackend } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerGradients } from '../../register-gradients';
import { registerWasmKernels } from '../register-wasm-kernels';

describe('wasm Identity (shares the buffer)', () => {
  beforeAll(async () => {
    registerGradients();
    registerWasmKernels();
    await setBackend('wasm');
  });
  afterAll(async () => {
    await setBackend('cpu');
  });

  it('Identity (tf.clone, and every tensor a gradient tape saves) shares the buffer instead of copying it', async () => {
    const x = tf.tensor1d([1, 2, 3]);
    const buffers = backendBuffers();
    const y = tf.clone(x);
    expect(backendBuffers()).toBe(buffers);
    x.dispose();
    expect(Array.from(await y.data())).toEqual([1, 2, 3]);
    const z = tf.add(y, 1);
    y.dispose();
    expect(Array.from(await z.data())).toEqual([2, 3, 4]);
    z.dispose();
    expect(backendBuffers()).toBe(buffers - 1);
  });
});
