import { assertCube, type Cube, createCube } from './cube';
import { HsiFormatError } from './errors';
import { checkDims, DEFAULT_MAX_BYTES, type ReadOptions } from './limits';
import { hostLittleEndian, type NumericArray, swapBytes } from './ndarray';
import { applyValueScale, parseDeclaredScale } from './value-scale';

export type EnviInterleave = 'bsq' | 'bil' | 'bip';

/** ENVI data type codes read and written (complex 6 and 9 are refused). */
export type EnviDataType = 1 | 2 | 3 | 4 | 5 | 12 | 13 | 14 | 15;

/** The parsed fields of an ENVI header; `fields` keeps every key (lower-case) as raw text. */
export interface EnviHeader {
  samples: number;
  lines: number;
  bands: number;
  headerOffset: number;
  dataType: EnviDataType;
  interleave: EnviInterleave;
  /** 0 little-endian, 1 big-endian. */
  byteOrder: 0 | 1;
  wavelengths?: number[];
  wavelengthUnits?: string;
  bandNames?: string[];
  description?: string;
  fields: Record<string, string>;
}

const TYPES: Record<EnviDataType, { array: new (length: number) => NumericArray; name: string }> = {
  1: { array: Uint8Array, name: 'uint8' },
  2: { array: Int16Array, name: 'int16' },
  3: { array: Int32Array, name: 'int32' },
  4: { array: Float32Array, name: 'float32' },
  5: { array: Float64Array, name: 'float64' },
  12: { array: Uint16Array, name: 'uint16' },
  13: { array: Uint32Array, name: 'uint32' },
  14: { array: BigInt64Array, name: 'int64' },
  15: { array: BigUint64Array, name: 'uint64' },
};

function integerField(
  fields: Record<string, string>,
  key: string,
  source: string,
  fallback?: number,
): number {
  const raw = fields[key];
  if (raw === undefined) {
    if (fallback !== undefined) return fallback;
    throw new HsiFormatError(source, `ENVI header has no '${key}'`);
  }
  if (!/^\s*\d+\s*$/.test(raw))
    throw new HsiFormatError(source, `ENVI header '${key}' = '${raw}' is not a non-negative integer`);
  return Number(raw);
}

