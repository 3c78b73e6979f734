import * as tf from '@tensorflow/tfjs-core';
import { CassiInputError, expectFiniteNumber, expectRank } from './_validate';
import { createRandom, type Random } from './random';

/** Additive white Gaussian noise: y + sigma * N(0, 1) per pixel. */
export interface GaussianNoise {
  type: 'gaussian';
  /** Standard deviation, in the measurement's units (finite, >= 0). */
  sigma: number;
}

/**
 * Shot (photon) noise of the MST / DGSMP real-data toolbox:
 * y_noisy = Binomial(floor(scale * y * bitDepth / quantumEfficiency), quantumEfficiency) / bitDepth.
 * Its mean is ~ scale * y and its variance ~ scale * y * (1 - quantumEfficiency) / bitDepth.
 * The toolbox applies it to the normalised measurement (Y * 2 / 28), i.e. `normalisation: 2 / 28` in
 * {@link simulateMeasurement}.
 */
export interface ShotNoise {
  type: 'shot';
  /** Quantum efficiency QE, in (0, 1]. Default 0.4. */
  quantumEfficiency?: number;
  /** Bit depth ("bit" in the toolbox): counts per unit intensity after QE. Default 2048. */
  bitDepth?: number;
  /** Gain applied to y before counting photons. Default 1.2. */
  scale?: number;
}

/** Measurement noise Omega: `'none'` (default), Gaussian or shot noise. */
export type MeasurementNoise = 'none' | { type: 'none' } | GaussianNoise | ShotNoise;

/** Where the noise's random numbers come from. */
export interface NoiseRandomOptions {
  /** A generator to draw from (its state advances; store `random.state()` for exact resume). */
  random?: Random;
  /** Seed of a fresh generator when `random` is not given. Without either, a random seed is drawn. */
  seed?: number;
}

interface ResolvedShot {
  type: 'shot';
  quantumEfficiency: number;
  bitDepth: number;
  scale: number;
}

export type ResolvedNoise = { type: 'none' } | GaussianNoise | ResolvedShot;

export function resolveNoise(noise: MeasurementNoise | undefined): ResolvedNoise {
  if (noise === undefined || noise === 'none') return { type: 'none' };
  if (noise === null || typeof noise !== 'object') {
    throw new CassiInputError(
      `noise: expected 'none', { type: 'gaussian', sigma } or { type: 'shot', quantumEfficiency?, bitDepth?, scale? }, got ${String(noise)}`,
    );
  }
  switch (noise.type) {
    case 'none':
      return { type: 'none' };
    case 'gaussian':
      return { type: 'gaussian', sigma: expectFiniteNumber(noise.sigma, 'noise.sigma', 0) };
    case 'shot': {
      const quantumEfficiency = expectFiniteNumber(
        noise.quantumEfficiency ?? 0.4,
        'noise.quantumEfficiency',
        0,
      );
      if (quantumEfficiency <= 0 || quantumEfficiency > 1) {
        throw new CassiInputError(
          `noise.quantumEfficiency: expected a number in (0, 1], got ${quantumEfficiency}`,
        );
      }
      const bitDepth = expectFiniteNumber(noise.bitDepth ?? 2048, 'noise.bitDepth', 0);
      if (bitDepth <= 0) throw new CassiInputError(`noise.bitDepth: expected a number > 0, got ${bitDepth}`);
      const scale = expectFiniteNumber(noise.scale ?? 1.2, 'noise.scale', 0);
      return { type: 'shot', quantumEfficiency, bitDepth, scale };
    }
    default:
      throw new CassiInputError(
        `noise.type: expected 'none', 'gaussian' or 'shot', got ${String((noise as { type: unknown }).type)}`,
      );
  }
}

export function resolveRandom(options: NoiseRandomOptions): Random {
  if (options.random !== undefined) {
    if (typeof options.random?.normal !== 'function' || typeof options.random?.binomial !== 'function') {
      throw new CassiInputError('random: expected a generator from createRandom()');
    }
    return options.random;
  }
  return createRandom(options.seed ?? Math.floor(Math.random() * 2 ** 32));
}

/**
 * Adds measurement noise. Gaussian noise needs no readback; shot noise reads the measurement back
 * synchronously (`dataSync`), because each pixel's photon count depends on its value.
 * Negative inputs count as 0 photons under shot noise.
 *
 * @param measurement [B, H, W'] float32 (any rank is accepted: noise is per element).
 * @returns a new tensor of the same shape (the input is not modified or disposed).
 */
export function addMeasurementNoise<T extends tf.Tensor>(
  measurement: T,
  noise: MeasurementNoise,
  options: NoiseRandomOptions = {},
): T {
  expectRank(measurement, [1, 2, 3, 4], 'addMeasurementNoise(measurement)', "[batch, height, width']");
  return applyNoise(measurement, resolveNoise(noise), options);
}

export function applyNoise<T extends tf.Tensor>(
  measurement: T,
  noise: ResolvedNoise,
  options: NoiseRandomOptions,
): T {
  if (noise.type === 'none') return tf.clone(measurement);
  const random = resolveRandom(options);
  if (noise.type === 'gaussian') {
    const values = random.fillNormal(new Float32Array(measurement.size), 0, noise.sigma);
    return tf.tidy(() => tf.add(measurement, tf.tensor(values, measurement.shape, 'float32'))) as T;
  }
  const y = measurement.dataSync();
  const out = new Float32Array(y.length);
  for (let i = 0; i < y.length; i++) {
    // The toolbox's order of operations: floor(y * 1.2 * bit / QE).
    const count = Math.floor((y[i] * noise.scale * noise.bitDepth) / noise.quantumEfficiency);
    if (!Number.isFinite(count)) {
      throw new CassiInputError(`shot noise: expected finite measurement values, got ${y[i]} at index ${i}`);
    }
    out[i] = count > 0 ? random.binomial(count, noise.quantumEfficiency) / noise.bitDepth : 0;
  }
  return tf.tensor(out, measurement.shape, 'float32') as T;
}
