import { floatToHalf, halfToFloat } from './_half';
import { type Cube, cubeFromRowMajor } from './cube';
import { HsiFormatError } from './errors';
import { checkDims, DEFAULT_MAX_BYTES, type ReadOptions } from './limits';
import { bytesOf, type NumericArray, reorder, typedFromBytes } from './ndarray';
import { applyValueScale } from './value-scale';

/** NumPy element types read and written (the descr without its byte-order character). */
export type NpyDtype = 'f2' | 'f4' | 'f8' | 'i1' | 'i2' | 'i4' | 'i8' | 'u1' | 'u2' | 'u4' | 'u8' | 'b1';

/**
 * A NumPy array. `data` is always row-major (C order); `fortranOrder` says how the file stored it.
 * f2 is decoded to Float32Array, b1 to Uint8Array of 0/1, i8/u8 to BigInt64Array/BigUint64Array.
 */
export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: NumericArray;
  fortranOrder?: boolean;
}

const ARRAYS: Record<NpyDtype, new (length: number) => NumericArray> = {
  f2: Uint16Array,
  f4: Float32Array,
  f8: Float64Array,
  i1: Int8Array,
  i2: Int16Array,
  i4: Int32Array,
  i8: BigInt64Array,
  u1: Uint8Array,
  u2: Uint16Array,
  u4: Uint32Array,
  u8: BigUint64Array,
  b1: Uint8Array,
};

const STORED: Record<NpyDtype, string> = {
  f2: 'float16',
  f4: 'float32',
  f8: 'float64',
  i1: 'int8',
  i2: 'int16',
  i4: 'int32',
  i8: 'int64',
  u1: 'uint8',
  u2: 'uint16',
  u4: 'uint32',
  u8: 'uint64',
  b1: 'bool',
};

export interface NpyToCubeOptions {
  /** Value that maps to 1.0 (a .npy file has no place to declare one). */
  scale?: number;
  /** File name for messages (default '.npy'). */
  source?: string;
}

/**
 * A decoded .npy (or one .npz array) as a cube ([H, W], [H, W, N] or [1, H, W, N]), by the package's
 * rule for stored values (`applyValueScale`): divided by `options.scale` when given; integers without
 * one are used as stored and `cube.valueScale.note` says so.
 */
