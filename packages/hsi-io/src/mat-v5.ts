import { deflateZlib, inflateZlib, inflateZlibPrefix } from './_zlib';
import { assertCube, type Cube, cubeToColumnMajor } from './cube';
import { HsiFormatError } from './errors';
import { checkDims, DEFAULT_MAX_BYTES, type ReadOptions } from './limits';
import { bytesOf, type NumericArray, typedFromBytes } from './ndarray';

/** Numeric MATLAB classes this package reads and writes (real only). */
export type MatClass =
  | 'double'
  | 'single'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'logical';

/**
 * A numeric MATLAB array. `data` is in MATLAB's column-major order (first index fastest) and its type
 * follows the class: double Float64Array, single Float32Array, int8..uint32 the matching typed array,
 * int64/uint64 BigInt64Array/BigUint64Array, logical Uint8Array of 0/1.
 */
export interface MatArray {
  class: MatClass;
  /** MATLAB dims, at least 2 (a scalar is [1, 1]). */
  dims: number[];
  data: NumericArray;
}

/** A variable the reader did not decode, and why (cell, struct, char, sparse, complex, ...). */
export interface MatSkipped {
  name: string;
  class: string;
  reason: string;
}

export interface MatFile {
  version: '5' | '7.3';
  /** The descriptive text of the 128-byte header (or the v7.3 userblock). */
  header: string;
  variables: Record<string, MatArray>;
  skipped: MatSkipped[];
}

/** What `listMatVariables` reports for each variable. */
export interface MatVariableInfo {
  name: string;
  /** MATLAB class name ('double', 'single', 'cell', 'struct', 'char', ...). */
  class: string;
  dims: number[];
  complex: boolean;
  /** Whether this reader can decode it (real numeric or logical). */
  supported: boolean;
}

export interface MatReadOptions extends ReadOptions {
  /** Decode only these variables (others are not decompressed). */
  variables?: readonly string[];
}

// Data types (miXXX) and classes (mxXXX) of the MAT-file format, level 5.
const MI_INT8 = 1;
const MI_UINT8 = 2;
const MI_INT16 = 3;
const MI_UINT16 = 4;
const MI_INT32 = 5;
const MI_UINT32 = 6;
const MI_SINGLE = 7;
const MI_DOUBLE = 9;
const MI_INT64 = 12;
const MI_UINT64 = 13;
const MI_MATRIX = 14;
const MI_COMPRESSED = 15;

const MI_ARRAYS: Record<number, new (length: number) => NumericArray> = {
  [MI_INT8]: Int8Array,
  [MI_UINT8]: Uint8Array,
  [MI_INT16]: Int16Array,
  [MI_UINT16]: Uint16Array,
  [MI_INT32]: Int32Array,
  [MI_UINT32]: Uint32Array,
  [MI_SINGLE]: Float32Array,
  [MI_DOUBLE]: Float64Array,
  [MI_INT64]: BigInt64Array,
  [MI_UINT64]: BigUint64Array,
  16: Uint8Array, // miUTF8
  17: Uint16Array, // miUTF16
  18: Uint32Array, // miUTF32
};

const CLASS_NAMES: Record<number, string> = {
  1: 'cell',
  2: 'struct',
  3: 'object',
  4: 'char',
  5: 'sparse',
  6: 'double',
  7: 'single',
  8: 'int8',
  9: 'uint8',
  10: 'int16',
  11: 'uint16',
  12: 'int32',
  13: 'uint32',
  14: 'int64',
  15: 'uint64',
  16: 'function_handle',
  17: 'opaque',
};

interface ClassInfo {
  code: number;
  mi: number;
  array: new (length: number) => NumericArray;
}

const CLASSES: Record<MatClass, ClassInfo> = {
  double: { code: 6, mi: MI_DOUBLE, array: Float64Array },
  single: { code: 7, mi: MI_SINGLE, array: Float32Array },
  int8: { code: 8, mi: MI_INT8, array: Int8Array },
  uint8: { code: 9, mi: MI_UINT8, array: Uint8Array },
  int16: { code: 10, mi: MI_INT16, array: Int16Array },
  uint16: { code: 11, mi: MI_UINT16, array: Uint16Array },
  int32: { code: 12, mi: MI_INT32, array: Int32Array },
  uint32: { code: 13, mi: MI_UINT32, array: Uint32Array },
  int64: { code: 14, mi: MI_INT64, array: BigInt64Array },
  uint64: { code: 15, mi: MI_UINT64, array: BigUint64Array },
  logical: { code: 9, mi: MI_UINT8, array: Uint8Array },
};

