import { decodeSafetensors } from '@s2cassi/hsi-io';
import { readAsset } from './_assets';

/** Where the demo model's weights came from (see `assets/demo-model/MODEL_CARD.md`). */
export interface DemoModelTraining {
  run: string;
  checkpoint: string;
  step: number;
  epoch: number;
  totalSteps: number;
  trainingSeconds: number;
  configHash: string;
  parameterCount: number;
  validation: {
    step: number;
    psnr: number;
    ssim: number;
    scenes: { name: string; psnr: number; ssim: number }[];
  } | null;
}

/**
 * The demo model's JSON manifest (`assets/demo-model/demo-model.json`): the @s2cassi/s2-attn weights
 * manifest (`format`, `version`, the resolved S2Transformer `config`) plus its training provenance.
 */
export interface DemoModelConfig {
  format: 's2cassi.s2-transformer';
  version: number;
  /** The resolved S2Transformer configuration (blockType, stageCount, blocksPerStage, embeddingDim, ...). */
  config: Record<string, unknown> & { bandCount: number; windowSize: number; embeddingDim: number };
  training: DemoModelTraining;
}

/** The bundled demo S2-Transformer: safetensors bytes and their manifest. */
export interface DemoModel {
  /**
   * The weights as a safetensors file: F32 tensors under their hierarchical names, with the same
   * configuration in the metadata (`config`), so `decodeModelWeights(weights)` from @s2cassi/s2-attn
   * builds the model directly.
   */
  weights: Uint8Array;
  config: DemoModelConfig;
}

const FORMAT = 's2cassi.s2-transformer';

/**
 * The demo S2-Transformer trained by the project on CAVE (held out: fake_and_real_peppers, feathers,
 * jelly_beans) with @s2cassi/trainer; a small model of the paper's family, NOT the paper's full model
 * (see `assets/demo-model/MODEL_CARD.md`). Checks that the JSON manifest and the configuration stored in
 * the safetensors metadata agree.
 *
 * @example
 *   const { weights, config } = await loadDemoModel();
 *   const model = decodeModelWeights(weights); // @s2cassi/s2-attn
 */
export async function loadDemoModel(): Promise<DemoModel> {
  const [weights, json] = await Promise.all([
    readAsset(new URL('../assets/demo-model/demo-model.safetensors', import.meta.url)),
    readAsset(new URL('../assets/demo-model/demo-model.json', import.meta.url)),
  ]);
  const config = JSON.parse(new TextDecoder().decode(json)) as DemoModelConfig;
  if (config?.format !== FORMAT) {
    throw new Error(`demo-model.json: expected format '${FORMAT}', got ${JSON.stringify(config?.format)}`);
  }
  const { metadata } = decodeSafetensors(weights, 'demo-model.safetensors');
  if (metadata.format !== FORMAT || metadata.config !== JSON.stringify(config.config)) {
    throw new Error(
      `demo-model.safetensors: its metadata config ${metadata.config} does not match demo-model.json's ${JSON.stringify(config.config)}`,
    );
  }
  return { weights, config };
}

/** The demo weights alone (safetensors bytes with the config in their metadata): `(await loadDemoModel()).weights`. */
export async function loadDemoWeights(): Promise<Uint8Array> {
  return (await loadDemoModel()).weights;
}
