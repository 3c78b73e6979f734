import { backendBuffers, expectNoLeaks, setBackend, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardWasmMalloc, type MallocModule } from './_simd-module';
import { registerGradients } from './register-gradients';
import {
  asAxisSwap,
  asRowReduction,
  FUSED_GELU,
  FUSED_GELU_GRAD,
  WASM_SIMD_KERNELS,
} from './wasm-simd-kernels';
import { registerWasmTrainingKernels } from './wasm-training-kernels';

const sizeOf = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);

/** erf by Simpson's rule on 2/sqrt(pi) exp(-t^2) in float64 (error ~1e-13 at 4,000 intervals). */
function erfReference(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (Math.abs(x) > 6) return Math.sign(x);
  const steps = 4000;
  const h = x / steps;
  let sum = 1 + Math.exp(-x * x);
  for (let i = 1; i < steps; i++) sum += (i % 2 === 1 ? 4 : 2) * Math.exp(-((i * h) ** 2));
  return ((sum * h) / 3) * (2 / Math.sqrt(Math.PI));
}

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

/** Slice by multi-indices. */
function sliceReference(
  values: ArrayLike<number>,
  shape: number[],
  begin: number[],
  size: number[],
): number[] {
  const out: number[] = [];
  const index = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < sizeOf(size); flat++) {
    let rest = flat;
    for (let d = size.length - 1; d >= 0; d--) {
      index[d] = (rest % size[d]) + begin[d];
      rest = Math.floor(rest / size[d]);
    }
    let source = 0;
    for (let d = 0; d < shape.length; d++) source = source * shape[d] + index[d];
    out.push(values[source]);
  }
  return out;
}

describe('asAxisSwap / asRowReduction (how a permutation or a reduction maps onto the SIMD kernels)', () => {
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

  it('recognises reductions over one block of adjacent axes with something after it', () => {
    expect(asRowReduction([16384, 60], [0])).toEqual({ outer: 1, rows: 16384, cols: 60 });
    expect(asRowReduction([6, 1, 256, 64, 64], [2])).toEqual({ outer: 6, rows: 256, cols: 4096 });
    expect(asRowReduction([6, 1, 256, 64, 64], [1, 2])).toEqual({ outer: 6, rows: 256, cols: 4096 });
    expect(asRowReduction([4, 5, 6], [-3, -2])).toEqual({ outer: 1, rows: 20, cols: 6 });
    expect(asRowReduction([4, 5, 6], [2])).toBeUndefined(); // the last axis: tfjs's own kernel
    expect(asRowReduction([4, 5, 6, 7], [0, 2])).toBeUndefined(); // not adjacent
  });
});

