import { registerGradients, registerWasmKernels } from '@s2cassi/backends';
import { expectNoLeaks, setBackend, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addBias, addSame, concatLastAxis, reshapeLean, setLeanGradients } from './lean-gradients';
import { cyclicShift, reverseCyclicShift, windowPartition, windowReverse } from './window';

const [B, H, W, C, M, S] = [2, 8, 12, 3, 4, 1];

interface OpCase {
  name: string;
  shapes: number[][];
  op: (...xs: tf.Tensor[]) => tf.Tensor;
  /** float64 value of the op and gradients of sum(op(xs) * w) with respect to each input, by brute force */
  reference: (xs: Float64Array[], w: Float64Array) => { value: Float64Array; grads: Float64Array[] };
}

/** out[(b, wr, wc), i * M + j, c] = x[b, wr M + i, wc M + j, c] */
const windowIndex = (b: number, y: number, x: number, c: number) =>
  (((b * (H / M) + Math.floor(y / M)) * (W / M) + Math.floor(x / M)) * M * M + (y % M) * M + (x % M)) * C + c;
const pixelIndex = (b: number, y: number, x: number, c: number) => ((b * H + y) * W + x) * C + c;
/** a permutation out[o(i)] = x[i]: its value and the gradient of sum(out * w), dx[i] = w[o(i)] */
function permutation(outOf: (b: number, y: number, x: number, c: number) => number, inOf: typeof outOf) {
  return (xs: Float64Array[], w: Float64Array) => {
    const value = new Float64Array(xs[0].length);
    const grad = new Float64Array(xs[0].length);
    for (let b = 0; b < B; b++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++)
          for (let c = 0; c < C; c++) {
            value[outOf(b, y, x, c)] = xs[0][inOf(b, y, x, c)];
            grad[inOf(b, y, x, c)] = w[outOf(b, y, x, c)];
          }
    return { value, grads: [grad] };
  };
}
const shifted = (s: number) => (b: number, y: number, x: number, c: number) =>
  pixelIndex(b, (((y + s) % H) + H) % H, (((x + s) % W) + W) % W, c);

const CASES: OpCase[] = [
  {
    name: 'reshapeLean',
    shapes: [[B, H * W, C]],
    op: (x) => reshapeLean(x, [B, H, W, C]),
    reference: (xs, w) => ({ value: xs[0].slice(), grads: [w.slice()] }),
  },
  {
    name: 'addBias',
    shapes: [[B, H, C], [C]],
    op: (x, b) => addBias(x, b),
    reference: (xs, w) => {
      const bias = new Float64Array(C);
      for (let i = 0; i < w.length; i++) bias[i % C] += w[i];
      return { value: xs[0].map((v, i) => v + xs[1][i % C]), grads: [w.slice(), bias] };
    },
  },
  {
    name: 'addSame',
    shapes: [
      [B, H, C],
      [B, H, C],
    ],
    op: (a, b) => addSame(a, b),
    reference: (xs, w) => ({ value: xs[0].map((v, i) => v + xs[1][i]), grads: [w.slice(), w.slice()] }),
  },
  {
    name: 'concatLastAxis',
    shapes: [
      [B, H, 2],
      [B, H, 3],
    ],
    op: (a, b) => concatLastAxis(a, b),
    reference: (xs, w) => {
      const rows = B * H;
      const value = new Float64Array(rows * 5);
      const ga = new Float64Array(rows * 2);
      const gb = new Float64Array(rows * 3);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < 2; c++) [value[r * 5 + c], ga[r * 2 + c]] = [xs[0][r * 2 + c], w[r * 5 + c]];
        for (let c = 0; c < 3; c++)
          [value[r * 5 + 2 + c], gb[r * 3 + c]] = [xs[1][r * 3 + c], w[r * 5 + 2 + c]];
      }
      return { value, grads: [ga, gb] };
    },
  },
  {
    name: 'windowPartition',
    shapes: [[B, H, W, C]],
    op: (x) => windowPartition(x, M),
    reference: permutation(windowIndex, pixelIndex),
  },
  {
    name: 'windowReverse',
    shapes: [[(B * H * W) / (M * M), M * M, C]],
    op: (x) => windowReverse(x, M, H, W),
    reference: permutation(pixelIndex, windowIndex),
  },
  {
    name: 'cyclicShift',
    shapes: [[B, H, W, C]],
    op: (x) => cyclicShift(x, S),
    reference: permutation(pixelIndex, shifted(S)),
  },
  {
    name: 'reverseCyclicShift',
    shapes: [[B, H, W, C]],
    op: (x) => reverseCyclicShift(x, S),
    reference: permutation(pixelIndex, shifted(-S)),
  },
];

