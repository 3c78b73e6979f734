import * as tf from '@tensorflow/tfjs-core';
import type { WasmBackendLike } from './_simd-module';
import { WasmOps } from './_wasm-ops';
import { conv2DBackpropFilterSimd } from './wasm/kernels/conv2d-backprop-filter';
import { registerWasmMatmul } from './wasm-matmul';
import { registerWasmSimdKernels } from './wasm-simd-kernels';

type Info = tf.TensorInfo;
type KernelArgs = Parameters<tf.KernelFunc>[0];
type ConvAttrs = {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
};

function requireChannelsLast(kernel: string, dataFormat: string | undefined): void {
  if (dataFormat != null && dataFormat !== 'NHWC') {
    throw new Error(`${kernel} on wasm: expected dataFormat 'NHWC', got '${dataFormat}'`);
  }
}

function requireUnitDilation(kernel: string, convInfo: tf.backend_util.Conv2DInfo): void {
  if (convInfo.dilationHeight !== 1 || convInfo.dilationWidth !== 1) {
    throw new Error(
      `${kernel} on wasm: expected dilations 1, got [${convInfo.dilationHeight}, ${convInfo.dilationWidth}]`,
    );
  }
}

/**
 * dW = Conv2DBackpropFilter(x, dy): dW[p, q, ci, co] = sum_{b,i,j} x[b, i*s + p - padTop, j*s + q - padLeft, ci]
 * * dy[b, i, j, co]. Stride 1: one SIMD matrix product per filter tap ({@link conv2DBackpropFilterSimd}). Otherwise
 * computed as ONE forward conv: input transpose(x) [ci, h, w, b] (ci as the batch), filter transpose(dy)
 * [oh, ow, b, co], filter dilation = the original stride, output [ci, fh, fw, co].
 */
function conv2DBackpropFilter({ inputs, backend, attrs }: KernelArgs): Info {
  const { x, dy } = inputs as { x: Info; dy: Info };
  const a = attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
  requireChannelsLast('Conv2DBackpropFilter', a.dataFormat);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    a.filterShape,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
    false,
    'channelsLast',
  );
  const direct = conv2DBackpropFilterSimd(backend as WasmBackendLike, x, dy, info);
  if (direct != null) return direct;
  return filterGradient(new WasmOps(backend as tf.KernelBackend), x, dy, info, false);
}

/** Shared by the dense and depthwise filter gradients. */
function filterGradient(
  ops: WasmOps,
  x: Info,
  dy: Info,
  info: tf.backend_util.Conv2DInfo,
  depthwise: boolean,
): Info {
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const [batch, height, width, channels] = x.shape;
  const [, outHeight, outWidth, outChannels] = dy.shape;
  // Rows of the (padded) input that the filter gradient touches: (fh - 1) + (oh - 1) * sh + 1.
  const bottom = fh + (outHeight - 1) * sh - info.padInfo.top - height;
  const right = fw + (outWidth - 1) * sw - info.padInfo.left - width;
  let out: Info;
  if (!depthwise) {
    const input = ops.padOrCrop(
      ops.transpose(x, [3, 1, 2, 0]),
      info.padInfo.top,
      bottom,
      info.padInfo.left,
      right,
    );
    const filter = ops.transpose(dy, [1, 2, 0, 3]);
    const conv = ops.run(
      tf.Conv2D,
      { x: input, filter },
      { strides: 1, pad: 'valid', dataFormat: 'NHWC', dilations: [sh, sw] },
    );
    out = ops.transpose(conv, [1, 2, 0, 3]);
  } else {
    const multiplier = outChannels / channels;
    // Channels (b, c) of a single image; the depthwise filter is dy as [oh, ow, b*c, multiplier].
    const input = ops.padOrCrop(
      ops.reshape(ops.transpose(x, [1, 2, 0, 3]), [1, height, width, batch * channels]),
      info.padInfo.top,
      bottom,
      info.padInfo.left,
      right,
    );
    const filter = ops.reshape(
      ops.transpose(ops.reshape(dy, [batch, outHeight, outWidth, channels, multiplier]), [1, 2, 0, 3, 4]),
      [outHeight, outWidth, batch * channels, multiplier],
    );
    const conv = ops.run(
      tf.DepthwiseConv2dNative,
      { x: input, filter },
      { strides: 1, pad: 'valid', dilations: [sh, sw] },
    );
    const perImage = ops.sum(ops.reshape(conv, [fh, fw, batch, channels * multiplier]), [2]);
    out = ops.reshape(perImage, [fh, fw, channels, multiplier]);
  }
  ops.dispose(out);
  return out;
}

