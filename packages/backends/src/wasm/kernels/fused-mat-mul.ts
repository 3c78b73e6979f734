import * as tf from '@tensorflow/tfjs-core';
import type { WasmBackendLike } from '../_simd-module';
import { WasmOps } from '../_wasm-ops';
import { fallback } from './_replaced-kernel';
import { runProduct, wasmMatmulMode } from './batch-mat-mul';

type Info = tf.TensorInfo;
type KernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * tfjs-backend-wasm's `_FusedMatMul` (x W + b, what @s2cassi/s2-attn's linear layers with a bias run) on the SIMD
 * matrix kernel of ./batch-mat-mul.ts instead of XNNPACK's fully-connected operator: each row of the output
 * starts as the bias and the product is accumulated onto it (`gemmBias`, scripts/wasm/matmul.mjs), split by rows
 * across the worker pool in Node. Covered: float32, no activation (`linear`), A not transposed, batch 1 on both
 * sides, a bias of n values (shape [n], or with leading 1s), in tfjs's own memory. Everything else (activations,
 * PReLU weights, a transposed A, batches, other bias shapes) goes to the original kernel unchanged.
 */
function _fusedMatMul(args: KernelArgs): Info {
  const backend = args.backend as WasmBackendLike;
  const { a, b, bias, preluActivationWeights } = args.inputs as {
    a: Info;
    b: Info;
    bias?: Info;
    preluActivationWeights?: Info;
  };
  const { transposeA, transposeB, activation } = args.attrs as unknown as {
    transposeA: boolean;
    transposeB: boolean;
    activation?: string;
  };
  const ra = a.shape.length;
  const rb = b.shape.length;
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const k = a.shape[ra - 1];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  const covered =
    a.dtype === 'float32' &&
    b.dtype === 'float32' &&
    ra >= 2 &&
    rb >= 2 &&
    !transposeA &&
    (activation == null || activation === 'linear') &&
    preluActivationWeights == null &&
    outerA.every((d) => d === 1) &&
    outerB.every((d) => d === 1) &&
    (transposeB ? b.shape[rb - 1] : b.shape[rb - 2]) === k &&
    (bias == null ||
      (bias.dtype === 'float32' && tf.util.sizeFromShape(bias.shape) === n && bias.shape.at(-1) === n)) &&
    a.shape[ra - 2] * k * n > 0 &&
    wasmMatmulMode(backend as unknown as tf.KernelBackend) === 'in-place';
  if (!covered) return fallback(tf._FusedMatMul, args);
  const m = a.shape[ra - 2];
  const ops = new WasmOps(backend);
  const b2 = transposeB ? ops.transpose(ops.reshape(b, [n, k]), [1, 0]) : b;
  const rank = Math.max(ra, rb);
  const out = backend.makeOutput([...new Array(rank - 2).fill(1), m, n], 'float32');
  runProduct(backend, { a, b: b2, out, batchA: 1, batchB: 1, m, k, n, transposeA: false, bias });
  ops.dispose(out);
  return out;
}

/** Replaces tfjs-backend-wasm's `_FusedMatMul` (registered by `registerWasmKernels`, see SIMD_KERNELS there). */
export const fusedMatMulKernel: tf.KernelConfig = {
  kernelName: tf._FusedMatMul,
  backendName: 'wasm',
  kernelFunc: _fusedMatMul,
};
