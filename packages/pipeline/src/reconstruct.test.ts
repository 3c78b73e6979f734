import { GAP_TV_DEFAULTS, reconstructGapTv } from '@s2cassi/cassi-sim';
import { reconstructTiled, S2Transformer } from '@s2cassi/s2-attn';
import { describeBackends, expectNoLeaks, maxAbsDiff } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forwardByLoops, testMask, testScene } from './_test-scene';
import type { CubeData, PlaneData } from './cube-data';
import { PipelineInputError } from './errors';
import {
  DEFAULT_MEASUREMENT_PEAK,
  type MeasurementScalingOverride,
  type PipelineProgress,
  reconstruct,
} from './reconstruct';
import { simulate } from './simulate';

const [H, W, N, STEP] = [12, 10, 6, 2];
const WIDTH = W + STEP * (N - 1);

/** The network's input Y0 = shiftBack(Y * factor) * M by loops, [H, W, N] flattened. */
function y0ByLoops(y: PlaneData, mask: PlaneData, factor: number): Float32Array {
  const y0 = new Float32Array(H * W * N);
  for (let row = 0; row < H; row++)
    for (let col = 0; col < W; col++)
      for (let n = 0; n < N; n++)
        y0[(row * W + col) * N + n] =
          y.data[row * WIDTH + col + STEP * n] * factor * mask.data[row * W + col];
  return y0;
}

/**
 * Accelerated GAP without denoising (TV weight 0), by loops in float64:
 * x0 = A^T y; y1 += y - A x; x += A^T((y1 - A x) / Phi_s), Phi_s = sum_n M_n^2 (0 -> 1).
 */
function gapByLoops(y: PlaneData, mask: PlaneData, iterations: number): Float64Array {
  const forward = (x: Float64Array) =>
    forwardByLoops({ data: Float32Array.from(x), shape: [H, W, N] }, mask, STEP);
  const adjoint = (r: ArrayLike<number>) => {
    const x = new Float64Array(H * W * N);
    for (let row = 0; row < H; row++)
      for (let col = 0; col < W; col++)
        for (let n = 0; n < N; n++)
          x[(row * W + col) * N + n] = r[row * WIDTH + col + STEP * n] * mask.data[row * W + col];
    return x;
  };
  const phi = new Float64Array(H * WIDTH);
  for (let row = 0; row < H; row++)
    for (let col = 0; col < W; col++)
      for (let n = 0; n < N; n++) phi[row * WIDTH + col + STEP * n] += mask.data[row * W + col] ** 2;
  let x = adjoint(y.data);
  const y1 = new Float64Array(H * WIDTH);
  for (let k = 0; k < iterations; k++) {
    const yb = forward(x);
    const residual = new Float64Array(H * WIDTH);
    for (let i = 0; i < residual.length; i++) {
      y1[i] += y.data[i] - yb[i];
      residual[i] = (y1[i] - yb[i]) / (phi[i] === 0 ? 1 : phi[i]);
    }
    const step = adjoint(residual);
    x = x.map((v, i) => v + step[i]);
  }
  return x;
}

let truth: CubeData;
let mask: PlaneData;
let measurement: PlaneData;

