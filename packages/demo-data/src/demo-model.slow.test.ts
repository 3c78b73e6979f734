import { readFileSync } from 'node:fs';
import { initialEstimate, simulateMeasurement } from '@s2cassi/cassi-sim';
import { psnr, ssim } from '@s2cassi/metrics';
import { decodeModelWeights, reconstructTiled } from '@s2cassi/s2-attn';
import { describeBackends, expectNoLeaks } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { loadDemoModel } from './demo-model';
import { loadDemoScene, loadStandardMask } from './demo-scene';

/**
 * The PSNR floor for the bundled scene (the 256 x 256 centre crop of the held-out fake_and_real_peppers),
 * noise-free measurement with the standard mask, MATLAB metrics; justified in
 * assets/demo-model/MODEL_CARD.md: the model card's score for that scene (from evaluation.json, written by
 * scripts/evaluate-demo-model.ts) minus 0.5 dB, which must still beat GAP-TV's score on the same input.
 */
const evaluation = JSON.parse(
  readFileSync(new URL('../assets/demo-model/evaluation.json', import.meta.url), 'utf8'),
);
const card = evaluation.scenes.fake_and_real_peppers as Record<
  's2' | 'gap-tv',
  { psnr: number; ssim: number }
>;
const PSNR_FLOOR = card.s2.psnr - 0.5;

describeBackends('demo model on the demo scene', () => {
  it('reconstructs the bundled scene above the model card floor, without leaking tensors', async () => {
    const [{ weights }, scene, mask] = await Promise.all([
      loadDemoModel(),
      loadDemoScene(),
      loadStandardMask(),
    ]);
    const model = decodeModelWeights(weights, { source: 'demo' });
    const [height, width, bands] = scene.shape;
    let predicted: Float32Array;
    try {
      predicted = await expectNoLeaks(async () => {
        const truth = tf.tensor4d(scene.data, [1, height, width, bands]);
        const m = tf.tensor2d(mask.data, mask.shape);
        const y = simulateMeasurement(truth, m, { shiftStep: 2 });
        const y0 = initialEstimate(y, m, { shiftStep: 2, bandCount: bands });
        const out = await reconstructTiled(model, y0);
        const data = (await out.data()) as Float32Array;
        tf.dispose([truth, m, y, y0, out]);
        return data;
      });
    } finally {
      model.dispose();
    }
    const shape = scene.shape;
    const score = psnr({ data: scene.data, shape }, { data: predicted, shape }, { preset: 'matlab' });
    const structure = ssim({ data: scene.data, shape }, { data: predicted, shape }, { preset: 'matlab' });
    expect(PSNR_FLOOR).toBeGreaterThan(card['gap-tv'].psnr);
    expect(score).toBeGreaterThan(PSNR_FLOOR);
    // the model card's numbers are reproduced from the bundled scene (stored as 16-bit integers)
    expect(Math.abs(score - card.s2.psnr)).toBeLessThan(0.1);
    expect(Math.abs(structure - card.s2.ssim)).toBeLessThan(0.005);
  });
}, ['wasm']);