function listField(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const body = raw.trim().replace(/^\{/, '').replace(/\}$/, '');
  return body
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Parses ENVI header text ('ENVI' first line, `key = value`, `{...}` values over several lines). */
export function parseEnviHeader(text: string, source = 'ENVI header'): EnviHeader {
  if (typeof text !== 'string') throw new HsiFormatError(source, `expected header text, got ${typeof text}`);
  if (text.length > 1 << 24)
    throw new HsiFormatError(source, `header of ${text.length} characters is too long`);
  if (!/^\s*ENVI\b/.test(text))
    throw new HsiFormatError(source, "not an ENVI header (the first line must be 'ENVI')");
  const fields: Record<string, string> = {};
  const body = text.replace(/^\s*ENVI[^\n]*\n?/, '');
  let i = 0;
  while (i < body.length) {
    const eq = body.indexOf('=', i);
    if (eq < 0) break;
    const key = body.slice(i, eq).trim().toLowerCase();
    let j = eq + 1;
    while (j < body.length && (body[j] === ' ' || body[j] === '\t')) j++;
    let value: string;
    if (body[j] === '{') {
      const close = body.indexOf('}', j);
      if (close < 0) throw new HsiFormatError(source, `ENVI header '${key}': unclosed '{'`);
      value = body.slice(j, close + 1);
      i = close + 1;
      const nl = body.indexOf('\n', i);
      i = nl < 0 ? body.length : nl + 1;
    } else {
      const nl = body.indexOf('\n', j);
      value = body.slice(j, nl < 0 ? body.length : nl).trim();
      i = nl < 0 ? body.length : nl + 1;
    }
    if (key.includes('\n')) {
      // A line without '=' (comment or junk) before this key: keep only the last line as the key.
      fields[key.split('\n').pop()?.trim() ?? key] = value;
    } else fields[key] = value;
  }
  const dataType = integerField(fields, 'data type', source) as EnviDataType;
  if (dataType === (6 as number) || dataType === (9 as number)) {
    throw new HsiFormatError(
      source,
      `ENVI data type ${dataType} is complex: not supported (real data types 1, 2, 3, 4, 5, 12, 13, 14, 15)`,
    );
  }
  if (!Object.hasOwn(TYPES, dataType)) {
    throw new HsiFormatError(
      source,
      `unsupported ENVI data type ${dataType} (supported: 1, 2, 3, 4, 5, 12, 13, 14, 15)`,
    );
  }
  const interleave = (fields.interleave ?? 'bsq').trim().toLowerCase();
  if (interleave !== 'bsq' && interleave !== 'bil' && interleave !== 'bip') {
    throw new HsiFormatError(source, `ENVI interleave '${interleave}' is not bsq, bil or bip`);
  }
  const byteOrder = integerField(fields, 'byte order', source, 0);
  if (byteOrder !== 0 && byteOrder !== 1)
    throw new HsiFormatError(source, `ENVI byte order ${byteOrder} is not 0 or 1`);
  const header: EnviHeader = {
    samples: integerField(fields, 'samples', source),
    lines: integerField(fields, 'lines', source),
    bands: integerField(fields, 'bands', source),
    headerOffset: integerField(fields, 'header offset', source, 0),
    dataType,
    interleave,
    byteOrder,
    fields,
  };
  const wavelengths = listField(fields.wavelength);
  if (wavelengths) {
    const values = wavelengths.map(Number);
    if (values.some((v) => !Number.isFinite(v)))
      throw new HsiFormatError(source, 'ENVI wavelength list holds a value that is not a number');
    if (values.length !== header.bands) {
      throw new HsiFormatError(
        source,
        `ENVI wavelength list has ${values.length} values for ${header.bands} bands`,
      );
    }
    header.wavelengths = values;
  }
  if (fields['wavelength units']) header.wavelengthUnits = fields['wavelength units'].trim();
  const names = listField(fields['band names']);
  if (names) header.bandNames = names;
  if (fields.description) header.description = fields.description.replace(/^\{|\}$/g, '').trim();
  return header;
}

export interface EnviReadOptions extends ReadOptions {
  /** Value that maps to 1.0; overrides the header's `reflectance scale factor`. */
  scale?: number;
}

export interface EnviReadResult {
  cube: Cube;
  header: EnviHeader;
}

/**
 * Decodes ENVI raw data with its header (text). The data file must hold exactly `header offset` +
 * samples x lines x bands x element size bytes. Values become Float32 (int64 through Number) by the
 * package's rule for stored values (`applyValueScale`): divided by `options.scale`, else by the
 * header's `reflectance scale factor` (ENVI: the value that, divided into the data, gives 0..1
 * reflectance); integers with neither are used as stored and `cube.valueScale.note` says so.
 * Wavelengths, when listed, go to `cube.wavelengths` (converted to nm from micrometres when the units
 * say so).
 */
export function decodeEnvi(
  headerText: string,
  data: Uint8Array,
  options: EnviReadOptions = {},
): EnviReadResult {
  const source = options.source ?? 'ENVI';
  const header = parseEnviHeader(headerText, `${source} (header)`);
  if (!(data instanceof Uint8Array)) {
    throw new HsiFormatError(
      source,
      `expected a Uint8Array, got ${(data as object)?.constructor?.name ?? typeof data}`,
    );
  }
  const { samples: w, lines: h, bands: n, headerOffset } = header;
  const type = TYPES[header.dataType];
  const width = new type.array(0).BYTES_PER_ELEMENT;
  const count = checkDims(
    source,
    'ENVI cube',
    [h, w, n],
    Math.max(width, 4),
    options.maxBytes ?? DEFAULT_MAX_BYTES,
  );
  const needed = headerOffset + count * width;
  if (data.length !== needed) {
    throw new HsiFormatError(
      source,
      `${data.length < needed ? 'truncated' : 'sizes do not add up'}: ${w} samples x ${h} lines x ${n} bands of ${type.name} after a ${headerOffset}-byte offset need ${needed} bytes, the data file has ${data.length}`,
    );
  }
  const raw = new type.array(count);
  const rawBytes = new Uint8Array(raw.buffer);
  rawBytes.set(data.subarray(headerOffset, needed));
  if ((header.byteOrder === 0) !== hostLittleEndian) swapBytes(rawBytes, width);
  const cube = createCube([h, w, n]);
  const out = cube.data;
  const big = raw instanceof BigInt64Array || raw instanceof BigUint64Array;
  const get = big ? (i: number) => Number(raw[i]) : (i: number) => raw[i] as number;
  if (header.interleave === 'bip') {
    if (big) for (let i = 0; i < count; i++) out[i] = get(i);
    else out.set(raw as ArrayLike<number>);
  } else if (header.interleave === 'bsq') {
    for (let b = 0; b < n; b++) for (let p = 0; p < h * w; p++) out[p * n + b] = get(b * h * w + p);
  } else {
    for (let y = 0; y < h; y++)
      for (let b = 0; b < n; b++)
        for (let x = 0; x < w; x++) out[(y * w + x) * n + b] = get((y * n + b) * w + x);
  }
  const factor = header.fields['reflectance scale factor'];
  const field = "ENVI 'reflectance scale factor'";
  applyValueScale(cube, type.name, {
    scale: options.scale,
    declared:
      factor === undefined || options.scale !== undefined
        ? undefined
        : { scale: parseDeclaredScale(factor, field, `${source} (header)`), from: field },
    source,
  });
  if (header.wavelengths) {
    const micro = /^(micro|um|µm)/i.test(header.wavelengthUnits ?? '');
    cube.wavelengths = header.wavelengths.map((v) => (micro ? v * 1000 : v));
  }
  return { cube, header };
}

export interface EnviWriteOptions {
  interleave?: EnviInterleave;
  /** Default 4 (float32). Integer types round and clamp to their range. */
  dataType?: EnviDataType;
  /** 0 little-endian (default), 1 big-endian. */
  byteOrder?: 0 | 1;
  /** Zero bytes written before the data (default 0). */
  headerOffset?: number;
  description?: string;
  bandNames?: readonly string[];
}

const RANGES: Partial<Record<EnviDataType, [number, number]>> = {
  1: [0, 255],
  2: [-32768, 32767],
  3: [-2147483648, 2147483647],
  12: [0, 65535],
  13: [0, 4294967295],
  14: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  15: [0, Number.MAX_SAFE_INTEGER],
};

/** Encodes a cube as ENVI header text plus raw data bytes. Wavelengths (nm) are written when present. */
export function encodeEnvi(cube: Cube, options: EnviWriteOptions = {}): { header: string; data: Uint8Array } {
  assertCube(cube);
  const interleave = options.interleave ?? 'bsq';
  const dataType = options.dataType ?? 4;
  const byteOrder = options.byteOrder ?? 0;
  const offset = options.headerOffset ?? 0;
  if (!Object.hasOwn(TYPES, dataType)) throw new Error(`encodeEnvi: unsupported data type ${dataType}`);
  if (!['bsq', 'bil', 'bip'].includes(interleave))
    throw new Error(`encodeEnvi: interleave must be bsq, bil or bip, got ${interleave}`);
  if (!Number.isInteger(offset) || offset < 0)
    throw new Error(`encodeEnvi: headerOffset must be a non-negative integer, got ${offset}`);
  const [h, w, n] = cube.shape;
  const count = h * w * n;
  const raw = new TYPES[dataType].array(count);
  const range = RANGES[dataType];
  const convert = (v: number): number => {
    if (!range) return v;
    const r = Math.round(v);
    return Number.isNaN(r) ? 0 : Math.min(range[1], Math.max(range[0], r));
  };
  const big = raw instanceof BigInt64Array || raw instanceof BigUint64Array;
  const set = (i: number, v: number) => {
    if (big) (raw as BigInt64Array)[i] = BigInt(convert(v));
    else (raw as Float32Array)[i] = convert(v);
  };
  const src = cube.data;
  if (interleave === 'bip') for (let i = 0; i < count; i++) set(i, src[i]);
  else if (interleave === 'bsq')
    for (let b = 0; b < n; b++) for (let p = 0; p < h * w; p++) set(b * h * w + p, src[p * n + b]);
  else
    for (let y = 0; y < h; y++)
      for (let b = 0; b < n; b++)
        for (let x = 0; x < w; x++) set((y * n + b) * w + x, src[(y * w + x) * n + b]);
  const data = new Uint8Array(offset + raw.byteLength);
  const bytes = new Uint8Array(raw.buffer);
  if ((byteOrder === 0) !== hostLittleEndian) swapBytes(bytes, raw.BYTES_PER_ELEMENT);
  data.set(bytes, offset);
  const lines = [
    'ENVI',
    `description = {${(options.description ?? 'written by @s2cassi/hsi-io').replace(/[{}]/g, '')}}`,
    `samples = ${w}`,
    `lines = ${h}`,
    `bands = ${n}`,
    `header offset = ${offset}`,
    'file type = ENVI Standard',
    `data type = ${dataType}`,
    `interleave = ${interleave}`,
    `byte order = ${byteOrder}`,
  ];
  if (options.bandNames) {
    if (options.bandNames.length !== n)
      throw new Error(`encodeEnvi: ${options.bandNames.length} band names for ${n} bands`);
    lines.push(`band names = {${options.bandNames.map((s) => s.replace(/[{},]/g, ' ')).join(', ')}}`);
  }
  if (cube.wavelengths) {
    lines.push('wavelength units = Nanometers');
    lines.push(`wavelength = {${cube.wavelengths.join(', ')}}`);
  }
  return { header: `${lines.join('\n')}\n`, data };
}
