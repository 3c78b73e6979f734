import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { type BackendChoice, setupBackend } from '@s2cassi/backends';
import { writeFileAtomic } from '@s2cassi/hsi-io/node';
import * as tf from '@tensorflow/tfjs-core';
import type { MaskArray } from './batch-sampler';
import { configHash, sha256Hex, TrainerCheckpointError } from './checkpoint';
import { type TrainerConfig, validateConfig } from './config';
import { writeCurves } from './curves-node';
import { FileCheckpointStore, type SkippedCheckpoint } from './file-checkpoint-store';
import { TrainerInitialWeightsError } from './initial-weights';
import type { TrainableModel } from './model';
import { loadConfiguredMask, openCaveSource } from './node-data';
import { deepMerge } from './overrides';
import { type SceneSource, syntheticSceneSource } from './scene-source';
import { type RunResult, Trainer } from './trainer';

export { writeCurves } from './curves-node';
export {
  type CheckpointManifest,
  FileCheckpointStore,
  type SkippedCheckpoint,
  writeFileAtomic,
} from './file-checkpoint-store';
export { type LogRecord, readLog } from './log';
export { loadConfiguredMask, loadMaskFile, loadStandardMaskFromDemoData, openCaveSource } from './node-data';

/** `run.json`: what produced a run. */
export interface RunManifest {
  format: 's2cassi.trainer-run';
  version: 1;
  configHash: string;
  seed: number;
  backend: string;
  backendReason: string;
  parameterCount: number;
  memoryEstimate: string;
  packages: Record<string, string>;
  node: string;
  platform: string;
  gitCommit: string | null;
  startedAt: string;
  /** The weights the run started from (`config.initialWeights`), when it did not start from random ones. */
  initialWeights?: { path: string; sha256: string; bytes: number };
  resumes: {
    at: string;
    fromStep: number;
    location: string;
    skipped: SkippedCheckpoint[];
    backend: string;
  }[];
  /**
   * Resumes that changed the learning-rate schedule (from the step they resumed at on; the steps before keep
   * the rates they ran at), with the config hashes before and after (configHash is the newest). Absent until the
   * first change.
   */
  scheduleChanges?: {
    at: string;
    atStep: number;
    from: TrainerConfig['learningRateSchedule'];
    to: TrainerConfig['learningRateSchedule'];
    fromHash: string;
    toHash: string;
  }[];
}

/** Options of {@link openTraining} and {@link openResume}. */
export interface NodeRunOptions {
  /** Where to look for data paths given relative in the config (default: the current directory). */
  baseDirectory?: string;
  /** A scene source instead of the config's (tests, custom data). */
  source?: SceneSource;
  /** A mask instead of the config's. */
  mask?: MaskArray;
  /** A model instead of the default S2Transformer. */
  model?: TrainableModel;
  /** Save a checkpoint and stop cleanly on SIGINT / SIGTERM (default true). */
  handleSignals?: boolean;
  /**
   * Stops the run like a first SIGINT does (the current step finishes, a checkpoint is saved, `start()`
   * resolves with `stopped: true`): for callers that own the process's signals or stop on their own terms
   * (a UI, a time budget). Works with or without `handleSignals`.
   */
  signal?: AbortSignal;
  /** Stop after this many global steps (tests, time-boxed sessions). */
  untilStep?: number;
  /** Skip setting up the backend (the caller already did; the current tfjs backend is used). */
  backend?: BackendChoice;
  /** Receives human-readable lines (backend choice, memory estimate, skipped checkpoints). */
  log?: (line: string) => void;
}

/** A prepared run: attach listeners to `trainer.events`, then `start()`. */
export interface NodeRun {
  trainer: Trainer;
  runDirectory: string;
  manifest: RunManifest;
  /** Trains to the end (or until stopped), writes curves, removes signal handlers; disposes the trainer. */
  start(): Promise<RunResult>;
}

const here = dirname(new URL(import.meta.url).pathname);

function packageVersions(): Record<string, string> {
  const versions: Record<string, string> = {};
  const require = createRequire(import.meta.url);
  for (const name of [
    '@s2cassi/trainer',
    '@s2cassi/s2-attn',
    '@s2cassi/cassi-sim',
    '@s2cassi/mask-aware-loss',
    '@s2cassi/metrics',
    '@s2cassi/backends',
    '@s2cassi/hsi-io',
    '@tensorflow/tfjs-core',
  ]) {
    try {
      const file =
        name === '@s2cassi/trainer' ? join(here, '../package.json') : require.resolve(`${name}/package.json`);
      versions[name] = JSON.parse(readFileSync(file, 'utf8')).version;
    } catch {
      versions[name] = 'unknown';
    }
  }
  return versions;
}

