import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { decodePng } from '@s2cassi/hsi-render';
import { niqe, niqePerBand } from '@s2cassi/metrics';
import { wavelengthsFor } from '../_cassi';
import { formatOption, printResult } from '../_format';
import { PREFERRED_KEYS, readArray, requireInput } from '../_io';
import { numberAtLeast } from '../_options';
import { addCommonOptions, registerCommand } from '../program';
import type { Cell, TableFormat } from '../table';

interface NiqeResult {
  input: string;
  kind: 'cube' | 'image';
  mean: number;
  bands?: number[];
}

/** MATLAB rgb2gray of an RGBA picture, 0..255 doubles. */
function greyOf(rgba: Uint8ClampedArray, width: number, height: number): Float64Array {
  const grey = new Float64Array(width * height);
  for (let i = 0; i < grey.length; i++) {
    grey[i] =
      0.298936021293775 * rgba[4 * i] +
      0.587043074451121 * rgba[4 * i + 1] +
      0.114020904255103 * rgba[4 * i + 2];
  }
  return grey;
}

registerCommand((program, run) => {
  addCommonOptions(
    program
      .command('niqe')
      .summary('no-reference NIQE of cubes (per band and mean) or images')
      .description(
        'NIQE (Mittal et al. 2013, the LIVE pristine model) of each band of a cube, and their mean: the number the CASSI papers report for real measurements without ground truth. PNG images are scored as one greyscale picture. Lower is better. Bands and images must be at least 96 x 96 pixels.',
      )
      .argument('<inputs...>', 'cubes (any format hsi-io reads) or .png images')
      .option('--range <value>', 'value that maps to 255 for cubes (default 1)', numberAtLeast(0))
      .option(
        '--rotate180',
        'rotate bands by 180 degrees first, as the S2-Transformer / MST real-data scripts do',
      )
      .option('--key <name>', 'variable of the cube files')
      .addOption(formatOption())
      .addHelpText(
        'after',
        '\nExample:\n  s2cassi niqe scene1.mat scene2.mat --rotate180 --format csv\n  s2cassi niqe photo.png',
      ),
  ).action((inputs: string[], options) =>
    run(async (context) => {
      const results: NiqeResult[] = [];
      for (const input of inputs) {
        requireInput(input, 'input');
        if (extname(input).toLowerCase() === '.png') {
          const image = decodePng(new Uint8Array(await readFile(input)));
          const grey = greyOf(image.data, image.width, image.height);
          results.push({
            input,
            kind: 'image',
            mean: niqe({ data: grey, shape: [image.height, image.width] }, { range: 255 }),
          });
          continue;
        }
        const cube = await readArray(input, 'cube', PREFERRED_KEYS.cube, options.key);
        const result = niqePerBand(cube, { range: options.range, rotate180: options.rotate180 === true });
        results.push({ input, kind: 'cube', mean: result.mean, bands: [...result.bands] });
      }
      const format = options.format as TableFormat;
      const perBand = results.length === 1 && results[0].bands;
      if (perBand) {
        const cubeShape = results[0].bands?.length ?? 0;
        const wavelengths = wavelengthsFor({ shape: [cubeShape] });
        const rows: Cell[][] = (results[0].bands ?? []).map((v, n) => [n + 1, wavelengths?.[n] ?? null, v]);
        rows.push(['mean', null, results[0].mean]);
        printResult(
          context,
          format,
          { headers: ['band', 'nm', 'NIQE'], rows, digits: [0, 1, 3] },
          { inputs: results },
        );
        return;
      }
      printResult(
        context,
        format,
        {
          headers: ['input', 'kind', 'bands', 'NIQE (mean)'],
          rows: results.map((r) => [r.input, r.kind, r.bands?.length ?? 1, r.mean]),
          digits: [0, 0, 0, 3],
        },
        { inputs: results },
      );
    }),
  );
});
