import * as tf from '@tensorflow/tfjs-core';

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
