import {
  BLOCK_TYPES,
  type BlockType,
  countMacs,
  countParameters,
  type MeasurementScaling,
} from '@s2cassi/s2-attn';
import { Option } from 'commander';
import { fileInfo } from '../_file-info';
import { demoWeightsAvailable, resolveModelConfig } from '../_model';
import { UsageError } from '../errors';
import { addCommonOptions, registerCommand } from '../program';
import { formatTable } from '../table';

function parseSize(text: string): [number, number] {
  const match = /^(\d+)(?:x(\d+))?$/i.exec(text.trim());
  if (!match)
    throw new UsageError(`--size: expected HxW or a single side (e.g. 256x256 or 660), got '${text}'`);
  const h = Number(match[1]);
  const w = Number(match[2] ?? match[1]);
  if (h < 1 || w < 1) throw new UsageError(`--size: sides must be >= 1, got '${text}'`);
  return [h, w];
}

function human(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}

function rangeText(v: { min?: number; max?: number; mean?: number }): string {
  if (v.min === undefined || v.max === undefined) return '-';
  const f = (x: number) =>
    Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(3) : x.toPrecision(4);
  return `${f(v.min)} .. ${f(v.max)} (mean ${f(v.mean ?? Number.NaN)})`;
}

/** How a model scales measurements, in words (info --model on weights). */
function describeScaling(scaling: MeasurementScaling): string {
  return scaling.kind === 'peak'
    ? `scaled to ${scaling.peak} at their peak (real frames of any scale), trained at gain ${scaling.gain}; the output is scaled back to the measurement's units`
    : `the band sum x 2 / N${scaling.gain === 1 ? '' : ` x ${scaling.gain}`} (the simulation convention)`;
}

registerCommand((program, run) => {
  addCommonOptions(
    program
      .command('info')
      .summary('what a file holds, or the size and cost of a model')
      .description(
        'For a file: its format, variables, shapes, dtypes, value ranges and wavelengths (with --no-ranges only headers are read where the format allows). For a model (--model default | demo | a config .json | a weights .safetensors): the parameter count, total and per part, and the multiply-accumulates of one forward pass at --size.',
      )
      .argument('[file]', 'a data file (.mat, .npy, .npz, .safetensors, ENVI .hdr, folder of band PNGs)')
      .option(
        '--model <spec>',
        "model: 'default' (the paper's), 'demo' (the bundled demo weights, when this version has them), a config .json or a weights .safetensors",
      )
      .addOption(
        new Option('--block-type <type>', 'use another S2-attn block type').choices([...BLOCK_TYPES]),
      )
      .option('--size <HxW>', 'input size for the MAC count', '256x256')
      .option('--no-ranges', 'do not read the data for value ranges')
      .option('--key <name>', 'only this variable (MAT files)')
      .addHelpText(
        'after',
        '\nExamples:\n  s2cassi info cassi_real/Measurements/scene1.mat\n  s2cassi info --model default --block-type spa-spa --size 660x660 --json',
      ),
  ).action((file: string | undefined, options) =>
    run(async (context) => {
      if (file === undefined && options.model === undefined) {
        throw new UsageError(
          'info needs a file or --model (e.g. s2cassi info scene.mat, s2cassi info --model default)',
        );
      }
      const result: Record<string, unknown> = {};
      if (file !== undefined) {
        const info = await fileInfo(file, options.ranges !== false, options.key);
        result.file = info;
        if (!context.json) {
          context.out(`${info.path}: ${info.format}, ${info.bytes} bytes`);
          context.out(
            formatTable(
              ['variable', 'shape', 'dtype', 'range'],
              info.variables.map((v) => [
                v.name,
                `[${v.shape.join(', ')}]${v.layout ? ` ${v.layout}` : ''}`,
                v.dtype,
                v.note ?? rangeText(v),
              ]),
            ),
          );
          if (info.wavelengths) context.out(`wavelengths (nm): ${info.wavelengths.join(', ')}`);
          if (info.metadata && Object.keys(info.metadata).length) {
            for (const [k, v] of Object.entries(info.metadata))
              context.out(`metadata ${k}: ${v.length > 200 ? `${v.slice(0, 200)}...` : v}`);
          }
        }
      }
      if (options.model !== undefined) {
        if (options.model === 'demo' && !demoWeightsAvailable()) {
          throw new UsageError(
            "--model demo: no S2-Transformer demo weights are bundled in this version of s2cassi, so there is no demo model to describe; use 'default' (the paper's model), a config .json or a weights .safetensors",
          );
        }
        const overrides = options.blockType ? { blockType: options.blockType as BlockType } : {};
        const { config, source, measurement } = await resolveModelConfig(options.model, overrides);
        const [height, width] = parseSize(options.size);
        const parameters = countParameters(config);
        const macs = countMacs(config, height, width);
        result.model = {
          source,
          config,
          ...(measurement ? { measurement } : {}),
          parameters,
          macs: { ...macs, height, width },
        };
        if (!context.json) {
          context.out(
            `model: ${source}; ${config.blockType}, K=${config.stageCount} stages x L=${config.blocksPerStage} blocks, C=${config.embeddingDim}, ${config.heads} heads, window ${config.windowSize}, ${config.bandCount} bands`,
          );
          if (measurement) context.out(`measurements: ${describeScaling(measurement)}`);
          context.out(
            formatTable(
              ['part', 'parameters'],
              [
                ['embedding (conv N->C)', parameters.embedding],
                [
                  `blocks (${config.stageCount * config.blocksPerStage} x ${parameters.perBlock})`,
                  parameters.blocks,
                ],
                ['stage convolutions', parameters.stageConvolutions],
                ['head (conv C->N)', parameters.head],
                ['mask-encoding head f_h', parameters.maskHead],
                ['reconstruction path', parameters.reconstructionPath],
                ['total', parameters.total],
              ],
            ),
          );
          context.out(
            `MACs at ${height} x ${width} (padded ${macs.paddedHeight} x ${macs.paddedWidth}): ${human(macs.total)} total = ${human(macs.convolutions)} convolutions + ${human(macs.linear)} linear + ${human(macs.attention)} attention`,
          );
        }
      }
      if (context.json) context.out(JSON.stringify(result, null, 2));
    }),
  );
});
