import { expectNoLeaks, setBackend, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerGradients } from '../../register-gradients';
import { registerWasmKernels } from '../register-wasm-kernels';
import { sizeOf } from './_test-references';

describe('wasm Concat (copies by runs)', () => {
  beforeAll(async () => {
    registerGradients();
    registerWasmKernels();
    await setBackend('wasm');
  });
  afterAll(async () => {
    await setBackend('cpu');
  });

  const concatCases: Array<[number[][], number]> = [
    [
      [
        [1, 20, 21, 6],
        [1, 20, 3, 6],
      ],
      2,
    ], // the cyclic shift put back together
    [
      [
        [2, 30],
        [5, 30],
        [1, 30],
      ],
      0,
    ],
    [
      [
        [3, 20],
        [3, 0],
        [3, 17],
      ],
      1,
    ], // an empty input is skipped
    [
      [
        [4, 2, 3],
        [4, 1, 3],
      ],
      1,
    ], // runs of 6 / 3: tfjs's own kernel
  ];
  for (const [shapes, axis] of concatCases) {
    for (const dtype of ['float32', 'int32'] as const) {
      it(`Concat of ${JSON.stringify(shapes)} on axis ${axis} (${dtype}) equals an index loop`, async () => {
        const inputs = shapes.map((shape, i) =>
          uniformArray(sizeOf(shape), 26 + i, -100, 100).map((v) => Math.round(v) + 0),
        );
        const got = await expectNoLeaks(async () => {
          const xs = inputs.map((values, i) => tf.tensor(values, shapes[i], dtype));
          const y = tf.concat(xs, axis);
          const result = { shape: y.shape, data: Array.from(await y.data()) };
          for (const x of xs) x.dispose();
          y.dispose();
          return result;
        });
        const outShape = [...shapes[0]];
        outShape[axis] = shapes.reduce((p, s) => p + s[axis], 0);
        expect(got.shape).toEqual(outShape);
        // out[..., j, ...] = input k at j - offset_k along the axis
        const expected: number[] = [];
        const index = new Array<number>(outShape.length).fill(0);
        for (let flat = 0; flat < sizeOf(outShape); flat++) {
          let rest = flat;
          for (let d = outShape.length - 1; d >= 0; d--) {
            index[d] = rest % outShape[d];
            rest = Math.floor(rest / outShape[d]);
          }
          let k = 0;
          let j = index[axis];
          while (j >= shapes[k][axis]) j -= shapes[k++][axis];
          let source = 0;
          for (let d = 0; d < outShape.length; d++)
            source = source * shapes[k][d] + (d === axis ? j : index[d]);
          expected.push(inputs[k][source]);
        }
        expect(got.data).toEqual(expected);
      });
    }
  }
});
