import { decodeSafetensors } from '@s2cassi/hsi-io/safetensors';
import {
  loadWeightsInto,
  manifestFromSafetensors,
  type ResolvedS2TransformerConfig,
  resolveS2TransformerConfig,
  WEIGHTS_FORMAT,
} from '@s2cassi/s2-attn';
import { sha256Hex } from './checkpoint';
import type { TrainerConfig } from './config';
import type { TrainableModel } from './model';

/** The weights file a run starts from (`config.initialWeights`), read by the caller. */
export interface InitialWeights {
  /** The safetensors file's bytes (never modified). */
  bytes: Uint8Array;
  /** Where they came from, for messages (default: `config.initialWeights.path`). */
  source?: string;
}

/** The initial weights cannot be used for this configuration: another file, another model, other tensors. */
export class TrainerInitialWeightsError extends Error {
  override name = 'TrainerInitialWeightsError';
}

/**
 * The fields where an S2-Transformer weights file's stored config differs from the one the trainer builds
 * from `model` (the seed left out: it only draws the initial weights these replace).
 */
function modelDifferences(stored: ResolvedS2TransformerConfig, model: TrainerConfig['model']): string[] {
  const built = resolveS2TransformerConfig({ ...model });
  return (Object.keys(built) as (keyof ResolvedS2TransformerConfig)[])
    .filter((key) => key !== 'seed' && JSON.stringify(stored[key]) !== JSON.stringify(built[key]))
    .map(
      (key) =>
        `${key} ${JSON.stringify(stored[key])} in the weights, ${JSON.stringify(built[key])} in the config`,
    );
}

/**
 * Checks `weights` against the configuration (the pinned SHA-256 if there is one; the stored model config of
 * an S2-Transformer weights file; every tensor name and shape) and copies them into `model`. Nothing is
 * assigned when a check fails. Returns the file's SHA-256 (lowercase hex).
 */
export async function loadInitialWeights(
  model: TrainableModel,
  config: TrainerConfig,
  weights: InitialWeights,
): Promise<string> {
  const source = weights.source ?? config.initialWeights?.path ?? 'initial weights';
  if (!(weights.bytes instanceof Uint8Array)) {
    throw new TrainerInitialWeightsError(
      `initial weights ${source}: expected the file's bytes as a Uint8Array, got ${Object.prototype.toString.call(weights.bytes)}`,
    );
  }
  const sha256 = await sha256Hex(weights.bytes);
  const pinned = config.initialWeights?.sha256;
  if (pinned !== undefined && pinned !== sha256) {
    throw new TrainerInitialWeightsError(
      `initial weights ${source}: the file's SHA-256 is ${sha256}, the config pins ${pinned} (initialWeights.sha256): another file, or the file changed`,
    );
  }
  const file = decodeSafetensors(weights.bytes, `initial weights ${source}`);
  if (file.metadata.format === WEIGHTS_FORMAT) {
    const differences = modelDifferences(manifestFromSafetensors(file, source).config, config.model);
    if (differences.length > 0) {
      throw new TrainerInitialWeightsError(
        `initial weights ${source}: another model than the config's: ${differences.join('; ')}`,
      );
    }
  }
  loadWeightsInto({ namedWeights: () => model.namedWeights() }, file, `initial weights ${source}`);
  return sha256;
}
