import type { CubeLike, GreyImage, NumericArray } from './cube-like';
import { MetricsInputError } from './errors';

/** A validated cube: dimensions plus the caller's data (never modified). */
export interface CubeView {
  readonly data: NumericArray;
  readonly batch: number;
  readonly height: number;
  readonly width: number;
  readonly bands: number;
}

export function describeShape(shape: readonly unknown[]): string {
  return `[${shape.map((d) => String(d)).join(', ')}]`;
}

function isNumericArray(data: unknown): data is NumericArray {
  return (
    ArrayBuffer.isView(data) ||
    Array.isArray(data) ||
    (typeof data === 'object' && data !== null && typeof (data as { length?: unknown }).length === 'number')
  );
}

/** Throws unless every value is a finite number, naming the first offending index. */
export function expectFiniteData(data: NumericArray, what: string): void {
  const n = data.length;
  for (let i = 0; i < n; i++) {
    const v = data[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new MetricsInputError(
        `${what}: expected finite numbers, got ${String(v)} at index ${i} (NaN and Infinity are not valid pixel values)`,
      );
    }
  }
}

function expectDataObject(
  input: unknown,
  what: string,
  layout: string,
): { data: NumericArray; shape: number[] } {
  if (typeof input !== 'object' || input === null) {
    throw new MetricsInputError(
      `${what}: expected { data, shape } with shape ${layout}, got ${String(input)}`,
    );
  }
  const { data, shape } = input as { data?: unknown; shape?: unknown };
  if (!Array.isArray(shape)) {
    throw new MetricsInputError(`${what}: expected a shape array ${layout}, got ${String(shape)}`);
  }
  if (!isNumericArray(data)) {
    throw new MetricsInputError(
      `${what}: expected data as a Float32Array, Float64Array or array of numbers, got ${typeof data}`,
    );
  }
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 1) {
      throw new MetricsInputError(
        `${what}: expected positive integer dimensions ${layout}, got shape ${describeShape(shape)}`,
      );
    }
  }
  return { data, shape: shape as number[] };
}

function expectSize(data: NumericArray, shape: readonly number[], what: string): void {
  const size = shape.reduce((a: number, b: number) => a * b, 1);
  if (data.length !== size) {
    throw new MetricsInputError(
      `${what}: shape ${describeShape(shape)} needs ${size} values, got data of length ${data.length}`,
    );
  }
}

/** Validates a cube ([H, W, N] or [B, H, W, N]) and checks its values are finite. */
export function readCube(input: CubeLike, what: string): CubeView {
  const layout = '[height, width, bands] or [batch, height, width, bands]';
  const { data, shape } = expectDataObject(input, what, layout);
  if (shape.length !== 3 && shape.length !== 4) {
    throw new MetricsInputError(`${what}: expected shape ${layout}, got ${describeShape(shape)}`);
  }
  const [batch, height, width, bands] = shape.length === 3 ? [1, ...shape] : shape;
  expectSize(data, shape, what);
  expectFiniteData(data, what);
  return { data, batch, height, width, bands };
}

/** Validates a reference / prediction pair of cubes with identical shapes. */
export function readCubePair(reference: CubeLike, prediction: CubeLike): [CubeView, CubeView] {
  const ref = readCube(reference, 'reference');
  const pred = readCube(prediction, 'prediction');
  if (
    ref.batch !== pred.batch ||
    ref.height !== pred.height ||
    ref.width !== pred.width ||
    ref.bands !== pred.bands ||
    reference.shape.length !== prediction.shape.length
  ) {
    throw new MetricsInputError(
      `prediction: expected the reference's shape ${describeShape(reference.shape)}, got ${describeShape(prediction.shape)}`,
    );
  }
  return [ref, pred];
}

/** Validates a grey image [H, W] (a cube [H, W, 1] is accepted too). */
export function readGreyImage(
  input: GreyImage,
  what: string,
): { data: NumericArray; height: number; width: number } {
  const layout = '[height, width]';
  const { data, shape } = expectDataObject(input, what, layout);
  if (shape.length !== 2 && !(shape.length === 3 && shape[2] === 1)) {
    throw new MetricsInputError(
      `${what}: expected shape ${layout} (or [height, width, 1]), got ${describeShape(shape)}`,
    );
  }
  expectSize(data, shape, what);
  expectFiniteData(data, what);
  return { data, height: shape[0], width: shape[1] };
}

/** Copies band `band` of scene `scene` into a contiguous row-major Float64Array (height * width). */
export function extractBand(cube: CubeView, scene: number, band: number, out?: Float64Array): Float64Array {
  const { data, height, width, bands } = cube;
  const plane = height * width;
  const result = out ?? new Float64Array(plane);
  let src = scene * plane * bands + band;
  for (let i = 0; i < plane; i++, src += bands) result[i] = data[src];
  return result;
}

/** A view of the same dimensions over other data (used for quantised copies). */
export function withData(cube: CubeView, data: NumericArray): CubeView {
  return { data, batch: cube.batch, height: cube.height, width: cube.width, bands: cube.bands };
}
