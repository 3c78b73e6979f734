import { type Cube, cubeFromColumnMajor } from './cube';
import { type CubeBatch, stackCubes } from './cube-batch';
import { HsiFormatError } from './errors';
import type { ReadOptions } from './limits';
import {
  decodeMat,
  encodeMat,
  isMatV73,
  listMatV5Variables,
  type MatFile,
  type MatReadOptions,
  type MatVariableInfo,
  type MatWriteOptions,
} from './mat-v5';
import { decodeMatV73, hdf5SignatureOffset, listMatV73Variables } from './mat-v73';
import { type NumericArray, reorder } from './ndarray';
import { applyValueScale } from './value-scale';

/** MATLAB classes by the element-type names of `ValueScale.stored` (the integer classes keep theirs). */
const MAT_STORED: Partial<Record<string, string>> = { double: 'float64', single: 'float32', logical: 'bool' };

function isHdf5(bytes: Uint8Array): boolean {
  return bytes instanceof Uint8Array && (isMatV73(bytes) || hdf5SignatureOffset(bytes) >= 0);
}

/** Decodes a MAT-file of version 5 (synchronously) or 7.3 (HDF5, through h5wasm). */
export async function decodeMatAsync(bytes: Uint8Array, options: MatReadOptions = {}): Promise<MatFile> {
  return isHdf5(bytes) ? decodeMatV73(bytes, options) : decodeMat(bytes, options);
}

/**
 * Lists a MAT-file's variables (name, class, MATLAB dims, complex, supported) without decoding the
 * data: v5 compressed variables are inflated only as far as their headers; v7.3 reads HDF5 metadata.
 */
export async function listMatVariables(
  bytes: Uint8Array,
  options: ReadOptions = {},
): Promise<MatVariableInfo[]> {
  return isHdf5(bytes) ? listMatV73Variables(bytes, options) : listMatV5Variables(bytes, options);
}

/**
 * The cube held by variable `name` (MATLAB H x W x N or H x W, column-major) as an 'hwc' cube, by the
 * package's rule for stored values (`applyValueScale`): divided by `options.scale` when given (a
 * MAT-file has no place to declare one); integer classes without it are used as stored and
 * `cube.valueScale.note` says so. Errors name the file, the variable and, for skipped variables, why it
 * could not be read.
 */
export function matVariableToCube(
  file: MatFile,
  name: string,
  source = 'MAT-file',
  options: { scale?: number } = {},
): Cube {
  const variable = Object.hasOwn(file.variables, name) ? file.variables[name] : undefined;
  if (!variable) {
    const skipped = file.skipped.find((s) => s.name === name);
    if (skipped) throw new HsiFormatError(source, `variable '${name}' (${skipped.class}): ${skipped.reason}`);
    const names = [...Object.keys(file.variables), ...file.skipped.map((s) => s.name)];
    throw new HsiFormatError(source, `no variable '${name}' (variables: ${names.join(', ') || 'none'})`);
  }
  const dims = [...variable.dims];
  while (dims.length > 3 && dims[dims.length - 1] === 1) dims.pop();
  if (dims.length > 3) {
    throw new HsiFormatError(
      source,
      `variable '${name}': expected H x W or H x W x N, got [${variable.dims.join(', ')}]`,
    );
  }
  return applyValueScale(
    cubeFromColumnMajor(variable.data, dims),
    MAT_STORED[variable.class] ?? variable.class,
    {
      scale: options.scale,
      source,
    },
  );
}

function asBatch(value: CubeBatch | readonly Cube[], what: string): CubeBatch {
  if (Array.isArray(value)) return stackCubes(value);
  const batch = value as CubeBatch;
  if (
    !batch ||
    !(batch.data instanceof Float32Array) ||
    !Array.isArray(batch.shape) ||
    batch.shape.length !== 4
  ) {
    throw new Error(
      `${what}: expected an array of cubes or { data: Float32Array, shape: [scenes, H, W, N] }`,
    );
  }
  const count = batch.shape.reduce((a, b) => a * b, 1);
  if (batch.data.length !== count) {
    throw new Error(
      `${what}: shape [${batch.shape.join(', ')}] needs ${count} values, got ${batch.data.length}`,
    );
  }
  return batch;
}

export interface TestResultOptions extends Omit<MatWriteOptions, 'source'> {
  /** MATLAB class of `truth` and `pred`: 'single' (default, as MST's test.py saves float32) or 'double'. */
  class?: 'single' | 'double';
}

/**
 * Encodes a `Test_result.mat` as the MST toolbox's test.py writes it (`scipy.io.savemat(name,
 * {'truth': truth, 'pred': pred})`): two variables of MATLAB dims [scenes, H, W, N], so the field's
 * metric scripts (`squeeze(pred(i,:,:,:))`) read them. Inputs: arrays of cubes or NHWC batches of the
 * same shape. Uncompressed by default (like scipy); pass `compress: true` for smaller files.
 */
export function encodeTestResultMat(
  result: { truth: CubeBatch | readonly Cube[]; pred: CubeBatch | readonly Cube[] },
  options: TestResultOptions = {},
): Uint8Array {
  const truth = asBatch(result.truth, 'truth');
  const pred = asBatch(result.pred, 'pred');
  if (truth.shape.some((d, i) => d !== pred.shape[i])) {
    throw new Error(
      `encodeTestResultMat: truth has shape [${truth.shape.join(', ')}], pred [${pred.shape.join(', ')}]; they must match`,
    );
  }
  const cls = options.class ?? 'single';
  const toMat = (batch: CubeBatch) => {
    const column = reorder(batch.data, batch.shape, true);
    const data: NumericArray = cls === 'double' ? Float64Array.from(column) : column;
    return { class: cls, dims: [...batch.shape], data };
  };
  return encodeMat(
    { truth: toMat(truth), pred: toMat(pred) },
    { compress: options.compress ?? false, description: options.description, source: 'Test_result.mat' },
  );
}
