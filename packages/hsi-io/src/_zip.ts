import { zipSync } from 'fflate';
import { inflateRaw } from './_zlib';
import { HsiFormatError } from './errors';

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE, as in zip and PNG). */
export function crc32(bytes: Uint8Array, start = 0xffffffff): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = start;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  crc: number;
  localOffset: number;
}

/** Parses a zip's central directory (zip64 sizes included); validates every offset against the buffer. */
export function listZip(bytes: Uint8Array, source: string): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 22)
    throw new HsiFormatError(source, `truncated: ${bytes.length} bytes, a zip file has at least 22`);
  if (view.getUint32(0, true) !== 0x04034b50 && view.getUint32(0, true) !== 0x06054b50) {
    throw new HsiFormatError(source, 'not a zip archive (wrong magic, expected PK\\x03\\x04)');
  }
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new HsiFormatError(source, 'truncated zip archive: no end-of-central-directory record');
  let count = view.getUint16(eocd + 10, true);
  let dirSize = view.getUint32(eocd + 12, true);
  let dirOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || dirOffset === 0xffffffff || dirSize === 0xffffffff) {
    const locator = eocd - 20;
    if (locator < 0 || view.getUint32(locator, true) !== 0x07064b50)
      throw new HsiFormatError(source, 'zip64 archive without a zip64 locator');
    const record = Number(view.getBigUint64(locator + 8, true));
    if (record + 56 > bytes.length || view.getUint32(record, true) !== 0x06064b50)
      throw new HsiFormatError(source, 'zip64 end record out of range');
    count = Number(view.getBigUint64(record + 32, true));
    dirSize = Number(view.getBigUint64(record + 40, true));
    dirOffset = Number(view.getBigUint64(record + 48, true));
  }
  if (dirOffset + dirSize > bytes.length) {
    throw new HsiFormatError(
      source,
      `truncated zip archive: central directory at ${dirOffset}+${dirSize} beyond ${bytes.length} bytes`,
    );
  }
  if (count > dirSize / 46)
    throw new HsiFormatError(source, `zip directory claims ${count} entries in ${dirSize} bytes`);
  const entries: ZipEntry[] = [];
  let p = dirOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > dirOffset + dirSize || view.getUint32(p, true) !== 0x02014b50) {
      throw new HsiFormatError(source, `zip central directory entry ${i} is corrupted`);
    }
    const method = view.getUint16(p + 10, true);
    const crc = view.getUint32(p + 16, true);
    let compressedSize = view.getUint32(p + 20, true);
    let size = view.getUint32(p + 24, true);
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    let localOffset = view.getUint32(p + 42, true);
    const end = p + 46 + nameLength + extraLength + commentLength;
    if (end > dirOffset + dirSize)
      throw new HsiFormatError(source, `zip central directory entry ${i} overruns the directory`);
    const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLength));
    // zip64 extra field: the sizes/offset that are 0xffffffff, in this order.
    let e = p + 46 + nameLength;
    while (e + 4 <= p + 46 + nameLength + extraLength) {
      const id = view.getUint16(e, true);
      const len = view.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        const take = () => {
          if (q + 8 > e + 4 + len)
            throw new HsiFormatError(source, `zip64 extra field of '${name}' too short`);
          const v = Number(view.getBigUint64(q, true));
          q += 8;
          return v;
        };
        if (size === 0xffffffff) size = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localOffset === 0xffffffff) localOffset = take();
      }
      e += 4 + len;
    }
    entries.push({ name, method, compressedSize, size, crc, localOffset });
    p = end;
  }
  return entries;
}

/** Extracts one entry (stored or deflated), refusing sizes above `maxBytes`, checking its CRC-32. */
export function readZipEntry(
  bytes: Uint8Array,
  entry: ZipEntry,
  maxBytes: number,
  source: string,
): Uint8Array {
  const what = `zip entry '${entry.name}'`;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localOffset;
  if (at + 30 > bytes.length || view.getUint32(at, true) !== 0x04034b50) {
    throw new HsiFormatError(source, `${what}: local header at ${at} missing or truncated`);
  }
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  if (start + entry.compressedSize > bytes.length) {
    throw new HsiFormatError(
      source,
      `${what}: truncated (${entry.compressedSize} bytes announced at ${start}, file has ${bytes.length})`,
    );
  }
  if (entry.size > maxBytes)
    throw new HsiFormatError(source, `${what}: ${entry.size} bytes exceed the ${maxBytes}-byte limit`);
  const raw = bytes.subarray(start, start + entry.compressedSize);
  let data: Uint8Array;
  if (entry.method === 0) data = raw;
  else if (entry.method === 8) data = inflateRaw(raw, entry.size, source, what, true);
  else
    throw new HsiFormatError(
      source,
      `${what}: compression method ${entry.method} not supported (stored or deflate only)`,
    );
  if (data.length !== entry.size)
    throw new HsiFormatError(source, `${what}: ${data.length} bytes, the directory says ${entry.size}`);
  if (crc32(data) !== entry.crc)
    throw new HsiFormatError(source, `${what}: CRC-32 mismatch (corrupted data)`);
  return data;
}

/** Writes a zip archive (stored, or deflated at level 6 when `compress`). */
export function writeZip(files: Record<string, Uint8Array>, compress: boolean): Uint8Array {
  const input: Record<string, [Uint8Array, { level: 0 | 6 }]> = {};
  for (const [name, data] of Object.entries(files)) input[name] = [data, { level: compress ? 6 : 0 }];
  // A fixed timestamp keeps archives reproducible.
  return zipSync(input, { mtime: new Date(Date.UTC(2020, 0, 1)) });
}
