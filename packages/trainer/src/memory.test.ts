import { setupBackend } from '@s2cassi/backends';
import { setFusedKernels } from '@s2cassi/s2-attn';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { TrainerConfig } from './config';
import { assertMemoryFits, estimateTrainingMemory, WASM_HEAP_LIMIT_BYTES } from './memory';
import { loadConfiguredMask } from './node-data';
import { deepMerge } from './overrides';
import { preset } from './presets';
import { syntheticSceneSource } from './scene-source';
import { Trainer } from './trainer';

const MiB = 1024 ** 2;
type Override = Record<string, unknown>;
const sized = (cropSize: number, batchSize: number, checkpointBlocks?: boolean | number): Override => ({
  data: { cropSize },
  training: { batchSize, ...(checkpointBlocks === undefined ? {} : { checkpointBlocks }) },
});
/** apps/demo-model/configs/v3-l1.json's model (cpu-small with C 32: Parall-SS K2 L2 C32 T4 M8), batch 4 x 64^2. */
const demo = (override: Override = {}) =>
  deepMerge(
    deepMerge(preset('cpu-small'), { model: { embeddingDim: 32 }, training: { batchSize: 4 } }),
    override,
  );
const cpuSmall = (override: Override = {}) => deepMerge(preset('cpu-small'), override);
/** The default model (preset 'paper': K4 L6 C60 T6 M8). */
const paper = (override: Override = {}) => deepMerge(preset('paper'), override);
const DEMO_PARAMETERS = 122_872;
const CPU_SMALL_PARAMETERS = 97_892;
const PAPER_PARAMETERS = 1_793_420;

/**
 * The wasm heap's high-water mark (MiB) of real training steps, each configuration in a fresh process:
 * packages/trainer/bench/peak-memory.ts at commit c38703b (raw output: bench/results/peak-memory.md).
 */
const WASM_HEAP: Array<[string, unknown, number, number]> = [
  ['demo, batch 4 x 64^2', demo(), DEMO_PARAMETERS, 248.2],
  ['demo, batch 8 x 64^2', demo(sized(64, 8)), DEMO_PARAMETERS, 478.3],
  ['demo, checkpointBlocks 1', demo(sized(64, 4, 1)), DEMO_PARAMETERS, 206.8],
  ['demo, checkpointBlocks 2', demo(sized(64, 4, 2)), DEMO_PARAMETERS, 143.6],
  ['demo, checkpointBlocks 3', demo(sized(64, 4, 3)), DEMO_PARAMETERS, 119.6],
  ['demo, checkpointBlocks true', demo(sized(64, 4, true)), DEMO_PARAMETERS, 119.6],
  ['cpu-small, batch 2 x 64^2', cpuSmall(), CPU_SMALL_PARAMETERS, 119.6],
  ['cpu-small C56', cpuSmall({ model: { embeddingDim: 56 } }), 333_232, 220.3],
  ['cpu-small M4', cpuSmall({ model: { windowSize: 4 } }), 95_076, 119.6],
  ['cpu-small T2', cpuSmall({ model: { heads: 2 } }), 96_084, 119.6],
  ['cpu-small L4', cpuSmall({ model: { blocksPerStage: 4 } }), 160_308, 206.8],
  [
    'cpu-small L4, checkpointBlocks true',
    cpuSmall({ model: { blocksPerStage: 4 }, ...sized(64, 2, true) }),
    160_308,
    57.6,
  ],
  ['default, batch 1 x 128^2', paper(sized(128, 1)), PAPER_PARAMETERS, 2344.1],
  ['default, batch 1 x 128^2, checkpointBlocks 12', paper(sized(128, 1, 12)), PAPER_PARAMETERS, 1364.4],
  ['default, batch 1 x 128^2, checkpointBlocks true', paper(sized(128, 1, true)), PAPER_PARAMETERS, 397.8],
  // What the refusal of batch 2 suggests (6, see assertMemoryFits below), one more, and the paper's crop size.
  ['default, batch 2 x 128^2, checkpointBlocks 6', paper(sized(128, 2, 6)), PAPER_PARAMETERS, 3670.1],
  ['default, batch 2 x 128^2, checkpointBlocks 7', paper(sized(128, 2, 7)), PAPER_PARAMETERS, 3392.2],
  ['default, batch 1 x 256^2, checkpointBlocks true', paper(sized(256, 1, true)), PAPER_PARAMETERS, 1309.6],
];

