import * as tf from '@tensorflow/tfjs-core';
import { WasmOps } from '../_wasm-ops';
import {
  type ConvAttrs,
  inputGradientInput,
  requireChannelsLast,
  requireUnitDilation,
} from './_conv-gradient';

type Info = tf.TensorInfo;
type KernelArgs = Parameters<tf.KernelFunc>[0];

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

export const conv2DBackpropInputKernel: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput,
};
