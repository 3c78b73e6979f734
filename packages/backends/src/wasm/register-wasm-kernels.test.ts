import { backendBuffers, expectNoLeaks, setBackend, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateCase, OP_CASES, relativeError } from '../_test-cases';
import { registerGradients } from '../register-gradients';
import { guardWasmMalloc, type MallocModule } from './_simd-module';
import {
  registerSimdKernels,
  registerWasmKernels,
  registerWasmTrainingKernels,
  unregisterSimdKernels,
  WASM_FUSED_KERNELS,
  WASM_SIMD_KERNELS,
  WASM_TRAINING_KERNELS,
} from './register-wasm-kernels';

describe('registerWasmKernels', () => {
  beforeAll(async () => {
    registerGradients();
    registerWasmKernels();
    registerWasmKernels(); // idempotent
    await setBackend('wasm');
  });
  afterAll(async () => {
    await setBackend('cpu');
  });

  it('registers every training kernel wasm lacks', () => {
    for (const name of WASM_TRAINING_KERNELS) expect(tf.getKernel(name, 'wasm'), name).toBeDefined();
    expect(WASM_TRAINING_KERNELS).toEqual(
      expect.arrayContaining([
        'Conv2DBackpropFilter',
        'Conv2DBackpropInput',
        'DepthwiseConv2dNativeBackpropFilter',
        'DepthwiseConv2dNativeBackpropInput',
        'UnsortedSegmentSum',
        'Identity',
      ]),
    );
  });

  it('replaces Erf, Exp, Transpose, Sum, Slice, SplitV, Concat and _FusedMatMul', () => {
    expect(WASM_SIMD_KERNELS).toEqual([
      'Erf',
      'Exp',
      'Transpose',
      'Sum',
      'Slice',
      'SplitV',
      'Concat',
      '_FusedMatMul',
    ]);
    for (const name of WASM_SIMD_KERNELS)
      expect(tf.getKernel(name, 'wasm')?.kernelFunc.name.toLowerCase()).toBe(name.toLowerCase());
  });

  it('adds the fused kernels and the gradients of the forward ones', () => {
    expect(WASM_FUSED_KERNELS).toEqual([
      'S2CassiGelu',
      'S2CassiGeluGrad',
      'S2CassiLayerNorm',
      'S2CassiLayerNormGrad',
      'S2CassiWindowAttention',
      'S2CassiWindowAttentionGrad',
      'S2CassiSpectralAttention',
      'S2CassiSpectralAttentionGrad',
    ]);
    for (const name of WASM_FUSED_KERNELS) expect(tf.getKernel(name, 'wasm'), name).toBeDefined();
    for (const name of WASM_FUSED_KERNELS.filter((n) => !n.endsWith('Grad')))
      expect(tf.getGradient(name), name).toBeDefined();
  });

  it('registerWasmTrainingKernels (deprecated) registers the same kernels', () => {
    const before = [...WASM_TRAINING_KERNELS, ...WASM_SIMD_KERNELS, ...WASM_FUSED_KERNELS, 'BatchMatMul'].map(
      (name) => tf.getKernel(name, 'wasm')?.kernelFunc,
    );
    registerWasmTrainingKernels();
    const after = [...WASM_TRAINING_KERNELS, ...WASM_SIMD_KERNELS, ...WASM_FUSED_KERNELS, 'BatchMatMul'].map(
      (name) => tf.getKernel(name, 'wasm')?.kernelFunc,
    );
    expect(after).toEqual(before);
  });

  it("unregisterSimdKernels puts tfjs's kernels back and removes the fused ones; registering again restores ours", () => {
    const ours = WASM_SIMD_KERNELS.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc);
    try {
      unregisterSimdKernels();
      for (const [i, name] of WASM_SIMD_KERNELS.entries()) {
        const kernel = tf.getKernel(name, 'wasm');
        expect(kernel, name).toBeDefined();
        expect(kernel?.kernelFunc, name).not.toBe(ours[i]);
      }
      for (const name of WASM_FUSED_KERNELS) expect(tf.getKernel(name, 'wasm'), name).toBeUndefined();
      const y = tf.tidy(() => tf.erf(tf.tensor1d([0.5])));
      expect(y.dataSync()[0]).toBeCloseTo(0.5205, 4);
      y.dispose();
    } finally {
      registerSimdKernels();
    }
    expect(WASM_SIMD_KERNELS.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc)).toEqual(ours);
    for (const name of WASM_FUSED_KERNELS) expect(tf.getKernel(name, 'wasm'), name).toBeDefined();
  });

  it("guard tfjs's malloc on first use, also without setupBackend (a full heap then throws, not offset 0)", () => {
    tf.tidy(() => tf.erf(tf.ones([4])));
    const module = (tf.backend() as unknown as { wasm: MallocModule }).wasm;
    expect(guardWasmMalloc(module)).toBe(false); // false: already guarded
  });

  const agreement: string[] = [];
  afterAll(() => {
    console.info(`cpu vs wasm, max relative error (output, gradients...):\n${agreement.join('\n')}`);
  });

  for (const opCase of OP_CASES) {
    it(`${opCase.name}: forward and gradients on wasm match cpu to 1e-4`, async () => {
      await setBackend('cpu');
      const reference = await expectNoLeaks(() => evaluateCase(opCase));
      await setBackend('wasm');
      const buffers = backendBuffers();
      const actual = await expectNoLeaks(() => evaluateCase(opCase));
      expect(backendBuffers()).toBe(buffers);
      expect(actual.length).toBe(reference.length);
      const errors = actual.map((a, i) => relativeError(a, reference[i]));
      agreement.push(`  ${opCase.name}: ${errors.map((e) => e.toExponential(1)).join(', ')}`);
      for (const [i, error] of errors.entries())
        expect(error, `${opCase.name} result ${i}`).toBeLessThan(1e-4);
    });
  }

  it('gradients through the replaced kernels equal the cpu backend', async () => {
    const xs = uniformArray(2 * 9 * 6 * 20, 24, -2, 2);
    const f = (x: tf.Tensor) => {
      const t = tf.transpose(tf.erf(x), [0, 2, 1, 3]);
      const s = tf.slice(t, [0, 1, 0, 0], [2, 5, 9, 20]);
      return tf.sum(tf.mul(tf.sum(s, [1]), tf.sum(s, [0, 1], true)));
    };
    const run = async () =>
      expectNoLeaks(async () => {
        const x = tf.tensor(xs, [2, 9, 6, 20]);
        const g = tf.grad(f)(x);
        const data = await g.data();
        x.dispose();
        g.dispose();
        return data;
      });
    const wasm = await run();
    await setBackend('cpu');
    const cpu = await run();
    await setBackend('wasm');
    let worst = 0;
    for (let i = 0; i < cpu.length; i++)
      worst = Math.max(worst, Math.abs(wasm[i] - cpu[i]) / (1 + Math.abs(cpu[i])));
    expect(worst).toBeLessThan(1e-4);
  });
});
