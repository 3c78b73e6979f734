// Training-pipeline sanity check (issue 9): does the trainer learn at all, and is its data path right?
//   npx tsx --conditions=@s2cassi/source packages/trainer/bench/overfit-sanity.ts \
//     --config apps/demo-model/scripts/demo-model.config.json [--cave ../shared/data/cave] [--steps 200] [--every 10] [--dim 32] [--skip-data] [--skip-overfit]
//     [--demo-objective] [--set path=json ...] [--probe <weights base path>]
//
// 1. Data path: draws one batch exactly as the trainer does (same seed, drawBatch + assembleBatch), then
//    recomputes the measurement and Y0 by brute-force loops (and with @s2cassi/cassi-sim) and compares
//    them with the Y0 the trainer actually fed its model (captured by a wrapping model), checks the
//    target is the augmented scene crop in [0, 1], and that the logged L1 loss is mean |F_hat - truth|.
//    Then checks `trainer.validate()` with an identity model scores exactly PSNR(Y0) on the held-out crop.
// 2. Overfit: ONE fixed 64 x 64 crop (no augmentation, fixed mask crop, no noise), the demo config's
//    architecture, L1, Adam at a constant lr 1e-3; prints training PSNR every `--every` steps against
//    the PSNR of Y0 itself. A healthy pipeline goes well past Y0.
// 3. With --probe <weights base path>: a trained checkpoint against Y0 on held-out and training crops.
import { setupBackend } from '@s2cassi/backends';
import { createRandom, initialEstimate, simulateMeasurement } from '@s2cassi/cassi-sim';
import { psnr } from '@s2cassi/metrics';
import { loadS2Transformer } from '@s2cassi/s2-attn/node';
import * as tf from '@tensorflow/tfjs-core';
import {
  assembleBatch,
  augmentedSource,
  centreCrop,
  createModel,
  deepMerge,
  drawBatch,
  type MaskArray,
  parseSetOverrides,
  resolveConfig,
  type Scene,
  type TrainableModel,
  Trainer,
  type TrainerConfig,
} from '../src/index';
import { loadConfiguredMask, openCaveSource } from '../src/node';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string =>
  args.includes(name) ? args[args.indexOf(name) + 1] : fallback;
const caveRoot = option('--cave', '../shared/data/cave');
const steps = Number(option('--steps', '200'));
const every = Number(option('--every', '10'));
const dim = Number(option('--dim', '32'));
const skipData = args.includes('--skip-data');
const skipOverfit = args.includes('--skip-overfit');
// Overfit with the demo config's own objective instead: mask-aware L_ME (alpha 1.5), gradient clipping
// at norm 1, Gaussian measurement noise 0.01 (still one fixed crop, fixed mask crop, constant lr 1e-3).
const demoObjective = args.includes('--demo-objective');
// Further overrides of the overfit config for ablations, like the CLI's: --set loss.objective=l1
const sets = args.flatMap((a, i) => (a === '--set' ? [args[i + 1]] : []));
// Optional: a checkpoint's weights (base path without .safetensors, e.g. a copy of a run's
// checkpoints/best/weights) to probe: PSNR and means on held-out centre crops and on training crops.
const probe = args.includes('--probe') ? option('--probe', '') : undefined;
// The configuration to check (the demo model's lives in the private apps/demo-model project).
const demoConfigPath = option('--config', '');
if (!demoConfigPath)
  throw new Error(
    '--config <trainer config JSON> is required (e.g. apps/demo-model/scripts/demo-model.config.json)',
  );

const choice = await setupBackend('wasm');
console.log(`backend: ${choice.backend} (${choice.reason}); machine shared with a background training run`);

const fs = await import('node:fs');
const demoFile = JSON.parse(fs.readFileSync(demoConfigPath, 'utf8'));
const demo = resolveConfig(demoFile);
const bands = demo.model.bandCount;
const shiftStep = demo.data.shiftStep;
const mask = await loadConfiguredMask(demo);

/** Brute force (no tfjs): Y = 2/N * sum_n shift_n(X_n * M); Y0_n = Y[:, offset_n : offset_n + W] * M. */
function bruteForce(cubes: Float32Array, masks: Float32Array, shape: number[]) {
  const [batch, h, w, n] = shape;
  const wp = w + shiftStep * (n - 1);
  const y = new Float64Array(batch * h * wp);
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++) {
        const m = masks[(b * h + i) * w + j];
        for (let k = 0; k < n; k++)
          y[(b * h + i) * wp + j + shiftStep * k] += (cubes[((b * h + i) * w + j) * n + k] * m * 2) / n;
      }
  const y0 = new Float32Array(batch * h * w * n);
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++)
        for (let k = 0; k < n; k++)
          y0[((b * h + i) * w + j) * n + k] =
            y[(b * h + i) * wp + j + shiftStep * k] * masks[(b * h + i) * w + j];
  return { y, y0 };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}

