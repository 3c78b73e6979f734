/**
 * Exports a trainer checkpoint as the bundled demo model (issue 9):
 *
 *   npx tsx --conditions=@s2cassi/source apps/demo-model/scripts/export-demo-model.ts <run folder> [best|step-N]
 *
 * Writes, atomically, into packages/demo-data/assets/demo-model/:
 * - `demo-model.safetensors`: the checkpoint's weights as written by the trainer (@s2cassi/s2-attn
 *   `encodeModelWeights`: F32 tensors under their hierarchical names, the model config in the metadata);
 * - `demo-model.json`: `{ format, version, config }` (the s2-attn weights manifest, what `--weights x.json`
 *   readers check) plus `training`: where the weights came from (run, checkpoint, step, epoch, config hash,
 *   validation record);
 * - `training-log.jsonl.gz` (the run's JSON lines), `training-config.json` (the resolved trainer config),
 *   `run.json` (the run manifest) and the learning curves drawn from the log by the trainer's
 *   `writeCurves` (`curves-loss.png|svg`, `curves-validation.png|svg`).
 * Refuses weights that do not decode into an S2Transformer or exceed 5 MB.
 */
import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { setupBackend } from '@s2cassi/backends';
import { writeFileAtomic } from '@s2cassi/hsi-io/node';
import { decodeModelWeights, modelManifest } from '@s2cassi/s2-attn';
import { writeCurves } from '@s2cassi/trainer/node';

const MAX_BYTES = 5 * 1024 * 1024;

import { demoModelAssets } from './_script-args';

const assets = demoModelAssets;

function writeAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  return writeFileAtomic(path, bytes, { overwrite: true });
}

async function main(): Promise<void> {
  const [runArgument, which = 'best'] = process.argv.slice(2);
  if (!runArgument) throw new Error('usage: export-demo-model.ts <run folder> [best|step-N]');
  const run = resolve(runArgument);
  const folder = join(run, 'checkpoints', which);
  const weightsPath = join(folder, 'weights.safetensors');
  if (!existsSync(weightsPath)) throw new Error(`${weightsPath} does not exist`);
  const bytes = new Uint8Array(readFileSync(weightsPath));
  if (bytes.length > MAX_BYTES)
    throw new Error(`${weightsPath} is ${bytes.length} bytes; the demo model must be <= ${MAX_BYTES}`);
  await setupBackend('cpu', { log: () => {} });
  const model = decodeModelWeights(bytes, { source: weightsPath });
  const manifest = modelManifest(model);
  const parameters = model.parameterCount();
  model.dispose();
  const state = JSON.parse(readFileSync(join(folder, 'state.json'), 'utf8'));
  const progress = state.progress ?? {};
  const config = state.config;
  const stepsPerEpoch = Math.ceil(config.training.samplesPerEpoch / config.training.batchSize);
  const training = {
    run,
    checkpoint: which,
    step: progress.step,
    epoch: Math.ceil(progress.step / stepsPerEpoch) - 1,
    totalSteps: stepsPerEpoch * config.training.epochs,
    trainingSeconds: progress.trainingSeconds,
    configHash: state.configHash,
    parameterCount: parameters,
    validation: progress.best ?? null,
  };
  await writeAtomic(join(assets, 'demo-model.safetensors'), bytes);
  await writeAtomic(
    join(assets, 'demo-model.json'),
    `${JSON.stringify({ ...manifest, training }, null, 2)}\n`,
  );
  await writeAtomic(join(assets, 'training-config.json'), `${JSON.stringify(config, null, 2)}\n`);
  if (existsSync(join(run, 'run.json'))) copyFileSync(join(run, 'run.json'), join(assets, 'run.json'));
  await writeAtomic(
    join(assets, 'training-log.jsonl.gz'),
    gzipSync(readFileSync(join(run, 'log.jsonl')), { level: 9 }),
  );
  // The trainer draws curves at the end of a run; draw them from the log now (the run may still be going).
  const curves = join(run, 'curves-export');
  await writeCurves(join(run, 'log.jsonl'), curves);
  for (const name of readdirSync(curves).filter((n) => n.endsWith('.png') || n.endsWith('.svg'))) {
    copyFileSync(join(curves, name), join(assets, `curves-${name}`));
  }
  console.log(
    `exported ${weightsPath} (${bytes.length} bytes, ${parameters} parameters, step ${progress.step}) to ${assets}`,
  );
}

main().catch((error) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
