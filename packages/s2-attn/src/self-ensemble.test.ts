import { decodeSafetensors } from '@s2cassi/hsi-io/safetensors';
import { describeBackends, expectNoLeaks, maxAbsDiff, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { S2Transformer } from './s2-transformer';
import { resolveSelfEnsemble, selfEnsembleOffsets } from './self-ensemble';
import { planTiles, reconstructTiled } from './tiled';
import { averageModelWeights, decodeModelWeights, encodeModelWeights, modelManifest } from './weights';

const TINY = {
  bandCount: 3,
  embeddingDim: 8,
  stageCount: 1,
  blocksPerStage: 2,
  heads: 2,
  windowSize: 4,
  maskEncodingStage: 0,
};

/** One untiled pass on x mirror-padded by d rows at the top and d columns at the left, by hand, cropped back. */
function shiftedPass(
  model: S2Transformer,
  x: Float32Array,
  h: number,
  w: number,
  n: number,
  d: number,
): Float32Array {
  // reflect padding by loops: padded row r < d takes row d - r (the edge row is not repeated)
  const ph = h + d;
  const pw = w + d;
  const padded = new Float32Array(ph * pw * n);
  for (let r = 0; r < ph; r++)
    for (let c = 0; c < pw; c++) {
      const sr = r < d ? d - r : r - d;
      const sc = c < d ? d - c : c - d;
      for (let k = 0; k < n; k++) padded[(r * pw + c) * n + k] = x[(sr * w + sc) * n + k];
    }
  const out = tf.tidy(() => model.apply(tf.tensor4d(padded, [1, ph, pw, n])).reconstruction.dataSync());
  const back = new Float32Array(h * w * n);
  for (let r = 0; r < h; r++)
    for (let c = 0; c < w; c++)
      for (let k = 0; k < n; k++) back[(r * w + c) * n + k] = out[((r + d) * pw + c + d) * n + k];
  return back;
}

describeBackends('self-ensemble', () => {
  it('offsets: distinct diagonal shifts from 0, in pixels of the window size', () => {
    expect(selfEnsembleOffsets('none', 8)).toEqual([0]);
    expect(selfEnsembleOffsets('shift2', 8)).toEqual([0, 4]);
    expect(selfEnsembleOffsets('shift4', 8)).toEqual([0, 2, 4, 6]);
    expect(selfEnsembleOffsets('shift4', 2)).toEqual([0, 1]);
    expect(() => resolveSelfEnsemble('flip', 'x')).toThrow(
      'x: expected one of none, shift2, shift4, got "flip"',
    );
  });

  it('shift2 / shift4 are the means of the shifted passes computed by hand; the model default applies, an option overrides', async () => {
    const [h, w, n] = [22, 18, 3];
    const model = new S2Transformer({ ...TINY, seed: 7 });
    const values = uniformArray(h * w * n, 5);
    const x = tf.tensor4d(values, [1, h, w, n]);
    const passes = [0, 1, 2, 3].map((d) => shiftedPass(model, values, h, w, n, d));
    const mean = (ds: number[]) =>
      passes[0].map((_, i) => ds.reduce((s, d) => s + passes[d][i], 0) / ds.length);
    const run = async (options: Parameters<typeof reconstructTiled>[2]) =>
      expectNoLeaks(async () => {
        const t = await reconstructTiled(model, x, { tile: 64, ...options });
        const out = t.dataSync() as Float32Array;
        t.dispose();
        return out;
      });
    expect(maxAbsDiff(await run({ selfEnsemble: 'shift2' }), mean([0, 2]))).toBeLessThan(1e-5);
    expect(maxAbsDiff(await run({ selfEnsemble: 'shift4' }), mean([0, 1, 2, 3]))).toBeLessThan(1e-5);
    // the passes differ (the check above could not pass with one pass)
    expect(maxAbsDiff(passes[0], passes[2])).toBeGreaterThan(1e-3);
    model.selfEnsemble = 'shift2';
    expect(maxAbsDiff(await run({}), mean([0, 2]))).toBeLessThan(1e-5);
    expect(maxAbsDiff(await run({ selfEnsemble: 'none' }), passes[0])).toBeLessThan(1e-5);
    expect(() => {
      model.selfEnsemble = 'flip' as 'none';
    }).toThrow('S2Transformer selfEnsemble: expected one of none, shift2, shift4, got "flip"');
    x.dispose();
    model.dispose();
  });

  it('tiled passes report progress over the tiles of every pass and still cancel, freeing everything', async () => {
    const model = new S2Transformer({ ...TINY, seed: 3 });
    model.selfEnsemble = 'shift2';
    const x = tf.tensor4d(uniformArray(40 * 40 * 3, 2), [1, 40, 40, 3]);
    const options = { tile: 16, overlap: 4 };
    const count = (s: number) => {
      const l = planTiles(model.config, s, s, options);
      return l.rowStarts.length * l.colStarts.length;
    };
    const seen: [number, number][] = [];
    await expectNoLeaks(async () => {
      const t = await reconstructTiled(model, x, {
        ...options,
        onProgress: (d, total) => seen.push([d, total]),
      });
      t.dispose();
    });
    const total = count(40) + count(42);
    expect(seen.at(-1)).toEqual([total, total]);
    expect(seen.map(([d]) => d)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const controller = new AbortController();
    await expectNoLeaks(async () => {
      await expect(
        reconstructTiled(model, x, {
          ...options,
          signal: controller.signal,
          onProgress: (d) => {
            if (d === count(40) + 1) controller.abort();
          },
        }),
      ).rejects.toThrow();
    });
    x.dispose();
    model.dispose();
  });

  it('weight files carry a self-ensemble other than none; averaging refuses files that differ', () => {
    const model = new S2Transformer({ ...TINY, seed: 1 });
    const plain = encodeModelWeights(model);
    expect(decodeSafetensors(plain).metadata.selfEnsemble).toBeUndefined();
    model.selfEnsemble = 'shift4';
    const shifted = encodeModelWeights(model);
    expect(decodeSafetensors(shifted).metadata.selfEnsemble).toBe('shift4');
    expect(modelManifest(model).selfEnsemble).toBe('shift4');
    const decoded = decodeModelWeights(shifted);
    expect(decoded.selfEnsemble).toBe('shift4');
    const decodedPlain = decodeModelWeights(plain);
    expect(decodedPlain.selfEnsemble).toBe('none');
    expect(() =>
      decodeModelWeights(shifted, {
        manifest: { ...modelManifest(model), selfEnsemble: 'shift2' },
        source: 's',
      }),
    ).toThrow('s: the self-ensemble in the safetensors metadata and the manifest differ: shift4 vs shift2');
    expect(() => averageModelWeights([shifted, plain], { sources: ['a', 'b'] })).toThrow(
      'averageModelWeights: b is reconstructed with self-ensemble none, a with shift4',
    );
    for (const m of [model, decoded, decodedPlain]) m.dispose();
  });
});
