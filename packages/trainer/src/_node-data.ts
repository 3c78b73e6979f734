import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { decodeSafetensors, safetensorToFloat32 } from '@s2cassi/hsi-io';
import type { MaskArray } from './batch-sampler';
import type { SceneSource } from './scene-source';

/**
 * Reads a 2D coded aperture from a file: `.safetensors` (the tensor named `key`, or the only one), of
 * shape [H, W] or [H, W, 1].
 */
export async function loadMaskFile(path: string, key: string | null): Promise<MaskArray> {
  const extension = extname(path).toLowerCase();
  if (extension !== '.safetensors') {
    throw new Error(`${path}: masks are read from .safetensors files (got '${extension}')`);
  }
  const file = decodeSafetensors(new Uint8Array(await readFile(path)), path);
  const names = Object.keys(file.tensors);
  const name = key ?? (names.length === 1 ? names[0] : undefined);
  if (!name || !file.tensors[name]) {
    throw new Error(`${path}: expected a tensor named ${JSON.stringify(key ?? 'mask')}; the file holds ${names.join(', ')}`);
  }
  const tensor = file.tensors[name];
  const shape = tensor.shape;
  if (!(shape.length === 2 || (shape.length === 3 && shape[2] === 1))) {
    throw new Error(`${path}: mask ${name} must be [height, width] or [height, width, 1], got [${shape.join(', ')}]`);
  }
  return { data: safetensorToFloat32(tensor), shape: [shape[0], shape[1]] };
}

/** Options of {@link openCaveSource}. */
export interface CaveSourceOptions {
  validationScenes: readonly string[];
  trainScenes: readonly string[] | null;
  divisor: 65535 | 65536;
  bandCount: number;
}

/** CAVE scene folders through @s2cassi/hsi-io, resampled onto the 28 CASSI bands. */
export async function openCaveSource(root: string, options: CaveSourceOptions): Promise<SceneSource> {
  throw new Error(
    `CAVE folders (${root}) need @s2cassi/hsi-io's CAVE loader, which this build does not have yet (${options.validationScenes.length} held-out scenes requested)`,
  );
}
