import { backendBuffers, expectNoLeaks, setBackend, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerGradients } from '../../register-gradients';
import { registerWasmKernels } from '../register-wasm-kernels';
import { FUSED_SPECTRAL_ATTENTION } from './spectral-attention';
import { FUSED_SPECTRAL_ATTENTION_GRAD } from './spectral-attention-grad';

interface Case {
  windows: number;
  tokens: number;
  heads: number;
  headDim: number;
  transpose: boolean;
}

interface Inputs {
  qkv: Float32Array;
  scale: Float32Array;
  bias: Float32Array;
}

function makeInputs(c: Case, seed: number): Inputs {
  const channels = c.heads * c.headDim;
  return {
    qkv: uniformArray(c.windows * c.tokens * 3 * channels, seed, -1.5, 1.5),
    scale: uniformArray(c.heads, seed + 1, 0.1, 0.4),
    bias: uniformArray(c.heads * c.headDim * c.headDim, seed + 2, -0.5, 0.5),
  };
}

/**
 * Float64 forward: A[i, j] = softmax_j(scale_h sum_p k[p, i] q[p, j] + B[h, i, j]);
 * out[w, p, h Ch + j] = sum_i v[p, i] A[i, j] (transpose: out[.., i] = sum_j v[p, j] A[i, j]).
 */
function referenceForward(c: Case, x: { qkv: Float64Array; scale: Float64Array; bias: Float64Array }) {
  const { windows, tokens: p, heads, headDim: ch } = c;
  const channels = heads * ch;
  const out = new Float64Array(windows * p * channels);
  const at = (w: number, t: number, part: number, h: number, k: number) =>
    x.qkv[(w * p + t) * 3 * channels + part * channels + h * ch + k];
  const a = new Float64Array(ch * ch);
  for (let w = 0; w < windows; w++) {
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < ch; i++) {
        let max = Number.NEGATIVE_INFINITY;
        for (let j = 0; j < ch; j++) {
          let dot = 0;
          for (let t = 0; t < p; t++) dot += at(w, t, 1, h, i) * at(w, t, 0, h, j);
          a[i * ch + j] = x.scale[h] * dot + x.bias[(h * ch + i) * ch + j];
          max = Math.max(max, a[i * ch + j]);
        }
        let sum = 0;
        for (let j = 0; j < ch; j++) sum += Math.exp(a[i * ch + j] - max);
        for (let j = 0; j < ch; j++) a[i * ch + j] = Math.exp(a[i * ch + j] - max) / sum;
      }
      for (let t = 0; t < p; t++) {
        for (let o = 0; o < ch; o++) {
          let s = 0;
          for (let r = 0; r < ch; r++) {
            s += c.transpose ? at(w, t, 2, h, r) * a[o * ch + r] : at(w, t, 2, h, r) * a[r * ch + o];
          }
          out[(w * p + t) * channels + h * ch + o] = s;
        }
      }
    }
  }
  return out;
}

/** Gradients of sum(out * dy) by central differences of the float64 forward (independent of the kernels' algebra). */
function referenceGradients(c: Case, inputs: Inputs, dy: Float32Array) {
  const x = {
    qkv: Float64Array.from(inputs.qkv),
    scale: Float64Array.from(inputs.scale),
    bias: Float64Array.from(inputs.bias),
  };
  const loss = () => referenceForward(c, x).reduce((s, v, i) => s + v * dy[i], 0);
  const h = 1e-6;
  const grads: Record<'qkv' | 'scale' | 'bias', Float64Array> = {
    qkv: new Float64Array(x.qkv.length),
    scale: new Float64Array(x.scale.length),
    bias: new Float64Array(x.bias.length),
  };
  for (const name of ['qkv', 'scale', 'bias'] as const) {
    const values = x[name];
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      values[i] = v + h;
      const up = loss();
      values[i] = v - h;
      const down = loss();
      values[i] = v;
      grads[name][i] = (up - down) / (2 * h);
    }
  }
  return { value: referenceForward(c, x), grads };
}

/** The composed tf ops (what s2-attn's SpectralWindowMsa runs without the kernel), qkv layout [windows, P, 3C]. */
function composed(c: Case, qkv: tf.Tensor, scale: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const { windows, tokens: p, heads, headDim: ch } = c;
  const split = tf.transpose(tf.reshape(qkv, [windows, p, 3, heads, ch]), [2, 3, 0, 1, 4]);
  const [q, k, v] = tf.unstack(split); // [T, windows, P, Ch]
  const kScaled = tf.mul(k, tf.reshape(scale, [heads, 1, 1, 1]));
  const logits = tf.add(tf.matMul(kScaled, q, true, false), tf.reshape(bias, [heads, 1, ch, ch]));
  const attention = tf.softmax(logits);
  const out = tf.matMul(v, attention, false, c.transpose); // [T, windows, P, Ch]
  return tf.reshape(tf.transpose(out, [1, 2, 0, 3]), [windows, p, heads * ch]);
}

function fused(c: Case, qkv: tf.Tensor, scale: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const [out, stats] = tf.engine().runKernel(FUSED_SPECTRAL_ATTENTION, { qkv, scale, bias }, {
    heads: c.heads,
    transpose: c.transpose,
  } as unknown as tf.NamedAttrMap) as tf.Tensor[];
  stats.dispose();
  return out;
}

