import { readFileSync, statSync } from 'node:fs';
import { decodeSafetensors } from '@s2cassi/hsi-io';
import { decodeModelWeights } from '@s2cassi/s2-attn';
import { describeBackends } from '@s2cassi/testing';
import { describe, expect, it } from 'vitest';
import { loadDemoModel, loadDemoWeights } from './demo-model';

const asset = (name: string) => new URL(`../assets/demo-model/${name}`, import.meta.url);

describe('demo model assets', () => {
  it('ships safetensors + JSON within 5 MB whose configs agree', async () => {
    const { weights, config } = await loadDemoModel();
    expect(statSync(asset('demo-model.safetensors')).size).toBe(weights.length);
    expect(weights.length).toBeLessThanOrEqual(5 * 1024 * 1024);
    expect(config.format).toBe('s2cassi.s2-transformer');
    const { tensors, metadata } = decodeSafetensors(weights, 'demo');
    expect(JSON.parse(metadata.config)).toEqual(config.config);
    let parameters = 0;
    for (const tensor of Object.values(tensors)) {
      expect(tensor.dtype).toBe('F32');
      parameters += tensor.shape.reduce((a, b) => a * b, 1);
    }
    // the manifest's count is the model's own (S2Transformer.parameterCount at export time)
    expect(parameters).toBe(config.training.parameterCount);
    expect(config.config).toMatchObject({ blockType: 'parall-ss', bandCount: 28, windowSize: 8 });
    expect(await loadDemoWeights()).toEqual(weights);
  });
});

describeBackends('demo model weights', () => {
  it('decodes into an S2Transformer with the shipped configuration', async () => {
    const { weights, config } = await loadDemoModel();
    const model = decodeModelWeights(weights, { manifest: config, source: 'demo' });
    try {
      expect(model.parameterCount()).toBe(config.training.parameterCount);
      expect(model.config.embeddingDim).toBe(config.config.embeddingDim);
    } finally {
      model.dispose();
    }
  });

  it('refuses a manifest that does not match the weights', async () => {
    const json = JSON.parse(readFileSync(asset('demo-model.json'), 'utf8'));
    const { weights } = await loadDemoModel();
    const changed = { ...json, config: { ...json.config, embeddingDim: json.config.embeddingDim + 4 } };
    expect(() => decodeModelWeights(weights, { manifest: changed, source: 'demo' })).toThrow(/differ/);
  });
});
