/**
 * Trains (or resumes) the demo S2-Transformer with the project's trainer (issue 9).
 *
 *   node --conditions=@s2cassi/source --import tsx apps/demo-model/scripts/train-demo-model.ts train  <run folder>
 *   node --conditions=@s2cassi/source --import tsx apps/demo-model/scripts/train-demo-model.ts resume <run folder>
 *
 * (plain `node --import tsx`, not `npx tsx`, so that the process id in `<run folder>/train.pid` is the
 * trainer itself and `kill -TERM $(cat <run folder>/train.pid)` reaches its signal handler.)
 *
 * Options: --config <file> (default: scripts/demo-model.config.json next to this script),
 *          --data <folder> (the shared data folder; default $S2CASSI_DATA, else ../shared/data from the
 *          repository root, else /work/shared/data), --until-step <n> (stop there with a checkpoint),
 *          --threads <1-8> (wasm threads; default 1), --set <path=value> (resume only, repeatable: the trainer's
 *          resume overrides, e.g. learningRateSchedule={"kind":"cosine","minLearningRate":1e-5,"startEpoch":1000}
 *          to decay from epoch 1000 on; refused if it would change a step already trained). The backend is
 *          always wasm.
 *
 * Everything goes through the trainer's public Node API (`openTraining` / `openResume`): checkpoints every
 * `checkpoint.everySteps` steps, at each epoch end, on a new best validation PSNR and on SIGINT/SIGTERM,
 * into `<run folder>/checkpoints`; JSON lines in `<run folder>/log.jsonl`; curves at the end.
 *
 * Known trainer limitation (reported to the trainer): on wasm a training step rarely yields to the event
 * loop (tensor reads resolve as microtasks), so a SIGTERM may be seen only at the next checkpoint write, i.e.
 * within `checkpoint.everySteps` steps; the trainer then saves and stops.
 *
 * Driver-side only: the CAVE scene source. The trainer's own CAVE loader (`data.source.kind: 'cave'`) was
 * not finished when this run started, so the same thing is built here from @s2cassi/hsi-io's lazy CAVE
 * dataset (16-bit PNG / 65535, 31 bands linearly resampled onto the 28 CASSI centres, the same pipeline as
 * the bundled demo scene) and handed to the trainer as `source`. The mask is the config's: `standard` (the TSA
 * mask bundled in @s2cassi/demo-data, identical to ../shared/data/cassi_sim_mask/mask.mat), or a `file` whose
 * path is relative to the data folder (e.g. `cassi_real/mask.mat`, the real system's 660 x 660 mask), read here
 * and handed to the trainer as `mask`. `initialWeights.path` is relative to the demo-model project folder.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setupBackend } from '@s2cassi/backends';
import { openCaveDataset } from '@s2cassi/hsi-io/node';
import { parseSetOverrides, resolveConfig, type SceneSource, type TrainerConfig } from '@s2cassi/trainer';
import { loadMaskFile, openResume, openTraining } from '@s2cassi/trainer/node';
import { dataFolder, option, options } from './_script-args';

async function caveSource(config: TrainerConfig, data: string): Promise<SceneSource> {
  const source = config.data.source;
  if (source.kind !== 'cave')
    throw new Error(`the demo model trains on CAVE; data.source.kind is ${source.kind}`);
  const root = resolve(data, 'cave');
  const dataset = await openCaveDataset(root, { scale: source.divisor, bands: 'cassi28' });
  const missing = source.validationScenes.filter((name) => !dataset.names.includes(name));
  if (missing.length > 0)
    throw new Error(`${root}: no scene(s) ${missing.join(', ')} (have ${dataset.names.join(', ')})`);
  const trainSceneNames = (source.trainScenes ?? dataset.names).filter(
    (name) => !source.validationScenes.includes(name),
  );
  return {
    trainSceneNames,
    validationSceneNames: [...source.validationScenes],
    async load(name: string) {
      const cube = await dataset.get(name);
      return { data: cube.data, shape: [cube.shape[0], cube.shape[1], cube.shape[2]] };
    },
  };
}

/** A `file` mask from the data folder (the trainer would resolve it against the current folder). */
async function fileMask(config: TrainerConfig, data: string) {
  const mask = config.data.mask;
  return mask.kind === 'file' ? loadMaskFile(resolve(data, mask.path), mask.key) : undefined;
}

