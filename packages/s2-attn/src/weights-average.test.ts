import { decodeSafetensors, encodeSafetensors, safetensorToFloat32 } from '@s2cassi/hsi-io';
import { describeBackends, expectNoLeaks } from '@s2cassi/testing';
import { expect, it } from 'vitest';
import { randomizeWeights } from './_test-utils';
import { S2Transformer } from './s2-transformer';
import { averageModelWeights, decodeModelWeights, encodeModelWeights } from './weights';

const TINY = { bandCount: 4, embeddingDim: 12, stageCount: 2, blocksPerStage: 2, heads: 2, windowSize: 4 };

/** Three weight files of one model (same config), as three checkpoints of a run would be. */
function checkpoints(): Uint8Array[] {
  return [41, 42, 43].map((seed) => {
    const model = new S2Transformer({ ...TINY, seed: 5 });
    randomizeWeights(model, seed, 0.3);
    const bytes = encodeModelWeights(model);
    model.dispose();
    return bytes;
  });
}

describeBackends('averageModelWeights', () => {
  it('is the (weighted) element-wise mean of every tensor, and decodes into the same model', async () => {
    const files = checkpoints();
    const copies = files.map((f) => f.slice());
    const weights = [1, 2, 5];
    const averaged = averageModelWeights(files, { weights });
    expect(files).toEqual(copies); // inputs untouched
    const decoded = files.map((f) => decodeSafetensors(f));
    const out = decodeSafetensors(averaged);
    expect(Object.keys(out.tensors).sort()).toEqual(Object.keys(decoded[0].tensors).sort());
    expect(out.metadata.config).toBe(decoded[0].metadata.config);
    expect(out.metadata.averagedFrom).toBe('3');
    let worst = 0;
    for (const name of Object.keys(out.tensors)) {
      const got = safetensorToFloat32(out.tensors[name]);
      const parts = decoded.map((d) => safetensorToFloat32(d.tensors[name]));
      expect(out.tensors[name].shape).toEqual(decoded[0].tensors[name].shape);
      for (let k = 0; k < got.length; k++) {
        // brute force: sum_i w_i x_i / sum_i w_i
        const expected = (weights[0] * parts[0][k] + weights[1] * parts[1][k] + weights[2] * parts[2][k]) / 8;
        worst = Math.max(worst, Math.abs(got[k] - expected));
      }
    }
    expect(worst).toBeLessThan(1e-7);
    // equal weights by default; one file with weight 1 and the rest 0 is that file
    const mean = decodeSafetensors(averageModelWeights(files));
    const name = Object.keys(mean.tensors)[0];
    const a = decoded.map((d) => safetensorToFloat32(d.tensors[name])[0]);
    expect(safetensorToFloat32(mean.tensors[name])[0]).toBeCloseTo((a[0] + a[1] + a[2]) / 3, 6);
    const only = decodeSafetensors(averageModelWeights(files, { weights: [0, 1, 0] }));
    expect(safetensorToFloat32(only.tensors[name])).toEqual(safetensorToFloat32(decoded[1].tensors[name]));
    await expectNoLeaks(() => {
      const model = decodeModelWeights(averaged, { source: 'averaged' });
      expect(model.config).toEqual(JSON.parse(decoded[0].metadata.config));
      model.dispose();
    });
  });

  it('refuses files of different models, missing tensors and bad weights, naming the file', () => {
    const files = checkpoints();
    const other = new S2Transformer({ ...TINY, embeddingDim: 8, seed: 5 });
    const otherBytes = encodeModelWeights(other);
    other.dispose();
    expect(() =>
      averageModelWeights([files[0], otherBytes], { sources: ['a.safetensors', 'b.safetensors'] }),
    ).toThrow(/b\.safetensors holds another model than a\.safetensors/);
    const { tensors, metadata } = decodeSafetensors(files[1]);
    const dropped = Object.keys(tensors).sort()[0];
    const { [dropped]: _, ...rest } = tensors;
    expect(() =>
      averageModelWeights([files[0], encodeSafetensors(rest, metadata)], { sources: ['a', 'b'] }),
    ).toThrow(
      new RegExp(`b has other tensors than a \\(missing ${dropped.replace(/\./g, '\\.')}; extra none\\)`),
    );
    // a tensor of another shape, and one stored as F16: each named with what was expected
    const reshaped = Object.keys(tensors)
      .sort()
      .find((n) => tensors[n].shape.length === 2) as string;
    const [rows, cols] = tensors[reshaped].shape;
    const wrongShape = { ...tensors, [reshaped]: { ...tensors[reshaped], shape: [cols, rows] } };
    expect(() =>
      averageModelWeights([files[0], encodeSafetensors(wrongShape, metadata)], { sources: ['a', 'b'] }),
    ).toThrow(`b tensor '${reshaped}' is [${cols}, ${rows}] F32, expected [${rows}, ${cols}] F32`);
    const half = {
      ...tensors,
      [reshaped]: { dtype: 'F16' as const, shape: [rows, cols], data: new Uint16Array(rows * cols) },
    };
    expect(() =>
      averageModelWeights([files[0], encodeSafetensors(half, metadata)], { sources: ['a', 'b'] }),
    ).toThrow(`b tensor '${reshaped}' is [${rows}, ${cols}] F16, expected [${rows}, ${cols}] F32`);
    // a NaN in a file of weight 0 does not reach the average
    const poisoned = decodeSafetensors(files[2]);
    const name0 = Object.keys(poisoned.tensors).sort()[0];
    const nan = safetensorToFloat32(poisoned.tensors[name0]).slice();
    nan[0] = Number.NaN;
    const withNan = encodeSafetensors(
      { ...poisoned.tensors, [name0]: { dtype: 'F32', shape: poisoned.tensors[name0].shape, data: nan } },
      poisoned.metadata,
    );
    const clean = decodeSafetensors(averageModelWeights([files[0], withNan], { weights: [1, 0] }));
    expect(Number.isNaN(safetensorToFloat32(clean.tensors[name0])[0])).toBe(false);
    expect(() => averageModelWeights([])).toThrow(/at least one weights file, got none/);
    expect(() => averageModelWeights(files, { weights: [1, 2] })).toThrow(/one weight per file \(3\), got 2/);
    expect(() => averageModelWeights(files, { weights: [0, 0, 0] })).toThrow(/not all zero, got \[0, 0, 0\]/);
    expect(() => averageModelWeights(files, { weights: [1, -1, 1] })).toThrow(/non-negative/);
  });
});
