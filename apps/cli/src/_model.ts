import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import * as demoData from '@s2cassi/demo-data';
import {
  DEFAULT_MEASUREMENT_SCALING,
  DEFAULT_S2_TRANSFORMER_CONFIG,
  decodeModelWeights,
  type MeasurementScaling,
  type ResolvedS2TransformerConfig,
  resolveMeasurementScaling,
  resolveS2TransformerConfig,
  type S2Transformer,
  type S2TransformerConfig,
} from '@s2cassi/s2-attn';
import { UsageError } from './errors';

/**
 * The name under which @s2cassi/demo-data will export the bundled demo weights (issue 9):
 * `loadDemoWeights(): Promise<Uint8Array>`, safetensors bytes with the model config in their metadata.
 * When it appears, `s2cassi demo` and `reconstruct --method s2` without --weights use it; nothing else
 * in the CLI changes.
 */
const DEMO_WEIGHTS_LOADER = 'loadDemoWeights';

type DemoWeightsLoader = () => Promise<Uint8Array>;

function demoWeightsLoader(): DemoWeightsLoader | undefined {
  const loader = (demoData as Record<string, unknown>)[DEMO_WEIGHTS_LOADER];
  return typeof loader === 'function' ? (loader as DemoWeightsLoader) : undefined;
}

/** Whether the S2 demo weights are bundled with @s2cassi/demo-data. */
export function demoWeightsAvailable(): boolean {
  return demoWeightsLoader() !== undefined;
}

export const DEMO_WEIGHTS_MISSING =
  'the S2-Transformer demo weights are not bundled yet (this version of @s2cassi/demo-data ships the scene and the mask only)';

/** The paths of a weights file: `x.safetensors` (+ optional `x.json`), or a base path `x`. */
function weightsPaths(path: string): { weights: string; manifest: string } {
  const base = extname(path).toLowerCase() === '.safetensors' ? path.slice(0, -'.safetensors'.length) : path;
  return { weights: `${base}.safetensors`, manifest: `${base}.json` };
}

const WEIGHTS_EXPECTED =
  'expected a .safetensors weights file (as written by s2cassi train or saveS2Transformer)';

/**
 * The weights file --weights names: `x.safetensors`, or a base path `x` with `x.safetensors` beside it.
 * Anything else (a folder, `random.npy`, a missing file) is a usage error naming what was expected and
 * what was given.
 */
function resolveWeightsPath(path: string): { weights: string; manifest: string } {
  const ext = extname(path).toLowerCase();
  if (existsSync(path) && statSync(path).isDirectory()) {
    throw new UsageError(`--weights ${path} is a folder: ${WEIGHTS_EXPECTED}`);
  }
  if (ext === '.safetensors' || (!existsSync(path) && existsSync(`${path}.safetensors`))) {
    const paths = weightsPaths(path);
    if (!existsSync(paths.weights)) {
      throw new UsageError(`--weights ${paths.weights} does not exist: ${WEIGHTS_EXPECTED}`);
    }
    return paths;
  }
  if (!existsSync(path)) {
    throw new UsageError(
      `--weights ${path} does not exist${ext === '' ? ` (nor ${path}.safetensors)` : ''}: ${WEIGHTS_EXPECTED}`,
    );
  }
  throw new UsageError(
    `--weights ${path}: ${WEIGHTS_EXPECTED}, got a ${ext ? `${ext} file` : 'file without extension'}`,
  );
}

/** Decodes weights bytes; a file that is not safetensors at all is a usage error saying so. */
function decodeWeightsFile(bytes: Uint8Array, path: string, manifest: unknown): S2Transformer {
  try {
    return decodeModelWeights(bytes, { manifest, source: path });
  } catch (error) {
    if (!(error instanceof Error) || error.name !== 'HsiFormatError') throw error;
    const source = (error as Error & { source?: string }).source;
    const reason =
      source && error.message.startsWith(`${source}: `)
        ? error.message.slice(source.length + 2)
        : error.message;
    throw new UsageError(
      `--weights ${path}: not a safetensors weights file (${reason}); ${WEIGHTS_EXPECTED}`,
    );
  }
}

