import { decode as decodePng, encode as encodePng } from 'fast-png';
import { crc32 } from './_zip';
import { inflateZlib } from './_zlib';
import { assertCube, type Cube, createCube } from './cube';
import { HsiFormatError } from './errors';
import { DEFAULT_MAX_BYTES, type ReadOptions } from './limits';
import { applyValueScale } from './value-scale';

/** One grey band image: row-major `data`, 8-bit (Uint8Array) or 16-bit (Uint16Array). */
export interface BandImage {
  width: number;
  height: number;
  bitDepth: 8 | 16;
  data: Uint8Array | Uint16Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * Walks the PNG chunks (lengths in bounds, CRCs correct, IHDR first, IEND present), checks the image size
 * against the limit and inflates the image data with a bound, all before the decoder allocates.
 */
interface PngLayout {
  width: number;
  height: number;
  depth: number;
  colourType: number;
  interlace: number;
  /** The inflated, still filtered scanlines. */
  raw: Uint8Array;
}

function validatePng(bytes: Uint8Array, source: string, maxBytes: number): PngLayout {
  if (bytes.length < 8 || !SIGNATURE.every((b, i) => bytes[i] === b)) {
    throw new HsiFormatError(
      source,
      bytes.length < 8 ? `truncated: ${bytes.length} bytes` : 'not a PNG file (wrong magic)',
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 8;
  let width = 0;
  let height = 0;
  let depth = 0;
  let colourType = 0;
  let interlace = 0;
  const idat: Uint8Array[] = [];
  let idatBytes = 0;
  let sawEnd = false;
  while (pos < bytes.length) {
    if (pos + 12 > bytes.length) throw new HsiFormatError(source, `truncated PNG chunk at byte ${pos}`);
    const length = view.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    if (length > 0x7fffffff || pos + 12 + length > bytes.length) {
      throw new HsiFormatError(
        source,
        `truncated: PNG chunk '${type}' at byte ${pos} claims ${length} bytes, ${bytes.length - pos - 12} left`,
      );
    }
    const stored = view.getUint32(pos + 8 + length);
    if (crc32(bytes.subarray(pos + 4, pos + 8 + length)) !== stored) {
      throw new HsiFormatError(source, `PNG chunk '${type}' at byte ${pos}: CRC mismatch (corrupted data)`);
    }
    if (pos === 8) {
      if (type !== 'IHDR' || length !== 13)
        throw new HsiFormatError(source, 'PNG does not start with a 13-byte IHDR chunk');
      width = view.getUint32(pos + 8);
      height = view.getUint32(pos + 12);
      depth = bytes[pos + 16];
      colourType = bytes[pos + 17];
      interlace = bytes[pos + 20];
      if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) {
        throw new HsiFormatError(source, `PNG dimensions ${width} x ${height} are invalid`);
      }
      if (
        !(colourType in CHANNELS) ||
        ![1, 2, 4, 8, 16].includes(depth) ||
        bytes[pos + 18] !== 0 ||
        bytes[pos + 19] !== 0 ||
        interlace > 1
      ) {
        throw new HsiFormatError(
          source,
          `PNG header invalid (bit depth ${depth}, colour type ${colourType}, interlace ${interlace})`,
        );
      }
      const decoded = width * height * CHANNELS[colourType] * (depth === 16 ? 2 : 1);
      if (decoded > maxBytes) {
        throw new HsiFormatError(
          source,
          `PNG of ${width} x ${height} needs ${decoded} bytes, more than the ${maxBytes}-byte limit`,
        );
      }
    } else if (type === 'IDAT') {
      idat.push(bytes.subarray(pos + 8, pos + 8 + length));
      idatBytes += length;
    } else if (type === 'IEND') {
      sawEnd = true;
      break;
    }
    pos += 12 + length;
  }
  if (!sawEnd) throw new HsiFormatError(source, 'truncated PNG: no IEND chunk');
  if (idat.length === 0) throw new HsiFormatError(source, 'PNG has no image data (IDAT)');
  const stream = new Uint8Array(idatBytes);
  let at = 0;
  for (const part of idat) {
    stream.set(part, at);
    at += part.length;
  }
  const rowBytes = Math.ceil((width * CHANNELS[colourType] * depth) / 8);
  // Interlaced images carry up to 7 passes, each row with a filter byte: bound generously.
  const raw = height * (rowBytes + 1) + (interlace ? 15 * (height + 8) + 2 * rowBytes : 0);
  const inflated = inflateZlib(stream, raw, source, 'PNG image data', interlace ? undefined : raw);
  if (!interlace && inflated.length !== height * (rowBytes + 1)) {
    throw new HsiFormatError(
      source,
      `PNG image data has ${inflated.length} bytes, ${width} x ${height} needs ${height * (rowBytes + 1)}`,
    );
  }
  return { width, height, depth, colourType, interlace, raw: inflated };
}

/**
 * Reverses the PNG scanline filters of a non-interlaced 8/16-bit image (in place, byte-wise as the
 * spec defines them) and returns the first channel of every pixel; throws for a non-grey colour pixel.
 */
function unfilterFirstChannel(layout: PngLayout, source: string): Uint8Array | Uint16Array {
  const { width, height, depth, colourType, raw } = layout;
  const channels = CHANNELS[colourType];
  const bpp = channels * (depth / 8);
  const rowBytes = width * bpp;
  const out = depth === 16 ? new Uint16Array(width * height) : new Uint8Array(width * height);
  const colour = channels >= 3;
  let previous = -1;
  for (let y = 0; y < height; y++) {
    const start = y * (rowBytes + 1);
    const filter = raw[start];
    const row = start + 1;
    if (filter > 4) throw new HsiFormatError(source, `PNG row ${y} has an invalid filter type ${filter}`);
    if (filter === 1) {
      for (let i = bpp; i < rowBytes; i++) raw[row + i] = (raw[row + i] + raw[row + i - bpp]) & 0xff;
    } else if (filter === 2 && previous >= 0) {
      for (let i = 0; i < rowBytes; i++) raw[row + i] = (raw[row + i] + raw[previous + i]) & 0xff;
    } else if (filter === 3) {
      for (let i = 0; i < rowBytes; i++) {
        const left = i >= bpp ? raw[row + i - bpp] : 0;
        const up = previous >= 0 ? raw[previous + i] : 0;
        raw[row + i] = (raw[row + i] + ((left + up) >> 1)) & 0xff;
      }
    } else if (filter === 4) {
      for (let i = 0; i < rowBytes; i++) {
        const a = i >= bpp ? raw[row + i - bpp] : 0;
        const b = previous >= 0 ? raw[previous + i] : 0;
        const c = i >= bpp && previous >= 0 ? raw[previous + i - bpp] : 0;
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        raw[row + i] = (raw[row + i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 0xff;
      }
    }
    const base = y * width;
    if (depth === 16) {
      for (let x = 0; x < width; x++) {
        const at = row + x * bpp;
        const v = (raw[at] << 8) | raw[at + 1];
        if (
          colour &&
          (((raw[at + 2] << 8) | raw[at + 3]) !== v || ((raw[at + 4] << 8) | raw[at + 5]) !== v)
        ) {
          throw new HsiFormatError(
            source,
            `colour PNG (pixel ${base + x} is not grey): a band image must be greyscale`,
          );
        }
        out[base + x] = v;
      }
    } else {
      for (let x = 0; x < width; x++) {
        const at = row + x * bpp;
        const v = raw[at];
        if (colour && (raw[at + 1] !== v || raw[at + 2] !== v)) {
          throw new HsiFormatError(
            source,
            `colour PNG (pixel ${base + x} is not grey): a band image must be greyscale`,
          );
        }
        out[base + x] = v;
      }
    }
    previous = row;
  }
  return out;
}

/**
 * Decodes one band PNG: 8- or 16-bit greyscale (grey+alpha drops the alpha; RGB is accepted only when
 * R = G = B; 1/2/4-bit and palette images are refused). The file is validated (chunk CRCs, sizes,
 * bounded inflate with its Adler-32 checked) before decoding; non-interlaced images are unfiltered
 * here, interlaced ones decoded by fast-png.
 */
export function decodeBandPng(bytes: Uint8Array, options: ReadOptions = {}): BandImage {
  const source = options.source ?? 'PNG';
  if (!(bytes instanceof Uint8Array)) {
    throw new HsiFormatError(
      source,
      `expected a Uint8Array, got ${(bytes as object)?.constructor?.name ?? typeof bytes}`,
    );
  }
  const layout = validatePng(bytes, source, options.maxBytes ?? DEFAULT_MAX_BYTES);
  if (layout.colourType === 3)
    throw new HsiFormatError(source, 'palette PNGs are not band images (expected greyscale)');
  if (layout.depth < 8) {
    throw new HsiFormatError(source, `${layout.depth}-bit PNGs are not supported (8 or 16 bits per sample)`);
  }
  if (!layout.interlace) {
    // Common case: our own unfiltering of the already inflated (and checksum-verified) data.
    const data = unfilterFirstChannel(layout, source);
    return { width: layout.width, height: layout.height, bitDepth: layout.depth === 16 ? 16 : 8, data };
  }
  let png: ReturnType<typeof decodePng>;
  try {
    png = decodePng(bytes);
  } catch (error) {
    throw new HsiFormatError(source, `PNG decoder: ${(error as Error).message}`);
  }
  const { width, height, channels } = png;
  const depth = png.depth === 16 ? 16 : 8;
  if (png.palette) throw new HsiFormatError(source, 'palette PNGs are not band images (expected greyscale)');
  const count = width * height;
  let data = png.data as Uint8Array | Uint16Array;
  if (data.length !== count * channels) {
    throw new HsiFormatError(
      source,
      `PNG decoder returned ${data.length} samples, ${width} x ${height} x ${channels} expected`,
    );
  }
  if (png.depth < 8) {
    // fast-png keeps low bit depths packed; unpack and scale to 8 bits.
    throw new HsiFormatError(source, `${png.depth}-bit PNGs are not supported (8 or 16 bits per sample)`);
  }
  if (channels > 1) {
    const grey = depth === 16 ? new Uint16Array(count) : new Uint8Array(count);
    const colour = channels >= 3;
    for (let p = 0; p < count; p++) {
      const r = data[p * channels];
      if (colour && (data[p * channels + 1] !== r || data[p * channels + 2] !== r)) {
        throw new HsiFormatError(
          source,
          `colour PNG (pixel ${p} is not grey): a band image must be greyscale`,
        );
      }
      grey[p] = r;
    }
    data = grey;
  } else data = depth === 16 ? new Uint16Array(data as Uint16Array) : new Uint8Array(data as Uint8Array);
  return { width, height, bitDepth: depth, data };
}

/** Encodes one band as a greyscale PNG (8-bit for Uint8Array data, 16-bit for Uint16Array). */
export function encodeBandPng(band: BandImage): Uint8Array {
  const { width, height, data } = band;
  const bitDepth = data instanceof Uint16Array ? 16 : 8;
  if (!(data instanceof Uint8Array || data instanceof Uint16Array))
    throw new Error('encodeBandPng: expected Uint8Array or Uint16Array data');
  if (
    !Number.isInteger(width) ||
    !Number.isInteger(height) ||
    width < 1 ||
    height < 1 ||
    data.length !== width * height
  ) {
    throw new Error(
      `encodeBandPng: ${width} x ${height} needs ${width * height} samples, got ${data.length}`,
    );
  }
  return encodePng({ width, height, data, depth: bitDepth, channels: 1 });
}

export interface BandStackReadOptions extends ReadOptions {
  /** Value that maps to 1.0 (default 2^bitDepth - 1: 255 or 65535; CAVE simulation pipelines use 65536). */
  scale?: number;
  /** Band centres in nm for the cube. */
  wavelengths?: readonly number[];
  /** Per-band sources for error messages (file names). */
  sources?: readonly string[];
}

/**
 * Builds a cube from one greyscale PNG per band (band order = array order), dividing by `scale`
 * (default the PNG range 2^bits - 1, by the package's rule for stored values, `applyValueScale`).
 * All bands must have the same size and bit depth.
 */
export function cubeFromBandPngs(pngs: readonly Uint8Array[], options: BandStackReadOptions = {}): Cube {
  if (!Array.isArray(pngs) || pngs.length === 0)
    throw new HsiFormatError(options.source ?? 'PNG stack', 'expected at least one band PNG');
  const n = pngs.length;
  let cube: Cube | undefined;
  let first: BandImage | undefined;
  for (let b = 0; b < n; b++) {
    const source = options.sources?.[b] ?? `${options.source ?? 'PNG stack'} band ${b + 1}`;
    const band = decodeBandPng(pngs[b], { source, maxBytes: options.maxBytes });
    if (!first || !cube) {
      first = band;
      const bytes = band.width * band.height * n * 4;
      const limit = options.maxBytes ?? DEFAULT_MAX_BYTES;
      if (bytes > limit)
        throw new HsiFormatError(
          source,
          `cube of ${band.height} x ${band.width} x ${n} needs ${bytes} bytes, above the ${limit}-byte limit`,
        );
      cube = createCube([band.height, band.width, n], undefined, options.wavelengths);
    } else if (
      band.width !== first.width ||
      band.height !== first.height ||
      band.bitDepth !== first.bitDepth
    ) {
      throw new HsiFormatError(
        source,
        `band is ${band.width} x ${band.height} (${band.bitDepth}-bit), band 1 is ${first.width} x ${first.height} (${first.bitDepth}-bit)`,
      );
    }
    const out = cube.data;
    const data = band.data;
    for (let p = 0; p < data.length; p++) out[p * n + b] = data[p];
  }
  const bits = (first as BandImage).bitDepth;
  return applyValueScale(cube as Cube, `uint${bits}`, {
    scale: options.scale,
    declared: { scale: 2 ** bits - 1, from: `the ${bits}-bit PNG range` },
    source: options.source ?? 'PNG stack',
  });
}

export interface BandStackWriteOptions {
  /** 8 or 16 (default 16). */
  bitDepth?: 8 | 16;
  /** Value that 1.0 maps to (default 2^bitDepth - 1). Values are rounded and clamped to the range. */
  scale?: number;
}

/** Encodes every band of a cube as a greyscale PNG (value * scale, rounded, clamped). */
export function cubeToBandPngs(cube: Cube, options: BandStackWriteOptions = {}): Uint8Array[] {
  assertCube(cube);
  const bitDepth = options.bitDepth ?? 16;
  if (bitDepth !== 8 && bitDepth !== 16)
    throw new Error(`cubeToBandPngs: bitDepth must be 8 or 16, got ${bitDepth}`);
  const top = bitDepth === 16 ? 65535 : 255;
  const scale = options.scale ?? top;
  const [h, w, n] = cube.shape;
  const out: Uint8Array[] = [];
  for (let b = 0; b < n; b++) {
    const data = bitDepth === 16 ? new Uint16Array(h * w) : new Uint8Array(h * w);
    for (let p = 0; p < h * w; p++) {
      const v = Math.round(cube.data[p * n + b] * scale);
      data[p] = v < 0 || Number.isNaN(v) ? 0 : Math.min(v, top);
    }
    out.push(encodeBandPng({ width: w, height: h, bitDepth, data }));
  }
  return out;
}
