import { type Cube, cubeFromRowMajor } from './cube';
import { HsiFormatError } from './errors';
import { applyValueScale, parseDeclaredScale } from './value-scale';

/** Element types of the safetensors format (https://github.com/huggingface/safetensors). */
export type SafetensorsDtype =
  | 'F64'
  | 'F32'
  | 'F16'
  | 'BF16'
  | 'I64'
  | 'I32'
  | 'I16'
  | 'I8'
  | 'U64'
  | 'U32'
  | 'U16'
  | 'U8'
  | 'BOOL';

export type SafetensorsData =
  | Float64Array
  | Float32Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint32Array
  | Uint16Array
  | Uint8Array
  | BigInt64Array
  | BigUint64Array;

/**
 * One tensor: row-major data, its shape and dtype. F16 and BF16 data are carried as raw Uint16Array bits
 * (use `safetensorToFloat32`); BOOL as Uint8Array of 0/1; I64/U64 as BigInt64Array/BigUint64Array.
 */
export interface SafetensorsTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: SafetensorsData;
}

export interface SafetensorsFile {
  tensors: Record<string, SafetensorsTensor>;
  /** The optional `__metadata__` string map. */
  metadata: Record<string, string>;
}

const BYTES: Record<SafetensorsDtype, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
};

const ARRAY_FOR: Record<SafetensorsDtype, new (buffer: ArrayBuffer) => SafetensorsData> = {
  F64: Float64Array,
  F32: Float32Array,
  F16: Uint16Array,
  BF16: Uint16Array,
  I64: BigInt64Array,
  I32: Int32Array,
  I16: Int16Array,
  I8: Int8Array,
  U64: BigUint64Array,
  U32: Uint32Array,
  U16: Uint16Array,
  U8: Uint8Array,
  BOOL: Uint8Array,
};

/** Largest header accepted (the reference implementation's limit). */
const MAX_HEADER_BYTES = 100_000_000;

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function isDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && Object.hasOwn(BYTES, value);
}

/**
 * Serialises tensors to the safetensors format: an 8-byte little-endian header length, a JSON header
 * (padded with spaces to a multiple of 8 bytes) and the data, little-endian, in name order.
 * The inputs are not modified.
 */
export function encodeSafetensors(
  tensors: Record<string, SafetensorsTensor>,
  metadata: Record<string, string> = {},
  source = 'safetensors',
): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) {
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') {
        throw new HsiFormatError(source, `metadata '${key}': expected a string value, got ${typeof value}`);
      }
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  for (const name of names) {
    if (name === '__metadata__')
      throw new HsiFormatError(source, "'__metadata__' is reserved and cannot name a tensor");
    const { dtype, shape, data } = tensors[name];
    if (!isDtype(dtype))
      throw new HsiFormatError(source, `tensor '${name}': unsupported dtype ${String(dtype)}`);
    if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new HsiFormatError(
        source,
        `tensor '${name}': expected a shape of non-negative integers, got ${JSON.stringify(shape)}`,
      );
    }
    if (!(data instanceof ARRAY_FOR[dtype])) {
      throw new HsiFormatError(
        source,
        `tensor '${name}': dtype ${dtype} needs a ${ARRAY_FOR[dtype].name}, got ${data?.constructor?.name ?? typeof data}`,
      );
    }
    const count = elementCount(shape);
    if (data.length !== count) {
      throw new HsiFormatError(
        source,
        `tensor '${name}': shape [${shape.join(', ')}] needs ${count} elements, got ${data.length}`,
      );
    }
    const size = count * BYTES[dtype];
    header[name] = { dtype, shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = JSON.stringify(header);
  const encoder = new TextEncoder();
  let headerBytes = encoder.encode(json);
  const padding = (8 - (headerBytes.length % 8)) % 8;
  if (padding) {
    json += ' '.repeat(padding);
    headerBytes = encoder.encode(json);
  }
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let position = 8 + headerBytes.length;
  for (const name of names) {
    const { dtype, data } = tensors[name];
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    out.set(bytes, position);
    if (!littleEndian) swapInPlace(out.subarray(position, position + bytes.length), BYTES[dtype]);
    position += bytes.length;
  }
  return out;
}

