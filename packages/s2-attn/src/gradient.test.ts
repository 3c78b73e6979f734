import { registerGradients, registerWasmKernels } from '@s2cassi/backends';
import {
  describeBackends,
  expectNoLeaks,
  maxAbsDiff,
  mulberry32,
  setBackend,
  uniformArray,
} from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomizeWeights } from './_test-utils';
import { checkpoint } from './checkpoint';
import { S2Transformer } from './s2-transformer';
import type { S2TransformerConfig } from './s2-transformer-config';
import { SpatialWindowMsa, setSpatialProductImplementation } from './spatial-window-msa';
import { shiftedWindowMask } from './window-mask';

const TINY: S2TransformerConfig = {
  bandCount: 3,
  embeddingDim: 8,
  stageCount: 1,
  blocksPerStage: 2, // block 1 is shifted: the mask path is included
  heads: 2,
  windowSize: 4,
  maskEncodingStage: 1,
};

function lossFn(model: S2Transformer, x: tf.Tensor, r1: tf.Tensor, r2: tf.Tensor): tf.Scalar {
  const { reconstruction, maskEncoded } = model.apply(x, { withIntermediate: true });
  return tf.add(
    tf.sum(tf.mul(reconstruction, r1)),
    tf.sum(tf.mul(maskEncoded as tf.Tensor, r2)),
  ) as tf.Scalar;
}

/** The same loss summed in float64 from the float32 outputs (less rounding noise for finite differences). */
function lossInFloat64(model: S2Transformer, x: tf.Tensor, r1: tf.Tensor, r2: tf.Tensor): number {
  const { reconstruction, maskEncoded } = model.apply(x, { withIntermediate: true });
  const [a, b, w1, w2] = [reconstruction, maskEncoded as tf.Tensor, r1, r2].map((t) => t.dataSync());
  tf.dispose([reconstruction, maskEncoded as tf.Tensor]);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * w1[i] + b[i] * w2[i];
  return sum;
}

