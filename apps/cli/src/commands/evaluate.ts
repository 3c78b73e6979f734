import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { GAP_TV_DEFAULTS } from '@s2cassi/cassi-sim';
import {
  CASSI_28_BAND_CENTRES,
  CAVE_31_BAND_CENTRES,
  type Cube,
  createCube,
  resampleBands,
} from '@s2cassi/hsi-io';
import { describeReportPreset, REPORT_PRESETS, type ReportPreset } from '@s2cassi/metrics';
import { describeGapTv, gapTvDifferences, gapTvSettings, score } from '@s2cassi/pipeline';
import { type S2Transformer, SELF_ENSEMBLES } from '@s2cassi/s2-attn';
import { Option } from 'commander';
import { useBackend } from '../_backend';
import { METHODS, type Method, simulate } from '../_cassi';
import { formatOption, printResult } from '../_format';
import { entryKind, loadMask, PREFERRED_KEYS, readArray } from '../_io';
import { loadModel } from '../_model';
import { integerAtLeast, numberAtLeast } from '../_options';
import { timedReconstruct } from '../_timed-reconstruct';
import { UsageError } from '../errors';
import { addCommonOptions, registerCommand } from '../program';
import { PUBLISHED_TABLE_1 } from '../published';
import type { Cell, TableFormat } from '../table';

const SCENE_EXTENSIONS = ['.mat', '.npy', '.npz', '.safetensors', '.hdr'];

/** Scene paths: files, PNG band folders, or folders of those (one level). */
async function collectScenes(inputs: string[]): Promise<string[]> {
  const scenes: string[] = [];
  for (const input of inputs) {
    if (!existsSync(input)) throw new UsageError(`scene ${input} does not exist: check the path`);
    if (!statSync(input).isDirectory()) {
      scenes.push(input);
      continue;
    }
    const entries = (await readdir(input, { withFileTypes: true }))
      .filter((e) => !e.name.startsWith('.'))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    // Symbolic links count as what they point to. A link to nothing is an error when its name could be a
    // scene (a scene or PNG extension, or none: a folder); other dangling links are not scenes anyway.
    const couldBeScene = (name: string) => {
      const ext = extname(name).toLowerCase();
      return ext === '' || ext === '.png' || SCENE_EXTENSIONS.includes(ext);
    };
    const kinds = await Promise.all(
      entries.map((e) =>
        couldBeScene(e.name) ? entryKind(input, e) : entryKind(input, e).catch(() => 'other' as const),
      ),
    );
    if (entries.some((e, i) => kinds[i] === 'file' && e.name.toLowerCase().endsWith('.png'))) {
      scenes.push(input);
      continue;
    }
    entries.forEach((e, i) => {
      if (kinds[i] === 'file' && SCENE_EXTENSIONS.includes(extname(e.name).toLowerCase()))
        scenes.push(join(input, e.name));
      else if (kinds[i] === 'directory') scenes.push(join(input, e.name));
    });
  }
  if (scenes.length === 0) throw new UsageError(`no scenes found in ${inputs.join(', ')}`);
  return scenes;
}

/** Centre crop to height x width (the mask size). */
function centreCrop(cube: Cube, height: number, width: number, path: string): Cube {
  const [h, w, n] = cube.shape;
  if (h === height && w === width) return cube;
  if (h < height || w < width) {
    throw new UsageError(
      `scene ${path} is ${h} x ${w}, smaller than the ${height} x ${width} mask: use a smaller mask or larger scenes`,
    );
  }
  const top = Math.floor((h - height) / 2);
  const left = Math.floor((w - width) / 2);
  const data = new Float32Array(height * width * n);
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * w + left) * n;
    data.set(cube.data.subarray(from, from + width * n), y * width * n);
  }
  return createCube([height, width, n], data, cube.wavelengths);
}

function sceneName(path: string): string {
  return basename(path, extname(path)).replace(/_ms$/, '');
}