/**
 * dx = Conv2DBackpropInput(dy, W): the transposed convolution, computed as a forward conv of dy (with
 * stride - 1 zeros inserted when strided) and the spatially flipped filter with in/out channels swapped,
 * padded by (filter - 1 - pad). wasm's own kernel is a naive single-threaded loop (~10x slower).
 */
function conv2DBackpropInput({ inputs, backend, attrs }: KernelArgs): Info {
  const { dy, filter } = inputs as { dy: Info; filter: Info };
  const a = attrs as unknown as ConvAttrs & { inputShape: [number, number, number, number] };
  requireChannelsLast('Conv2DBackpropInput', a.dataFormat);
  const info = tf.backend_util.computeConv2DInfo(
    a.inputShape,
    filter.shape as [number, number, number, number],
    a.strides,
    a.dilations ?? 1,
    a.pad,
    a.dimRoundingMode,
    false,
    'channelsLast',
  );
  requireUnitDilation('Conv2DBackpropInput', info);
  const ops = new WasmOps(backend as tf.KernelBackend);
  const flipped = ops.transpose(ops.reverse(filter, [0, 1]), [0, 1, 3, 2]);
  const input = inputGradientInput(ops, dy, info);
  const out = ops.run(
    tf.Conv2D,
    { x: input, filter: flipped },
    { strides: 1, pad: 'valid', dataFormat: 'NHWC', dilations: 1 },
  );
  ops.dispose(out);
  return out;
}

/** dy dilated by the stride and padded/cropped so a 'valid' stride-1 conv yields exactly [b, h, w, *]. */
function inputGradientInput(ops: WasmOps, dy: Info, info: tf.backend_util.Conv2DInfo): Info {
  const dilated = ops.dilate(dy, info.strideHeight, info.strideWidth);
  const top = info.filterHeight - 1 - info.padInfo.top;
  const left = info.filterWidth - 1 - info.padInfo.left;
  const bottom = info.inHeight + info.filterHeight - 1 - top - dilated.shape[1];
  const right = info.inWidth + info.filterWidth - 1 - left - dilated.shape[2];
  return ops.padOrCrop(dilated, top, bottom, left, right);
}

/** Depthwise filter gradient: one depthwise conv over a single image whose channels are (batch, c). */
function depthwiseBackpropFilter({ inputs, backend, attrs }: KernelArgs): Info {
  const { x, dy } = inputs as { x: Info; dy: Info };
  const a = attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    a.filterShape,
    a.strides,
    a.dilations ?? 1,
    a.pad,
    a.dimRoundingMode,
    true,
    'channelsLast',
  );
  requireUnitDilation('DepthwiseConv2dNativeBackpropFilter', info);
  return filterGradient(new WasmOps(backend as tf.KernelBackend), x, dy, info, true);
}

/**
 * Depthwise input gradient: a depthwise conv of (dilated, padded) dy with the flipped filter reshaped
 * to [fh, fw, c * m, 1], then the channel multiplier summed out.
 */