describe('gradients [cpu]', () => {
  beforeAll(async () => {
    registerGradients();
    await setBackend('cpu');
  });

  it('analytic gradients match central finite differences (float32 model, eps 1e-2) and reach every parameter', () => {
    const model = new S2Transformer({ ...TINY, seed: 3 });
    randomizeWeights(model, 31, 0.3);
    // 7 x 6: reflect-padded to 8 x 8 inside the model, so the MirrorPad gradient is exercised
    const shape: [number, number, number, number] = [1, 7, 6, 3];
    const size = 7 * 6 * 3;
    const x = tf.tensor4d(uniformArray(size, 4), shape);
    const r1 = tf.tensor4d(uniformArray(size, 5, -1, 1), shape);
    const r2 = tf.tensor4d(uniformArray(size, 6, -1, 1), shape);
    const weights = model.namedWeights();
    const { grads, value } = tf.variableGrads(
      () => lossFn(model, x, r1, r2),
      weights.map((w) => w.variable),
    );
    value.dispose();
    const eps = 1e-2;
    const random = mulberry32(77);
    let worst = 0;
    let checked = 0;
    for (const { name, variable } of weights) {
      const g = grads[variable.name].dataSync();
      // every parameter receives a gradient
      let squares = 0;
      for (let i = 0; i < g.length; i++) squares += g[i] * g[i];
      const norm = Math.sqrt(squares);
      expect(norm, `gradient of ${name}`).toBeGreaterThan(0);
      // check the entry with the largest gradient and one random entry
      let largest = 0;
      for (let i = 1; i < g.length; i++) if (Math.abs(g[i]) > Math.abs(g[largest])) largest = i;
      for (const index of new Set([largest, Math.floor(random() * g.length)])) {
        const original = variable.dataSync().slice();
        const evalAt = (delta: number) => {
          const values = original.slice();
          values[index] += delta;
          tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
          return lossInFloat64(model, x, r1, r2);
        };
        const fd = (evalAt(eps) - evalAt(-eps)) / (2 * eps);
        tf.tidy(() => variable.assign(tf.tensor(original, variable.shape)));
        // |fd - g| <= 5e-4 + 2 % of the larger magnitude (float32 forward, second-order FD error)
        const error = Math.abs(fd - g[index]) / (5e-4 + 0.02 * Math.max(Math.abs(g[index]), Math.abs(fd)));
        worst = Math.max(worst, error);
        checked++;
        expect(error, `${name}[${index}]: analytic ${g[index]}, finite difference ${fd}`).toBeLessThan(1);
      }
    }
    expect(checked).toBeGreaterThan(weights.length);
    // the input gradient at border pixels (through the reflect padding)
    const inputGrad = tf.grad((input: tf.Tensor) => lossFn(model, input, r1, r2))(x);
    const gx = inputGrad.dataSync();
    const xs = x.dataSync();
    for (const index of [(6 * 6 + 5) * 3 + 1, (6 * 6 + 0) * 3 + 2, (3 * 6 + 5) * 3]) {
      const evalAt = (delta: number) => {
        const values = xs.slice();
        values[index] += delta;
        const shifted = tf.tensor4d(values, shape);
        const loss = lossInFloat64(model, shifted, r1, r2);
        shifted.dispose();
        return loss;
      };
      const fd = (evalAt(eps) - evalAt(-eps)) / (2 * eps);
      const error = Math.abs(fd - gx[index]) / (5e-4 + 0.02 * Math.max(Math.abs(gx[index]), Math.abs(fd)));
      worst = Math.max(worst, error);
      expect(error, `dLoss/dY0[${index}]: analytic ${gx[index]}, finite difference ${fd}`).toBeLessThan(1);
    }
    inputGrad.dispose();
    console.log(`finite-difference check: ${checked} entries, worst error / tolerance = ${worst.toFixed(3)}`);
    tf.dispose([x, r1, r2, ...Object.values(grads)]);
    model.dispose();
  });

  it('an Adam training step leaks no tensors and changes every parameter', async () => {
    const model = new S2Transformer({ ...TINY, seed: 4 });
    const x = tf.tensor4d(uniformArray(2 * 8 * 8 * 3, 7), [2, 8, 8, 3]);
    const target = tf.tensor4d(uniformArray(2 * 8 * 8 * 3, 8), [2, 8, 8, 3]);
    const optimizer = tf.train.adam(1e-3);
    const variables = model.trainableVariables();
    const step = () =>
      tf.tidy(() => {
        const loss = optimizer.minimize(
          () => {
            const { reconstruction, maskEncoded } = model.apply(x, { withIntermediate: true });
            return tf.add(
              tf.mean(tf.abs(tf.sub(reconstruction, target))),
              tf.mean(tf.abs(tf.sub(maskEncoded as tf.Tensor, target))),
            ) as tf.Scalar;
          },
          true,
          variables,
        );
        return loss?.dataSync()[0] ?? Number.NaN;
      });
    const before = variables.map((v) => v.dataSync().slice());
    step(); // creates Adam's slot variables
    const loss = await expectNoLeaks(() => step());
    expect(Number.isFinite(loss)).toBe(true);
    variables.forEach((v, i) => {
      const after = v.dataSync();
      expect(after.some((value, j) => value !== before[i][j])).toBe(true);
    });
    optimizer.dispose();
    tf.dispose([x, target]);
    model.dispose();
  });
});

describe('gradients on wasm (with @s2cassi/backends training kernels)', () => {
  beforeAll(async () => {
    registerGradients();
    registerWasmKernels();
  });

  it('every parameter gets the same gradient on wasm as on cpu (relative 1e-3)', async () => {
    await setBackend('cpu');
    const model = new S2Transformer({ ...TINY, seed: 5 });
    randomizeWeights(model, 51, 0.3);
    const shape: [number, number, number, number] = [1, 7, 6, 3];
    const data = [uniformArray(126, 1), uniformArray(126, 2, -1, 1), uniformArray(126, 3, -1, 1)];
    const perBackend: Record<string, Float32Array[]> = {};
    for (const backend of ['cpu', 'wasm']) {
      await setBackend(backend);
      const [x, r1, r2] = data.map((d) => tf.tensor4d(d, shape));
      const variables = model.trainableVariables();
      const result = await expectNoLeaks(() => {
        const { grads, value } = tf.variableGrads(() => lossFn(model, x, r1, r2), variables);
        const arrays = variables.map((v) => grads[v.name].dataSync() as Float32Array);
        tf.dispose([value, ...Object.values(grads)]);
        return arrays;
      });
      perBackend[backend] = result;
      tf.dispose([x, r1, r2]);
    }
    let worst = 0;
    model.namedWeights().forEach(({ name }, i) => {
      const [a, b] = [perBackend.cpu[i], perBackend.wasm[i]];
      let scale = 0;
      for (let j = 0; j < a.length; j++) scale = Math.max(scale, Math.abs(a[j]));
      expect(scale, `gradient of ${name} on cpu`).toBeGreaterThan(0);
      const relative = maxAbsDiff(a, b) / scale;
      worst = Math.max(worst, relative);
      expect(relative, `${name}: max |cpu - wasm| / max |cpu|`).toBeLessThan(1e-3);
    });
    console.log(
      `cpu vs wasm gradients: worst max|diff| / max|grad| over all parameters = ${worst.toExponential(2)}`,
    );
    await setBackend('cpu');
    model.dispose();
  });
});

