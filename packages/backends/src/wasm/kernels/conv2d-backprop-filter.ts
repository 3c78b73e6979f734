import * as tf from '@tensorflow/tfjs-core';
import {
  MAX_POOL_PARTS,
  offsetOf,
  poolParts,
  simdPoolFor,
  splitRange,
  tfjsKernels,
  type WasmBackendLike,
} from '../_simd-module';
import { WasmOps } from '../_wasm-ops';
import { type ConvAttrs, filterGradient, requireChannelsLast } from './_conv-gradient';

type Info = tf.TensorInfo;
type KernelArgs = Parameters<tf.KernelFunc>[0];
const KERNEL = 'Conv2DBackpropFilter';

/**
 * The filter gradient of a stride-1, dilation-1 NHWC convolution as one SIMD matrix product per filter tap, without
 * an im2col copy: dW[p, q] (ci x co) = Xp_pq^T dYp, where dYp is dy zero-padded to the padded input's grid
 * [batch, Hp, Wp, co] (Hp = outHeight + fh - 1, Wp = outWidth + fw - 1) and Xp_pq the zero-padded input read from
 * pixel offset p Wp + q: on that common grid a tap is a constant shift of the pixel index, so the product's inner
 * dimension runs over the batch Hp Wp grid points in place (the padding rows and columns of dYp are zeros, so reads
 * that cross a row or an image contribute nothing; a zero tail after the last image keeps them in bounds). About
 * (Hp Wp) / (outHeight outWidth) of the exact multiply-adds (1.06 at 64 x 64, 3 x 3). Each tap's product is split by
 * blocks of input channels across the worker pool.
 *
 * Returns undefined where it does not apply (stride or dilation other than 1, not float32, no in-place SIMD module):
 * the caller then uses the general formulation.
 */
export function conv2DBackpropFilterSimd(
  backend: WasmBackendLike,
  x: Info,
  dy: Info,
  info: tf.backend_util.Conv2DInfo,
): Info | undefined {
  if (
    info.strideHeight !== 1 ||
    info.strideWidth !== 1 ||
    info.dilationHeight !== 1 ||
    info.dilationWidth !== 1 ||
    x.dtype !== 'float32' ||
    dy.dtype !== 'float32'
  ) {
    return undefined;
  }
  const kernels = tfjsKernels(backend);
  if (kernels == null) return undefined;
  const [batch, height, width, channels] = x.shape;
  const [, outHeight, outWidth, outChannels] = dy.shape;
  const { filterHeight: fh, filterWidth: fw } = info;
  const { top, left } = info.padInfo;
  const hp = outHeight + fh - 1;
  const wp = outWidth + fw - 1;
  const grid = batch * hp * wp;
  const out = backend.makeOutput([fh, fw, channels, outChannels], 'float32');
  const size = fh * fw * channels * outChannels;
  if (grid === 0 || channels === 0 || outChannels === 0 || outHeight === 0 || outWidth === 0) {
    const at = offsetOf(backend, out, KERNEL) / 4;
    backend.wasm.HEAPF32.fill(0, at, at + size);
    return out;
  }
  const xp = backend.makeOutput([(grid + fh * wp + fw) * channels], 'float32');
  const dyp = backend.makeOutput([grid * outChannels], 'float32');
  try {
    const heap = backend.wasm.HEAPF32; // after the allocations (growing the heap replaces the view)
    const [px, pdy, pxp, pdyp, pout] = [x, dy, xp, dyp, out].map((t) => offsetOf(backend, t, KERNEL) / 4);
    heap.fill(0, pxp, pxp + xp.shape[0]);
    heap.fill(0, pdyp, pdyp + grid * outChannels);
    // input pixel (y, c) lands on grid point (y + top, c + left); keep those inside [0, hp) x [0, wp)
    const c0 = Math.max(0, -left);
    const c1 = Math.min(width, wp - left);
    if (c1 > c0) {
      for (let b = 0; b < batch; b++) {
        for (let y = Math.max(0, -top); y < Math.min(height, hp - top); y++) {
          const from = px + ((b * height + y) * width + c0) * channels;
          heap.copyWithin(
            pxp + ((b * hp + y + top) * wp + c0 + left) * channels,
            from,
            from + (c1 - c0) * channels,
          );
        }
      }
    }
    for (let b = 0; b < batch; b++) {
      for (let i = 0; i < outHeight; i++) {
        const from = pdy + (b * outHeight + i) * outWidth * outChannels;
        heap.copyWithin(pdyp + (b * hp + i) * wp * outChannels, from, from + outWidth * outChannels);
      }
    }
    const taps = fh * fw;
    const pool = taps * grid * channels * outChannels >= 1 << 18 ? simdPoolFor(backend.wasm) : undefined;
    // blocks of input channels per tap: enough parts for every thread, all taps in one call of at most 64 parts
    const blocks =
      pool == null
        ? 1
        : Math.max(
            1,
            Math.min(
              Math.max(pool.threads, Math.ceil(poolParts(pool) / taps)),
              Math.floor(MAX_POOL_PARTS / taps),
            ),
          );
    const ranges = splitRange(channels, blocks, 4);
    // every tap's product, split by blocks of input channels: one pool call for all of them (the parts write
    // disjoint blocks of the output), so the threads balance across taps and meet once instead of fh * fw times
    const parts: number[][] = [];
    for (let p = 0; p < fh; p++) {
      for (let q = 0; q < fw; q++) {
        const a = pxp + (p * wp + q) * channels;
        const c = pout + (p * fw + q) * channels * outChannels;
        // A = Xp_pq^T: element (ci, t) at a + ci + t channels (read transposed in place)
        for (const [i0, i1] of ranges)
          parts.push([
            (a + i0) * 4,
            pdyp * 4,
            (c + i0 * outChannels) * 4,
            i1 - i0,
            grid,
            outChannels,
            4,
            channels * 4,
          ]);
      }
    }
    if (pool == null) {
      for (const part of parts) kernels.gemm(...(part as Parameters<typeof kernels.gemm>));
    } else {
      for (let start = 0; start < parts.length; start += MAX_POOL_PARTS)
        pool.run('gemm', parts.slice(start, start + MAX_POOL_PARTS));
    }
  } finally {
    backend.disposeData(xp.dataId);
    backend.disposeData(dyp.dataId);
  }
  return out;
}

/**
 * Conv2DBackpropFilter on wasm (tfjs-backend-wasm 4.22 has none).
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

export const conv2DBackpropFilterKernel: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter,
};
