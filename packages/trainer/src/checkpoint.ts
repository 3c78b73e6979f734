import type { RandomState } from '@s2cassi/cassi-sim';
import { decodeSafetensors, encodeSafetensors, type SafetensorsTensor } from '@s2cassi/hsi-io';
import type { AdamState } from './adam';
import { type TrainerConfig, validateConfig } from './config';
import { diffPaths } from './overrides';

/** The file names inside one checkpoint. */
export const CHECKPOINT_FILES = {
  weights: 'weights.safetensors',
  optimizer: 'optimizer.safetensors',
  state: 'state.json',
} as const;

const FORMAT = 's2cassi.trainer-checkpoint';

/** One validation pass, as logged and kept in checkpoints. */
export interface ValidationRecord {
  epoch: number;
  step: number;
  /** Mean over the validation scenes (matlab preset). */
  psnr: number;
  ssim: number;
  scenes: { name: string; psnr: number; ssim: number }[];
  seconds: number;
}

/** Everything about a run's progress that is not a tensor. */
export interface TrainingProgress {
  /** Optimiser steps completed (the next step has this index). */
  step: number;
  /** Sum and count of the per-step total losses of the current (unfinished) epoch. */
  epochLossSum: number;
  epochLossCount: number;
  /** State of the data generator at the start of step `step`. */
  random: RandomState;
  validations: ValidationRecord[];
  best: ValidationRecord | null;
  /** Seconds spent training so far (across resumes). */
  trainingSeconds: number;
}

/** The JSON part of a checkpoint (`state.json`). */
export interface CheckpointState {
  format: typeof FORMAT;
  version: 1;
  configHash: string;
  config: TrainerConfig;
  progress: TrainingProgress;
  /** SHA-256 (hex) and size of each binary file, checked on load. */
  files: Record<string, { sha256: string; bytes: number }>;
  createdAt: string;
}

/** A checkpoint as bytes, ready to be written (file name -> content). */
export interface EncodedCheckpoint {
  files: Record<string, Uint8Array>;
  state: CheckpointState;
}

/** Thrown when a checkpoint cannot be used: corrupt, truncated, or from another configuration. */
export class TrainerCheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainerCheckpointError';
  }
}

/** Fields that may change between a checkpoint and its resume (they do not change what is trained). */
const UNHASHED_PATHS = [
  ['backend'],
  ['checkpoint'],
  ['log'],
  ['memoryLimitBytes'],
  ['training', 'checkpointBlocks'],
  ['data', 'source', 'root'],
  ['data', 'mask', 'path'],
  ['initialWeights', 'path'],
] as const;

function trainingDefinition(config: TrainerConfig): unknown {
  const copy = structuredClone(config) as unknown as Record<string, Record<string, unknown>>;
  for (const path of UNHASHED_PATHS) {
    let cursor: Record<string, unknown> | undefined = copy;
    for (const key of path.slice(0, -1)) cursor = cursor?.[key] as Record<string, unknown> | undefined;
    if (cursor) delete cursor[path[path.length - 1]];
  }
  return copy;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** SHA-256 of bytes, as lowercase hex (WebCrypto: Node >= 20 and browsers). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The hash that identifies what a configuration trains: SHA-256 of its canonical JSON without the
 * fields that may change on resume (backend, checkpoint and log settings, memory limit, gradient
 * checkpointing, data paths).
 */
export async function configHash(config: TrainerConfig): Promise<string> {
  return sha256Hex(new TextEncoder().encode(canonicalJson(trainingDefinition(config))));
}

/** The dotted paths where two configurations train differently (the fields that may change on resume left out). */
export function trainingDifferences(a: TrainerConfig, b: TrainerConfig): string[] {
  return diffPaths(trainingDefinition(a), trainingDefinition(b));
}

/** Refuses a checkpoint whose configuration trains something else than `config`, naming the fields. */
export function assertSameTraining(
  checkpointConfig: TrainerConfig,
  config: TrainerConfig,
  where: string,
): void {
  const differences = trainingDifferences(checkpointConfig, config);
  if (differences.length > 0) {
    const shown = differences.slice(0, 8).map((path) => {
      const read = (c: unknown) =>
        path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)?.[k], c);
      return `${path}: checkpoint ${JSON.stringify(read(checkpointConfig))}, now ${JSON.stringify(read(config))}`;
    });
    throw new TrainerCheckpointError(
      `${where} was written by a different training configuration; refusing to resume it.\n  ${shown.join('\n  ')}${
        differences.length > 8 ? `\n  (and ${differences.length - 8} more)` : ''
      }\nStart a new run in another folder, or resume with the checkpoint's own config (the learning-rate schedule alone may change from the current step on).`,
    );
  }
}