const projectFolder = resolve(import.meta.dirname, '..');

async function main(): Promise<void> {
  const [command, runFolder] = process.argv.slice(2);
  if ((command !== 'train' && command !== 'resume') || !runFolder) {
    throw new Error(
      'usage: train-demo-model.ts train|resume <run folder> [--config file] [--data folder] [--until-step n] [--threads n] [--set path=value ...]',
    );
  }
  const threadsText = option('--threads');
  const threads = threadsText === undefined ? 1 : Number(threadsText);
  if (!Number.isInteger(threads) || threads < 1 || threads > 8)
    throw new Error(`--threads must be an integer from 1 to 8; got ${threadsText}`);
  const untilText = option('--until-step');
  const untilStep = untilText === undefined ? undefined : Number(untilText);
  const log = (line: string) => console.log(`[${new Date().toISOString()}] ${line}`);
  const data = dataFolder();
  const backend = await setupBackend('wasm', { threads, log });
  let run: Awaited<ReturnType<typeof openTraining>>;
  if (command === 'train') {
    if (options('--set').length > 0)
      throw new Error('--set is for resume; put the fields in the --config file');
    const configFile = option('--config') ?? resolve(import.meta.dirname, 'demo-model.config.json');
    const config = resolveConfig(JSON.parse(readFileSync(configFile, 'utf8')));
    log(`config ${configFile}; data ${data}`);
    run = await openTraining(config, resolve(runFolder), {
      source: await caveSource(config, data),
      mask: await fileMask(config, data),
      baseDirectory: projectFolder,
      untilStep,
      log,
      backend,
    });
  } else {
    const { FileCheckpointStore } = await import('@s2cassi/trainer/node');
    const latest = await new FileCheckpointStore(resolve(runFolder), 2).loadLatest();
    const config = latest.checkpoint.state.config;
    const sets = options('--set');
    run = await openResume(resolve(runFolder), {
      overrides: sets.length > 0 ? parseSetOverrides(sets) : undefined,
      source: await caveSource(config, data),
      mask: await fileMask(config, data),
      baseDirectory: projectFolder,
      untilStep,
      log,
      backend,
    });
  }
  const { trainer } = run;
  writeFileSync(resolve(runFolder, 'train.pid'), `${process.pid}\n`);
  log(
    `parameters ${trainer.model.parameterCount()}; steps ${trainer.step}/${trainer.totalSteps}; ${trainer.memory.summary}`,
  );
  trainer.events.on('step', (e) => {
    if (e.step % 10 === 0) {
      log(
        `step ${e.step} epoch ${e.epoch} ${e.objective} loss ${e.loss.total.toFixed(4)} recon ${e.loss.recon.toFixed(4)} lr ${e.learningRate.toExponential(2)} ${e.seconds.toFixed(1)} s/step`,
      );
    }
  });
  trainer.events.on('validation', (e) =>
    log(
      `validation step ${e.step}: PSNR ${e.psnr.toFixed(2)} SSIM ${e.ssim.toFixed(4)} ${e.best ? '(best)' : ''} ${e.scenes
        .map((s) => `${s.name} ${s.psnr.toFixed(2)}`)
        .join(', ')}`,
    ),
  );
  trainer.events.on('checkpoint', (e) => log(`checkpoint ${e.kind} at step ${e.step}: ${e.location}`));
  const result = await run.start();
  log(
    `stopped at step ${result.step} (${result.stopped ? 'interrupted' : 'finished'}); best ${JSON.stringify(result.best)}`,
  );
}

main().catch((error) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
