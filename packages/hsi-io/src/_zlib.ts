import { Inflate, inflateSync, zlibSync } from 'fflate';
import { HsiFormatError } from './errors';

/** Adler-32 checksum (RFC 1950). */
export function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  const n = bytes.length;
  for (let i = 0; i < n; ) {
    const end = Math.min(i + 5552, n);
    for (; i < end; i++) {
      a += bytes[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

function checkZlibHeader(bytes: Uint8Array, source: string, what: string): void {
  if (bytes.length < 6) {
    throw new HsiFormatError(source, `${what}: truncated zlib stream (${bytes.length} bytes)`);
  }
  const cmf = bytes[0];
  const flg = bytes[1];
  if ((cmf & 0x0f) !== 8 || cmf >> 4 > 7) {
    throw new HsiFormatError(source, `${what}: not a zlib stream (header bytes ${cmf}, ${flg})`);
  }
  if (((cmf << 8) | flg) % 31 !== 0) {
    throw new HsiFormatError(source, `${what}: zlib header check failed`);
  }
  if (flg & 0x20) throw new HsiFormatError(source, `${what}: zlib preset dictionaries are not supported`);
}

const CHUNK = 1 << 16;

/**
 * Inflates a complete zlib stream, refusing output beyond `maxBytes` (checked while inflating, so a
 * zip bomb stops early) and verifying the Adler-32 trailer.
 */
export function inflateZlib(
  bytes: Uint8Array,
  maxBytes: number,
  source: string,
  what: string,
  exactSize?: number,
): Uint8Array {
  checkZlibHeader(bytes, source, what);
  const body = bytes.subarray(2, bytes.length - 4);
  let out: Uint8Array;
  if (exactSize !== undefined && exactSize <= maxBytes) {
    // Known size: one-shot inflate into a buffer one byte larger (fflate stops at the buffer's end, so
    // a longer stream shows up as a full buffer, never as a bigger allocation).
    try {
      out = inflateSync(body, { out: new Uint8Array(exactSize + 1) });
    } catch (error) {
      throw new HsiFormatError(
        source,
        `${what}: corrupted or truncated compressed data (${(error as Error).message})`,
      );
    }
    if (out.length !== exactSize) {
      throw new HsiFormatError(
        source,
        `${what}: decompresses to ${out.length > exactSize ? 'more than' : out.length} bytes, expected ${exactSize}`,
      );
    }
  } else out = inflateRaw(body, maxBytes, source, what, true);
  const t = bytes.length - 4;
  const expected = ((bytes[t] << 24) | (bytes[t + 1] << 16) | (bytes[t + 2] << 8) | bytes[t + 3]) >>> 0;
  if (adler32(out) !== expected) {
    throw new HsiFormatError(source, `${what}: zlib checksum mismatch (corrupted data)`);
  }
  return out;
}

/** Inflates raw DEFLATE data with an output limit. With `complete`, a stream that does not end is an error. */
export function inflateRaw(
  bytes: Uint8Array,
  maxBytes: number,
  source: string,
  what: string,
  complete = true,
): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let ended = false;
  const inflater = new Inflate((data, final) => {
    total += data.length;
    if (total > maxBytes) {
      throw new HsiFormatError(source, `${what}: decompresses to more than the ${maxBytes}-byte limit`);
    }
    chunks.push(data);
    if (final) ended = true;
  });
  try {
    for (let i = 0; i < bytes.length; i += CHUNK) {
      const last = i + CHUNK >= bytes.length;
      inflater.push(bytes.subarray(i, Math.min(i + CHUNK, bytes.length)), last && complete);
    }
    if (bytes.length === 0) inflater.push(new Uint8Array(0), complete);
  } catch (error) {
    if (error instanceof HsiFormatError) throw error;
    throw new HsiFormatError(source, `${what}: corrupted compressed data (${(error as Error).message})`);
  }
  if (complete && !ended) throw new HsiFormatError(source, `${what}: truncated compressed data`);
  return concat(chunks, total);
}

/**
 * Inflates only the start of a zlib stream: at least `wanted` bytes when the stream has them (fewer
 * only when it is shorter). Nothing beyond what is needed is decompressed.
 */
export function inflateZlibPrefix(
  bytes: Uint8Array,
  wanted: number,
  source: string,
  what: string,
): Uint8Array {
  checkZlibHeader(bytes, source, what);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const inflater = new Inflate((data) => {
    chunks.push(data);
    total += data.length;
  });
  const body = bytes.subarray(2, bytes.length - 4);
  const step = 256;
  try {
    for (let i = 0; i < body.length && total < wanted; i += step) {
      inflater.push(body.subarray(i, Math.min(i + step, body.length)), false);
    }
  } catch (error) {
    throw new HsiFormatError(source, `${what}: corrupted compressed data (${(error as Error).message})`);
  }
  return concat(chunks, total);
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** zlib-compresses (level 6 by default). */
export function deflateZlib(bytes: Uint8Array, level: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 = 6): Uint8Array {
  return zlibSync(bytes, { level });
}