export function npyToCube(array: NpyArray, options: NpyToCubeOptions = {}): Cube {
  const source = options.source ?? '.npy';
  const cube = cubeFromRowMajor(array.data, array.shape, source);
  return applyValueScale(cube, STORED[array.dtype] ?? array.dtype, { scale: options.scale, source });
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Largest header accepted (numpy itself refuses headers above 10000 bytes by default). */
const MAX_HEADER = 1 << 20;

function parseHeader(text: string, source: string): { descr: string; fortran: boolean; shape: number[] } {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}')) {
    throw new HsiFormatError(
      source,
      `.npy header is not a Python dict literal: ${JSON.stringify(trimmed.slice(0, 80))}`,
    );
  }
  const descrMatch = /['"]descr['"]\s*:\s*(?:'([^']*)'|"([^"]*)"|(\[))/.exec(trimmed);
  if (!descrMatch) throw new HsiFormatError(source, ".npy header has no 'descr'");
  if (descrMatch[3]) throw new HsiFormatError(source, '.npy structured (record) dtypes are not supported');
  const descr = descrMatch[1] ?? descrMatch[2];
  const fortranMatch = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(trimmed);
  if (!fortranMatch) throw new HsiFormatError(source, ".npy header has no 'fortran_order' True/False");
  const shapeMatch = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(trimmed);
  if (!shapeMatch) throw new HsiFormatError(source, ".npy header has no 'shape' tuple");
  const parts = shapeMatch[1]
    .split(',')
    .map((p) => p.trim().replace(/L$/, ''))
    .filter((p) => p.length > 0);
  const shape = parts.map((p) => {
    if (!/^\d+$/.test(p))
      throw new HsiFormatError(source, `.npy shape entry '${p}' is not a non-negative integer`);
    return Number(p);
  });
  return { descr, fortran: fortranMatch[1] === 'True', shape };
}

function parseDescr(descr: string, source: string): { dtype: NpyDtype; littleEndian: boolean } {
  if (/^[<>|=]?O/.test(descr)) {
    throw new HsiFormatError(
      source,
      `.npy holds Python objects (descr '${descr}'): pickled object arrays are not supported`,
    );
  }
  const match = /^([<>|=]?)([fiub])(\d+)$/.exec(descr);
  const name = match ? (`${match[2]}${match[3]}` as NpyDtype) : undefined;
  if (!match || !name || !Object.hasOwn(ARRAYS, name)) {
    throw new HsiFormatError(
      source,
      `unsupported .npy dtype '${descr}' (supported: f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1)`,
    );
  }
  return { dtype: name, littleEndian: match[1] !== '>' };
}

/**
 * Decodes a NumPy .npy file (format versions 1, 2 and 3; either byte order; C or Fortran order).
 * Object arrays (pickles) and structured dtypes are refused with a clear error; header dims are checked
 * against `maxBytes` and against the data present before anything is allocated.
 */
export function decodeNpy(bytes: Uint8Array, options: ReadOptions = {}): NpyArray {
  const source = options.source ?? '.npy';
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!(bytes instanceof Uint8Array)) {
    throw new HsiFormatError(
      source,
      `expected a Uint8Array, got ${(bytes as object)?.constructor?.name ?? typeof bytes}`,
    );
  }
  if (bytes.length < 10)
    throw new HsiFormatError(source, `truncated: ${bytes.length} bytes, a .npy file has at least 10`);
  if (!MAGIC.every((b, i) => bytes[i] === b))
    throw new HsiFormatError(source, 'not a .npy file (wrong magic, expected \\x93NUMPY)');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number;
  let start: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12)
      throw new HsiFormatError(source, `truncated: ${bytes.length} bytes, a v${major} .npy header needs 12`);
    headerLength = view.getUint32(8, true);
    start = 12;
  } else
    throw new HsiFormatError(
      source,
      `unsupported .npy format version ${major}.${bytes[7]} (1, 2 and 3 are supported)`,
    );
  if (headerLength > MAX_HEADER)
    throw new HsiFormatError(source, `.npy header length ${headerLength} exceeds ${MAX_HEADER} bytes`);
  if (start + headerLength > bytes.length) {
    throw new HsiFormatError(
      source,
      `truncated: header of ${headerLength} bytes announced, ${bytes.length - start} bytes follow`,
    );
  }
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(start, start + headerLength),
  );
  const { descr, fortran, shape } = parseHeader(text, source);
  const { dtype, littleEndian } = parseDescr(descr, source);
  const Ctor = ARRAYS[dtype];
  const width = new Ctor(0).BYTES_PER_ELEMENT;
  const count = checkDims(source, '.npy array', shape, width, maxBytes);
  const dataStart = start + headerLength;
  const available = bytes.length - dataStart;
  if (available !== count * width) {
    throw new HsiFormatError(
      source,
      `${available < count * width ? 'truncated' : 'sizes do not add up'}: shape (${shape.join(', ')}) of ${descr} needs ${count * width} data bytes, the file has ${available}`,
    );
  }
  let data: NumericArray = typedFromBytes(Ctor, bytes.subarray(dataStart), count, littleEndian);
  if (dtype === 'f2') data = Float32Array.from(data as Uint16Array, halfToFloat);
  if (dtype === 'b1') {
    const raw = data as Uint8Array;
    for (let i = 0; i < raw.length; i++) {
      if (raw[i] > 1)
        throw new HsiFormatError(
          source,
          `.npy bool array holds byte ${raw[i]} at element ${i} (expected 0 or 1)`,
        );
    }
  }
  if (fortran && shape.length > 1) data = reorder(data, shape, false);
  return { dtype, shape, data, fortranOrder: fortran };
}

