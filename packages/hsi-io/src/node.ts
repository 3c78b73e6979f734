import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { assertCube, type Cube } from './cube';
import type { CubeBatch } from './cube-batch';
import { createLazyDataset, type LazyDataset } from './dataset';
import { decodeEnvi, type EnviWriteOptions, encodeEnvi } from './envi';
import { HsiFormatError } from './errors';
import { DEFAULT_MAX_BYTES } from './limits';
import {
  decodeMatAsync,
  encodeTestResultMat,
  listMatVariables,
  matVariableToCube,
  type TestResultOptions,
} from './mat';
import { cubeToMatArray, encodeMat } from './mat-v5';
import { decodeNpy, encodeNpy, npyToCube } from './npy';
import { decodeNpz, encodeNpz } from './npz';
import { type BandStackWriteOptions, cubeFromBandPngs, cubeToBandPngs } from './png-stack';
import { CASSI_28_BAND_CENTRES, CAVE_31_BAND_CENTRES, resampleBands } from './resample';
import { type ResizeMethod, resizeCube } from './resize';
import { decodeSafetensors, encodeSafetensors, safetensorToCube } from './safetensors';

export interface WriteFileOptions {
  /** Replace an existing file (default false: an existing file is an error, so inputs are never overwritten). */
  overwrite?: boolean;
  /**
   * fsync the new content before it is renamed into place (default true), so that after a crash `path`
   * holds the old or the new content, never an empty or partial file. `false` skips the sync (faster for
   * scratch files whose loss on a power cut does not matter).
   */
  flush?: boolean;
}

/**
 * Writes bytes (or a UTF-8 string) atomically: to a temporary file in the same folder (so the rename
 * stays on one file system), fsynced (see {@link WriteFileOptions.flush}), then renamed over `path`. A
 * reader sees the old file or the whole new one, never a half-written file; on any failure the temporary
 * file is removed and `path` is left as it was. Refuses to replace an existing file unless `overwrite`.
 * The folder must exist (a missing folder is an ENOENT error, not created).
 *
 * The one atomic file writer of the project: the CLI, the trainer's run folders and checkpoints and
 * `@s2cassi/s2-attn/node` all write through it.
 */
export async function writeFileAtomic(
  path: string,
  bytes: Uint8Array | string,
  options: WriteFileOptions = {},
): Promise<void> {
  if (!options.overwrite && existsSync(path)) {
    throw new Error(`${path}: already exists (pass overwrite: true to replace it)`);
  }
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temp, bytes, { flag: 'wx', flush: options.flush ?? true });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

async function readLimited(path: string, maxBytes: number): Promise<Uint8Array> {
  const info = await stat(path);
  if (info.size > maxBytes)
    throw new HsiFormatError(path, `file of ${info.size} bytes exceeds the ${maxBytes}-byte limit`);
  return new Uint8Array(await readFile(path));
}

const BAND_FILE = /^(.*?)(\d+)\.png$/i;

/**
 * The band PNGs of a folder, in band order: files named `<anything><number>.png` sorted by the number
 * (CAVE: `<scene>_ms_01.png` .. `_31.png`); the numbers must run 1..N (or 0..N-1) without gaps.
 */
export async function listBandPngs(folder: string): Promise<string[]> {
  const names = (await readdir(folder)).filter((n) => n.toLowerCase().endsWith('.png'));
  if (names.length === 0) throw new HsiFormatError(folder, 'no .png band files in the folder');
  const numbered = names.map((n) => ({ n, m: BAND_FILE.exec(n) }));
  if (numbered.some((e) => !e.m)) {
    throw new HsiFormatError(
      folder,
      `band files must end in a band number, got '${numbered.find((e) => !e.m)?.n}'`,
    );
  }
  const sorted = numbered.map((e) => ({ n: e.n, k: Number(e.m?.[2]) })).sort((a, b) => a.k - b.k);
  const first = sorted[0].k;
  sorted.forEach((e, i) => {
    if (e.k !== first + i)
      throw new HsiFormatError(
        folder,
        `band numbers are not contiguous: expected ${first + i}, found '${e.n}'`,
      );
  });
  if (first !== 0 && first !== 1)
    throw new HsiFormatError(folder, `band numbers start at ${first}, expected 0 or 1`);
  return sorted.map((e) => join(folder, e.n));
}

