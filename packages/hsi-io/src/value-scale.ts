import type { Cube } from './cube';
import { HsiFormatError } from './errors';

/**
 * How a reader turned a file's stored numbers into the cube's float32 values. Set on the cube by every
 * reader when the file held integers or a scale was applied; absent for float data read as they are.
 */
export interface ValueScale {
  /** Element type as stored: 'uint8', 'int16', 'uint16', ..., 'bool', 'float16', 'float32', 'float64'. */
  stored: string;
  /** The stored values were divided by this (absent: used as stored). */
  scale?: number;
  /**
   * Where `scale` came from: 'the caller', "safetensors metadata 'scale'", "ENVI 'reflectance scale
   * factor'", 'the 16-bit PNG range' / 'the 8-bit PNG range'.
   */
  scaleFrom?: string;
  /**
   * Set when integers above 1 were used as stored because nothing gave a scale: one line saying so
   * (e.g. "uint16 values used as stored (0..4095): the file gives no scale; ..."), without the file name.
   */
  note?: string;
}

/** A scale a file declares, and what declared it. */
export interface DeclaredScale {
  scale: number;
  from: string;
}

export interface ValueScaleOptions {
  /** The caller's value that maps to 1.0; overrides the file's own scale. */
  scale?: number;
  /** A scale the file itself declares (see {@link parseDeclaredScale}). */
  declared?: DeclaredScale;
  /** File name or description for messages. */
  source?: string;
}

const INTEGER_TYPES = new Set([
  'bool',
  'int8',
  'uint8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
]);

/** Whether a stored element type (as named in {@link ValueScale.stored}) is an integer type. */
export function isIntegerType(stored: string): boolean {
  return INTEGER_TYPES.has(stored);
}

function checkScale(value: number, what: string, source: string | undefined): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    const message = `${what}: expected a positive number, got ${String(value)}`;
    throw source === undefined ? new Error(message) : new HsiFormatError(source, message);
  }
  return value;
}

/**
 * Reads a scale a file declares as text (safetensors `__metadata__` value, ENVI header field). Throws an
 * HsiFormatError naming the field and the text unless it is a positive finite number.
 *
 * @param field how the file names it, e.g. "metadata 'scale'" or "ENVI 'reflectance scale factor'".
 */
export function parseDeclaredScale(text: string, field: string, source: string): number {
  const trimmed = text.trim();
  const value = trimmed === '' ? Number.NaN : Number(trimmed);
  if (!Number.isFinite(value) || value <= 0) {
    throw new HsiFormatError(
      source,
      `${field} = '${text}': expected a positive number (the stored value that means 1.0)`,
    );
  }
  return value;
}

/**
 * The one rule for a file's stored numbers, applied by every cube reader of this package (and so by
 * the CLI and the web app):
 *
 * 1. The scale is the caller's `scale`, else the one the file declares (safetensors `__metadata__`
 *    `scale`, ENVI `reflectance scale factor`, a PNG's range 2^bits - 1).
 * 2. With a scale, every value is `stored / scale` (float64 division, rounded once to float32), for any
 *    element type.
 * 3. Integers without a scale are used as stored; when any is above 1 (counts rather than 0/1 data)
 *    `valueScale.note` says so. Float data without a scale are used as stored, silently.
 *
 * `cube.data` must hold the stored values and belong to the reader (it is divided in place). Sets
 * `cube.valueScale` (integers, or a scale applied) and returns the cube.
 *
 * @param stored the element type as stored (see {@link ValueScale.stored}).
 */
export function applyValueScale(cube: Cube, stored: string, options: ValueScaleOptions = {}): Cube {
  const { source } = options;
  let scale: number | undefined;
  let scaleFrom: string | undefined;
  if (options.scale !== undefined) {
    scale = checkScale(options.scale, 'scale', source);
    scaleFrom = 'the caller';
  } else if (options.declared !== undefined) {
    scale = checkScale(options.declared.scale, options.declared.from, source);
    scaleFrom = options.declared.from;
  }
  const data = cube.data;
  if (scale !== undefined) {
    if (scale !== 1) for (let i = 0; i < data.length; i++) data[i] = data[i] / scale;
    cube.valueScale = { stored, scale, scaleFrom };
    return cube;
  }
  if (!isIntegerType(stored)) return cube;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  cube.valueScale = { stored };
  if (max > 1) {
    cube.valueScale.note = `${stored} values used as stored (${min}..${max}): the file gives no scale, so they are not the 0..1 of a reflectance cube (divide them yourself, or store a scale: safetensors metadata 'scale', ENVI 'reflectance scale factor')`;
  }
  return cube;
}
