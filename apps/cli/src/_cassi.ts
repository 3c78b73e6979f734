import { initialEstimate, reconstructGapTv, simulateMeasurement } from '@s2cassi/cassi-sim';
import { CASSI_28_BAND_CENTRES, type Cube, createCube } from '@s2cassi/hsi-io';
import type { S2Transformer } from '@s2cassi/s2-attn';
import { reconstructTiled } from '@s2cassi/s2-attn';
import * as tf from '@tensorflow/tfjs-core';
import type { Plane } from './_io';
import { UsageError } from './errors';

/** Reconstruction methods of the CLI. */
export const METHODS = ['s2', 'gap-tv'] as const;
export type Method = (typeof METHODS)[number];

/**
 * Band count N of a measurement [H, W'] taken through a mask [H, W]: W' = W + step * (N - 1). Throws a
 * UsageError naming both shapes and the relation when the mask does not fit.
 */
export function bandCountFor(
  measurement: Plane,
  mask: Plane,
  shiftStep: number,
  measurementPath = 'measurement',
  maskPath = 'mask',
): number {
  const shapes = `mask ${maskPath} is [${mask.height}, ${mask.width}] (H x W) and measurement ${measurementPath} is [${measurement.height}, ${measurement.width}] (H x W')`;
  const relation = `a mask fits a measurement when the heights are equal and W' = W + step * (bands - 1) (step ${shiftStep})`;
  const advice =
    'use the mask the measurement was taken with (or one cropped to [H, W]), or set --shift-step';
  if (mask.height !== measurement.height) {
    throw new UsageError(
      `the mask does not fit the measurement: ${shapes}; the heights differ. ${capitalise(relation)}; ${advice}.`,
    );
  }
  const extra = measurement.width - mask.width;
  const bands = shiftStep === 0 ? Number.NaN : extra / shiftStep + 1;
  if (shiftStep === 0 || extra < 0 || !Number.isInteger(bands) || bands < 2) {
    throw new UsageError(
      `the mask does not fit the measurement: ${shapes}; W' - W = ${extra} is not step * (bands - 1) for any band count >= 2. ${capitalise(relation)}; ${advice}.`,
    );
  }
  return bands;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Band centres for a cube: its own, the 28 CASSI centres for 28 bands, else undefined. */
export function wavelengthsFor(cube: {
  shape: readonly number[];
  wavelengths?: readonly number[];
}): number[] | undefined {
  if (cube.wavelengths) return [...cube.wavelengths];
  return cube.shape[cube.shape.length - 1] === 28 ? [...CASSI_28_BAND_CENTRES] : undefined;
}

/** Simulates Y = sum_n shift(F * M)_n (+ Gaussian noise of sigma `noise`, seeded). */
export async function simulate(
  cube: Cube,
  mask: Plane,
  options: { shiftStep: number; noise: number; seed: number },
): Promise<Plane> {
  const [h, w, n] = cube.shape;
  if (mask.height !== h || mask.width !== w) {
    throw new UsageError(
      `the mask [${mask.height}, ${mask.width}] does not fit the cube [${h}, ${w}, ${n}]: a cube needs a mask of its own height and width; crop the cube or use a mask of that size`,
    );
  }
  const cubeTensor = tf.tensor4d(cube.data, [1, h, w, n], 'float32');
  const maskTensor = tf.tensor2d(mask.data, [h, w], 'float32');
  try {
    const y = simulateMeasurement(cubeTensor, maskTensor, {
      shiftStep: options.shiftStep,
      noise: options.noise > 0 ? { type: 'gaussian', sigma: options.noise } : undefined,
      seed: options.seed,
    });
    try {
      return { data: (await y.data()) as Float32Array, height: h, width: y.shape[2] };
    } finally {
      y.dispose();
    }
  } finally {
    cubeTensor.dispose();
    maskTensor.dispose();
  }
}

export interface ReconstructOptions {
  method: Method;
  shiftStep: number;
  /** GAP-TV iterations. */
  iterations: number;
  tvWeight?: number;
  /** GAP-TV: the cube value tvWeight is relative to, or 'auto' (estimated from the measurement); default 1. */
  tvWeightScale?: number | 'auto';
  /** S2: the model (owned by the caller). */
  model?: S2Transformer;
  /** S2: tfjs memory budget per tile, bytes. */
  memoryBudgetBytes?: number;
  tile?: number;
  overlap?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** Reconstructs a cube [H, W, N] from a measurement [H, W'] and its mask [H, W]. */
export async function reconstruct(
  measurement: Plane,
  mask: Plane,
  options: ReconstructOptions,
): Promise<Cube> {
  const bands = bandCountFor(measurement, mask, options.shiftStep);
  const y = tf.tensor3d(measurement.data, [1, measurement.height, measurement.width], 'float32');
  const m = tf.tensor2d(mask.data, [mask.height, mask.width], 'float32');
  try {
    let x: tf.Tensor4D;
    if (options.method === 'gap-tv') {
      x = await reconstructGapTv(y, m, {
        shiftStep: options.shiftStep,
        bandCount: bands,
        iterations: options.iterations,
        tvWeight: options.tvWeight,
        tvWeightScale: options.tvWeightScale,
        signal: options.signal,
        onProgress: options.onProgress ? (p) => options.onProgress?.(p.iteration, p.total) : undefined,
      });
    } else {
      const model = options.model;
      if (!model) throw new Error('reconstruct: method s2 needs a model');
      if (model.config.bandCount !== bands) {
        throw new UsageError(
          `the model reconstructs ${model.config.bandCount} bands but the measurement and mask give ${bands} (W' - W = ${measurement.width - mask.width}, step ${options.shiftStep}); use weights trained for ${bands} bands or check --shift-step`,
        );
      }
      const y0 = initialEstimate(y, m, { shiftStep: options.shiftStep, bandCount: bands });
      try {
        options.onProgress?.(0, 1);
        x = await reconstructTiled(model, y0, {
          memoryBudgetBytes: options.memoryBudgetBytes,
          tile: options.tile,
          overlap: options.overlap,
        });
        options.onProgress?.(1, 1);
      } finally {
        y0.dispose();
      }
    }
    try {
      const data = (await x.data()) as Float32Array;
      return createCube(
        [mask.height, mask.width, bands],
        data,
        bands === 28 ? CASSI_28_BAND_CENTRES : undefined,
      );
    } finally {
      x.dispose();
    }
  } finally {
    y.dispose();
    m.dispose();
  }
}
