import {
  decodeSafetensors,
  encodeSafetensors,
  type SafetensorsFile,
  safetensorToFloat32,
} from '@s2cassi/hsi-io/safetensors';
import * as tf from '@tensorflow/tfjs-core';
import { S2AttnInputError } from './_validate';
import {
  DEFAULT_MEASUREMENT_SCALING,
  isDefaultMeasurementScaling,
  type MeasurementScaling,
  resolveMeasurementScaling,
} from './measurement-scaling';
import type { Module } from './module';
import { S2Transformer } from './s2-transformer';
import { type ResolvedS2TransformerConfig, resolveS2TransformerConfig } from './s2-transformer-config';
import { resolveSelfEnsemble, type SelfEnsemble } from './self-ensemble';

/** The `format` field of the weight files' JSON manifest and safetensors metadata. */
export const WEIGHTS_FORMAT = 's2cassi.s2-transformer';
/** Version of the tensor naming / layout scheme. */
export const WEIGHTS_VERSION = 1;

/** The JSON written beside the weights (and into the safetensors `__metadata__`). */
export interface S2TransformerManifest {
  format: typeof WEIGHTS_FORMAT;
  version: number;
  config: ResolvedS2TransformerConfig;
  /** How the model expects measurements scaled; absent: the default (`band-sum`, gain 1). */
  measurement?: MeasurementScaling;
  /** The self-ensemble the model is reconstructed with by default; absent: `'none'`. */
  selfEnsemble?: SelfEnsemble;
}

/** Loading found tensors that do not match the model: every problem is listed. */
export class WeightsMismatchError extends Error {
  override name = 'WeightsMismatchError';
  constructor(
    readonly source: string,
    readonly missing: string[],
    readonly unexpected: string[],
    readonly mismatched: Array<{ name: string; expected: number[]; actual: number[]; dtype: string }>,
  ) {
    const parts: string[] = [];
    if (missing.length) parts.push(`missing ${missing.length}: ${missing.join(', ')}`);
    if (unexpected.length) parts.push(`unexpected ${unexpected.length}: ${unexpected.join(', ')}`);
    if (mismatched.length) {
      parts.push(
        `mismatched ${mismatched.length}: ${mismatched
          .map(
            (m) =>
              `${m.name} expected [${m.expected.join(', ')}] F32, got [${m.actual.join(', ')}] ${m.dtype}`,
          )
          .join('; ')}`,
      );
    }
    super(`${source}: weights do not match the model: ${parts.join(' | ')}`);
  }
}

/** The manifest of a model: `{ format, version, config }`. */
export function modelManifest(model: S2Transformer): S2TransformerManifest {
  const scaling = model.measurementScaling;
  return {
    format: WEIGHTS_FORMAT,
    version: WEIGHTS_VERSION,
    config: { ...model.config },
    ...(isDefaultMeasurementScaling(scaling) ? {} : { measurement: { ...scaling } }),
    ...(model.selfEnsemble === 'none' ? {} : { selfEnsemble: model.selfEnsemble }),
  };
}

/**
 * Serialises every variable of `model` as F32 safetensors under its hierarchical name
 * ({@link Module.namedWeights}, e.g. `stages.0.blocks.3.spa.qkv.weight`), with the metadata
 * `format`, `version`, `config` (the JSON of the resolved config) and, unless they are the defaults,
 * `measurement` (the JSON of the model's {@link MeasurementScaling}) and `selfEnsemble` (its name).
 */
export function encodeModelWeights(model: S2Transformer): Uint8Array {
  const tensors: Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }> = {};
  for (const { name, variable } of model.namedWeights()) {
    tensors[name] = { dtype: 'F32', shape: [...variable.shape], data: variable.dataSync() as Float32Array };
  }
  const manifest = modelManifest(model);
  return encodeSafetensors(tensors, {
    format: manifest.format,
    version: String(manifest.version),
    config: JSON.stringify(manifest.config),
    ...(manifest.measurement ? { measurement: JSON.stringify(manifest.measurement) } : {}),
    ...(manifest.selfEnsemble ? { selfEnsemble: manifest.selfEnsemble } : {}),
  });
}

