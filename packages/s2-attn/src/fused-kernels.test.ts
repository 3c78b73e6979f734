import { registerGradients, registerWasmKernels } from '@s2cassi/backends';
import { backendBuffers, expectNoLeaks, maxAbsDiff, setBackend, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomizeWeights } from './_test-utils';
import { FUSED_KERNELS, setFusedKernels, useFusedKernel } from './fused-kernels';
import { setLeanGradients } from './lean-gradients';
import { S2Transformer } from './s2-transformer';
import type { S2TransformerConfig } from './s2-transformer-config';
import { SpectralWindowMsa } from './spectral-window-msa';

// Parall-SS, two stages of two blocks (blocks 1 are shifted: the mask path), C = 12, T = 3, M = 4
const CONFIG: S2TransformerConfig = {
  bandCount: 5,
  embeddingDim: 12,
  stageCount: 2,
  blocksPerStage: 2,
  heads: 3,
  windowSize: 4,
  maskEncodingStage: 1,
};
const SHAPE = [2, 16, 12, 5];

/** One training step's loss and every parameter's gradient (L1 of both outputs, as the trainer's L_ME). */
function step(model: S2Transformer, checkpointBlocks = false) {
  const x = tf.tensor4d(uniformArray(2 * 16 * 12 * 5, 3, 0, 1), SHAPE as [number, number, number, number]);
  const truth = tf.tensor4d(
    uniformArray(2 * 16 * 12 * 5, 4, 0, 1),
    SHAPE as [number, number, number, number],
  );
  const { value, grads } = tf.variableGrads(() => {
    const { reconstruction, maskEncoded } = model.apply(x, { withIntermediate: true, checkpointBlocks });
    return tf.add(
      tf.mean(tf.abs(tf.sub(reconstruction, truth))),
      tf.mul(1.5, tf.mean(tf.abs(tf.sub(maskEncoded as tf.Tensor, truth)))),
    ) as tf.Scalar;
  }, model.trainableVariables());
  const result = {
    loss: value.dataSync()[0],
    grads: Object.fromEntries(
      model.namedWeights().map(({ name, variable }) => [name, grads[variable.name].dataSync().slice()]),
    ),
  };
  tf.dispose([x, truth, value, ...Object.values(grads)]);
  return result;
}

describe('fused kernels and shape-only gradients (wasm) against the composed ops: a whole model step', () => {
  let model: S2Transformer;
  beforeAll(async () => {
    registerGradients();
    registerWasmKernels();
    await setBackend('wasm');
    model = new S2Transformer({ ...CONFIG, seed: 3 });
    randomizeWeights(model, 11);
  });
  afterAll(async () => {
    setFusedKernels(true);
    model.dispose();
    await setBackend('cpu');
  });

  it('are used on wasm, and not on cpu', async () => {
    for (const kind of Object.keys(FUSED_KERNELS) as Array<keyof typeof FUSED_KERNELS>)
      expect(useFusedKernel(kind)).toBe(true);
    setFusedKernels({ layerNorm: false });
    expect(useFusedKernel('layerNorm')).toBe(false);
    expect(useFusedKernel('windowAttention')).toBe(true);
    expect(useFusedKernel('spectralAttention')).toBe(true);
    setFusedKernels({ spectralAttention: false });
    expect(useFusedKernel('spectralAttention')).toBe(false);
    setFusedKernels(true);
    await setBackend('cpu');
    expect(useFusedKernel('windowAttention')).toBe(false);
    expect(useFusedKernel('spectralAttention')).toBe(false);
    await setBackend('wasm');
  });

  it('give the same loss and parameter gradients as the composed ops on wasm and on cpu, without leaks', async () => {
    const buffers = backendBuffers();
    const fused = await expectNoLeaks(() => step(model));
    expect(backendBuffers()).toBe(buffers);
    const checkpointed = await expectNoLeaks(() => step(model, true));
    // the composed reference: no fused kernels and tf's own gradients (which keep inputs for their shapes)
    setFusedKernels(false);
    setLeanGradients(false);
    const composed = await expectNoLeaks(() => step(model));
    setFusedKernels(true);
    setLeanGradients(true);
    const weights = model
      .namedWeights()
      .map(({ name, variable }) => [name, variable.dataSync().slice()] as const);
    await setBackend('cpu');
    const cpuModel = new S2Transformer({ ...CONFIG, seed: 3 });
    const byName = new Map(weights);
    for (const { name, variable } of cpuModel.namedWeights()) {
      tf.tidy(() => variable.assign(tf.tensor(byName.get(name) as Float32Array, variable.shape)));
    }
    const cpu = step(cpuModel);
    cpuModel.dispose();
    await setBackend('wasm');

    // equal to float32 rounding (the kernels sum in another order)
    expect(Math.abs(fused.loss - composed.loss) / Math.abs(composed.loss)).toBeLessThan(1e-6);
    expect(Math.abs(fused.loss - cpu.loss) / Math.abs(cpu.loss)).toBeLessThan(1e-6);
    expect(checkpointed.loss).toBe(fused.loss);
    const names = Object.keys(composed.grads);
    expect(names.length).toBe(model.namedWeights().length);
    for (const name of names) {
      const scale = Math.max(1e-3, ...Array.from(composed.grads[name], Math.abs));
      expect(maxAbsDiff(fused.grads[name], composed.grads[name]) / scale, name).toBeLessThan(1e-4);
      expect(maxAbsDiff(fused.grads[name], cpu.grads[name]) / scale, name).toBeLessThan(1e-4);
      expect(maxAbsDiff(checkpointed.grads[name], fused.grads[name]) / scale, name).toBeLessThan(1e-6);
    }
  });

  for (const product of ['paper', 'mst'] as const) {
    it(`SpectralWindowMsa (product '${product}'): fused and composed give the same output and gradients`, async () => {
      const layer = new SpectralWindowMsa({ features: 12, heads: 3, windowSize: 4, product, seed: 5 });
      randomizeWeights(layer, 13);
      const windows = tf.tensor3d(uniformArray(6 * 16 * 12, 7, -1, 1), [6, 16, 12]);
      const upstream = tf.tensor3d(uniformArray(6 * 16 * 12, 8, -1, 1), [6, 16, 12]);
      const run = () =>
        tf.tidy(() => {
          const variables = layer.trainableVariables();
          const { value, grads } = tf.variableGrads(
            () => tf.sum(tf.mul(layer.apply(windows), upstream)) as tf.Scalar,
            variables,
          );
          const dx = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(layer.apply(x), upstream)))(windows);
          return [value, dx, ...variables.map((v) => grads[v.name])].map((t) => t.dataSync().slice());
        });
      const fused = await expectNoLeaks(run);
      setFusedKernels({ spectralAttention: false });
      const composed = run();
      setFusedKernels(true);
      tf.dispose([windows, upstream]);
      layer.dispose();
      for (let i = 0; i < fused.length; i++) {
        const scale = Math.max(1e-3, ...Array.from(composed[i], Math.abs));
        // float32 rounding (measured up to 2.2e-6 once the linear layers add their bias inside the product)
        expect(maxAbsDiff(fused[i], composed[i]) / scale).toBeLessThan(5e-6);
      }
    });
  }
});
