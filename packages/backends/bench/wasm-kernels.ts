// Benchmarks the wasm training kernels of @s2cassi/backends against wasm's native kernels where one
// exists (median of several runs, ms). Run:
//   npx tsx --conditions=@s2cassi/source packages/backends/bench/wasm-kernels.ts
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { registerGradients, registerWasmKernels, setupBackend } from '../src/index';

type Info = tf.TensorInfo;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function time(label: string, runs: number, fn: () => Info | tf.Tensor): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < runs + 1; i++) {
    const start = performance.now();
    const out = fn();
    const dataId = 'dataId' in out ? out.dataId : undefined;
    // Reading one value forces completion (wasm is synchronous anyway).
    if (out instanceof tf.Tensor) {
      await out.data();
      out.dispose();
    } else if (dataId) {
      tf.backend().readSync(dataId);
      tf.backend().disposeData(dataId);
    }
    if (i > 0) samples.push(performance.now() - start); // first run warms up (XNNPACK operator setup)
  }
  const m = median(samples);
  console.log(`${label.padEnd(70)} ${m.toFixed(1).padStart(9)} ms`);
  return m;
}

// Capture wasm's own Conv2DBackpropInput before it is replaced.
await tf.setBackend('wasm');
await tf.ready();
const native = tf.getKernel(tf.Conv2DBackpropInput, 'wasm');
if (native == null) throw new Error('wasm has no native Conv2DBackpropInput');
const nativeInput = native.kernelFunc;
registerGradients();
registerWasmKernels();
await setupBackend('wasm');
const backend = tf.backend();

console.log(`tfjs ${tf.version_core}, wasm, 1 thread; under load (2 shared cores)`);
for (const [size, channels, runs] of [
  [128, 60, 5],
  [256, 60, 3],
] as const) {
  const x = tf.randomNormal([1, size, size, channels]) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, channels, channels]) as tf.Tensor4D;
  const dy = tf.randomNormal([1, size, size, channels]) as tf.Tensor4D;
  const attrs = {
    strides: 1,
    pad: 'same',
    dataFormat: 'NHWC',

    inputShape: x.shape,
  };
  const shape = `3x3 ${channels}->${channels} @ ${size}x${size}`;
  await time(`conv2d forward (reference) ${shape}`, runs, () => tf.conv2d(x, w, 1, 'same'));
  const slow = await time(
    `Conv2DBackpropInput native wasm ${shape}`,
    runs,
    () => nativeInput({ inputs: { dy, filter: w }, backend, attrs }) as Info,
  );
  const fast = await time(
    `Conv2DBackpropInput @s2cassi/backends ${shape}`,
    runs,
    () => tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter: w }, attrs) as tf.Tensor,
  );
  console.log(`${''.padEnd(70)} speed-up x${(slow / fast).toFixed(1)}`);
  await time(
    `Conv2DBackpropFilter @s2cassi/backends (wasm has none) ${shape}`,
    runs,
    () =>
      tf
        .engine()
        .runKernel(tf.Conv2DBackpropFilter, { x, dy }, { ...attrs, filterShape: w.shape }) as tf.Tensor,
  );
  await time(`conv layer forward + both gradients ${shape}`, runs, () =>
    tf.tidy(() => {
      const [gx, gw] = tf.grads((a: tf.Tensor, f: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, f as tf.Tensor4D, 1, 'same'), dy)),
      )([x, w]);
      return tf.add(tf.sum(gx), tf.sum(gw));
    }),
  );
  tf.dispose([x, w, dy]);
}

{
  const x = tf.randomNormal([1, 128, 128, 240]) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, 240, 1]) as tf.Tensor4D;
  const dy = tf.randomNormal([1, 128, 128, 240]) as tf.Tensor4D;
  const attrs = { strides: 1, pad: 'same', dilations: 1 };
  const shape = 'depthwise 3x3 x240 @ 128x128';
  await time(`depthwiseConv2d forward (reference) ${shape}`, 3, () => tf.depthwiseConv2d(x, w, 1, 'same'));
  await time(
    `DepthwiseConv2dNativeBackpropInput ${shape}`,
    3,
    () =>
      tf
        .engine()
        .runKernel(
          tf.DepthwiseConv2dNativeBackpropInput,
          { dy, filter: w },
          { ...attrs, inputShape: x.shape },
        ) as tf.Tensor,
  );
  await time(
    `DepthwiseConv2dNativeBackpropFilter ${shape}`,
    3,
    () =>
      tf
        .engine()
        .runKernel(
          tf.DepthwiseConv2dNativeBackpropFilter,
          { x, dy },
          { ...attrs, filterShape: w.shape },
        ) as tf.Tensor,
  );
  tf.dispose([x, w, dy]);
}

{
  // Gradient of the relative position bias gather: table [(2M-1)^2, heads], M = 8, 6 heads, M^4 lookups.
  const values = tf.randomNormal([4096, 6]);
  const ids = tf.randomUniform([4096], 0, 225, 'int32') as tf.Tensor1D;
  await time('UnsortedSegmentSum [4096, 6] -> [225, 6]', 20, () => tf.unsortedSegmentSum(values, ids, 225));
  const big = tf.randomNormal([65536, 60]);
  const bigIds = tf.randomUniform([65536], 0, 1000, 'int32') as tf.Tensor1D;
  await time('UnsortedSegmentSum [65536, 60] -> [1000, 60]', 5, () =>
    tf.unsortedSegmentSum(big, bigIds, 1000),
  );
  tf.dispose([values, ids, big, bigIds]);
}
