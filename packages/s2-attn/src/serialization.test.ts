import { setBackend } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import './_serialization';
import type { Module } from './module';
import { ParallSsBlock } from './s2-attn-block';
import { S2Transformer } from './s2-transformer';

describe('tfjs serialization registration', () => {
  it('registers every layer under s2cassi.<Class> and rebuilds a module from its config', async () => {
    await setBackend('cpu');
    const map = tf.serialization.SerializationMap.getMap().classNameMap;
    for (const name of [
      'S2Transformer',
      'ParallSsBlock',
      'SpatialWindowMsa',
      'SpectralWindowMsa',
      'Linear',
      'Conv2d',
    ]) {
      expect(map[`s2cassi.${name}`], name).toBeDefined();
    }
    const originals: Module[] = [
      new S2Transformer({
        bandCount: 4,
        embeddingDim: 12,
        stageCount: 2,
        blocksPerStage: 2,
        heads: 2,
        windowSize: 4,
      }),
      new ParallSsBlock({ features: 12, heads: 3, windowSize: 4, shift: 2 }),
    ];
    for (const original of originals) {
      const [cls, fromConfig] = map[original.getClassName()];
      const rebuilt = fromConfig(cls, original.getConfig()) as unknown as Module;
      expect(rebuilt.getClassName()).toBe(original.getClassName());
      const shapes = (m: Module) => m.namedWeights().map((w) => `${w.name}:${w.variable.shape.join('x')}`);
      expect(shapes(rebuilt)).toEqual(shapes(original));
      // same seed in the config: same initial weights
      const a = original.namedWeights()[0].variable.dataSync();
      const b = rebuilt.namedWeights()[0].variable.dataSync();
      expect(Array.from(b)).toEqual(Array.from(a));
      rebuilt.dispose();
      original.dispose();
    }
  });
});
