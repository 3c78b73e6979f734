/**
 * GAP-TV quality on real CAVE scenes with the standard CASSI simulation mask.
 *
 *   npx tsx --conditions=@s2cassi/source packages/cassi-sim/bench/gap-tv-cave.ts \
 *     [--backend wasm|cpu] [--scenes balloons,feathers,...] [--size 256] [--top 128] [--left 128] \
 *     [--iterations 100] [--tv-weight 0.5[,0.3,...]] [--tv-iterations 5]
 *
 * Setup (done by the script itself on first run): the 256 x 256 mask in
 * ../shared/data/cassi_sim_mask/mask.mat (MAT v5, column-major) is converted once with
 * /usr/bin/python3 + scipy.io to a raw row-major float32 file /tmp/s2cassi-cassi-sim-mask-256.f32.
 * TODO: read the PNGs and the .mat file with @s2cassi/hsi-io once it is in main (fast-png and the
 * Python conversion are stop-gaps for this script only).
 *
 * Protocol: a size x size crop of each scene's 31 CAVE bands (16-bit PNG / 65535), interpolated
 * linearly onto the 28 CASSI band centres, measured with the standard mask (step 2, no noise), then
 * reconstructed with GAP-TV. PSNR in the MATLAB convention of the paper's tables: clip to [0, 1],
 * round(x * 255), per-band 10 log10(255^2 / MSE), mean over bands.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCassiOperator, reconstructGapTv, simulateMeasurement } from '@s2cassi/cassi-sim';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { decode } from 'fast-png';

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
const MASK_RAW = '/tmp/s2cassi-cassi-sim-mask-256.f32';
/** The 28 CASSI band centres (nm), ../shared/data/README.md. */
const CENTRES = [
  453.5, 457.5, 462.0, 466.0, 471.5, 476.5, 481.5, 487.0, 492.5, 498.0, 504.0, 510.0, 516.0, 522.5, 529.5,
  536.5, 544.0, 551.5, 558.5, 567.5, 575.5, 584.5, 594.5, 604.0, 614.5, 625.0, 636.5, 648.0,
];

function argument(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

function loadMask(): Float32Array {
  if (!existsSync(MASK_RAW)) {
    const matFile = resolve(DATA, 'cassi_sim_mask/mask.mat');
    const tmp = `${MASK_RAW}.${process.pid}.tmp`;
    execFileSync('/usr/bin/python3', [
      '-c',
      'import sys, os, numpy as np, scipy.io as sio\n' +
        "m = np.ascontiguousarray(sio.loadmat(sys.argv[1])['mask'], dtype=np.float32)\n" +
        'assert m.shape == (256, 256), m.shape\nm.tofile(sys.argv[2])\nos.replace(sys.argv[2], sys.argv[3])',
      matFile,
      tmp,
      MASK_RAW,
    ]);
  }
  const bytes = readFileSync(MASK_RAW);
  const mask = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  if (mask.length !== 256 * 256) throw new Error(`${MASK_RAW}: expected 65536 floats, got ${mask.length}`);
  return mask;
}

/** size x size crop of a CAVE scene on the 28 CASSI bands, HWN row-major, values 0..1. */
function loadScene(scene: string, top: number, left: number, size: number): Float32Array {
  const bands: Float32Array[] = [];
  for (let k = 1; k <= 31; k++) {
    const file = resolve(DATA, `cave/${scene}_ms/${scene}_ms_${String(k).padStart(2, '0')}.png`);
    const png = decode(readFileSync(file));
    if (png.channels !== 1 || png.depth !== 16)
      throw new Error(`${file}: expected 16-bit grey, got ${png.channels}ch ${png.depth}-bit`);
    const crop = new Float32Array(size * size);
    for (let h = 0; h < size; h++)
      for (let w = 0; w < size; w++) crop[h * size + w] = png.data[(top + h) * png.width + left + w] / 65535;
    bands.push(crop);
  }
  const cube = new Float32Array(size * size * 28);
  CENTRES.forEach((centre, n) => {
    const position = (centre - 400) / 10;
    const k = Math.floor(position);
    const t = position - k;
    for (let i = 0; i < size * size; i++) cube[i * 28 + n] = (1 - t) * bands[k][i] + t * bands[k + 1][i];
  });
  return cube;
}

/** MATLAB-convention PSNR (see the header). */
function psnrMatlab(prediction: ArrayLike<number>, truth: ArrayLike<number>, bands: number): number {
  const q = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 255);
  const sums = new Float64Array(bands);
  for (let i = 0; i < truth.length; i++) sums[i % bands] += (q(prediction[i]) - q(truth[i])) ** 2;
  const pixels = truth.length / bands;
  let total = 0;
  for (const s of sums) total += 10 * Math.log10((255 * 255) / Math.max(s / pixels, 1e-12));
  return total / bands;
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
  const truth = loadScene(scene, top, left, size);
  const cube = tf.tensor4d(truth, [1, size, size, 28]);
  const measurement = simulateMeasurement(cube, mask);
  // Baseline for context: the adjoint A^T y scaled to the right mean (what GAP starts from).
  const operator = createCassiOperator(mask);
  const start = operator.adjoint(measurement);
  const startData = await start.data();
  const scale = truth.reduce((a, b) => a + b, 0) / startData.reduce((a, b) => a + b, 0);
  const startPsnr = psnrMatlab(
    startData.map((v) => v * scale),
    truth,
    28,
  );
  tf.dispose([start]);
  operator.dispose();
  for (const tvWeight of weights) {
    const t0 = performance.now();
    const x = await reconstructGapTv(measurement, mask, { iterations, tvWeight, tvIterations });
    const seconds = (performance.now() - t0) / 1000;
    const value = psnrMatlab(await x.data(), truth, 28);
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
