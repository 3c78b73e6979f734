import { setBackend, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { setupNodeWebGpu } from './node-webgpu';
import { setupBackend } from './setup-backend';
import {
  registerWebGpuAddNChunking,
  unregisterWebGpuAddNChunking,
  webGpuAddNChunkingRegistered,
  webGpuAddNChunkSize,
} from './webgpu-add-n';

describe('webGpuAddNChunkSize', () => {
  it('leaves one storage buffer for the output', () => {
    expect(webGpuAddNChunkSize({ device: { limits: { maxStorageBuffersPerShaderStage: 8 } } })).toBe(7);
    expect(webGpuAddNChunkSize({ device: { limits: { maxStorageBuffersPerShaderStage: 10 } } })).toBe(9);
    expect(webGpuAddNChunkSize({ device: { limits: { maxStorageBuffersPerShaderStage: 2 } } })).toBe(2);
    expect(webGpuAddNChunkSize({})).toBe(7);
    expect(webGpuAddNChunkSize(null)).toBe(7);
  });
});

// The real WebGPU path in Node: Dawn, on a machine without a GPU Mesa's llvmpipe through OpenGL ES.
const found = await setupNodeWebGpu().then(
  (info) => ({ info, error: undefined }),
  (error: Error) => ({ info: undefined, error }),
);
if (found.error) {
  console.warn(`webgpu addN tests skipped: no WebGPU adapter could be created here: ${found.error.message}`);
}

interface DeviceLike {
  limits: { maxStorageBuffersPerShaderStage: number };
  pushErrorScope(filter: 'validation'): void;
  popErrorScope(): Promise<{ message: string } | null>;
}
interface WebGpuBackendLike {
  device: DeviceLike;
  numDataIds(): number;
}

const SHAPE = [3, 5, 4];
const size = SHAPE.reduce((a, b) => a * b, 1);

/** tf.addN of `count` seeded tensors on the active backend, read back, without leaving tensors behind. */
async function addNOf(count: number): Promise<Float32Array> {
  const before = tf.memory().numTensors;
  const inputs = Array.from({ length: count }, (_, i) =>
    tf.tensor(uniformArray(size, 100 + i, -1, 1), SHAPE),
  );
  const sum = tf.addN(inputs);
  const values = (await sum.data()) as Float32Array;
  tf.dispose([...inputs, sum]);
  expect(tf.memory().numTensors).toBe(before);
  return values;
}

/** Runs `fn` inside a WebGPU validation error scope and returns its result and the error, if any. */
async function withValidationScope<T>(device: DeviceLike, fn: () => Promise<T>) {
  device.pushErrorScope('validation');
  const result = await fn();
  const error = await device.popErrorScope();
  return { result, error: error?.message };
}

describe.skipIf(found.info == null)('webgpu addN in Node (Dawn) agrees with cpu', () => {
  const measured: string[] = [];
  afterAll(async () => {
    console.info(`webgpu vs cpu addN, max |difference| by tensor count: ${measured.join(', ')}`);
    registerWebGpuAddNChunking();
    await setBackend('cpu');
  });

  it('setupBackend("webgpu") installs the chunked kernel', async () => {
    await setupBackend('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    expect(webGpuAddNChunkingRegistered()).toBe(true);
    expect(registerWebGpuAddNChunking()).toBe(false); // idempotent
    const backend = tf.backend() as unknown as WebGpuBackendLike;
    console.info(
      `webgpu addN: adapter '${found.info?.adapter}', maxStorageBuffersPerShaderStage ${backend.device.limits.maxStorageBuffersPerShaderStage}, chunk ${webGpuAddNChunkSize(backend)}`,
    );
  });

  for (const count of [2, 7, 8, 9, 28]) {
    it(`addN of ${count} tensors equals cpu, with no validation error and no leaked GPU buffer`, async () => {
      await setBackend('cpu');
      const reference = await addNOf(count);
      await setBackend('webgpu');
      const backend = tf.backend() as unknown as WebGpuBackendLike;
      const dataIdsBefore = backend.numDataIds();
      const { result, error } = await withValidationScope(backend.device, () => addNOf(count));
      expect(error).toBeUndefined();
      expect(backend.numDataIds()).toBe(dataIdsBefore);
      let largest = 0;
      for (let i = 0; i < size; i++) largest = Math.max(largest, Math.abs(result[i] - reference[i]));
      measured.push(`${count}: ${largest.toExponential(1)}`);
      // float32 sums of `count` values in [-1, 1]: a few units in the last place of values up to ~count.
      expect(largest).toBeLessThanOrEqual(1e-5);
      // And the sum is the sum: an independent float64 reference.
      for (let i = 0; i < size; i += 7) {
        let exact = 0;
        for (let k = 0; k < count; k++) exact += uniformArray(size, 100 + k, -1, 1)[i];
        expect(result[i]).toBeCloseTo(exact, 5);
      }
    });
  }

  it("without the chunking, tfjs's own kernel fails validation for 9 tensors (the bug this fixes)", async () => {
    await setBackend('cpu');
    const reference = await addNOf(9);
    await setBackend('webgpu');
    const backend = tf.backend() as unknown as WebGpuBackendLike;
    expect(unregisterWebGpuAddNChunking()).toBe(true);
    expect(unregisterWebGpuAddNChunking()).toBe(false);
    try {
      const { result, error } = await withValidationScope(backend.device, () => addNOf(9));
      expect(error).toMatch(/storage buffers \(10\).*exceeds the maximum per-stage limit \(8\)/);
      let largest = 0;
      for (let i = 0; i < size; i++) largest = Math.max(largest, Math.abs(result[i] - reference[i]));
      expect(largest).toBeGreaterThan(0.1);
    } finally {
      expect(registerWebGpuAddNChunking()).toBe(true);
    }
    const { result, error } = await withValidationScope(backend.device, () => addNOf(9));
    expect(error).toBeUndefined();
    for (let i = 0; i < size; i++) expect(Math.abs(result[i] - reference[i])).toBeLessThanOrEqual(1e-5);
  });
});
