import { HsiFormatError } from './errors';
import { type NumericArray, reorder, toFloat32 } from './ndarray';
import type { ValueScale } from './value-scale';

/**
 * A hyperspectral cube: `data[(y * W + x) * N + band]` (row-major, bands fastest; the memory layout of
 * one image of a tfjs NHWC tensor). Values are the source's, divided by its scale where it has one
 * (reflectance usually 0..1; see `applyValueScale`).
 */
export interface Cube {
  data: Float32Array;
  /** [height, width, bands] */
  shape: [number, number, number];
  layout: 'hwc';
  /** Band centres in nm, one per band, when known. */
  wavelengths?: number[];
  /**
   * Set by the file readers when the file held integers or a scale was applied: the stored type, the
   * scale divided by, or a note that integers were used as stored (see `applyValueScale`).
   */
  valueScale?: ValueScale;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.join(', ')}]`;
  return (value as object)?.constructor?.name ?? typeof value;
}

/** Throws unless `cube` is a well-formed Cube (shape of 3 non-negative integers, data length H*W*N). */
export function assertCube(cube: Cube, what = 'cube'): void {
  if (!cube || typeof cube !== 'object')
    throw new Error(`${what}: expected a Cube object, got ${describe(cube)}`);
  const { data, shape, layout, wavelengths } = cube;
  if (layout !== 'hwc') throw new Error(`${what}: expected layout 'hwc', got ${String(layout)}`);
  if (!Array.isArray(shape) || shape.length !== 3 || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(
      `${what}: expected shape [height, width, bands] of non-negative integers, got ${describe(shape)}`,
    );
  }
  if (!(data instanceof Float32Array))
    throw new Error(`${what}: expected Float32Array data, got ${describe(data)}`);
  const count = shape[0] * shape[1] * shape[2];
  if (data.length !== count) {
    throw new Error(`${what}: shape [${shape.join(', ')}] needs ${count} values, got ${data.length}`);
  }
  if (wavelengths !== undefined && (!Array.isArray(wavelengths) || wavelengths.length !== shape[2])) {
    throw new Error(`${what}: expected ${shape[2]} wavelengths (one per band), got ${describe(wavelengths)}`);
  }
}

/**
 * Makes a cube of shape [H, W, N]. With `data` (copied unless it is already a Float32Array of the right
 * length, which is used as is), otherwise zero-filled.
 */
export function createCube(
  shape: readonly [number, number, number] | readonly number[],
  data?: ArrayLike<number>,
  wavelengths?: readonly number[],
): Cube {
  if (!Array.isArray(shape) || shape.length !== 3) {
    throw new Error(`createCube: expected shape [height, width, bands], got ${describe(shape)}`);
  }
  const [h, w, n] = shape;
  const values =
    data === undefined
      ? new Float32Array(h * w * n)
      : data instanceof Float32Array
        ? data
        : Float32Array.from(data);
  const cube: Cube = { data: values, shape: [h, w, n], layout: 'hwc' };
  if (wavelengths !== undefined) cube.wavelengths = [...wavelengths];
  assertCube(cube, 'createCube');
  return cube;
}

/** A deep copy of a cube. */
export function cloneCube(cube: Cube): Cube {
  assertCube(cube);
  return createCube(cube.shape, cube.data.slice(), cube.wavelengths);
}

/** One band as a row-major H x W Float32Array (a copy). */
export function getBand(cube: Cube, band: number): Float32Array {
  assertCube(cube);
  const [h, w, n] = cube.shape;
  if (!Number.isInteger(band) || band < 0 || band >= n) {
    throw new Error(`getBand: expected a band index in 0..${n - 1}, got ${band}`);
  }
  const out = new Float32Array(h * w);
  for (let p = 0; p < h * w; p++) out[p] = cube.data[p * n + band];
  return out;
}

/** The spectrum at pixel (y, x) (a copy, N values). */
export function getSpectrum(cube: Cube, y: number, x: number): Float32Array {
  assertCube(cube);
  const [h, w, n] = cube.shape;
  if (!Number.isInteger(y) || !Number.isInteger(x) || y < 0 || x < 0 || y >= h || x >= w) {
    throw new Error(`getSpectrum: expected a pixel inside ${h} x ${w}, got (${y}, ${x})`);
  }
  const start = (y * w + x) * n;
  return cube.data.slice(start, start + n);
}

/**
 * Builds a cube from bands given as row-major H x W arrays (band order = array order).
 */
export function cubeFromBands(
  bands: readonly ArrayLike<number>[],
  height: number,
  width: number,
  wavelengths?: readonly number[],
): Cube {
  const n = bands.length;
  const cube = createCube([height, width, n], undefined, wavelengths);
  for (let b = 0; b < n; b++) {
    const band = bands[b];
    if (band.length !== height * width) {
      throw new Error(
        `cubeFromBands: band ${b} needs ${height * width} values (${height} x ${width}), got ${band.length}`,
      );
    }
    for (let p = 0; p < height * width; p++) cube.data[p * n + b] = band[p];
  }
  return cube;
}

/**
 * Converts a MATLAB column-major array (H x W x N as stored in a MAT-file or Fortran-order .npy; an
 * H x W matrix counts as N = 1) to a cube.
 */
export function cubeFromColumnMajor(
  data: NumericArray | ArrayLike<number>,
  dims: readonly number[],
  wavelengths?: readonly number[],
): Cube {
  const trimmed = [...dims];
  while (trimmed.length > 3 && trimmed[trimmed.length - 1] === 1) trimmed.pop();
  if (trimmed.length < 2 || trimmed.length > 3) {
    throw new Error(`cubeFromColumnMajor: expected H x W or H x W x N dims, got [${dims.join(', ')}]`);
  }
  const [h, w, n = 1] = trimmed;
  if (data.length !== h * w * n) {
    throw new Error(
      `cubeFromColumnMajor: dims [${dims.join(', ')}] need ${h * w * n} values, got ${data.length}`,
    );
  }
  const source = data instanceof Float32Array ? data : toFloat32(data as ArrayLike<number>);
  // column-major [h, w, n] = row-major [n, w, h]; element (y, x, b) at y + h * (x + w * b).
  const out = new Float32Array(h * w * n);
  const plane = h * w;
  for (let b = 0; b < n; b++) {
    for (let x = 0; x < w; x++) {
      const base = h * x + plane * b;
      for (let y = 0; y < h; y++) out[(y * w + x) * n + b] = source[base + y];
    }
  }
  return createCube([h, w, n], out, wavelengths);
}

/** The cube's values in MATLAB column-major order (dims [H, W, N]). */
export function cubeToColumnMajor(cube: Cube): Float32Array {
  assertCube(cube);
  const [h, w, n] = cube.shape;
  const out = new Float32Array(h * w * n);
  const plane = h * w;
  for (let b = 0; b < n; b++) {
    for (let x = 0; x < w; x++) {
      const base = h * x + plane * b;
      for (let y = 0; y < h; y++) out[base + y] = cube.data[(y * w + x) * n + b];
    }
  }
  return out;
}

/**
 * Converts an n-d array between row-major (C) and column-major (Fortran/MATLAB) element order.
 * `dims` are the logical dimensions (same in both orders).
 */
export function toColumnMajor<T extends NumericArray>(data: T, dims: readonly number[]): T {
  return reorder(data, dims, true);
}

/** Inverse of `toColumnMajor`. */
export function fromColumnMajor<T extends NumericArray>(data: T, dims: readonly number[]): T {
  return reorder(data, dims, false);
}

/**
 * Interprets a row-major n-d array as a cube: rank 2 -> [H, W, 1], rank 3 -> [H, W, N], rank 4 with a
 * leading 1 -> that single image.
 */
export function cubeFromRowMajor(
  data: ArrayLike<number | bigint>,
  dims: readonly number[],
  source = 'array',
): Cube {
  let d = [...dims];
  while (d.length > 3 && d[0] === 1) d = d.slice(1);
  if (d.length === 2) d = [d[0], d[1], 1];
  if (d.length !== 3) {
    throw new HsiFormatError(source, `expected an H x W or H x W x N array, got dims [${dims.join(', ')}]`);
  }
  return createCube(
    d as [number, number, number],
    data instanceof Float32Array ? data.slice() : toFloat32(data),
  );
}