/**
 * tf.profile()'s peakBytes (MiB) where no fused kernel runs: on wasm with the fused kernels off (the op graph of
 * cpu, webgl, webgpu and tensorflow; bench/peak-memory.ts --composed, commit c38703b) and on cpu (small crops; the
 * two agree within 2 % where both were measured).
 */
const PROFILE_PEAK: Array<[string, unknown, number, number]> = [
  ['demo, batch 4 x 64^2', demo(), DEMO_PARAMETERS, 1221.3],
  ['demo, batch 8 x 64^2', demo(sized(64, 8)), DEMO_PARAMETERS, 2434.6],
  ['demo, checkpointBlocks 1', demo(sized(64, 4, 1)), DEMO_PARAMETERS, 943],
  ['demo, checkpointBlocks 2', demo(sized(64, 4, 2)), DEMO_PARAMETERS, 646.6],
  ['demo, checkpointBlocks 3', demo(sized(64, 4, 3)), DEMO_PARAMETERS, 469.3],
  ['demo, checkpointBlocks true', demo(sized(64, 4, true)), DEMO_PARAMETERS, 377.8],
  ['cpu-small, batch 2 x 64^2', cpuSmall(), CPU_SMALL_PARAMETERS, 562.3],
  ['cpu-small C56', cpuSmall({ model: { embeddingDim: 56 } }), 333_232, 1006.2],
  ['cpu-small M4', cpuSmall({ model: { windowSize: 4 } }), 95_076, 479.5],
  ['cpu-small T2', cpuSmall({ model: { heads: 2 } }), 96_084, 507.8],
  ['cpu-small L4', cpuSmall({ model: { blocksPerStage: 4 } }), 160_308, 1086.2],
  [
    'cpu-small L4, checkpointBlocks true',
    cpuSmall({ model: { blocksPerStage: 4 }, ...sized(64, 2, true) }),
    160_308,
    186.3,
  ],
  ['default, batch 1 x 64^2', paper(sized(64, 1)), PAPER_PARAMETERS, 3217.4],
  ['default, batch 1 x 64^2, checkpointBlocks 12', paper(sized(64, 1, 12)), PAPER_PARAMETERS, 1650.1],
  ['default, batch 1 x 64^2, checkpointBlocks true', paper(sized(64, 1, true)), PAPER_PARAMETERS, 221.4],
  ['cpu: demo, batch 4 x 32^2', demo(sized(32, 4)), DEMO_PARAMETERS, 307.5],
  ['cpu: demo, batch 4 x 32^2, checkpointBlocks true', demo(sized(32, 4, true)), DEMO_PARAMETERS, 96],
  ['cpu: cpu-small, batch 2 x 32^2', cpuSmall(sized(32, 2)), CPU_SMALL_PARAMETERS, 142.4],
  [
    'cpu: cpu-small C56, batch 2 x 32^2',
    cpuSmall({ model: { embeddingDim: 56 }, ...sized(32, 2) }),
    333_232,
    256.5,
  ],
  [
    'cpu: cpu-small M4, batch 2 x 32^2',
    cpuSmall({ model: { windowSize: 4 }, ...sized(32, 2) }),
    95_076,
    121.1,
  ],
  ['cpu: default, batch 1 x 16^2', paper(sized(16, 1)), PAPER_PARAMETERS, 239],
  ['cpu: default, batch 1 x 16^2, checkpointBlocks 12', paper(sized(16, 1, 12)), PAPER_PARAMETERS, 150.6],
];

