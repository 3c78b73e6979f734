import { convertIndexedToRgb, decode, encode } from 'fast-png';
import { describeValue, HsiRenderInputError } from './_validate';
import type { RgbaImage } from './cube';

/** Largest PNG side accepted by decodePng (a hostile header cannot make it allocate gigabytes). */
const MAX_SIDE = 32768;
const MAX_PIXELS = 2 ** 26;

/** PNG bytes (8-bit RGBA, zlib-compressed by fast-png) of an RGBA picture. Works in Node and the browser. */
export function encodePng(image: RgbaImage): Uint8Array {
  const { width, height } = image ?? ({} as RgbaImage);
  const data = (image as { data?: unknown } | undefined)?.data as Uint8Array | undefined;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new HsiRenderInputError(
      `encodePng: expected positive integer width and height, got ${describeValue(width)} x ${describeValue(height)}`,
    );
  }
  if (
    !(data instanceof Uint8ClampedArray || data instanceof Uint8Array) ||
    data.length !== width * height * 4
  ) {
    throw new HsiRenderInputError(
      `encodePng: expected ${width * height * 4} RGBA bytes (Uint8ClampedArray) for ${width} x ${height}, got ${describeValue(data)}${data?.length !== undefined ? ` of length ${data.length}` : ''}`,
    );
  }
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.length);
  return encode({ width, height, data: bytes, channels: 4, depth: 8 });
}

/**
 * Decodes a PNG (any colour type fast-png reads: grey, grey + alpha, RGB, RGBA, palette; 1..16 bits) into
 * 8-bit RGBA; 16-bit samples are rounded to 8 bits. Chunk CRCs are checked: bad, bit-flipped or truncated
 * data throw an error.
 */
export function decodePng(bytes: Uint8Array | ArrayBuffer): RgbaImage {
  if (!(bytes instanceof Uint8Array) && !(bytes instanceof ArrayBuffer)) {
    throw new HsiRenderInputError(
      `decodePng: expected PNG bytes (Uint8Array or ArrayBuffer), got ${describeValue(bytes)}`,
    );
  }
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const signature = [137, 80, 78, 71, 13, 10, 26, 10];
  if (view.length < 33 || signature.some((b, i) => view[i] !== b)) {
    throw new HsiRenderInputError(
      'decodePng: expected a PNG file (8-byte PNG signature and IHDR), got other bytes',
    );
  }
  const width = ((view[16] << 24) | (view[17] << 16) | (view[18] << 8) | view[19]) >>> 0;
  const height = ((view[20] << 24) | (view[21] << 16) | (view[22] << 8) | view[23]) >>> 0;
  if (width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE || width * height > MAX_PIXELS) {
    throw new HsiRenderInputError(
      `decodePng: expected at most ${MAX_SIDE} px a side and ${MAX_PIXELS} pixels, header says ${width} x ${height}`,
    );
  }
  let png: ReturnType<typeof decode>;
  try {
    png = decode(view, { checkCrc: true });
  } catch (error) {
    throw new HsiRenderInputError(`decodePng: could not decode the PNG: ${(error as Error).message}`);
  }
  const pixels = png.width * png.height;
  let samples: ArrayLike<number> = png.data;
  let channels = png.channels;
  let maxValue = 2 ** png.depth - 1;
  if (png.palette) {
    samples = convertIndexedToRgb(png);
    channels = png.palette[0]?.length ?? 3;
    maxValue = 255;
  } else if (png.depth < 8) {
    // Grey at 1, 2 or 4 bits: fast-png leaves the rows packed (each row starts on a byte boundary).
    const unpacked = new Uint8Array(pixels);
    const rowBytes = Math.ceil((png.width * png.depth) / 8);
    const perByte = 8 / png.depth;
    for (let y = 0; y < png.height; y++)
      for (let x = 0; x < png.width; x++) {
        const byte = png.data[y * rowBytes + Math.floor(x / perByte)];
        const shift = 8 - png.depth * ((x % perByte) + 1);
        unpacked[y * png.width + x] = (byte >> shift) & maxValue;
      }
    samples = unpacked;
  }
  if (samples.length < pixels * channels) {
    throw new HsiRenderInputError(
      `decodePng: expected ${pixels * channels} samples, decoded ${samples.length}`,
    );
  }
  const to8 = maxValue === 255 ? (v: number) => v : (v: number) => Math.round((v * 255) / maxValue);
  const out = new Uint8ClampedArray(pixels * 4);
  for (let p = 0; p < pixels; p++) {
    const o = p * 4;
    const s = p * channels;
    if (channels <= 2) {
      const grey = to8(samples[s]);
      out[o] = grey;
      out[o + 1] = grey;
      out[o + 2] = grey;
      out[o + 3] = channels === 2 ? to8(samples[s + 1]) : 255;
    } else {
      out[o] = to8(samples[s]);
      out[o + 1] = to8(samples[s + 1]);
      out[o + 2] = to8(samples[s + 2]);
      out[o + 3] = channels === 4 ? to8(samples[s + 3]) : 255;
    }
  }
  return { data: out, width: png.width, height: png.height };
}
