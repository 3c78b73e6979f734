/**
 * What the step benches share (step-profile.ts, peer-verify.ts): the command line, the two configurations they
 * time and the synthetic scenes they train on.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { deepMerge, preset, resolveConfig, syntheticSceneSource, type TrainerConfig } from '../src/index';

const args = process.argv.slice(2);

/** The value after `name` on the command line, or `fallback`. */
export function option(name: string, fallback: string): string {
  const at = args.indexOf(name);
  return at >= 0 && at + 1 < args.length ? args[at + 1] : fallback;
}

/** Whether `name` is on the command line. */
export function flag(name: string): boolean {
  return args.includes(name);
}

/** apps/demo-model/configs/v3-l1.json (Parall-SS K2 L2 C32 T4 M8, batch 4 x 64^2, L1) on wasm, no validation. */
export function demoConfig(): TrainerConfig {
  const file = resolve(import.meta.dirname, '../../../apps/demo-model/configs/v3-l1.json');
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  return deepMerge(resolveConfig(raw), { backend: 'wasm', validation: { everyEpochs: 0 } }) as TrainerConfig;
}

/**
 * The paper model (K4 L6 C60 T6 M8) at batch 1 x 128^2 on wasm, without gradient checkpointing (the step fits the
 * wasm heap: ~2.4 GiB). `--checkpoint N` checkpoints its first N blocks (24: every block).
 */
export function defaultConfig(): TrainerConfig {
  return deepMerge(preset('paper'), {
    backend: 'wasm',
    data: { cropSize: 128 },
    training: {
      batchSize: 1,
      checkpointBlocks: flag('--checkpoint') ? Number(option('--checkpoint', '24')) : 0,
    },
    validation: { everyEpochs: 0 },
  }) as TrainerConfig;
}

/** Two synthetic training scenes of the configuration's bands, at least 128 x 128. */
export function sceneSource(config: TrainerConfig) {
  return syntheticSceneSource({
    trainScenes: 2,
    validationScenes: 0,
    height: Math.max(config.data.cropSize, 128),
    width: Math.max(config.data.cropSize, 128),
    bandCount: config.model.bandCount,
    seed: 1,
  });
}
