// Training throughput (samples/s) on the current machine:
//   npx tsx --conditions=@s2cassi/source packages/trainer/bench/throughput.ts [--quick] [--backend wasm|cpu|webgpu] [--threads N]
// (--threads: wasm threads through @s2cassi/backends' Node loader.) The default model trains with
// training.checkpointBlocks (gradient checkpointing; since the eager backpropagation the 128^2 step also fits the
// wasm heap without it, see step-profile.ts and peer-verify.ts).
// Prints one line per configuration: parameters, step time (median of the timed steps after warm-up),
// samples/s, and how much of a step is data preparation. Synthetic 28-band scenes, the standard mask.
import { backendInfo, setupBackend } from '@s2cassi/backends';
import * as tf from '@tensorflow/tfjs-core';
import { deepMerge, preset, Trainer, type TrainerConfig } from '../src/index';
import { loadConfiguredMask } from '../src/node';
import { sceneSource } from './_configs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const backendIndex = args.indexOf('--backend');
const backend = (backendIndex >= 0 ? args[backendIndex + 1] : 'wasm') as 'wasm';
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;

const threadsIndex = args.indexOf('--threads');
const threads = threadsIndex >= 0 ? Number(args[threadsIndex + 1]) : undefined;
const choice = await setupBackend(backend, threads === undefined ? {} : { threads });
console.log(`backend: ${choice.backend} (${choice.reason})`);
console.log(
  `machine: ${(await import('node:os')).cpus().length} logical CPUs, shared with other work (numbers taken under load)`,
);

async function measure(name: string, config: TrainerConfig, timed: number): Promise<void> {
  const source = sceneSource(config);
  const trainer = await Trainer.create({
    config: deepMerge(config, { validation: { everyEpochs: 0 } }),
    source,
    mask: await loadConfiguredMask(config),
  });
  await trainer.trainStep(); // warm-up: kernels, shader/wasm compilation, caches
  const seconds: number[] = [];
  const data: number[] = [];
  for (let i = 0; i < timed; i++) {
    const record = await trainer.trainStep();
    seconds.push(record.seconds);
    data.push(record.dataSeconds);
  }
  const sorted = [...seconds].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const batch = config.training.batchSize;
  console.log(
    `${name}: ${trainer.model.parameterCount()} parameters, batch ${batch} x ${config.data.cropSize}^2: ` +
      `${median.toFixed(2)} s/step (min ${sorted[0].toFixed(2)}, ${timed} timed), ${(batch / median).toFixed(2)} samples/s, ` +
      `data preparation ${((data.reduce((a, b) => a + b, 0) / data.length) * 1000).toFixed(1)} ms/step; ${trainer.memory.summary}`,
  );
  trainer.dispose();
  if (tf.memory().numTensors > 10) console.log(`  (live tensors after dispose: ${tf.memory().numTensors})`);
}

const cpuSmall = preset('cpu-small');
const defaultModel = deepMerge(preset('paper'), {
  data: { cropSize: 128 },
  training: { batchSize: 1, checkpointBlocks: true },
}) as TrainerConfig;
const candidates: [string, TrainerConfig][] = [
  ['cpu-small (preset)', cpuSmall],
  ['default model (paper K4 L6 C60) at 128^2', defaultModel],
];
if (args.includes('--candidates')) {
  for (const [label, override] of [
    [
      'K2 L2 C28 64^2 b2',
      {
        model: { stageCount: 2, blocksPerStage: 2, embeddingDim: 28, heads: 4 },
        data: { cropSize: 64 },
        training: { batchSize: 2 },
      },
    ],
    [
      'K2 L2 C32 64^2 b4',
      {
        model: { stageCount: 2, blocksPerStage: 2, embeddingDim: 32, heads: 4 },
        data: { cropSize: 64 },
        training: { batchSize: 4 },
      },
    ],
    [
      'K2 L2 C32 96^2 b2',
      {
        model: { stageCount: 2, blocksPerStage: 2, embeddingDim: 32, heads: 4 },
        data: { cropSize: 96 },
        training: { batchSize: 2 },
      },
    ],
    [
      'K2 L4 C32 64^2 b2',
      {
        model: { stageCount: 2, blocksPerStage: 4, embeddingDim: 32, heads: 4 },
        data: { cropSize: 64 },
        training: { batchSize: 2 },
      },
    ],
  ] as const) {
    candidates.push([label, deepMerge(cpuSmall, override) as TrainerConfig]);
  }
}
for (const [name, config] of candidates) {
  if (only && !name.startsWith(only)) continue;
  try {
    await measure(name, config, quick ? 2 : name.startsWith('default') ? 3 : 8);
  } catch (error) {
    console.log(`${name}: ${(error as Error).message}`);
    if (name.startsWith('default')) {
      // The largest crop that fits the 4 GiB wasm heap with batch 1 (estimate), for a samples/s figure.
      const fitted = deepMerge(config, { data: { cropSize: 32 } }) as TrainerConfig;
      await measure(
        'default model (paper K4 L6 C60) at 32^2 (largest multiple of 8 that fits wasm)',
        fitted,
        quick ? 2 : 3,
      );
    }
  }
}
console.log(
  `wasm threads: ${backendInfo().threads ?? '-'} (tfjs runs wasm single-threaded in Node; --threads N uses @s2cassi/backends' threaded loader, with XNNPACK and the SIMD worker pool on N threads)`,
);
