import { setupBackend } from '@s2cassi/backends';
import { SHARED_DATA, SHARED_DATA_MISSING_MESSAGE, sharedDataPath } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { syntheticTrainer, tinyConfig } from './_test-helpers';
import type { TrainerConfig } from './config';
import type { StepRecord } from './events';
import { loadMaskFile, openCaveSource } from './node';
import { loadConfiguredMask } from './node-data';
import { deepMerge } from './overrides';
import { preset } from './presets';
import { Trainer } from './trainer';

describe('Trainer (slow)', () => {
  afterAll(async () => {
    await setupBackend('cpu');
  });

  it('keeps tensors and wasm memory flat over 2000 steps', async () => {
    await setupBackend('wasm');
    const config = tinyConfig({
      training: { epochs: 2000, samplesPerEpoch: 2, batchSize: 2 },
      optimizer: { gradientClipNorm: 1 },
      data: { noise: { kind: 'shot', quantumEfficiency: 0.4, bitDepth: 2048, scale: 1.2 } },
      validation: { everyEpochs: 500 },
    });
    const trainer = await syntheticTrainer(config);
    const samples: StepRecord[] = [];
    trainer.events.on('step', (r) => samples.push(r));
    await trainer.run();
    trainer.dispose();
    const at = (step: number) => samples[step];
    console.log(
      `2000 steps: step 50 ${at(50).numTensors} tensors, ${at(50).tensorBytes} B, heap ${at(50).backendBytes} B; step 1999 ${at(1999).numTensors}, ${at(1999).tensorBytes} B, heap ${at(1999).backendBytes} B`,
    );
    expect(samples).toHaveLength(2000);
    expect(at(1999).numTensors).toBe(at(50).numTensors);
    expect(at(1999).tensorBytes).toBe(at(50).tensorBytes);
    expect(at(1999).backendBytes).toBe(at(50).backendBytes);
  }, 900_000);

  it('webgpu (through @s2cassi/backends, llvmpipe here) agrees with cpu for a few steps', async (context) => {
    const config = tinyConfig();
    const run = async () => {
      const trainer = await syntheticTrainer(config);
      const out: number[] = [];
      for (let i = 0; i < 3; i++) out.push((await trainer.trainStep()).loss.total);
      trainer.dispose();
      return out;
    };
    await setupBackend('cpu');
    const cpu = await run();
    try {
      await setupBackend('webgpu', { webgpu: { allowSoftware: true } });
    } catch (error) {
      console.warn(`webgpu skipped: no adapter (${(error as Error).message})`);
      context.skip();
      return;
    }
    expect(tf.getBackend()).toBe('webgpu');
    const webgpu = await run();
    expect(tf.getBackend()).toBe('webgpu');
    const diffs = webgpu.map((w, i) => Math.abs(w - cpu[i]) / Math.abs(cpu[i]));
    console.log(
      `cpu vs webgpu relative loss differences, steps 0..2: ${diffs.map((d) => d.toExponential(2)).join(', ')}`,
    );
    for (const d of diffs) expect(d).toBeLessThan(1e-3);
  }, 300_000);

  describe.skipIf(!SHARED_DATA)(
    `real CAVE scenes (${SHARED_DATA ? 'shared data found' : SHARED_DATA_MISSING_MESSAGE})`,
    () => {
      it('trains cpu-small steps on CAVE crops with the TSA mask.mat, validating on a held-out scene', async () => {
        await setupBackend('wasm');
        const config = deepMerge(preset('cpu-small'), {
          data: {
            source: {
              root: sharedDataPath('cave'),
              validationScenes: ['balloons'],
              trainScenes: ['cd', 'hairs'],
            },
          },
          training: { epochs: 1, samplesPerEpoch: 4 },
          validation: { everyEpochs: 1, cropSize: 64 },
        }) as TrainerConfig;
        const source = await openCaveSource(sharedDataPath('cave'), {
          validationScenes: ['balloons'],
          trainScenes: ['cd', 'hairs'],
          divisor: 65536,
          bandCount: 28,
        });
        expect(source.trainSceneNames).toEqual(['cd', 'hairs']);
        const scene = await source.load('cd');
        expect(scene.shape).toEqual([512, 512, 28]);
        expect(Math.max(...scene.data.subarray(0, 100000))).toBeLessThanOrEqual(1);
        const mask = await loadMaskFile(sharedDataPath('cassi_sim_mask', 'mask.mat'), 'mask');
        expect(mask.shape).toEqual([256, 256]);
        const standard = await loadConfiguredMask(config);
        let maxDiff = 0;
        for (let i = 0; i < mask.data.length; i++)
          maxDiff = Math.max(maxDiff, Math.abs(mask.data[i] - standard.data[i]));
        expect(maxDiff).toBeLessThan(1e-6);
        const trainer = await Trainer.create({ config, source, mask });
        const result = await trainer.run();
        expect(result.step).toBe(2);
        expect(result.validations[0].psnr).toBeGreaterThan(5);
        expect(result.validations[0].scenes[0].name).toBe('balloons');
        trainer.dispose();
        expect(tf.memory().numTensors).toBeLessThan(10);
      }, 300_000);
    },
  );
});
