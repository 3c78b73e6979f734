import * as tf from '@tensorflow/tfjs-core';

type Info = tf.TensorInfo;
type KernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * UnsortedSegmentSum(x, segmentIds, numSegments): out[k, ...] = sum of x[i, ...] over i with
 * segmentIds[i] = k (ids outside [0, numSegments) are dropped, as on cpu). The gradient of gather, which
 * tfjs-backend-wasm 4.22 lacks.
 * A direct loop over the wasm heap: exact, O(size of x), no [n, numSegments] one-hot intermediate.
 */
function unsortedSegmentSum({ inputs, backend, attrs }: KernelArgs): Info {
  const { x, segmentIds } = inputs as { x: Info; segmentIds: Info };
  const { numSegments } = attrs as unknown as { numSegments: number };
  const wasm = backend as tf.KernelBackend & {
    makeOutput(shape: number[], dtype: tf.DataType): Info;
    typedArrayFromHeap(info: Info): tf.backend_util.TypedArray;
  };
  const idCount = tf.util.sizeFromShape(segmentIds.shape);
  const inner = tf.util.sizeFromShape(x.shape.slice(segmentIds.shape.length));
  if (idCount * inner !== tf.util.sizeFromShape(x.shape)) {
    throw new Error(
      `UnsortedSegmentSum on wasm: expected segmentIds shape to prefix x shape, got [${segmentIds.shape}] and [${x.shape}]`,
    );
  }
  const out = wasm.makeOutput([numSegments, ...x.shape.slice(segmentIds.shape.length)], x.dtype);
  // Views are taken only after makeOutput: allocating may grow the wasm heap and detach older views.
  const ids = wasm.typedArrayFromHeap(segmentIds);
  const values = wasm.typedArrayFromHeap(x);
  const result = wasm.typedArrayFromHeap(out);
  result.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const k = ids[i];
    if (k < 0 || k >= numSegments) continue;
    const from = i * inner;
    const to = k * inner;
    for (let j = 0; j < inner; j++) result[to + j] += values[from + j];
  }
  return out;
}

export const unsortedSegmentSumKernel: tf.KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum,
};
