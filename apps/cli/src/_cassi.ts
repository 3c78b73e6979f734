import { CASSI_28_BAND_CENTRES, type Cube, createCube } from '@s2cassi/hsi-io';
import {
  type GapTvSettings,
  type MeasurementScalingOverride,
  bandCountFor as pipelineBandCount,
  reconstruct as pipelineReconstruct,
  simulate as pipelineSimulate,
  type Reconstruction,
} from '@s2cassi/pipeline';
import type { S2Transformer } from '@s2cassi/s2-attn';
import type { Plane } from './_io';

/**
 * The command line's edge to @s2cassi/pipeline, the simulate -> reconstruct -> score job the web app runs
 * too: files come in as `Plane` / `Cube`, and go back out the same way. No numerics here.
 */

/** Reconstruction methods of the CLI. */
export const METHODS = ['s2', 'gap-tv'] as const;
export type Method = (typeof METHODS)[number];

/**
 * Band count N of a measurement [H, W'] taken through a mask [H, W]: W' = W + step * (N - 1). Throws the
 * pipeline's input error (exit 2) naming both shapes and the relation when the mask does not fit.
 */
export function bandCountFor(
  measurement: Plane,
  mask: Plane,
  shiftStep: number,
  measurementPath?: string,
  maskPath?: string,
): number {
  return pipelineBandCount([measurement.height, measurement.width], [mask.height, mask.width], shiftStep, {
    measurementName: measurementPath,
    maskName: maskPath,
  });
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
  const y = await pipelineSimulate(
    { data: cube.data, shape: cube.shape },
    { data: mask.data, shape: [mask.height, mask.width] },
    { shiftStep: options.shiftStep, noiseSigma: options.noise, seed: options.seed },
  );
  return { data: y.data, height: y.shape[0], width: y.shape[1] };
}

export interface ReconstructOptions {
  method: Method;
  shiftStep: number;
  /** GAP-TV settings; missing ones are the shared defaults (`GAP_TV_DEFAULTS`). */
  gapTv?: Partial<GapTvSettings>;
  /** S2: the model (owned by the caller). */
  model?: S2Transformer;
  /** S2: the measurement scaling in place of the model's own (its gain kept; the model is not changed). */
  measurementScaling?: MeasurementScalingOverride;
  /** S2: tfjs memory budget per tile, bytes. */
  memoryBudgetBytes?: number;
  tile?: number;
  overlap?: number;
  /** Named in errors. */
  measurementPath?: string;
  maskPath?: string;
  signal?: AbortSignal;
  /** Units done: GAP-TV iterations, or for S2 one pass (0 -> 1). */
  onProgress?: (done: number) => void;
}

/**
 * Reconstructs a cube [H, W, N] from a measurement [H, W'] and its mask [H, W]; also returns the GAP-TV settings
 * used, or S2's measurement scaling with its factors for this measurement.
 */
export async function reconstruct(
  measurement: Plane,
  mask: Plane,
  options: ReconstructOptions,
): Promise<{ cube: Cube; gapTv?: GapTvSettings; measurementScaling?: Reconstruction['measurementScaling'] }> {
  const result = await pipelineReconstruct(
    { data: measurement.data, shape: [measurement.height, measurement.width] },
    { data: mask.data, shape: [mask.height, mask.width] },
    {
      method: options.method,
      shiftStep: options.shiftStep,
      gapTv: options.gapTv,
      model: options.model,
      measurementScaling: options.measurementScaling,
      tiling: {
        memoryBudgetBytes: options.memoryBudgetBytes,
        tile: options.tile,
        overlap: options.overlap,
      },
      measurementName: options.measurementPath,
      maskName: options.maskPath,
      signal: options.signal,
      onProgress: options.onProgress
        ? (p) => options.onProgress?.(p.unit === 'iteration' ? p.done : p.done === p.total ? 1 : 0)
        : undefined,
    },
  );
  const bands = result.cube.shape[2];
  return {
    cube: createCube(result.cube.shape, result.cube.data, bands === 28 ? CASSI_28_BAND_CENTRES : undefined),
    ...(result.gapTv ? { gapTv: result.gapTv } : {}),
    ...(result.measurementScaling ? { measurementScaling: result.measurementScaling } : {}),
  };
}
