/**
 * A small training experiment: does the paper's schedule (L_ME, then L_MA) lower the error on MASKED
 * pixels faster than plain L1? (Issue 6; paper Sec. 3.4 and Table 6.)
 *
 * Setup, once (converts the standard 256 x 256 mask to raw float32, row-major):
 *
 *   /usr/bin/python3 -c "import scipy.io, numpy as np; scipy.io.loadmat('/work/shared/data/cassi_sim_mask/mask.mat')['mask'].astype(np.float32).tofile('/tmp/s2cassi-mask-256.f32')"
 *
 * Run (wasm backend; minutes on a 2-core machine):
 *
 *   npx tsx --conditions=@s2cassi/source packages/mask-aware-loss/bench/experiment.ts \
 *     [--steps 300] [--seeds 1,2] [--batch 4] [--crop 64] [--channels 16] [--lr 0.001] \
 *     [--eval-every 50] [--backend wasm] [--json /tmp/experiment.json]
 *
 * What it does:
 * - Data: the 13 CAVE scenes in ../shared/data/cave (16-bit PNGs / 65536), binned 2 x 2 to 256 x 256,
 *   linearly interpolated from the 31 bands (400..700 nm, 10 nm steps) onto the 28 CASSI centres.
 *   The first 10 scenes (alphabetical) train, the last 3 are held out.
 * - Measurement: the CASSI forward model with @s2cassi/cassi-sim's shiftBands / shiftBack:
 *   Y = sum_n shift(M * F)_n, input Y0 = shiftBack(Y * 2 / 28) * M ("HM"). Each training sample is a
 *   random crop of a random scene with its own random crop of the standard mask (per-sample masks).
 * - Stand-in model (the S2-Transformer is built elsewhere): conv3x3 28->C (C = --channels, default 16), ReLU, conv3x3 C->C, ReLU
 *   (= Z, the intermediate feature), conv3x3 C->C, ReLU, conv3x3 C->28, plus the input Y0 (global
 *   residual). The f_h head is a 1x1 conv C->28 on Z, predicting M * F.
 * - Objectives, same seeds (same initial weights and same sample sequence) and same steps:
 *   `l1` = plain mean |F_hat - F| throughout; `schedule` = createLossSchedule() defaults: L_ME
 *   (alpha 1.5) for the first half, L_MA (alpha 1, beta 10, 8 x 8 regions, eps 1e-6) for the second.
 *   Adam, constant learning rate.
 * - Evaluation every --eval-every steps on fixed held-out crops (3 scenes x 4 crops, fixed mask
 *   crops): mean |F_hat - F| over masked pixels (M < 0.3), open pixels (M >= 0.7) and all pixels.
 */
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerGradients, registerWasmKernels } from '@s2cassi/backends';
import { shiftBack, shiftBands } from '@s2cassi/cassi-sim';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { decode } from 'fast-png';
import { createLossSchedule, lossScheduleAt, scheduledLoss } from '../src/index';

const BAND_CENTRES = [
  453.5, 457.5, 462.0, 466.0, 471.5, 476.5, 481.5, 487.0, 492.5, 498.0, 504.0, 510.0, 516.0, 522.5, 529.5,
  536.5, 544.0, 551.5, 558.5, 567.5, 575.5, 584.5, 594.5, 604.0, 614.5, 625.0, 636.5, 648.0,
];
const BANDS = 28;
const SCENE = 256; // after 2 x 2 binning
const MASK_FILE = '/tmp/s2cassi-mask-256.f32';
const CAVE = process.env.S2CASSI_DATA ? join(process.env.S2CASSI_DATA, 'cave') : '/work/shared/data/cave';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const STEPS = Number(arg('steps', '300'));
const SEEDS = arg('seeds', '1,2').split(',').map(Number);
const BATCH = Number(arg('batch', '4'));
const CROP = Number(arg('crop', '64'));
const CHANNELS = Number(arg('channels', '16'));
const LR = Number(arg('lr', '0.001'));
const EVAL_EVERY = Number(arg('eval-every', '50'));
const BACKEND = arg('backend', 'wasm');
const JSON_OUT = arg('json', '');

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One CAVE scene as [256, 256, 28] float32 (row-major, bands last). */
function loadScene(dir: string): Float32Array {
  const name = dir.replace(/\/$/, '').split('/').pop() as string;
  const full = 512;
  const raw: Float32Array[] = [];
  for (let k = 1; k <= 31; k++) {
    const png = decode(readFileSync(join(dir, `${name}_${String(k).padStart(2, '0')}.png`)));
    if (png.width !== full || png.height !== full) {
      throw new Error(`${name} band ${k}: expected 512 x 512, got ${png.width} x ${png.height}`);
    }
    const scale = png.depth === 16 ? 1 / 65536 : 1 / 256;
    const binned = new Float32Array(SCENE * SCENE);
    const c = png.channels;
    for (let y = 0; y < full; y++)
      for (let x = 0; x < full; x++) {
        binned[(y >> 1) * SCENE + (x >> 1)] += (png.data[(y * full + x) * c] as number) * scale * 0.25;
      }
    raw.push(binned);
  }
  const out = new Float32Array(SCENE * SCENE * BANDS);
  BAND_CENTRES.forEach((centre, n) => {
    const position = (centre - 400) / 10;
    const k0 = Math.floor(position);
    const t = position - k0;
    const a = raw[k0];
    const b = raw[k0 + 1];
    for (let p = 0; p < SCENE * SCENE; p++) out[p * BANDS + n] = (1 - t) * a[p] + t * b[p];
  });
  return out;
}

