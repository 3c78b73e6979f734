// Peak memory of one training step (tf.profile peakBytes) against estimateTrainingMemory, for several
// model sizes; the data the estimate was fitted to. Run:
//   npx tsx --conditions=@s2cassi/source packages/trainer/bench/peak-memory.ts

import { setupBackend } from '@s2cassi/backends';
import * as tf from '@tensorflow/tfjs-core';
import { deepMerge, preset, syntheticSceneSource, Trainer, type TrainerConfig } from '../src/index';
import { loadConfiguredMask } from '../src/node';

await setupBackend('wasm');
const base = deepMerge(preset('cpu-small'), {
  validation: { everyEpochs: 0 },
  data: { cropSize: 32 },
  training: { batchSize: 1 },
}) as TrainerConfig;
for (const [label, o] of [
  ['C28 T4 M8', {}],
  ['C56 T4 M8', { model: { embeddingDim: 56 } }],
  ['C28 T4 M4', { model: { windowSize: 4 } }],
  ['C28 T2 M8', { model: { heads: 2 } }],
  ['C28 T4 M8 L4', { model: { blocksPerStage: 4 } }],
] as const) {
  const config = deepMerge(base, o) as TrainerConfig;
  const trainer = await Trainer.create({
    config,
    source: syntheticSceneSource({
      trainScenes: 1,
      validationScenes: 0,
      height: 64,
      width: 64,
      bandCount: 28,
      seed: 1,
    }),
    mask: await loadConfiguredMask(config),
  });
  await trainer.trainStep();
  const info = await tf.profile(async () => {
    await trainer.trainStep();
  });
  const pixels = 32 * 32;
  console.log(
    label,
    'peak',
    info.peakBytes,
    'estimate',
    trainer.memory.peakBytes,
    'ratio',
    (info.peakBytes / trainer.memory.peakBytes).toFixed(2),
    'floats/pixel/block',
    (info.peakBytes / 4 / pixels / (config.model.stageCount * config.model.blocksPerStage)).toFixed(0),
  );
  trainer.dispose();
}
