import { PipelineInputError } from './errors';

/**
 * A hyperspectral cube as plain numbers, HWC row-major (bands fastest): value (y, x, n) at
 * `(y * width + x) * bands + n`, the memory layout of a tfjs NHWC tensor of batch 1. `shape` is
 * `[height, width, bands]`; values are reflectances, typically 0..1.
 */
export interface CubeData {
  data: Float32Array;
  shape: [number, number, number];
}

/**
 * A 2-D image, row-major: value (y, x) at `y * width + x`. A CASSI measurement `[H, W']` or a coded
 * aperture (mask) `[H, W]`.
 */
export interface PlaneData {
  data: Float32Array;
  shape: [number, number];
}

function describe(value: unknown): string {
  return Array.isArray(value) ? `[${value.join(', ')}]` : String(value);
}

function expectArray(
  value: { data?: unknown; shape?: unknown } | undefined,
  name: string,
  rank: number,
  layout: string,
): void {
  if (value == null || typeof value !== 'object') {
    throw new PipelineInputError(
      `${name}: expected { data: Float32Array, shape: ${layout} }, got ${String(value)}`,
    );
  }
  const { data, shape } = value;
  if (
    !Array.isArray(shape) ||
    shape.length !== rank ||
    !shape.every((d) => Number.isInteger(d) && (d as number) > 0)
  ) {
    throw new PipelineInputError(
      `${name}: expected shape ${layout} of positive integers, got ${describe(shape)}`,
    );
  }
  if (!(data instanceof Float32Array)) {
    throw new PipelineInputError(`${name}: expected data as a Float32Array, got ${typeof data}`);
  }
  const size = (shape as number[]).reduce((a, b) => a * b, 1);
  if (data.length !== size) {
    throw new PipelineInputError(
      `${name}: shape ${describe(shape)} needs ${size} values, got data of length ${data.length}`,
    );
  }
}

/** Throws a {@link PipelineInputError} unless `cube` is a {@link CubeData} whose data fits its shape. */
export function expectCubeData(cube: CubeData, name: string): void {
  expectArray(cube, name, 3, '[height, width, bands]');
}

/** Throws a {@link PipelineInputError} unless `plane` is a {@link PlaneData} whose data fits its shape. */
export function expectPlaneData(plane: PlaneData, name: string): void {
  expectArray(plane, name, 2, '[height, width]');
}
