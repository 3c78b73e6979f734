/**
 * Exports a trainer checkpoint as the bundled demo model (issue 9):
 *
 *   npx tsx --conditions=@s2cassi/source apps/demo-model/scripts/export-demo-model.ts <run folder> [best|latest|step-N]
 *   ... export-demo-model.ts <run folder> <latest|step-N> --weights averaged.safetensors --window A-B
 *   ... [--self-ensemble shift2]
 *
 * `--self-ensemble` stores the self-ensemble the model is to be reconstructed with in the exported weights'
 * metadata and manifest (@s2cassi/s2-attn `selfEnsemble`; scripts/results/self-ensemble.md has the rule); the
 * tensors stay the checkpoint's (or the average's).
 * The second form ships an average of the run's checkpoints from steps A to B (`average-checkpoints.ts`;
 * scripts/results/checkpoint-averaging.md) instead of one checkpoint; the named checkpoint (the window's
 * last) supplies the training record.
 *
 * Writes, atomically, into packages/demo-data/assets/demo-model/:
 * - `demo-model.safetensors`: the checkpoint's weights as written by the trainer (@s2cassi/s2-attn
 *   `encodeModelWeights`: F32 tensors under their hierarchical names, the model config in the metadata);
 * - `demo-model.json`: `{ format, version, config }` (the s2-attn weights manifest, what `--weights x.json`
 *   readers check) plus `training`: where the weights came from (run, checkpoint, step, epoch, config hash,
 *   validation record);
 * - `training-log.jsonl.gz`: the run's JSON lines without the per-step lines (every
 *   epoch's mean loss and rate, every validation, checkpoint, resume and schedule change stay; the
 *   per-step lines would make it ~4 MB; the repository keeps the full log with the run's snapshot);
 *   `training-config.json` (the resolved trainer config), `run.json` (the run manifest) and the learning
 *   curves drawn from the full log by the trainer's `writeCurves` (`curves-loss.png|svg`,
 *   `curves-validation.png|svg`).
 * `demo-model.json`'s `training` also records what the card needs from the per-step lines: the training
 * pixels up to the exported step, the median step time over the run and the training heap at the exported step.
 * Refuses weights that do not decode into an S2Transformer or exceed 5 MB.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { setupBackend } from '@s2cassi/backends';
import { decodeSafetensors, encodeSafetensors } from '@s2cassi/hsi-io';
import { writeFileAtomic } from '@s2cassi/hsi-io/node';
import { decodeModelWeights, encodeModelWeights, modelManifest, resolveSelfEnsemble } from '@s2cassi/s2-attn';
import { readLog, writeCurves } from '@s2cassi/trainer/node';

const MAX_BYTES = 5 * 1024 * 1024;

import { demoModelAssets, option } from './_script-args';

const assets = demoModelAssets;

function writeAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  return writeFileAtomic(path, bytes, { overwrite: true });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const [runArgument, named = 'best'] = args.filter(
    (arg, i) => !arg.startsWith('--') && !args[i - 1]?.startsWith('--'),
  );
  if (!runArgument)
    throw new Error(
      'usage: export-demo-model.ts <run folder> [best|latest|step-N] [--weights averaged.safetensors --window A-B]',
    );
  const run = resolve(runArgument);
  const which =
    named === 'latest'
      ? JSON.parse(readFileSync(join(run, 'checkpoints', 'manifest.json'), 'utf8')).latest
      : named;
  const folder = join(run, 'checkpoints', which);
  const averagedPath = option('--weights');
  const windowText = option('--window');
  const window = windowText === undefined ? undefined : /^(\d+)-(\d+)$/.exec(windowText);
  if ((averagedPath === undefined) !== (windowText === undefined) || (windowText !== undefined && !window))
    throw new Error(
      `--weights and --window A-B go together (the averaged file and the steps it averages), got --weights ${averagedPath} --window ${windowText}`,
    );
  const weightsPath = averagedPath ? resolve(averagedPath) : join(folder, 'weights.safetensors');
  if (!existsSync(weightsPath)) throw new Error(`${weightsPath} does not exist`);
  let bytes: Uint8Array = new Uint8Array(readFileSync(weightsPath));
  if (bytes.length > MAX_BYTES)
    throw new Error(`${weightsPath} is ${bytes.length} bytes; the demo model must be <= ${MAX_BYTES}`);
  await setupBackend('cpu', { log: () => {} });
  const model = decodeModelWeights(bytes, { source: weightsPath });
  const { metadata } = decodeSafetensors(bytes, weightsPath);
  const ensemble = option('--self-ensemble');
  if (ensemble !== undefined) {
    model.selfEnsemble = resolveSelfEnsemble(ensemble, '--self-ensemble');
    // the same tensors; the metadata gains selfEnsemble (averagedFrom is kept: the card reads it)
    const reencoded = decodeSafetensors(encodeModelWeights(model));
    const tensors = Object.fromEntries(
      Object.entries(reencoded.tensors).map(([name, t]) => [
        name,
        { dtype: 'F32' as const, shape: t.shape, data: t.data as Float32Array },
      ]),
    );
    bytes = encodeSafetensors(tensors, { ...metadata, ...reencoded.metadata });
  }
  const averagedFrom = Number(metadata.averagedFrom ?? 0);
  if (averagedPath && !(averagedFrom > 1))
    throw new Error(`${weightsPath} is not an average of checkpoints (no averagedFrom > 1 in its metadata)`);
  const manifest = modelManifest(model);
  const parameters = model.parameterCount();
  model.dispose();
  const state = JSON.parse(readFileSync(join(folder, 'state.json'), 'utf8'));
  const progress = state.progress ?? {};
  const config = state.config;
  if (window) {
    const [first, last] = [Number(window[1]), Number(window[2])];
    if (!(first < last))
      throw new Error(`--window ${windowText}: expected A-B with A < B, the first and last averaged steps`);
    if (progress.step !== last)
      throw new Error(
        `${folder} is step ${progress.step}, not the last step of the averaged window ${windowText}: name the checkpoint at the window's end`,
      );
    // the average must be of this run's model: the same config as the named checkpoint's weights
    const own = decodeSafetensors(new Uint8Array(readFileSync(join(folder, 'weights.safetensors'))), folder);
    if (own.metadata.config !== metadata.config)
      throw new Error(`${weightsPath} holds another model than ${folder}: their metadata configs differ`);
  }
  const stepsPerEpoch = Math.ceil(config.training.samplesPerEpoch / config.training.batchSize);
  // The trainer's reader: skips a half-written last line (the run may still be going) and keeps one record
  // per step where a resume re-ran steps after the last checkpoint.
  const log = await readLog(join(run, 'log.jsonl'));
  const steps = log.steps;
  const stepSeconds = steps.map((r) => Number(r.seconds)).sort((a, b) => a - b);
  const runManifest = existsSync(join(run, 'run.json'))
    ? JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'))
    : undefined;
  const cropPixels = config.data.cropSize * config.data.cropSize;
  const atStep = steps.filter((r) => (r.step ?? 0) <= progress.step).at(-1);
  const training = {
    // the run's name (its snapshot lives in apps/demo-model/runs/<name>), not this machine's path
    run: basename(run),
    checkpoint: window ? `average of ${averagedFrom} checkpoints, steps ${window[1]}-${window[2]}` : which,
    averaged: window ? { count: averagedFrom, fromStep: Number(window[1]), toStep: Number(window[2]) } : null,
    // the trainer's own choice (best held-out validation of single checkpoints) when an average ships
    trainerBest: window ? (progress.best ?? null) : null,
    step: progress.step,
    epoch: Math.ceil(progress.step / stepsPerEpoch) - 1,
    totalSteps: stepsPerEpoch * config.training.epochs,
    trainingSeconds: progress.trainingSeconds,
    configHash: state.configHash,
    parameterCount: parameters,
    // the trainer's validation of exactly these weights: only a single checkpoint that was the best so far
    // (the best-so-far record of another checkpoint describes other weights)
    validation: !window && progress.best?.step === progress.step ? progress.best : null,
    trainingPixels: progress.step * config.training.batchSize * cropPixels,
    stepsLogged: steps.length,
    medianStepSeconds: stepSeconds.length > 0 ? stepSeconds[Math.floor(stepSeconds.length / 2)] : null,
    // the wasm heap while training, at the exported step (earlier kernels needed more)
    backendBytesAtStep: atStep?.backendBytes ?? null,
    scheduleChanges: runManifest?.scheduleChanges ?? [],
  };
  mkdirSync(assets, { recursive: true });
  await writeAtomic(join(assets, 'demo-model.safetensors'), bytes);
  await writeAtomic(
    join(assets, 'demo-model.json'),
    `${JSON.stringify({ ...manifest, training }, null, 2)}\n`,
  );
  await writeAtomic(join(assets, 'training-config.json'), `${JSON.stringify(config, null, 2)}\n`);
  if (existsSync(join(run, 'run.json')))
    await writeAtomic(join(assets, 'run.json'), readFileSync(join(run, 'run.json')));
  const condensed = log.records
    .filter((r) => r.type !== 'step')
    .map((r) => JSON.stringify(r))
    .join('\n');
  await writeAtomic(join(assets, 'training-log.jsonl.gz'), gzipSync(`${condensed}\n`, { level: 9 }));
  // The trainer draws curves at the end of a run; draw them from the log now (the run may still be going),
  // into a temporary folder (the run folder is the trainer's, and an input here).
  const curves = mkdtempSync(join(tmpdir(), 's2cassi-curves-'));
  try {
    await writeCurves(join(run, 'log.jsonl'), curves);
    for (const name of readdirSync(curves).filter((n) => n.endsWith('.png') || n.endsWith('.svg'))) {
      await writeAtomic(join(assets, `curves-${name}`), readFileSync(join(curves, name)));
    }
  } finally {
    rmSync(curves, { recursive: true, force: true });
  }
  console.log(
    `exported ${weightsPath} (${bytes.length} bytes, ${parameters} parameters, step ${progress.step}) to ${assets}`,
  );
}

main().catch((error) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
