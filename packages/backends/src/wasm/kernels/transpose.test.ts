import { expectNoLeaks, setBackend, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerGradients } from '../../register-gradients';
import { registerWasmKernels } from '../register-wasm-kernels';
import { sizeOf } from './_test-references';
import { asAxisSwap } from './transpose';

/** out = x transposed by perm, one element at a time through multi-indices. */
function transposeReference(values: ArrayLike<number>, shape: number[], perm: number[]): number[] {
  const outShape = perm.map((axis) => shape[axis]);
  const out: number[] = [];
  const index = new Array<number>(shape.length).fill(0);
  const total = sizeOf(shape);
  const outIndex = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < total; flat++) {
    let rest = flat;
    for (let d = outShape.length - 1; d >= 0; d--) {
      outIndex[d] = rest % outShape[d];
      rest = Math.floor(rest / outShape[d]);
    }
    for (let d = 0; d < perm.length; d++) index[perm[d]] = outIndex[d];
    let source = 0;
    for (let d = 0; d < shape.length; d++) source = source * shape[d] + index[d];
    out.push(values[source]);
  }
  return out;
}

describe('asAxisSwap (how a permutation maps onto the SIMD row copies)', () => {
  it('recognises adjacent-axis exchanges after dropping size-1 axes and merging neighbours', () => {
    expect(asAxisSwap([65536, 6, 10], [1, 0, 2])).toEqual({ outer: 1, a: 65536, b: 6, inner: 10 });
    expect(asAxisSwap([32, 32, 8, 480], [0, 2, 1, 3])).toEqual({ outer: 32, a: 32, b: 8, inner: 480 });
    expect(asAxisSwap([5, 7], [1, 0])).toEqual({ outer: 1, a: 5, b: 7, inner: 1 });
    expect(asAxisSwap([2, 3, 4, 5], [2, 3, 0, 1])).toEqual({ outer: 1, a: 6, b: 20, inner: 1 });
    expect(asAxisSwap([2, 1, 3, 4], [0, 2, 1, 3])).toBeUndefined(); // only a size-1 axis moves: identity
    expect(asAxisSwap([2, 3, 4], [2, 0, 1])).toEqual({ outer: 1, a: 6, b: 4, inner: 1 });
    expect(asAxisSwap([2, 3, 4], [1, 2, 0])).toEqual({ outer: 1, a: 2, b: 12, inner: 1 });
    expect(asAxisSwap([2, 3, 4], [2, 1, 0])).toBeUndefined(); // a full reversal is not one exchange
    expect(asAxisSwap([2, 3, 4, 5], [1, 0, 3, 2])).toBeUndefined(); // two exchanges
  });
});

describe('wasm Transpose (SIMD row copies)', () => {
  beforeAll(async () => {
    registerGradients();
    registerWasmKernels();
    await setBackend('wasm');
  });
  afterAll(async () => {
    await setBackend('cpu');
  });

  const transposeCases: Array<[number[], number[]]> = [
    [
      [37, 6, 10],
      [1, 0, 2],
    ], // head split, rows of 10 (two vectors and a 2-float tail)
    [
      [6, 37, 10],
      [1, 0, 2],
    ],
    [
      [3, 4, 5, 70],
      [0, 2, 1, 3],
    ], // window partition, rows of 70 floats (memory.copy)
    [
      [13, 17],
      [1, 0],
    ], // rows of one float
    [
      [4, 9, 7],
      [0, 2, 1],
    ], // batched matrix transpose
    [
      [2, 3, 4, 5],
      [2, 3, 0, 1],
    ],
    [
      [2, 1, 3, 4],
      [0, 2, 1, 3],
    ],
    [
      [2, 3, 4],
      [2, 1, 0],
    ], // not a swap: tfjs's own kernel
    [
      [3, 1, 5, 2, 3],
      [4, 2, 0, 1, 3],
    ],
  ];
  for (const [shape, perm] of transposeCases) {
    for (const dtype of ['float32', 'int32'] as const) {
      it(`Transpose ${JSON.stringify(shape)} by ${JSON.stringify(perm)} (${dtype}) equals an index loop`, async () => {
        const values = uniformArray(sizeOf(shape), 21, -100, 100).map((v) => Math.round(v) + 0);
        const expected = transposeReference(values, shape, perm);
        const got = await expectNoLeaks(async () => {
          const x = tf.tensor(values, shape, dtype);
          const y = tf.transpose(x, perm);
          const result = { data: Array.from(await y.data()), shape: y.shape, dtype: y.dtype };
          x.dispose();
          y.dispose();
          return result;
        });
        expect(got.shape).toEqual(perm.map((axis) => shape[axis]));
        expect(got.dtype).toBe(dtype);
        expect(got.data).toEqual(expected);
      });
    }
  }
});
