import { expectNoLeaks, setBackend, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerGradients } from '../../register-gradients';
import { registerWasmKernels } from '../register-wasm-kernels';

type Pad = 'same' | 'valid' | tf.backend_util.ExplicitPadding;
interface Case {
  batch: number;
  height: number;
  width: number;
  channels: number;
  outChannels: number;
  filter: [number, number];
  pad: Pad;
}

/** Float64 dW[p, q, ci, co] = sum_{b,i,j} x[b, i + p - top, j + q - left, ci] dy[b, i, j, co] (stride 1). */
function reference(
  c: Case,
  xs: Float32Array,
  dys: Float32Array,
  out: [number, number],
  pad: [number, number],
) {
  const [fh, fw] = c.filter;
  const [oh, ow] = out;
  const [top, left] = pad;
  const dw = new Float64Array(fh * fw * c.channels * c.outChannels);
  for (let b = 0; b < c.batch; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let p = 0; p < fh; p++)
          for (let q = 0; q < fw; q++) {
            const y = i + p - top;
            const x = j + q - left;
            if (y < 0 || y >= c.height || x < 0 || x >= c.width) continue;
            for (let ci = 0; ci < c.channels; ci++)
              for (let co = 0; co < c.outChannels; co++)
                dw[((p * fw + q) * c.channels + ci) * c.outChannels + co] +=
                  xs[((b * c.height + y) * c.width + x) * c.channels + ci] *
                  dys[((b * oh + i) * ow + j) * c.outChannels + co];
          }
  return dw;
}

function filterGradient(c: Case, xs: Float32Array, seed: number) {
  return tf.tidy(() => {
    const x = tf.tensor4d(xs, [c.batch, c.height, c.width, c.channels]);
    const filter = tf.zeros([...c.filter, c.channels, c.outChannels]) as tf.Tensor4D;
    const outShape = tf.conv2d(x, filter, 1, c.pad).shape;
    const dys = uniformArray(tf.util.sizeFromShape(outShape), seed, -1, 1);
    const dy = tf.tensor(dys, outShape);
    const dw = tf.grad((f: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, f as tf.Tensor4D, 1, c.pad), dy)))(
      filter,
    );
    return { dw: dw.dataSync().slice(), dys, out: [outShape[1], outShape[2]] as [number, number] };
  });
}

describe('Conv2DBackpropFilter on wasm, stride 1 (one SIMD product per filter tap)', () => {
  beforeAll(async () => {
    registerGradients();
    registerWasmKernels();
    await setBackend('wasm');
  });
  afterAll(async () => {
    await setBackend('cpu');
  });

  const cases: Array<[Case, [number, number]]> = [
    // [case, (top, left) padding of the reference]
    [{ batch: 2, height: 7, width: 6, channels: 3, outChannels: 5, filter: [3, 3], pad: 'same' }, [1, 1]],
    [{ batch: 1, height: 9, width: 8, channels: 6, outChannels: 2, filter: [3, 2], pad: 'valid' }, [0, 0]],
    [{ batch: 3, height: 5, width: 5, channels: 1, outChannels: 3, filter: [1, 1], pad: 'same' }, [0, 0]],
    [{ batch: 2, height: 6, width: 7, channels: 9, outChannels: 4, filter: [4, 4], pad: 'same' }, [1, 1]],
    [
      {
        batch: 1,
        height: 6,
        width: 5,
        channels: 5,
        outChannels: 7,
        filter: [3, 3],
        pad: [
          [0, 0],
          [2, 0],
          [0, 1],
          [0, 0],
        ],
      },
      [2, 0],
    ],
  ];
  for (const [i, [c, pad]] of cases.entries()) {
    it(`equals a float64 loop and the cpu backend (${c.filter.join('x')}, pad ${JSON.stringify(c.pad)})`, async () => {
      const xs = uniformArray(c.batch * c.height * c.width * c.channels, 20 + i, -1, 1);
      const wasm = await expectNoLeaks(() => filterGradient(c, xs, 40 + i));
      const expected = reference(c, xs, wasm.dys, wasm.out, pad);
      let worst = 0;
      for (let k = 0; k < expected.length; k++) worst = Math.max(worst, Math.abs(wasm.dw[k] - expected[k]));
      expect(worst).toBeLessThan(1e-5);
      await setBackend('cpu');
      const cpu = filterGradient(c, xs, 40 + i);
      await setBackend('wasm');
      for (let k = 0; k < expected.length; k++) expect(wasm.dw[k]).toBeCloseTo(cpu.dw[k], 5);
    });
  }

  it('at the demo model channels (28 -> 32, 2 x 40 x 36) equals a float64 loop', async () => {
    const c: Case = {
      batch: 2,
      height: 40,
      width: 36,
      channels: 28,
      outChannels: 32,
      filter: [3, 3],
      pad: 'same',
    };
    const xs = uniformArray(c.batch * c.height * c.width * c.channels, 7, 0, 1);
    const wasm = await expectNoLeaks(() => filterGradient(c, xs, 8));
    const expected = reference(c, xs, wasm.dys, wasm.out, [1, 1]);
    let worst = 0;
    let scale = 0;
    for (let k = 0; k < expected.length; k++) {
      worst = Math.max(worst, Math.abs(wasm.dw[k] - expected[k]));
      scale = Math.max(scale, Math.abs(expected[k]));
    }
    expect(worst / scale).toBeLessThan(1e-5);
  });
});

