import { listZip, readZipEntry, writeZip } from './_zip';
import { HsiFormatError } from './errors';
import { DEFAULT_MAX_BYTES, type ReadOptions } from './limits';
import { decodeNpy, encodeNpy, type NpyArray, type NpyWriteOptions } from './npy';

export interface NpzReadOptions extends ReadOptions {
  /** Decode only these arrays (names without '.npy'); the others are not inflated. */
  keys?: readonly string[];
}

/**
 * Decodes a NumPy .npz archive (np.savez stored or np.savez_compressed deflated; zip64 headers as numpy
 * writes them). Keys are the member names without '.npy'. Each member is checked like a .npy file, its
 * size against `maxBytes` and its CRC-32.
 */
export function decodeNpz(bytes: Uint8Array, options: NpzReadOptions = {}): Record<string, NpyArray> {
  const source = options.source ?? '.npz';
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!(bytes instanceof Uint8Array)) {
    throw new HsiFormatError(
      source,
      `expected a Uint8Array, got ${(bytes as object)?.constructor?.name ?? typeof bytes}`,
    );
  }
  const entries = listZip(bytes, source);
  const out: Record<string, NpyArray> = {};
  const wanted = options.keys ? new Set(options.keys) : undefined;
  for (const entry of entries) {
    if (entry.name.endsWith('/')) continue;
    const key = entry.name.replace(/\.npy$/, '');
    if (wanted && !wanted.has(key)) continue;
    const member = readZipEntry(bytes, entry, maxBytes + (1 << 20), source);
    out[key] = decodeNpy(member, { source: `${source}[${entry.name}]`, maxBytes });
  }
  if (wanted)
    for (const key of wanted)
      if (!Object.hasOwn(out, key))
        throw new HsiFormatError(
          source,
          `no array '${key}' in the archive (arrays: ${entries.map((e) => e.name.replace(/\.npy$/, '')).join(', ')})`,
        );
  return out;
}

/** Lists the array names of an .npz archive without inflating anything. */
export function listNpzKeys(bytes: Uint8Array, options: ReadOptions = {}): string[] {
  return listZip(bytes, options.source ?? '.npz')
    .filter((e) => !e.name.endsWith('/'))
    .map((e) => e.name.replace(/\.npy$/, ''));
}

/**
 * Encodes arrays as an .npz archive: stored (like np.savez) or deflated with `compress: true` (like
 * np.savez_compressed). Options other than `compress` apply to every member.
 */
export function encodeNpz(
  arrays: Record<string, { data: NpyArray['data']; shape: readonly number[]; dtype?: NpyArray['dtype'] }>,
  options: NpyWriteOptions & { compress?: boolean } = {},
): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  for (const [name, array] of Object.entries(arrays)) {
    if (name.length === 0 || name.includes('/'))
      throw new Error(`encodeNpz: array name '${name}' must be non-empty and without '/'`);
    files[`${name}.npy`] = encodeNpy(array, options);
  }
  return writeZip(files, options.compress ?? false);
}
