import * as tf from '@tensorflow/tfjs-core';
import { Conv2d } from './conv2d';
import { FeedForward } from './feed-forward';
import { LayerNorm } from './layer-norm';
import { Linear } from './linear';
import { ParallSsBlock, SequnSsBlock, SpaBlock, SpaSpaBlock, SpeBlock, SpeSpeBlock } from './s2-attn-block';
import { MaskEncodingHead, S2Transformer, S2TransformerStage } from './s2-transformer';
import { SpatialWindowMsa } from './spatial-window-msa';
import { SpectralWindowMsa } from './spectral-window-msa';

/**
 * Registers every layer class with tfjs serialization under `s2cassi.<ClassName>`, so
 * `tf.serialization.SerializationMap.getMap().classNameMap['s2cassi.S2Transformer']` rebuilds a module
 * from its `getConfig()` (architecture only; weights travel as safetensors, see weights.ts).
 */
export function registerS2AttnClasses(): void {
  for (const cls of [
    Linear,
    LayerNorm,
    Conv2d,
    FeedForward,
    SpatialWindowMsa,
    SpectralWindowMsa,
    SpaBlock,
    SpeBlock,
    SpaSpaBlock,
    SpeSpeBlock,
    SequnSsBlock,
    ParallSsBlock,
    S2TransformerStage,
    MaskEncodingHead,
    S2Transformer,
  ]) {
    tf.serialization.registerClass(
      cls as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
    );
  }
}

registerS2AttnClasses();
