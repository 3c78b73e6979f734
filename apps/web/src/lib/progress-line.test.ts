import { encodeModelWeights, modelManifest, S2Transformer } from '@s2cassi/s2-attn';
import { describeBackends, uniformArray } from '@s2cassi/testing';
import { expect, it } from 'vitest';
import { disposeModel, reconstruct, simulate } from '../worker/engine';
import { progressLine } from './progress-line';
import { type CubeData, type JobProgress, METHOD_LABELS, type MethodId, type PlaneData } from './types';

const [H, W, N] = [8, 8, 28];
const cube: CubeData = {
  data: uniformArray(H * W * N, 3, 0.1, 0.9),
  shape: [H, W, N],
  wavelengths: Array.from({ length: N }, (_, i) => 450 + 7 * i),
};
const mask: PlaneData = { data: uniformArray(H * W, 4, 0, 1), shape: [H, W] };

describeBackends('progress line', () => {
  it('names the method once: "GAP-TV: iteration 2 of 3", never "GAP-TV: GAP-TV iteration 2"', async () => {
    const measurement = await simulate(cube, mask, { shiftStep: 2, noiseSigma: 0, seed: 1 });
    const lines = async (method: MethodId, extra: object) => {
      const seen: JobProgress[] = [];
      await reconstruct(
        { method, measurement, mask, shiftStep: 2, iterations: 3, tvWeight: 0.5, ...extra },
        (p) => seen.push(p),
      );
      return seen.map((p) => progressLine(METHOD_LABELS[method], p));
    };
    const gapTv = await lines('gap-tv', {});
    expect(gapTv).toContain('GAP-TV: iteration 2 of 3');
    const model = new S2Transformer({
      bandCount: N,
      embeddingDim: 4,
      stageCount: 1,
      blocksPerStage: 1,
      heads: 1,
      windowSize: 4,
      ffnRatio: 1,
      maskEncodingStage: 0,
    });
    const weights = {
      name: 'tiny',
      bytes: encodeModelWeights(model),
      manifest: modelManifest(model),
      summary: '',
    };
    model.dispose();
    const s2 = await lines('s2-user', { weights });
    disposeModel();
    for (const [method, list] of [
      ['gap-tv', gapTv],
      ['s2-user', s2],
    ] as const) {
      for (const line of list) {
        const label = method === 'gap-tv' ? 'GAP-TV' : 'S2-Transformer';
        expect(line.split(label).length - 1, line).toBe(1);
      }
    }
  });
}, ['cpu']);