function f32(shape: readonly number[], values: Float32Array): SafetensorsTensor {
  return { dtype: 'F32', shape: [...shape], data: values };
}

/** Named float32 weights as a safetensors file (for models without their own weight format). */
export function encodeNamedWeights(
  weights: readonly { name: string; shape: readonly number[]; values: Float32Array }[],
): Uint8Array {
  const tensors: Record<string, SafetensorsTensor> = {};
  for (const { name, shape, values } of weights) tensors[name] = f32(shape, values);
  return encodeSafetensors(tensors, { producer: '@s2cassi/trainer' });
}

/**
 * Encodes weights (a safetensors file of F32 tensors keyed by weight name), optimiser state and progress
 * into checkpoint files with checksums.
 */
export async function encodeCheckpoint(
  config: TrainerConfig,
  weightBytes: Uint8Array,
  optimizer: AdamState,
  progress: TrainingProgress,
): Promise<EncodedCheckpoint> {
  const slots: Record<string, SafetensorsTensor> = {};
  for (const [name, slot] of Object.entries(optimizer.firstMoments))
    slots[`m/${name}`] = f32(slot.shape, slot.values);
  for (const [name, slot] of Object.entries(optimizer.secondMoments))
    slots[`v/${name}`] = f32(slot.shape, slot.values);
  const optimizerBytes = encodeSafetensors(slots, { optimizer: 'adam', step: String(optimizer.step) });
  const state: CheckpointState = {
    format: FORMAT,
    version: 1,
    configHash: await configHash(config),
    config,
    progress: structuredClone(progress),
    files: {
      [CHECKPOINT_FILES.weights]: { sha256: await sha256Hex(weightBytes), bytes: weightBytes.length },
      [CHECKPOINT_FILES.optimizer]: { sha256: await sha256Hex(optimizerBytes), bytes: optimizerBytes.length },
    },
    createdAt: new Date().toISOString(),
  };
  return {
    state,
    files: {
      [CHECKPOINT_FILES.weights]: weightBytes,
      [CHECKPOINT_FILES.optimizer]: optimizerBytes,
      [CHECKPOINT_FILES.state]: new TextEncoder().encode(`${JSON.stringify(state, null, 2)}\n`),
    },
  };
}

/** A checkpoint decoded and verified: checksums, formats, shapes of the optimiser slots. */
export interface DecodedCheckpoint {
  state: CheckpointState;
  weights: Record<string, { shape: number[]; values: Float32Array }>;
  optimizer: AdamState;
}

/**
 * Decodes and verifies checkpoint files. Throws {@link TrainerCheckpointError} on anything wrong
 * (missing file, bad JSON, checksum mismatch, invalid config, malformed safetensors).
 */
