import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSafetensors, encodeSafetensors } from '@s2cassi/hsi-io';
import { describeBackends, maxAbsDiff, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { randomizeWeights } from './_test-utils';
import { loadS2Transformer, saveS2Transformer } from './node';
import { S2Transformer } from './s2-transformer';
import {
  decodeModelWeights,
  loadS2Transformer as deprecatedLoadS2Transformer,
  saveS2Transformer as deprecatedSaveS2Transformer,
  encodeModelWeights,
  loadWeightsInto,
  WEIGHTS_FORMAT,
  WeightsMismatchError,
} from './weights';

const TINY = { bandCount: 4, embeddingDim: 12, stageCount: 2, blocksPerStage: 2, heads: 2, windowSize: 4 };

describeBackends('weights as safetensors', () => {
  it('save -> load gives identical outputs; names, shapes and metadata are as documented', async () => {
    const model = new S2Transformer({ ...TINY, seed: 5 });
    randomizeWeights(model, 41, 0.3);
    const bytes = encodeModelWeights(model);
    const file = decodeSafetensors(bytes);
    expect(file.metadata.format).toBe(WEIGHTS_FORMAT);
    expect(JSON.parse(file.metadata.config)).toEqual(model.config);
    expect(file.tensors['stages.1.blocks.1.spa.relative_position_bias_table'].shape).toEqual([49, 2]);
    expect(file.tensors['stages.0.blocks.0.spe.spectral_bias_table'].shape).toEqual([11, 2]);
    expect(file.tensors['stages.0.blocks.0.fuse.weight'].shape).toEqual([24, 12]);
    expect(file.tensors['mask_head.conv.weight'].shape).toEqual([3, 3, 12, 4]);
    expect(Object.keys(file.tensors).length).toBe(model.namedWeights().length);

    const dir = mkdtempSync(join(tmpdir(), 's2attn-weights-'));
    try {
      await saveS2Transformer(model, join(dir, 'model'));
      expect(readdirSync(dir).sort()).toEqual(['model.json', 'model.safetensors']); // no temp files left
      expect(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).format).toBe(WEIGHTS_FORMAT);
      const loaded = await loadS2Transformer(join(dir, 'model'));
      const x = tf.tensor4d(uniformArray(1 * 8 * 12 * 4, 9), [1, 8, 12, 4]);
      const a = model.apply(x, { withIntermediate: true });
      const b = loaded.apply(x, { withIntermediate: true });
      expect(maxAbsDiff(a.reconstruction.dataSync(), b.reconstruction.dataSync())).toBe(0);
      expect(
        maxAbsDiff((a.maskEncoded as tf.Tensor).dataSync(), (b.maskEncoded as tf.Tensor).dataSync()),
      ).toBe(0);
      tf.dispose([
        x,
        a.reconstruction,
        b.reconstruction,
        a.maskEncoded as tf.Tensor,
        b.maskEncoded as tf.Tensor,
      ]);
      loaded.dispose();
      // The main entry's deprecated forwarders still save and load the same files.
      await deprecatedSaveS2Transformer(model, join(dir, 'again'));
      expect(readFileSync(join(dir, 'again.safetensors'))).toEqual(
        readFileSync(join(dir, 'model.safetensors')),
      );
      const again = await deprecatedLoadS2Transformer(join(dir, 'model'));
      expect(again.config).toEqual(model.config);
      again.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    model.dispose();
  });

  it('loading reports every missing, unexpected and mismatched tensor and assigns nothing', () => {
    const model = new S2Transformer({ ...TINY, seed: 6 });
    const file = decodeSafetensors(encodeModelWeights(model));
    delete file.tensors['head.bias'];
    delete file.tensors['stages.0.conv.weight'];
    file.tensors['extra.weight'] = { dtype: 'F32', shape: [1], data: new Float32Array(1) };
    file.tensors['embedding.weight'] = {
      dtype: 'F32',
      shape: [3, 3, 4, 13],
      data: new Float32Array(3 * 3 * 4 * 13),
    };
    const before = model.embedding.bias.dataSync().slice();
    file.tensors['embedding.bias'] = { dtype: 'F32', shape: [12], data: new Float32Array(12).fill(7) };
    let error: WeightsMismatchError | undefined;
    try {
      loadWeightsInto(model, file, 'broken.safetensors');
    } catch (e) {
      error = e as WeightsMismatchError;
    }
    expect(error).toBeInstanceOf(WeightsMismatchError);
    expect(error?.missing.sort()).toEqual(['head.bias', 'stages.0.conv.weight']);
    expect(error?.unexpected).toEqual(['extra.weight']);
    expect(error?.mismatched).toEqual([
      { name: 'embedding.weight', expected: [3, 3, 4, 12], actual: [3, 3, 4, 13], dtype: 'F32' },
    ]);
    expect(error?.message).toMatch(/broken\.safetensors.*missing 2: .*head\.bias/);
    expect(Array.from(model.embedding.bias.dataSync())).toEqual(Array.from(before));
    model.dispose();
  });

  it('rejects a config mismatch between the metadata and the JSON manifest, and foreign files', () => {
    const model = new S2Transformer({ ...TINY, seed: 6 });
    const bytes = encodeModelWeights(model);
    expect(() =>
      decodeModelWeights(bytes, {
        manifest: { format: WEIGHTS_FORMAT, version: 1, config: { ...model.config, heads: 3 } },
      }),
    ).toThrow(/differ/);
    const foreign = encodeSafetensors({ a: { dtype: 'F32', shape: [1], data: new Float32Array(1) } });
    expect(() => decodeModelWeights(foreign)).toThrow(/no config/);
    model.dispose();
  });
});