describe('wasm SIMD Erf, Exp, Transpose, Sum, Slice, SplitV and Concat', () => {
  beforeAll(async () => {
    registerGradients();
    registerWasmTrainingKernels();
    await setBackend('wasm');
  });
  afterAll(async () => {
    await setBackend('cpu');
  });

  it("guard tfjs's malloc on first use, also without setupBackend (a full heap then throws, not offset 0)", () => {
    tf.tidy(() => tf.erf(tf.ones([4])));
    const module = (tf.backend() as unknown as { wasm: MallocModule }).wasm;
    expect(guardWasmMalloc(module)).toBe(false); // false: already guarded
  });

  it('are registered by registerWasmTrainingKernels', () => {
    expect(WASM_SIMD_KERNELS).toEqual(['Erf', 'Exp', 'Transpose', 'Sum', 'Slice', 'SplitV', 'Concat']);
    for (const name of WASM_SIMD_KERNELS)
      expect(tf.getKernel(name, 'wasm')?.kernelFunc.name.toLowerCase()).toBe(name.toLowerCase());
  });

  it('Erf is within 4e-7 of a float64 integral everywhere (float32 spacing near 1 is 6e-8), never leaves [-1, 1] and keeps relative accuracy near 0', async () => {
    const values: number[] = [
      0, -0, 1e-30, -1e-20, 1e-8, 3e-4, -0.25, 0.4999, 0.5, -0.5, 0.5001, 1, -1.5, 2.5, 3.9,
    ];
    values.push(5, -6, 9.5, -12, 40, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY);
    const random = uniformArray(4003, 5, -4.5, 4.5); // not a multiple of 4: the partial-vector tail
    values.push(...random);
    const xs = Float32Array.from(values);
    const buffers = backendBuffers();
    const got = await expectNoLeaks(async () => {
      const x = tf.tensor1d(xs);
      const y = tf.erf(x);
      const data = await y.data();
      x.dispose();
      y.dispose();
      return data;
    });
    expect(backendBuffers()).toBe(buffers);
    let worst = 0;
    for (let i = 0; i < xs.length; i++) {
      const expected = erfReference(xs[i]);
      const error = Math.abs(got[i] - expected);
      worst = Math.max(worst, error);
      if (Math.abs(xs[i]) < 0.5 && xs[i] !== 0) expect(error / Math.abs(expected)).toBeLessThan(3e-7);
    }
    expect(worst).toBeLessThan(4e-7);
    expect(Math.max(...Array.from(got, Math.abs))).toBe(1);
    expect(Object.is(got[0], 0)).toBe(true);
    expect(Object.is(got[1], -0)).toBe(true);
    expect(got[values.indexOf(Number.POSITIVE_INFINITY)]).toBe(1);
    expect(got[values.indexOf(Number.NEGATIVE_INFINITY)]).toBe(-1);
    const nan = await tf.tidy(() => tf.erf(tf.tensor1d([Number.NaN, 1, 2]))).data();
    expect(Number.isNaN(nan[0])).toBe(true);
    for (const count of [1, 2, 3, 5, 6, 7]) {
      const part = xs.subarray(10, 10 + count);
      const y = tf.tidy(() => tf.erf(tf.tensor1d(part)));
      expect(Array.from(await y.data())).toEqual(Array.from(got.subarray(10, 10 + count)));
      y.dispose();
    }
  });

  it('Exp is within 3e-7 relative of Math.exp, overflows to Infinity past 88.72283 and flushes below -87.33654', async () => {
    const special = [0, -0, 1, -1, 1e-30, 88.72, 88.7228, 88.73, 100, -87.33, -87.34, -100, -1e4];
    special.push(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN);
    const xs = Float32Array.from([...special, ...uniformArray(5003, 6, -87, 88)]);
    const got = await expectNoLeaks(async () => {
      const x = tf.tensor1d(xs);
      const y = tf.exp(x);
      const data = await y.data();
      x.dispose();
      y.dispose();
      return data;
    });
    let worst = 0;
    for (let i = 0; i < xs.length; i++) {
      const expected = Math.exp(xs[i]);
      if (xs[i] > 88.72283) expect(got[i]).toBe(Number.POSITIVE_INFINITY);
      else if (xs[i] < -87.33654) expect(got[i]).toBe(0);
      else if (Number.isNaN(xs[i])) expect(Number.isNaN(got[i])).toBe(true);
      else worst = Math.max(worst, Math.abs(got[i] - expected) / expected);
    }
    expect(worst).toBeLessThan(3e-7);
    expect(got[0]).toBe(1);
    expect(Number.isFinite(got[special.indexOf(88.7228)])).toBe(true);
  });

  it('the fused GELU kernel and its gradient equal x Phi(x) and Phi(x) + x phi(x) in float64 (erf by integral)', async () => {
    const xs = Float32Array.from([
      0,
      -0.0,
      1e-20,
      -3e-4,
      0.5,
      -1,
      2,
      -4,
      6,
      -9,
      30,
      -30,
      ...uniformArray(1003, 7, -5, 5),
    ]);
    const dys = uniformArray(xs.length, 8, -2, 2);
    const { y, dx } = await expectNoLeaks(async () => {
      const x = tf.tensor1d(xs);
      const dy = tf.tensor1d(dys);
      const out = tf.engine().runKernel(FUSED_GELU, { x }, {}) as tf.Tensor;
      const grad = tf.engine().runKernel(FUSED_GELU_GRAD, { x, dy }, {}) as tf.Tensor;
      // the registered gradient: d/dx sum(dy * gelu(x)) = dy (Phi + x phi)
      const viaTape = tf.grad((v: tf.Tensor) =>
        tf.sum(tf.mul(tf.engine().runKernel(FUSED_GELU, { x: v }, {}) as tf.Tensor, dy)),
      )(x);
      const result = { y: await out.data(), dx: await grad.data(), tape: await viaTape.data() };
      expect(Array.from(result.tape)).toEqual(Array.from(result.dx));
      for (const t of [x, dy, out, grad, viaTape]) t.dispose();
      return result;
    });
    for (let i = 0; i < xs.length; i++) {
      const v = xs[i];
      const phi = 0.5 * (1 + erfReference(v / Math.SQRT2));
      const density = Math.exp((-v * v) / 2) / Math.sqrt(2 * Math.PI);
      expect(Math.abs(y[i] - v * phi), `gelu(${v})`).toBeLessThan(4e-7 * Math.max(1, Math.abs(v)));
      expect(Math.abs(dx[i] - dys[i] * (phi + v * density)), `gelu'(${v})`).toBeLessThan(
        1e-6 * Math.abs(dys[i]) + 1e-7,
      );
    }
    expect(() =>
      tf.tidy(() => tf.engine().runKernel(FUSED_GELU_GRAD, { x: tf.zeros([3]), dy: tf.zeros([4]) }, {})),
    ).toThrow(/S2CassiGeluGrad: expected float32 x and dy of one shape, got float32 \[3\] and float32 \[4\]/);
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

  const sliceCases: Array<[number[], number[], number[]]> = [
    [
      [1, 20, 24, 6],
      [0, 0, 3, 0],
      [1, 20, 21, 6],
    ], // the cyclic shift's two halves
    [
      [1, 20, 24, 6],
      [0, 3, 0, 0],
      [1, 17, 24, 6],
    ],
    [
      [1, 20, 24, 6],
      [0, 0, 0, 0],
      [1, 20, 3, 6],
    ], // runs of 18 floats
    [
      [60, 180],
      [0, 60],
      [60, 60],
    ],
    [[180], [60], [60]],
    [
      [3, 4, 5, 6],
      [1, 1, 1, 1],
      [2, 2, 3, 4],
    ], // runs of 4: tfjs's own kernel
    [
      [7, 40],
      [2, 3],
      [3, -1],
    ], // -1: to the end
    [
      [2, 3, 17, 40],
      [1, 0, 5, 0],
      [1, 3, 7, 40],
    ],
  ];
  for (const [shape, begin, size] of sliceCases) {
    for (const dtype of ['float32', 'int32'] as const) {
      it(`Slice ${JSON.stringify(shape)} at ${JSON.stringify(begin)} size ${JSON.stringify(size)} (${dtype}) equals an index loop`, async () => {
        const values = uniformArray(sizeOf(shape), 23, -100, 100).map((v) => Math.round(v) + 0);
        const fullSize = size.map((s, d) => (s < 0 ? shape[d] - begin[d] : s));
        const expected = sliceReference(values, shape, begin, fullSize);
        const got = await expectNoLeaks(async () => {
          const x = tf.tensor(values, shape, dtype);
          const y = tf.slice(x, begin, size);
          const result = { data: Array.from(await y.data()), shape: y.shape };
          x.dispose();
          y.dispose();
          return result;
        });
        expect(got.shape).toEqual(fullSize);
        expect(got.data).toEqual(expected);
      });
    }
  }

  const splitCases: Array<[number[], number[] | number, number]> = [
    [[50, 180], [60, 60, 60], 1], // the qkv split
    [[4, 6, 40], [1, 2, 3], 1],
    [[6, 40], 3, 0],
    [[3, 5, 2], [2, -1], 1], // runs of 4 / 6: tfjs's own slice
  ];
  for (const [shape, splits, axis] of splitCases) {
    it(`SplitV of ${JSON.stringify(shape)} into ${JSON.stringify(splits)} on axis ${axis} equals index loops`, async () => {
      const values = uniformArray(sizeOf(shape), 25, -100, 100).map((v) => Math.round(v) + 0);
      const got = await expectNoLeaks(async () => {
        const x = tf.tensor(values, shape);
        const parts = tf.split(x, splits, axis);
        const result = await Promise.all(
          parts.map(async (p) => ({ shape: p.shape, data: Array.from(await p.data()) })),
        );
        x.dispose();
        for (const p of parts) p.dispose();
        return result;
      });
      const sizes = typeof splits === 'number' ? new Array(splits).fill(shape[axis] / splits) : [...splits];
      const known = sizes.filter((s) => s >= 0).reduce((p, s) => p + s, 0);
      let start = 0;
      for (const [i, raw] of sizes.entries()) {
        const part = raw < 0 ? shape[axis] - known : raw;
        const begin = shape.map((_, d) => (d === axis ? start : 0));
        const size = shape.map((s, d) => (d === axis ? part : s));
        expect(got[i].shape).toEqual(size);
        expect(got[i].data).toEqual(sliceReference(values, shape, begin, size));
        start += part;
      }
    });
  }

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
