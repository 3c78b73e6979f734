/**
 * GAP-TV quality on real CAVE scenes with the standard CASSI simulation mask.
 *
 *   npx tsx --conditions=@s2cassi/source packages/cassi-sim/bench/gap-tv-cave.ts \
 *     [--backend wasm|cpu] [--scenes balloons,feathers,...] [--size 256] [--top 128] [--left 128] \
 *     [--iterations 100] [--tv-weight 0.5[,0.3,...]] [--tv-iterations 5]
 *
 * Data are read with @s2cassi/hsi-io (the CAVE loader resamples the 31 bands onto the 28 CASSI
 * centres linearly) and PSNR comes from @s2cassi/metrics (the `matlab` preset).
 *
 * Protocol: a size x size crop of each scene's 31 CAVE bands (16-bit PNG / 65535), interpolated
 * linearly onto the 28 CASSI band centres, measured with the standard mask (step 2, no noise), then
 * reconstructed with GAP-TV. PSNR in the MATLAB convention of the paper's tables: clip to [0, 1],
 * round(x * 255), per-band 10 log10(255^2 / MSE), mean over bands.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCassiOperator, reconstructGapTv, simulateMeasurement } from '@s2cassi/cassi-sim';
import { decodeMat, fromColumnMajor } from '@s2cassi/hsi-io';
import { openCaveDataset } from '@s2cassi/hsi-io/node';
import { psnr } from '@s2cassi/metrics';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

const here = dirname(fileURLToPath(import.meta.url));
/** The shared data folder: $S2CASSI_DATA, or ../shared/data beside the checkout (or beside its parent). */
const DATA =
  [
    process.env.S2CASSI_DATA,
    resolve(here, '../../../../shared/data'),
    resolve(here, '../../../../../shared/data'),
  ]
    .filter((p): p is string => Boolean(p))
    .find((p) => existsSync(resolve(p, 'README.md'))) ?? '../shared/data';

function argument(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** The standard 256 x 256 mask, row-major. */
function loadMask(): Float32Array {
  const file = resolve(DATA, 'cassi_sim_mask/mask.mat');
  const { variables } = decodeMat(new Uint8Array(readFileSync(file)), { source: file, variables: ['mask'] });
  const mask = variables.mask;
  if (mask?.dims.join('x') !== '256x256') throw new Error(`${file}: expected a 256 x 256 'mask'`);
  return Float32Array.from(fromColumnMajor(mask.data as Float32Array, mask.dims));
}

/** size x size crop of a CAVE scene on the 28 CASSI bands, HWN row-major, values 0..1. */
const cave = await openCaveDataset(resolve(DATA, 'cave'));
async function loadScene(scene: string, top: number, left: number, size: number): Promise<Float32Array> {
  const cube = await cave.get(scene);
  const [, width, bands] = cube.shape;
  const out = new Float32Array(size * size * bands);
  for (let h = 0; h < size; h++) {
    const from = ((top + h) * width + left) * bands;
    out.set(cube.data.subarray(from, from + size * bands), h * size * bands);
  }
  return out;
}

/** MATLAB-convention PSNR (clip, im2uint8, per band, mean): @s2cassi/metrics' default preset. */
function psnrMatlab(prediction: Float32Array, truth: Float32Array, size: number): number {
  return psnr({ data: prediction, shape: [size, size, 28] }, { data: truth, shape: [size, size, 28] });
}

const backend = argument('backend', 'wasm');
const scenes = argument('scenes', 'balloons,feathers,fake_and_real_peppers,stuffed_toys').split(',');
const size = Number(argument('size', '256'));
const top = Number(argument('top', '128'));
const left = Number(argument('left', '128'));
const iterations = Number(argument('iterations', '100'));
const tvIterations = Number(argument('tv-iterations', '5'));
const weights = argument('tv-weight', '0.5').split(',').map(Number);

await tf.setBackend(backend);
await tf.ready();
if (!existsSync(resolve(DATA, 'cave')))
  throw new Error(`CAVE data not found under ${DATA} (set S2CASSI_DATA)`);
const fullMask = tf.tensor2d(loadMask(), [256, 256]);
const maskOffset = Math.max(0, Math.floor((256 - size) / 2));
const mask = tf.slice(fullMask, [maskOffset, maskOffset], [size, size]) as tf.Tensor2D;
console.log(
  `GAP-TV on CAVE ${size}x${size}x28 crops (top ${top}, left ${left}), standard mask, step 2, no noise; ` +
    `backend ${backend}, ${iterations} iterations, ${tvIterations} TV iterations`,
);
const results = new Map<number, number[]>();
for (const scene of scenes) {
  const truth = await loadScene(scene, top, left, size);
  const cube = tf.tensor4d(truth, [1, size, size, 28]);
  const measurement = simulateMeasurement(cube, mask);
  // Baseline for context: the adjoint A^T y scaled to the right mean (what GAP starts from).
  const operator = createCassiOperator(mask);
  const start = operator.adjoint(measurement);
  const startData = (await start.data()) as Float32Array;
  const scale = truth.reduce((a, b) => a + b, 0) / startData.reduce((a, b) => a + b, 0);
  const startPsnr = psnrMatlab(
    startData.map((v) => v * scale),
    truth,
    size,
  );
  tf.dispose([start]);
  operator.dispose();
  for (const tvWeight of weights) {
    const t0 = performance.now();
    const x = await reconstructGapTv(measurement, mask, { iterations, tvWeight, tvIterations });
    const seconds = (performance.now() - t0) / 1000;
    const value = psnrMatlab((await x.data()) as Float32Array, truth, size);
    x.dispose();
    results.set(tvWeight, [...(results.get(tvWeight) ?? []), value]);
    console.log(
      `${scene.padEnd(24)} tvWeight ${tvWeight}: PSNR ${value.toFixed(2)} dB  (scaled A^T y: ${startPsnr.toFixed(2)} dB)  ${seconds.toFixed(1)} s`,
    );
  }
  tf.dispose([cube, measurement]);
}
for (const [tvWeight, values] of results) {
  console.log(
    `mean over ${values.length} scenes, tvWeight ${tvWeight}: ${(values.reduce((a, b) => a + b, 0) / values.length).toFixed(2)} dB`,
  );
}
tf.dispose([fullMask, mask]);