function run(c: OpCase, inputs: Float32Array[], w: Float32Array) {
  return tf.tidy(() => {
    const xs = inputs.map((values, i) => tf.tensor(values, c.shapes[i]));
    const value = c.op(...xs);
    const upstream = tf.tensor(w, value.shape);
    const grads = tf.grads((...args: tf.Tensor[]) => tf.sum(tf.mul(c.op(...args), upstream)))(xs);
    return [value, ...grads].map((t) => t.dataSync().slice() as Float32Array);
  });
}

/**
 * Bytes the gradient tape still holds of the op's inputs: each input is a fresh intermediate that the forward pass
 * disposes right after the op (what the model's code does); whatever stays allocated was kept for the gradient.
 */
function keptBytes(c: OpCase, inputs: Float32Array[]): number {
  let kept = 0;
  tf.tidy(() => {
    const sources = inputs.map((values, i) => tf.tensor(values, c.shapes[i]));
    tf.grads((...args: tf.Tensor[]) => {
      const intermediates = args.map((a) => tf.neg(a)); // Neg keeps nothing for its gradient
      const before = tf.memory().numBytes;
      const out = c.op(...intermediates);
      const outBytes = out.size * 4;
      tf.dispose(intermediates);
      const freed = intermediates.reduce((sum, t) => sum + t.size * 4, 0);
      kept = tf.memory().numBytes - (before - freed) - outBytes;
      return tf.sum(out);
    })(sources);
  });
  return kept;
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`shape-only gradients (${backend})`, () => {
    beforeAll(async () => {
      registerGradients();
      registerWasmKernels();
      await setBackend(backend);
    });
    afterAll(async () => {
      setLeanGradients(true);
      await setBackend('cpu');
    });

    for (const [index, c] of CASES.entries()) {
      it(`${c.name}: value and gradients equal a float64 reference and tf's own gradients, and the tape keeps none of its inputs`, async () => {
        const inputs = c.shapes.map((shape, i) =>
          uniformArray(tf.util.sizeFromShape(shape), 10 * index + i + 1, -1, 1),
        );
        const outSize = c.reference(
          inputs.map((x) => Float64Array.from(x)),
          new Float64Array(0),
        ).value.length;
        const w = uniformArray(outSize, 10 * index + 9, -1, 1);
        const lean = await expectNoLeaks(() => run(c, inputs, w));
        const ref = c.reference(
          inputs.map((x) => Float64Array.from(x)),
          Float64Array.from(w),
        );
        const refs = [ref.value, ...ref.grads];
        expect(lean.length).toBe(refs.length);
        for (let i = 0; i < refs.length; i++) {
          expect(lean[i].length).toBe(refs[i].length);
          for (let k = 0; k < refs[i].length; k++) expect(lean[i][k]).toBeCloseTo(refs[i][k], 5);
        }
        setLeanGradients(false);
        const plain = run(c, inputs, w);
        const plainKept = keptBytes(c, inputs);
        setLeanGradients(true);
        for (let i = 0; i < refs.length; i++) expect(Array.from(lean[i])).toEqual(Array.from(plain[i]));
        expect(keptBytes(c, inputs)).toBe(0);
        expect(plainKept).toBeGreaterThan(0);
      });
    }
  });
}
