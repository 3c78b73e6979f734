import { expectNoLeaks, setBackend, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerGradients } from '../../register-gradients';
import { registerWasmKernels } from '../register-wasm-kernels';
import { sizeOf } from './_test-references';
import { asRowReduction } from './sum';

/** Sum over `axes` in float64, by multi-indices. */
function sumReference(values: ArrayLike<number>, shape: number[], axes: number[]): Float64Array {
  const keep = shape.map((_, d) => !axes.includes(d));
  const outShape = shape.filter((_, d) => keep[d]);
  const out = new Float64Array(sizeOf(outShape));
  const index = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < values.length; flat++) {
    let rest = flat;
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d] = rest % shape[d];
      rest = Math.floor(rest / shape[d]);
    }
    let target = 0;
    for (let d = 0; d < shape.length; d++) if (keep[d]) target = target * shape[d] + index[d];
    out[target] += values[flat];
  }
  return out;
}

describe('asRowReduction (how a reduction maps onto the SIMD row sums)', () => {
  it('recognises reductions over one block of adjacent axes with something after it', () => {
    expect(asRowReduction([16384, 60], [0])).toEqual({ outer: 1, rows: 16384, cols: 60 });
    expect(asRowReduction([6, 1, 256, 64, 64], [2])).toEqual({ outer: 6, rows: 256, cols: 4096 });
    expect(asRowReduction([6, 1, 256, 64, 64], [1, 2])).toEqual({ outer: 6, rows: 256, cols: 4096 });
    expect(asRowReduction([4, 5, 6], [-3, -2])).toEqual({ outer: 1, rows: 20, cols: 6 });
    expect(asRowReduction([4, 5, 6], [2])).toBeUndefined(); // the last axis: tfjs's own kernel
    expect(asRowReduction([4, 5, 6, 7], [0, 2])).toBeUndefined(); // not adjacent
  });
});

describe('wasm Sum (SIMD rows)', () => {
  beforeAll(async () => {
    registerGradients();
    registerWasmKernels();
    await setBackend('wasm');
  });
  afterAll(async () => {
    await setBackend('cpu');
  });

  const sumCases: Array<[number[], number[], boolean]> = [
    [[1031, 60], [0], false], // a bias gradient: odd row count (4-row blocks and single rows)
    [[6, 1, 33, 8, 10], [2], false],
    [[6, 1, 33, 8, 10], [1, 2], true],
    [[5, 7, 6], [-3, -2], false],
    [[9, 3], [0], true], // 3 columns: tfjs's own kernel
    [[4, 5, 6], [2], false], // the last axis: tfjs's own kernel
    [[4, 5, 6, 7], [0, 2], false], // not adjacent: tfjs's own kernel
    [[2, 4097, 5], [1], false],
  ];
  for (const [shape, axes, keepDims] of sumCases) {
    it(`Sum of ${JSON.stringify(shape)} over ${JSON.stringify(axes)}${keepDims ? ' (keepDims)' : ''} equals a float64 loop`, async () => {
      const values = uniformArray(sizeOf(shape), 22, -1, 1);
      const normal = axes.map((a) => (a < 0 ? a + shape.length : a));
      const expected = sumReference(values, shape, normal);
      const got = await expectNoLeaks(async () => {
        const x = tf.tensor(values, shape);
        const y = tf.sum(x, axes, keepDims);
        const result = { data: await y.data(), shape: y.shape };
        x.dispose();
        y.dispose();
        return result;
      });
      expect(got.shape).toEqual(
        shape.map((d, i) => (normal.includes(i) ? 1 : d)).filter((_, i) => keepDims || !normal.includes(i)),
      );
      const rows = sizeOf(normal.map((a) => shape[a]));
      for (let i = 0; i < expected.length; i++) {
        expect(Math.abs(got.data[i] - expected[i])).toBeLessThan(1e-6 * rows);
      }
    });
  }
});
