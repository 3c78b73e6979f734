import { describeBackends, expectNoLeaks, maxAbsDiff, setBackend, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { randomizeWeights } from './_test-utils';
import { countMacs, countParameters } from './counts';
import { BLOCK_TYPES } from './s2-attn-block';
import { padToMultiple, S2Transformer } from './s2-transformer';
import type { S2TransformerConfig } from './s2-transformer-config';

const TINY: S2TransformerConfig = {
  bandCount: 4,
  embeddingDim: 12,
  stageCount: 2,
  blocksPerStage: 2,
  heads: 2,
  windowSize: 4,
  maskEncodingStage: 1,
};

describe('parameter and MAC counts', () => {
  it('the default configuration (Parall-SS, K=4, L=6, C=60, T=6, M=8, N=28) is within 3 % of the paper 1.80 M', () => {
    const counts = countParameters();
    expect(Math.abs(counts.total - 1.8e6) / 1.8e6).toBeLessThan(0.03);
    expect(counts.total).toBe(1_793_420);
    expect(Math.abs(counts.total - 1.805e6) / 1.805e6).toBeLessThan(0.01); // the PyTorch peer's count
  });

  it('countParameters equals the variables of a built model, for all six block types and f_h options', async () => {
    await setBackend('cpu');
    for (const blockType of BLOCK_TYPES) {
      for (const extra of [
        {},
        { maskEncodingStage: 0 },
        { maskHeadKernelSize: 1 as const, maskHeadNorm: false, fuseBias: true },
      ]) {
        const config = { ...TINY, blockType, ...extra };
        const model = new S2Transformer(config);
        expect(model.parameterCount()).toBe(countParameters(config).total);
        model.dispose();
      }
    }
    // the default model itself
    const full = new S2Transformer();
    expect(full.parameterCount()).toBe(1_793_420);
    expect(new Set(full.namedWeights().map((w) => w.name)).size).toBe(full.namedWeights().length);
    full.dispose();
  });

  it('countMacs: 127.35 G at 256 x 256 (the PyTorch peer: 127 G); padded sizes; scales with the pixel count', () => {
    const macs = countMacs({}, 256, 256);
    expect(macs.total).toBe(127_354_798_080);
    expect(macs.convolutions + macs.linear + macs.attention).toBe(macs.total);
    expect(countMacs({}, 660, 660).paddedHeight).toBe(664);
    expect(countMacs({}, 128, 128).total * 4).toBe(macs.total);
  });
});

describeBackends('S2Transformer forward', () => {
  it('returns [batch, H, W, N] for sizes that are not multiples of M, and f_h output with withIntermediate', async () => {
    const model = new S2Transformer({ ...TINY, seed: 7 });
    const x = tf.tensor4d(uniformArray(2 * 9 * 13 * 4, 1), [2, 9, 13, 4]);
    await expectNoLeaks(() => {
      const { reconstruction, maskEncoded } = model.apply(x, { withIntermediate: true });
      expect(reconstruction.shape).toEqual([2, 9, 13, 4]);
      expect(maskEncoded?.shape).toEqual([2, 9, 13, 4]);
      tf.dispose([reconstruction, maskEncoded as tf.Tensor]);
      const plain = model.apply(x);
      expect(plain.maskEncoded).toBeUndefined();
      plain.reconstruction.dispose();
    });
    x.dispose();
    model.dispose();
  });

  it('is deterministic, and F_hat = Y0 + head(Z_K) (zero head weights give back Y0)', () => {
    const model = new S2Transformer({ ...TINY, seed: 8 });
    const x = tf.tensor4d(uniformArray(8 * 8 * 4, 2), [1, 8, 8, 4]);
    const a = model.apply(x).reconstruction;
    const b = model.apply(x).reconstruction;
    expect(maxAbsDiff(a.dataSync(), b.dataSync())).toBe(0);
    tf.tidy(() => {
      model.head.weight.assign(tf.zerosLike(model.head.weight));
      model.head.bias.assign(tf.zerosLike(model.head.bias));
    });
    const c = model.apply(x).reconstruction;
    expect(maxAbsDiff(c.dataSync(), x.dataSync())).toBe(0);
    tf.dispose([a, b, c, x]);
    model.dispose();
  });

  it('padToMultiple reflects bottom/right (even past the side length) like numpy reflect', () => {
    const x = tf.tensor4d([1, 2, 3], [1, 1, 3, 1]);
    const padded = padToMultiple(x, 8);
    expect(padded.shape).toEqual([1, 8, 8, 1]);
    // width 3 -> 8: reflect by 2 ([1 2 3 2 1]), then by up to 4 ([1 2 3 2 1 2 3 2]); height 1 replicated
    expect(Array.from(padded.dataSync().slice(0, 8))).toEqual([1, 2, 3, 2, 1, 2, 3, 2]);
    tf.dispose([x, padded]);
  });

  it('rejects a wrong band count naming the expected layout', () => {
    const model = new S2Transformer(TINY);
    const x = tf.zeros([1, 8, 8, 5]);
    expect(() => model.apply(x)).toThrow(/\[batch, height, width, 4\], got float32 shape \[1, 8, 8, 5\]/);
    x.dispose();
    model.dispose();
  });
});

describe('S2Transformer on cpu and wasm', () => {
  afterAll(async () => {
    await setBackend('cpu');
  });

  it('gives the same outputs on cpu and wasm to 1e-4 for every block type', async () => {
    for (const blockType of BLOCK_TYPES) {
      await setBackend('cpu');
      const model = new S2Transformer({ ...TINY, blockType, seed: 9 });
      randomizeWeights(model, 21, 0.3);
      const data = uniformArray(1 * 12 * 10 * 4, 3);
      const results: Float32Array[] = [];
      for (const backend of ['cpu', 'wasm']) {
        await setBackend(backend);
        const x = tf.tensor4d(data, [1, 12, 10, 4]);
        const { reconstruction, maskEncoded } = model.apply(x, { withIntermediate: true });
        const joined = new Float32Array(reconstruction.size + (maskEncoded?.size ?? 0));
        joined.set(reconstruction.dataSync());
        joined.set(maskEncoded?.dataSync() ?? [], reconstruction.size);
        results.push(joined);
        tf.dispose([x, reconstruction, maskEncoded as tf.Tensor]);
      }
      const diff = maxAbsDiff(results[0], results[1]);
      expect(diff, `${blockType}: max |cpu - wasm| = ${diff}`).toBeLessThan(1e-4);
      model.dispose();
    }
  });
});
