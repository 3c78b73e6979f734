import {
  decodeModelWeights,
  encodeModelWeights,
  modelManifest,
  reconstructTiled,
  S2Transformer,
} from '@s2cassi/s2-attn';
import { describeBackends, expectNoLeaks, maxAbsDiff, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import type { CubeData, JobProgress, PlaneData } from '../lib/types';
import { bandMetrics, disposeModel, reconstruct, simulate } from './engine';

const H = 16;
const W = 16;
const N = 28;
const STEP = 2;

/** A smooth test scene (sums of sines), values in 0.1..0.9. */
function scene(): CubeData {
  const data = new Float32Array(H * W * N);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      for (let n = 0; n < N; n++)
        data[(y * W + x) * N + n] = 0.5 + 0.2 * Math.sin(y / 3 + n / 9) + 0.2 * Math.cos(x / 4 - n / 7);
  return { data, shape: [H, W, N], wavelengths: Array.from({ length: N }, (_, i) => 450 + i * 7) };
}
const mask: PlaneData = { data: uniformArray(H * W, 5, 0.05, 1), shape: [H, W] };

/** Y[y, x'] = sum_n F[y, x' - d n, n] M[y, x' - d n], by loops. */
function bruteForce(cube: CubeData): Float32Array {
  const width = W + STEP * (N - 1);
  const out = new Float32Array(H * width);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      for (let n = 0; n < N; n++)
        out[y * width + x + STEP * n] += cube.data[(y * W + x) * N + n] * mask.data[y * W + x];
  return out;
}

/** Weights of a tiny S2-Transformer (one stage, 8 channels, window 4) and their manifest. */
function tinyWeights(): { bytes: Uint8Array; manifest: ReturnType<typeof modelManifest> } {
  const model = new S2Transformer({
    bandCount: N,
    embeddingDim: 8,
    stageCount: 1,
    blocksPerStage: 2,
    heads: 2,
    windowSize: 4,
    ffnRatio: 1,
    maskEncodingStage: 0,
  });
  try {
    return { bytes: encodeModelWeights(model), manifest: modelManifest(model) };
  } finally {
    model.dispose();
  }
}

/** The network's input Y0 = shiftBack(Y * factor) * M by loops, [H, W, N] flattened. */
function y0ByLoops(measurement: PlaneData, factor: number): Float32Array {
  const width = W + STEP * (N - 1);
  const y0 = new Float32Array(H * W * N);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      for (let n = 0; n < N; n++)
        y0[(y * W + x) * N + n] = measurement.data[y * width + x + STEP * n] * factor * mask.data[y * W + x];
  return y0;
}

describeBackends('web engine', () => {
  it('simulate matches the forward model computed by loops, noise adds the asked sigma', async () => {
    const cube = scene();
    const y = await expectNoLeaks(() => simulate(cube, mask, { shiftStep: STEP, noiseSigma: 0, seed: 1 }));
    expect(y.shape).toEqual([H, W + STEP * (N - 1)]);
    expect(maxAbsDiff(y.data, bruteForce(cube))).toBeLessThan(1e-4);
    const noisy = await simulate(cube, mask, { shiftStep: STEP, noiseSigma: 0.05, seed: 1 });
    let sum = 0;
    for (let i = 0; i < y.data.length; i++) sum += (noisy.data[i] - y.data[i]) ** 2;
    expect(Math.sqrt(sum / y.data.length)).toBeGreaterThan(0.04);
    expect(Math.sqrt(sum / y.data.length)).toBeLessThan(0.06);
  });

  it('GAP-TV reports every iteration and its estimate beats the initial A^T y', async () => {
    const cube = scene();
    const measurement = await simulate(cube, mask, { shiftStep: STEP, noiseSigma: 0, seed: 1 });
    const progress: JobProgress[] = [];
    const run = (iterations: number) =>
      reconstruct({ method: 'gap-tv', measurement, mask, shiftStep: STEP, iterations, tvWeight: 0.02 }, (p) =>
        progress.push(p),
      );
    const result = await expectNoLeaks(() => run(20));
    expect(result.shape).toEqual([H, W, N]);
    expect(result.backend).toBe(tf.getBackend());
    expect(progress.filter((p) => p.message.startsWith('iteration')).map((p) => p.done)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    const one = await run(1);
    const error = (x: Float32Array) => {
      let s = 0;
      for (let i = 0; i < x.length; i++) s += (x[i] - cube.data[i]) ** 2;
      return Math.sqrt(s / x.length);
    };
    expect(error(result.cube)).toBeLessThan(0.7 * error(one.cube));
    expect(result.gapTv).toEqual({ iterations: 20, tvWeight: 0.02, tvWeightScale: 'auto' });
    const metrics = bandMetrics(cube, { ...cube, data: result.cube });
    expect(metrics.preset).toBe('matlab');
    expect(metrics.presetDescription).toMatch(/^metrics preset 'matlab'/);
    expect(metrics.psnr).toHaveLength(N);
    expect(metrics.ssim).toHaveLength(N);
  });

  it('GAP-TV stops when cancelled, without leaking tensors', async () => {
    const measurement = await simulate(scene(), mask, { shiftStep: STEP, noiseSigma: 0, seed: 1 });
    const controller = new AbortController();
    const before = tf.memory().numTensors;
    const job = {
      method: 'gap-tv' as const,
      measurement,
      mask,
      shiftStep: STEP,
      iterations: 500,
      tvWeight: 0.08,
    };
    const seen: number[] = [];
    await expect(
      reconstruct(
        job,
        (p) => {
          seen.push(p.done);
          if (p.done === 3) controller.abort(new DOMException('cancelled by the user', 'AbortError'));
        },
        controller.signal,
      ),
    ).rejects.toThrow(/cancelled/);
    expect(Math.max(...seen)).toBeLessThan(10);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('S2: Y0 = shiftBack(Y * 2 / N) * M through the network, exactly what the model gives (not clipped)', async () => {
    const { bytes, manifest } = tinyWeights();
    const cube = scene();
    const measurement = await simulate(cube, mask, { shiftStep: STEP, noiseSigma: 0, seed: 1 });
    const weights = { name: 'tiny.safetensors', bytes, manifest, summary: '' };
    const result = await reconstruct(
      { method: 's2-user', measurement, mask, shiftStep: STEP, iterations: 1, tvWeight: 0, weights },
      () => {},
    );
    disposeModel();
    // independent path: Y0 by loops, then the decoded model on it
    const y0 = y0ByLoops(measurement, 2 / N);
    const reference = decodeModelWeights(bytes, { manifest });
    const expected = tf.tidy(() => reference.apply(tf.tensor4d(y0, [1, H, W, N])).reconstruction.dataSync());
    reference.dispose();
    expect(maxAbsDiff(result.cube, expected as Float32Array)).toBeLessThan(1e-4);
  });

  it("S2 with the job's measurement scaling and self-ensemble in place of the weights' own: by loops, reported, the cached model unchanged", async () => {
    const { bytes, manifest } = tinyWeights();
    const simulated = await simulate(scene(), mask, { shiftStep: STEP, noiseSigma: 0, seed: 1 });
    // camera units: only the peak sets the network's input
    const measurement = { ...simulated, data: simulated.data.map((v) => v * 300) };
    const weights = { name: 'tiny.safetensors', bytes, manifest, summary: '' };
    const base = {
      method: 's2-user' as const,
      measurement,
      mask,
      shiftStep: STEP,
      iterations: 1,
      tvWeight: 0,
      weights,
    };
    const start = tf.memory().numTensors;
    const chosen = await reconstruct(
      { ...base, measurementScaling: 'peak', selfEnsemble: 'shift2' },
      () => {},
    );
    const own = await reconstruct(base, () => {});
    disposeModel();
    expect(tf.memory().numTensors).toBe(start);
    expect(chosen.s2).toEqual({ measurementScaling: 'peak', selfEnsemble: 'shift2' });
    expect(own.s2).toEqual({ measurementScaling: 'band-sum', selfEnsemble: 'none' });
    // independent path: Y0 by loops at 0.8 / max, the decoded model's shift2 ensemble, scaled back
    let max = 0;
    for (const v of measurement.data) max = Math.max(max, v);
    const y0 = y0ByLoops(measurement, 0.8 / max);
    const reference = decodeModelWeights(bytes, { manifest });
    const input = tf.tensor4d(y0, [1, H, W, N]);
    const out = await reconstructTiled(reference, input, { selfEnsemble: 'shift2' });
    const output = (max * (2 / N)) / 0.8;
    const expected = (out.dataSync() as Float32Array).map((v) => v * output);
    tf.dispose([input, out]);
    reference.dispose();
    expect(maxAbsDiff(chosen.cube, expected)).toBeLessThan(1e-4 * output);
    // the weights' own (band-sum, one pass) really is another reconstruction
    expect(maxAbsDiff(chosen.cube, own.cube)).toBeGreaterThan(1e-3 * output);
  });

  it('rejects inconsistent sizes with messages naming both', async () => {
    const measurement: PlaneData = { data: new Float32Array(H * 71), shape: [H, 71] };
    await expect(
      reconstruct(
        { method: 'gap-tv', measurement, mask, shiftStep: STEP, iterations: 1, tvWeight: 0.08 },
        () => {},
      ),
    ).rejects.toThrow(
      /mask is \[16, 16\] \(H x W\) and measurement is \[16, 71\] \(H x W'\); W' - W = 55 is not step \* \(bands - 1\)/,
    );
    await expect(
      simulate(
        scene(),
        { data: new Float32Array(4), shape: [2, 2] },
        { shiftStep: 2, noiseSigma: 0, seed: 1 },
      ),
    ).rejects.toThrow(/the mask \[2, 2\] does not fit the cube \[16, 16, 28\]/);
    await expect(
      reconstruct(
        {
          method: 's2-user',
          measurement: { data: new Float32Array(H * 70), shape: [H, 70] },
          mask: { data: new Float32Array(H * 16), shape: [H, 16] },
          shiftStep: 2,
          iterations: 1,
          tvWeight: 0,
        },
        () => {},
      ),
    ).rejects.toThrow(/no weights given/);
  });

  it('rejects NaN, Infinity and negative intensities naming the first bad element, without leaking', async () => {
    const cube = scene();
    cube.data[37] = Number.NaN;
    await expectNoLeaks(() =>
      expect(simulate(cube, mask, { shiftStep: STEP, noiseSigma: 0, seed: 1 })).rejects.toThrow(
        `simulate: cube: expected finite values, found NaN or Infinity (the first: NaN at flat index 37 of shape [1, ${H}, ${W}, ${N}])`,
      ),
    );
    const width = W + STEP * (N - 1);
    const measurement: PlaneData = { data: new Float32Array(H * width), shape: [H, width] };
    measurement.data[3] = Number.POSITIVE_INFINITY;
    const negativeMask: PlaneData = { data: mask.data.map((v, i) => (i === 9 ? -0.5 : v)), shape: [H, W] };
    // (the checks are the pipeline's, the same for both methods: see @s2cassi/pipeline's tests)
    for (const method of ['gap-tv'] as const) {
      await expectNoLeaks(() =>
        expect(
          reconstruct({ method, measurement, mask, shiftStep: STEP, iterations: 1, tvWeight: 0 }, () => {}),
        ).rejects.toThrow(/measurement: expected finite values.*Infinity at flat index 3 of shape/),
      );
      await expectNoLeaks(() =>
        expect(
          reconstruct(
            {
              method,
              measurement: { ...measurement, data: new Float32Array(H * width) },
              mask: negativeMask,
              shiftStep: STEP,
              iterations: 1,
              tvWeight: 0,
            },
            () => {},
          ),
        ).rejects.toThrow(
          /mask: expected non-negative intensities, found a minimum of -0.5 \(the first negative: -0.5 at flat index 9/,
        ),
      );
    }
  });
});
