import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

tf.env().set('IS_TEST', true);

import { afterAll, beforeAll, describe } from 'vitest';

/** The tfjs backends every op/layer suite runs on in Node. */
export const NODE_BACKENDS = ['cpu', 'wasm'] as const;
export type NodeBackend = (typeof NODE_BACKENDS)[number];

/**
 * Runs `body` once per Node backend (`cpu`, `wasm`), like tfjs's `describeWithFlags(..., ALL_ENVS)`.
 * The backend is selected in `beforeAll` and the previous one restored afterwards.
 */
export function describeBackends(
  name: string,
  body: (backend: NodeBackend) => void,
  backends: readonly NodeBackend[] = NODE_BACKENDS,
): void {
  for (const backend of backends) {
    describe(`${name} [${backend}]`, () => {
      let previous = '';
      beforeAll(async () => {
        previous = tf.getBackend() ?? '';
        await setBackend(backend);
      });
      afterAll(async () => {
        if (previous && previous !== backend) await setBackend(previous);
      });
      body(backend);
    });
  }
}

export async function setBackend(name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tfjs backend '${name}' failed to initialise`);
  await tf.ready();
}

/**
 * Runs `fn` and returns its result after checking that the live tensor count is back where it
 * started (the result's own tensors excepted when `keep` says how many it holds).
 */
export async function expectNoLeaks<T>(fn: () => T | Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const result = await fn();
  const after = tf.memory().numTensors;
  if (after !== before) {
    throw new Error(
      `tensor leak: ${after - before} tensors created and not disposed (before ${before}, after ${after})`,
    );
  }
  return result;
}

/**
 * Live data buffers inside the active backend (`numDataIds`): catches intermediates that a composed kernel
 * made and forgot to free, which the tensor count cannot see.
 */
export function backendBuffers(): number {
  return (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
}