describe('Conv2DBackpropFilter on wasm, other strides (one forward conv) and errors', () => {
  beforeAll(async () => {
    registerGradients();
    registerWasmKernels();
    await setBackend('wasm');
  });
  afterAll(async () => {
    await setBackend('cpu');
  });

  it('Conv2DBackpropFilter equals a brute-force loop (stride 2, SAME)', async () => {
    const [b, h, w, ci, co, k, s] = [2, 7, 6, 3, 2, 3, 2];
    const xs = uniformArray(b * h * w * ci, 11, -1, 1);
    const x = tf.tensor4d(xs, [b, h, w, ci]);
    const oh = Math.ceil(h / s);
    const ow = Math.ceil(w / s);
    const dys = uniformArray(b * oh * ow * co, 12, -1, 1);
    const dy = tf.tensor4d(dys, [b, oh, ow, co]);
    const filter = tf.zeros([k, k, ci, co]);
    const [, dw] = tf.grads((a: tf.Tensor, f: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, f as tf.Tensor4D, s, 'same'), dy)),
    )([x, filter]);
    const padTop = Math.floor(Math.max((oh - 1) * s + k - h, 0) / 2);
    const padLeft = Math.floor(Math.max((ow - 1) * s + k - w, 0) / 2);
    const expected = new Float64Array(k * k * ci * co);
    for (let n = 0; n < b; n++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++)
          for (let p = 0; p < k; p++)
            for (let q = 0; q < k; q++) {
              const y = i * s + p - padTop;
              const xx = j * s + q - padLeft;
              if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
              for (let c = 0; c < ci; c++)
                for (let o = 0; o < co; o++)
                  expected[((p * k + q) * ci + c) * co + o] +=
                    xs[((n * h + y) * w + xx) * ci + c] * dys[((n * oh + i) * ow + j) * co + o];
            }
    const got = await dw.data();
    for (let i = 0; i < expected.length; i++) expect(got[i]).toBeCloseTo(expected[i], 4);
    tf.dispose([x, dy, dw, filter]);
  });

  it('rejects NCHW with an error naming the data format', async () => {
    const x = tf.zeros([1, 4, 4, 2]) as tf.Tensor4D;
    const dy = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 2, 3] };
    expect(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs)).toThrow(/NHWC.*NCHW/);
    tf.dispose([x, dy]);
  });
});