describeBackends('reconstruct', () => {
  beforeAll(async () => {
    truth = testScene(H, W, N);
    mask = testMask(H, W);
    measurement = await simulate(truth, mask, { shiftStep: STEP });
  });

  it('GAP-TV: the projections agree with loops (TV weight 0), and no tensor is left behind', async () => {
    const start = tf.memory().numTensors;
    const result = await reconstruct(measurement, mask, {
      method: 'gap-tv',
      gapTv: { iterations: 3, tvWeight: 0 },
    });
    expect(result.cube.shape).toEqual([H, W, N]);
    expect(result.gapTv).toEqual({ ...GAP_TV_DEFAULTS, iterations: 3, tvWeight: 0 });
    expect(result.backend).toBe(tf.getBackend());
    expect(maxAbsDiff(result.cube.data, gapByLoops(measurement, mask, 3))).toBeLessThan(1e-4);
    expect(tf.memory().numTensors).toBe(start);
  });

  it("GAP-TV with no settings is cassi-sim's reconstructGapTv with its defaults (one set)", async () => {
    const result = await expectNoLeaks(() => reconstruct(measurement, mask, { method: 'gap-tv' }));
    expect(result.gapTv).toEqual({ ...GAP_TV_DEFAULTS });
    const y = tf.tensor3d(measurement.data, [1, H, WIDTH]);
    const m = tf.tensor2d(mask.data, [H, W]);
    const direct = await reconstructGapTv(y, m);
    expect(maxAbsDiff(result.cube.data, await direct.data())).toBe(0);
    tf.dispose([y, m, direct]);
  });

  it('reports progress without the method name, and stops when cancelled without leaking', async () => {
    const seen: PipelineProgress[] = [];
    await reconstruct(measurement, mask, {
      method: 'gap-tv',
      gapTv: { iterations: 3 },
      onProgress: (p) => seen.push(p),
    });
    expect(seen.map((p) => p.text)).toEqual([
      'starting',
      'iteration 1 of 3',
      'iteration 2 of 3',
      'iteration 3 of 3',
    ]);
    expect(seen.every((p) => p.method === 'gap-tv' && p.unit === 'iteration' && p.total === 3)).toBe(true);
    const controller = new AbortController();
    await expectNoLeaks(() =>
      expect(
        reconstruct(measurement, mask, {
          method: 'gap-tv',
          gapTv: { iterations: 500 },
          signal: controller.signal,
          onProgress: (p) => {
            if (p.done === 2) controller.abort(new DOMException('cancelled by the user', 'AbortError'));
          },
        }),
      ).rejects.toThrow(/cancelled/),
    );
  });

  let model: S2Transformer;
  afterAll(() => model?.dispose());

  it('S2: the network on Y0 = shiftBack(Y * 2 / N) * M computed by loops, tiled, with tile progress', async () => {
    model = new S2Transformer({
      bandCount: N,
      embeddingDim: 4,
      stageCount: 1,
      blocksPerStage: 1,
      heads: 1,
      windowSize: 2,
      ffnRatio: 1,
      maskEncodingStage: 0,
      seed: 3,
    });
    const seen: string[] = [];
    const start = tf.memory().numTensors;
    const result = await reconstruct(measurement, mask, {
      method: 's2',
      model,
      onProgress: (p) => seen.push(p.text),
    });
    expect(tf.memory().numTensors).toBe(start);
    expect(result.gapTv).toBeUndefined();
    expect(seen[0]).toBe('starting');
    expect(seen.at(-1)).toMatch(/^tile (\d+) of \1$/);
    const y0 = y0ByLoops(measurement, mask, 2 / N);
    const expected = tf.tidy(() => model.apply(tf.tensor4d(y0, [1, H, W, N])).reconstruction.dataSync());
    expect(maxAbsDiff(result.cube.data, expected as Float32Array)).toBeLessThan(1e-4);
  });

  it('S2 with a real-data model (peak scaling): input scaled to the peak, output back to the measurement units, by loops', async () => {
    const peakModel = new S2Transformer({ ...model.config, seed: 5 });
    peakModel.measurementScaling = { kind: 'peak', peak: 0.8, gain: 1.2 };
    try {
      // a measurement in arbitrary camera units (x 37): only its peak sets the network's input
      const camera = { ...measurement, data: measurement.data.map((v) => v * 37) };
      let max = 0;
      for (const v of camera.data) max = Math.max(max, v);
      const start = tf.memory().numTensors;
      const result = await reconstruct(camera, mask, { method: 's2', model: peakModel });
      expect(tf.memory().numTensors).toBe(start);
      const input = 0.8 / max;
      const output = (max * (2 / N) * 1.2) / 0.8;
      expect(result.measurementScaling?.inputFactor).toBeCloseTo(input, 12);
      expect(result.measurementScaling?.outputFactor).toBeCloseTo(output, 12);
      expect(result.measurementScaling).toMatchObject({ kind: 'peak', peak: 0.8, gain: 1.2 });
      const y0 = y0ByLoops(camera, mask, input);
      const network = tf.tidy(
        () => peakModel.apply(tf.tensor4d(y0, [1, H, W, N])).reconstruction.dataSync() as Float32Array,
      );
      const expected = network.map((v) => v * output);
      expect(maxAbsDiff(result.cube.data, expected)).toBeLessThan(1e-4 * output);
      // scale-equivariant by construction: 5 x the measurement gives 5 x the cube
      const brighter = await reconstruct({ ...camera, data: camera.data.map((v) => v * 5) }, mask, {
        method: 's2',
        model: peakModel,
      });
      expect(
        maxAbsDiff(
          brighter.cube.data,
          result.cube.data.map((v) => v * 5),
        ),
      ).toBeLessThan(1e-4 * output * 5);
      // the simulation convention (default) has no such property and reports its factors
      const plain = await reconstruct(measurement, mask, { method: 's2', model });
      expect(plain.measurementScaling).toEqual({
        kind: 'band-sum',
        gain: 1,
        inputFactor: 2 / N,
        outputFactor: 1,
      });
      await expectNoLeaks(async () => {
        const dark = { ...measurement, data: new Float32Array(measurement.data.length) };
        await expect(
          reconstruct(dark, mask, { method: 's2', model: peakModel, measurementName: 'dark.mat' }),
        ).rejects.toThrow(
          'dark.mat: the model expects measurements scaled to their peak (0.8); expected a measurement with a positive maximum, got maximum 0',
        );
      });
    } finally {
      peakModel.dispose();
    }
  });

  it("S2 measurementScaling option: replaces the model's kind and peak, keeps its gain, by loops; errors name the field", async () => {
    const peakModel = new S2Transformer({ ...model.config, seed: 5 });
    peakModel.measurementScaling = { kind: 'peak', peak: 0.8, gain: 1.2 };
    const camera = { ...measurement, data: measurement.data.map((v) => v * 37) };
    let max = 0;
    for (const v of camera.data) max = Math.max(max, v);
    const byLoops = (net: S2Transformer, input: number, output: number) => {
      const y0 = y0ByLoops(camera, mask, input);
      const out = tf.tidy(
        () => net.apply(tf.tensor4d(y0, [1, H, W, N])).reconstruction.dataSync() as Float32Array,
      );
      return out.map((v) => v * output);
    };
    try {
      const start = tf.memory().numTensors;
      // a simulation model (band-sum, gain 1) asked for peak scaling: the default peak, 0.8
      const peak = await reconstruct(camera, mask, {
        method: 's2',
        model,
        measurementScaling: { kind: 'peak' },
      });
      expect(peak.measurementScaling).toMatchObject({
        kind: 'peak',
        peak: DEFAULT_MEASUREMENT_PEAK,
        gain: 1,
      });
      expect(DEFAULT_MEASUREMENT_PEAK).toBe(0.8);
      const output = (max * (2 / N)) / 0.8;
      expect(maxAbsDiff(peak.cube.data, byLoops(model, 0.8 / max, output))).toBeLessThan(1e-4 * output);
      const half = await reconstruct(camera, mask, {
        method: 's2',
        model,
        measurementScaling: { kind: 'peak', peak: 0.5 },
      });
      expect(half.measurementScaling?.inputFactor).toBeCloseTo(0.5 / max, 12);
      expect(half.measurementScaling?.outputFactor).toBeCloseTo((max * (2 / N)) / 0.5, 12);
      // a real-data model (peak, gain 1.2) asked for band-sum keeps its gain
      const bandSum = await reconstruct(camera, mask, {
        method: 's2',
        model: peakModel,
        measurementScaling: { kind: 'band-sum' },
      });
      expect(bandSum.measurementScaling).toEqual({
        kind: 'band-sum',
        gain: 1.2,
        inputFactor: (2 / N) * 1.2,
        outputFactor: 1,
      });
      expect(maxAbsDiff(bandSum.cube.data, byLoops(peakModel, (2 / N) * 1.2, 1))).toBeLessThan(1e-4);
      // the models themselves are not changed
      expect(model.measurementScaling).toEqual({ kind: 'band-sum', gain: 1 });
      expect(peakModel.measurementScaling).toEqual({ kind: 'peak', peak: 0.8, gain: 1.2 });
      expect(tf.memory().numTensors).toBe(start);
      await expectNoLeaks(async () => {
        const bad: [unknown, string][] = [
          [
            { kind: 'max' },
            `reconstruct: measurementScaling: expected { kind: 'band-sum' } or { kind: 'peak', peak? }, got {"kind":"max"}`,
          ],
          [
            'peak',
            `reconstruct: measurementScaling: expected { kind: 'band-sum' } or { kind: 'peak', peak? }, got "peak"`,
          ],
          [
            { kind: 'peak', peak: 0 },
            'reconstruct: measurementScaling: peak: expected a finite number > 0, got 0',
          ],
          [
            { kind: 'peak', peak: '0.8' },
            'reconstruct: measurementScaling: peak: expected a finite number > 0, got "0.8"',
          ],
          [
            { kind: 'band-sum', gain: 2 },
            "reconstruct: measurementScaling: unexpected field gain for kind 'band-sum' (expected kind; the gain is the model's)",
          ],
        ];
        for (const [value, text] of bad) {
          await expect(
            reconstruct(camera, mask, {
              method: 's2',
              model,
              measurementScaling: value as MeasurementScalingOverride,
            }),
          ).rejects.toThrow(text);
        }
        await expect(
          reconstruct(camera, mask, { method: 'gap-tv', measurementScaling: { kind: 'peak' } }),
        ).rejects.toThrow('reconstruct: measurementScaling is for method s2');
      });
    } finally {
      peakModel.dispose();
    }
  });

  it("S2 self-ensemble: the option, else the model's own, runs reconstructTiled's ensemble on the same Y0", async () => {
    const y0 = y0ByLoops(measurement, mask, 2 / N);
    const expected = await expectNoLeaks(async () => {
      const input = tf.tensor4d(y0, [1, H, W, N]);
      const out = await reconstructTiled(model, input, { selfEnsemble: 'shift2' });
      const values = out.dataSync() as Float32Array;
      tf.dispose([input, out]);
      return values;
    });
    const single = await reconstruct(measurement, mask, { method: 's2', model });
    expect(single.selfEnsemble).toBe('none');
    const chosen = await reconstruct(measurement, mask, { method: 's2', model, selfEnsemble: 'shift2' });
    expect(chosen.selfEnsemble).toBe('shift2');
    expect(maxAbsDiff(chosen.cube.data, expected)).toBeLessThan(1e-5);
    expect(maxAbsDiff(chosen.cube.data, single.cube.data)).toBeGreaterThan(1e-4);
    model.selfEnsemble = 'shift2';
    try {
      const own = await reconstruct(measurement, mask, { method: 's2', model });
      expect(own.selfEnsemble).toBe('shift2');
      expect(maxAbsDiff(own.cube.data, expected)).toBeLessThan(1e-5);
      const overridden = await reconstruct(measurement, mask, { method: 's2', model, selfEnsemble: 'none' });
      expect(maxAbsDiff(overridden.cube.data, single.cube.data)).toBeLessThan(1e-6);
    } finally {
      model.selfEnsemble = 'none';
    }
  });

  it('rejects what does not fit, naming it, before computing and without leaking', async () => {
    await expectNoLeaks(async () => {
      await expect(
        reconstruct({ data: new Float32Array(H * 71), shape: [H, 71] }, mask, { method: 'gap-tv' }),
      ).rejects.toThrow(/W' - W = 61 is not step \* \(bands - 1\)/);
      await expect(reconstruct(measurement, mask, { method: 's2' })).rejects.toThrow(
        'reconstruct: method s2 needs a model',
      );
      const other = new S2Transformer({
        bandCount: 4,
        embeddingDim: 4,
        stageCount: 1,
        blocksPerStage: 1,
        heads: 1,
        windowSize: 2,
        ffnRatio: 1,
        maskEncodingStage: 0,
      });
      await expect(reconstruct(measurement, mask, { method: 's2', model: other })).rejects.toThrow(
        "the model reconstructs 4 bands but the measurement and mask give 6 (W' - W = 10, step 2)",
      );
      other.dispose();
      await expect(
        reconstruct(measurement, mask, { method: 'gap-tv', gapTv: { iterations: 0 } }),
      ).rejects.toThrow(PipelineInputError);
      await expect(reconstruct(measurement, mask, { method: 'nope' as 'gap-tv' })).rejects.toThrow(
        'reconstruct: method: expected one of gap-tv, s2, got nope',
      );
      const broken = { ...measurement, data: measurement.data.slice() };
      broken.data[3] = Number.POSITIVE_INFINITY;
      await expect(reconstruct(broken, mask, { method: 'gap-tv' })).rejects.toThrow(
        /measurement: expected finite values.*Infinity at flat index 3 of shape/,
      );
    });
  });
});