/** Plain PSNR over the whole cube, peak 1 (no quantisation). */
function psnrPeak1(ref: ArrayLike<number>, pred: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < ref.length; i++) s += (ref[i] - pred[i]) ** 2;
  return 10 * Math.log10(1 / (s / ref.length));
}

/** Wraps a model and keeps host copies of what it was given and what it returned. */
function spy(inner: TrainableModel) {
  const seen: { input?: Float32Array; output?: Float32Array } = {};
  const model: TrainableModel = {
    apply(input, options) {
      seen.input = input.dataSync() as Float32Array;
      const out = inner.apply(input, options);
      seen.output = out.reconstruction.dataSync() as Float32Array;
      return out;
    },
    namedWeights: () => inner.namedWeights(),
    parameterCount: () => inner.parameterCount(),
    dispose: () => inner.dispose(),
  };
  return { model, seen };
}

if (!skipData) {
  console.log(
    '\n== 1. data path (demo config: augmentation, random mask crops; noise off for exact comparison)',
  );
  const config: TrainerConfig = deepMerge(demo, {
    data: { noise: { kind: 'none' }, source: { trainScenes: ['balloons', 'cd'] } },
    training: { batchSize: 2 },
    loss: { objective: 'l1' },
    validation: { everyEpochs: 0 },
  }) as TrainerConfig;
  const source = await openCaveSource(caveRoot, {
    validationScenes: ['fake_and_real_peppers'],
    trainScenes: ['balloons', 'cd'],
    divisor: 65535,
    bandCount: bands,
  });
  const scenes: Scene[] = [await source.load('balloons'), await source.load('cd')];
  const inner = createModel(config.model, config.seed);
  const { model, seen } = spy(inner);
  const trainer = await Trainer.create({ config, source, mask, model });
  // Replicate the trainer's sampler from the same seed.
  const random = createRandom(config.seed);
  const draws = drawBatch(random, scenes, mask, {
    batchSize: config.training.batchSize,
    cropSize: config.data.cropSize,
    rot90: config.data.augment.rot90,
    flip: config.data.augment.flip,
    randomMaskCrop: config.data.mask.randomCrop,
  });
  const host = assembleBatch(scenes, mask, draws, config.data.cropSize);
  const record = await trainer.trainStep();
  console.log(`draws: ${JSON.stringify(draws)}`);
  // Target = augmented scene crop, in [0, 1].
  const size = config.data.cropSize;
  let cropDiff = 0;
  let maskDiff = 0;
  draws.forEach((d, b) => {
    const scene = scenes[d.scene];
    for (let i = 0; i < size; i++)
      for (let j = 0; j < size; j++) {
        const [y, x] = augmentedSource(i, j, size, d.rotation, d.flipWidth, d.flipHeight);
        for (let k = 0; k < bands; k++) {
          const want = scene.data[((d.top + y) * scene.shape[1] + d.left + x) * bands + k];
          cropDiff = Math.max(cropDiff, Math.abs(want - host.cubes[((b * size + i) * size + j) * bands + k]));
        }
        const wantMask = mask.data[(d.maskTop + i) * mask.shape[1] + d.maskLeft + j];
        maskDiff = Math.max(maskDiff, Math.abs(wantMask - host.masks[(b * size + i) * size + j]));
      }
  });
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of host.cubes) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  console.log(`target vs scene crop (augmented) max |diff| ${cropDiff}; mask crop max |diff| ${maskDiff}`);
  console.log(`target range [${lo.toFixed(4)}, ${hi.toFixed(4)}], mean ${mean(host.cubes).toFixed(4)}`);
  const brute = bruteForce(host.cubes, host.masks, host.shape);
  const { y0Sim, ySim } = tf.tidy(() => {
    const truth = tf.tensor4d(host.cubes, host.shape);
    const m = tf.tensor3d(host.masks, host.shape.slice(0, 3) as [number, number, number]);
    const y = simulateMeasurement(truth, m, { shiftStep });
    const y0 = initialEstimate(y, m, { shiftStep, mode: 'HM', bandCount: bands });
    return { ySim: tf.mul(y, 2 / bands).dataSync(), y0Sim: y0.dataSync() };
  });
  const fed = seen.input as Float32Array;
  console.log(
    `measurement: cassi-sim (Y*2/N) vs brute force max |diff| ${maxAbsDiff(ySim, brute.y).toExponential(2)}`,
  );
  console.log(`Y0 fed to the model vs brute force max |diff| ${maxAbsDiff(fed, brute.y0).toExponential(2)}`);
  console.log(
    `Y0 fed to the model vs cassi-sim (default 2/N) max |diff| ${maxAbsDiff(fed, y0Sim).toExponential(2)}`,
  );
  console.log(
    `means: truth ${mean(host.cubes).toFixed(4)}, Y0 ${mean(fed).toFixed(4)}, masks ${mean(host.masks).toFixed(4)}`,
  );
  let l1 = 0;
  const out = seen.output as Float32Array;
  for (let i = 0; i < out.length; i++) l1 += Math.abs(out[i] - host.cubes[i]);
  l1 /= out.length;
  console.log(
    `logged L1 ${record.loss.recon.toFixed(6)} vs mean |F_hat - truth| recomputed ${l1.toFixed(6)}`,
  );
  trainer.dispose();

  // Validation pipeline: an identity model must score exactly PSNR(Y0) of each held-out centre crop.
  const identity: TrainableModel = {
    apply: (input) => ({ reconstruction: tf.clone(input) }),
    namedWeights: () => [],
    parameterCount: () => 0,
    dispose: () => {},
  };
  const heldOut = demo.data.source.kind === 'cave' ? demo.data.source.validationScenes : [];
  const validationSource = await openCaveSource(caveRoot, {
    validationScenes: heldOut,
    trainScenes: ['balloons'],
    divisor: 65535,
    bandCount: bands,
  });
  const validationConfig = deepMerge(config, { validation: { everyEpochs: 1 } }) as TrainerConfig;
  const validator = await Trainer.create({
    config: validationConfig,
    source: validationSource,
    mask,
    model: identity,
  });
  const validation = await validator.validate();
  for (const [index, name] of heldOut.entries()) {
    const scene = await validationSource.load(name);
    const centre = centreCrop(scene, mask, validationConfig.validation.cropSize);
    const centreY0 = bruteForce(centre.cubes, centre.masks, centre.shape).y0;
    const reference = { data: centre.cubes, shape: centre.shape };
    const y0Psnr = psnr(reference, { data: centreY0, shape: centre.shape }, { preset: 'matlab' });
    // The best a global gain on Y0 can do (least squares g * Y0 ~ truth).
    let num = 0;
    let den = 0;
    for (let i = 0; i < centreY0.length; i++) {
      num += centreY0[i] * centre.cubes[i];
      den += centreY0[i] * centreY0[i];
    }
    const gain = num / den;
    const scaled = centreY0.map((v) => Math.min(1, v * gain));
    const scaledPsnr = psnr(reference, { data: scaled, shape: centre.shape }, { preset: 'matlab' });
    console.log(
      `${name}: validate() with an identity model ${validation.scenes[index].psnr.toFixed(3)} dB; ` +
        `PSNR(Y0) by brute force ${y0Psnr.toFixed(3)} dB (means: truth ${mean(centre.cubes).toFixed(4)}, ` +
        `Y0 ${mean(centreY0).toFixed(4)}); best global gain ${gain.toFixed(3)} -> ${scaledPsnr.toFixed(3)} dB`,
    );
  }
  console.log(`identity-model mean: ${validation.psnr.toFixed(3)} dB`);
  validator.dispose();
}