type Impl = typeof fused;

function run(c: Case, inputs: Inputs, dy: Float32Array, impl: Impl) {
  const channels = c.heads * c.headDim;
  return tf.tidy(() => {
    const qkv = tf.tensor3d(inputs.qkv, [c.windows, c.tokens, 3 * channels]);
    const scale = tf.tensor1d(inputs.scale);
    const bias = tf.tensor3d(inputs.bias, [c.heads, c.headDim, c.headDim]);
    const upstream = tf.tensor3d(dy, [c.windows, c.tokens, channels]);
    const value = impl(c, qkv, scale, bias);
    const grads = tf.grads((a: tf.Tensor, s: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(impl(c, a, s, b), upstream)),
    )([qkv, scale, bias]);
    return [value, ...grads].map((t) => t.dataSync().slice());
  });
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe('fused spectral attention on wasm (S2CassiSpectralAttention, S2CassiSpectralAttentionGrad)', () => {
  beforeAll(async () => {
    registerGradients();
    registerWasmKernels();
    await setBackend('wasm');
  });
  afterAll(async () => {
    await setBackend('cpu');
  });

  // Ch = 3, 5, 6: rows of Ch floats exercise the vector loop and the scalar tail; P = 9 an odd token count
  for (const [c, seed] of [
    [{ windows: 3, tokens: 9, heads: 2, headDim: 3, transpose: false }, 1],
    [{ windows: 2, tokens: 4, heads: 1, headDim: 5, transpose: false }, 2],
    [{ windows: 2, tokens: 9, heads: 2, headDim: 6, transpose: true }, 3],
  ] as Array<[Case, number]>) {
    it(`matches a float64 forward and its central-difference gradients (${JSON.stringify(c)})`, async () => {
      const inputs = makeInputs(c, seed);
      const dy = uniformArray(c.windows * c.tokens * c.heads * c.headDim, seed + 9, -1, 1);
      const ref = referenceGradients(c, inputs, dy);
      const buffers = backendBuffers();
      const [value, dqkv, dscale, dbias] = await expectNoLeaks(() => run(c, inputs, dy, fused));
      expect(backendBuffers()).toBe(buffers);
      expect(maxAbsDiff(value, ref.value)).toBeLessThan(2e-6);
      expect(maxAbsDiff(dqkv, ref.grads.qkv)).toBeLessThan(2e-5);
      expect(maxAbsDiff(dscale, ref.grads.scale)).toBeLessThan(1e-4);
      expect(maxAbsDiff(dbias, ref.grads.bias)).toBeLessThan(2e-5);
    });
  }

  for (const transpose of [false, true]) {
    it(`matches the composed ops on wasm and on cpu at the model size (P = 64, Ch = 10, transpose ${transpose})`, async () => {
      const c = { windows: 6, tokens: 64, heads: 2, headDim: 10, transpose };
      const inputs = makeInputs(c, 5);
      const dy = uniformArray(c.windows * c.tokens * c.heads * c.headDim, 6, -1, 1);
      const fusedResult = await expectNoLeaks(() => run(c, inputs, dy, fused));
      const composedWasm = run(c, inputs, dy, composed);
      await setBackend('cpu');
      const composedCpu = run(c, inputs, dy, composed);
      await setBackend('wasm');
      const tolerances = [2e-6, 2e-5, 2e-3, 5e-5];
      for (let i = 0; i < 4; i++) {
        expect(maxAbsDiff(fusedResult[i], composedWasm[i])).toBeLessThan(tolerances[i]);
        expect(maxAbsDiff(fusedResult[i], composedCpu[i])).toBeLessThan(tolerances[i]);
      }
    });
  }

  it('rejects inputs of the wrong shape with a clear error', () => {
    tf.tidy(() => {
      const qkv = tf.zeros([4, 9, 18]);
      const scale = tf.ones([2]);
      const bias = tf.zeros([2, 3, 3]);
      const attrs = { heads: 2, transpose: false } as unknown as tf.NamedAttrMap;
      const forward = (inputs: Record<string, tf.Tensor>) => () =>
        tf.engine().runKernel(FUSED_SPECTRAL_ATTENTION, inputs, attrs);
      expect(forward({ qkv, scale, bias: tf.zeros([2, 9, 9]) })).toThrow(
        /S2CassiSpectralAttention: expected bias float32 \[2, 3, 3\], got float32 \[2, 9, 9\]/,
      );
      expect(forward({ qkv: tf.zeros([4, 9, 16]), scale, bias })).toThrow(
        /qkv's last axis \(16\) must be 3 x heads \(2\) x headDim/,
      );
      expect(() =>
        tf
          .engine()
          .runKernel(
            FUSED_SPECTRAL_ATTENTION_GRAD,
            { qkv, scale, bias, stats: tf.zeros([4, 2, 3, 2]), dy: tf.zeros([4, 9, 5]) },
            attrs,
          ),
      ).toThrow(/S2CassiSpectralAttentionGrad: expected dy float32 \[4, 9, 6\], got float32 \[4, 9, 5\]/);
    });
  });
});
