/**
 * Measures inference-time self-ensembles of an S2-Transformer on CAVE scenes (default: the ten TRAINING scenes of
 * the campaign; the held-out ones are not looked at), with the protocol of evaluate-demo-model.ts (256 x 256 centre
 * crops, the standard mask, noise-free, step 2, `qualityReport` matlab preset):
 *
 * - `identity`: one pass on Y0 = shiftBack(Y * 2 / 28) * M;
 * - `flip`: the mean of that and the pass on the vertically flipped input, flipped back (valid for CASSI: the
 *   dispersion runs along the width, so the row-flipped measurement and mask are the measurement of the
 *   row-flipped cube; a width flip or a transpose is not);
 * - `shift`: the mean of that and the pass on the input shifted by half a window down and right (mirror padding at
 *   the top and left, cropped back), which moves the window partition relative to the content;
 * - `flip-shift`: the mean of all four passes;
 * - `shift4`: the mean of the passes shifted by (0, 0), (M/2, 0), (0, M/2) and (M/2, M/2) (rows, columns);
 * - `shift-diagonal4`: the mean of the passes shifted by (0, 0), (M/4, M/4), (M/2, M/2) and (3M/4, 3M/4).
 *
 *   node --conditions=@s2cassi/source --import tsx apps/demo-model/scripts/self-ensemble.ts \
 *     --weights file.safetensors [--scenes a,b,...] [--json out.json] [--data folder]
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setupBackend } from '@s2cassi/backends';
import { initialEstimate, simulateMeasurement } from '@s2cassi/cassi-sim';
import { loadStandardMask } from '@s2cassi/demo-data';
import { openCaveDataset, writeFileAtomic } from '@s2cassi/hsi-io/node';
import { qualityReport } from '@s2cassi/metrics';
import { decodeModelWeights, reconstructTiled, type S2Transformer } from '@s2cassi/s2-attn';
import * as tf from '@tensorflow/tfjs-core';
import { centreCrop, dataFolder, option } from './_script-args';

const TRAINING_SCENES = [
  'balloons',
  'cd',
  'chart_and_stuffed_toy',
  'glass_tiles',
  'hairs',
  'oil_painting',
  'paints',
  'pompoms',
  'sponges',
  'stuffed_toys',
];
const CROP = 256;
const VARIANTS = ['identity', 'flip', 'shift', 'flip-shift', 'shift4', 'shift-diagonal4'] as const;

/** One network pass on y0 [1, H, W, N], transformed (row flip, then a shift down and right) and back. */
async function pass(
  model: S2Transformer,
  y0: tf.Tensor4D,
  flip: boolean,
  down: number,
  right = down,
): Promise<tf.Tensor4D> {
  const [, height, width] = y0.shape;
  const input = tf.tidy(() => {
    let x: tf.Tensor4D = flip ? tf.reverse(y0, 1) : y0.clone();
    if (down > 0 || right > 0)
      x = tf.mirrorPad(
        x,
        [
          [0, 0],
          [down, 0],
          [right, 0],
          [0, 0],
        ],
        'reflect',
      );
    return x;
  });
  const output = await reconstructTiled(model, input);
  input.dispose();
  const back = tf.tidy(() => {
    let x: tf.Tensor4D = tf.slice(output, [0, down, right, 0], [1, height, width, -1]);
    if (flip) x = tf.reverse(x, 1);
    return x;
  });
  output.dispose();
  return back;
}

async function main(): Promise<void> {
  const weightsPath = option('--weights');
  if (!weightsPath) throw new Error('--weights <file.safetensors> is required');
  const scenes = option('--scenes')?.split(',') ?? TRAINING_SCENES;
  await setupBackend('wasm', { log: () => {} });
  const model = decodeModelWeights(new Uint8Array(readFileSync(resolve(weightsPath))), {
    source: weightsPath,
  });
  const half = Math.floor(model.config.windowSize / 2);
  const standard = await loadStandardMask();
  const mask = tf.tensor2d(standard.data, standard.shape);
  const dataset = await openCaveDataset(resolve(dataFolder(), 'cave'), {
    scale: 65535,
    bands: 'cassi28',
    scenes,
  });
  const scores: Record<string, Record<string, { psnr: number; ssim: number; sam: number }>> = {};
  for (const name of scenes) {
    const cube = await dataset.get(name);
    const truth = centreCrop(cube.data, cube.shape, CROP);
    const bands = cube.shape[2];
    const shape: [number, number, number] = [CROP, CROP, bands];
    const y0 = tf.tidy(() => {
      const y = simulateMeasurement(tf.tensor4d(truth, [1, CROP, CROP, bands]), mask, { shiftStep: 2 });
      return initialEstimate(y, mask, { shiftStep: 2, bandCount: bands });
    });
    const passes = {
      plain: await pass(model, y0, false, 0),
      flipped: await pass(model, y0, true, 0),
      shifted: await pass(model, y0, false, half),
      both: await pass(model, y0, true, half),
      down: await pass(model, y0, false, half, 0),
      right: await pass(model, y0, false, 0, half),
      quarter: await pass(model, y0, false, Math.floor(half / 2)),
      threeQuarters: await pass(model, y0, false, half + Math.floor(half / 2)),
    };
    y0.dispose();
    const combos: Record<(typeof VARIANTS)[number], tf.Tensor4D[]> = {
      identity: [passes.plain],
      flip: [passes.plain, passes.flipped],
      shift: [passes.plain, passes.shifted],
      'flip-shift': [passes.plain, passes.flipped, passes.shifted, passes.both],
      shift4: [passes.plain, passes.down, passes.right, passes.shifted],
      'shift-diagonal4': [passes.plain, passes.quarter, passes.shifted, passes.threeQuarters],
    };
    scores[name] = {};
    for (const variant of VARIANTS) {
      const mean = tf.tidy(() => tf.div(tf.addN(combos[variant]), combos[variant].length));
      const predicted = (await mean.data()) as Float32Array;
      mean.dispose();
      const { psnr, ssim, sam } = qualityReport(
        { data: truth, shape },
        { data: predicted, shape },
        { preset: 'matlab' },
      ).scenes[0];
      scores[name][variant] = { psnr, ssim, sam };
    }
    tf.dispose(Object.values(passes));
    console.log(
      `${name.padEnd(22)} ${VARIANTS.map((v) => `${v} ${scores[name][v].psnr.toFixed(2)}`).join('  ')} dB`,
    );
  }
  mask.dispose();
  model.dispose();
  const mean = Object.fromEntries(
    VARIANTS.map((v) => {
      const avg = (k: 'psnr' | 'ssim' | 'sam') =>
        scenes.reduce((s, n) => s + scores[n][v][k], 0) / scenes.length;
      return [v, { psnr: avg('psnr'), ssim: avg('ssim'), sam: avg('sam') }];
    }),
  );
  for (const v of VARIANTS)
    console.log(
      `mean ${v.padEnd(10)} PSNR ${mean[v].psnr.toFixed(3)} dB  SSIM ${mean[v].ssim.toFixed(4)}  SAM ${mean[v].sam.toFixed(2)}`,
    );
  const json = option('--json');
  if (json)
    await writeFileAtomic(
      resolve(json),
      `${JSON.stringify({ weights: weightsPath, scenes, halfWindow: half, scores, mean }, null, 2)}\n`,
      { overwrite: true },
    );
}

main().catch((error) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
