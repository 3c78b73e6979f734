import { resolve } from 'node:path';
import { openCaveDataset, readCubeFile } from '@s2cassi/hsi-io/node';
import type { MaskArray } from './batch-sampler';
import type { TrainerConfig } from './config';
import { configuredMask } from './mask-source';
import type { SceneSource } from './scene-source';

/**
 * Reads a 2D coded aperture through @s2cassi/hsi-io: `.mat` (v5/v7.3, e.g. the TSA `mask.mat`, key
 * `mask`), `.npy`, `.npz`, `.safetensors`; an [H, W] array (or [H, W, 1]).
 */
export async function loadMaskFile(path: string, key: string | null): Promise<MaskArray> {
  const cube = await readCubeFile(path, key === null ? {} : { key });
  const [height, width, bands] = cube.shape;
  if (bands !== 1) {
    throw new Error(`${path}: a mask must be 2D [height, width], got [${height}, ${width}, ${bands}]`);
  }
  return { data: cube.data, shape: [height, width] };
}

/**
 * The standard 256 x 256 TSA mask from `@s2cassi/demo-data`, an optional peer dependency of the trainer:
 * loaded on demand, with a clear error when it is not installed.
 */
export async function loadStandardMaskFromDemoData(): Promise<MaskArray> {
  let demoData: typeof import('@s2cassi/demo-data');
  try {
    demoData = await import('@s2cassi/demo-data');
  } catch (error) {
    throw new Error(
      `data.mask: kind 'standard' needs the package @s2cassi/demo-data (it bundles the TSA mask); install it, or use a mask file (kind 'file') (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  const standard = await demoData.loadStandardMask();
  return { data: standard.data, shape: [standard.shape[0], standard.shape[1]] };
}

/**
 * The mask a configuration names, every kind: `file` (read relative to `baseDirectory`), `standard`
 * (from `@s2cassi/demo-data`) and `random`.
 */
export async function loadConfiguredMask(
  config: TrainerConfig,
  options: { baseDirectory?: string } = {},
): Promise<MaskArray> {
  const mask = config.data.mask;
  if (mask.kind === 'file')
    return loadMaskFile(resolve(options.baseDirectory ?? process.cwd(), mask.path), mask.key);
  if (mask.kind === 'standard')
    return configuredMask(config, { standardMask: await loadStandardMaskFromDemoData() });
  return configuredMask(config);
}

/** Options of {@link openCaveSource}. */
export interface CaveSourceOptions {
  /** Held-out scene names (folder names without `_ms`). */
  validationScenes: readonly string[];
  /** Scenes to train on; null = all others. */
  trainScenes: readonly string[] | null;
  /** 16-bit divisor: 65535 or 65536. */
  divisor: 65535 | 65536;
  /** Must be 28: CAVE's 31 bands are resampled onto the 28 CASSI band centres. */
  bandCount: number;
}

/**
 * CAVE scene folders (`<scene>_ms/<scene>_ms_01..31.png`) through @s2cassi/hsi-io's lazy CAVE dataset:
 * 16-bit PNGs / divisor, linearly resampled onto the 28 CASSI band centres (453.5..648 nm). Scenes are
 * decoded when the trainer asks for them (the trainer keeps the ones it uses in memory).
 */
export async function openCaveSource(root: string, options: CaveSourceOptions): Promise<SceneSource> {
  if (options.bandCount !== 28) {
    throw new Error(
      `CAVE scenes are resampled onto the 28 CASSI bands; model.bandCount is ${options.bandCount}`,
    );
  }
  const dataset = await openCaveDataset(root, { scale: options.divisor, bands: 'cassi28' });
  const missing = [...options.validationScenes, ...(options.trainScenes ?? [])].filter(
    (name) => !dataset.names.includes(name),
  );
  if (missing.length > 0) {
    throw new Error(`${root}: no CAVE scene(s) ${missing.join(', ')} (scenes: ${dataset.names.join(', ')})`);
  }
  const validationSceneNames = [...options.validationScenes];
  const trainSceneNames = (options.trainScenes ?? dataset.names).filter(
    (name) => !validationSceneNames.includes(name),
  );
  return {
    trainSceneNames,
    validationSceneNames,
    async load(name: string) {
      const cube = await dataset.get(name);
      return { data: cube.data, shape: cube.shape };
    },
  };
}
