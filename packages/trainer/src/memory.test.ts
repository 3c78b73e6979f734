import { setupBackend } from '@s2cassi/backends';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { TrainerConfig } from './config';
import { loadConfiguredMask } from './node-data';
import { deepMerge } from './overrides';
import { preset } from './presets';
import { syntheticSceneSource } from './scene-source';
import { Trainer } from './trainer';

describe('estimateTrainingMemory', () => {
  it('is within 30 % of the measured peak of a real training step (wasm, sizes outside the fit)', async () => {
    await setupBackend('wasm');
    for (const override of [
      { data: { cropSize: 24 }, training: { batchSize: 2 }, model: { embeddingDim: 20, heads: 2 } },
      { data: { cropSize: 16 }, training: { batchSize: 3 }, model: { windowSize: 4, blocksPerStage: 1 } },
    ]) {
      const config = deepMerge(preset('cpu-small'), {
        ...override,
        validation: { everyEpochs: 0 },
      }) as TrainerConfig;
      const trainer = await Trainer.create({
        config,
        source: syntheticSceneSource({
          trainScenes: 1,
          validationScenes: 0,
          height: 32,
          width: 32,
          bandCount: 28,
          seed: 1,
        }),
        mask: await loadConfiguredMask(config),
      });
      await trainer.trainStep();
      const measured = (await tf.profile(async () => void (await trainer.trainStep()))).peakBytes;
      const ratio = measured / trainer.memory.peakBytes;
      console.log(
        `peak memory: measured ${measured} B, estimated ${trainer.memory.peakBytes} B (ratio ${ratio.toFixed(2)})`,
      );
      expect(ratio).toBeGreaterThan(0.7);
      expect(ratio).toBeLessThan(1.3);
      trainer.dispose();
    }
  });
});
