import { backendBuffers, expectNoLeaks, setBackend, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerGradients } from '../../register-gradients';
import { registerWasmKernels } from '../register-wasm-kernels';
import { FUSED_WINDOW_ATTENTION } from './window-attention';
import { FUSED_WINDOW_ATTENTION_GRAD } from './window-attention-grad';

interface Case {
  windows: number;
  tokens: number;
  heads: number;
  headDim: number;
  maskWindows: number;
}

interface Inputs {
  qkv: Float32Array;
  scale: Float32Array;
  bias: Float32Array;
  mask: Float32Array;
}

function makeInputs(c: Case, seed: number): Inputs {
  const channels = c.heads * c.headDim;
  const mask = uniformArray(c.maskWindows * c.tokens * c.tokens, seed + 3, 0, 1).map((v) =>
    v > 0.7 ? -100 : 0,
  );
  return {
    qkv: uniformArray(c.windows * c.tokens * 3 * channels, seed, -1.5, 1.5),
    scale: uniformArray(c.heads, seed + 1, 0.2, 0.8),
    bias: uniformArray(c.heads * c.tokens * c.tokens, seed + 2, -0.5, 0.5),
    mask,
  };
}

/** Float64 forward: out[w, i, h Ch + c] = sum_j softmax_j(scale_h q_i . k_j + B[h, i, j] + mask[w mod nW, i, j]) v_j,c. */
function referenceForward(
  c: Case,
  x: { qkv: Float64Array; scale: Float64Array; bias: Float64Array; mask: Float32Array },
) {
  const { windows, tokens: p, heads, headDim: ch, maskWindows } = c;
  const channels = heads * ch;
  const out = new Float64Array(windows * p * channels);
  const at = (w: number, t: number, part: number, h: number, k: number) =>
    x.qkv[(w * p + t) * 3 * channels + part * channels + h * ch + k];
  const logits = new Float64Array(p);
  for (let w = 0; w < windows; w++) {
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < p; i++) {
        let max = Number.NEGATIVE_INFINITY;
        for (let j = 0; j < p; j++) {
          let dot = 0;
          for (let k = 0; k < ch; k++) dot += at(w, i, 0, h, k) * at(w, j, 1, h, k);
          logits[j] =
            x.scale[h] * dot + x.bias[(h * p + i) * p + j] + x.mask[((w % maskWindows) * p + i) * p + j];
          max = Math.max(max, logits[j]);
        }
        let sum = 0;
        for (let j = 0; j < p; j++) sum += Math.exp(logits[j] - max);
        for (let j = 0; j < p; j++) {
          const a = Math.exp(logits[j] - max) / sum;
          for (let k = 0; k < ch; k++) out[(w * p + i) * channels + h * ch + k] += a * at(w, j, 2, h, k);
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
    mask: inputs.mask,
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

/** The composed tf ops (what s2-attn's SpatialWindowMsa runs without the kernel), qkv layout [windows, P, 3C]. */
function composed(c: Case, qkv: tf.Tensor, scale: tf.Tensor, bias: tf.Tensor, mask: tf.Tensor): tf.Tensor {
  const { windows, tokens: p, heads, headDim: ch, maskWindows } = c;
  const split = tf.transpose(tf.reshape(qkv, [windows, p, 3, heads, ch]), [2, 3, 0, 1, 4]);
  const [q, k, v] = tf.unstack(split); // [T, windows, P, Ch]
  const grouped = [heads, windows / maskWindows, maskWindows, p, p];
  const raw = tf.reshape(tf.mul(tf.matMul(q, k, false, true), tf.reshape(scale, [heads, 1, 1, 1])), grouped);
  const logits = tf.add(
    tf.add(raw, tf.reshape(bias, [heads, 1, 1, p, p])),
    tf.reshape(mask, [1, 1, maskWindows, p, p]),
  );
  const attention = tf.reshape(tf.softmax(logits), [heads, windows, p, p]);
  return tf.reshape(tf.transpose(tf.matMul(attention, v), [1, 2, 0, 3]), [windows, p, heads * ch]);
}

function fused(c: Case, qkv: tf.Tensor, scale: tf.Tensor, bias: tf.Tensor, mask: tf.Tensor): tf.Tensor {
  const [out, stats] = tf.engine().runKernel(FUSED_WINDOW_ATTENTION, { qkv, scale, bias, mask }, {
    heads: c.heads,
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
    const bias = tf.tensor3d(inputs.bias, [c.heads, c.tokens, c.tokens]);
    const mask = tf.tensor3d(inputs.mask, [c.maskWindows, c.tokens, c.tokens]);
    const upstream = tf.tensor3d(dy, [c.windows, c.tokens, channels]);
    const value = impl(c, qkv, scale, bias, mask);
    const grads = tf.grads((a: tf.Tensor, s: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(impl(c, a, s, b, mask), upstream)),
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

describe('fused window attention on wasm (S2CassiWindowAttention, S2CassiWindowAttentionGrad)', () => {
  beforeAll(async () => {
    registerGradients();
    registerWasmKernels();
    await setBackend('wasm');
  });
  afterAll(async () => {
    await setBackend('cpu');
  });

  // P = 9 (M = 3): rows of 9 floats exercise the vector loop and the scalar tail; Ch = 3 and 5: partial columns
  for (const [c, seed] of [
    [{ windows: 4, tokens: 9, heads: 2, headDim: 3, maskWindows: 2 }, 1],
    [{ windows: 3, tokens: 4, heads: 1, headDim: 5, maskWindows: 1 }, 2],
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

  it('matches the composed ops on wasm and on cpu at the model size (P = 64, Ch = 10, a shifted-window mask)', async () => {
    const c = { windows: 8, tokens: 64, heads: 2, headDim: 10, maskWindows: 4 };
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

  it('rejects inputs of the wrong shape with a clear error', () => {
    tf.tidy(() => {
      const qkv = tf.zeros([4, 9, 18]);
      const scale = tf.ones([2]);
      const bias = tf.zeros([2, 9, 9]);
      const attrs = { heads: 2 } as unknown as tf.NamedAttrMap;
      const forward = (inputs: Record<string, tf.Tensor>) => () =>
        tf.engine().runKernel(FUSED_WINDOW_ATTENTION, inputs, attrs);
      expect(forward({ qkv, scale, bias, mask: tf.zeros([3, 9, 9]) })).toThrow(
        /S2CassiWindowAttention: the mask's 3 windows must divide the 4 windows/,
      );
      expect(forward({ qkv, scale, bias: tf.zeros([2, 9, 8]), mask: tf.zeros([1, 9, 9]) })).toThrow(
        /expected bias float32 \[2, 9, 9\], got float32 \[2, 9, 8\]/,
      );
      expect(forward({ qkv: tf.zeros([4, 9, 16]), scale, bias, mask: tf.zeros([1, 9, 9]) })).toThrow(
        /qkv's last axis \(16\) must be 3 x heads \(2\) x headDim/,
      );
      expect(() =>
        tf.engine().runKernel(
          FUSED_WINDOW_ATTENTION_GRAD,
          {
            qkv,
            scale,
            bias,
            mask: tf.zeros([1, 9, 9]),
            stats: tf.zeros([4, 2, 9, 2]),
            dy: tf.zeros([4, 9, 5]),
          },
          attrs,
        ),
      ).toThrow(/S2CassiWindowAttentionGrad: expected dy float32 \[4, 9, 6\], got float32 \[4, 9, 5\]/);
    });
  });
});