if (!skipOverfit) {
  console.log(
    `\n== 2. overfit one fixed 64 x 64 crop (balloons), C=${dim}, Adam lr 1e-3 constant, ` +
      (demoObjective
        ? 'demo objective (L_ME alpha 1.5, gradient clip 1, Gaussian noise 0.01 in training)'
        : 'L1, no clipping, no noise'),
  );
  const full = await (
    await openCaveSource(caveRoot, {
      validationScenes: [],
      trainScenes: ['balloons'],
      divisor: 65535,
      bandCount: bands,
    })
  ).load('balloons');
  const size = 64;
  const top = 224;
  const left = 224;
  const crop = new Float32Array(size * size * bands);
  for (let i = 0; i < size; i++)
    crop.set(
      full.data.subarray(
        ((top + i) * full.shape[1] + left) * bands,
        ((top + i) * full.shape[1] + left + size) * bands,
      ),
      i * size * bands,
    );
  const source = {
    trainSceneNames: ['crop'],
    validationSceneNames: [],
    load: async (): Promise<Scene> => ({ data: crop, shape: [size, size, bands] }),
  };
  const config = deepMerge(demo, {
    model: { embeddingDim: dim },
    data: {
      augment: { rot90: false, flip: false },
      mask: { randomCrop: false },
      ...(demoObjective ? {} : { noise: { kind: 'none' } }),
    },
    training: { batchSize: 1, epochs: 1, samplesPerEpoch: steps },
    optimizer: { learningRate: 1e-3, ...(demoObjective ? {} : { gradientClipNorm: null }) },
    learningRateSchedule: { kind: 'constant' },
    ...(demoObjective ? {} : { loss: { objective: 'l1' } }),
    validation: { everyEpochs: 0 },
  }) as TrainerConfig;
  if (sets.length > 0) {
    Object.assign(config, resolveConfig(deepMerge(config, parseSetOverrides(sets))));
    console.log(`overrides: ${sets.join(' ')}`);
  }
  const fixedMask: MaskArray = mask;
  const inner = createModel(config.model, config.seed);
  const { model, seen } = spy(inner);
  const trainer = await Trainer.create({ config, source, mask: fixedMask, model });
  const shape: [number, number, number, number] = [1, size, size, bands];
  const reference = { data: crop, shape };
  let y0: Float32Array | undefined;
  const started = performance.now();
  for (let step = 0; step <= steps; step++) {
    if (step % every === 0 || step === steps) {
      const input = y0 ?? bruteForce(crop, firstCrop(fixedMask, size), shape).y0;
      y0 = input;
      const out = tf.tidy(() => {
        const r = inner.apply(tf.tensor4d(input, shape), {}).reconstruction;
        return r.dataSync() as Float32Array;
      });
      console.log(
        `step ${String(step).padStart(4)}: PSNR model ${psnr(reference, { data: out, shape }, { preset: 'matlab' }).toFixed(2)} dB ` +
          `(peak-1 ${psnrPeak1(crop, out).toFixed(2)}), Y0 ${psnr(reference, { data: input, shape }, { preset: 'matlab' }).toFixed(2)} dB ` +
          `(peak-1 ${psnrPeak1(crop, input).toFixed(2)}); means out ${mean(out).toFixed(4)} truth ${mean(crop).toFixed(4)} Y0 ${mean(input).toFixed(4)}; ` +
          `${((performance.now() - started) / 1000).toFixed(0)} s`,
      );
    }
    if (step === steps) break;
    const record = await trainer.trainStep();
    if (step === 0) {
      const fed = seen.input as Float32Array;
      console.log(
        `  (Y0 the trainer fed vs noise-free brute force on the fixed crop: max |diff| ${maxAbsDiff(fed, y0 as Float32Array).toExponential(2)})`,
      );
    }
    if (step % every === every - 1)
      console.log(
        `  step ${step} ${record.objective} loss ${record.loss.total.toFixed(5)} (recon L1 ${record.loss.recon.toFixed(5)}) ${record.seconds.toFixed(2)} s/step`,
      );
  }
  trainer.dispose();
}