describeBackends('spatial Q K^T implementations: same values and gradients', () => {
  beforeAll(() => {
    registerGradients();
    registerWasmKernels();
  });

  it('depthwise equals batch-matmul in output and in every parameter gradient (through the depthwise backprop kernels)', async () => {
    const msa = new SpatialWindowMsa({ features: 12, heads: 3, windowSize: 4, seed: 8 });
    randomizeWeights(msa, 61, 0.4);
    const x = tf.tensor3d(uniformArray(8 * 16 * 12, 9, -1, 1), [8, 16, 12]);
    const mask = shiftedWindowMask(8, 8, 4, 2);
    const weight = tf.tensor3d(uniformArray(8 * 16 * 12, 10, -1, 1), [8, 16, 12]);
    const run = async (implementation: 'auto' | 'batch-matmul' | 'depthwise') => {
      setSpatialProductImplementation(implementation);
      try {
        return await expectNoLeaks(() => {
          const { value, grads } = tf.variableGrads(
            () => tf.sum(tf.mul(msa.apply(x, { mask }), weight)) as tf.Scalar,
            msa.trainableVariables(),
          );
          const out = [value.dataSync()[0], ...msa.trainableVariables().map((v) => grads[v.name].dataSync())];
          tf.dispose([value, ...Object.values(grads)]);
          return out as [number, ...Float32Array[]];
        });
      } finally {
        setSpatialProductImplementation('auto');
      }
    };
    const [a, b] = [await run('batch-matmul'), await run('depthwise')];
    // 'auto' records gradients with batch-matmul: identical to the first run
    const c = await run('auto');
    expect(c[0]).toBe(a[0]);
    expect(Math.abs(a[0] - b[0])).toBeLessThan(1e-4 * Math.max(1, Math.abs(a[0])));
    for (let i = 1; i < a.length; i++) {
      const [ga, gb] = [a[i] as Float32Array, b[i] as Float32Array];
      let scale = 0;
      for (let j = 0; j < ga.length; j++) scale = Math.max(scale, Math.abs(ga[j]));
      expect(scale).toBeGreaterThan(0);
      expect(maxAbsDiff(ga, gb) / scale).toBeLessThan(1e-4);
    }
    tf.dispose([x, mask, weight]);
    msa.dispose();
  });
});