function depthwiseBackpropInput({ inputs, backend, attrs }: KernelArgs): Info {
  const { dy, filter } = inputs as { dy: Info; filter: Info };
  const a = attrs as unknown as ConvAttrs & { inputShape: [number, number, number, number] };
  const info = tf.backend_util.computeConv2DInfo(
    a.inputShape,
    filter.shape as [number, number, number, number],
    a.strides,
    a.dilations ?? 1,
    a.pad,
    a.dimRoundingMode,
    true,
    'channelsLast',
  );
  requireUnitDilation('DepthwiseConv2dNativeBackpropInput', info);
  const ops = new WasmOps(backend as tf.KernelBackend);
  const [fh, fw, channels, multiplier] = filter.shape;
  const flipped = ops.reshape(ops.reverse(filter, [0, 1]), [fh, fw, channels * multiplier, 1]);
  const input = inputGradientInput(ops, dy, info);
  const conv = ops.run(
    tf.DepthwiseConv2dNative,
    { x: input, filter: flipped },
    { strides: 1, pad: 'valid', dilations: 1 },
  );
  const [batch, height, width] = a.inputShape;
  const out =
    multiplier === 1 ? conv : ops.sum(ops.reshape(conv, [batch, height, width, channels, multiplier]), [4]);
  ops.dispose(out);
  return out;
}

/**
 * Identity that shares the input's buffer (reference counted, as the cpu backend's does) instead of
 * copying it. tfjs clones (Identity) every tensor a gradient tape saves, so with the copying kernel every
 * saved activation existed twice in the wasm heap during training. No wasm kernel writes into its inputs,
 * so sharing is safe.
 */
function sharedIdentity({ inputs, backend }: KernelArgs): Info {
  const { x } = inputs as { x: Info };
  (backend as tf.KernelBackend & { incRef(dataId: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

/**
 * UnsortedSegmentSum(x, segmentIds, numSegments): out[k, ...] = sum of x[i, ...] over i with
 * segmentIds[i] = k (ids outside [0, numSegments) are dropped, as on cpu). The gradient of gather.
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

const KERNELS: tf.KernelConfig[] = [
  { kernelName: tf.Conv2DBackpropFilter, backendName: 'wasm', kernelFunc: conv2DBackpropFilter },
  { kernelName: tf.Conv2DBackpropInput, backendName: 'wasm', kernelFunc: conv2DBackpropInput },
  {
    kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
    backendName: 'wasm',
    kernelFunc: depthwiseBackpropFilter,
  },
  {
    kernelName: tf.DepthwiseConv2dNativeBackpropInput,
    backendName: 'wasm',
    kernelFunc: depthwiseBackpropInput,
  },
  { kernelName: tf.UnsortedSegmentSum, backendName: 'wasm', kernelFunc: unsortedSegmentSum },
  { kernelName: tf.Identity, backendName: 'wasm', kernelFunc: sharedIdentity },
];

/** Names of the kernels `registerWasmTrainingKernels` adds to (or replaces on) the wasm backend. */
export const WASM_TRAINING_KERNELS: readonly string[] = KERNELS.map((k) => k.kernelName);

/**
 * Registers, for backend 'wasm', the kernels training needs that tfjs-backend-wasm 4.22 lacks
 * (Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter/Input, UnsortedSegmentSum), replaces
 * its slow Conv2DBackpropInput, and replaces its copying Identity with one that shares the buffer. Each is composed from wasm kernels (Conv2D, DepthwiseConv2dNative,
 * Transpose, Reverse, PadV2, Slice, Sum, Reshape). Also replaces BatchMatMul with the SIMD one of
 * `registerWasmMatmul` (5-10x faster for batched and transposed products; `unregisterWasmMatmul` undoes it),
 * and Erf, Exp, Transpose, Sum, Slice, SplitV and Concat with the faster ones of `registerWasmSimdKernels`.
 * Idempotent; can run before or after the wasm backend is initialised, but after
 * `@tensorflow/tfjs-backend-wasm` is imported.
 */
export function registerWasmTrainingKernels(): void {
  for (const config of KERNELS) {
    const current = tf.getKernel(config.kernelName, 'wasm');
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current != null) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
  if (tf.getKernel(tf.BatchMatMul, 'wasm') != null) registerWasmMatmul();
  if (tf.getKernel(tf.Erf, 'wasm') != null) registerWasmSimdKernels();
}
