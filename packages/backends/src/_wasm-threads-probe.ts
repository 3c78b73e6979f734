/**
 * Child-process probe for `wasm-threads.test.ts` (a tfjs backend can be initialised once per process,
 * so each thread count runs in its own process). Usage:
 *   node [--experimental-wasm-relaxed-simd] --conditions=@s2cassi/source --import tsx src/_wasm-threads-probe.ts
 *     <threads|default> [cpu] [missing-binary] [relaxed] [plain] [plain-env]
 *   ('relaxed': the test runs Node with the flag; 'plain': setupBackend's relaxedSimd: false; 'plain-env': the
 *   test sets S2CASSI_RELAXED_SIMD=0)
 * Sets up wasm (with `threads` unless 'default'), computes conv2d forward and both gradients, matMul,
 * batchMatMul, softmax, and products, erf and a transpose large enough to be split across the SIMD worker
 * pool on seeded inputs, optionally the same on cpu, writes the result as JSON to the file named by
 * `S2CASSI_PROBE_OUT` (tens of MB: a file, so the parent never has to collect it from a pipe) and then
 * prints one line, `done`. It never calls process.exit: the test checks that the process ends on its own.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { backendInfo } from './backend-info';
import { setupBackend } from './setup-backend';

const [threadsArgument = 'default', ...flags] = process.argv.slice(2);
const threads = threadsArgument === 'default' ? undefined : Number(threadsArgument);

function tensor(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(uniformArray(tf.util.sizeFromShape(shape), seed, -1, 1), shape);
}

/** Every output as a plain number array, computed on the active backend. */
function compute(): Record<string, number[]> {
  return tf.tidy(() => {
    const x = tensor([1, 32, 30, 16], 1) as tf.Tensor4D;
    const filter = tensor([3, 3, 16, 20], 2) as tf.Tensor4D;
    const weight = tensor([1, 32, 30, 20], 3); // makes the loss's gradient a non-trivial dy
    const conv = (input: tf.Tensor, f: tf.Tensor) =>
      tf.conv2d(input as tf.Tensor4D, f as tf.Tensor4D, 1, 'same');
    const [dx, dFilter] = tf.grads((input: tf.Tensor, f: tf.Tensor) =>
      tf.sum(tf.mul(conv(input, f), weight)),
    )([x, filter]);
    const a = tensor([64, 80], 4);
    const b = tensor([80, 48], 5);
    const batchA = tensor([12, 64, 10], 6);
    const batchB = tensor([12, 10, 64], 7);
    const logits = tf.mul(tensor([16, 64, 64], 8), 4);
    const outputs = {
      conv2d: conv(x, filter),
      conv2dInputGradient: dx,
      conv2dFilterGradient: dFilter,
      matMul: tf.matMul(a, b),
      batchMatMul: tf.matMul(batchA, batchB),
      softmax: tf.softmax(logits),
      // big enough for the SIMD worker pool: products split by batch and by rows (A transposed), erf
      // split by elements (not a multiple of 4), a transpose split along the moved axis
      pooledBatchMatMul: tf.matMul(tensor([48, 64, 32], 9), tensor([48, 64, 32], 10), false, true),
      pooledRowsMatMul: tf.matMul(tensor([2000, 61], 11), tensor([2000, 60], 12), true, false),
      pooledErf: tf.erf(tf.mul(tensor([100003], 13), 3)),
      pooledTranspose: tf.transpose(tensor([70001, 3, 5], 14), [1, 0, 2]),
    };
    return Object.fromEntries(Object.entries(outputs).map(([name, t]) => [name, Array.from(t.dataSync())]));
  });
}

const wasmDist = `${dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'))}/`;
const lines: string[] = [];
const choice = await setupBackend('wasm', {
  threads,
  log: (line) => lines.push(line),
  relaxedSimd: flags.includes('plain') ? false : undefined,
  // A file map whose threaded binary does not exist: the threaded module cannot start.
  wasmPaths: flags.includes('missing-binary')
    ? {
        'tfjs-backend-wasm.wasm': `${wasmDist}tfjs-backend-wasm.wasm`,
        'tfjs-backend-wasm-simd.wasm': `${wasmDist}tfjs-backend-wasm-simd.wasm`,
        'tfjs-backend-wasm-threaded-simd.wasm': `${import.meta.dirname}/no-such-file.wasm`,
      }
    : undefined,
});
const info = backendInfo();
const wasm = compute();
let cpu: Record<string, number[]> | undefined;
if (flags.includes('cpu')) {
  await tf.setBackend('cpu');
  cpu = compute();
}
const outputFile = process.env.S2CASSI_PROBE_OUT;
if (!outputFile) throw new Error('S2CASSI_PROBE_OUT must name the file the probe writes its result to');
writeFileSync(
  outputFile,
  JSON.stringify({
    choice,
    threads: info.threads,
    relaxedSimd: info.relaxedSimd,
    log: lines,
    wasm,
    cpu,
    numTensors: tf.memory().numTensors,
  }),
);
console.log('done');