registerCommand((program, run) => {
  addCommonOptions(
    program
      .command('evaluate')
      .summary('S2 and/or GAP-TV on a set of scenes -> per-scene and mean PSNR / SSIM / SAM')
      .description(
        "Simulates each scene's measurement with the mask (centre-cropping scenes to the mask's size; 31-band CAVE scenes are resampled onto the 28 CASSI bands), reconstructs it with each method, and scores it (MATLAB preset by default). --compare adds the published PSNR of the paper's Table 1 (KAIST scenes) for context.",
      )
      .argument(
        '<scenes...>',
        'scene cubes (any format hsi-io reads, CAVE band-PNG folders) or folders of them',
      )
      .option('--method <names>', 'comma-separated methods: s2, gap-tv', 'gap-tv')
      .option('--weights <file>', 'S2-Transformer weights (default: the bundled demo weights)')
      .addOption(
        new Option(
          '--self-ensemble <name>',
          "S2: mean of several passes with the window grid shifted (shift2: 2 passes, shift4: 4; none: 1); default: the weights' own",
        ).choices([...SELF_ENSEMBLES]),
      )
      .option('--mask <file>', 'coded aperture (default: the bundled standard 256 x 256 mask)')
      .option('--mask-key <name>', 'variable of the mask file')
      .option('--key <name>', 'variable of the scene files')
      .option('--iterations <n>', 'GAP-TV iterations', integerAtLeast(1), GAP_TV_DEFAULTS.iterations)
      .option('--noise <sigma>', 'Gaussian noise sigma added to each measurement', numberAtLeast(0), 0)
      .option('--seed <n>', 'noise seed', integerAtLeast(0), 0)
      .addOption(
        new Option('--preset <name>', 'metrics preset (see metrics --help)')
          .choices([...REPORT_PRESETS])
          .default(REPORT_PRESETS[0]),
      )
      .option('--compare', "add the published PSNR of the paper's Table 1 (labelled as published)")
      .addOption(formatOption())
      .addHelpText(
        'after',
        '\nExamples:\n  s2cassi evaluate /data/cave/balloons_ms /data/cave/beads_ms --method gap-tv,s2 --weights model.safetensors\n  s2cassi evaluate scenes/ --format markdown --compare',
      ),
  ).action((inputs: string[], options) =>
    run(async (context) => {
      const methods = String(options.method)
        .split(',')
        .map((m) => m.trim())
        .filter(Boolean) as Method[];
      const unknown = methods.filter((m) => !(METHODS as readonly string[]).includes(m));
      if (unknown.length || methods.length === 0) {
        throw new UsageError(
          `--method: unknown ${unknown.join(', ') || '(none)'}; choose from ${METHODS.join(', ')} (comma-separated)`,
        );
      }
      const scenes = await collectScenes(inputs);
      const preset = options.preset as ReportPreset;
      // the shared GAP-TV defaults (as demo, reconstruct and the web app); --iterations may differ
      const gapTv = gapTvSettings({ iterations: options.iterations });
      const mask = await loadMask(options.mask, options.maskKey);
      const prepare = async (path: string): Promise<Cube> => {
        let cube = await readArray(path, 'scene', PREFERRED_KEYS.cube, options.key);
        if (cube.shape[2] === 31)
          cube = resampleBands(
            { ...cube, wavelengths: cube.wavelengths ?? [...CAVE_31_BAND_CENTRES] },
            CAVE_31_BAND_CENTRES,
            CASSI_28_BAND_CENTRES,
          );
        return centreCrop(cube, mask.height, mask.width, path);
      };
      // Every scene is read and checked before the first reconstruction (and before a model is loaded): a
      // bad file among many ends the run at once, not after the scenes before it have been reconstructed
      // (their scores would be lost). Only the band counts are kept, so memory stays one scene's.
      const bandCounts = new Map<string, number>();
      for (const path of scenes) bandCounts.set(path, (await prepare(path)).shape[2]);
      const backend = await useBackend(context);
      let model: S2Transformer | undefined;
      if (methods.includes('s2')) ({ model } = await loadModel(options.weights));
      if (options.selfEnsemble && !methods.includes('s2'))
        throw new UsageError('--self-ensemble is for --method s2; GAP-TV runs once');
      if (model && options.selfEnsemble) model.selfEnsemble = options.selfEnsemble;
      const selfEnsemble = model?.selfEnsemble;
      const perScene: Record<
        Method,
        Record<string, { psnr: number; ssim: number; sam: number; seconds: number }>
      > = {
        s2: {},
        'gap-tv': {},
      };
      try {
        if (model) {
          const bands = model.config.bandCount;
          const wrong = scenes.filter((path) => bandCounts.get(path) !== bands);
          if (wrong.length > 0)
            throw new UsageError(
              `--method s2: the model reconstructs ${bands} bands, but ${wrong.map((path) => `${path} has ${bandCounts.get(path)}`).join(', ')}`,
            );
        }
        for (const path of scenes) {
          const cube = await prepare(path);
          const measurement = await simulate(cube, mask, {
            shiftStep: 2,
            noise: options.noise,
            seed: options.seed,
          });
          for (const method of methods) {
            const { cube: estimate, seconds } = await timedReconstruct(
              context,
              `${sceneName(path)} ${method}`,
              measurement,
              mask,
              { method, gapTv, model },
            );
            const scores = score(cube, estimate, { preset });
            perScene[method][sceneName(path)] = {
              psnr: scores.psnr,
              ssim: scores.ssim,
              sam: scores.sam,
              seconds,
            };
          }
        }
      } finally {
        model?.dispose();
      }
      const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
      const json: Record<string, unknown> = {
        preset,
        presetDescription: describeReportPreset(preset),
        ...(methods.includes('gap-tv') ? { gapTv, gapTvNotDefault: gapTvDifferences(gapTv) } : {}),
        ...(selfEnsemble ? { selfEnsemble } : {}),
        backend: backend.backend,
        mask: { source: mask.source, shape: [mask.height, mask.width] },
        methods: Object.fromEntries(
          methods.map((m) => {
            const rows = Object.values(perScene[m]);
            return [
              m,
              {
                mean: {
                  psnr: mean(rows.map((r) => r.psnr)),
                  ssim: mean(rows.map((r) => r.ssim)),
                  sam: mean(rows.map((r) => r.sam)),
                  seconds: mean(rows.map((r) => r.seconds)),
                },
                scenes: perScene[m],
              },
            ];
          }),
        ),
      };
      const rows: Cell[][] = [];
      for (const m of methods) {
        for (const [name, r] of Object.entries(perScene[m]))
          rows.push([name, m, r.psnr, r.ssim, r.sam, r.seconds]);
      }
      for (const m of methods) {
        const summary = (
          json.methods as Record<
            string,
            { mean: { psnr: number; ssim: number; sam: number; seconds: number } }
          >
        )[m].mean;
        rows.push(['mean', m, summary.psnr, summary.ssim, summary.sam, summary.seconds]);
      }
      if (options.compare) {
        json.published = PUBLISHED_TABLE_1;
        for (const [name, entry] of Object.entries(PUBLISHED_TABLE_1.methods)) {
          rows.push(['published (paper Table 1, KAIST 10-scene mean)', name, entry.mean, null, null, null]);
        }
      }
      printResult(
        context,
        options.format as TableFormat,
        {
          headers: ['scene', 'method', 'PSNR (dB)', 'SSIM', 'SAM (deg)', 'time (s)'],
          rows,
          digits: [0, 0, 2, 4, 2, 1],
        },
        json,
      );
      if (!context.json && options.format === 'table') {
        context.out(`note: scores under the ${describeReportPreset(preset)}`);
        if (methods.includes('gap-tv')) context.out(`note: ${describeGapTv(gapTv)}`);
        if (selfEnsemble && selfEnsemble !== 'none')
          context.out(
            `note: S2 is the mean of the ${selfEnsemble} self-ensemble's passes (window grid shifted)`,
          );
        if (options.compare)
          context.out(`note: ${PUBLISHED_TABLE_1.source}; other scenes, not comparable one to one.`);
      }
    }),
  );
});
