import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { GAP_TV_DEFAULTS } from '@s2cassi/cassi-sim';
import type { Cube } from '@s2cassi/hsi-io';
import { describeGapTv, type GapTvSettings, gapTvDifferences, gapTvSettings } from '@s2cassi/pipeline';
import { type S2Transformer, SELF_ENSEMBLES, type SelfEnsemble } from '@s2cassi/s2-attn';
import { Option } from 'commander';
import { useBackend } from '../_backend';
import { bandCountFor, METHODS, type Method, reconstruct, wavelengthsFor } from '../_cassi';
import {
  checkCubeOutput,
  cubeOutputPaths,
  entryKind,
  loadMask,
  type Plane,
  readPlane,
  writeCube,
} from '../_io';
import { loadModel } from '../_model';
import {
  integerAtLeast,
  numberAtLeast,
  parseBytes,
  parseMeasurementScaling,
  parseShard,
  parseTvScale,
  type Shard,
  shardItems,
  withExtension,
} from '../_options';
import { createProgress, formatSeconds } from '../_progress';
import {
  type DisplayOptions,
  displayOptions,
  displayPngs,
  exposureOption,
  rotate180Option,
} from '../_render';
import type { CommandContext } from '../context';
import { isInputError, UsageError } from '../errors';
import { checkOutputPath, writeOutputFile } from '../output';
import { addCommonOptions, registerCommand } from '../program';

const MEASUREMENT_EXTENSIONS = ['.mat', '.npy', '.npz', '.safetensors', '.hdr'];
const FORMATS = ['mat', 'npy', 'npz', 'safetensors', 'hdr', 'png'] as const;

interface ReconstructCliOptions {
  output: string;
  mask?: string;
  method: Method;
  weights?: string;
  selfEnsemble?: SelfEnsemble;
  measurementScaling?: ReturnType<typeof parseMeasurementScaling>;
  iterations: number;
  tvWeight?: number;
  tvScale: number | 'auto';
  memoryBudget?: number;
  tile?: number;
  overlap?: number;
  shiftStep: number;
  measurementKey?: string;
  maskKey?: string;
  format: (typeof FORMATS)[number];
  render?: boolean;
  exposure?: number | 'auto';
  rotate180?: boolean;
  shard?: Shard;
  force?: boolean;
}

/** Renderings written next to an output: `<base>.srgb.png` and `<base>.bands.png`. */
function renderingPaths(output: string): string[] {
  const base = extname(output) === '' ? output : withExtension(output, '');
  return [`${base}.srgb.png`, `${base}.bands.png`];
}

/**
 * sRGB and band-grid PNGs, as `render` draws them: auto-exposed by default (99.5th percentile -> 1, real
 * measurements have no fixed scale), or --exposure; --rotate180 turns them.
 */
async function writeRenderings(output: string, cube: Cube, display: DisplayOptions): Promise<string[]> {
  const wavelengths = wavelengthsFor(cube);
  if (!wavelengths) return [];
  const [srgb, bands] = renderingPaths(output);
  const pictures = displayPngs(cube, wavelengths, display);
  await writeOutputFile(srgb, pictures.srgb);
  await writeOutputFile(bands, pictures.bands);
  return [srgb, bands];
}

interface Job {
  input: string;
  output: string;
}

async function listMeasurements(folder: string): Promise<string[]> {
  const names: string[] = [];
  for (const e of await readdir(folder, { withFileTypes: true })) {
    if (e.name.startsWith('.') || !MEASUREMENT_EXTENSIONS.includes(extname(e.name).toLowerCase())) continue;
    // symbolic links count as what they point to
    if ((await entryKind(folder, e)) === 'file') names.push(e.name);
  }
  names.sort();
  if (names.length === 0) {
    throw new UsageError(`${folder} holds no measurement files (${MEASUREMENT_EXTENSIONS.join(', ')})`);
  }
  return names.map((n) => join(folder, n));
}

function outputFor(input: string, folder: string, format: ReconstructCliOptions['format']): string {
  const name = basename(input, extname(input));
  return join(folder, format === 'png' ? name : `${name}.${format}`);
}

