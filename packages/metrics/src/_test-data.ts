// Test-only readers for the shared real data (never exported from index.ts): 16/8-bit grey PNGs
// (CAVE bands) and 2-D numeric MAT v5 arrays (real CASSI measurements), enough for the NIQE tests.
import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';

/** A grey PNG (bit depth 8 or 16, not interlaced) as row-major values (0..255 or 0..65535). */
export function readGreyPng(path: string): {
  data: Float64Array;
  height: number;
  width: number;
  bitDepth: number;
} {
  const file = readFileSync(path);
  if (file.readUInt32BE(0) !== 0x89504e47) throw new Error(`${path}: not a PNG`);
  let offset = 8;
  let width = 0;
  let height = 0;
  let bitDepth = 0;
  const idat: Buffer[] = [];
  while (offset < file.length) {
    const length = file.readUInt32BE(offset);
    const type = file.toString('latin1', offset + 4, offset + 8);
    const body = file.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      bitDepth = body[8];
      if (body[9] !== 0 || body[12] !== 0 || (bitDepth !== 8 && bitDepth !== 16)) {
        throw new Error(`${path}: only non-interlaced 8/16-bit grey PNGs are supported`);
      }
    } else if (type === 'IDAT') {
      idat.push(body);
    } else if (type === 'IEND') {
      break;
    }
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const bpp = bitDepth / 8;
  const stride = width * bpp;
  const pixels = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = y * stride;
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? pixels[out + i - bpp] : 0;
      const b = y > 0 ? pixels[out - stride + i] : 0;
      const c = i >= bpp && y > 0 ? pixels[out - stride + i - bpp] : 0;
      let v = line[i];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      pixels[out + i] = v & 0xff;
    }
  }
  const data = new Float64Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = bpp === 2 ? pixels.readUInt16BE(2 * i) : pixels[i];
  return { data, height, width, bitDepth };
}

const MAT_TYPES: Record<number, [number, (b: Buffer, o: number) => number]> = {
  1: [1, (b, o) => b.readInt8(o)],
  2: [1, (b, o) => b.readUInt8(o)],
  3: [2, (b, o) => b.readInt16LE(o)],
  4: [2, (b, o) => b.readUInt16LE(o)],
  5: [4, (b, o) => b.readInt32LE(o)],
  6: [4, (b, o) => b.readUInt32LE(o)],
  7: [4, (b, o) => b.readFloatLE(o)],
  9: [8, (b, o) => b.readDoubleLE(o)],
};

/** Reads a data-element tag (including the small-element form) at `offset`. */
function tag(buffer: Buffer, offset: number): { type: number; size: number; data: number; next: number } {
  const first = buffer.readUInt32LE(offset);
  if (first >>> 16 !== 0) {
    return { type: first & 0xffff, size: first >>> 16, data: offset + 4, next: offset + 8 };
  }
  const size = buffer.readUInt32LE(offset + 4);
  return { type: first, size, data: offset + 8, next: offset + 8 + Math.ceil(size / 8) * 8 };
}

/** A real 2-D numeric variable of a little-endian MAT v5 file, converted to row-major float64. */
export function readMat2d(path: string, name: string): { data: Float64Array; height: number; width: number } {
  const file = readFileSync(path);
  let offset = 128;
  while (offset < file.length) {
    const outer = tag(file, offset);
    let element = file.subarray(outer.data, outer.data + outer.size);
    // Compressed elements are not padded to 8 bytes.
    if (outer.type === 15) outer.next = outer.data + outer.size;
    if (outer.type === 15) element = inflateSync(element);
    else if (outer.type !== 14) {
      offset = outer.next;
      continue;
    }
    const matrix = tag(element, 0);
    if (matrix.type === 14) {
      let o = matrix.data;
      const flags = tag(element, o);
      o = flags.next;
      const dims = tag(element, o);
      o = dims.next;
      const nameTag = tag(element, o);
      const varName = element.toString('latin1', nameTag.data, nameTag.data + nameTag.size);
      o = nameTag.next;
      if (varName === name) {
        const height = element.readInt32LE(dims.data);
        const width = element.readInt32LE(dims.data + 4);
        if (dims.size !== 8) throw new Error(`${path}: ${name} is not 2-D`);
        const real = tag(element, o);
        const kind = MAT_TYPES[real.type];
        if (!kind) throw new Error(`${path}: unsupported MAT data type ${real.type}`);
        const data = new Float64Array(height * width);
        // Column-major on disk: element (r, c) at c * height + r.
        for (let c = 0; c < width; c++) {
          for (let r = 0; r < height; r++)
            data[r * width + c] = kind[1](element, real.data + (c * height + r) * kind[0]);
        }
        return { data, height, width };
      }
    }
    offset = outer.next;
  }
  throw new Error(`${path}: variable ${name} not found`);
}