function gitCommit(directory: string): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: directory, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return null;
  }
}

async function resolveData(
  config: TrainerConfig,
  options: NodeRunOptions,
): Promise<{ source: SceneSource; mask: MaskArray }> {
  const base = options.baseDirectory ?? process.cwd();
  const { data, model } = config;
  let source = options.source;
  if (!source) {
    source =
      data.source.kind === 'synthetic'
        ? syntheticSceneSource({ ...data.source, bandCount: model.bandCount, seed: config.seed })
        : await openCaveSource(resolve(base, data.source.root), {
            validationScenes: data.source.validationScenes,
            trainScenes: data.source.trainScenes,
            divisor: data.source.divisor,
            bandCount: model.bandCount,
          });
  }
  let mask = options.mask;
  if (!mask) {
    mask = await loadConfiguredMask(config, { baseDirectory: base });
  }
  return { source, mask };
}

function attachLog(trainer: Trainer, logFile: string): void {
  const write = (record: unknown) => appendFileSync(logFile, `${JSON.stringify(record)}\n`);
  trainer.events.on('start', (e) =>
    write({
      type: 'start',
      ...e,
      memory: e.memory.summary,
      peakBytes: e.memory.peakBytes,
      at: new Date().toISOString(),
    }),
  );
  trainer.events.on('step', (e) => {
    if (e.step % trainer.config.log.everySteps === 0 || e.stepInEpoch === e.stepsPerEpoch - 1) write(e);
  });
  trainer.events.on('objective', (e) => write(e));
  trainer.events.on('epoch', (e) => write(e));
  trainer.events.on('validation', (e) => write({ type: 'validation', ...e }));
  trainer.events.on('checkpoint', (e) => write({ type: 'checkpoint', ...e }));
  trainer.events.on('warning', (e) => write({ type: 'warning', ...e }));
  trainer.events.on('end', (e) => write({ type: 'end', ...e, at: new Date().toISOString() }));
}

