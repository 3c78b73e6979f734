import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { regionSpectrum, spectralCurvesSvg } from '@s2cassi/hsi-render';
import { wavelengthsFor } from '../_cassi';
import { PREFERRED_KEYS, readArray } from '../_io';
import {
  defaultPoints,
  displayOptions,
  displayPngs,
  exposureOption,
  parsePoints,
  rotate180Option,
  rotated180,
} from '../_render';
import { UsageError } from '../errors';
import { checkOutputPath, writeFolderAtomic } from '../output';
import { addCommonOptions, registerCommand } from '../program';

/** "400:10" (start:step), or a comma-separated list, for a cube of `bands` bands. */
function parseWavelengths(text: string, bands: number): number[] {
  const range = /^\s*(\d+(?:\.\d+)?)\s*:\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
  const values = range
    ? Array.from({ length: bands }, (_, i) => Number(range[1]) + i * Number(range[2]))
    : text.split(',').map((v) => Number(v));
  if (values.length !== bands || values.some((v) => !Number.isFinite(v))) {
    throw new UsageError(
      `--wavelengths: expected ${bands} numbers (nm) separated by commas, or start:step (e.g. 400:10), got '${text}'`,
    );
  }
  return values;
}

registerCommand((program, run) => {
  addCommonOptions(
    program
      .command('render')
      .summary('a cube -> sRGB PNG, band grid PNG, spectra SVG at given points')
      .description(
        'Renders a hyperspectral cube: an sRGB picture (CIE 1931 2-degree observer, D65, Bradford white balance), a grid of every band labelled with its wavelength, and spectral curves (4 x 4 pixel means) at the given points. Writes a folder (atomically). Pictures are auto-exposed by default (the 99.5th percentile is white, as reconstruct --render does), or use --exposure; --rotate180 turns them (and the --points coordinates with them) for the real TSA data, which are stored upside down.',
      )
      .argument('<cube>', 'cube file (any format hsi-io reads)')
      .requiredOption('-o, --output <folder>', 'output folder (srgb.png, bands.png, spectra.svg)')
      .option(
        '--points <x,y;...>',
        'points for the spectra, e.g. "64,64;128,200" (default: four points at 1/4 and 3/4)',
      )
      .option(
        '--wavelengths <nm>',
        'band centres: a list or start:step (default: from the file, or the 28 CASSI bands)',
      )
      .option('--key <name>', 'variable of the cube file')
      .addOption(exposureOption())
      .addOption(rotate180Option())
      .option('--force', 'replace an existing output folder')
      .addHelpText(
        'after',
        '\nExamples:\n  s2cassi render cube.mat -o cube-render --points "40,60;128,128"\n  s2cassi render scene1.mat -o scene1-render --rotate180 --exposure 2',
      ),
  ).action((cubePath: string, options) =>
    run(async (context) => {
      checkOutputPath(options.output, { force: options.force === true, inputs: [cubePath] });
      const cube = await readArray(cubePath, 'cube', PREFERRED_KEYS.cube, options.key);
      const [height, width, bands] = cube.shape;
      const wavelengths = options.wavelengths
        ? parseWavelengths(options.wavelengths, bands)
        : wavelengthsFor(cube);
      if (!wavelengths) {
        throw new UsageError(
          `${cubePath} has ${bands} bands and no wavelengths: pass --wavelengths (a list, or start:step such as 400:10)`,
        );
      }
      const points = options.points
        ? parsePoints(options.points, height, width)
        : defaultPoints(height, width);
      // Points are where the user sees them: on the (turned, when asked) picture.
      const display = displayOptions(options);
      const shown = display.rotate180 ? rotated180(cube) : cube;
      const { srgb, bands: grid, exposure } = displayPngs(cube, wavelengths, display);
      // One chart with a curve per point.
      const svg = spectralCurvesSvg({
        wavelengths,
        curves: points.map((p) => ({
          label: `x=${p.x}, y=${p.y}`,
          values: regionSpectrum(shown, {
            x: Math.min(Math.max(0, p.x - 2), Math.max(0, width - 4)),
            y: Math.min(Math.max(0, p.y - 2), Math.max(0, height - 4)),
            width: Math.min(4, width),
            height: Math.min(4, height),
          }),
        })),
        normalize: 'none',
        title: `Spectra of ${cubePath} (4 x 4 px means${display.rotate180 ? ', turned 180 degrees' : ''})`,
        yLabel: 'value',
      });
      const files = ['srgb.png', 'bands.png', 'spectra.svg'].map((f) => join(options.output, f));
      await writeFolderAtomic(
        options.output,
        async (temp) => {
          await writeFile(join(temp, 'srgb.png'), srgb);
          await writeFile(join(temp, 'bands.png'), grid);
          await writeFile(join(temp, 'spectra.svg'), svg);
        },
        { force: options.force === true },
      );
      const result = {
        cube: cubePath,
        shape: cube.shape,
        wavelengths,
        points,
        exposure,
        rotate180: display.rotate180,
        output: resolve(options.output),
        files,
      };
      if (context.json) context.out(JSON.stringify(result, null, 2));
      else for (const f of files) context.out(`wrote ${f}`);
    }),
  );
});