const FLAG_COMPLEX = 0x0800;
const FLAG_LOGICAL = 0x0200;

/** Whether the bytes start like a MAT-file of version 7.3 (HDF5 with a MATLAB userblock). */
export function isMatV73(bytes: Uint8Array): boolean {
  if (bytes.length < 128) return false;
  const version = bytes[124] | (bytes[125] << 8);
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, 19));
  return text.startsWith('MATLAB 7.3') || (version === 0x0200 && bytes[126] === 0x49 && bytes[127] === 0x4d);
}

interface Header {
  text: string;
  littleEndian: boolean;
}

function readHeader(bytes: Uint8Array, source: string): Header {
  if (!(bytes instanceof Uint8Array)) {
    throw new HsiFormatError(
      source,
      `expected a Uint8Array, got ${(bytes as object)?.constructor?.name ?? typeof bytes}`,
    );
  }
  if (bytes.length < 128) {
    throw new HsiFormatError(
      source,
      `truncated: a MAT-file starts with a 128-byte header, got ${bytes.length} bytes`,
    );
  }
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, 116)).replace(/[\s\0]+$/, '');
  const e0 = bytes[126];
  const e1 = bytes[127];
  let littleEndian: boolean;
  if (e0 === 0x49 && e1 === 0x4d)
    littleEndian = true; // 'IM'
  else if (e0 === 0x4d && e1 === 0x49)
    littleEndian = false; // 'MI'
  else {
    if (text.startsWith('MATLAB') === false && bytes[0] === 0) {
      throw new HsiFormatError(
        source,
        'not a MAT-file: level 4 MAT-files are not supported (no MATLAB 5 header)',
      );
    }
    throw new HsiFormatError(source, "not a MAT-file: missing the 'IM'/'MI' endian indicator at byte 126");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, 128);
  const version = view.getUint16(124, littleEndian);
  if (version === 0x0200 || text.startsWith('MATLAB 7.3')) {
    throw new HsiFormatError(
      source,
      'MAT-file version 7.3 (HDF5): use decodeMatAsync or decodeMatV73, which read it through h5wasm',
    );
  }
  if (version !== 0x0100) {
    throw new HsiFormatError(
      source,
      `unsupported MAT-file version 0x${version.toString(16)} (expected 0x0100, level 5)`,
    );
  }
  return { text, littleEndian };
}

interface Element {
  type: number;
  /** Payload bytes (view into the buffer). */
  data: Uint8Array;
  /** Offset of the next element. */
  next: number;
}

