import { createRandom } from '@s2cassi/cassi-sim';
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

/** What {@link configuredMask} may be given besides the configuration. */
export interface ConfiguredMaskOptions {
  /**
   * The standard 256 x 256 TSA mask, for `data.mask.kind: 'standard'`. The trainer ships no data: in Node,
   * `loadConfiguredMask` from `@s2cassi/trainer/node` fetches it from `@s2cassi/demo-data` (an optional
   * peer); elsewhere pass `(await loadStandardMask())` from `@s2cassi/demo-data` here.
   */
  standardMask?: MaskArray;
}

/**
 * The mask a configuration names, for the kinds that need no file system: `standard` (given as data in
 * `options.standardMask`) and `random`. `file` masks are read by the Node entry
 * (`@s2cassi/trainer/node`'s `loadConfiguredMask`), or pass your own mask to `Trainer.create`.
 */
export async function configuredMask(
  config: TrainerConfig,
  options: ConfiguredMaskOptions = {},
): Promise<MaskArray> {
  const mask = config.data.mask;
  switch (mask.kind) {
    case 'standard': {
      const standard = options.standardMask;
      if (!standard) {
        throw new Error(
          "data.mask: kind 'standard' is the TSA mask from @s2cassi/demo-data, which the trainer does not bundle: " +
            "pass it as configuredMask(config, { standardMask }) (loadStandardMask() from @s2cassi/demo-data), or use loadConfiguredMask from '@s2cassi/trainer/node'",
        );
      }
      const [height, width] = standard.shape;
      if (
        standard.shape.length !== 2 ||
        height !== 256 ||
        width !== 256 ||
        standard.data.length !== 256 * 256
      ) {
        throw new Error(
          `data.mask: the standard mask must be 256 x 256 (data of 65536 values), got [${standard.shape.join(', ')}] with ${standard.data.length} values`,
        );
      }
      return standard;
    }
    case 'random':
      return randomMask(mask.size, mask.binary, config.seed);
    case 'file':
      throw new Error(
        `data.mask: file masks (${mask.path}) are read by @s2cassi/trainer/node (loadConfiguredMask); pass a mask to Trainer.create instead`,
      );
  }
}
