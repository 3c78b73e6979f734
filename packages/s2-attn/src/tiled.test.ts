import { describeBackends, expectNoLeaks, maxAbsDiff, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { randomizeWeights } from './_test-utils';
import { S2Transformer } from './s2-transformer';
import { estimateForwardBytes, planTiles, reconstructTiled, tileAxisWeights } from './tiled';

const TINY = {
  bandCount: 3,
  embeddingDim: 8,
  stageCount: 1,
  blocksPerStage: 2,
  heads: 2,
  windowSize: 4,
  maskEncodingStage: 0,
};

describeBackends('tiled inference', () => {
  it('one tile covering the image equals untiled inference exactly', async () => {
    const model = new S2Transformer({ ...TINY, seed: 2 });
    const x = tf.tensor4d(uniformArray(30 * 26 * 3, 1), [1, 30, 26, 3]);
    const untiled = model.apply(x).reconstruction;
    const tiled = await expectNoLeaks(async () => {
      const t = await reconstructTiled(model, x, { tile: 32 });
      const values = t.dataSync();
      t.dispose();
      return values;
    });
    expect(maxAbsDiff(tiled, untiled.dataSync())).toBeLessThan(1e-6);
    tf.dispose([x, untiled]);
    model.dispose();
  });

  it('reports progress per tile and cancels between tiles through an AbortSignal, freeing everything', async () => {
    const model = new S2Transformer({ ...TINY, seed: 4 });
    const x = tf.tensor4d(uniformArray(40 * 40 * 3, 3), [1, 40, 40, 3]);
    const layout = planTiles(model.config, 40, 40, { tile: 16, overlap: 4 });
    const total = layout.rowStarts.length * layout.colStarts.length;
    expect(total).toBeGreaterThan(2);
    const seen: Array<[number, number]> = [];
    await expectNoLeaks(async () => {
      const out = await reconstructTiled(model, x, {
        tile: 16,
        overlap: 4,
        onProgress: (done, all) => seen.push([done, all]),
      });
      out.dispose();
    });
    expect(seen).toEqual(Array.from({ length: total }, (_, i) => [i + 1, total]));
    const controller = new AbortController();
    let calls = 0;
    await expectNoLeaks(async () => {
      await expect(
        reconstructTiled(model, x, {
          tile: 16,
          overlap: 4,
          signal: controller.signal,
          onProgress: (done) => {
            calls = done;
            if (done === 2) controller.abort();
          },
        }),
      ).rejects.toThrow(/abort/i);
    });
    expect(calls).toBe(2);
    await expect(reconstructTiled(model, x, { signal: AbortSignal.abort() })).rejects.toThrow(/abort/i);
    tf.dispose(x);
    model.dispose();
  });

  it('tile weights: zero margin, complementary raised-cosine ramps', () => {
    const a = tileAxisWeights(0, 48, 0, 32); // right neighbour starts at 32: shared 16, margin 4
    const b = tileAxisWeights(32, 80, 48, 80);
    for (let p = 32; p < 48; p++) expect(a[p] + b[p - 32]).toBeCloseTo(1, 6);
    expect(a[47]).toBe(0);
    expect(b[0]).toBe(0);
    expect(a[35]).toBe(1);
  });

  it('plans tiles from a memory budget, aligned to the window grid', () => {
    const layout = planTiles({}, 660, 660, { memoryBudgetBytes: 256 * 2 ** 20, overlap: 30 });
    expect(layout.overlap).toBe(32);
    expect(layout.tile % 8).toBe(0);
    expect(estimateForwardBytes({}, layout.tile + 7, layout.tile + 7)).toBeLessThanOrEqual(256 * 2 ** 20);
    for (const s of [...layout.rowStarts, ...layout.colStarts]) expect(s % 8).toBe(0);
    expect(layout.rowStarts[0]).toBe(0);
    expect(layout.rowStarts[layout.rowStarts.length - 1] + layout.tile).toBeGreaterThanOrEqual(660 - 7);
    expect(() => planTiles({}, 660, 660, { memoryBudgetBytes: 1000 })).toThrow(
      /no tile fits the memory budget/,
    );
  });
});

// The seam measurement runs on wasm only (the cpu backend is ~50x slower; cpu and wasm agree, see
// s2-transformer.test.ts).
describeBackends('tiled inference seams', () => {
  it('overlapping tiles match untiled inference; exact (away from the image border) once overlap / 4 covers the receptive field', async () => {
    // Receptive field of TINY across a tile border: embedding 1 + two window blocks 2 x (M - 1) +
    // stage conv 1 + head 1 = 9 px, so overlap 40 (margin 10) is exact up to float rounding.
    // A band along the image border is compared separately: there the shifted spectral windows (no
    // mask, as specified) mix in the content wrapped around from the opposite edge of the processed
    // extent, which is the tile's edge, not the image's: M/2 rows in the shifted block, + 1 for the
    // stage conv and + 1 for the head = 4 px for TINY (for deeper models this band is the receptive field).
    const model = new S2Transformer({ ...TINY, seed: 3 });
    randomizeWeights(model, 5, 0.15);
    const [h, w, n] = [96, 80, 3];
    const x = tf.tensor4d(uniformArray(h * w * n, 2), [1, h, w, n]);
    const untiled = model.apply(x).reconstruction;
    const reference = untiled.dataSync();
    const band = 4;
    const interior: number[] = [];
    const border: number[] = [];
    for (const overlap of [4, 8, 40]) {
      const t = await reconstructTiled(model, x, { tile: 48, overlap });
      const values = t.dataSync();
      t.dispose();
      let inner = 0;
      let outer = 0;
      for (let i = 0; i < h; i++)
        for (let j = 0; j < w; j++)
          for (let k = 0; k < n; k++) {
            const d = Math.abs(values[(i * w + j) * n + k] - reference[(i * w + j) * n + k]);
            if (i < band || j < band || i >= h - band || j >= w - band) outer = Math.max(outer, d);
            else inner = Math.max(inner, d);
          }
      interior.push(inner);
      border.push(outer);
    }
    let peak = 0;
    for (let i = 0; i < reference.length; i++) peak = Math.max(peak, Math.abs(reference[i]));
    const show = (a: number[]) => a.map((e) => e.toExponential(2)).join(', ');
    console.log(
      `tiled (48 px) vs untiled max |diff| for overlap 4, 8, 40 px: interior ${show(interior)}; outer ${band}-px band ${show(border)} (max |output| ${peak.toFixed(2)})`,
    );
    expect(interior[0]).toBeGreaterThan(1e-4); // the comparison can fail
    expect(interior[1]).toBeLessThan(interior[0]);
    expect(interior[2]).toBeLessThan(1e-6 * Math.max(1, peak));
    expect(border[2]).toBeLessThan(1e-3 * Math.max(1, peak));
    expect(border[2]).toBeGreaterThan(interior[2]);
    tf.dispose([x, untiled]);
    model.dispose();
  });
}, ['wasm']);