/** Reads one data element tag (normal or small format) at `pos` of `bytes`. */
function readElement(bytes: Uint8Array, pos: number, le: boolean, source: string, what: string): Element {
  if (pos + 8 > bytes.length) {
    throw new HsiFormatError(
      source,
      `${what}: truncated at byte ${pos} (a data element tag needs 8 bytes, ${bytes.length - pos} left)`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + pos, 8);
  const first = view.getUint32(0, le);
  const small = first >>> 16;
  if (small !== 0) {
    const type = first & 0xffff;
    if (small > 4)
      throw new HsiFormatError(source, `${what}: small data element claims ${small} bytes (at most 4)`);
    return { type, data: bytes.subarray(pos + 4, pos + 4 + small), next: pos + 8 };
  }
  const size = view.getUint32(4, le);
  const start = pos + 8;
  if (start + size > bytes.length) {
    throw new HsiFormatError(
      source,
      `${what}: truncated: data element at byte ${pos} claims ${size} bytes, only ${bytes.length - start} left`,
    );
  }
  const padded = first === MI_COMPRESSED ? size : Math.ceil(size / 8) * 8;
  return {
    type: first,
    data: bytes.subarray(start, start + size),
    next: Math.min(start + padded, bytes.length),
  };
}

interface MatrixHeader {
  name: string;
  classCode: number;
  complex: boolean;
  logical: boolean;
  dims: number[];
  /** Offset (in the matrix payload) of the first sub-element after the name. */
  rest: number;
}

function readMatrixHeader(payload: Uint8Array, le: boolean, source: string, what: string): MatrixHeader {
  const flagsEl = readElement(payload, 0, le, source, `${what} array flags`);
  if (flagsEl.type !== MI_UINT32 || flagsEl.data.length !== 8) {
    throw new HsiFormatError(
      source,
      `${what}: expected an 8-byte miUINT32 array-flags element, got type ${flagsEl.type} of ${flagsEl.data.length} bytes`,
    );
  }
  const flags = new DataView(flagsEl.data.buffer, flagsEl.data.byteOffset, 8).getUint32(0, le);
  const classCode = flags & 0xff;
  const dimsEl = readElement(payload, flagsEl.next, le, source, `${what} dimensions`);
  if (dimsEl.type !== MI_INT32 || dimsEl.data.length % 4 !== 0 || dimsEl.data.length < 8) {
    throw new HsiFormatError(
      source,
      `${what}: expected a miINT32 dimensions element of at least 2 dims, got type ${dimsEl.type} of ${dimsEl.data.length} bytes`,
    );
  }
  const dv = new DataView(dimsEl.data.buffer, dimsEl.data.byteOffset, dimsEl.data.length);
  const dims: number[] = [];
  for (let i = 0; i < dimsEl.data.length; i += 4) dims.push(dv.getInt32(i, le));
  if (dims.length > 32)
    throw new HsiFormatError(source, `${what}: ${dims.length} dimensions, at most 32 supported`);
  const nameEl = readElement(payload, dimsEl.next, le, source, `${what} name`);
  if (nameEl.type !== MI_INT8 && nameEl.type !== MI_UINT8) {
    throw new HsiFormatError(
      source,
      `${what}: expected a miINT8 array-name element, got type ${nameEl.type}`,
    );
  }
  const name = new TextDecoder('latin1').decode(nameEl.data);
  return {
    name,
    classCode,
    complex: (flags & FLAG_COMPLEX) !== 0,
    logical: (flags & FLAG_LOGICAL) !== 0,
    dims,
    rest: nameEl.next,
  };
}

function className(header: MatrixHeader): string {
  if (header.logical) return 'logical';
  return CLASS_NAMES[header.classCode] ?? `unknown class ${header.classCode}`;
}

function supportedClass(header: MatrixHeader): MatClass | undefined {
  const name = className(header);
  return Object.hasOwn(CLASSES, name) && name !== 'logical'
    ? (name as MatClass)
    : name === 'logical' && header.classCode === 9
      ? 'logical'
      : undefined;
}

function skipReason(header: MatrixHeader): string | undefined {
  const cls = supportedClass(header);
  if (!cls) {
    const name = className(header);
    if (name === 'cell' || name === 'struct' || name === 'object')
      return `${name} arrays are not supported (numeric arrays only)`;
    if (name === 'char') return 'char arrays (strings) are not supported (numeric arrays only)';
    if (name === 'sparse') return 'sparse matrices are not supported (store them full)';
    return `class ${name} is not supported`;
  }
  if (header.complex) return 'complex arrays are not supported (real only)';
  return undefined;
}

function decodeNumeric(
  header: MatrixHeader,
  payload: Uint8Array,
  le: boolean,
  source: string,
  maxBytes: number,
): MatArray {
  const cls = supportedClass(header) as MatClass;
  const info = CLASSES[cls];
  const what = `variable '${header.name}'`;
  const count = checkDims(source, what, header.dims, new info.array(0).BYTES_PER_ELEMENT, maxBytes);
  const real = readElement(payload, header.rest, le, source, `${what} data`);
  const Stored = MI_ARRAYS[real.type];
  if (!Stored || real.type >= 16) {
    throw new HsiFormatError(source, `${what}: unsupported data type ${real.type} for a ${cls} array`);
  }
  const width = new Stored(0).BYTES_PER_ELEMENT;
  if (real.data.length !== count * width) {
    throw new HsiFormatError(
      source,
      `${what}: sizes do not add up: dims [${header.dims.join(', ')}] need ${count} elements (${count * width} bytes of type ${real.type}), the data element has ${real.data.length} bytes`,
    );
  }
  const stored = typedFromBytes(Stored, real.data, count, le);
  let data: NumericArray;
  if (stored instanceof info.array) data = stored;
  else {
    data = new info.array(count);
    const bigTarget = data instanceof BigInt64Array || data instanceof BigUint64Array;
    const bigSource = stored instanceof BigInt64Array || stored instanceof BigUint64Array;
    for (let i = 0; i < count; i++) {
      const v = stored[i];
      (data as unknown as (number | bigint)[])[i] = bigTarget
        ? BigInt(bigSource ? v : Math.trunc(Number(v)))
        : Number(v);
    }
  }
  if (cls === 'logical') for (let i = 0; i < count; i++) (data as Uint8Array)[i] = data[i] ? 1 : 0;
  return { class: cls, dims: header.dims, data };
}

/** Walks the top-level elements, calling `visit` with each (decompressed when needed) miMATRIX payload. */
function walk(
  bytes: Uint8Array,
  le: boolean,
  source: string,
  maxBytes: number,
  visit: (payload: Uint8Array, index: number, compressed: Uint8Array | undefined) => void,
): void {
  let pos = 128;
  let index = 0;
  while (pos < bytes.length) {
    // MATLAB may pad the end of the file with zeros.
    if (bytes.length - pos < 8 && bytes.subarray(pos).every((b) => b === 0)) break;
    const what = `variable #${index + 1}`;
    const el = readElement(bytes, pos, le, source, what);
    if (el.type === MI_MATRIX) visit(el.data, index, undefined);
    else if (el.type === MI_COMPRESSED) visit(new Uint8Array(0), index, el.data);
    else
      throw new HsiFormatError(
        source,
        `${what}: expected a miMATRIX (14) or miCOMPRESSED (15) element at byte ${pos}, got type ${el.type}`,
      );
    if (el.next <= pos) throw new HsiFormatError(source, `${what}: element does not advance`);
    pos = el.next;
    index++;
  }
  void maxBytes;
}

function inner(
  compressed: Uint8Array,
  le: boolean,
  source: string,
  maxBytes: number,
  what: string,
): Uint8Array {
  const raw = inflateZlib(compressed, maxBytes + 1024, source, what);
  const el = readElement(raw, 0, le, source, what);
  if (el.type !== MI_MATRIX) {
    throw new HsiFormatError(
      source,
      `${what}: compressed element holds type ${el.type}, expected miMATRIX (14)`,
    );
  }
  return el.data;
}

/**
 * Decodes a MAT-file of version 5 (MATLAB `save -v6`/`-v7`, scipy.io.savemat): numeric and logical
 * arrays, compressed or not, either byte order. Cells, structs, strings, sparse and complex arrays are
 * not decoded; they are listed in `skipped` with the reason. Version 7.3 files are refused with a pointer
 * to `decodeMatAsync`. Every inconsistency (truncation, bad tags, sizes that do not add up, a bad zlib
 * checksum, dims beyond `maxBytes`) throws `HsiFormatError`.
 */
export function decodeMat(bytes: Uint8Array, options: MatReadOptions = {}): MatFile {
  const source = options.source ?? 'MAT-file';
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const { text, littleEndian: le } = readHeader(bytes, source);
  const wanted = options.variables ? new Set(options.variables) : undefined;
  const variables: Record<string, MatArray> = {};
  const skipped: MatSkipped[] = [];
  walk(bytes, le, source, maxBytes, (plain, index, compressed) => {
    const what = `variable #${index + 1}`;
    let payload = plain;
    if (compressed) {
      if (wanted) {
        // Peek at the name first: skip decompressing variables nobody asked for.
        const head = readMatrixHeader(peekPayload(compressed, le, source, what), le, source, what);
        if (!wanted.has(head.name)) return;
      }
      payload = inner(compressed, le, source, maxBytes, what);
    }
    const header = readMatrixHeader(payload, le, source, what);
    if (wanted && !wanted.has(header.name)) return;
    const reason = skipReason(header);
    if (reason) {
      skipped.push({ name: header.name, class: className(header), reason });
      return;
    }
    if (Object.hasOwn(variables, header.name)) {
      throw new HsiFormatError(source, `variable '${header.name}' appears twice`);
    }
    variables[header.name] = decodeNumeric(header, payload, le, source, maxBytes);
  });
  if (wanted) {
    for (const name of wanted) {
      if (!Object.hasOwn(variables, name) && !skipped.some((s) => s.name === name)) {
        throw new HsiFormatError(source, `no variable '${name}' in the file`);
      }
    }
  }
  return { version: '5', header: text, variables, skipped };
}

/** Decompresses just enough of a compressed element to read its matrix header. */
function peekPayload(compressed: Uint8Array, le: boolean, source: string, what: string): Uint8Array {
  // tag 8 + flags 16 + dims (8 + 4 * 32) + name (8 + 64): 240 bytes cover every header.
  const prefix = inflateZlibPrefix(compressed, 256, source, what);
  if (prefix.length < 8) throw new HsiFormatError(source, `${what}: compressed element too short`);
  const view = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const type = view.getUint32(0, le);
  if (type !== MI_MATRIX) {
    throw new HsiFormatError(
      source,
      `${what}: compressed element holds type ${type}, expected miMATRIX (14)`,
    );
  }
  return prefix.subarray(8);
}

/**
 * Lists the variables of a version 5 MAT-file (name, class, dims, complex) without decoding their data:
 * compressed variables are inflated only as far as their headers.
 */
export function listMatV5Variables(bytes: Uint8Array, options: ReadOptions = {}): MatVariableInfo[] {
  const source = options.source ?? 'MAT-file';
  const { littleEndian: le } = readHeader(bytes, source);
  const out: MatVariableInfo[] = [];
  walk(bytes, le, source, options.maxBytes ?? DEFAULT_MAX_BYTES, (plain, index, compressed) => {
    const what = `variable #${index + 1}`;
    const payload = compressed ? peekPayload(compressed, le, source, what) : plain;
    const header = readMatrixHeader(payload, le, source, what);
    out.push({
      name: header.name,
      class: className(header),
      dims: header.dims,
      complex: header.complex,
      supported: skipReason(header) === undefined,
    });
  });
  return out;
}

/** A value `encodeMat` accepts: a MatArray (column-major) or a Cube (written as H x W x N single). */
export type MatWritable = MatArray | Cube | { class?: MatClass; dims: number[]; data: NumericArray };

export interface MatWriteOptions {
  /** zlib-compress each variable (miCOMPRESSED, MATLAB's `-v7` default). Default true. */
  compress?: boolean;
  /** Header text after 'MATLAB 5.0 MAT-file' (default names this package). */
  description?: string;
  source?: string;
}

function classOfArray(data: NumericArray): MatClass | undefined {
  if (data instanceof Float64Array) return 'double';
  if (data instanceof Float32Array) return 'single';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint32Array) return 'uint32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof BigUint64Array) return 'uint64';
  return undefined;
}

