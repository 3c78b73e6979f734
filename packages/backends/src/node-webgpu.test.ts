import { setBackend } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateCase, OP_CASES, relativeError } from './_test-cases';
import { setupNodeWebGpu } from './node-webgpu';
import { registerGradients } from './register-gradients';
import { setupBackend } from './setup-backend';

// WebGPU in Node through Dawn; on a machine without a GPU this is Mesa's llvmpipe via OpenGL ES.
const found = await setupNodeWebGpu().then(
  (info) => ({ info, error: undefined }),
  (error: Error) => ({ info: undefined, error }),
);
if (found.error) {
  console.warn(`webgpu tests skipped: no WebGPU adapter could be created here: ${found.error.message}`);
}

describe.skipIf(found.info == null)('webgpu in Node (Dawn) agrees with cpu', () => {
  const agreement: string[] = [];
  afterAll(async () => {
    console.info(`cpu vs webgpu (${found.info?.adapter}), max relative error:\n${agreement.join('\n')}`);
    await setBackend('cpu');
  });

  it('setupBackend("webgpu") activates it and says which adapter', async () => {
    const choice = await setupBackend('webgpu');
    expect(choice.backend).toBe('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    expect(choice.reason).toContain(found.info?.adapter ?? '?');
  });

  for (const opCase of OP_CASES) {
    it(`${opCase.name}: forward and gradients match cpu to 1e-4`, async () => {
      registerGradients();
      await setBackend('cpu');
      const reference = await evaluateCase(opCase);
      await setBackend('webgpu');
      const before = tf.memory().numTensors;
      const actual = await evaluateCase(opCase);
      expect(tf.memory().numTensors).toBe(before);
      const errors = actual.map((a, i) => relativeError(a, reference[i]));
      agreement.push(`  ${opCase.name}: ${errors.map((e) => e.toExponential(1)).join(', ')}`);
      for (const [i, error] of errors.entries())
        expect(error, `${opCase.name} result ${i}`).toBeLessThan(1e-4);
    });
  }
});
