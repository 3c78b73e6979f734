import * as tf from '@tensorflow/tfjs-core';
import type { Linear } from './linear';

/**
 * How q, k, v are produced (numerically identical; an implementation switch for benchmarks):
 * 'separate' (default) runs three matMuls on column blocks of the `qkv` weight, each followed by its own
 * head-major transpose; 'fused' runs one matMul, one transpose and a split (one more full copy).
 */
export type QkvImplementation = 'separate' | 'fused';
let qkvImplementation: QkvImplementation = 'separate';

/** Internal benchmark switch (see bench/attention-variants.ts). */
export function setQkvImplementation(value: QkvImplementation): void {
  qkvImplementation = value;
}

/**
 * q, k, v of `windows` [count, P, C] through the `qkv` Linear (output channels [3][T][Ch]), each as
 * [T * count, P, Ch] (head-major batch).
 */
export function projectHeads(
  qkv: Linear,
  windows: tf.Tensor,
  heads: number,
  headDim: number,
): [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D] {
  if (qkvImplementation === 'fused') return splitHeads(qkv.apply(windows), heads, headDim);
  const [count, tokens, features] = windows.shape;
  const flat = tf.reshape(windows, [count * tokens, features]);
  const parts = [0, 1, 2].map((part) => {
    const weight = tf.slice(qkv.weight, [0, part * features], [features, features]);
    const bias = qkv.bias ? tf.slice(qkv.bias, [part * features], [features]) : undefined;
    const product = tf.matMul(flat, weight);
    const projected = bias ? tf.add(product, bias) : product;
    if (bias) product.dispose();
    const grouped = tf.reshape(projected, [count * tokens, heads, headDim]);
    projected.dispose();
    const headMajor = tf.transpose(grouped, [1, 0, 2]);
    grouped.dispose();
    const out = tf.reshape(headMajor, [heads * count, tokens, headDim]) as tf.Tensor3D;
    headMajor.dispose();
    return out;
  });
  return parts as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
}

/**
 * [windows, P, 3C] (channel layout [3][T][Ch], as the reference `qkv` Linear) -> q, k, v, each
 * [T * windows, P, Ch], head-major so that the batch of every matMul is (head, window).
 */
export function splitHeads(
  qkv: tf.Tensor,
  heads: number,
  headDim: number,
): [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D] {
  const [windows, tokens] = qkv.shape;
  const flat = tf.reshape(qkv, [windows * tokens, 3 * heads, headDim]);
  const headMajor = tf.transpose(flat, [1, 0, 2]); // [3T, windows*P, Ch]
  const parts = tf.split(headMajor, 3, 0);
  return parts.map((p) => tf.reshape(p, [heads * windows, tokens, headDim])) as [
    tf.Tensor3D,
    tf.Tensor3D,
    tf.Tensor3D,
  ];
}

/** [T * windows, P, Ch] -> [windows, P, T * Ch] (heads concatenated, head-major channels). */
export function mergeHeads(x: tf.Tensor, heads: number): tf.Tensor3D {
  const [batch, tokens, headDim] = x.shape;
  const windows = batch / heads;
  const grouped = tf.reshape(x, [heads, windows * tokens, headDim]);
  const tokenMajor = tf.transpose(grouped, [1, 0, 2]);
  return tf.reshape(tokenMajor, [windows, tokens, heads * headDim]) as tf.Tensor3D;
}
