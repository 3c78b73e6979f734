import { setupBackend } from '@s2cassi/backends';
import { decodeSafetensors } from '@s2cassi/hsi-io/safetensors';
import { psnr } from '@s2cassi/metrics';
import { decodeModelWeights } from '@s2cassi/s2-attn';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { syntheticTrainer, tinyConfig } from './_test-helpers';
import { centreCrop } from './batch-sampler';
import type { TrainerConfig } from './config';
import { modelMeasurementScaling } from './model';
import { loadConfiguredMask } from './node-data';
import { syntheticSceneSource } from './scene-source';
import { Trainer } from './trainer';

const shot = { kind: 'shot', quantumEfficiency: 0.4, bitDepth: 2048, scale: 1.2 } as const;

/**
 * The validation PSNR computed by hand: the noise-free band sum by loops, scaled as `scaling` says, the
 * network (decoded from the trainer's weights file, not the trainer's model object) and the output scaled back.
 */
async function validationByHand(
  trainer: Trainer,
  config: TrainerConfig,
  peakScaling: boolean,
): Promise<number> {
  const source = config.data.source;
  if (source.kind !== 'synthetic') throw new Error('synthetic only');
  const scenes = syntheticSceneSource({ ...source, bandCount: config.model.bandCount, seed: config.seed });
  const scene = await scenes.load(scenes.validationSceneNames[0]);
  const host = centreCrop(scene, await loadConfiguredMask(config), config.validation.cropSize);
  const [, h, w, n] = host.shape;
  const d = config.data.shiftStep;
  const wide = w + d * (n - 1);
  const y = new Float64Array(h * wide);
  for (let r = 0; r < h; r++)
    for (let c = 0; c < w; c++)
      for (let b = 0; b < n; b++)
        y[r * wide + c + d * b] += host.masks[r * w + c] * host.cubes[(r * w + c) * n + b];
  const max = Math.max(...y);
  const gain = 1.2;
  const input = peakScaling ? 0.8 / max : 2 / n;
  const output = peakScaling ? (max * (2 / n) * gain) / 0.8 : 1;
  const y0 = new Float32Array(h * w * n);
  for (let r = 0; r < h; r++)
    for (let c = 0; c < w; c++)
      for (let b = 0; b < n; b++)
        y0[(r * w + c) * n + b] = Math.fround(y[r * wide + c + d * b] * input) * host.masks[r * w + c];
  const model = decodeModelWeights((trainer.model.encodeWeights as () => Uint8Array)());
  const network = tf.tidy(
    () => model.apply(tf.tensor4d(y0, [1, h, w, n])).reconstruction.dataSync() as Float32Array,
  );
  model.dispose();
  const predicted = { data: network.map((v) => v * output), shape: host.shape };
  return psnr({ data: host.cubes, shape: host.shape }, predicted, {
    preset: config.validation.metricsPreset,
  });
}

describe.each(['cpu', 'wasm'] as const)('measurement scaling of a trained model on %s', (backend) => {
  afterAll(async () => {
    await setupBackend('cpu');
  });

  it('the gain follows the training noise; the kind follows the config; without it, as runs before it', () => {
    expect(modelMeasurementScaling(tinyConfig())).toEqual({ kind: 'band-sum', gain: 1 });
    // without the field: as runs before it validated and saved (a resumed run does not change mid-run)
    expect(modelMeasurementScaling(tinyConfig({ data: { noise: shot } }))).toEqual({
      kind: 'band-sum',
      gain: 1,
    });
    expect(
      modelMeasurementScaling(
        tinyConfig({ data: { noise: shot }, measurementScaling: { kind: 'band-sum' } }),
      ),
    ).toEqual({ kind: 'band-sum', gain: 1.2 });
    expect(
      modelMeasurementScaling(
        tinyConfig({ data: { noise: shot }, measurementScaling: { kind: 'peak', peak: 0.8 } }),
      ),
    ).toEqual({ kind: 'peak', peak: 0.8, gain: 1.2 });
  });

  it('a peak-scaled run refuses a dark validation crop, naming the scene', async () => {
    await setupBackend(backend);
    const before = tf.memory().numTensors;
    const config = tinyConfig({
      data: { noise: shot },
      measurementScaling: { kind: 'peak', peak: 0.8 },
      validation: { everyEpochs: 1 },
    });
    const [h, w, n] = [24, 24, config.model.bandCount];
    const trainer = await Trainer.create({
      config,
      source: {
        trainSceneNames: ['lit'],
        validationSceneNames: ['dark'],
        async load(name: string) {
          const data = new Float32Array(h * w * n).fill(name === 'dark' ? 0 : 0.5);
          return { data, shape: [h, w, n] };
        },
      },
      mask: await loadConfiguredMask(config),
    });
    await expect(trainer.validate()).rejects.toThrow(
      "Trainer: validation scene dark: its measurement is 0 at most, and the model scales measurements to their peak (measurementScaling 'peak'): expected a scene with some light in its 16-pixel centre crop",
    );
    trainer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a real-data run (shot noise, peak 0.8): its weights say so, and validation reconstructs as inference will', async () => {
    await setupBackend(backend);
    const before = tf.memory().numTensors;
    const config = tinyConfig({
      seed: 4,
      data: { noise: shot },
      measurementScaling: { kind: 'peak', peak: 0.8 },
      validation: { everyEpochs: 1 },
      loss: { objective: 'l1' },
    });
    const trainer = await syntheticTrainer(config);
    for (let i = 0; i < 2; i++) await trainer.trainStep();
    const metadata = decodeSafetensors((trainer.model.encodeWeights as () => Uint8Array)()).metadata;
    expect(JSON.parse(metadata.measurement)).toEqual({ kind: 'peak', peak: 0.8, gain: 1.2 });
    const record = await trainer.validate();
    const expected = await validationByHand(trainer, config, true);
    expect(Math.abs(record.scenes[0].psnr - expected)).toBeLessThan(1e-3);
    // the simulation convention: Y * 2 / N in, the output as it is (no gain: Gaussian noise)
    const plainConfig = tinyConfig({ seed: 4, validation: { everyEpochs: 1 }, loss: { objective: 'l1' } });
    const plain = await syntheticTrainer(plainConfig);
    expect(
      decodeSafetensors((plain.model.encodeWeights as () => Uint8Array)()).metadata.measurement,
    ).toBeUndefined();
    const plainRecord = await plain.validate();
    expect(
      Math.abs(plainRecord.scenes[0].psnr - (await validationByHand(plain, plainConfig, false))),
    ).toBeLessThan(1e-3);
    // the two conventions are not the same reconstruction (the check above could not pass by accident)
    expect(
      Math.abs((await validationByHand(trainer, config, false)) - record.scenes[0].psnr),
    ).toBeGreaterThan(0.01);
    trainer.dispose();
    plain.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
