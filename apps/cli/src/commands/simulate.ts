import { performance } from 'node:perf_hooks';
import { Option } from 'commander';
import { useBackend } from '../_backend';
import { simulate } from '../_cassi';
import { loadMask, PREFERRED_KEYS, readArray, writePlane } from '../_io';
import { integerAtLeast, numberAtLeast, withExtension } from '../_options';
import { planePng } from '../_render';
import { UsageError } from '../errors';
import { checkOutputPath, writeOutputFile } from '../output';
import { addCommonOptions, registerCommand } from '../program';

registerCommand((program, run) => {
  addCommonOptions(
    program
      .command('simulate')
      .summary('cube + mask -> CASSI measurement (+ PNG preview)')
      .description(
        "Simulates a CASSI snapshot: every band is modulated by the mask, shifted by step * band columns and summed, giving a measurement [H, W'] with W' = W + step * (bands - 1). Optional seeded Gaussian noise.",
      )
      .argument(
        '<cube>',
        'hyperspectral cube [H, W, N]: .mat, .npy, .npz, .safetensors, ENVI .hdr or a folder of band PNGs',
      )
      .requiredOption('-o, --output <file>', 'measurement file: .mat (key meas), .npy, .npz, .safetensors')
      .option('--mask <file>', 'coded aperture [H, W] (default: the bundled standard 256 x 256 mask)')
      .option('--key <name>', 'variable of the cube file to read')
      .option('--mask-key <name>', 'variable of the mask file to read')
      .option('--shift-step <pixels>', 'dispersion step between bands', integerAtLeast(1), 2)
      .option('--noise <sigma>', 'Gaussian noise sigma added to the measurement', numberAtLeast(0), 0)
      .option('--seed <n>', 'noise seed', integerAtLeast(0), 0)
      .option('--preview <png>', 'where to write the PNG preview (default: the output with .png)')
      .option('--no-preview', 'do not write a PNG preview')
      .addOption(new Option('--force', 'replace existing outputs'))
      .addHelpText(
        'after',
        '\nExample:\n  s2cassi simulate scene.mat --mask mask.mat -o measurement.mat\n  s2cassi simulate cave/balloons_ms --noise 0.01 --seed 7 -o meas.npy --json',
      ),
  ).action((cubePath: string, options) =>
    run(async (context) => {
      const output: string = options.output;
      const force = options.force === true;
      const preview: string | undefined =
        options.preview === false
          ? undefined
          : typeof options.preview === 'string'
            ? options.preview
            : withExtension(output, '.png');
      const inputs = [cubePath, ...(options.mask ? [options.mask] : [])];
      if (!/\.(mat|npy|npz|safetensors)$/i.test(output)) {
        throw new UsageError(
          `cannot write the measurement to ${output}: use a .mat, .npy, .npz or .safetensors file`,
        );
      }
      checkOutputPath(output, { force, inputs });
      if (preview) checkOutputPath(preview, { force, inputs });
      const cube = await readArray(cubePath, 'cube', PREFERRED_KEYS.cube, options.key);
      const mask = await loadMask(options.mask, options.maskKey);
      const backend = await useBackend(context);
      const start = performance.now();
      const measurement = await simulate(cube, mask, {
        shiftStep: options.shiftStep,
        noise: options.noise,
        seed: options.seed,
      });
      const seconds = (performance.now() - start) / 1000;
      const files = await writePlane(output, measurement, 'meas', force);
      if (preview) {
        await writeOutputFile(preview, planePng(measurement));
        files.push(preview);
      }
      const result = {
        cube: { path: cubePath, shape: cube.shape },
        mask: { source: mask.source, shape: [mask.height, mask.width] },
        measurement: { path: output, shape: [measurement.height, measurement.width] },
        shiftStep: options.shiftStep,
        noise: options.noise,
        seed: options.seed,
        backend: backend.backend,
        seconds,
        files,
      };
      if (context.json) {
        context.out(JSON.stringify(result, null, 2));
      } else {
        context.out(
          `measurement [${measurement.height}, ${measurement.width}] from cube [${cube.shape.join(', ')}] and ${mask.source} (${seconds.toFixed(2)} s, ${backend.backend})`,
        );
        for (const f of files) context.out(`wrote ${f}`);
      }
    }),
  );
});