export interface BandFolderReadOptions {
  /** Value mapping to 1.0 (default 2^bitDepth - 1). */
  scale?: number;
  wavelengths?: readonly number[];
  maxBytes?: number;
}

/** Reads a folder of one greyscale PNG per band (the CAVE layout) as a cube. */
export async function readBandPngFolder(folder: string, options: BandFolderReadOptions = {}): Promise<Cube> {
  const files = await listBandPngs(folder);
  const pngs = await Promise.all(files.map((f) => readLimited(f, options.maxBytes ?? DEFAULT_MAX_BYTES)));
  return cubeFromBandPngs(pngs, { ...options, sources: files, source: folder });
}

export interface BandFolderWriteOptions extends BandStackWriteOptions, WriteFileOptions {
  /** File name prefix (default: the folder's name, giving `<folder>_01.png`...). */
  prefix?: string;
}

/**
 * Writes a cube as a folder of greyscale PNGs, `<prefix>_01.png` .. (two digits at least). The folder is
 * created; an existing folder is an error unless `overwrite`. Each file is written atomically.
 */
export async function writeBandPngFolder(
  folder: string,
  cube: Cube,
  options: BandFolderWriteOptions = {},
): Promise<string[]> {
  assertCube(cube);
  if (existsSync(folder) && !options.overwrite)
    throw new Error(`${folder}: already exists (pass overwrite: true to write into it)`);
  await mkdir(folder, { recursive: true });
  const pngs = cubeToBandPngs(cube, options);
  const prefix = options.prefix ?? basename(folder);
  const digits = Math.max(2, String(pngs.length).length);
  const paths: string[] = [];
  for (let b = 0; b < pngs.length; b++) {
    const path = join(folder, `${prefix}_${String(b + 1).padStart(digits, '0')}.png`);
    await writeFileAtomic(path, pngs[b], { overwrite: options.overwrite });
    paths.push(path);
  }
  return paths;
}

export interface ReadCubeOptions {
  /** Variable / array / tensor name (MAT, .npz, safetensors). Default: the only candidate. */
  key?: string;
  maxBytes?: number;
  /**
   * Value that maps to 1.0, any format: overrides the file's own scale (safetensors metadata `scale`,
   * ENVI `reflectance scale factor`, a PNG's 2^bits - 1). See `applyValueScale`.
   */
  scale?: number;
  wavelengths?: readonly number[];
}

const ENVI_DATA = ['', '.img', '.raw', '.dat', '.bsq', '.bil', '.bip'];

function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function pick(names: string[], key: string | undefined, path: string, what: string): string {
  if (key !== undefined) {
    if (!names.includes(key))
      throw new HsiFormatError(path, `no ${what} '${key}' (${what}s: ${names.join(', ') || 'none'})`);
    return key;
  }
  if (names.length !== 1)
    throw new HsiFormatError(path, `${names.length} ${what}s (${names.join(', ')}): pass key to choose one`);
  return names[0];
}

/**
 * Reads a cube from a file chosen by extension: `.mat` (v5 or v7.3; H x W x N column-major), `.npy`,
 * `.npz`, `.safetensors` ([H, W, N] row-major, or [1, H, W, N]), `.hdr` (ENVI; the data file is the
 * regular file next to it with the same name without extension or with .img/.raw/.dat/.bsq/.bil/.bip),
 * or a folder of band PNGs. Stored values become the cube's by the one rule of `applyValueScale`:
 * divided by `options.scale`, else by the file's own scale; integers without one are used as stored and
 * `cube.valueScale.note` says so.
 */