export interface NpyWriteOptions {
  /** Store big-endian ('>') instead of little-endian. */
  bigEndian?: boolean;
  /** Store in Fortran (column-major) order with fortran_order True. The input stays row-major. */
  fortranOrder?: boolean;
  /** Force a header version (default: 1, or 2 when the header needs it). */
  version?: 1 | 2 | 3;
}

function dtypeOf(data: NumericArray): NpyDtype | undefined {
  if (data instanceof Float32Array) return 'f4';
  if (data instanceof Float64Array) return 'f8';
  if (data instanceof Int8Array) return 'i1';
  if (data instanceof Int16Array) return 'i2';
  if (data instanceof Int32Array) return 'i4';
  if (data instanceof BigInt64Array) return 'i8';
  if (data instanceof Uint8Array) return 'u1';
  if (data instanceof Uint16Array) return 'u2';
  if (data instanceof Uint32Array) return 'u4';
  if (data instanceof BigUint64Array) return 'u8';
  return undefined;
}

/**
 * Encodes an array as .npy. `data` is row-major; `dtype` defaults from the array type (Float32Array
 * 'f4', ...); 'f2' takes a Float32Array or Float64Array and stores half floats; 'b1' takes a
 * Uint8Array (non-zero -> 1). Input not modified.
 */
export function encodeNpy(
  array: { data: NumericArray; shape: readonly number[]; dtype?: NpyDtype },
  options: NpyWriteOptions = {},
): Uint8Array {
  const { shape } = array;
  const dtype = array.dtype ?? dtypeOf(array.data);
  if (!dtype || !Object.hasOwn(ARRAYS, dtype))
    throw new Error(
      `encodeNpy: unsupported data type ${String(array.dtype ?? array.data?.constructor?.name)}`,
    );
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`encodeNpy: expected a shape of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (array.data.length !== count)
    throw new Error(
      `encodeNpy: shape (${shape.join(', ')}) needs ${count} elements, got ${array.data.length}`,
    );
  let data: NumericArray = array.data;
  if (dtype === 'f2') {
    if (!(data instanceof Float32Array || data instanceof Float64Array))
      throw new Error(
        `encodeNpy: dtype f2 needs a Float32Array or Float64Array, got ${data.constructor.name}`,
      );
    data = Uint16Array.from(data as Float32Array, floatToHalf);
  } else if (dtype === 'b1') {
    if (!(data instanceof Uint8Array))
      throw new Error(`encodeNpy: dtype b1 needs a Uint8Array, got ${data.constructor.name}`);
    data = Uint8Array.from(data, (v) => (v ? 1 : 0));
  } else if (!(data instanceof ARRAYS[dtype])) {
    throw new Error(`encodeNpy: dtype ${dtype} needs a ${ARRAYS[dtype].name}, got ${data.constructor.name}`);
  }
  if (options.fortranOrder && shape.length > 1) data = reorder(data, shape, true);
  const width = data.BYTES_PER_ELEMENT;
  const order = width === 1 ? '|' : options.bigEndian ? '>' : '<';
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${order}${dtype}', 'fortran_order': ${options.fortranOrder ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const dictBytes = new TextEncoder().encode(dict);
  let version = options.version ?? 1;
  if (version === 1 && dictBytes.length + 11 + 64 > 0xffff) version = 2;
  const prefix = version === 1 ? 10 : 12;
  const total = Math.ceil((prefix + dictBytes.length + 1) / 64) * 64;
  const headerLength = total - prefix;
  const out = new Uint8Array(total + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, headerLength, true);
  else view.setUint32(8, headerLength, true);
  out.fill(0x20, prefix, total - 1);
  out.set(dictBytes, prefix);
  out[total - 1] = 0x0a;
  out.set(bytesOf(data, !options.bigEndian), total);
  return out;
}
