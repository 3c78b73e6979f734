import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PRESET_NAMES, parseSetOverrides, resolveConfig, type TrainerConfig } from '@s2cassi/trainer';
import { type NodeRun, openResume, openTraining } from '@s2cassi/trainer/node';
import cliProgress from 'cli-progress';
import { Option } from 'commander';
import { quietTfjs, useBackend } from '../_backend';
import { integerAtLeast } from '../_options';
import { formatSeconds } from '../_progress';
import type { CommandContext } from '../context';
import { UsageError } from '../errors';
import { addCommonOptions, registerCommand } from '../program';

/** The trainer's log lines, without immediate repeats (setup reports the backend twice). */
function lineLogger(context: CommandContext): (line: string) => void {
  let last = '';
  return (line) => {
    if (line !== last) context.log(line);
    last = line;
  };
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Epoch and step bars on a terminal; one line per step (and epoch) otherwise. */
function attachProgress(context: CommandContext, run: NodeRun): () => void {
  const { trainer } = run;
  const events = trainer.events;
  const offs: (() => void)[] = [];
  if (context.json) return () => {};
  if (context.interactive) {
    const bars = new cliProgress.MultiBar(
      {
        format: '{name} {bar} {value}/{total} | {info} | ETA {eta_formatted}',
        hideCursor: true,
        clearOnComplete: false,
        stream: process.stderr,
        etaBuffer: 30,
      },
      cliProgress.Presets.shades_classic,
    );
    let epochBar: cliProgress.SingleBar | undefined;
    let stepBar: cliProgress.SingleBar | undefined;
    offs.push(
      events.on('start', (s) => {
        const epoch = Math.floor(s.firstStep / s.stepsPerEpoch);
        epochBar = bars.create(s.epochs, epoch, {
          name: 'epochs',
          info: `${s.parameterCount} parameters, ${s.backend}`,
        });
        stepBar = bars.create(s.stepsPerEpoch, s.firstStep % s.stepsPerEpoch, {
          name: 'steps ',
          info: 'starting',
        });
      }),
      events.on('step', (s) => {
        stepBar?.update(s.stepInEpoch + 1, {
          info: `epoch ${s.epoch + 1} loss ${s.loss.total.toFixed(4)} lr ${s.learningRate.toExponential(2)} ${s.samplesPerSecond.toFixed(2)} samples/s`,
        });
      }),
      events.on('epoch', (e) => {
        epochBar?.update(e.epoch + 1, {
          info: `mean loss ${e.meanLoss.toFixed(4)}${e.validation ? `, val PSNR ${e.validation.psnr.toFixed(2)} dB` : ''}`,
        });
        stepBar?.update(0);
      }),
      events.on('end', () => bars.stop()),
    );
  } else {
    const started = performance.now();
    let total = 0;
    let first = 0;
    offs.push(
      events.on('start', (s) => {
        total = s.totalSteps;
        first = s.firstStep;
        context.log(
          `training: ${s.totalSteps} steps (${s.epochs} epochs x ${s.stepsPerEpoch}), from step ${s.firstStep}, ${s.parameterCount} parameters, backend ${s.backend}`,
        );
      }),
      events.on('step', (s) => {
        const done = s.step + 1 - first;
        const elapsed = (performance.now() - started) / 1000;
        const eta = (elapsed / done) * (total - s.step - 1);
        context.log(
          `step ${s.step + 1}/${total} epoch ${s.epoch + 1} loss ${s.loss.total.toFixed(5)} lr ${s.learningRate.toExponential(2)} ${s.samplesPerSecond.toFixed(2)} samples/s ETA ${formatSeconds(eta)}`,
        );
      }),
      events.on('epoch', (e) =>
        context.log(
          `epoch ${e.epoch + 1} done: mean loss ${e.meanLoss.toFixed(5)}${e.validation ? `, validation PSNR ${e.validation.psnr.toFixed(2)} dB` : ''}`,
        ),
      ),
    );
  }
  offs.push(
    events.on('checkpoint', (c) => context.log(`checkpoint (${c.kind}) at step ${c.step}: ${c.location}`)),
    events.on('warning', (w) => context.log(`warning: ${w.message}`)),
  );
  return () => {
    for (const off of offs) off();
  };
}

async function runTraining(context: CommandContext, run: NodeRun, runDirectory: string): Promise<void> {
  const detach = attachProgress(context, run);
  let result: Awaited<ReturnType<NodeRun['start']>>;
  const totalSteps = run.trainer.totalSteps;
  try {
    result = await run.start();
  } finally {
    detach();
  }
  const summary = {
    runDirectory: resolve(runDirectory),
    step: result.step,
    totalSteps,
    stopped: result.stopped,
    best: result.best,
    validations: result.validations,
    checkpoints: join(resolve(runDirectory), 'checkpoints'),
    weights: result.best
      ? join(resolve(runDirectory), 'checkpoints', 'best', 'weights.safetensors')
      : undefined,
  };
  if (context.json) {
    context.out(JSON.stringify(summary, null, 2));
    return;
  }
  context.out(
    result.stopped
      ? `stopped at step ${result.step} of ${totalSteps}; checkpoint saved in ${summary.checkpoints}. Continue with: s2cassi resume ${runDirectory}`
      : `finished ${result.step} steps; checkpoints in ${summary.checkpoints}`,
  );
  if (result.best)
    context.out(
      `best validation: PSNR ${result.best.psnr.toFixed(2)} dB at step ${result.best.step} (${summary.weights})`,
    );
}

function backendOverride(context: CommandContext): Record<string, unknown>[] {
  return context.backend === 'auto' ? [] : [{ backend: context.backend }];
}

function mapTrainerErrors(error: unknown, runDirectory: string): never {
  const message = (error as Error).message ?? String(error);
  if (/already holds a run/.test(message)) {
    throw new UsageError(`${message} (s2cassi resume ${runDirectory} continues it)`);
  }
  if (/ENOENT/.test(message) && /manifest\.json|checkpoints/.test(message)) {
    throw new UsageError(
      `${runDirectory} holds no checkpoints to resume: start it with s2cassi train -o ${runDirectory}`,
    );
  }
  const name = (error as Error).name;
  if (
    name === 'TrainerInitialWeightsError' ||
    name === 'WeightsMismatchError' ||
    (name === 'HsiFormatError' && message.startsWith('initial weights '))
  ) {
    // --init / initialWeights names a file that is not this model's weights (the message says how)
    throw new UsageError(message);
  }
  if (/different training configuration|would have run step/.test(message)) {
    // --set asked for something the run cannot continue with (named in the message)
    throw new UsageError(message);
  }
  const { code, path } = error as NodeJS.ErrnoException;
  if (code === 'ENOENT' && path && !resolve(path).startsWith(resolve(runDirectory))) {
    // A data path of a resumed run's config (train checks them up front, see checkDataPaths).
    throw new UsageError(
      `${path} does not exist: the run's config names it (data.source.root or data.mask.path); change it with --set`,
    );
  }
  throw error;
}

/** Throws a UsageError naming the config field and the path unless `path` is a `kind` that exists. */
function requireDataPath(field: string, path: string, kind: 'folder' | 'file', expected: string): void {
  const absolute = resolve(path);
  const shown = absolute === path ? path : `${path} (${absolute})`;
  if (!existsSync(absolute)) {
    throw new UsageError(
      `${field} ${shown} does not exist: expected ${expected} (set it with --set ${field}=<path>)`,
    );
  }
  const isFolder = statSync(absolute).isDirectory();
  if (kind === 'folder' ? !isFolder : isFolder) {
    throw new UsageError(`${field} ${shown} is not a ${kind}: expected ${expected}`);
  }
}

/** The data a config names must be there before any work starts (paths are relative to the current folder). */
function checkDataPaths(config: TrainerConfig): void {
  const { source, mask } = config.data;
  if (source.kind === 'cave')
    requireDataPath('data.source.root', source.root, 'folder', 'a folder of CAVE scene folders');
  if (mask.kind === 'file')
    requireDataPath('data.mask.path', mask.path, 'file', 'a mask file (.mat, .npy, .npz, .safetensors)');
  if (config.initialWeights)
    requireDataPath(
      'initialWeights.path',
      config.initialWeights.path,
      'file',
      "a .safetensors weights file of the config's model",
    );
}

registerCommand((program, run) => {
  addCommonOptions(
    program
      .command('train')
      .summary('train an S2-Transformer from a config file or preset, with --set overrides')
      .description(
        `Trains an S2-Transformer with @s2cassi/trainer into a run folder (config, log.jsonl, checkpoints, curves). The config is a JSON file (may name a preset in "extends") or --preset (${PRESET_NAMES.join(', ')}); --set path=value overrides any field (values parsed as JSON). Progress bars (epoch and step: loss, lr, samples/s, ETA) on a terminal, one log line per step otherwise. Ctrl-C finishes the current step, saves a checkpoint and exits cleanly; s2cassi resume continues.`,
      )
      .argument('[config]', 'trainer config .json')
      .requiredOption('-o, --output <run-folder>', 'run folder (created; must not hold a run yet)')
      .addOption(
        new Option('--preset <name>', 'start from a preset instead of a file').choices([...PRESET_NAMES]),
      )
      .option(
        '--set <path=value>',
        'override a config field (repeatable), e.g. --set training.epochs=10',
        collect,
      )
      .option(
        '--init <weights>',
        "start from these weights instead of random ones (fine-tuning; a .safetensors of the config's model, e.g. a checkpoint's weights.safetensors); sets initialWeights.path, and the run's config pins the file's SHA-256",
      )
      .option('--steps <n>', 'stop (with a checkpoint) after this global step', integerAtLeast(1))
      .addHelpText(
        'after',
        '\nExamples:\n  s2cassi train --preset cpu-small --set data.source.root=../shared/data/cave -o runs/demo\n  s2cassi train my-config.json --set training.epochs=50 --set optimizer.learningRate=2e-4 -o runs/exp1\n  s2cassi train real-mask.json --init runs/demo/checkpoints/best/weights.safetensors -o runs/real',
      ),
  ).action((configPath: string | undefined, options) =>
    run(async (context) => {
      if (configPath === undefined && options.preset === undefined) {
        throw new UsageError(`train needs a config file or --preset (one of ${PRESET_NAMES.join(', ')})`);
      }
      if (configPath !== undefined && options.preset !== undefined) {
        throw new UsageError(
          'give a config file or --preset, not both (a file can say "extends": "<preset>")',
        );
      }
      let input: unknown = { extends: options.preset };
      if (configPath !== undefined) {
        if (!existsSync(configPath))
          throw new UsageError(`config ${configPath} does not exist: check the path`);
        try {
          input = JSON.parse(await readFile(configPath, 'utf8'));
        } catch (error) {
          throw new UsageError(`config ${configPath} is not valid JSON: ${(error as Error).message}`);
        }
      }
      const config: TrainerConfig = resolveConfig(
        input,
        ...backendOverride(context),
        parseSetOverrides(options.set ?? []),
        ...(options.init !== undefined ? [{ initialWeights: { path: options.init } }] : []),
      );
      checkDataPaths(config);
      quietTfjs();
      // 'auto' goes through the CLI's choice (no WebGPU probe without a GPU device).
      const backend =
        config.backend === 'auto' ? await useBackend({ ...context, backend: 'auto' }) : undefined;
      let prepared: NodeRun;
      try {
        prepared = await openTraining(config, options.output, {
          backend,
          log: lineLogger(context),
          untilStep: options.steps,
        });
      } catch (error) {
        mapTrainerErrors(error, options.output);
      }
      await runTraining(context, prepared, options.output);
    }),
  );

  addCommonOptions(
    program
      .command('resume')
      .summary('continue a training run from its newest valid checkpoint')
      .description(
        'Continues the run in a run folder from its newest checkpoint that verifies (corrupt ones are skipped and reported), with the same progress display as train. --set may change what does not alter the training (backend, checkpoint and log settings, data paths) and the learning-rate schedule from the current step on: the new schedule must give every step already trained the rate it ran at (e.g. a cosine decay with startEpoch at or after the current epoch); the change is recorded in run.json, log.jsonl and config.json.',
      )
      .argument('<run-folder>', 'the folder given to train -o')
      .option(
        '--set <path=value>',
        'override a field that does not change the training, or the learning-rate schedule from now on (repeatable)',
        collect,
      )
      .option('--steps <n>', 'stop (with a checkpoint) after this global step', integerAtLeast(1))
      .addHelpText(
        'after',
        '\nExample:\n  s2cassi resume runs/demo\n  s2cassi resume runs/demo --set data.source.root=/data/cave --steps 2400\n  s2cassi resume runs/demo --set \'learningRateSchedule={"kind":"cosine","minLearningRate":1e-5,"startEpoch":1000}\'',
      ),
  ).action((runDirectory: string, options) =>
    run(async (context) => {
      if (!existsSync(runDirectory))
        throw new UsageError(`run folder ${runDirectory} does not exist: check the path`);
      const sets = [...backendOverride(context), ...(options.set ? [parseSetOverrides(options.set)] : [])];
      const overrides = sets.length ? Object.assign({}, ...sets) : undefined;
      quietTfjs();
      let prepared: NodeRun;
      try {
        prepared = await openResume(runDirectory, {
          overrides,
          log: lineLogger(context),
          untilStep: options.steps,
        });
      } catch (error) {
        mapTrainerErrors(error, runDirectory);
      }
      await runTraining(context, prepared, runDirectory);
    }),
  );
});
