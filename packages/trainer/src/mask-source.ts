import { createRandom } from '@s2cassi/cassi-sim';
import { loadStandardMask } from '@s2cassi/demo-data';
import type { MaskArray } from './batch-sampler';
import type { TrainerConfig } from './config';

/**
 * A seeded random square mask: Bernoulli(0.5) {0, 1} values when `binary`, uniform [0, 1) otherwise.
 * Drawn from its own generator, so it does not depend on (or advance) the data generator.
 */
export function randomMask(size: number, binary: boolean, seed: number): MaskArray {
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`randomMask: size must be a positive integer, got ${size}`);
  const random = createRandom((seed ^ 0x5bd1e995) >>> 0);
  const data = new Float32Array(size * size);
  for (let i = 0; i < data.length; i++)
    data[i] = binary ? (random.uniform() < 0.5 ? 1 : 0) : random.uniform();
  return { data, shape: [size, size] };
}

/**
 * The mask a configuration names, for the kinds that need no file system: `standard` (the bundled TSA
 * mask from @s2cassi/demo-data) and `random`. `file` masks are read by the Node entry
 * (`@s2cassi/trainer/node`), or pass your own mask to `Trainer.create`.
 */
export async function configuredMask(config: TrainerConfig): Promise<MaskArray> {
  const mask = config.data.mask;
  switch (mask.kind) {
    case 'standard': {
      const standard = await loadStandardMask();
      return { data: standard.data, shape: standard.shape };
    }
    case 'random':
      return randomMask(mask.size, mask.binary, config.seed);
    case 'file':
      throw new Error(
        `data.mask: file masks (${mask.path}) are read by @s2cassi/trainer/node; pass a mask to Trainer.create instead`,
      );
  }
}