function swapInPlace(bytes: Uint8Array, width: number): void {
  if (width === 1) return;
  for (let i = 0; i < bytes.length; i += width) bytes.subarray(i, i + width).reverse();
}

/**
 * Parses a safetensors buffer. Validates everything before allocating: header length within the
 * buffer and below 100 MB, a JSON object header, known dtypes, non-negative integer shapes, data offsets
 * that are in bounds, contiguous, non-overlapping and match shape x dtype size. The returned arrays are
 * copies (the input is not retained or modified).
 *
 * @param source a file name or description used in error messages.
 */
export function decodeSafetensors(bytes: Uint8Array, source = 'safetensors'): SafetensorsFile {
  if (!(bytes instanceof Uint8Array)) {
    throw new HsiFormatError(
      source,
      `expected a Uint8Array, got ${(bytes as object)?.constructor?.name ?? typeof bytes}`,
    );
  }
  if (bytes.length < 8) {
    throw new HsiFormatError(
      source,
      `truncated: a safetensors file starts with an 8-byte header length, got ${bytes.length} bytes`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    throw new HsiFormatError(
      source,
      `header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit (not a safetensors file?)`,
    );
  }
  const headerSize = Number(headerLength);
  if (8 + headerSize > bytes.length) {
    throw new HsiFormatError(
      source,
      `truncated: header of ${headerSize} bytes announced, only ${bytes.length - 8} bytes follow`,
    );
  }
  const headerText = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(8, 8 + headerSize));
  if (!headerText.startsWith('{')) {
    throw new HsiFormatError(source, 'header is not a JSON object (wrong magic: not a safetensors file?)');
  }
  let header: unknown;
  try {
    header = JSON.parse(headerText);
  } catch (error) {
    throw new HsiFormatError(source, `header is not valid JSON: ${(error as Error).message}`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new HsiFormatError(source, 'header is not a JSON object');
  }
  const dataStart = 8 + headerSize;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] =
    [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new HsiFormatError(source, '__metadata__ must be an object of strings');
      }
      for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string')
          throw new HsiFormatError(source, `__metadata__ '${key}' must be a string, got ${typeof v}`);
        metadata[key] = v;
      }
      continue;
    }
    const info = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (info === null || typeof info !== 'object')
      throw new HsiFormatError(source, `tensor '${name}': entry is not an object`);
    if (!isDtype(info.dtype))
      throw new HsiFormatError(source, `tensor '${name}': unsupported dtype ${JSON.stringify(info.dtype)}`);
    const shape = info.shape;
    if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      throw new HsiFormatError(
        source,
        `tensor '${name}': shape must be non-negative integers, got ${JSON.stringify(shape)}`,
      );
    }
    const offsets = info.data_offsets;
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offsets[1] < offsets[0]
    ) {
      throw new HsiFormatError(
        source,
        `tensor '${name}': data_offsets must be [begin, end] with 0 <= begin <= end, got ${JSON.stringify(offsets)}`,
      );
    }
    const count = elementCount(shape as number[]);
    const expected = count * BYTES[info.dtype];
    if (offsets[1] - offsets[0] !== expected) {
      throw new HsiFormatError(
        source,
        `tensor '${name}': shape [${shape.join(', ')}] of ${info.dtype} needs ${expected} bytes, data_offsets span ${offsets[1] - offsets[0]}`,
      );
    }
    if (offsets[1] > dataLength) {
      throw new HsiFormatError(
        source,
        `truncated: tensor '${name}' ends at byte ${offsets[1]} of the data section, which has ${dataLength} bytes`,
      );
    }
    entries.push({ name, dtype: info.dtype, shape: shape as number[], begin: offsets[0], end: offsets[1] });
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const entry of entries) {
    if (entry.begin !== cursor) {
      throw new HsiFormatError(
        source,
        entry.begin < cursor
          ? `tensor '${entry.name}' overlaps the previous tensor (begins at ${entry.begin}, previous ends at ${cursor})`
          : `gap in the data section before tensor '${entry.name}' (begins at ${entry.begin}, expected ${cursor})`,
      );
    }
    cursor = entry.end;
  }
  if (cursor !== dataLength) {
    throw new HsiFormatError(source, `data section has ${dataLength} bytes but the tensors cover ${cursor}`);
  }
  const tensors: Record<string, SafetensorsTensor> = {};
  for (const entry of entries) {
    // A fresh, exactly sized copy: `bytes.slice` would be a view on a Node Buffer (Buffer#slice does not
    // copy), and the typed array below would then read its whole pool from byte 0.
    const copy = new Uint8Array(bytes.subarray(dataStart + entry.begin, dataStart + entry.end));
    if (!littleEndian) swapInPlace(copy, BYTES[entry.dtype]);
    tensors[entry.name] = {
      dtype: entry.dtype,
      shape: entry.shape,
      data: new ARRAY_FOR[entry.dtype](copy.buffer),
    };
  }
  return { tensors, metadata };
}