function loadMask(): Float32Array {
  let bytes: Buffer;
  try {
    bytes = readFileSync(MASK_FILE);
  } catch {
    throw new Error(`mask file ${MASK_FILE} not found: run the setup step in this script's header first`);
  }
  if (bytes.length !== SCENE * SCENE * 4) {
    throw new Error(
      `${MASK_FILE}: expected ${SCENE * SCENE * 4} bytes (256 x 256 float32), got ${bytes.length}`,
    );
  }
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

interface Crop {
  scene: number;
  y: number;
  x: number;
  maskY: number;
  maskX: number;
}

/** Builds F [B, CROP, CROP, 28] and M [B, CROP, CROP] from crop descriptions. */
function batchOf(
  crops: Crop[],
  scenes: Float32Array[],
  mask: Float32Array,
): { cube: tf.Tensor4D; mask: tf.Tensor3D } {
  const cube = new Float32Array(crops.length * CROP * CROP * BANDS);
  const m = new Float32Array(crops.length * CROP * CROP);
  crops.forEach((c, b) => {
    const scene = scenes[c.scene];
    for (let y = 0; y < CROP; y++) {
      const src = ((c.y + y) * SCENE + c.x) * BANDS;
      cube.set(scene.subarray(src, src + CROP * BANDS), (b * CROP + y) * CROP * BANDS);
      const msrc = (c.maskY + y) * SCENE + c.maskX;
      m.set(mask.subarray(msrc, msrc + CROP), (b * CROP + y) * CROP);
    }
  });
  return {
    cube: tf.tensor4d(cube, [crops.length, CROP, CROP, BANDS]),
    mask: tf.tensor3d(m, [crops.length, CROP, CROP]),
  };
}

/** Y0 = shiftBack(sum_n shift(M * F)_n * 2 / 28) * M, [B, H, W, 28]. */
function initialEstimate(cube: tf.Tensor4D, mask: tf.Tensor3D): tf.Tensor4D {
  return tf.tidy(() => {
    const m = tf.expandDims(mask, 3);
    const measurement = tf.sum(shiftBands(tf.mul(cube, m) as tf.Tensor4D), 3) as tf.Tensor3D;
    const normalised = tf.mul(measurement, tf.scalar(2 / BANDS)) as tf.Tensor3D;
    return tf.mul(shiftBack(normalised, { bandCount: BANDS }), m) as tf.Tensor4D;
  });
}

interface Model {
  conv: { w: tf.Variable; b: tf.Variable }[];
  head: tf.Variable;
}

function createModel(seed: number): Model {
  const rand = mulberry32(seed);
  const kernel = (k: number, cin: number, cout: number) => {
    const bound = Math.sqrt(6 / (k * k * cin)); // He-uniform
    const values = Float32Array.from({ length: k * k * cin * cout }, () => (2 * rand() - 1) * bound);
    return tf.variable(tf.tensor4d(values, [k, k, cin, cout]), true);
  };
  const layers: [number, number][] = [
    [BANDS, CHANNELS],
    [CHANNELS, CHANNELS],
    [CHANNELS, CHANNELS],
    [CHANNELS, BANDS],
  ];
  const conv = layers.map(([cin, cout]) => ({
    w: kernel(3, cin, cout),
    b: tf.variable(tf.zeros([cout]), true),
  }));
  // The last conv starts small so the network starts near the identity (F_hat ~ Y0).
  tf.tidy(() => conv[3].w.assign(tf.mul(conv[3].w, tf.scalar(0.1)) as tf.Tensor4D));
  return { conv, head: kernel(1, CHANNELS, BANDS) };
}

function forward(model: Model, y0: tf.Tensor4D): { prediction: tf.Tensor4D; maskEncoded: tf.Tensor4D } {
  const layer = (x: tf.Tensor4D, i: number, relu: boolean) => {
    const z = tf.add(tf.conv2d(x, model.conv[i].w as tf.Tensor4D, 1, 'same'), model.conv[i].b) as tf.Tensor4D;
    return relu ? (tf.relu(z) as tf.Tensor4D) : z;
  };
  const z1 = layer(y0, 0, true);
  const z2 = layer(z1, 1, true);
  const maskEncoded = tf.conv2d(z2, model.head as tf.Tensor4D, 1, 'same') as tf.Tensor4D;
  const z3 = layer(z2, 2, true);
  const prediction = tf.add(y0, layer(z3, 3, false)) as tf.Tensor4D;
  return { prediction, maskEncoded };
}

interface EvalRow {
  step: number;
  masked: number;
  open: number;
  all: number;
}

/** Held-out L1 error of a prediction over masked (M < 0.3), open (M >= 0.7) and all pixels. */
async function errors(
  prediction: tf.Tensor4D,
  cube: tf.Tensor4D,
  mask: tf.Tensor3D,
  step: number,
): Promise<EvalRow> {
  const [masked, open, all] = tf.tidy(() => {
    const error = tf.mean(tf.abs(tf.sub(prediction, cube)), 3); // [B, H, W], mean over bands
    const maskedSet = tf.cast(tf.less(mask, 0.3), 'float32');
    const openSet = tf.cast(tf.greaterEqual(mask, 0.7), 'float32');
    const over = (set: tf.Tensor) => tf.div(tf.sum(tf.mul(error, set)), tf.sum(set));
    return [over(maskedSet), over(openSet), tf.mean(error)];
  });
  const row = {
    step,
    masked: (await masked.data())[0],
    open: (await open.data())[0],
    all: (await all.data())[0],
  };
  tf.dispose([masked, open, all]);
  return row;
}

async function evaluate(
  model: Model,
  y0: tf.Tensor4D,
  cube: tf.Tensor4D,
  mask: tf.Tensor3D,
  step: number,
): Promise<EvalRow> {
  const { prediction, maskEncoded } = forward(model, y0);
  const row = await errors(prediction, cube, mask, step);
  tf.dispose([prediction, maskEncoded]);
  return row;
}

async function main(): Promise<void> {
  if (!(await tf.setBackend(BACKEND))) throw new Error(`backend ${BACKEND} failed to initialise`);
  await tf.ready();
  registerGradients();
  registerWasmKernels();
  const started = Date.now();
  const names = readdirSync(CAVE)
    .filter((d) => d.endsWith('_ms'))
    .sort();
  if (names.length < 4) throw new Error(`${CAVE}: expected the 13 CAVE scenes, found ${names.length}`);
  const scenes = names.map((n) => loadScene(join(CAVE, n)));
  const trainCount = names.length - 3;
  const mask = loadMask();
  console.log(
    `loaded ${names.length} scenes (${trainCount} train, held out: ${names.slice(trainCount).join(', ')}) ` +
      `in ${((Date.now() - started) / 1000).toFixed(1)} s; backend ${tf.getBackend()}`,
  );
  let maskedFraction = 0;
  for (const v of mask) maskedFraction += v < 0.3 ? 1 : 0;
  console.log(`mask: ${((100 * maskedFraction) / mask.length).toFixed(1)}% of pixels below 0.3`);

  // Fixed held-out crops: 4 per held-out scene, each with its own fixed mask crop.
  const evalRand = mulberry32(12345);
  const evalCrops: Crop[] = [];
  for (let s = trainCount; s < names.length; s++)
    for (let i = 0; i < 4; i++) {
      const pick = () => Math.floor(evalRand() * (SCENE - CROP + 1));
      evalCrops.push({ scene: s, y: pick(), x: pick(), maskY: pick(), maskX: pick() });
    }
  const evalBatch = batchOf(evalCrops, scenes, mask);
  const evalY0 = initialEstimate(evalBatch.cube, evalBatch.mask);

  const schedule = createLossSchedule();
  const results: Record<string, Record<number, EvalRow[]>> = { l1: {}, schedule: {} };
  for (const seed of SEEDS) {
    for (const objective of ['l1', 'schedule'] as const) {
      const model = createModel(seed);
      const optimizer = tf.train.adam(LR);
      const rand = mulberry32(1000 + seed);
      const rows: EvalRow[] = [await evaluate(model, evalY0, evalBatch.cube, evalBatch.mask, 0)];
      const t0 = Date.now();
      for (let step = 0; step < STEPS; step++) {
        const crops: Crop[] = Array.from({ length: BATCH }, () => {
          const pick = () => Math.floor(rand() * (SCENE - CROP + 1));
          return {
            scene: Math.floor(rand() * trainCount),
            y: pick(),
            x: pick(),
            maskY: pick(),
            maskX: pick(),
          };
        });
        const { cube, mask: m } = batchOf(crops, scenes, mask);
        const y0 = initialEstimate(cube, m);
        const at =
          objective === 'l1'
            ? ({ objective: 'l1', alpha: 0, beta: 0, reconstruction: 'l1', phase: 'first' } as const)
            : lossScheduleAt(schedule, { epoch: step, totalEpochs: STEPS });
        const vars = [
          ...model.conv.flatMap((c) => [c.w, c.b]),
          ...(at.objective === 'l1' ? [] : [model.head]),
        ];
        const cost = optimizer.minimize(
          () => {
            const { prediction, maskEncoded } = forward(model, y0);
            return scheduledLoss(at, {
              prediction,
              truth: cube,
              maskEncodedPrediction: maskEncoded,
              mask: m,
            }).total;
          },
          true,
          vars,
        );
        const costValue = cost ? (await cost.data())[0] : Number.NaN;
        tf.dispose([cost as tf.Scalar, cube, m, y0]);
        if (!Number.isFinite(costValue))
          throw new Error(`seed ${seed} ${objective} step ${step}: loss ${costValue}`);
        if ((step + 1) % EVAL_EVERY === 0 || step + 1 === STEPS) {
          const row = await evaluate(model, evalY0, evalBatch.cube, evalBatch.mask, step + 1);
          rows.push(row);
          console.log(
            `seed ${seed} ${objective.padEnd(8)} step ${String(step + 1).padStart(4)} (${at.objective}) ` +
              `loss ${costValue.toFixed(4)}  held-out L1: masked ${row.masked.toFixed(4)} open ${row.open.toFixed(4)} ` +
              `all ${row.all.toFixed(4)}  ${((Date.now() - t0) / (step + 1)).toFixed(0)} ms/step`,
          );
        }
      }
      results[objective][seed] = rows;
      optimizer.dispose();
      tf.dispose([...model.conv.flatMap((c) => [c.w, c.b]), model.head]);
    }
  }
  const input = await errors(evalY0, evalBatch.cube, evalBatch.mask, 0);
  console.log(
    `\nthe input Y0 itself as the estimate: masked ${input.masked.toFixed(4)} open ${input.open.toFixed(4)} all ${input.all.toFixed(4)}`,
  );
  console.log('\nmean over seeds, held-out L1 error (masked = M < 0.3, open = M >= 0.7):');
  console.log('step | l1: masked open all | schedule: masked open all | masked ratio schedule/l1');
  const steps = results.l1[SEEDS[0]].map((r) => r.step);
  steps.forEach((step, i) => {
    const mean = (o: 'l1' | 'schedule', k: 'masked' | 'open' | 'all') =>
      SEEDS.reduce((s, seed) => s + results[o][seed][i][k], 0) / SEEDS.length;
    console.log(
      `${String(step).padStart(4)} | ${mean('l1', 'masked').toFixed(4)} ${mean('l1', 'open').toFixed(4)} ${mean('l1', 'all').toFixed(4)} | ` +
        `${mean('schedule', 'masked').toFixed(4)} ${mean('schedule', 'open').toFixed(4)} ${mean('schedule', 'all').toFixed(4)} | ` +
        `${(mean('schedule', 'masked') / mean('l1', 'masked')).toFixed(3)}`,
    );
  });
  // Single evaluations are noisy (one small batch per step); also average the evaluations after
  // the switch (steps > STEPS / 2), per seed.
  console.log('\nmean of the evaluations at steps > half (the L_MA phase of the schedule), per seed:');
  for (const seed of SEEDS) {
    const late = (o: 'l1' | 'schedule', k: 'masked' | 'open' | 'all') => {
      const rows = results[o][seed].filter((row) => row.step > STEPS / 2);
      return rows.reduce((s, row) => s + row[k], 0) / rows.length;
    };
    console.log(
      `seed ${seed}: l1 masked ${late('l1', 'masked').toFixed(4)} open ${late('l1', 'open').toFixed(4)} | ` +
        `schedule masked ${late('schedule', 'masked').toFixed(4)} open ${late('schedule', 'open').toFixed(4)}`,
    );
  }
  console.log(`\ntotal ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (JSON_OUT) {
    const config = {
      STEPS,
      SEEDS,
      BATCH,
      CROP,
      CHANNELS,
      LR,
      EVAL_EVERY,
      backend: tf.getBackend(),
      schedule,
    };
    writeFileSync(`${JSON_OUT}.tmp`, JSON.stringify({ config, results }, null, 1));
    renameSync(`${JSON_OUT}.tmp`, JSON_OUT);
  }
  tf.dispose([evalBatch.cube, evalBatch.mask, evalY0]);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