async function prepare(
  config: TrainerConfig,
  runDirectory: string,
  options: NodeRunOptions,
  resumeFrom: Awaited<ReturnType<FileCheckpointStore['loadLatest']>> | null,
  manifest: RunManifest | null,
  initialWeights?: { path: string; bytes: Uint8Array },
): Promise<NodeRun> {
  const log = options.log ?? (() => {});
  const backend = options.backend ?? (await setupBackend(config.backend, { log }));
  log(`backend: ${backend.backend} (${backend.reason})`);
  const { source, mask } = await resolveData(config, options);
  const trainer = await Trainer.create({
    config,
    source,
    mask,
    model: options.model,
    checkpoint: resumeFrom?.checkpoint,
    checkpointLocation: resumeFrom?.location,
    initialWeights: initialWeights && { bytes: initialWeights.bytes, source: initialWeights.path },
  });
  log(trainer.memory.summary);
  const runManifest: RunManifest = manifest ?? {
    format: 's2cassi.trainer-run',
    version: 1,
    configHash: await configHash(config),
    seed: config.seed,
    backend: backend.backend,
    backendReason: backend.reason,
    parameterCount: trainer.model.parameterCount(),
    memoryEstimate: trainer.memory.summary,
    packages: packageVersions(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    gitCommit: gitCommit(options.baseDirectory ?? process.cwd()),
    startedAt: new Date().toISOString(),
    ...(initialWeights && trainer.config.initialWeights?.sha256
      ? {
          initialWeights: {
            path: initialWeights.path,
            sha256: trainer.config.initialWeights.sha256,
            bytes: initialWeights.bytes.length,
          },
        }
      : {}),
    resumes: [],
  };
  if (runManifest.initialWeights && !resumeFrom) {
    log(
      `starting from the weights in ${runManifest.initialWeights.path} (sha256 ${runManifest.initialWeights.sha256})`,
    );
  }
  if (resumeFrom) {
    for (const skipped of resumeFrom.skipped)
      log(`skipped unusable checkpoint ${skipped.location}: ${skipped.reason}`);
    runManifest.resumes.push({
      at: new Date().toISOString(),
      fromStep: trainer.step,
      location: resumeFrom.location,
      skipped: resumeFrom.skipped,
      backend: backend.backend,
    });
    log(`resuming at step ${trainer.step} from ${resumeFrom.location}`);
    const change = trainer.scheduleChange;
    if (change) {
      const record = {
        at: new Date().toISOString(),
        atStep: change.atStep,
        from: change.from,
        to: change.to,
        fromHash: resumeFrom.checkpoint.state.configHash,
        toHash: await configHash(config),
      };
      const last = runManifest.scheduleChanges?.at(-1);
      const again =
        last?.fromHash === record.fromHash && last.toHash === record.toHash && last.atStep === record.atStep;
      if (!again) runManifest.scheduleChanges = [...(runManifest.scheduleChanges ?? []), record];
      runManifest.configHash = record.toHash;
      await writeFileAtomic(join(runDirectory, 'config.json'), `${JSON.stringify(config, null, 2)}\n`, {
        overwrite: true,
      });
      log(
        `learning-rate schedule after the ${change.atStep} steps done: ${JSON.stringify(change.to)} (was ${JSON.stringify(change.from)}; the steps done keep their rates)`,
      );
    }
  }
  await writeFileAtomic(join(runDirectory, 'run.json'), `${JSON.stringify(runManifest, null, 2)}\n`, {
    overwrite: true,
  });
  const logFile = join(runDirectory, 'log.jsonl');
  if (resumeFrom) {
    appendFileSync(
      logFile,
      `${JSON.stringify({ type: 'resume', fromStep: trainer.step, location: resumeFrom.location, skipped: resumeFrom.skipped, backend: backend.backend, at: new Date().toISOString() })}\n`,
    );
    const change = runManifest.scheduleChanges?.at(-1);
    if (trainer.scheduleChange && change)
      appendFileSync(logFile, `${JSON.stringify({ type: 'schedule', ...change })}\n`);
  }
  attachLog(trainer, logFile);
  // The printed loss jumps at a switch of objective (L_ME -> L_MA): say so where it happens.
  trainer.events.on('objective', (e) => log(e.message));
  const store = new FileCheckpointStore(runDirectory, config.checkpoint.keep);
  return {
    trainer,
    runDirectory,
    manifest: runManifest,
    async start(): Promise<RunResult> {
      const controller = new AbortController();
      const external = options.signal;
      const onExternalAbort = () => controller.abort(external?.reason);
      if (external?.aborted) controller.abort(external.reason);
      else external?.addEventListener('abort', onExternalAbort, { once: true });
      let signals = 0;
      const onSignal = (signal: NodeJS.Signals) => {
        signals++;
        if (signals === 1) {
          log(`${signal}: finishing the current step and saving a checkpoint (press again to quit at once)`);
          controller.abort();
        } else {
          process.exit(130);
        }
      };
      const handle = options.handleSignals ?? true;
      if (handle) {
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      }
      try {
        const result = await trainer.run({ store, signal: controller.signal, untilStep: options.untilStep });
        try {
          await writeCurves(logFile, join(runDirectory, 'curves'));
        } catch (error) {
          log(`could not draw the curves: ${(error as Error).message}`);
        }
        return result;
      } finally {
        external?.removeEventListener('abort', onExternalAbort);
        if (handle) {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
        trainer.dispose();
      }
    },
  };
}

/**
 * Prepares a new run in `runDirectory` (created; refused if it already holds checkpoints: use
 * {@link openResume}). Sets up the config's backend through @s2cassi/backends, loads the data, builds
 * the model, prints the memory estimate (refusing configurations that cannot fit), and writes
 * `config.json` and `run.json`. With `initialWeights` in the config, the file (path relative to
 * `baseDirectory`) is read, checked and loaded, and its SHA-256 is pinned in `config.json` and recorded in
 * `run.json`. Nothing trains until `start()`.
 */
export async function openTraining(
  config: TrainerConfig,
  runDirectory: string,
  options: NodeRunOptions = {},
): Promise<NodeRun> {
  const valid = validateConfig(config);
  if (existsSync(join(runDirectory, 'checkpoints', 'manifest.json'))) {
    throw new Error(
      `${runDirectory} already holds a run with checkpoints; resume it, or choose another folder`,
    );
  }
  let initialWeights: { path: string; bytes: Uint8Array } | undefined;
  if (valid.initialWeights) {
    const path = resolve(options.baseDirectory ?? process.cwd(), valid.initialWeights.path);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(path));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new TrainerInitialWeightsError(
        `initialWeights.path ${path} ${code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a folder' : `cannot be read (${(error as Error).message})`}: expected a safetensors weights file of the config's model`,
      );
    }
    const sha256 = await sha256Hex(bytes);
    if (valid.initialWeights.sha256 !== undefined && valid.initialWeights.sha256 !== sha256) {
      throw new TrainerInitialWeightsError(
        `initial weights ${path}: the file's SHA-256 is ${sha256}, the config pins ${valid.initialWeights.sha256} (initialWeights.sha256): another file, or the file changed`,
      );
    }
    // The run's config records the content it starts from, whatever the path later holds.
    valid.initialWeights = { ...valid.initialWeights, sha256 };
    initialWeights = { path, bytes };
  }
  await mkdir(runDirectory, { recursive: true });
  await writeFileAtomic(join(runDirectory, 'config.json'), `${JSON.stringify(valid, null, 2)}\n`, {
    overwrite: true,
  });
  return prepare(valid, runDirectory, options, null, null, initialWeights);
}

