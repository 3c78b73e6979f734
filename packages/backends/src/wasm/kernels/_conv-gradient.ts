import * as tf from '@tensorflow/tfjs-core';
import type { WasmOps } from '../_wasm-ops';

type Info = tf.TensorInfo;

/** The attributes of tfjs's Conv2D / DepthwiseConv2dNative gradient kernels. */
export type ConvAttrs = {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
};

export function requireChannelsLast(kernel: string, dataFormat: string | undefined): void {
  if (dataFormat != null && dataFormat !== 'NHWC') {
    throw new Error(`${kernel} on wasm: expected dataFormat 'NHWC', got '${dataFormat}'`);
  }
}

export function requireUnitDilation(kernel: string, convInfo: tf.backend_util.Conv2DInfo): void {
  if (convInfo.dilationHeight !== 1 || convInfo.dilationWidth !== 1) {
    throw new Error(
      `${kernel} on wasm: expected dilations 1, got [${convInfo.dilationHeight}, ${convInfo.dilationWidth}]`,
    );
  }
}

/** Shared by the dense and depthwise filter gradients. */
export function filterGradient(
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

/** dy dilated by the stride and padded/cropped so a 'valid' stride-1 conv yields exactly [b, h, w, *]. */
export function inputGradientInput(ops: WasmOps, dy: Info, info: tf.backend_util.Conv2DInfo): Info {
  const dilated = ops.dilate(dy, info.strideHeight, info.strideWidth);
  const top = info.filterHeight - 1 - info.padInfo.top;
  const left = info.filterWidth - 1 - info.padInfo.left;
  const bottom = info.inHeight + info.filterHeight - 1 - top - dilated.shape[1];
  const right = info.inWidth + info.filterWidth - 1 - left - dilated.shape[2];
  return ops.padOrCrop(dilated, top, bottom, left, right);
}
