import { open, readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import {
  decodeBandPng,
  decodeMatAsync,
  decodeNpy,
  decodeNpz,
  decodeSafetensors,
  isMatV73,
  listMatVariables,
  parseDeclaredScale,
  parseEnviHeader,
  safetensorToFloat32,
} from '@s2cassi/hsi-io';
import { listBandPngs, readCubeFile } from '@s2cassi/hsi-io/node';
import { UsageError } from './errors';

export interface VariableInfo {
  name: string;
  shape: number[];
  dtype: string;
  /** Row-major [H, W, N] unless noted (MAT: MATLAB's column-major H x W x N). */
  layout?: string;
  min?: number;
  max?: number;
  mean?: number;
  note?: string;
}

export interface FileInfo {
  path: string;
  format: string;
  bytes: number;
  variables: VariableInfo[];
  wavelengths?: number[];
  metadata?: Record<string, string>;
}

function range(data: ArrayLike<number | bigint>): { min: number; max: number; mean: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (let i = 0; i < data.length; i++) {
    const v = Number(data[i]);
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { min, max, mean: data.length ? sum / data.length : Number.NaN };
}

async function readHead(path: string, length: number): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buffer = new Uint8Array(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** The .npy header alone: dtype, shape, order (reads at most 64 KiB). */
async function npyHeader(path: string): Promise<{ dtype: string; shape: number[]; fortran: boolean }> {
  const head = await readHead(path, 65536);
  const magic = String.fromCharCode(...head.subarray(1, 6));
  if (head[0] !== 0x93 || magic !== 'NUMPY')
    throw new UsageError(`${path}: not a .npy file (no \\x93NUMPY magic)`);
  const major = head[6];
  const length =
    major === 1 ? head[8] | (head[9] << 8) : new DataView(head.buffer, head.byteOffset).getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const text = new TextDecoder().decode(head.subarray(start, start + length));
  const dtype = /'descr':\s*'([^']+)'/.exec(text)?.[1] ?? '?';
  const fortran = /'fortran_order':\s*True/.test(text);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(text)?.[1] ?? '';
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  return { dtype, shape, fortran };
}

/**
 * What a file holds: format, variables with shapes and dtypes, value ranges (unless `ranges` is false:
 * then only headers are read where the format allows), wavelengths when recorded.
 */
export async function fileInfo(path: string, ranges: boolean, key?: string): Promise<FileInfo> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new UsageError(`${path} does not exist: check the path`);
  if (info.isDirectory()) {
    const files = await listBandPngs(path).catch((error) => {
      throw new UsageError(`${path} is a folder but not a stack of band PNGs: ${(error as Error).message}`);
    });
    const first = decodeBandPng(new Uint8Array(await readFile(files[0])), { source: files[0] });
    const variable: VariableInfo = {
      name: `${files.length} band PNGs`,
      shape: [first.height, first.width, files.length],
      dtype: `uint${first.bitDepth}`,
    };
    if (ranges) {
      const cube = await readCubeFile(path);
      Object.assign(variable, range(cube.data), { note: `values scaled by 1/${2 ** first.bitDepth - 1}` });
    }
    return { path, format: 'folder of band PNGs', bytes: info.size, variables: [variable] };
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.mat') {
    const bytes = new Uint8Array(await readFile(path));
    const listed = await listMatVariables(bytes, { source: path });
    const wanted = listed
      .filter((v) => v.supported && (key === undefined || v.name === key))
      .map((v) => v.name);
    const decoded =
      ranges && wanted.length ? await decodeMatAsync(bytes, { source: path, variables: wanted }) : undefined;
    return {
      path,
      format: isMatV73(bytes) ? 'MAT v7.3 (HDF5)' : 'MAT v5',
      bytes: info.size,
      variables: listed.map((v) => {
        const entry: VariableInfo = {
          name: v.name,
          shape: v.dims,
          dtype: v.class,
          layout: 'MATLAB column-major',
        };
        if (!v.supported) entry.note = 'not a numeric array: skipped';
        const data = decoded?.variables[v.name]?.data;
        if (data) Object.assign(entry, range(data));
        return entry;
      }),
    };
  }
  if (ext === '.npy') {
    const header = await npyHeader(path);
    const entry: VariableInfo = {
      name: '(array)',
      shape: header.shape,
      dtype: header.dtype,
      layout: header.fortran ? 'Fortran order' : 'C order',
    };
    if (ranges)
      Object.assign(entry, range(decodeNpy(new Uint8Array(await readFile(path)), { source: path }).data));
    return { path, format: 'NumPy .npy', bytes: info.size, variables: [entry] };
  }
  if (ext === '.npz') {
    const arrays = decodeNpz(new Uint8Array(await readFile(path)), { source: path });
    return {
      path,
      format: 'NumPy .npz',
      bytes: info.size,
      variables: Object.entries(arrays).map(([name, a]) => ({
        name,
        shape: a.shape,
        dtype: a.dtype,
        ...(ranges ? range(a.data) : {}),
      })),
    };
  }
  if (ext === '.safetensors') {
    const head = await readHead(path, 8);
    if (head.length < 8) throw new UsageError(`${path}: too short for safetensors`);
    const headerLength = Number(new DataView(head.buffer, head.byteOffset).getBigUint64(0, true));
    if (headerLength > 100 * 2 ** 20 || headerLength + 8 > info.size) {
      throw new UsageError(
        `${path}: safetensors header length ${headerLength} does not fit the ${info.size}-byte file`,
      );
    }
    if (ranges) {
      const file = decodeSafetensors(new Uint8Array(await readFile(path)), path);
      // The ranges readers return: stored values divided by the scale the file declares (hsi-io's rule,
      // e.g. the bundled demo cube: U16 with metadata scale 65535), as for PNG band folders.
      const scale = Object.hasOwn(file.metadata, 'scale')
        ? parseDeclaredScale(file.metadata.scale, "metadata 'scale'", path)
        : undefined;
      return {
        path,
        format: 'safetensors',
        bytes: info.size,
        metadata: file.metadata,
        variables: Object.entries(file.tensors).map(([name, t]) => {
          const stored = range(safetensorToFloat32(t));
          if (scale === undefined) return { name, shape: t.shape, dtype: t.dtype, ...stored };
          // a positive scale keeps the order: the scaled range is the stored one over the scale
          return {
            name,
            shape: t.shape,
            dtype: t.dtype,
            min: stored.min / scale,
            max: stored.max / scale,
            mean: stored.mean / scale,
            note: `values scaled by 1/${scale} (the file's metadata 'scale'), as readers return them`,
          };
        }),
      };
    }
    const header = JSON.parse(
      new TextDecoder().decode((await readHead(path, 8 + headerLength)).subarray(8)),
    ) as Record<string, { dtype: string; shape: number[] } | Record<string, string>>;
    const { __metadata__: metadata, ...tensors } = header;
    return {
      path,
      format: 'safetensors',
      bytes: info.size,
      metadata: metadata as Record<string, string> | undefined,
      variables: Object.entries(tensors).map(([name, t]) => ({
        name,
        shape: (t as { shape: number[] }).shape,
        dtype: (t as { dtype: string }).dtype,
      })),
    };
  }
  if (ext === '.hdr') {
    const header = parseEnviHeader(await readFile(path, 'utf8'), path);
    const entry: VariableInfo = {
      name: '(cube)',
      shape: [header.lines, header.samples, header.bands],
      dtype: `ENVI data type ${header.dataType}`,
      layout: `${header.interleave}, ${header.byteOrder === 0 ? 'little' : 'big'}-endian`,
    };
    if (ranges) Object.assign(entry, range((await readCubeFile(path)).data));
    return { path, format: 'ENVI', bytes: info.size, variables: [entry], wavelengths: header.wavelengths };
  }
  throw new UsageError(
    `${path}: unknown extension '${ext}' (info reads .mat, .npy, .npz, .safetensors, ENVI .hdr and folders of band PNGs)`,
  );
}
