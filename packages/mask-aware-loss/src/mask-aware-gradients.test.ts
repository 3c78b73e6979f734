import { registerGradients } from '@s2cassi/backends';
import { describeBackends, expectNoLeaks, mulberry32 } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect, it } from 'vitest';
import { disposeLossParts } from './loss-parts';
import { maskAwareLoss, type RegionSize } from './mask-aware-loss';

beforeAll(() => registerGradients());

type Shape = [number, number, number, number];

/** Gradients of one scalar part of L_MA w.r.t. F_hat and f_h, as arrays. */
async function gradients(
  part: 'total' | 'ma' | 'recon',
  cubes: { prediction: number[]; truth: number[]; maskEncodedPrediction: number[]; mask: number[] },
  shape: Shape,
  maskShape: number[],
  options: { region: RegionSize; alpha?: number; beta?: number },
): Promise<{ prediction: Float32Array; maskEncoded: Float32Array }> {
  const truth = tf.tensor4d(cubes.truth, shape);
  const mask = tf.tensor(cubes.mask, maskShape);
  const prediction = tf.tensor4d(cubes.prediction, shape);
  const maskEncodedPrediction = tf.tensor4d(cubes.maskEncodedPrediction, shape);
  const loss = (p: tf.Tensor, h: tf.Tensor) =>
    maskAwareLoss({
      prediction: p as tf.Tensor4D,
      truth,
      maskEncodedPrediction: h as tf.Tensor4D,
      mask,
      region: { size: options.region },
      alpha: options.alpha,
      beta: options.beta,
    })[part] as tf.Scalar;
  // Recon does not depend on f_h, so its f_h gradient is zero by definition (tfjs refuses to
  // differentiate with respect to an unused input).
  const [dp, dh] =
    part === 'recon'
      ? [tf.grad((p: tf.Tensor) => loss(p, maskEncodedPrediction))(prediction), tf.zerosLike(prediction)]
      : tf.grads(loss)([prediction, maskEncodedPrediction]);
  const out = {
    prediction: (await dp.data()) as Float32Array,
    maskEncoded: (await dh.data()) as Float32Array,
  };
  tf.dispose([truth, mask, prediction, maskEncodedPrediction, dp, dh]);
  return out;
}

