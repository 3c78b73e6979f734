import * as tf from '@tensorflow/tfjs-core';
import { WasmOps } from '../_wasm-ops';
import { type ConvAttrs, inputGradientInput, requireUnitDilation } from './_conv-gradient';

type Info = tf.TensorInfo;
type KernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * Depthwise input gradient (tfjs-backend-wasm 4.22 has none): a depthwise conv of (dilated, padded) dy with the
 * flipped filter reshaped to [fh, fw, c * m, 1], then the channel multiplier summed out.
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

export const depthwiseConv2dNativeBackpropInputKernel: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropInput,
};
