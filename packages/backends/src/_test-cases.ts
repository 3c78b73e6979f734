import { mulberry32, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Forward + gradient cases for every op the S2-Transformer's training uses, shared by the cpu-vs-wasm
 * test and the cpu-vs-webgpu test. `make` builds the inputs on the active backend from seeded data
 * (identical on every backend): `params` are differentiated, `run` maps them to the output.
 */
export interface OpCase {
  name: string;
  make: () => { params: tf.Tensor[]; constants?: tf.Tensor[]; run: (...params: tf.Tensor[]) => tf.Tensor };
}

let seed = 1;
function input(shape: number[], low = -1, high = 1): tf.Tensor {
  return tf.tensor(uniformArray(tf.util.sizeFromShape(shape), seed++, low, high), shape);
}
function ints(length: number, max: number, s: number): tf.Tensor1D {
  const next = mulberry32(s);
  return tf.tensor1d(
    Array.from({ length }, () => Math.floor(next() * max)),
    'int32',
  );
}
/** Re-seeds so each case sees the same data on every backend. */
function seeded(start: number, build: OpCase['make']): OpCase['make'] {
  return () => {
    seed = start;
    return build();
  };
}

const conv = (name: string, x: number[], w: number[], strides: number, pad: 'same' | 'valid'): OpCase => ({
  name,
  make: seeded(100 + x.join('').length + w[0] * 7 + strides, () => ({
    params: [input(x), input(w)],
    run: (a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad),
  })),
});

const depthwise = (
  name: string,
  x: number[],
  w: number[],
  strides: number,
  pad: 'same' | 'valid',
): OpCase => ({
  name,
  make: seeded(200 + w[3] * 13 + strides, () => ({
    params: [input(x), input(w)],
    run: (a, b) => tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad),
  })),
});

/** GELU, exact form: x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)). */
export function geluErf(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
}