describeBackends('maskAwareLoss gradients', () => {
  /**
   * What this demonstrates (the paper's prioritisation, Sec. 3.4): a 4 x 4 x 2 scene F = 0.5 whose
   * left two columns are masked (M = 0.05) and right two columns open (M = 1). The reconstruction
   * error is the same everywhere (F_hat = F + 0.1), and the intermediate head f_h has the same
   * RELATIVE error everywhere (f_h = 1.2 * M * F), so its absolute error, the MA denominator, is
   * small where the mask blocks light. d MA / d F_hat is then 1 / (regions * denominator): 20 times
   * (= 1 / 0.05) larger on the masked pixels than on the open ones, while plain L1 weights every
   * pixel equally. The same holds for the full L_MA, Recon and ME included.
   */
  const H = 4;
  const W = 4;
  const N = 2;
  const mask = Array.from({ length: H * W }, (_, i) => (i % W < 2 ? 0.05 : 1));
  const truth = new Array(H * W * N).fill(0.5);
  const cubes = {
    truth,
    mask,
    prediction: truth.map((v) => v + 0.1),
    maskEncodedPrediction: truth.map((v, i) => 1.2 * mask[Math.floor(i / N)] * v),
  };
  const masked = (i: number) => Math.floor(i / N) % W < 2;

  for (const [region, regions] of [
    ['pixel', 16],
    [2, 4],
  ] as const) {
    it(`masked pixels get a larger MA gradient than open ones (region ${region})`, async () => {
      await expectNoLeaks(async () => {
        const g = await gradients('ma', cubes, [1, H, W, N], [H, W], { region });
        // Closed form: denominator per region = (pixels in region) * N * 0.2 * M * 0.5 + eps.
        const pixelsPerRegion = (H * W) / regions;
        const den = (m: number) => pixelsPerRegion * N * 0.2 * m * 0.5 + 1e-6;
        for (let i = 0; i < g.prediction.length; i++) {
          const expected = 1 / (regions * den(masked(i) ? 0.05 : 1));
          expect(g.prediction[i] / expected).toBeCloseTo(1, 4);
        }
        const maskedGrad = g.prediction[0];
        const openGrad = g.prediction[N * 2];
        expect(maskedGrad / openGrad).toBeCloseTo(20, 2);
        // The denominator gets a gradient too (nothing is detached): d MA / d f_h =
        // -numerator / denominator^2 / regions, largest (most negative) where masked.
        const numerator = pixelsPerRegion * N * 0.1;
        for (let i = 0; i < g.maskEncoded.length; i++) {
          const d = den(masked(i) ? 0.05 : 1);
          expect(g.maskEncoded[i] / (-numerator / d ** 2 / regions)).toBeCloseTo(1, 4);
        }
        // Total L_MA (alpha 1, beta 10): still larger on masked pixels; plain Recon (L1) is uniform.
        const total = await gradients('total', cubes, [1, H, W, N], [H, W], { region });
        expect(total.prediction[0]).toBeGreaterThan(10 * total.prediction[N * 2]);
        const recon = await gradients('recon', cubes, [1, H, W, N], [H, W], { region });
        expect(recon.prediction[0]).toBeCloseTo(recon.prediction[N * 2], 7);
        expect(recon.prediction[0]).toBeCloseTo(1 / (H * W * N), 7);
      });
    });
  }

  /**
   * A float64 brute-force L_MA in plain JS, independent of the implementation under test; its
   * central finite differences are the reference for the tfjs gradients.
   */
  function bruteForceTotal(
    p: Float64Array,
    t: number[],
    h: Float64Array,
    m: number[],
    [B, Hh, Ww, Nn]: Shape,
    r: number,
    alpha: number,
    beta: number,
    eps: number,
  ): number {
    const size = B * Hh * Ww * Nn;
    let recon = 0;
    let me = 0;
    const rows = Math.ceil(Hh / r);
    const cols = Math.ceil(Ww / r);
    const num = new Float64Array(B * rows * cols);
    const den = new Float64Array(B * rows * cols);
    for (let b = 0; b < B; b++)
      for (let y = 0; y < Hh; y++)
        for (let x = 0; x < Ww; x++)
          for (let n = 0; n < Nn; n++) {
            const i = ((b * Hh + y) * Ww + x) * Nn + n;
            const mv = m[(b * Hh + y) * Ww + x];
            const e = Math.abs(p[i] - t[i]);
            const d = Math.abs(h[i] - mv * t[i]);
            recon += e;
            me += d;
            const region = (b * rows + Math.floor(y / r)) * cols + Math.floor(x / r);
            num[region] += e;
            den[region] += d;
          }
    let ma = 0;
    for (let k = 0; k < num.length; k++) ma += num[k] / (den[k] + eps);
    return recon / size + (alpha * me) / size + (beta * ma) / num.length;
  }

  it('matches finite differences of a float64 brute-force L_MA (per-sample masks, partial regions)', async () => {
    await expectNoLeaks(async () => {
      const shape: Shape = [2, 3, 5, 2];
      const rand = mulberry32(7);
      const pixels = 2 * 3 * 5;
      const size = pixels * 2;
      const mask = Array.from({ length: pixels }, () => 0.05 + 0.95 * rand());
      const truth = Array.from({ length: size }, () => 0.2 + 0.7 * rand());
      // Errors of 0.05..0.15 with random signs keep every |.| away from its kink for the steps used.
      const sign = () => (rand() < 0.5 ? -1 : 1);
      const prediction = truth.map((v) => v + sign() * (0.05 + 0.1 * rand()));
      const maskEncodedPrediction = truth.map(
        (v, i) => mask[Math.floor(i / 2)] * v + sign() * (0.05 + 0.1 * rand()),
      );
      const alpha = 1;
      const beta = 10;
      const eps = 1e-6;
      const r = 2;
      const g = await gradients(
        'total',
        { prediction, truth, maskEncodedPrediction, mask },
        shape,
        [2, 3, 5],
        { region: r, alpha, beta },
      );
      const p = Float64Array.from(prediction);
      const h = Float64Array.from(maskEncodedPrediction);
      const f = () => bruteForceTotal(p, truth, h, mask, shape, r, alpha, beta, eps);
      // The forward value agrees with the brute force too.
      const inputs = {
        prediction: tf.tensor4d(prediction, shape),
        truth: tf.tensor4d(truth, shape),
        maskEncodedPrediction: tf.tensor4d(maskEncodedPrediction, shape),
        mask: tf.tensor3d(mask, [2, 3, 5]),
      };
      const parts = maskAwareLoss({ ...inputs, region: { size: r } });
      expect((await parts.total.data())[0]).toBeCloseTo(f(), 4);
      disposeLossParts(parts);
      tf.dispose(Object.values(inputs));
      const step = 1e-6;
      let worst = 0;
      for (const [x, analytic] of [
        [p, g.prediction],
        [h, g.maskEncoded],
      ] as const) {
        for (let i = 0; i < size; i++) {
          const keep = x[i];
          x[i] = keep + step;
          const up = f();
          x[i] = keep - step;
          const down = f();
          x[i] = keep;
          const numeric = (up - down) / (2 * step);
          worst = Math.max(worst, Math.abs(analytic[i] - numeric) / Math.max(1, Math.abs(numeric)));
        }
      }
      expect(worst).toBeLessThan(1e-3);

      // The same check on the implementation's own float32 forward pass, for a few elements (a step
      // of 1e-2 crosses no |.| kink since every error is >= 0.05 away from 0).
      const tfTotal = (pv: number[], hv: number[]) =>
        tf.tidy(() => {
          const parts = maskAwareLoss({
            prediction: tf.tensor4d(pv, shape),
            truth: tf.tensor4d(truth, shape),
            maskEncodedPrediction: tf.tensor4d(hv, shape),
            mask: tf.tensor3d(mask, [2, 3, 5]),
            region: { size: r },
          });
          return parts.total.dataSync()[0];
        });
      const coarse = 1e-2;
      for (const i of [0, 7, 13, 22, 41, 59]) {
        const nudged = (a: number[], d: number) => a.map((v, j) => (j === i ? v + d : v));
        const dp =
          (tfTotal(nudged(prediction, coarse), maskEncodedPrediction) -
            tfTotal(nudged(prediction, -coarse), maskEncodedPrediction)) /
          (2 * coarse);
        const dh =
          (tfTotal(prediction, nudged(maskEncodedPrediction, coarse)) -
            tfTotal(prediction, nudged(maskEncodedPrediction, -coarse))) /
          (2 * coarse);
        expect(Math.abs(g.prediction[i] - dp)).toBeLessThan(0.02 * Math.max(1, Math.abs(dp)));
        expect(Math.abs(g.maskEncoded[i] - dh)).toBeLessThan(0.02 * Math.max(1, Math.abs(dh)));
      }
    });
  });

  it('gradients stay finite when f_h equals M*F exactly (denominator 0 + eps)', async () => {
    await expectNoLeaks(async () => {
      const exact = { ...cubes, maskEncodedPrediction: truth.map((v, i) => mask[Math.floor(i / N)] * v) };
      for (const region of ['pixel', 'window', 'global'] as const) {
        const g = await gradients('total', exact, [1, H, W, N], [H, W], { region });
        for (const v of [...g.prediction, ...g.maskEncoded]) expect(Number.isFinite(v)).toBe(true);
        // d MA / d F_hat = 1 / (regions * eps): large but finite, and it points the right way.
        expect(g.prediction[0]).toBeGreaterThan(0);
      }
    });
  });
});