/**
 * Prepares the continuation of the run in `runDirectory` from its newest checkpoint that verifies
 * (corrupt ones are skipped and reported). `overrides` may change only what does not alter the training
 * (backend, checkpoint/log settings, data paths) and the learning-rate schedule from the current step on (a new
 * schedule must give every step already trained the rate it ran at, e.g. `{ kind: 'cosine', minLearningRate,
 * startEpoch }` with startEpoch at or after the current epoch; the change is recorded in run.json, log.jsonl and
 * config.json); anything else is refused with the differing fields.
 */
export async function openResume(
  runDirectory: string,
  options: NodeRunOptions & { overrides?: unknown } = {},
): Promise<NodeRun> {
  const store = new FileCheckpointStore(runDirectory, 2);
  const latest = await store.loadLatest();
  let config = latest.checkpoint.state.config;
  if (options.overrides !== undefined) config = validateConfig(deepMerge(config, options.overrides));
  let manifest: RunManifest | null = null;
  try {
    manifest = JSON.parse(await readFile(join(runDirectory, 'run.json'), 'utf8'));
  } catch {
    manifest = null;
  }
  // A checkpoint written before a schedule change (the change is recorded in run.json when the resume that makes
  // it starts) still belongs to this run.
  const runHashes = new Set([
    manifest?.configHash,
    ...(manifest?.scheduleChanges ?? []).flatMap((change) => [change.fromHash, change.toHash]),
  ]);
  if (manifest && !runHashes.has(latest.checkpoint.state.configHash)) {
    throw new TrainerCheckpointError(
      `${latest.location} belongs to a different run than ${join(runDirectory, 'run.json')} (config hashes differ)`,
    );
  }
  // The run stopped after a schedule change was recorded but before a checkpoint with it was written: go on with
  // the recorded schedule, not the checkpoint's old one (unless this resume names a schedule itself).
  const pending = manifest?.scheduleChanges?.at(-1);
  const namesSchedule =
    typeof options.overrides === 'object' &&
    options.overrides !== null &&
    'learningRateSchedule' in options.overrides;
  if (
    pending &&
    !namesSchedule &&
    latest.checkpoint.state.configHash === pending.fromHash &&
    pending.fromHash !== pending.toHash
  ) {
    config = validateConfig({ ...config, learningRateSchedule: structuredClone(pending.to) });
    options.log?.(
      `${latest.location} predates the recorded learning-rate schedule change at step ${pending.atStep}: applying it again`,
    );
  }
  return prepare(config, runDirectory, options, latest, manifest);
}

/** {@link openTraining} + `start()`, with an optional hook to attach listeners first. */
export async function train(
  config: TrainerConfig,
  runDirectory: string,
  options: NodeRunOptions & { onTrainer?: (trainer: Trainer) => void } = {},
): Promise<RunResult> {
  const run = await openTraining(config, runDirectory, options);
  options.onTrainer?.(run.trainer);
  return run.start();
}

/** {@link openResume} + `start()`. */
export async function resume(
  runDirectory: string,
  options: NodeRunOptions & { overrides?: unknown; onTrainer?: (trainer: Trainer) => void } = {},
): Promise<RunResult> {
  const run = await openResume(runDirectory, options);
  options.onTrainer?.(run.trainer);
  return run.start();
}

/** The live tensor count and bytes, for callers that want to print them. */
export function memorySnapshot(): { numTensors: number; numBytes: number } {
  const { numTensors, numBytes } = tf.memory();
  return { numTensors, numBytes };
}