export async function readCubeFile(path: string, options: ReadCubeOptions = {}): Promise<Cube> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const info = await stat(path);
  if (info.isDirectory()) return readBandPngFolder(path, options);
  const ext = extname(path).toLowerCase();
  let cube: Cube;
  if (ext === '.mat') {
    const bytes = await readLimited(path, maxBytes);
    const listed = await listMatVariables(bytes, { source: path });
    const supported = listed.filter((v) => v.supported).map((v) => v.name);
    const name = options.key ?? pick(supported, undefined, path, 'numeric variable');
    const file = await decodeMatAsync(bytes, { source: path, maxBytes, variables: [name] });
    cube = matVariableToCube(file, name, path, { scale: options.scale });
  } else if (ext === '.npy') {
    const array = decodeNpy(await readLimited(path, maxBytes), { source: path, maxBytes });
    cube = npyToCube(array, { scale: options.scale, source: path });
  } else if (ext === '.npz') {
    const arrays = decodeNpz(await readLimited(path, maxBytes), { source: path, maxBytes });
    const array = arrays[pick(Object.keys(arrays), options.key, path, 'array')];
    cube = npyToCube(array, { scale: options.scale, source: path });
  } else if (ext === '.safetensors') {
    const file = decodeSafetensors(await readLimited(path, maxBytes), path);
    const name = pick(Object.keys(file.tensors), options.key, path, 'tensor');
    cube = safetensorToCube(file, name, { scale: options.scale, source: path });
  } else if (ext === '.hdr' || ENVI_DATA.includes(ext)) {
    const base = ext === '.hdr' ? path.slice(0, -4) : path.slice(0, path.length - ext.length);
    const header = ext === '.hdr' ? path : `${base}.hdr`;
    // Only regular files: a folder `out/` beside `out.hdr` is not its data.
    const dataPath = ext === '.hdr' ? ENVI_DATA.map((e) => base + e).find(isRegularFile) : path;
    if (!dataPath)
      throw new HsiFormatError(
        path,
        `no ENVI data file next to the header (tried ${ENVI_DATA.map((e) => basename(base + e)).join(', ')})`,
      );
    const headerText = new TextDecoder().decode(await readLimited(header, 1 << 24));
    cube = decodeEnvi(headerText, await readLimited(dataPath, maxBytes), {
      source: dataPath,
      maxBytes,
      scale: options.scale,
    }).cube;
  } else {
    throw new HsiFormatError(
      path,
      `unknown extension '${ext}' (expected .mat, .npy, .npz, .safetensors, .hdr, or a folder of PNGs)`,
    );
  }
  if (options.wavelengths) {
    if (options.wavelengths.length !== cube.shape[2])
      throw new HsiFormatError(path, `${options.wavelengths.length} wavelengths for ${cube.shape[2]} bands`);
    cube.wavelengths = [...options.wavelengths];
  }
  return cube;
}

export interface WriteCubeOptions
  extends WriteFileOptions,
    Omit<EnviWriteOptions, 'headerOffset'>,
    BandStackWriteOptions {
  /** Variable / array / tensor name for .mat, .npz, .safetensors (default 'cube'). */
  key?: string;
  /** MAT class (default 'single'). */
  matClass?: 'single' | 'double';
  /** Compress .mat / .npz (default: .mat true, .npz false). */
  compress?: boolean;
  /** PNG folders: file name prefix (default the folder's name). */
  prefix?: string;
}

/**
 * Writes a cube to a file chosen by extension (`.mat` H x W x N, `.npy`/`.npz`/`.safetensors` [H, W, N]
 * float32, `.hdr` ENVI header plus `.img` data, a path without extension: a folder of 16-bit band
 * PNGs). Atomic (temp file + rename); existing files are refused unless `overwrite`. Returns the paths
 * written.
 */
