/**
 * Step time of candidate demo-model configurations on wasm (issue 9, step 1): builds the trainer's
 * Trainer on in-memory synthetic 256 x 256 scenes (the step time does not depend on the pixel values)
 * with the standard mask, runs one warm-up step and then `STEPS` timed steps per configuration.
 *
 *   npx tsx --conditions=@s2cassi/source apps/demo-model/scripts/bench-demo-configs.ts [names...]
 */
import { loadavg } from 'node:os';
import { setupBackend } from '@s2cassi/backends';
import { loadStandardMask } from '@s2cassi/demo-data';
import { deepMerge, preset, syntheticSceneSource, Trainer } from '@s2cassi/trainer';

const STEPS = Number(process.env.STEPS ?? 3);

interface Candidate {
  name: string;
  model: { stageCount: number; blocksPerStage: number; embeddingDim: number; heads: number };
  cropSize: number;
  batchSize: number;
}

const candidates: Candidate[] = [
  {
    name: 'K2-L2-C28-T4-c64-b4',
    model: { stageCount: 2, blocksPerStage: 2, embeddingDim: 28, heads: 4 },
    cropSize: 64,
    batchSize: 4,
  },
  {
    name: 'K2-L2-C32-T4-c64-b4',
    model: { stageCount: 2, blocksPerStage: 2, embeddingDim: 32, heads: 4 },
    cropSize: 64,
    batchSize: 4,
  },
  {
    name: 'K2-L2-C48-T4-c64-b4',
    model: { stageCount: 2, blocksPerStage: 2, embeddingDim: 48, heads: 4 },
    cropSize: 64,
    batchSize: 4,
  },
  {
    name: 'K3-L2-C32-T4-c64-b4',
    model: { stageCount: 3, blocksPerStage: 2, embeddingDim: 32, heads: 4 },
    cropSize: 64,
    batchSize: 4,
  },
  {
    name: 'K2-L2-C32-T2-c64-b4',
    model: { stageCount: 2, blocksPerStage: 2, embeddingDim: 32, heads: 2 },
    cropSize: 64,
    batchSize: 4,
  },
  {
    name: 'K2-L2-C32-T4-c128-b2',
    model: { stageCount: 2, blocksPerStage: 2, embeddingDim: 32, heads: 4 },
    cropSize: 128,
    batchSize: 2,
  },
  {
    name: 'K2-L2-C32-T4-c96-b4',
    model: { stageCount: 2, blocksPerStage: 2, embeddingDim: 32, heads: 4 },
    cropSize: 96,
    batchSize: 4,
  },
];

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  await setupBackend('wasm', { log: () => {} });
  const standard = await loadStandardMask();
  const mask = { data: standard.data, shape: standard.shape };
  console.log(
    `load average at start: ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}`,
  );
  for (const candidate of candidates) {
    if (wanted.length > 0 && !wanted.includes(candidate.name)) continue;
    const config = deepMerge(preset('cpu-small'), {
      backend: 'wasm',
      model: { ...candidate.model, windowSize: 8, maskEncodingStage: 1 },
      data: { cropSize: candidate.cropSize, mask: { kind: 'standard', randomCrop: true } },
      training: { batchSize: candidate.batchSize, samplesPerEpoch: 1000, epochs: 10 },
      validation: { everyEpochs: 0 },
    });
    const source = syntheticSceneSource({
      trainScenes: 2,
      validationScenes: 0,
      height: 256,
      width: 256,
      bandCount: 28,
      seed: 1,
    });
    const trainer = await Trainer.create({ config: config as never, source, mask });
    await trainer.trainStep();
    const times: number[] = [];
    for (let i = 0; i < STEPS; i++) times.push((await trainer.trainStep()).seconds);
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)];
    const pixels = candidate.batchSize * candidate.cropSize ** 2;
    console.log(
      JSON.stringify({
        name: candidate.name,
        parameters: trainer.model.parameterCount(),
        secondsPerStep: Number(median.toFixed(2)),
        samplesPerSecond: Number((candidate.batchSize / median).toFixed(2)),
        kiloPixelsPerSecond: Number((pixels / median / 1000).toFixed(1)),
        load: loadavg()[0].toFixed(2),
      }),
    );
    trainer.dispose();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
