import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { decodeSafetensors } from '@s2cassi/hsi-io';
import { averageModelWeights, manifestFromSafetensors } from '@s2cassi/s2-attn';
import { UsageError } from '../errors';
import { checkOutputPath, writeOutputFile } from '../output';
import { addCommonOptions, registerCommand } from '../program';

const EXPECTED =
  'expected S2-Transformer weights: .safetensors files or checkpoint folders holding weights.safetensors';

/** A weights file from an argument: the file itself, or a checkpoint folder's weights.safetensors. */
function weightsFile(path: string): string {
  if (!existsSync(path)) throw new UsageError(`${path} does not exist: ${EXPECTED}`);
  if (statSync(path).isDirectory()) {
    const inside = join(path, 'weights.safetensors');
    if (!existsSync(inside))
      throw new UsageError(`${path} is a folder without weights.safetensors: ${EXPECTED}`);
    return inside;
  }
  if (extname(path).toLowerCase() !== '.safetensors')
    throw new UsageError(`${path}: ${EXPECTED}, got a ${extname(path) || 'file without extension'}`);
  return path;
}

/** `--weights 1,2,5`: one non-negative number per input. */
function parseWeights(text: string | undefined, count: number): number[] | undefined {
  if (text === undefined) return undefined;
  const values = text.split(',').map((part) => Number(part.trim()));
  if (
    values.length !== count ||
    values.some((v) => !Number.isFinite(v) || v < 0) ||
    values.every((v) => v === 0)
  )
    throw new UsageError(
      `--weights: expected ${count} non-negative numbers, not all zero, one per input (comma-separated), got '${text}'`,
    );
  return values;
}

registerCommand((program, run) => {
  addCommonOptions(
    program
      .command('average')
      .summary('S2 weight files of one model -> their average (checkpoint averaging)')
      .description(
        "Averages the weights of several checkpoints of one training run, element by element (checkpoint averaging, as stochastic weight averaging does with a run's late iterates): the average of a run's last checkpoints usually reconstructs better than any one of them when the learning rate is still high. Every input must hold the same model (config and tensors). Writes one .safetensors weights file, usable wherever --weights is; nothing else is modified. Runs no network: no backend is needed.",
      )
      .argument(
        '<weights...>',
        '.safetensors weight files, or checkpoint folders (their weights.safetensors)',
      )
      .requiredOption('-o, --output <file.safetensors>', 'the averaged weights')
      .option('--weights <w1,w2,...>', 'one non-negative weight per input (default: equal)')
      .option('--force', 'replace an existing output file')
      .addHelpText(
        'after',
        '\nExamples:\n  s2cassi average runs/exp1/checkpoints/step-* -o exp1-averaged.safetensors\n  s2cassi average a.safetensors b.safetensors --weights 1,3 -o ab.safetensors',
      ),
  ).action((inputs: string[], options) =>
    run(async (context) => {
      const output: string = options.output;
      if (extname(output).toLowerCase() !== '.safetensors')
        throw new UsageError(`-o ${output}: expected a .safetensors output file`);
      const files = inputs.map(weightsFile);
      checkOutputPath(output, { force: options.force === true, inputs: files });
      if (files.length < 2)
        throw new UsageError(`expected at least two weight files to average, got ${files.length}`);
      const weights = parseWeights(options.weights, files.length);
      const bytes = await Promise.all(files.map(async (file) => new Uint8Array(await readFile(file))));
      // another model, other tensors, a broken file: S2AttnInputError / HsiFormatError, which the CLI reports
      // as usage errors (exit 2) like every library input error
      const averaged = averageModelWeights(bytes, { weights, sources: files });
      await writeOutputFile(output, averaged);
      const config = manifestFromSafetensors(decodeSafetensors(averaged, output), output).config;
      const summary = {
        output,
        inputs: files,
        weights: weights ?? files.map(() => 1),
        bytes: averaged.length,
        config,
      };
      if (context.json) {
        context.out(JSON.stringify(summary, null, 2));
        return;
      }
      context.out(
        `averaged ${files.length} weight files of one model (${config.stageCount} x ${config.blocksPerStage} ${config.blockType} blocks, C=${config.embeddingDim}) into ${output}`,
      );
    }),
  );
});
