import { setupBackend } from '@s2cassi/backends';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { syntheticTrainer, tinyConfig } from './_test-helpers';
import { configHash } from './checkpoint';
import type { TrainerConfig } from './config';
import type { StepRecord } from './events';
import { assertMemoryFits, estimateTrainingMemory } from './memory';
import { loadConfiguredMask } from './node-data';
import { deepMerge } from './overrides';
import { preset, resolveConfig } from './presets';
import { syntheticSceneSource } from './scene-source';
import { Trainer } from './trainer';

async function losses(backend: 'wasm' | 'cpu', config: TrainerConfig, steps: number): Promise<number[]> {
  await setupBackend(backend);
  const trainer = await syntheticTrainer(config);
  const out: number[] = [];
  for (let i = 0; i < steps; i++) out.push((await trainer.trainStep()).loss.total);
  trainer.dispose();
  return out;
}

describe('Trainer end to end (tiny S2-Transformer, synthetic 16 x 16 x 4 data)', () => {
  afterAll(async () => {
    await setupBackend('cpu');
  });

  it('trains on wasm: the loss falls over a few dozen steps, with no tensor leak', async () => {
    await setupBackend('wasm');
    const config = tinyConfig({ loss: { objective: 'l1' }, training: { epochs: 2, samplesPerEpoch: 48 } });
    const before = tf.memory().numTensors;
    const trainer = await syntheticTrainer(config);
    const records: StepRecord[] = [];
    trainer.events.on('step', (record) => records.push(record));
    const result = await trainer.run();
    trainer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(result).toMatchObject({ step: 48, stopped: false });
    expect(records).toHaveLength(48);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const first = mean(records.slice(0, 6).map((r) => r.loss.total));
    const last = mean(records.slice(-6).map((r) => r.loss.total));
    console.log(
      `wasm tiny: L1 loss ${first.toFixed(4)} (first 6 steps) -> ${last.toFixed(4)} (last 6 of 48)`,
    );
    expect(last).toBeLessThan(0.6 * first);
  });

  it('cpu agrees with wasm for the first steps (same seed, same data)', async () => {
    const config = tinyConfig();
    const wasm = await losses('wasm', config, 3);
    const cpu = await losses('cpu', config, 3);
    const diffs = wasm.map((w, i) => Math.abs(w - cpu[i]) / Math.abs(cpu[i]));
    console.log(
      `cpu vs wasm relative loss differences, steps 0..2: ${diffs.map((d) => d.toExponential(2)).join(', ')}`,
    );
    for (const d of diffs) expect(d).toBeLessThan(1e-4);
    expect(wasm[2]).not.toBe(wasm[0]);
  });

  it('follows the schedules: L_ME then L_MA at switchFraction, lr halved per everyEpochs', async () => {
    await setupBackend('wasm');
    const config = tinyConfig({ training: { epochs: 4, samplesPerEpoch: 4, batchSize: 2 } });
    const trainer = await syntheticTrainer(config);
    const records: StepRecord[] = [];
    trainer.events.on('step', (record) => records.push(record));
    await trainer.run();
    trainer.dispose();
    expect(records.map((r) => r.objective)).toEqual(['me', 'me', 'me', 'me', 'ma', 'ma', 'ma', 'ma']);
    expect(records.map((r) => r.alpha)).toEqual([1.5, 1.5, 1.5, 1.5, 1, 1, 1, 1]);
    expect(records.map((r) => r.learningRate)).toEqual([2e-3, 2e-3, 2e-3, 2e-3, 1e-3, 1e-3, 1e-3, 1e-3]);
    expect(records[4].loss.ma).toBeGreaterThan(0);
    expect(records[0].loss.ma).toBeUndefined();
  });

  it('keeps the tensor count and backend memory flat over 200 steps', async () => {
    await setupBackend('wasm');
    const config = tinyConfig({
      training: { epochs: 200, samplesPerEpoch: 2, batchSize: 2 },
      optimizer: { gradientClipNorm: 1 },
      data: { noise: { kind: 'gaussian', std: 0.01 } },
      validation: { everyEpochs: 100 },
    });
    const trainer = await syntheticTrainer(config);
    const samples: { step: number; numTensors: number; tensorBytes: number; backendBytes?: number }[] = [];
    trainer.events.on('step', (r) => samples.push(r));
    await trainer.run();
    trainer.dispose();
    const at = (step: number) => samples[step];
    console.log(
      `memory: step 20 ${at(20).numTensors} tensors / ${at(20).tensorBytes} B / heap ${at(20).backendBytes}; step 199 ${at(199).numTensors} / ${at(199).tensorBytes} B / heap ${at(199).backendBytes}`,
    );
    expect(at(199).numTensors).toBe(at(20).numTensors);
    expect(at(199).tensorBytes).toBe(at(20).tensorBytes);
    expect(at(199).backendBytes).toBe(at(20).backendBytes);
  });

  it('checkpointBlocks trains the same steps (same losses) on wasm and is not part of the config hash', async () => {
    const config = tinyConfig();
    const plain = await losses('wasm', config, 4);
    const checkpointed = await losses(
      'wasm',
      deepMerge(config, { training: { checkpointBlocks: true } }) as TrainerConfig,
      4,
    );
    for (const [i, loss] of plain.entries()) expect(Math.abs(checkpointed[i] - loss)).toBeLessThan(1e-5);
    const partial = await losses(
      'wasm',
      deepMerge(config, { training: { checkpointBlocks: 1 } }) as TrainerConfig,
      4,
    );
    for (const [i, loss] of plain.entries()) expect(Math.abs(partial[i] - loss)).toBeLessThan(1e-5);
    expect(
      await configHash(deepMerge(config, { training: { checkpointBlocks: true } }) as TrainerConfig),
    ).toBe(await configHash(config));
    expect(await configHash(deepMerge(config, { training: { checkpointBlocks: 1 } }) as TrainerConfig)).toBe(
      await configHash(config),
    );
    const blocks = config.model.stageCount * config.model.blocksPerStage;
    expect(() => resolveConfig(deepMerge(config, { training: { checkpointBlocks: blocks + 1 } }))).toThrow(
      new RegExp(
        `training\\.checkpointBlocks.*checkpointBlocks ${blocks + 1} exceeds the model's ${blocks} blocks`,
      ),
    );
  });

  it('the default model at 128 x 128 on wasm fits without checkpointBlocks (estimates above the measured heaps); batch 2 needs 6 blocks checkpointed', () => {
    const config = deepMerge(preset('paper'), {
      data: { cropSize: 128 },
      training: { batchSize: 1 },
    }) as TrainerConfig;
    const at = (checkpointBlocks: boolean | number, batchSize = 1) =>
      deepMerge(config, { training: { checkpointBlocks, batchSize } }) as TrainerConfig;
    // The wasm heap's high-water mark of this step in a fresh process (packages/trainer/bench/peak-memory.ts,
    // commit c38703b; tf.profile's peak of tf.memory().numBytes in brackets, which counts shared buffers twice):
    // no checkpointing 2,344 MiB (3,496), checkpointBlocks 12 1,364 MiB (1,877), true 398 MiB (409). Before the
    // eager backpropagation the step needed checkpointBlocks (tf.profile peak 864.5 MiB with it).
    for (const [checkpointBlocks, heapMiB] of [
      [false, 2344.1],
      [12, 1364.4],
      [true, 397.8],
    ] as const) {
      const estimate = estimateTrainingMemory(at(checkpointBlocks), 1_793_420, 'wasm');
      expect(estimate.peakBytes).toBeGreaterThan(heapMiB * 1024 ** 2);
      expect(estimate.peakBytes).toBeLessThan(1.4 * heapMiB * 1024 ** 2);
      expect(() => assertMemoryFits(estimate, at(checkpointBlocks), 1_793_420, 'wasm')).not.toThrow();
    }
    // Batch 2 does not fit without checkpointing (~2 x 2,344 MiB); the refusal names the fewest blocks that do.
    expect(() =>
      assertMemoryFits(
        estimateTrainingMemory(at(false, 2), 1_793_420, 'wasm'),
        at(false, 2),
        1_793_420,
        'wasm',
      ),
    ).toThrow(
      /training\.checkpointBlocks: 6 \(gradient checkpointing of the first 6 of 24 blocks; estimated/,
    );
  });

  it('refuses a configuration that cannot fit in wasm memory, saying why', () => {
    const paper = preset('paper');
    const estimate = estimateTrainingMemory(paper, 1_800_000, 'wasm');
    expect(estimate.limitBytes).toBe(4 * 1024 ** 3);
    expect(() => assertMemoryFits(estimate, paper)).toThrow(
      /configuration refused: estimated peak memory .* cannot fit/,
    );
    const small = preset('cpu-small');
    expect(() => assertMemoryFits(estimateTrainingMemory(small, 100_000, 'wasm'), small)).not.toThrow();
    expect(estimateTrainingMemory(paper, 1_800_000, 'webgpu').limitBytes).toBeNull();
  });

  it('Trainer.create refuses the paper preset on wasm before training, freeing what it built', async () => {
    await setupBackend('wasm');
    const before = tf.memory().numTensors;
    const config = deepMerge(preset('paper'), {
      data: { source: { kind: 'synthetic', trainScenes: 1, validationScenes: 0, height: 256, width: 256 } },
    }) as TrainerConfig;
    const source = syntheticSceneSource({
      trainScenes: 1,
      validationScenes: 0,
      height: 256,
      width: 256,
      bandCount: 28,
      seed: 0,
    });
    await expect(Trainer.create({ config, source, mask: await loadConfiguredMask(config) })).rejects.toThrow(
      /configuration refused: estimated peak memory per step: [\d.]+ GiB .* limit 4.00 GiB \(wasm\)/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});