/** The top-left crop of the mask (what the trainer uses when randomCrop is off). */
function firstCrop(m: MaskArray, size: number): Float32Array {
  const out = new Float32Array(size * size);
  for (let i = 0; i < size; i++) out.set(m.data.subarray(i * m.shape[1], i * m.shape[1] + size), i * size);
  return out;
}

if (probe) {
  console.log(`\n== 3. probe ${probe}: model vs Y0 (noise-free, top-left mask crop, matlab PSNR)`);
  const network = await loadS2Transformer(probe);
  const heldOut = demo.data.source.kind === 'cave' ? demo.data.source.validationScenes : [];
  const trainNames = ['balloons', 'cd', 'glass_tiles', 'stuffed_toys'];
  const cave = await openCaveSource(caveRoot, {
    validationScenes: heldOut,
    trainScenes: trainNames,
    divisor: 65535,
    bandCount: bands,
  });
  const report = async (label: string, scene: Scene, size: number) => {
    const centre = centreCrop(scene, mask, size);
    const y0 = bruteForce(centre.cubes, centre.masks, centre.shape).y0;
    const out = tf.tidy(
      () => network.apply(tf.tensor4d(y0, centre.shape)).reconstruction.dataSync() as Float32Array,
    );
    const reference = { data: centre.cubes, shape: centre.shape };
    let l1Out = 0;
    let l1Y0 = 0;
    for (let i = 0; i < out.length; i++) {
      l1Out += Math.abs(out[i] - centre.cubes[i]);
      l1Y0 += Math.abs(y0[i] - centre.cubes[i]);
    }
    console.log(
      `${label}: model ${psnr(reference, { data: out, shape: centre.shape }, { preset: 'matlab' }).toFixed(2)} dB vs Y0 ` +
        `${psnr(reference, { data: y0, shape: centre.shape }, { preset: 'matlab' }).toFixed(2)} dB; L1 ${(l1Out / out.length).toFixed(4)} vs ` +
        `${(l1Y0 / out.length).toFixed(4)}; means out ${mean(out).toFixed(4)} truth ${mean(centre.cubes).toFixed(4)} Y0 ${mean(y0).toFixed(4)}`,
    );
  };
  for (const name of heldOut) await report(`held-out ${name} (256 centre)`, await cave.load(name), 256);
  for (const name of trainNames) await report(`train ${name} (64 centre)`, await cave.load(name), 64);
  network.dispose();
}