/** Converts a tensor's data to float32 (F16 and BF16 bits decoded; integers and BOOL converted). */
export function safetensorToFloat32(tensor: SafetensorsTensor): Float32Array {
  const { dtype, data } = tensor;
  if (dtype === 'F32') return Float32Array.from(data as Float32Array);
  if (dtype === 'BF16') {
    const bits = new Uint32Array(data.length);
    for (let i = 0; i < data.length; i++) bits[i] = (data as Uint16Array)[i] << 16;
    return new Float32Array(bits.buffer);
  }
  if (dtype === 'F16') {
    const out = new Float32Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = halfToFloat((data as Uint16Array)[i]);
    return out;
  }
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Number(data[i]);
  return out;
}

const STORED: Record<SafetensorsDtype, string> = {
  F64: 'float64',
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  I64: 'int64',
  I32: 'int32',
  I16: 'int16',
  I8: 'int8',
  U64: 'uint64',
  U32: 'uint32',
  U16: 'uint16',
  U8: 'uint8',
  BOOL: 'bool',
};

export interface SafetensorToCubeOptions {
  /** Value that maps to 1.0; overrides the file's metadata `scale`. */
  scale?: number;
  /** File name for messages (default 'safetensors'). */
  source?: string;
}

/**
 * One tensor of a decoded safetensors file as a cube ([H, W], [H, W, N] or [1, H, W, N] row-major), by
 * the package's rule for stored values (`applyValueScale`): divided by `options.scale`, else by the
 * file's `__metadata__` `scale` when it has one (the bundled demo cube: U16, scale 65535); integers
 * without a scale are used as stored and `cube.valueScale.note` says so.
 */
export function safetensorToCube(
  file: SafetensorsFile,
  name: string,
  options: SafetensorToCubeOptions = {},
): Cube {
  const source = options.source ?? 'safetensors';
  const tensor = Object.hasOwn(file.tensors, name) ? file.tensors[name] : undefined;
  if (!tensor) {
    throw new HsiFormatError(
      source,
      `no tensor '${name}' (tensors: ${Object.keys(file.tensors).join(', ') || 'none'})`,
    );
  }
  const cube = cubeFromRowMajor(safetensorToFloat32(tensor), tensor.shape, source);
  const text = Object.hasOwn(file.metadata, 'scale') ? file.metadata.scale : undefined;
  const field = "metadata 'scale'";
  return applyValueScale(cube, STORED[tensor.dtype], {
    scale: options.scale,
    declared:
      text === undefined || options.scale !== undefined
        ? undefined
        : { scale: parseDeclaredScale(text, field, source), from: `safetensors ${field}` },
    source,
  });
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