describeBackends('gradient checkpointing (checkpointBlocks)', () => {
  beforeAll(() => {
    registerGradients();
    registerWasmKernels();
  });

  it('gives the same loss and the same gradient for every parameter, keeps fewer tensors, leaks none', async () => {
    const model = new S2Transformer({ ...TINY, stageCount: 2, seed: 5 });
    randomizeWeights(model, 71, 0.3);
    const shape: [number, number, number, number] = [2, 8, 12, 3];
    const size = 2 * 8 * 12 * 3;
    const x = tf.tensor4d(uniformArray(size, 14), shape);
    const r1 = tf.tensor4d(uniformArray(size, 15, -1, 1), shape);
    const r2 = tf.tensor4d(uniformArray(size, 16, -1, 1), shape);
    const variables = model.trainableVariables();
    const run = (checkpointBlocks: boolean | number) =>
      expectNoLeaks(() => {
        let peak = 0;
        const { value, grads } = tf.variableGrads(() => {
          const { reconstruction, maskEncoded } = model.apply(x, {
            withIntermediate: true,
            checkpointBlocks,
          });
          const loss = tf.add(
            tf.sum(tf.mul(reconstruction, r1)),
            tf.sum(tf.mul(maskEncoded as tf.Tensor, r2)),
          ) as tf.Scalar;
          peak = tf.memory().numTensors; // everything the tape holds at the end of the forward pass
          return loss;
        }, variables);
        const out = {
          loss: value.dataSync()[0],
          grads: variables.map((v) => grads[v.name].dataSync()),
          peak,
        };
        tf.dispose([value, ...Object.values(grads)]);
        return out;
      });
    const plain = await run(false);
    const recomputed = await run(true);
    expect(Math.abs(plain.loss - recomputed.loss)).toBeLessThan(1e-5 * Math.max(1, Math.abs(plain.loss)));
    expect(recomputed.grads.length).toBe(variables.length);
    for (const [i, g] of plain.grads.entries()) {
      let scale = 0;
      for (let j = 0; j < g.length; j++) scale = Math.max(scale, Math.abs(g[j]));
      expect(scale, variables[i].name).toBeGreaterThan(0);
      expect(maxAbsDiff(g, recomputed.grads[i]) / scale, variables[i].name).toBeLessThan(1e-4);
    }
    expect(recomputed.peak).toBeLessThan(plain.peak);
    // Some of the blocks (a number: the first n, over both stages): the same values, a tape in between.
    const blocks = model.config.stageCount * model.config.blocksPerStage;
    expect(blocks).toBeGreaterThanOrEqual(3);
    for (const n of [1, blocks - 1]) {
      const partial = await run(n);
      expect(Math.abs(plain.loss - partial.loss)).toBeLessThan(1e-5 * Math.max(1, Math.abs(plain.loss)));
      for (const [i, g] of plain.grads.entries()) {
        let scale = 0;
        for (let j = 0; j < g.length; j++) scale = Math.max(scale, Math.abs(g[j]));
        expect(maxAbsDiff(g, partial.grads[i]) / scale, `${n} blocks: ${variables[i].name}`).toBeLessThan(
          1e-4,
        );
      }
      expect(partial.peak, `${n} blocks`).toBeLessThan(plain.peak);
      expect(partial.peak, `${n} blocks`).toBeGreaterThan(recomputed.peak);
    }
    expect((await run(0)).peak).toBe(plain.peak);
    expect((await run(blocks)).peak).toBe(recomputed.peak);
    for (const bad of [-1, 1.5, blocks + 1]) {
      expect(() => model.apply(x, { checkpointBlocks: bad })).toThrow(
        new RegExp(
          `checkpointBlocks must be true, false or a whole number of blocks from 0 to ${blocks}, got ${bad}`,
        ),
      );
    }
    tf.dispose([x, r1, r2]);
    model.dispose();
  });

  it('checkpoint() of a plain function: value and gradients equal the unchecked ones', async () => {
    const w = tf.variable(
      tf.tensor2d(uniformArray(12, 17, -1, 1), [3, 4]),
      true,
      `checkpoint_test_w_${tf.getBackend()}`,
    );
    const x = tf.tensor2d(uniformArray(6, 18, -1, 1), [2, 3]);
    const f = (input: tf.Tensor2D) => tf.tidy(() => tf.tanh(tf.matMul(tf.square(input), w)) as tf.Tensor2D);
    const grads = (useCheckpoint: boolean) =>
      expectNoLeaks(() => {
        const g = tf.grads((input: tf.Tensor) => {
          const y = useCheckpoint ? checkpoint(f, input as tf.Tensor2D, [w]) : f(input as tf.Tensor2D);
          return tf.sum(tf.mul(y, y));
        })([x]);
        const wGrad = tf.variableGrads(() => {
          const y = useCheckpoint ? checkpoint(f, x, [w]) : f(x);
          return tf.sum(tf.mul(y, y)) as tf.Scalar;
        }, [w]);
        const out = [g[0].dataSync(), wGrad.grads[w.name].dataSync()];
        tf.dispose([...g, wGrad.value, wGrad.grads[w.name]]);
        return out;
      });
    const [a, b] = [await grads(false), await grads(true)];
    expect(maxAbsDiff(a[0], b[0])).toBeLessThan(1e-6);
    expect(maxAbsDiff(a[1], b[1])).toBeLessThan(1e-6);
    tf.dispose([w, x]);
  });
});
