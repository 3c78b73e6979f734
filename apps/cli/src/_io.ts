import { type Dirent, existsSync, statSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import {
  type Cube,
  createCube,
  encodeMat,
  encodeNpy,
  encodeNpz,
  encodeSafetensors,
  toColumnMajor,
} from '@s2cassi/hsi-io';
import { readCubeFile, writeBandPngFolder, writeCubeFile } from '@s2cassi/hsi-io/node';
import { UsageError } from './errors';
import { checkOutputPath, writeFolderAtomic, writeOutputFile } from './output';

/** Extensions a cube or measurement can be written to (no extension: a folder of 16-bit band PNGs). */
export const CUBE_OUTPUT_EXTENSIONS = ['.mat', '.npy', '.npz', '.safetensors', '.hdr', ''] as const;

const READABLE = [
  '.mat',
  '.npy',
  '.npz',
  '.safetensors',
  '.hdr',
  '.img',
  '.raw',
  '.dat',
  '.bsq',
  '.bil',
  '.bip',
];

/** Variable names tried, in order, when a file holds several arrays and no key was given. */
export const PREFERRED_KEYS = {
  cube: ['cube', 'img', 'truth', 'pred', 'hsi', 'data'],
  measurement: ['meas_real', 'meas', 'measurement', 'y'],
  mask: ['mask', 'mask_3d_shift', 'Phi'],
} as const;

function describeOutputFormats(): string {
  return '.mat, .npy, .npz, .safetensors, .hdr (ENVI), or a path without extension for a folder of band PNGs';
}

/** Throws a UsageError unless `path` has an extension a cube can be written to. */
export function checkCubeOutputExtension(path: string): void {
  const ext = extname(path).toLowerCase();
  if (!(CUBE_OUTPUT_EXTENSIONS as readonly string[]).includes(ext)) {
    throw new UsageError(`cannot write ${path}: unknown extension '${ext}'; use ${describeOutputFormats()}`);
  }
}

/** Paths a cube output occupies (an ENVI header also writes its .img). */
export function cubeOutputPaths(path: string): string[] {
  return extname(path).toLowerCase() === '.hdr' ? [path, `${path.slice(0, -4)}.img`] : [path];
}

/** Checks an output before any work is done: known extension, not an input, absent unless `force`. */
export function checkCubeOutput(path: string, options: { force?: boolean; inputs?: string[] }): void {
  checkCubeOutputExtension(path);
  for (const p of cubeOutputPaths(path)) checkOutputPath(p, options);
}

/** Throws a UsageError (exit 2) when a path does not exist, saying which one. */
export function requireInput(path: string, what: string): void {
  if (!existsSync(path)) throw new UsageError(`${what} ${path} does not exist: check the path`);
}

/** Says on stderr (also with --json: stdout stays one JSON document) when integers were used as stored. */
function warnUnscaled(cube: Cube, what: string, path: string): Cube {
  const note = cube.valueScale?.note;
  if (note) process.stderr.write(`warning: ${what} ${path}: ${note}\n`);
  return cube;
}

/**
 * Reads a cube-like array from any format hsi-io reads ([H, W, N]; a 2-D array comes back as [H, W, 1]).
 * With several variables and no key, the first of `preferred` present is used. Stored values follow
 * hsi-io's one rule (`applyValueScale`): divided by the file's scale where it has one (safetensors
 * metadata `scale`, ENVI `reflectance scale factor`, a PNG's range); integers without one are used as
 * stored, with a warning.
 */
export async function readArray(
  path: string,
  what: string,
  preferred: readonly string[],
  key?: string,
): Promise<Cube> {
  return warnUnscaled(await readWithPreferredKeys(path, what, preferred, key), what, path);
}

async function readWithPreferredKeys(
  path: string,
  what: string,
  preferred: readonly string[],
  key?: string,
): Promise<Cube> {
  requireInput(path, what);
  const isFolder = statSync(path).isDirectory();
  const ext = extname(path).toLowerCase();
  if (!isFolder && !READABLE.includes(ext)) {
    throw new UsageError(
      `${what} ${path}: unknown extension '${ext}' (readable: .mat, .npy, .npz, .safetensors, ENVI .hdr, or a folder of band PNGs)`,
    );
  }
  try {
    return await readCubeFile(path, { key });
  } catch (error) {
    const message = (error as Error).message;
    if (key === undefined && /pass key/.test(message)) {
      for (const candidate of preferred) {
        try {
          return await readCubeFile(path, { key: candidate });
        } catch {
          // try the next name
        }
      }
      throw new UsageError(
        `${what} ${path}: ${message.replace(/pass key to choose one/, 'choose one with the --*-key option')}`,
      );
    }
    throw error;
  }
}

/** A 2-D array: [height, width] row-major. */
export interface Plane {
  data: Float32Array;
  height: number;
  width: number;
}

/** Reads a 2-D array (measurement or mask); a [H, W, 1] or [1, H, W] file is accepted too. */
export async function readPlane(path: string, what: 'measurement' | 'mask', key?: string): Promise<Plane> {
  const cube = await readArray(path, what, PREFERRED_KEYS[what], key);
  const [h, w, n] = cube.shape;
  if (n !== 1) {
    throw new UsageError(
      `${what} ${path}: expected a 2-D array [height, width${what === 'measurement' ? "'" : ''}], got [${h}, ${w}, ${n}]` +
        (what === 'measurement' ? ' (is this a cube? simulate turns a cube into a measurement)' : ''),
    );
  }
  return { data: cube.data, height: h, width: w };
}

/** Writes a 2-D array (a measurement) by extension; .mat/.npz key `key`. */
export async function writePlane(path: string, plane: Plane, key: string, force: boolean): Promise<string[]> {
  const ext = extname(path).toLowerCase();
  const shape = [plane.height, plane.width];
  let bytes: Uint8Array;
  if (ext === '.mat') {
    bytes = encodeMat({ [key]: { class: 'single', dims: shape, data: toColumnMajor(plane.data, shape) } });
  } else if (ext === '.npy') {
    bytes = encodeNpy({ data: plane.data, shape });
  } else if (ext === '.npz') {
    bytes = encodeNpz({ [key]: { data: plane.data, shape } });
  } else if (ext === '.safetensors') {
    bytes = encodeSafetensors({ [key]: { dtype: 'F32', shape, data: plane.data } });
  } else {
    // ENVI and PNG folders: a one-band cube.
    return writeCube(path, createCube([plane.height, plane.width, 1], plane.data), force);
  }
  checkOutputPath(path, { force });
  await writeOutputFile(path, bytes);
  return [path];
}

/** Writes a cube by extension (see {@link CUBE_OUTPUT_EXTENSIONS}); atomic; PNG folders appear complete or not at all. */
export async function writeCube(path: string, cube: Cube, force: boolean, key = 'cube'): Promise<string[]> {
  checkCubeOutputExtension(path);
  if (extname(path) === '') {
    const written: string[] = [];
    await writeFolderAtomic(
      path,
      async (temp) => {
        const files = await writeBandPngFolder(temp, cube, { overwrite: true, prefix: basename(path) });
        written.push(...files.map((f) => join(path, basename(f))));
      },
      { force },
    );
    return written;
  }
  for (const p of cubeOutputPaths(path)) checkOutputPath(p, { force });
  await mkdir(dirname(resolve(path)), { recursive: true });
  return writeCubeFile(path, cube, { key, overwrite: force });
}

/** The mask from --mask, or the bundled standard 256 x 256 simulation mask. */
export async function loadMask(path: string | undefined, key?: string): Promise<Plane & { source: string }> {
  if (path === undefined) {
    const { loadStandardMask } = await import('@s2cassi/demo-data');
    const mask = await loadStandardMask();
    return {
      data: mask.data,
      height: mask.shape[0],
      width: mask.shape[1],
      source: 'standard 256 x 256 mask (bundled)',
    };
  }
  return { ...(await readPlane(path, 'mask', key)), source: path };
}

/**
 * What a folder entry is, following a symbolic link to its target (a folder of links to measurement
 * files is read like a folder of the files). A link whose target does not exist is a usage error naming
 * it, not a file silently left out.
 */
export async function entryKind(folder: string, entry: Dirent): Promise<'file' | 'directory' | 'other'> {
  if (!entry.isSymbolicLink()) return entry.isFile() ? 'file' : entry.isDirectory() ? 'directory' : 'other';
  const path = join(folder, entry.name);
  try {
    const target = await stat(path);
    return target.isFile() ? 'file' : target.isDirectory() ? 'directory' : 'other';
  } catch (error) {
    throw new UsageError(
      `${path} is a symbolic link to nothing readable (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): fix or remove it`,
    );
  }
}