function parseManifest(value: unknown, source: string): S2TransformerManifest {
  const m = value as Partial<S2TransformerManifest> | null;
  if (!m || typeof m !== 'object' || m.format !== WEIGHTS_FORMAT) {
    throw new S2AttnInputError(
      `${source}: expected format '${WEIGHTS_FORMAT}', got ${JSON.stringify(m?.format)}`,
    );
  }
  if (m.version !== WEIGHTS_VERSION) {
    throw new S2AttnInputError(
      `${source}: expected version ${WEIGHTS_VERSION}, got ${JSON.stringify(m.version)}`,
    );
  }
  return {
    format: WEIGHTS_FORMAT,
    version: WEIGHTS_VERSION,
    config: resolveS2TransformerConfig(m.config ?? {}),
    ...(m.measurement !== undefined
      ? { measurement: resolveMeasurementScaling(m.measurement, `${source}: measurement`) }
      : {}),
    ...(m.selfEnsemble !== undefined
      ? { selfEnsemble: resolveSelfEnsemble(m.selfEnsemble, `${source}: selfEnsemble`) }
      : {}),
  };
}

/** Reads the manifest stored in a safetensors file's metadata. */
export function manifestFromSafetensors(
  file: SafetensorsFile,
  source = 'safetensors',
): S2TransformerManifest {
  let config: unknown;
  try {
    config = JSON.parse(file.metadata.config ?? 'null');
  } catch (error) {
    throw new S2AttnInputError(
      `${source}: metadata 'config' is not valid JSON (${(error as Error).message})`,
    );
  }
  if (config === null)
    throw new S2AttnInputError(`${source}: expected a 'config' entry in the safetensors metadata`);
  let measurement: unknown;
  if (file.metadata.measurement !== undefined) {
    try {
      measurement = JSON.parse(file.metadata.measurement);
    } catch (error) {
      throw new S2AttnInputError(
        `${source}: metadata 'measurement' is not valid JSON (${(error as Error).message})`,
      );
    }
  }
  return parseManifest(
    {
      format: file.metadata.format,
      version: Number(file.metadata.version),
      config,
      ...(measurement !== undefined ? { measurement } : {}),
      ...(file.metadata.selfEnsemble !== undefined ? { selfEnsemble: file.metadata.selfEnsemble } : {}),
    },
    source,
  );
}

/**
 * Copies the tensors of `file` into `model`'s variables after checking every name and shape: throws a
 * {@link WeightsMismatchError} listing all missing, unexpected and mismatched tensors (nothing is
 * assigned then). Accepts F32, F16, BF16 and F64 tensors (converted to float32). `model` is any
 * {@link Module}, or anything else that lists its variables by name the same way (a trainer's model).
 */
export function loadWeightsInto(
  model: Pick<Module, 'namedWeights'> | { namedWeights(): { name: string; variable: tf.Variable }[] },
  file: SafetensorsFile | Uint8Array,
  source = 'safetensors',
): void {
  const decoded = file instanceof Uint8Array ? decodeSafetensors(file, source) : file;
  const expected = model.namedWeights();
  const names = new Set(expected.map((w) => w.name));
  const missing: string[] = [];
  const mismatched: WeightsMismatchError['mismatched'] = [];
  for (const { name, variable } of expected) {
    const t = decoded.tensors[name];
    if (!t) {
      missing.push(name);
      continue;
    }
    const sameShape =
      t.shape.length === variable.shape.length && t.shape.every((d, i) => d === variable.shape[i]);
    if (!sameShape || !['F32', 'F16', 'BF16', 'F64'].includes(t.dtype)) {
      mismatched.push({ name, expected: [...variable.shape], actual: [...t.shape], dtype: t.dtype });
    }
  }
  const unexpected = Object.keys(decoded.tensors).filter((n) => !names.has(n));
  if (missing.length || unexpected.length || mismatched.length) {
    throw new WeightsMismatchError(source, missing, unexpected, mismatched);
  }
  for (const { name, variable } of expected) {
    const t = decoded.tensors[name];
    tf.tidy(() => variable.assign(tf.tensor(safetensorToFloat32(t), variable.shape, 'float32')));
  }
}

/**
 * Builds an {@link S2Transformer} from safetensors bytes written by {@link encodeModelWeights}: the config
 * comes from the metadata (or `manifest`, e.g. the JSON file beside; when both exist they must agree).
 */
