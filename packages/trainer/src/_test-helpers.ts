import type { TrainerConfig } from './config';
import { deepMerge } from './overrides';
import { preset } from './presets';

/** The tiny preset with test-friendly overrides (no validation unless asked). */
export function tinyConfig(override: unknown = {}): TrainerConfig {
  return deepMerge(preset('tiny'), deepMerge({ validation: { everyEpochs: 0 } }, override));
}
