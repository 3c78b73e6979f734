import { describeBackends, expectNoLeaks, maxAbsDiff } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { forwardByLoops, testMask, testScene } from './_test-scene';
import { PipelineInputError } from './errors';
import { simulate } from './simulate';
import { SIMULATION_DEFAULTS } from './simulation-defaults';

const [H, W, N] = [12, 10, 6];

describeBackends('simulate', () => {
  it('is the forward model computed by loops, for several shift steps, without leaking', async () => {
    const cube = testScene(H, W, N);
    const mask = testMask(H, W);
    const start = tf.memory().numTensors;
    for (const shiftStep of [0, 1, 2, 3]) {
      const y = await expectNoLeaks(() => simulate(cube, mask, { shiftStep }));
      expect(y.shape).toEqual([H, W + shiftStep * (N - 1)]);
      expect(maxAbsDiff(y.data, forwardByLoops(cube, mask, shiftStep))).toBeLessThan(1e-5);
    }
    const defaults = await simulate(cube, mask);
    expect(SIMULATION_DEFAULTS).toEqual({ shiftStep: 2, noiseSigma: 0, seed: 0 });
    expect(maxAbsDiff(defaults.data, forwardByLoops(cube, mask, 2))).toBeLessThan(1e-5);
    expect(tf.memory().numTensors).toBe(start);
  });

  it('adds seeded Gaussian noise of the asked sigma', async () => {
    const cube = testScene(32, 32, N);
    const mask = testMask(32, 32);
    const clean = await simulate(cube, mask);
    const a = await simulate(cube, mask, { noiseSigma: 0.05, seed: 3 });
    const b = await simulate(cube, mask, { noiseSigma: 0.05, seed: 3 });
    expect(maxAbsDiff(a.data, b.data)).toBe(0);
    let sum = 0;
    for (let i = 0; i < clean.data.length; i++) sum += (a.data[i] - clean.data[i]) ** 2;
    const sigma = Math.sqrt(sum / clean.data.length);
    expect(sigma).toBeGreaterThan(0.045);
    expect(sigma).toBeLessThan(0.055);
  });

  it('rejects bad input naming it, without leaking', async () => {
    const cube = testScene(H, W, N);
    const mask = testMask(H, W);
    await expectNoLeaks(async () => {
      await expect(simulate(cube, testMask(H, W + 1))).rejects.toThrow(
        'simulate: the mask [12, 11] does not fit the cube [12, 10, 6]',
      );
      await expect(simulate(cube, mask, { noiseSigma: -1 })).rejects.toThrow(PipelineInputError);
      await expect(simulate({ data: new Float32Array(5), shape: [H, W, N] }, mask)).rejects.toThrow(
        'simulate: cube: shape [12, 10, 6] needs 720 values, got data of length 5',
      );
      const bad = { ...cube, data: cube.data.slice() };
      bad.data[37] = Number.NaN;
      await expect(simulate(bad, mask)).rejects.toThrow(
        `simulate: cube: expected finite values, found NaN or Infinity (the first: NaN at flat index 37 of shape [1, ${H}, ${W}, ${N}])`,
      );
      const negative = { ...mask, data: mask.data.map((v, i) => (i === 4 ? -0.5 : v)) };
      await expect(simulate(cube, negative)).rejects.toThrow(/simulate: mask: expected non-negative/);
    });
  });
});