registerCommand((program, run) => {
  addCommonOptions(
    program
      .command('reconstruct')
      .summary('measurement + mask -> cube (S2-Transformer or GAP-TV); a folder is a batch')
      .description(
        "Reconstructs hyperspectral cubes [H, W, N] from CASSI measurements [H, W'] (W' = W + step * (N - 1)) with the S2-Transformer (--method s2, tiled under a memory budget, any size) or GAP-TV. The output format follows the extension: .mat, .npy, .npz, .safetensors, .hdr (ENVI) or no extension for a folder of band PNGs. Given a folder of measurements, every file is reconstructed into the output folder; outputs that exist are skipped (rerun the command to resume), a file that fails is reported and the batch goes on (the command ends with the list of failures, non-zero), and --shard k/n takes the k-th of n deterministic slices so machines of a scheduler array can share the batch.",
      )
      .argument(
        '<measurement>',
        "measurement file [H, W'] (.mat, .npy, .npz, .safetensors, .hdr) or a folder of them",
      )
      .requiredOption(
        '-o, --output <path>',
        'output cube file (by extension), or the output folder for a batch',
      )
      .option('--mask <file>', 'coded aperture [H, W] (default: the bundled standard 256 x 256 mask)')
      .addOption(
        new Option('--method <name>', 'reconstruction method').choices([...METHODS]).default('gap-tv'),
      )
      .option(
        '--weights <file>',
        'S2-Transformer weights (.safetensors with its config; default: the bundled demo weights)',
      )
      .addOption(
        new Option(
          '--self-ensemble <name>',
          "S2: mean of several passes with the window grid shifted (shift2: 2 passes, shift4: 4; none: 1); default: the weights' own",
        ).choices([...SELF_ENSEMBLES]),
      )
      .option(
        '--measurement-scaling <scaling>',
        "S2: how the measurement is scaled for the network, instead of what the weights say: 'band-sum' (Y x 2/N, the simulation convention) or 'peak' / 'peak:<p>' (the frame scaled to p, default 0.8, at its maximum, as real-data models are; the cube comes back in the frame's units either way). A simulation model on real frames does much better with 'peak'",
        parseMeasurementScaling,
      )
      .option('--iterations <n>', 'GAP-TV iterations', integerAtLeast(1), GAP_TV_DEFAULTS.iterations)
      .option(
        '--tv-weight <theta>',
        `GAP-TV TV weight, relative to --tv-scale (default ${GAP_TV_DEFAULTS.tvWeight}, tuned on 0..1 CAVE simulations)`,
        numberAtLeast(0),
      )
      .option(
        '--tv-scale <auto|value>',
        "GAP-TV: the cube value the TV weight is relative to. 'auto' (default, as demo, evaluate and the web app) estimates it from the measurement (99.9th percentile of y / sum of the dispersed mask), so a measurement of any scale (a real camera frame normalised to 1) gets the same relative smoothing; 1 uses the TV weight as it is (the reference code's absolute weight)",
        parseTvScale,
        GAP_TV_DEFAULTS.tvWeightScale,
      )
      .option(
        '--memory-budget <size>',
        'S2: tfjs memory for one tile, e.g. 512MiB or 2GB (default 512MiB)',
        parseBytes,
      )
      .option(
        '--tile <pixels>',
        'S2: tile side (default: the largest that fits the budget)',
        integerAtLeast(8),
      )
      .option(
        '--overlap <pixels>',
        'S2: overlap of neighbouring tiles (default 4 x window)',
        integerAtLeast(0),
      )
      .option('--shift-step <pixels>', 'dispersion step between bands', integerAtLeast(1), 2)
      .option('--measurement-key <name>', 'variable of the measurement file (default: meas_real, meas, ...)')
      .option('--mask-key <name>', 'variable of the mask file')
      .addOption(new Option('--format <ext>', 'batch output format').choices([...FORMATS]).default('mat'))
      .option(
        '--render',
        'also write <output>.srgb.png and <output>.bands.png (as render draws them: --exposure, --rotate180)',
      )
      .addOption(exposureOption())
      .addOption(rotate180Option())
      .option('--shard <k/n>', 'batch: process only the k-th of n deterministic slices (1-based)', parseShard)
      .option('--force', 'replace existing outputs (batch: recompute finished files)')
      .addHelpText(
        'after',
        [
          '',
          'Examples:',
          '  s2cassi reconstruct meas.mat --mask mask.mat -o cube.mat --method gap-tv --render',
          '  s2cassi reconstruct scene1.mat --mask cassi_real/mask.mat --method s2 --weights model.safetensors --memory-budget 1GiB -o scene1.npy',
          '  s2cassi reconstruct measurements/ --mask mask.mat -o cubes/ --format npz --shard 3/8',
        ].join('\n'),
      ),
  ).action((input: string, options: ReconstructCliOptions) =>
    run((context) => reconstructCommand(context, input, options)),
  );
});