export async function writeCubeFile(
  path: string,
  cube: Cube,
  options: WriteCubeOptions = {},
): Promise<string[]> {
  assertCube(cube);
  const ext = extname(path).toLowerCase();
  const key = options.key ?? 'cube';
  const [h, w, n] = cube.shape;
  const write = async (p: string, bytes: Uint8Array | string) => {
    await writeFileAtomic(p, bytes, options);
    return p;
  };
  if (ext === '.mat')
    return [
      await write(
        path,
        encodeMat(
          { [key]: cubeToMatArray(cube, options.matClass ?? 'single') },
          { compress: options.compress ?? true },
        ),
      ),
    ];
  if (ext === '.npy') return [await write(path, encodeNpy({ data: cube.data, shape: [h, w, n] }))];
  if (ext === '.npz')
    return [
      await write(
        path,
        encodeNpz({ [key]: { data: cube.data, shape: [h, w, n] } }, { compress: options.compress ?? false }),
      ),
    ];
  if (ext === '.safetensors')
    return [
      await write(path, encodeSafetensors({ [key]: { dtype: 'F32', shape: [h, w, n], data: cube.data } })),
    ];
  if (ext === '.hdr') {
    const { header, data } = encodeEnvi(cube, options);
    const dataPath = `${path.slice(0, -4)}.img`;
    if (!options.overwrite && existsSync(dataPath))
      throw new Error(`${dataPath}: already exists (pass overwrite: true to replace it)`);
    await write(dataPath, data);
    return [dataPath, await write(path, header)];
  }
  if (ext === '') return writeBandPngFolder(path, cube, options);
  throw new Error(
    `${path}: unknown extension '${ext}' (expected .mat, .npy, .npz, .safetensors, .hdr, or no extension for a PNG folder)`,
  );
}

/** Writes a `Test_result.mat` (variables truth, pred of dims [scenes, H, W, N]) atomically. */
export async function writeTestResultMat(
  path: string,
  result: { truth: CubeBatch | readonly Cube[]; pred: CubeBatch | readonly Cube[] },
  options: TestResultOptions & WriteFileOptions = {},
): Promise<void> {
  await writeFileAtomic(path, encodeTestResultMat(result, options), options);
}

/**
 * The scene folders of a CAVE-style root: sub-folders holding band PNGs (also the original archive's
 * doubled `<scene>_ms/<scene>_ms/`). Returns `{ name, folder }` sorted by name; `name` drops `_ms`.
 */
