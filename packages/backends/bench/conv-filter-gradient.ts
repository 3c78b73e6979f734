// The conv2d filter gradient (Conv2DBackpropFilter) on wasm: the stride-1 path (one SIMD matrix product per filter
// tap, src/wasm/kernels/conv2d-backprop-filter.ts) against the general formulation it replaces for stride 1 (one
// XNNPACK forward conv of transposed tensors, as the same kernel still does for other strides, written here with the
// same tf ops). Interleaved runs; process CPU time (both threads) and wall time, min and median, ms.
//   npx tsx --conditions=@s2cassi/source packages/backends/bench/conv-filter-gradient.ts [--threads 2] [--runs 7]
import * as tf from '@tensorflow/tfjs-core';
import { setupBackend } from '../src/index';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : fallback;
};
const threads = Number(option('--threads', '2'));
const runs = Number(option('--runs', '7'));
const choice = await setupBackend('wasm', { threads });
console.log(`backend: ${choice.backend} (${choice.reason}); node ${process.version}`);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

// [batch, size, in, out]: the demo model's first and last convs (4 x 64^2, 28 <-> 32) and the default model's (128^2, 28 <-> 60)
for (const [batch, size, inChannels, outChannels] of [
  [4, 64, 28, 32],
  [4, 64, 32, 28],
  [1, 128, 28, 60],
  [1, 128, 60, 28],
]) {
  const x = tf.randomNormal([batch, size, size, inChannels]) as tf.Tensor4D;
  const dy = tf.randomNormal([batch, size, size, outChannels]) as tf.Tensor4D;
  const variants: Record<string, () => tf.Tensor> = {
    'forward conv of transposed tensors': () =>
      tf.tidy(() => {
        const input = tf.pad(tf.transpose(x, [3, 1, 2, 0]), [
          [0, 0],
          [1, 1],
          [1, 1],
          [0, 0],
        ]) as tf.Tensor4D;
        return tf.transpose(
          tf.conv2d(input, tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D, 1, 'valid'),
          [1, 2, 0, 3],
        );
      }),
    'SIMD product per tap': () =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
        strides: 1,
        pad: 'same',
        dataFormat: 'NHWC',
        filterShape: [3, 3, inChannels, outChannels],
      } as unknown as tf.NamedAttrMap) as tf.Tensor,
  };
  const reference = variants['forward conv of transposed tensors']();
  const cpu: Record<string, number[]> = {};
  const wall: Record<string, number[]> = {};
  for (let i = 0; i <= runs; i++) {
    for (const [name, run] of Object.entries(variants)) {
      const cpuStart = process.cpuUsage();
      const start = performance.now();
      const out = run();
      out.dataSync();
      const elapsed = performance.now() - start;
      const used = process.cpuUsage(cpuStart);
      if (i === 0) {
        const difference = tf.tidy(() => tf.max(tf.abs(tf.sub(out, reference))).dataSync()[0]);
        const scale = tf.tidy(() => tf.max(tf.abs(reference)).dataSync()[0]);
        console.log(`  ${name}: max |difference| / max |dW| = ${(difference / scale).toExponential(1)}`);
      } else {
        (cpu[name] ??= []).push((used.user + used.system) / 1000);
        (wall[name] ??= []).push(elapsed);
      }
      out.dispose();
    }
  }
  console.log(`[${batch}, ${size}, ${size}, ${inChannels}] -> ${outChannels}, 3 x 3 same:`);
  for (const name of Object.keys(variants)) {
    console.log(
      `  ${name}: CPU min ${Math.min(...cpu[name]).toFixed(1)} ms, median ${median(cpu[name]).toFixed(1)} ms; wall min ${Math.min(...wall[name]).toFixed(1)} ms, median ${median(wall[name]).toFixed(1)} ms`,
    );
  }
  tf.dispose([x, dy, reference]);
}
