import * as tf from '@tensorflow/tfjs-core';
import { WasmOps } from '../_wasm-ops';
import { type ConvAttrs, filterGradient, requireUnitDilation } from './_conv-gradient';

type Info = tf.TensorInfo;
type KernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * Depthwise filter gradient (tfjs-backend-wasm 4.22 has none): one depthwise conv over a single image whose channels
 * are (batch, c), composed from wasm kernels and freeing every intermediate. NHWC, dilation 1.
 */
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

export const depthwiseConv2dNativeBackpropFilterKernel: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropFilter,
};