async function reconstructCommand(
  context: CommandContext,
  input: string,
  options: ReconstructCliOptions,
): Promise<void> {
  if (!existsSync(input)) throw new UsageError(`measurement ${input} does not exist: check the path`);
  if (options.mask && !existsSync(options.mask))
    throw new UsageError(`mask ${options.mask} does not exist: check the path`);
  if (options.method === 'gap-tv' && options.weights)
    throw new UsageError('--weights is for --method s2; GAP-TV needs no weights');
  if (options.method === 'gap-tv' && options.selfEnsemble)
    throw new UsageError('--self-ensemble is for --method s2; GAP-TV runs once');
  if (options.method === 'gap-tv' && options.measurementScaling)
    throw new UsageError(
      '--measurement-scaling is for --method s2; GAP-TV scales its TV weight with --tv-scale',
    );
  const force = options.force === true;
  const batch = statSync(input).isDirectory();
  const inputs = [input, ...(options.mask ? [options.mask] : [])];
  let jobs: Job[];
  let skipped: string[] = [];
  if (batch) {
    if (existsSync(options.output) && !statSync(options.output).isDirectory()) {
      throw new UsageError(
        `a folder of measurements needs an output folder, but ${options.output} is a file`,
      );
    }
    const all = await listMeasurements(input);
    const mine = shardItems(all, options.shard);
    jobs = mine.map((file) => ({ input: file, output: outputFor(file, options.output, options.format) }));
    if (!force) {
      skipped = jobs
        .filter((j) => cubeOutputPaths(j.output).every((p) => existsSync(p)))
        .map((j) => j.output);
      jobs = jobs.filter((j) => !skipped.includes(j.output));
    }
  } else {
    if (options.shard) throw new UsageError('--shard needs a folder of measurements');
    checkCubeOutput(options.output, { force, inputs });
    jobs = [{ input, output: options.output }];
  }
  if (options.render) {
    for (const job of jobs)
      for (const p of renderingPaths(job.output)) checkOutputPath(p, { force: force || batch, inputs });
  }
  const mask = await loadMask(options.mask, options.maskKey);
  const readMeasurement = async (job: Job): Promise<Plane> => {
    const plane = await readPlane(job.input, 'measurement', options.measurementKey);
    bandCountFor(plane, mask, options.shiftStep, job.input, mask.source);
    return plane;
  };
  // A batch reports a file that fails (unreadable, does not fit the mask, ...) and goes on with the
  // rest; the list is the exit status at the end. A single input's error ends the command.
  const failures: { input: string; error: string; inputError: boolean }[] = [];
  const fail = (job: Job, error: unknown): void => {
    if (!batch) throw error;
    const text = error instanceof Error ? error.message : String(error);
    const message = text.includes(job.input) ? text : `${job.input}: ${text}`;
    failures.push({ input: job.input, error: message, inputError: isInputError(error) });
    context.log(`skipped ${message}`);
  };
  // Read (and check) a measurement before loading a model or a backend: bad input fails fast.
  let first: { index: number; measurement: Plane } | undefined;
  for (const [index, job] of jobs.entries()) {
    try {
      first = { index, measurement: await readMeasurement(job) };
      break;
    } catch (error) {
      fail(job, error);
    }
  }
  const backend = await useBackend(context);
  let model: S2Transformer | undefined;
  let modelSource: string | undefined;
  if (options.method === 's2') ({ model, source: modelSource } = await loadModel(options.weights));
  if (model && options.selfEnsemble) model.selfEnsemble = options.selfEnsemble;
  const results: {
    input: string;
    output: string;
    shape: number[];
    seconds: number;
    files: string[];
    measurementScaling?: Awaited<ReturnType<typeof reconstruct>>['measurementScaling'];
  }[] = [];
  let interrupted = false;
  const gapTv: GapTvSettings | undefined =
    options.method === 'gap-tv'
      ? gapTvSettings({
          iterations: options.iterations,
          tvWeight: options.tvWeight,
          tvWeightScale: options.tvScale,
        })
      : undefined;
  try {
    for (const [i, job] of jobs.entries()) {
      if (!first || i < first.index) continue; // failed while looking for a readable first one
      if (context.signal.aborted) {
        interrupted = true;
        break;
      }
      let measurement: Plane;
      try {
        measurement = i === first.index ? first.measurement : await readMeasurement(job);
      } catch (error) {
        fail(job, error);
        continue;
      }
      const label = batch ? `[${i + 1}/${jobs.length}] ${basename(job.input)}` : options.method;
      const total = options.method === 'gap-tv' ? options.iterations : 1;
      const progress = createProgress(
        context,
        label,
        total,
        options.method === 'gap-tv' ? 'iterations' : 'pass',
      );
      const start = performance.now();
      let cube: Cube;
      let scaling: Awaited<ReturnType<typeof reconstruct>>['measurementScaling'];
      try {
        ({ cube, measurementScaling: scaling } = await reconstruct(measurement, mask, {
          method: options.method,
          shiftStep: options.shiftStep,
          gapTv,
          model,
          // the kind (and peak) the option names; the pipeline keeps the weights' gain
          measurementScaling: options.measurementScaling,
          memoryBudgetBytes: options.memoryBudget,
          tile: options.tile,
          overlap: options.overlap,
          signal: context.signal,
          onProgress: (done) => progress.update(done),
        }));
      } catch (error) {
        progress.stop();
        if (context.signal.aborted) {
          interrupted = true;
          break;
        }
        fail(job, error);
        continue;
      }
      progress.stop();
      const seconds = (performance.now() - start) / 1000;
      let files: string[];
      try {
        files = await writeCube(job.output, cube, force);
        if (options.render) files.push(...(await writeRenderings(job.output, cube, displayOptions(options))));
      } catch (error) {
        fail(job, error);
        continue;
      }
      results.push({
        input: job.input,
        output: job.output,
        shape: [...cube.shape],
        seconds,
        files,
        ...(scaling ? { measurementScaling: scaling } : {}),
      });
      if (!context.json) {
        context.log(
          `${job.input} -> ${files.join(', ')} [${cube.shape.join(' x ')}] in ${formatSeconds(seconds)}`,
        );
      }
    }
  } finally {
    model?.dispose();
  }
  const remaining = jobs.length - results.length - failures.length;
  const summary = {
    method: options.method,
    backend: backend.backend,
    ...(modelSource ? { weights: modelSource, selfEnsemble: model?.selfEnsemble } : {}),
    ...(gapTv
      ? {
          gapTv: { iterations: gapTv.iterations, tvWeight: gapTv.tvWeight, tvScale: gapTv.tvWeightScale },
          // settings that are not the shared defaults (demo, evaluate and the web app use those)
          gapTvNotDefault: gapTvDifferences(gapTv),
        }
      : {}),
    mask: { source: mask.source, shape: [mask.height, mask.width] },
    ...(batch
      ? {
          shard: options.shard ? `${options.shard.index}/${options.shard.count}` : undefined,
          skipped,
          failed: failures.map(({ input, error }) => ({ input, error })),
        }
      : {}),
    results,
    interrupted,
    remaining,
  };
  if (context.json) context.out(JSON.stringify(summary, null, 2));
  else if (batch) {
    context.out(
      `${results.length} reconstructed, ${skipped.length} already done (skipped)${failures.length ? `, ${failures.length} failed` : ''}${remaining ? `, ${remaining} left` : ''}; outputs in ${options.output}`,
    );
  } else {
    for (const r of results) for (const f of r.files) context.out(`wrote ${f}`);
  }
  if (!context.json && gapTv && gapTvDifferences(gapTv).length > 0)
    context.out(`note: ${describeGapTv(gapTv)}`);
  if (interrupted) {
    throw new Error(
      `interrupted: ${results.length} finished output(s) kept, ${remaining} left${failures.length ? `, ${failures.length} failed` : ''}; run the same command again to resume (finished outputs are skipped)`,
    );
  }
  if (failures.length > 0) {
    const message = `${failures.length} of ${jobs.length + skipped.length} measurements failed: ${failures.map((f) => f.error).join('; ')}; fix or remove them and run the same command again (finished outputs are skipped)`;
    // Exit 2 when every failure was bad input, 1 when something else went wrong.
    throw failures.every((f) => f.inputError) ? new UsageError(message) : new Error(message);
  }
}
