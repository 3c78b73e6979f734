import { assertFiniteValues, type MeasurementNoise, simulateMeasurement } from '@s2cassi/cassi-sim';
import * as tf from '@tensorflow/tfjs-core';
import { expectShiftStep } from './band-count';
import { type CubeData, expectCubeData, expectPlaneData, type PlaneData } from './cube-data';
import { PipelineInputError } from './errors';
import { SIMULATION_DEFAULTS, type SimulateOptions } from './simulation-defaults';

export type { SimulateOptions };

/**
 * The CASSI measurement of a cube: Y = sum_n shift(F * M)_n (+ seeded Gaussian noise), on the active tfjs
 * backend. Values are checked with an asynchronous read-back (no stall on WebGL / WebGPU) before the
 * forward model runs, so a NaN, an Infinity or a negative intensity is named by its flat index.
 *
 * @param cube F `[H, W, N]`, finite, >= 0.
 * @param mask M `[H, W]`, finite, >= 0.
 * @returns Y `[H, W + d (N - 1)]` float32. Leaves no tensors behind.
 */
export async function simulate(
  cube: CubeData,
  mask: PlaneData,
  options: SimulateOptions = {},
): Promise<PlaneData> {
  expectCubeData(cube, 'simulate: cube');
  expectPlaneData(mask, 'simulate: mask');
  const [height, width, bands] = cube.shape;
  if (mask.shape[0] !== height || mask.shape[1] !== width) {
    throw new PipelineInputError(
      `simulate: the mask [${mask.shape.join(', ')}] does not fit the cube [${cube.shape.join(', ')}]: a cube needs a mask of its own height and width; crop the cube or use a mask of that size`,
    );
  }
  const shiftStep = expectShiftStep(options.shiftStep ?? SIMULATION_DEFAULTS.shiftStep);
  const sigma = options.noiseSigma ?? SIMULATION_DEFAULTS.noiseSigma;
  if (!(Number.isFinite(sigma) && sigma >= 0)) {
    throw new PipelineInputError(`simulate: noise sigma: expected a finite number >= 0, got ${sigma}`);
  }
  const seed = options.seed ?? SIMULATION_DEFAULTS.seed;
  const noise: MeasurementNoise = sigma > 0 ? { type: 'gaussian', sigma } : 'none';
  const x = tf.tensor4d(cube.data, [1, height, width, bands], 'float32');
  const m = tf.tensor2d(mask.data, [height, width], 'float32');
  let y: tf.Tensor3D | undefined;
  try {
    await assertFiniteValues(x, { name: 'simulate: cube', nonNegative: true });
    await assertFiniteValues(m, { name: 'simulate: mask', nonNegative: true });
    y = simulateMeasurement(x, m, { shiftStep, noise, seed, validateValues: false });
    return { data: (await y.data()) as Float32Array, shape: [y.shape[1], y.shape[2]] };
  } finally {
    tf.dispose([x, m, ...(y ? [y] : [])]);
  }
}