/** A MatArray holding a cube as MATLAB's H x W x N (column-major), in single (default) or double. */
export function cubeToMatArray(cube: Cube, matClass: 'single' | 'double' = 'single'): MatArray {
  assertCube(cube);
  const column = cubeToColumnMajor(cube);
  return {
    class: matClass,
    dims: [...cube.shape],
    data: matClass === 'double' ? Float64Array.from(column) : column,
  };
}

function tag(view: DataView, at: number, type: number, size: number): void {
  view.setUint32(at, type, true);
  view.setUint32(at + 4, size, true);
}

function pad8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

function encodeMatrix(name: string, value: MatWritable, source: string): Uint8Array {
  let array: MatArray;
  if ((value as Cube).layout === 'hwc') array = cubeToMatArray(value as Cube);
  else {
    const v = value as MatArray;
    const inferred = v.data ? classOfArray(v.data) : undefined;
    const cls = v.class ?? inferred;
    if (!cls || !Object.hasOwn(CLASSES, cls)) {
      throw new HsiFormatError(
        source,
        `variable '${name}': expected a numeric typed array or a class, got ${String(v.class ?? v.data?.constructor?.name)}`,
      );
    }
    if (!(v.data instanceof CLASSES[cls].array)) {
      throw new HsiFormatError(
        source,
        `variable '${name}': class ${cls} needs a ${CLASSES[cls].array.name}, got ${v.data?.constructor?.name}`,
      );
    }
    array = { class: cls, dims: v.dims, data: v.data };
  }
  let dims = [...array.dims];
  if (dims.some((d) => !Number.isInteger(d) || d < 0 || d > 0x7fffffff)) {
    throw new HsiFormatError(
      source,
      `variable '${name}': expected non-negative integer dims, got [${dims.join(', ')}]`,
    );
  }
  if (dims.length === 0) dims = [1, 1];
  if (dims.length === 1) dims = [1, dims[0]];
  const count = dims.reduce((a, b) => a * b, 1);
  if (array.data.length !== count) {
    throw new HsiFormatError(
      source,
      `variable '${name}': dims [${dims.join(', ')}] need ${count} elements, got ${array.data.length}`,
    );
  }
  const info = CLASSES[array.class];
  let data = array.data;
  if (array.class === 'logical') data = Uint8Array.from(data as Uint8Array, (v) => (v ? 1 : 0));
  const dataBytes = bytesOf(data, true);
  const nameBytes = new TextEncoder().encode(name);
  const size = 16 + 8 + pad8(dims.length * 4) + 8 + pad8(nameBytes.length) + 8 + pad8(dataBytes.length);
  const out = new Uint8Array(8 + size);
  const view = new DataView(out.buffer);
  tag(view, 0, MI_MATRIX, size);
  let at = 8;
  tag(view, at, MI_UINT32, 8);
  view.setUint32(at + 8, info.code | (array.class === 'logical' ? FLAG_LOGICAL : 0), true);
  at += 16;
  tag(view, at, MI_INT32, dims.length * 4);
  for (let i = 0; i < dims.length; i++) view.setInt32(at + 8 + 4 * i, dims[i], true);
  at += 8 + pad8(dims.length * 4);
  tag(view, at, MI_INT8, nameBytes.length);
  out.set(nameBytes, at + 8);
  at += 8 + pad8(nameBytes.length);
  tag(view, at, info.mi, dataBytes.length);
  out.set(dataBytes, at + 8);
  return out;
}