export async function decodeCheckpoint(
  files: Record<string, Uint8Array | undefined>,
  where: string,
): Promise<DecodedCheckpoint> {
  const stateBytes = files[CHECKPOINT_FILES.state];
  if (!stateBytes) throw new TrainerCheckpointError(`${where}: ${CHECKPOINT_FILES.state} is missing`);
  let state: CheckpointState;
  try {
    state = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(stateBytes));
  } catch (error) {
    throw new TrainerCheckpointError(
      `${where}: ${CHECKPOINT_FILES.state} is not valid JSON (${(error as Error).message})`,
    );
  }
  if (state?.format !== FORMAT || state.version !== 1) {
    throw new TrainerCheckpointError(
      `${where}: expected a ${FORMAT} version 1 state, got format ${JSON.stringify(state?.format)} version ${JSON.stringify(state?.version)}`,
    );
  }
  try {
    state.config = validateConfig(state.config, `${where}: the checkpoint's config`);
  } catch (error) {
    throw new TrainerCheckpointError((error as Error).message);
  }
  const progress = state.progress;
  if (
    !progress ||
    !Number.isSafeInteger(progress.step) ||
    progress.step < 0 ||
    typeof progress.random !== 'object'
  ) {
    throw new TrainerCheckpointError(`${where}: ${CHECKPOINT_FILES.state} has no valid progress record`);
  }
  if ((await configHash(state.config)) !== state.configHash) {
    throw new TrainerCheckpointError(
      `${where}: the config hash does not match the stored config (edited or corrupt)`,
    );
  }
  const decoded: Record<string, ReturnType<typeof decodeSafetensors>> = {};
  for (const name of [CHECKPOINT_FILES.weights, CHECKPOINT_FILES.optimizer]) {
    const bytes = files[name];
    const expected = state.files?.[name];
    if (!bytes) throw new TrainerCheckpointError(`${where}: ${name} is missing`);
    if (!expected)
      throw new TrainerCheckpointError(`${where}: ${CHECKPOINT_FILES.state} lists no checksum for ${name}`);
    if (bytes.length !== expected.bytes) {
      throw new TrainerCheckpointError(
        `${where}: ${name} has ${bytes.length} bytes, expected ${expected.bytes} (truncated?)`,
      );
    }
    if ((await sha256Hex(bytes)) !== expected.sha256) {
      throw new TrainerCheckpointError(`${where}: ${name} does not match its SHA-256 checksum (corrupt)`);
    }
    try {
      decoded[name] = decodeSafetensors(bytes, `${where}/${name}`);
    } catch (error) {
      throw new TrainerCheckpointError((error as Error).message);
    }
  }
  const weights: DecodedCheckpoint['weights'] = {};
  for (const [name, tensor] of Object.entries(decoded[CHECKPOINT_FILES.weights].tensors)) {
    if (tensor.dtype !== 'F32')
      throw new TrainerCheckpointError(`${where}: weight ${name} is ${tensor.dtype}, expected F32`);
    weights[name] = { shape: tensor.shape, values: tensor.data as Float32Array };
  }
  const optimizerFile = decoded[CHECKPOINT_FILES.optimizer];
  const step = Number(optimizerFile.metadata.step);
  if (optimizerFile.metadata.optimizer !== 'adam' || !Number.isSafeInteger(step) || step < 0) {
    throw new TrainerCheckpointError(`${where}: ${CHECKPOINT_FILES.optimizer} is not an Adam state`);
  }
  const optimizer: AdamState = { step, firstMoments: {}, secondMoments: {} };
  for (const [key, tensor] of Object.entries(optimizerFile.tensors)) {
    const slash = key.indexOf('/');
    const kind = key.slice(0, slash);
    const name = key.slice(slash + 1);
    if ((kind !== 'm' && kind !== 'v') || tensor.dtype !== 'F32') {
      throw new TrainerCheckpointError(`${where}: unexpected optimizer tensor ${key} (${tensor.dtype})`);
    }
    (kind === 'm' ? optimizer.firstMoments : optimizer.secondMoments)[name] = {
      shape: tensor.shape,
      values: tensor.data as Float32Array,
    };
  }
  return { state, weights, optimizer };
}
