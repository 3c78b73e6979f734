/**
 * Averages the weights of several checkpoints of one run (checkpoint averaging, as stochastic weight
 * averaging does with the iterates of a run): @s2cassi/s2-attn `averageModelWeights`, equal weights.
 *
 *   node --conditions=@s2cassi/source --import tsx apps/demo-model/scripts/average-checkpoints.ts \
 *     --out averaged.safetensors <weights.safetensors> <weights.safetensors> ...
 *
 * The result is one more candidate for the held-out validation to choose from, like any checkpoint of the
 * run; `evaluate-demo-model.ts --weights averaged.safetensors` scores it.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { writeFileAtomic } from '@s2cassi/hsi-io/node';
import { averageModelWeights } from '@s2cassi/s2-attn';
import { option } from './_script-args';

async function main(): Promise<void> {
  const out = option('--out');
  const args = process.argv.slice(2);
  const files = args.filter((arg, i) => arg !== '--out' && args[i - 1] !== '--out');
  if (!out || files.length === 0) {
    throw new Error('usage: average-checkpoints.ts --out averaged.safetensors <weights.safetensors>...');
  }
  const bytes = files.map((file) => new Uint8Array(readFileSync(resolve(file))));
  const averaged = averageModelWeights(bytes, { sources: files });
  await writeFileAtomic(resolve(out), averaged, { overwrite: true });
  console.log(`averaged ${files.length} weight files into ${resolve(out)} (${averaged.length} bytes)`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