function wasmHeapBytes(): number {
  return (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength;
}

async function trainerFor(config: TrainerConfig): Promise<Trainer> {
  const side = Math.max(config.data.cropSize, 32);
  return Trainer.create({
    config,
    source: syntheticSceneSource({
      trainScenes: 1,
      validationScenes: 0,
      height: side,
      width: side,
      bandCount: config.model.bandCount,
      seed: 1,
    }),
    mask: await loadConfiguredMask(config),
  });
}

describe('estimateTrainingMemory', () => {
  // First in this file: the wasm heap only grows, so it is this step's high-water mark only in a fresh module.
  it('on wasm, lies 0-40 % above the heap of a real training step (sizes outside the fit)', async () => {
    await setupBackend('wasm');
    expect(wasmHeapBytes()).toBe(16 * MiB); // emscripten's initial heap: nothing has grown it yet
    const config = cpuSmall({
      model: { embeddingDim: 20, heads: 2 },
      ...sized(48, 6),
      validation: { everyEpochs: 0 },
    }) as TrainerConfig;
    const trainer = await trainerFor(config);
    await trainer.trainStep();
    await trainer.trainStep();
    const ratio = trainer.memory.peakBytes / wasmHeapBytes();
    console.log(
      `wasm heap ${(wasmHeapBytes() / MiB).toFixed(1)} MiB, estimated ${(trainer.memory.peakBytes / MiB).toFixed(1)} MiB (ratio ${ratio.toFixed(2)})`,
    );
    expect(ratio).toBeGreaterThan(1);
    expect(ratio).toBeLessThan(1.4);
    trainer.dispose();
  });

  it('without the fused kernels (every backend but wasm), lies 0-40 % above the tf.profile peak of a real step', async () => {
    await setupBackend('wasm');
    const previous = setFusedKernels(false);
    try {
      for (const override of [
        { model: { embeddingDim: 20, heads: 2 }, ...sized(24, 2) },
        { model: { windowSize: 4, blocksPerStage: 1 }, ...sized(16, 3) },
        { model: { blocksPerStage: 3 }, ...sized(32, 1, 4) },
      ]) {
        const config = cpuSmall({ ...override, validation: { everyEpochs: 0 } }) as TrainerConfig;
        const trainer = await trainerFor(config);
        await trainer.trainStep();
        const measured = (await tf.profile(async () => void (await trainer.trainStep()))).peakBytes;
        const estimated = estimateTrainingMemory(config, trainer.model.parameterCount(), 'cpu').peakBytes;
        const ratio = estimated / measured;
        console.log(`tf.profile peak ${measured} B, estimated ${estimated} B (ratio ${ratio.toFixed(2)})`);
        expect(ratio).toBeGreaterThan(1);
        expect(ratio).toBeLessThan(1.4);
        trainer.dispose();
      }
    } finally {
      setFusedKernels(previous);
    }
  });

  it('on wasm, lies 0-40 % above every heap measured by bench/peak-memory.ts', () => {
    for (const [label, config, parameters, measuredMiB] of WASM_HEAP) {
      const estimate = estimateTrainingMemory(config as TrainerConfig, parameters, 'wasm').peakBytes / MiB;
      expect(estimate, `${label}: estimate ${estimate.toFixed(1)} MiB`).toBeGreaterThan(measuredMiB);
      expect(estimate, `${label}: estimate ${estimate.toFixed(1)} MiB`).toBeLessThan(1.4 * measuredMiB);
    }
  });

  it('elsewhere, lies 0-40 % above every tf.profile peak measured without the fused kernels', () => {
    for (const [label, config, parameters, measuredMiB] of PROFILE_PEAK) {
      for (const backend of ['cpu', 'webgpu']) {
        const estimate = estimateTrainingMemory(config as TrainerConfig, parameters, backend).peakBytes / MiB;
        expect(estimate, `${label}: estimate ${estimate.toFixed(1)} MiB`).toBeGreaterThan(measuredMiB);
        expect(estimate, `${label}: estimate ${estimate.toFixed(1)} MiB`).toBeLessThan(1.4 * measuredMiB);
      }
    }
  });

  it('checkpointing more blocks never needs more memory: from none through every number of blocks to true', () => {
    for (const backend of ['wasm', 'cpu']) {
      for (const [model, parameters] of [
        [paper(sized(128, 1)), PAPER_PARAMETERS],
        [demo(), DEMO_PARAMETERS],
      ] as const) {
        const config = model as TrainerConfig;
        const blocks = config.model.stageCount * config.model.blocksPerStage;
        const peak = (checkpointBlocks: boolean | number) =>
          estimateTrainingMemory(
            deepMerge(config, { training: { checkpointBlocks } }) as TrainerConfig,
            parameters,
            backend,
          ).peakBytes;
        expect(peak(0)).toBe(peak(false));
        expect(peak(blocks)).toBe(peak(true));
        for (let n = 0; n < blocks; n++) expect(peak(n + 1)).toBeLessThanOrEqual(peak(n));
        expect(peak(Math.floor(blocks / 2))).toBeLessThan(peak(false));
        expect(peak(true)).toBeLessThan(peak(Math.floor(blocks / 2)));
        // Every block but the last saves all there is to save: the last one's tape is rebuilt at once.
        expect(peak(blocks - 1)).toBe(peak(true));
      }
    }
  });
});

describe('assertMemoryFits', () => {
  const refusal = (config: TrainerConfig, parameters: number, backend = 'wasm') => {
    try {
      assertMemoryFits(estimateTrainingMemory(config, parameters, backend), config, parameters, backend);
    } catch (error) {
      return (error as Error).message;
    }
    return undefined;
  };
  const fits = (config: TrainerConfig, checkpointBlocks: boolean | number) =>
    estimateTrainingMemory(
      deepMerge(config, { training: { checkpointBlocks } }) as TrainerConfig,
      PAPER_PARAMETERS,
      'wasm',
    ).peakBytes <= WASM_HEAP_LIMIT_BYTES;

  it('names the fewest checkpointed blocks that fit: 6 of 24 for the default model at batch 2 x 128^2', () => {
    const config = paper(sized(128, 2)) as TrainerConfig;
    expect(fits(config, 5)).toBe(false);
    expect(fits(config, 6)).toBe(true);
    // bench/peak-memory.ts: with checkpointBlocks 6 this configuration trains with a wasm heap of 3,670 MiB (tf.profile
    // peak 5,303 MiB), 4 % below its estimate (4,017 MiB).
    const message = refusal(config, PAPER_PARAMETERS);
    expect(message).toMatch(
      /configuration refused: .*Use training\.checkpointBlocks: 6 \(gradient checkpointing of the first 6 of 24 blocks; estimated 3\.\d+ GiB\), a smaller batch/,
    );
    // From a partial setting that does not fit, the same smallest number.
    expect(
      refusal(deepMerge(config, { training: { checkpointBlocks: 4 } }) as TrainerConfig, PAPER_PARAMETERS),
    ).toMatch(/training\.checkpointBlocks: 6 /);
  });

  it('names no checkpointing when even every block checkpointed cannot fit, and refuses nothing that fits', () => {
    const paperPreset = preset('paper'); // batch 4 x 256^2
    expect(fits(paperPreset, true)).toBe(false);
    const message = refusal(paperPreset, PAPER_PARAMETERS);
    expect(message).toMatch(/configuration refused: .* cannot fit: .*Use a smaller batch/);
    expect(message).not.toMatch(/checkpointBlocks:/);
    expect(refusal(paper(sized(128, 1)) as TrainerConfig, PAPER_PARAMETERS)).toBeUndefined();
    expect(refusal(demo(sized(64, 8)) as TrainerConfig, DEMO_PARAMETERS)).toBeUndefined();
  });
});