export function decodeModelWeights(
  bytes: Uint8Array,
  options: { manifest?: unknown; source?: string } = {},
): S2Transformer {
  const source = options.source ?? 'safetensors';
  const file = decodeSafetensors(bytes, source);
  const fromMetadata = file.metadata.config !== undefined ? manifestFromSafetensors(file, source) : undefined;
  const fromJson =
    options.manifest !== undefined ? parseManifest(options.manifest, `${source} (manifest)`) : undefined;
  if (fromMetadata && fromJson && JSON.stringify(fromMetadata.config) !== JSON.stringify(fromJson.config)) {
    throw new S2AttnInputError(
      `${source}: the config in the safetensors metadata and the manifest differ: ${JSON.stringify(fromMetadata.config)} vs ${JSON.stringify(fromJson.config)}`,
    );
  }
  const manifest = fromJson ?? fromMetadata;
  if (!manifest)
    throw new S2AttnInputError(`${source}: no config: expected safetensors metadata or a manifest`);
  // What the model expects beside its config: when both the metadata and a manifest exist they must agree, an
  // absent entry meaning the default (band-sum gain 1; no self-ensemble).
  if (fromMetadata && fromJson) {
    const scaling = (m: S2TransformerManifest) =>
      JSON.stringify(m.measurement ?? DEFAULT_MEASUREMENT_SCALING);
    if (scaling(fromMetadata) !== scaling(fromJson)) {
      throw new S2AttnInputError(
        `${source}: the measurement scaling in the safetensors metadata and the manifest differ: ${scaling(fromMetadata)} vs ${scaling(fromJson)}`,
      );
    }
    if ((fromMetadata.selfEnsemble ?? 'none') !== (fromJson.selfEnsemble ?? 'none')) {
      throw new S2AttnInputError(
        `${source}: the self-ensemble in the safetensors metadata and the manifest differ: ${fromMetadata.selfEnsemble ?? 'none'} vs ${fromJson.selfEnsemble ?? 'none'}`,
      );
    }
  }
  const { measurement, selfEnsemble: ensemble } = fromMetadata ?? manifest;
  const model = new S2Transformer(manifest.config);
  try {
    if (measurement) model.measurementScaling = measurement;
    if (ensemble) model.selfEnsemble = ensemble;
    loadWeightsInto(model, file, source);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}

// The Node subpath, named in a variable so that bundlers do not follow it: a browser bundle of the main
// entry gets no Node module, not even in a lazy chunk. Node resolves it at call time (a package may
// import itself by name through its `exports`).
const NODE_SUBPATH = '@s2cassi/s2-attn/node';

type NodeSubpath = typeof import('./node');

/**
 * Writes `<basePath>.safetensors` and `<basePath>.json`.
 *
 * @deprecated Node only: import it from `@s2cassi/s2-attn/node`. This forwarder loads that subpath at call
 * time, so the main entry stays free of Node.
 */
export async function saveS2Transformer(model: S2Transformer, basePath: string): Promise<void> {
  const node = (await import(/* @vite-ignore */ NODE_SUBPATH)) as NodeSubpath;
  return node.saveS2Transformer(model, basePath);
}

/**
 * Reads what `saveS2Transformer` wrote.
 *
 * @deprecated Node only: import it from `@s2cassi/s2-attn/node`. This forwarder loads that subpath at call
 * time, so the main entry stays free of Node.
 */
export async function loadS2Transformer(basePath: string): Promise<S2Transformer> {
  const node = (await import(/* @vite-ignore */ NODE_SUBPATH)) as NodeSubpath;
  return node.loadS2Transformer(basePath);
}

/**
 * The element-wise (weighted) mean of several weight files of one model: checkpoint averaging, as in
 * stochastic weight averaging (Izmailov et al. 2018) or fairseq's `average_checkpoints`. Averaging the
 * iterates of a run late in training smooths the noise of the last steps; the network has no batch
 * statistics to recompute (LayerNorm only).
 *
 * Every file must hold the same model: the same config in the metadata and the same F32 tensors (names
 * and shapes). Sums run in float64. The result is a weights file like {@link encodeModelWeights}'s, with
 * the first file's metadata plus `averagedFrom` (how many files were averaged). Inputs are not modified.
 *
 * @param files safetensors bytes, e.g. read from checkpoints' `weights.safetensors`
 * @param options.weights one non-negative weight per file, not all zero (default: equal)
 * @param options.sources names of the files for error messages
 */
export function averageModelWeights(
  files: readonly Uint8Array[],
  options: { weights?: readonly number[]; sources?: readonly string[] } = {},
): Uint8Array {
  if (files.length === 0)
    throw new S2AttnInputError('averageModelWeights: expected at least one weights file, got none');
  const sources = files.map((_, i) => options.sources?.[i] ?? `weights file ${i + 1} of ${files.length}`);
  const factors = options.weights ?? files.map(() => 1);
  if (factors.length !== files.length) {
    throw new S2AttnInputError(
      `averageModelWeights: expected one weight per file (${files.length}), got ${factors.length}`,
    );
  }
  if (factors.some((w) => !Number.isFinite(w) || w < 0) || factors.every((w) => w === 0)) {
    throw new S2AttnInputError(
      `averageModelWeights: expected finite non-negative weights, not all zero, got [${factors.join(', ')}]`,
    );
  }
  const total = factors.reduce((s, w) => s + w, 0);
  const decoded = files.map((bytes, i) => decodeSafetensors(bytes, sources[i]));
  const first = decoded[0];
  const { config, measurement, selfEnsemble: firstEnsemble } = manifestFromSafetensors(first, sources[0]);
  const scaling = JSON.stringify(measurement ?? DEFAULT_MEASUREMENT_SCALING);
  const names = Object.keys(first.tensors).sort();
  const sums = new Map(names.map((name) => [name, new Float64Array(first.tensors[name].data.length)]));
  decoded.forEach((file, i) => {
    const manifest = manifestFromSafetensors(file, sources[i]);
    const other = manifest.config;
    if (JSON.stringify(other) !== JSON.stringify(config)) {
      throw new S2AttnInputError(
        `averageModelWeights: ${sources[i]} holds another model than ${sources[0]}: config ${JSON.stringify(other)} vs ${JSON.stringify(config)}`,
      );
    }
    if ((manifest.selfEnsemble ?? 'none') !== (firstEnsemble ?? 'none')) {
      throw new S2AttnInputError(
        `averageModelWeights: ${sources[i]} is reconstructed with self-ensemble ${manifest.selfEnsemble ?? 'none'}, ${sources[0]} with ${firstEnsemble ?? 'none'}`,
      );
    }
    const theirScaling = JSON.stringify(manifest.measurement ?? DEFAULT_MEASUREMENT_SCALING);
    if (theirScaling !== scaling) {
      throw new S2AttnInputError(
        `averageModelWeights: ${sources[i]} expects measurements scaled otherwise than ${sources[0]}: ${theirScaling} vs ${scaling}`,
      );
    }
    const theirs = Object.keys(file.tensors).sort();
    if (theirs.join('\n') !== names.join('\n')) {
      const missing = names.filter((n) => !(n in file.tensors));
      const extra = theirs.filter((n) => !(n in first.tensors));
      throw new S2AttnInputError(
        `averageModelWeights: ${sources[i]} has other tensors than ${sources[0]} (missing ${missing.join(', ') || 'none'}; extra ${extra.join(', ') || 'none'})`,
      );
    }
    for (const name of names) {
      const tensor = file.tensors[name];
      const expected = first.tensors[name].shape;
      if (tensor.dtype !== 'F32' || tensor.shape.join(',') !== expected.join(',')) {
        throw new S2AttnInputError(
          `averageModelWeights: ${sources[i]} tensor '${name}' is [${tensor.shape.join(', ')}] ${tensor.dtype}, expected [${expected.join(', ')}] F32`,
        );
      }
      // a file with weight 0 adds nothing (not even a NaN it may hold)
      if (factors[i] === 0) continue;
      const data = tensor.data as Float32Array;
      const sum = sums.get(name) as Float64Array;
      const w = factors[i] / total;
      for (let k = 0; k < data.length; k++) sum[k] += w * data[k];
    }
  });
  const tensors: Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }> = {};
  for (const name of names) {
    tensors[name] = {
      dtype: 'F32',
      shape: [...first.tensors[name].shape],
      data: Float32Array.from(sums.get(name) as Float64Array),
    };
  }
  return encodeSafetensors(tensors, { ...first.metadata, averagedFrom: String(files.length) });
}
