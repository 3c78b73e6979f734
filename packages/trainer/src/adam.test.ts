import { describeBackends, expectNoLeaks } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { AdamOptimizer, clipByGlobalNorm } from './adam';

const options = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

/** Float64 reference of PyTorch's Adam on one scalar parameter. */
function referenceAdam(p0: number, gradients: number[], rates: number[]): number[] {
  let p = p0;
  let m = 0;
  let v = 0;
  const out: number[] = [];
  gradients.forEach((g, i) => {
    const t = i + 1;
    m = 0.9 * m + 0.1 * g;
    v = 0.999 * v + 0.001 * g * g;
    p -= (rates[i] * (m / (1 - 0.9 ** t))) / (Math.sqrt(v / (1 - 0.999 ** t)) + 1e-8);
    out.push(p);
  });
  return out;
}

describeBackends('AdamOptimizer', () => {
  it('first step moves every weight by lr * g / (|g| + eps) (closed form)', async () => {
    const weight = tf.variable(tf.tensor1d([1, -2, 0.5, 3]));
    const adam = new AdamOptimizer([{ name: 'w', variable: weight }], options);
    const g = [0.3, -4, 1e-3, 0];
    await expectNoLeaks(() => tf.tidy(() => adam.applyGradients([tf.tensor1d(g)], 0.01)));
    const expected = [1, -2, 0.5, 3].map((p, i) => p - (0.01 * g[i]) / (Math.abs(g[i]) + 1e-8));
    const got = await weight.data();
    expected.forEach((value, i) => {
      expect(got[i]).toBeCloseTo(value, 6);
    });
    expect(adam.step).toBe(1);
    adam.dispose();
    weight.dispose();
  });

  it('follows a float64 reference over 20 steps with changing gradients and rates', async () => {
    const starts = [0.7, -1.3, 2.2];
    const weight = tf.variable(tf.tensor1d(starts));
    const adam = new AdamOptimizer([{ name: 'w', variable: weight }], options);
    const gradientsOf = (k: number) => starts.map((_, i) => Math.sin(1 + k * 0.7 + i) * (i + 1));
    const rates = Array.from({ length: 20 }, (_, k) => 0.05 * 0.5 ** Math.floor(k / 7));
    for (let k = 0; k < 20; k++) tf.tidy(() => adam.applyGradients([tf.tensor1d(gradientsOf(k))], rates[k]));
    const got = await weight.data();
    starts.forEach((p0, i) => {
      const reference = referenceAdam(
        p0,
        Array.from({ length: 20 }, (_, k) => gradientsOf(k)[i]),
        rates,
      );
      expect(Math.abs(got[i] - reference[19])).toBeLessThan(2e-6);
    });
    adam.dispose();
    weight.dispose();
  });

  it('state round-trips exactly: restore + continue equals continuing', async () => {
    const make = () => tf.variable(tf.tensor2d([0.1, 0.2, 0.3, 0.4], [2, 2]));
    const grads = (k: number) => tf.tensor2d([k, -k, 0.5 * k, 1], [2, 2]);
    const a = make();
    const adamA = new AdamOptimizer([{ name: 'layer.weight', variable: a }], options);
    for (let k = 1; k <= 3; k++) tf.tidy(() => adamA.applyGradients([grads(k)], 0.1));
    const state = await adamA.getState();
    const weightsAt3 = await a.data();
    for (let k = 4; k <= 5; k++) tf.tidy(() => adamA.applyGradients([grads(k)], 0.1));

    const b = tf.variable(tf.tensor2d(weightsAt3, [2, 2]));
    const adamB = new AdamOptimizer([{ name: 'layer.weight', variable: b }], options);
    adamB.setState(state);
    expect(adamB.step).toBe(3);
    for (let k = 4; k <= 5; k++) tf.tidy(() => adamB.applyGradients([grads(k)], 0.1));
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    tf.dispose([a, b]);
    adamA.dispose();
    adamB.dispose();
  });

  it('rejects mismatched states and gradients with clear messages', () => {
    const before = tf.memory().numTensors;
    const w = tf.tidy(() => tf.variable(tf.zeros([3])));
    const adam = new AdamOptimizer([{ name: 'w', variable: w }], options);
    const slot = { shape: [4], values: new Float32Array(4) };
    expect(() => adam.setState({ step: 1, firstMoments: { w: slot }, secondMoments: { w: slot } })).toThrow(
      /first moments of w have shape \[4\].*expected \[3\]/,
    );
    expect(() => adam.setState({ step: 1, firstMoments: {}, secondMoments: {} })).toThrow(
      /first moments missing for weight w/,
    );
    expect(() => tf.tidy(() => adam.applyGradients([tf.zeros([2])], 0.1))).toThrow(
      /gradient of w has shape \[2\]/,
    );
    expect(() => new AdamOptimizer([{ name: 'w', variable: w }], { ...options, beta1: 1 })).toThrow(/beta1/);
    adam.dispose();
    w.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('several weights, some without a gradient, with clipping: follows a float64 per-weight reference', async () => {
    // Reference: PyTorch's Adam per weight (moments of a weight without a gradient stay as they are) after
    // clip_grad_norm_ over the weights that have one.
    const shapes = [[3], [2, 2], [1], [2, 3]];
    const starts = shapes.map((shape, w) =>
      Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.cos(w + 0.3 * i)),
    );
    const present = (k: number, w: number) => !(w === 2 && k % 3 === 1) && !(w === 0 && k === 4);
    const gradientOf = (k: number, w: number, i: number) => Math.sin(0.9 * k + w + 0.37 * i) * (w + 1);
    const steps = 8;
    const maxNorm = 1.5;
    const rate = 0.02;
    const p = starts.map((values) => [...values]);
    const m = starts.map((values) => values.map(() => 0));
    const v = starts.map((values) => values.map(() => 0));
    for (let k = 0; k < steps; k++) {
      let squares = 0;
      for (let w = 0; w < shapes.length; w++)
        if (present(k, w)) for (let i = 0; i < p[w].length; i++) squares += gradientOf(k, w, i) ** 2;
      const factor = Math.min(1, maxNorm / (Math.sqrt(squares) + 1e-6));
      const t = k + 1;
      for (let w = 0; w < shapes.length; w++) {
        if (!present(k, w)) continue;
        for (let i = 0; i < p[w].length; i++) {
          const g = gradientOf(k, w, i) * factor;
          m[w][i] = 0.9 * m[w][i] + 0.1 * g;
          v[w][i] = 0.999 * v[w][i] + 0.001 * g * g;
          p[w][i] -= (rate * (m[w][i] / (1 - 0.9 ** t))) / (Math.sqrt(v[w][i] / (1 - 0.999 ** t)) + 1e-8);
        }
      }
    }
    const weights = shapes.map((shape, w) => ({
      name: `w${w}`,
      variable: tf.variable(tf.tensor(starts[w], shape)),
    }));
    const start = tf.memory().numTensors;
    const adam = new AdamOptimizer(weights, options);
    const norms: number[] = [];
    for (let k = 0; k < steps; k++) {
      const norm = tf.tidy(() =>
        adam.applyGradientsClipped(
          shapes.map((shape, w) =>
            present(k, w)
              ? tf.tensor(
                  Array.from({ length: p[w].length }, (_, i) => gradientOf(k, w, i)),
                  shape,
                )
              : undefined,
          ),
          rate,
          maxNorm,
        ),
      );
      norms.push((await norm.data())[0]);
      norm.dispose();
    }
    expect(norms[0]).toBeGreaterThan(maxNorm); // clipping was active
    for (let w = 0; w < shapes.length; w++) {
      const got = await weights[w].variable.data();
      for (let i = 0; i < p[w].length; i++)
        expect(Math.abs(got[i] - p[w][i]), `w${w}[${i}]`).toBeLessThan(2e-6);
    }
    const state = await adam.getState();
    for (let i = 0; i < m[2].length; i++) expect(state.firstMoments.w2.values[i]).toBeCloseTo(m[2][i], 6);
    for (let i = 0; i < v[3].length; i++) expect(state.secondMoments.w3.values[i]).toBeCloseTo(v[3][i], 6);
    adam.dispose(); // the moments and the masks it cached (two patterns of missing gradients)
    expect(tf.memory().numTensors).toBe(start);
    for (const { variable } of weights) variable.dispose();
  });

  it('one step costs a few kernel calls per weight, not one chain of element-wise ops per weight', async () => {
    const weights = Array.from({ length: 20 }, (_, w) => ({
      name: `w${w}`,
      variable: tf.variable(tf.fill([4 + w], 0.5)),
    }));
    const adam = new AdamOptimizer(weights, options);
    const gradients = weights.map(({ variable }) => tf.onesLike(variable));
    const info = await tf.profile(() => {
      tf.dispose(adam.applyGradientsClipped(gradients, 0.01, 1));
    });
    // a reshape per gradient, one concat, the clipping and moment chains, one split, then a reshape and a
    // subtraction per weight (one chain per weight took ~15 per weight)
    expect(info.kernels.length).toBeLessThan(30 + 3 * weights.length);
    tf.dispose(gradients);
    adam.dispose();
    for (const { variable } of weights) variable.dispose();
  });

  it('clipByGlobalNorm scales to the max norm and reports the norm', async () => {
    await expectNoLeaks(async () => {
      const gradients = [tf.tensor1d([3, 0]), tf.tensor1d([0, 4])];
      const { gradients: clipped, norm } = clipByGlobalNorm(gradients, 1);
      expect((await norm.data())[0]).toBeCloseTo(5, 5);
      expect(Array.from(await clipped[0]!.data())[0]).toBeCloseTo(3 / (5 + 1e-6), 6);
      expect(Array.from(await clipped[1]!.data())[1]).toBeCloseTo(4 / (5 + 1e-6), 6);
      const { gradients: unclipped, norm: n2 } = clipByGlobalNorm(gradients, 10);
      expect(Array.from(await unclipped[1]!.data())[1]).toBeCloseTo(4, 6);
      tf.dispose([...gradients, ...clipped, ...unclipped, norm, n2] as tf.Tensor[]);
    });
  });
});
