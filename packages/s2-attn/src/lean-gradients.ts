import * as tf from '@tensorflow/tfjs-core';

/**
 * Shape-only gradients. tfjs's Add, Reshape, Concat and Slice gradients keep their inputs alive on the gradient tape
 * only to read their shapes (Add: to undo broadcasting; the others: to restore the input shape), so a bias add keeps
 * the matMul product before the bias, a residual add keeps the branch output, and the window partition and cyclic
 * shift keep copies of the feature map, none of which the backward pass reads. The ops below compute the same values
 * with the same tf ops, but through `tf.customGrad` with gradients that capture only shapes, so the tape keeps
 * nothing for them. On by default, on every backend; {@link setLeanGradients}(false) restores tf's own gradients
 * (for comparisons: values and gradients are the same to float32 rounding).
 */
let lean = true;

/** Turns the shape-only gradients on or off (comparisons, benchmarks); returns the previous setting. */
export function setLeanGradients(enabled: boolean): boolean {
  const previous = lean;
  lean = enabled;
  return previous;
}

/** Whether the shape-only gradients are on. */
export function leanGradients(): boolean {
  return lean;
}

/**
 * `y = forward(x)` for a linear map whose gradient is `backward(dy)` (a reshape, a permutation of elements): the tape
 * keeps nothing. With lean gradients off, `forward(x)` with tf's own gradients.
 */
export function linearMap(
  x: tf.Tensor,
  forward: (x: tf.Tensor) => tf.Tensor,
  backward: (dy: tf.Tensor) => tf.Tensor,
): tf.Tensor {
  if (!lean) return forward(x);
  return tf.customGrad((input) => ({
    value: forward(input as tf.Tensor),
    gradFunc: (dy) => backward(dy),
  }))(x);
}

/** `tf.reshape(x, shape)` whose gradient keeps only x's shape. */
export function reshapeLean(x: tf.Tensor, shape: number[]): tf.Tensor {
  const inputShape = x.shape;
  return linearMap(
    x,
    (input) => tf.reshape(input, shape),
    (dy) => tf.reshape(dy, inputShape),
  );
}

/** `x + bias` with bias [n] over x's last axis [..., n]; the gradient keeps nothing (dx = dy, dbias = sum of dy). */
export function addBias(x: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  if (!lean) return tf.add(x, bias);
  const shape = x.shape;
  const n = bias.size;
  return tf.customGrad((a, b) => ({
    value: tf.add(a as tf.Tensor, b as tf.Tensor),
    gradFunc: (dy) => [tf.reshape(dy, shape), tf.sum(tf.reshape(dy, [-1, n]), 0)],
  }))(x, bias);
}

/** `a + b` for two tensors of the same shape (a residual connection); the gradient keeps nothing (dy to both). */
export function addSame(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (!lean || !tf.util.arraysEqual(a.shape, b.shape)) return tf.add(a, b);
  const shape = a.shape;
  return tf.customGrad((x, y) => ({
    value: tf.add(x as tf.Tensor, y as tf.Tensor),
    gradFunc: (dy) => [tf.reshape(dy, shape), tf.reshape(dy, shape)],
  }))(a, b);
}

/** `tf.concat([a, b], last axis)`; the gradient keeps only the split point (dy sliced back). */
export function concatLastAxis(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const axis = a.rank - 1;
  if (!lean) return tf.concat([a, b], axis);
  const sizes = [a.shape[axis], b.shape[axis]];
  return tf.customGrad((x, y) => ({
    value: tf.concat([x as tf.Tensor, y as tf.Tensor], axis),
    gradFunc: (dy) => tf.split(dy, sizes, axis),
  }))(a, b);
}