/**
 * Encodes numeric arrays (and cubes, as H x W x N single) as a version 5 MAT-file that MATLAB, Octave
 * and scipy.io.loadmat read. Names must be MATLAB identifiers (a letter, then letters, digits or '_',
 * at most 63 characters). Inputs are not modified.
 */
export function encodeMat(variables: Record<string, MatWritable>, options: MatWriteOptions = {}): Uint8Array {
  const source = options.source ?? 'MAT-file';
  const compress = options.compress ?? true;
  const parts: Uint8Array[] = [];
  const header = new Uint8Array(128);
  const text = `MATLAB 5.0 MAT-file, ${options.description ?? 'written by @s2cassi/hsi-io'}`.slice(0, 116);
  header.fill(0x20, 0, 116);
  header.set(new TextEncoder().encode(text.replace(/[^\x20-\x7e]/g, '?')), 0);
  header[124] = 0x00;
  header[125] = 0x01;
  header[126] = 0x49; // 'I'
  header[127] = 0x4d; // 'M'
  parts.push(header);
  for (const [name, value] of Object.entries(variables)) {
    if (!/^[A-Za-z][A-Za-z0-9_]{0,62}$/.test(name)) {
      throw new HsiFormatError(
        source,
        `variable name '${name}' is not a MATLAB identifier (a letter, then letters, digits or _, at most 63)`,
      );
    }
    const matrix = encodeMatrix(name, value, source);
    if (compress) {
      const packed = deflateZlib(matrix);
      const el = new Uint8Array(8 + packed.length);
      tag(new DataView(el.buffer), 0, MI_COMPRESSED, packed.length);
      el.set(packed, 8);
      parts.push(el);
    } else parts.push(matrix);
  }
  const total = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