export const OP_CASES: OpCase[] = [
  conv('conv2d 3x3 SAME', [2, 8, 8, 5], [3, 3, 5, 6], 1, 'same'),
  conv('conv2d 3x3 stride 2 SAME', [1, 9, 9, 4], [3, 3, 4, 3], 2, 'same'),
  conv('conv2d 2x2 stride 2 VALID', [1, 8, 8, 3], [2, 2, 3, 4], 2, 'valid'),
  conv('conv2d 3x3 stride 2 VALID odd size', [1, 10, 11, 3], [3, 3, 3, 2], 2, 'valid'),
  conv('conv2d 1x1', [2, 5, 4, 6], [1, 1, 6, 3], 1, 'same'),
  depthwise('depthwiseConv2d 3x3 SAME', [2, 7, 7, 4], [3, 3, 4, 1], 1, 'same'),
  depthwise('depthwiseConv2d 3x3 stride 2 multiplier 2', [1, 9, 8, 3], [3, 3, 3, 2], 2, 'same'),
  depthwise('depthwiseConv2d 3x3 VALID multiplier 3', [2, 6, 7, 2], [3, 3, 2, 3], 1, 'valid'),
  {
    name: 'matMul (and transposeB)',
    make: seeded(300, () => ({
      params: [input([5, 7]), input([7, 4]), input([6, 7])],
      run: (a, b, c) => tf.concat([tf.matMul(a, b), tf.transpose(tf.matMul(c, a, false, true))], 1),
    })),
  },
  {
    name: 'batchMatMul (and transposes)',
    make: seeded(310, () => ({
      params: [input([3, 4, 5]), input([3, 5, 6]), input([3, 5, 4]), input([3, 6, 5])],
      run: (a, b, c, d) => tf.add(tf.matMul(a, b), tf.matMul(c, d, true, true)),
    })),
  },
  {
    name: 'softmax',
    make: seeded(320, () => ({ params: [input([4, 6, 10], -3, 3)], run: (a) => tf.softmax(a) })),
  },
  {
    name: 'layer norm from moments (mean, sub, square, rsqrt)',
    make: seeded(330, () => ({
      params: [input([2, 5, 8]), input([8], 0.5, 1.5), input([8])],
      run: (x, gamma, beta) => {
        const mean = tf.mean(x, -1, true);
        const centred = tf.sub(x, mean);
        const variance = tf.mean(tf.square(centred), -1, true);
        return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, 1e-5))), gamma), beta);
      },
    })),
  },
  {
    name: 'GELU (erf)',
    make: seeded(340, () => ({ params: [input([3, 40], -4, 4)], run: geluErf })),
  },
  {
    name: 'GELU (tanh approximation)',
    make: seeded(350, () => ({
      params: [input([3, 40], -4, 4)],
      run: (x) => {
        const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
        return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
      },
    })),
  },
  {
    name: 'gather (relative position bias lookup)',
    make: seeded(360, () => {
      const index = ints(64, 49, 7);
      return {
        params: [input([49, 3])],
        constants: [index],
        run: (table) => tf.reshape(tf.gather(table, index), [8, 8, 3]),
      };
    }),
  },
  {
    name: 'reshape + transpose (window partition)',
    make: seeded(370, () => ({
      params: [input([1, 4, 6, 2])],
      run: (x) => tf.reshape(tf.transpose(tf.reshape(x, [1, 2, 2, 3, 2, 2]), [0, 1, 3, 2, 4, 5]), [6, 4, 2]),
    })),
  },
  {
    name: 'slice + concat (cyclic shift)',
    make: seeded(380, () => ({
      params: [input([1, 6, 5, 2])],
      run: (x) => {
        const rows = tf.concat(
          [tf.slice(x, [0, 2, 0, 0], [1, 4, 5, 2]), tf.slice(x, [0, 0, 0, 0], [1, 2, 5, 2])],
          1,
        );
        return tf.concat(
          [tf.slice(rows, [0, 0, 3, 0], [1, 6, 2, 2]), tf.slice(rows, [0, 0, 0, 0], [1, 6, 3, 2])],
          2,
        );
      },
    })),
  },
  {
    name: 'mirrorPad reflect (bottom/right)',
    make: seeded(390, () => ({
      params: [input([1, 5, 6, 3])],
      run: (x) =>
        tf.mirrorPad(
          x,
          [
            [0, 0],
            [0, 3],
            [0, 2],
            [0, 0],
          ],
          'reflect',
        ),
    })),
  },
  {
    name: 'mirrorPad symmetric (both sides)',
    make: seeded(395, () => ({
      params: [input([2, 4, 3])],
      run: (x) =>
        tf.mirrorPad(
          x,
          [
            [1, 0],
            [2, 3],
            [1, 2],
          ],
          'symmetric',
        ),
    })),
  },
  {
    name: 'pad',
    make: seeded(400, () => ({
      params: [input([1, 3, 4, 2])],
      run: (x) =>
        tf.pad(x, [
          [0, 0],
          [1, 2],
          [0, 3],
          [0, 0],
        ]),
    })),
  },
  {
    name: 'mul / add / div with broadcasting',
    make: seeded(410, () => ({
      params: [input([2, 3, 4]), input([4]), input([3, 1], 1, 2)],
      run: (x, y, z) => tf.div(tf.add(tf.mul(x, y), x), z),
    })),
  },
  {
    name: 'abs',
    make: seeded(420, () => ({
      // Values kept away from 0, where |x| has no derivative.
      params: [input([30], 0.1, 1)],
      run: (x) => tf.abs(tf.mul(x, tf.tensor1d(Array.from({ length: 30 }, (_, i) => (i % 2 ? 1 : -1))))),
    })),
  },
  {
    name: 'sum and mean',
    make: seeded(430, () => ({
      params: [input([3, 4, 5])],
      run: (x) =>
        tf.concat([
          tf.reshape(tf.sum(x, [0, 2]), [4]),
          tf.reshape(tf.mean(x, 1), [15]),
          tf.reshape(tf.mean(x), [1]),
        ]),
    })),
  },
  {
    name: 'sqrt',
    make: seeded(440, () => ({ params: [input([20], 0.1, 4)], run: (x) => tf.sqrt(x) })),
  },
];

/** Output and gradients (of sum(output * r), r a seeded cotangent) as plain arrays. */
export async function evaluateCase(opCase: OpCase): Promise<Float32Array[]> {
  const { params, constants = [], run } = opCase.make();
  const results = tf.tidy(() => {
    const y = run(...params);
    const r = tf.tensor(uniformArray(y.size, 999, -1, 1), y.shape);
    const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(run(...xs), r)))(params);
    return [y, ...grads];
  });
  const arrays = await Promise.all(results.map(async (t) => new Float32Array(await t.data())));
  tf.dispose([...results, ...params, ...constants]);
  return arrays;
}

/** max |a - b| / max(max |b|, 1e-6): the relative error used for backend agreement. */
export function relativeError(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = 1e-6;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}
