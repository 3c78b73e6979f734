import { setupBackend, setupNodeWebGpu } from '@s2cassi/backends';
import { setBackend, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { checksValuesSynchronously } from './_validate';
import { assertFiniteValues } from './assert-finite-values';
import { reconstructGapTv } from './gap-tv';
import { initialEstimate } from './initial-estimate';
import { createCassiOperator } from './operator';
import { simulateMeasurement } from './simulate';

// The GPU path on a real GPU backend: WebGPU in Node through Dawn (Mesa's llvmpipe on a machine without
// a GPU), set up by @s2cassi/backends. Skipped, with a message, where no adapter can be created.
const found = await setupNodeWebGpu().then(
  (info) => ({ info, error: undefined }),
  (error: Error) => ({ info: undefined, error }),
);
if (found.error) {
  console.warn(`cassi-sim webgpu value-check tests skipped: no WebGPU adapter: ${found.error.message}`);
}

const height = 6;
const width = 8;
const bands = 9; // > 7: the forward model's addN over bands needs the chunked webgpu AddN
const cubeValues = uniformArray(height * width * bands, 11, 0, 1);
const maskValues = uniformArray(height * width, 12, 0, 1);

describe.skipIf(found.info == null)('value checks on webgpu (a GPU backend)', () => {
  let readSync: ReturnType<typeof vi.spyOn>;
  beforeAll(async () => {
    await setupBackend('webgpu');
    readSync = vi.spyOn(tf.backend() as unknown as { readSync(dataId: object): unknown }, 'readSync');
  });
  afterAll(async () => {
    readSync.mockRestore();
    await setBackend('cpu');
  });

  it('the synchronous functions check only shapes by default: no synchronous readback', () => {
    expect(tf.getBackend()).toBe('webgpu');
    expect(checksValuesSynchronously(undefined)).toBe(false);
    expect(checksValuesSynchronously(true)).toBe(true);
    const nan = new Float32Array(cubeValues);
    nan[5] = Number.NaN;
    const cube = tf.tensor4d(nan, [1, height, width, bands]);
    const mask = tf.tensor2d(maskValues, [height, width]);
    readSync.mockClear();
    const y = simulateMeasurement(cube, mask);
    const y0 = initialEstimate(y, mask);
    const operator = createCassiOperator(mask, { bandCount: bands });
    expect(readSync).not.toHaveBeenCalled();
    expect(y.shape).toEqual([1, height, width + 2 * (bands - 1)]);
    expect(y0.shape).toEqual([1, height, width, bands]);
    // shapes and dtypes are still checked, with the same errors as on cpu
    expect(() => simulateMeasurement(tf.zeros([height, width, bands]) as never, mask)).toThrow(
      /simulateMeasurement\(cube\): expected a tensor of rank 4/,
    );
    expect(() => simulateMeasurement(cube, tf.ones([height, width + 1]) as tf.Tensor2D)).toThrow(
      /does not fit/,
    );
    expect(readSync).not.toHaveBeenCalled();
    operator.dispose();
    tf.dispose([cube, mask, y, y0]);
  });

  it('assertFiniteValues reads back asynchronously and names the first bad element', async () => {
    const good = tf.tensor4d(cubeValues, [1, height, width, bands]);
    const values = new Float32Array(cubeValues); // a copy: tfjs keeps the array it is given
    values[7] = Number.POSITIVE_INFINITY;
    const bad = tf.tensor4d(values, [1, height, width, bands]);
    const before = tf.memory().numTensors;
    readSync.mockClear();
    await expect(assertFiniteValues(good, { name: 'cube', nonNegative: true })).resolves.toBeUndefined();
    await expect(assertFiniteValues(bad, { name: 'cube', nonNegative: true })).rejects.toThrow(
      `cube: expected finite values, found NaN or Infinity (the first: Infinity at flat index 7 of shape [1, ${height}, ${width}, ${bands}])`,
    );
    expect(readSync).not.toHaveBeenCalled();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([good, bad]);
  });

  it('reconstructGapTv checks values asynchronously by default and matches cpu', async () => {
    const mask = tf.tensor2d(maskValues, [height, width]);
    const cube = tf.tensor4d(cubeValues, [1, height, width, bands]);
    const y = simulateMeasurement(cube, mask, { validateValues: false });
    const broken = tf.tidy(() => tf.mul(y, tf.scalar(Number.NaN)) as tf.Tensor3D);
    readSync.mockClear();
    await expect(reconstructGapTv(broken, mask, { iterations: 2 })).rejects.toThrow(
      /reconstructGapTv\(measurement\): expected finite values, found NaN or Infinity \(the first: NaN at flat index 0/,
    );
    const x = await reconstructGapTv(y, mask, { iterations: 5 });
    expect(readSync).not.toHaveBeenCalled();
    const onGpu = (await x.data()) as Float32Array;
    tf.dispose([mask, cube, y, broken, x]);

    await setBackend('cpu');
    const cpuMask = tf.tensor2d(maskValues, [height, width]);
    const cpuCube = tf.tensor4d(cubeValues, [1, height, width, bands]);
    const cpuY = simulateMeasurement(cpuCube, cpuMask);
    const cpuX = await reconstructGapTv(cpuY, cpuMask, { iterations: 5 });
    const onCpu = (await cpuX.data()) as Float32Array;
    tf.dispose([cpuMask, cpuCube, cpuY, cpuX]);
    await setBackend('webgpu');

    let largest = 0;
    for (let i = 0; i < onCpu.length; i++) largest = Math.max(largest, Math.abs(onGpu[i] - onCpu[i]));
    console.info(
      `GAP-TV (5 iterations, ${bands} bands) webgpu vs cpu: max |difference| ${largest.toExponential(1)}`,
    );
    expect(largest).toBeLessThan(1e-4);
  });
});
