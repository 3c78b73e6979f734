import { registerGradients, registerWasmKernels } from '@s2cassi/backends';
import { describeBackends, expectNoLeaks, maxAbsDiff, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomizeWeights, weightArrays } from './_test-utils';
import { FUSED_GELU_KERNEL, gelu } from './gelu';
import { SpatialWindowMsa, setSpatialProductImplementation } from './spatial-window-msa';
import { type SpectralProduct, SpectralWindowMsa } from './spectral-window-msa';
import { shiftedWindowMaskValues } from './window-mask';

// Plain-JS references: explicit loops over windows, heads and tokens.

function linearRef(
  x: Float32Array,
  rows: number,
  inF: number,
  w: Float32Array,
  b: Float32Array | undefined,
  outF: number,
) {
  const y = new Float32Array(rows * outF);
  for (let r = 0; r < rows; r++)
    for (let o = 0; o < outF; o++) {
      let s = b ? b[o] : 0;
      for (let i = 0; i < inF; i++) s += x[r * inF + i] * w[i * outF + o];
      y[r * outF + o] = s;
    }
  return y;
}

function softmaxRow(row: number[]): number[] {
  const max = Math.max(...row);
  const e = row.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

function spatialReference(
  x: Float32Array,
  count: number,
  m: number,
  c: number,
  heads: number,
  wts: Record<string, Float32Array>,
  mask?: Float32Array,
  windowsPerImage = 1,
): Float32Array {
  const tokens = m * m;
  const ch = c / heads;
  const qkv = linearRef(x, count * tokens, c, wts['qkv.weight'], wts['qkv.bias'], 3 * c);
  const merged = new Float32Array(count * tokens * c);
  for (let w = 0; w < count; w++)
    for (let h = 0; h < heads; h++)
      for (let p = 0; p < tokens; p++) {
        const logits: number[] = [];
        for (let q = 0; q < tokens; q++) {
          let dot = 0;
          for (let k = 0; k < ch; k++) {
            dot +=
              qkv[(w * tokens + p) * 3 * c + h * ch + k] * qkv[(w * tokens + q) * 3 * c + c + h * ch + k];
          }
          const [hp, wp, hq, wq] = [Math.floor(p / m), p % m, Math.floor(q / m), q % m];
          const idx = (hp - hq + m - 1) * (2 * m - 1) + (wp - wq + m - 1);
          let v = dot / wts.beta[h] + wts.relative_position_bias_table[idx * heads + h];
          if (mask) v += mask[((w % windowsPerImage) * tokens + p) * tokens + q];
          logits.push(v);
        }
        const a = softmaxRow(logits);
        for (let k = 0; k < ch; k++) {
          let s = 0;
          for (let q = 0; q < tokens; q++) s += a[q] * qkv[(w * tokens + q) * 3 * c + 2 * c + h * ch + k];
          merged[(w * tokens + p) * c + h * ch + k] = s;
        }
      }
  return linearRef(merged, count * tokens, c, wts['proj.weight'], wts['proj.bias'], c);
}

function spectralReference(
  x: Float32Array,
  count: number,
  m: number,
  c: number,
  heads: number,
  wts: Record<string, Float32Array>,
  product: SpectralProduct,
): Float32Array {
  const tokens = m * m;
  const ch = c / heads;
  const qkv = linearRef(x, count * tokens, c, wts['qkv.weight'], wts['qkv.bias'], 3 * c);
  const at = (w: number, t: number, part: number, h: number, k: number) =>
    qkv[(w * tokens + t) * 3 * c + part * c + h * ch + k];
  const merged = new Float32Array(count * tokens * c);
  for (let w = 0; w < count; w++)
    for (let h = 0; h < heads; h++) {
      const a: number[][] = [];
      for (let i = 0; i < ch; i++) {
        const row: number[] = [];
        for (let j = 0; j < ch; j++) {
          let dot = 0; // (K^T Q)[i, j] = sum over tokens of k_t[i] q_t[j]
          for (let t = 0; t < tokens; t++) dot += at(w, t, 1, h, i) * at(w, t, 0, h, j);
          row.push(dot / wts.beta[h] + wts.spectral_bias_table[(i - j + ch - 1) * heads + h]);
        }
        a.push(softmaxRow(row));
      }
      for (let t = 0; t < tokens; t++)
        for (let j = 0; j < ch; j++) {
          let s = 0;
          for (let i = 0; i < ch; i++) {
            s += product === 'paper' ? at(w, t, 2, h, i) * a[i][j] : a[j][i] * at(w, t, 2, h, i);
          }
          merged[(w * tokens + t) * c + h * ch + j] = s;
        }
    }
  return linearRef(merged, count * tokens, c, wts['proj.weight'], wts['proj.bias'], c);
}

describeBackends('window attention against explicit loops', () => {
  const [m, c, heads] = [4, 12, 3];
  const tokens = m * m;

  for (const implementation of ['batch-matmul', 'depthwise', 'auto'] as const) {
    it(`SpatialWindowMsa (no mask, ${implementation}) equals softmax(Q K^T / beta + B) V per window and head`, async () => {
      setSpatialProductImplementation(implementation);
      const msa = new SpatialWindowMsa({ features: c, heads, windowSize: m, seed: 3 });
      randomizeWeights(msa, 11);
      const count = 3;
      const data = uniformArray(count * tokens * c, 5, -1, 1);
      const x = tf.tensor3d(data, [count, tokens, c]);
      const out = await expectNoLeaks(() => {
        const y = msa.apply(x);
        const values = y.dataSync();
        y.dispose();
        return values;
      });
      const expected = spatialReference(data, count, m, c, heads, weightArrays(msa));
      expect(maxAbsDiff(out, expected)).toBeLessThan(1e-5);
      x.dispose();
      msa.dispose();
      setSpatialProductImplementation('auto');
    });

    it(`SpatialWindowMsa with the shifted-window mask (2 images x 4 windows, ${implementation})`, () => {
      setSpatialProductImplementation(implementation);
      const msa = new SpatialWindowMsa({ features: c, heads, windowSize: m, seed: 4 });
      randomizeWeights(msa, 12);
      const perImage = 4; // an 8 x 8 map
      const mask = shiftedWindowMaskValues(8, 8, m, 2);
      const count = 2 * perImage;
      const data = uniformArray(count * tokens * c, 6, -1, 1);
      const x = tf.tensor3d(data, [count, tokens, c]);
      const maskTensor = tf.tensor3d(mask, [perImage, tokens, tokens]);
      const y = msa.apply(x, { mask: maskTensor });
      const expected = spatialReference(data, count, m, c, heads, weightArrays(msa), mask, perImage);
      expect(maxAbsDiff(y.dataSync(), expected)).toBeLessThan(1e-5);
      // the mask changes the result (the test would catch it being ignored)
      const unmasked = msa.apply(x);
      expect(maxAbsDiff(unmasked.dataSync(), expected)).toBeGreaterThan(1e-3);
      tf.dispose([x, maskTensor, y, unmasked]);
      msa.dispose();
      setSpatialProductImplementation('auto');
    });
  }

  for (const product of ['paper', 'mst'] as const) {
    it(`SpectralWindowMsa (${product}) equals softmax(K^T Q / beta + B) applied to V per window and head`, async () => {
      const msa = new SpectralWindowMsa({ features: c, heads, windowSize: m, seed: 5, product });
      randomizeWeights(msa, 13);
      const count = 3;
      const data = uniformArray(count * tokens * c, 7, -1, 1);
      const x = tf.tensor3d(data, [count, tokens, c]);
      const out = await expectNoLeaks(() => {
        const y = msa.apply(x);
        const values = y.dataSync();
        y.dispose();
        return values;
      });
      const expected = spectralReference(data, count, m, c, heads, weightArrays(msa), product);
      expect(maxAbsDiff(out, expected)).toBeLessThan(1e-5);
      x.dispose();
      msa.dispose();
    });
  }

  it('initialisation: beta = sqrt(Ch) (spatial), M (spectral); tables of the documented shapes', () => {
    const spa = new SpatialWindowMsa({ features: 60, heads: 6, windowSize: 8 });
    const spe = new SpectralWindowMsa({ features: 60, heads: 6, windowSize: 8 });
    expect(Array.from(spa.beta.dataSync())).toEqual(new Array(6).fill(Math.fround(Math.sqrt(10))));
    expect(Array.from(spe.beta.dataSync())).toEqual(new Array(6).fill(8));
    expect(spa.biasTable.shape).toEqual([225, 6]);
    expect(spe.biasTable.shape).toEqual([19, 6]);
    spa.dispose();
    spe.dispose();
  });

  it('rejects windows of the wrong shape with the expected layout in the message', () => {
    const msa = new SpatialWindowMsa({ features: c, heads, windowSize: m });
    const x = tf.zeros([2, 9, c]);
    expect(() => msa.apply(x)).toThrow(/expected windows \[count, 16, 12\], got shape \[2, 9, 12\]/);
    x.dispose();
    msa.dispose();
  });
});

describe('gelu', () => {
  let backendBefore = '';
  beforeAll(() => {
    backendBefore = tf.getBackend();
  });
  afterAll(async () => {
    if (backendBefore) await tf.setBackend(backendBefore);
  });
  it('exact (erf) and tanh GELU, and the gradient of the exact one, match closed forms on cpu and wasm (wasm: the fused kernel)', async () => {
    registerGradients();
    registerWasmKernels();
    const xs = [-3, -1, -0.5, 0, 0.3, 1, 2.5];
    // erf reference by its Taylor series (|x| <= 3/sqrt(2) converges fast in float64)
    const erf = (z: number) => {
      let sum = 0;
      let term = z;
      for (let n = 0; n < 60; n++) {
        sum += term / (2 * n + 1);
        term *= (-z * z) / (n + 1);
      }
      return (2 / Math.sqrt(Math.PI)) * sum;
    };
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      expect(tf.getKernel(FUSED_GELU_KERNEL, backend) != null).toBe(backend === 'wasm');
      const x = tf.tensor1d(xs);
      const exact = gelu(x, 'erf').dataSync();
      const approx = gelu(x, 'tanh').dataSync();
      const grad = await expectNoLeaks(() => {
        const g = tf.grad((v: tf.Tensor) => tf.sum(gelu(v, 'erf')))(x);
        const values = g.dataSync();
        g.dispose();
        return values;
      });
      xs.forEach((v, i) => {
        const phi = 0.5 * (1 + erf(v / Math.SQRT2));
        expect(Math.abs(exact[i] - v * phi)).toBeLessThan(2e-6);
        expect(
          Math.abs(grad[i] - (phi + (v * Math.exp((-v * v) / 2)) / Math.sqrt(2 * Math.PI))),
        ).toBeLessThan(2e-6);
        const t = Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3));
        expect(Math.abs(approx[i] - 0.5 * v * (1 + t))).toBeLessThan(2e-6);
      });
      x.dispose();
    }
  });
});
