import { createRequire } from 'node:module';
import { describeBackends, expectNoLeaks, setBackend } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { IS_NODE_PLATFORM } from '#platform';
import { mirrorPadGradConfig } from './mirror-pad-gradient';
import { gradientsRegistered, registerGradients } from './register-gradients';

describe('registerGradients', () => {
  it('under vitest (Node) resolves the node implementation of #platform', () => {
    expect(IS_NODE_PLATFORM).toBe(true);
  });

  it('registers the gradient configs, our MirrorPad correction last, and is idempotent', () => {
    registerGradients();
    registerGradients();
    expect(gradientsRegistered()).toBe(true);
    for (const name of ['Sum', 'Conv2D', 'BatchMatMul', 'Softmax', 'GatherV2', 'Erf', 'Rsqrt', 'Transpose']) {
      expect(tf.getGradient(name), name).toBeDefined();
    }
    expect(tf.getGradient('MirrorPad')?.gradFunc).toBe(mirrorPadGradConfig.gradFunc);
  });

  it('leaves one engine and one kernel/gradient registry (the union bundle shares the globals)', async () => {
    await setBackend('cpu');
    registerGradients();
    const union = createRequire(import.meta.url)('@tensorflow/tfjs') as typeof tf;
    expect(union.engine()).toBe(tf.engine());
    expect(union.getGradient('Sum')).toBe(tf.getGradient('Sum'));
    const probe = { kernelName: 'S2cassiProbe', backendName: 'cpu', kernelFunc: () => ({}) as tf.TensorInfo };
    tf.registerKernel(probe);
    expect(union.getKernel('S2cassiProbe', 'cpu')).toBe(probe);
    tf.unregisterKernel('S2cassiProbe', 'cpu');
    const t = tf.scalar(1);
    expect(t instanceof union.Tensor).toBe(true);
    t.dispose();
  });
});

describeBackends('tf.grad after registerGradients', () => {
  it('differentiates x^2 summed (2x) and a conv2d without leaks', async () => {
    registerGradients();
    const x = tf.tensor1d([1, -2, 3]);
    const g = await expectNoLeaks(async () => {
      const grad = tf.grad((v: tf.Tensor) => tf.sum(tf.square(v)))(x);
      const data = Array.from(await grad.data());
      grad.dispose();
      return data;
    });
    expect(g).toEqual([2, -4, 6]);
    x.dispose();
  });
});