export async function listCaveScenes(root: string): Promise<{ name: string; folder: string }[]> {
  const entries = await readdir(root, { withFileTypes: true });
  const scenes: { name: string; folder: string }[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    let folder = join(root, entry.name);
    const inside = await readdir(folder, { withFileTypes: true });
    if (!inside.some((e) => e.isFile() && e.name.toLowerCase().endsWith('.png'))) {
      const nested = inside.find((e) => e.isDirectory() && e.name === entry.name);
      if (!nested) continue;
      folder = join(folder, nested.name);
    }
    scenes.push({ name: entry.name.replace(/_ms$/, ''), folder });
  }
  if (scenes.length === 0) throw new HsiFormatError(root, 'no scene folders with band PNGs');
  return scenes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export interface CaveDatasetOptions {
  /** 16-bit scaling: divide by 65535 (default; real-data pipelines) or 65536 (simulation pipelines). */
  scale?: 65535 | 65536 | number;
  /** Target bands: 'cassi28' (default: CASSI_28_BAND_CENTRES), 'cave31' (no resampling) or centres in nm. */
  bands?: 'cassi28' | 'cave31' | readonly number[];
  /** Optional spatial resize after resampling (see resizeCube; default method 'area'). */
  resize?: { height: number; width: number; method?: ResizeMethod };
  /** Scenes kept decoded (LRU, default 0). */
  cacheSize?: number;
  /** Only these scene names (default all). */
  scenes?: readonly string[];
}

/**
 * A lazy CAVE dataset: each scene (31 16-bit PNGs, 400..700 nm) is read when asked for, divided by
 * `scale`, linearly resampled to the target bands (default the 28 CASSI centres) and optionally resized.
 */
export async function openCaveDataset(root: string, options: CaveDatasetOptions = {}): Promise<LazyDataset> {
  let scenes = await listCaveScenes(root);
  if (options.scenes) {
    const wanted = new Set(options.scenes);
    const missing = [...wanted].filter((n) => !scenes.some((s) => s.name === n));
    if (missing.length)
      throw new HsiFormatError(
        root,
        `no scene(s) ${missing.join(', ')} (scenes: ${scenes.map((s) => s.name).join(', ')})`,
      );
    scenes = scenes.filter((s) => wanted.has(s.name));
  }
  const bands = options.bands ?? 'cassi28';
  const targets = bands === 'cassi28' ? CASSI_28_BAND_CENTRES : bands === 'cave31' ? undefined : bands;
  const folders = new Map(scenes.map((s) => [s.name, s.folder]));
  return createLazyDataset(
    scenes.map((s) => s.name),
    async (name) => {
      const folder = folders.get(name) as string;
      let cube = await readBandPngFolder(folder, {
        scale: options.scale ?? 65535,
        wavelengths: CAVE_31_BAND_CENTRES,
      });
      if (cube.shape[2] !== 31)
        throw new HsiFormatError(folder, `expected 31 CAVE bands, found ${cube.shape[2]}`);
      if (targets) cube = resampleBands(cube, CAVE_31_BAND_CENTRES, targets);
      if (options.resize)
        cube = resizeCube(cube, options.resize.height, options.resize.width, options.resize.method ?? 'area');
      return cube;
    },
    { cacheSize: options.cacheSize },
  );
}

export interface MatDatasetOptions {
  /** Variable holding the cube (default: the first of 'img', 'cube', 'img_expand' present). */
  key?: string;
  /** Band centres to attach (default CASSI_28_BAND_CENTRES when the cube has 28 bands). */
  wavelengths?: readonly number[];
  /** Divide values by this (default none: KAIST cubes are already 0..1; see `applyValueScale`). */
  scale?: number;
  cacheSize?: number;
  maxBytes?: number;
}

/**
 * A lazy dataset of KAIST-style `.mat` cubes in a folder (`scene01.mat` ...: key `img`, H x W x 28;
 * v7.3 files with a `cube` dataset work too). Scene names are the file names without '.mat'.
 */
export async function openMatDataset(folder: string, options: MatDatasetOptions = {}): Promise<LazyDataset> {
  const files = (await readdir(folder)).filter((n) => n.toLowerCase().endsWith('.mat')).sort();
  if (files.length === 0) throw new HsiFormatError(folder, 'no .mat files in the folder');
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  return createLazyDataset(
    files.map((f) => f.slice(0, -4)),
    async (name) => {
      const path = join(folder, `${name}.mat`);
      const bytes = await readLimited(path, maxBytes);
      let key = options.key;
      if (!key) {
        const listed = (await listMatVariables(bytes, { source: path })).map((v) => v.name);
        key = ['img', 'cube', 'img_expand'].find((k) => listed.includes(k));
        if (!key)
          throw new HsiFormatError(
            path,
            `no 'img', 'cube' or 'img_expand' variable (variables: ${listed.join(', ')}); pass key`,
          );
      }
      const file = await decodeMatAsync(bytes, { source: path, maxBytes, variables: [key] });
      const cube = matVariableToCube(file, key, path, { scale: options.scale });
      const wavelengths = options.wavelengths ?? (cube.shape[2] === 28 ? CASSI_28_BAND_CENTRES : undefined);
      if (wavelengths) {
        if (wavelengths.length !== cube.shape[2])
          throw new HsiFormatError(path, `${wavelengths.length} wavelengths for ${cube.shape[2]} bands`);
        cube.wavelengths = [...wavelengths];
      }
      return cube;
    },
    { cacheSize: options.cacheSize },
  );
}
