import type { TrainerConfig } from './config';
import { loadConfiguredMask } from './node-data';
import { deepMerge } from './overrides';
import { preset } from './presets';
import { syntheticSceneSource } from './scene-source';
import { type CreateTrainerOptions, Trainer } from './trainer';

/** The tiny preset with test-friendly overrides (no validation unless asked). */
export function tinyConfig(override: unknown = {}): TrainerConfig {
  return deepMerge(preset('tiny'), deepMerge({ validation: { everyEpochs: 0 } }, override));
}

/** A trainer on the config's synthetic scenes and configured mask; `extra` adds create options. */
export async function syntheticTrainer(
  config: TrainerConfig,
  extra: Partial<Omit<CreateTrainerOptions, 'config' | 'source' | 'mask'>> = {},
): Promise<Trainer> {
  const source = config.data.source;
  if (source.kind !== 'synthetic') throw new Error('synthetic only');
  return Trainer.create({
    config,
    source: syntheticSceneSource({ ...source, bandCount: config.model.bandCount, seed: config.seed }),
    mask: await loadConfiguredMask(config),
    ...extra,
  });
}