/** Reads the S2 weights given by --weights, or the demo weights when `path` is undefined. */
export async function loadModel(path: string | undefined): Promise<{ model: S2Transformer; source: string }> {
  if (path === undefined) {
    const loader = demoWeightsLoader();
    if (!loader) {
      throw new UsageError(`--method s2 needs --weights <file.safetensors>: ${DEMO_WEIGHTS_MISSING}`);
    }
    return {
      model: decodeModelWeights(await loader(), { source: 'demo weights' }),
      source: 'bundled demo weights',
    };
  }
  const { weights, manifest } = resolveWeightsPath(path);
  let json: unknown;
  if (existsSync(manifest)) {
    try {
      json = JSON.parse(await readFile(manifest, 'utf8'));
    } catch (error) {
      throw new UsageError(`${manifest}: not valid JSON (${(error as Error).message})`);
    }
  }
  const bytes = new Uint8Array(await readFile(weights));
  return { model: decodeWeightsFile(bytes, weights, json), source: weights };
}

/** A model configuration from --model: 'default', a JSON config/manifest file, or a weights file. */
export async function resolveModelConfig(
  spec: string,
  overrides: S2TransformerConfig = {},
): Promise<{ config: ResolvedS2TransformerConfig; source: string; measurement?: MeasurementScaling }> {
  if (spec === 'default') {
    return {
      config: resolveS2TransformerConfig({ ...DEFAULT_S2_TRANSFORMER_CONFIG, ...overrides }),
      source: 'default (paper Sec. 4.1)',
    };
  }
  if (spec === 'demo') {
    const { model, source } = await loadModel(undefined);
    const { config, measurementScaling } = model;
    model.dispose();
    return {
      config: resolveS2TransformerConfig({ ...config, ...overrides }),
      source,
      measurement: measurementScaling,
    };
  }
  if (!existsSync(spec)) {
    throw new UsageError(
      `--model ${spec}: no such file; use 'default', a config .json or a weights .safetensors`,
    );
  }
  if (extname(spec).toLowerCase() === '.safetensors') {
    const { decodeSafetensors } = await import('@s2cassi/hsi-io');
    const { manifestFromSafetensors } = await import('@s2cassi/s2-attn');
    const file = decodeSafetensors(new Uint8Array(await readFile(spec)), spec);
    const { manifest } = weightsPaths(spec);
    if (file.metadata.config === undefined && existsSync(manifest))
      return resolveModelConfig(manifest, overrides);
    const { config, measurement } = manifestFromSafetensors(file, spec);
    return {
      config: resolveS2TransformerConfig({ ...config, ...overrides }),
      source: spec,
      measurement: measurement ?? { ...DEFAULT_MEASUREMENT_SCALING },
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(spec, 'utf8'));
  } catch (error) {
    throw new UsageError(`--model ${spec}: not valid JSON (${(error as Error).message})`);
  }
  const object = parsed as Record<string, unknown>;
  // A weights manifest { format, version, config, measurement? }, a trainer config { model: {...} } or a bare
  // model config; a manifest says how its model scales measurements (absent: the default).
  const config = (object?.config ?? object?.model ?? object) as S2TransformerConfig;
  const isManifest = typeof object?.format === 'string' && object?.config !== undefined;
  return {
    config: resolveS2TransformerConfig({ ...config, ...overrides }),
    source: spec,
    ...(isManifest
      ? {
          measurement:
            object.measurement !== undefined
              ? resolveMeasurementScaling(object.measurement, `${spec}: measurement`)
              : { ...DEFAULT_MEASUREMENT_SCALING },
        }
      : {}),
  };
}
