/**
 * Benchmark of the default S2-Transformer (Parall-SS, K=4, L=6, C=60, T=6, M=8, N=28):
 * forward time and peak tfjs memory at 128 x 128 and 256 x 256 on wasm, at 128 x 128 on cpu, one
 * training step (forward + backward + Adam) at 128 x 128 on wasm, and a per-kernel profile.
 *
 *   npx tsx --conditions=@s2cassi/source packages/s2-attn/bench/forward.ts [--no-cpu] [--no-train] [--no-profile] [--repeat N] [--compare]
 *
 * --share-identity: registers, for this run only, a wasm Identity kernel that shares the input buffer
 * (reference counted, as the cpu backend does) instead of copying it: tfjs' gradient tape keeps a clone
 * (Identity) of every tensor it saves, so on wasm each saved tensor is a full copy. (A candidate for
 * @s2cassi/backends; it does not make the 128 x 128 step fit the 4 GiB wasm heap on its own.)
 * --threads N: wasm threads through @s2cassi/backends' Node loader (default 1). --sizes 128,256: forward sizes.
 * --checkpoint: the training step with gradient checkpointing (apply option checkpointBlocks).
 * --skip-forward: only the training step (and cpu unless --no-cpu). --train-size N: its input size (128).
 *
 * --compare-fused: forward passes at each --sizes, interleaved, with the fused LayerNorm and (spatial and spectral)
 * window attention kernels and the shape-only gradients off (FUSED_KERNELS, setLeanGradients; the fused GELU stays on)
 * and on; prints min / median wall and CPU time.
 *
 * --compare: before/after at 128 x 128, interleaved: the first implementation (one qkv matMul + split,
 * Q K^T by batched matMul) against the current defaults (three qkv matMuls, depthwise Q K^T).
 *
 * wasm runs single-threaded unless --threads: tfjs 4.22 disables wasm threads in Node; @s2cassi/backends
 * has an opt-in threaded loader.
 */
import { setupBackend } from '@s2cassi/backends';
import * as tf from '@tensorflow/tfjs-core';

type ProfileInfo = Awaited<ReturnType<typeof tf.profile>>;

import { setQkvImplementation } from '../src/_heads';
import { countMacs, countParameters, S2Transformer, setFusedKernels, setLeanGradients } from '../src/index';
import { setSpatialProductImplementation } from '../src/spatial-window-msa';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const repeatIndex = args.indexOf('--repeat');
const repeat = repeatIndex >= 0 ? Number(args[repeatIndex + 1]) : 2;
const threadsIndex = args.indexOf('--threads');
const threads = threadsIndex >= 0 ? Number(args[threadsIndex + 1]) : 1;
const sizesIndex = args.indexOf('--sizes');
const sizes = sizesIndex >= 0 ? args[sizesIndex + 1].split(',').map(Number) : [128, 256];
const trainIndex = args.indexOf('--train-size');
const trainSize = trainIndex >= 0 ? Number(args[trainIndex + 1]) : 128;

function input(size: number): tf.Tensor4D {
  return tf.randomUniform([1, size, size, 28], 0, 1, 'float32', 7) as tf.Tensor4D;
}

async function timeForward(model: S2Transformer, size: number, runs: number) {
  const x = input(size);
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    const { reconstruction } = model.apply(x);
    await reconstruction.data();
    times.push(performance.now() - start);
    reconstruction.dispose();
  }
  const profile = await tf.profile(() => {
    const { reconstruction } = model.apply(x);
    return reconstruction;
  });
  x.dispose();
  return { times, peakBytes: profile.peakBytes, profile };
}

function groupKernels(profile: ProfileInfo) {
  const groups = new Map<string, { ms: number; count: number }>();
  for (const k of profile.kernels) {
    const g = groups.get(k.name) ?? { ms: 0, count: 0 };
    g.ms += Number(k.kernelTimeMs);
    g.count++;
    groups.set(k.name, g);
  }
  const total = [...groups.values()].reduce((s, g) => s + g.ms, 0);
  return { total, rows: [...groups.entries()].sort((a, b) => b[1].ms - a[1].ms) };
}

function printProfile(title: string, profile: ProfileInfo) {
  const { total, rows } = groupKernels(profile);
  console.log(`\n${title}: kernel time ${(total / 1000).toFixed(2)} s`);
  console.log('| kernel | calls | ms | share |');
  console.log('|---|---:|---:|---:|');
  for (const [name, g] of rows.slice(0, 16)) {
    console.log(`| ${name} | ${g.count} | ${g.ms.toFixed(0)} | ${((100 * g.ms) / total).toFixed(1)} % |`);
  }
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const seconds = (times: number[]) =>
  `${(Math.min(...times) / 1000).toFixed(2)} s (runs: ${times.map((t) => (t / 1000).toFixed(2)).join(', ')})`;

const counts = countParameters();
console.log(`default model: ${counts.total} parameters (${counts.reconstructionPath} without f_h)`);
for (const size of [128, 256]) {
  console.log(`MACs at ${size}x${size}: ${(countMacs({}, size, size).total / 1e9).toFixed(2)} G`);
}

const { backend, reason } = await setupBackend('wasm', { threads });
console.log(reason);
if (flag('--share-identity')) {
  tf.registerKernel({
    kernelName: tf.Identity,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend: wasm }) => {
      const { x } = inputs as { x: tf.TensorInfo };
      (wasm as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
  console.log('wasm Identity shares buffers (bench-only)');
}
console.log(`\nbackend ${backend} (${threads} thread(s))`);
let model = new S2Transformer();
{
  // warm-up (kernel setup, heap growth)
  const x = input(64);
  model.apply(x).reconstruction.dispose();
  x.dispose();
}
if (flag('--compare')) {
  const x = input(128);
  const times: Record<string, number[]> = { before: [], after: [] };
  for (let r = 0; r < repeat + 1; r++) {
    for (const variant of ['before', 'after'] as const) {
      setQkvImplementation(variant === 'before' ? 'fused' : 'separate');
      setSpatialProductImplementation(variant === 'before' ? 'batch-matmul' : 'auto');
      const start = performance.now();
      const { reconstruction } = model.apply(x);
      await reconstruction.data();
      reconstruction.dispose();
      if (r > 0) times[variant].push(performance.now() - start);
    }
  }
  setQkvImplementation('separate');
  setSpatialProductImplementation('auto');
  for (const variant of ['before', 'after'])
    console.log(`compare 128x128 forward ${variant}: ${seconds(times[variant])}`);
  x.dispose();
}
if (flag('--compare-fused')) {
  for (const size of sizes) {
    const x = input(size);
    const wall: Record<string, number[]> = { composed: [], fused: [] };
    const cpu: Record<string, number[]> = { composed: [], fused: [] };
    for (let r = 0; r < repeat + 1; r++) {
      for (const variant of ['composed', 'fused'] as const) {
        setFusedKernels(
          variant === 'fused' ? true : { layerNorm: false, windowAttention: false, spectralAttention: false },
        );
        setLeanGradients(variant === 'fused');
        const cpuStart = process.cpuUsage();
        const start = performance.now();
        const { reconstruction } = model.apply(x);
        await reconstruction.data();
        reconstruction.dispose();
        const used = process.cpuUsage(cpuStart);
        if (r > 0) {
          wall[variant].push(performance.now() - start);
          cpu[variant].push((used.user + used.system) / 1000);
        }
      }
    }
    const peaks: Record<string, number> = {};
    for (const variant of ['composed', 'fused'] as const) {
      setFusedKernels(
        variant === 'fused' ? true : { layerNorm: false, windowAttention: false, spectralAttention: false },
      );
      setLeanGradients(variant === 'fused');
      const profile = await tf.profile(() => model.apply(x).reconstruction);
      (profile.result as tf.Tensor).dispose();
      peaks[variant] = profile.peakBytes;
    }
    setFusedKernels(true);
    setLeanGradients(true);
    for (const variant of ['composed', 'fused']) {
      const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
      console.log(
        `compare-fused forward ${size}x${size} ${variant === 'fused' ? 'fused LayerNorm + attention' : 'composed LayerNorm + attention'}: ` +
          `wall ${seconds(wall[variant])}, median ${(median(wall[variant]) / 1000).toFixed(2)} s; CPU min ${(Math.min(...cpu[variant]) / 1000).toFixed(2)} s, median ${(median(cpu[variant]) / 1000).toFixed(2)} s; peak ${mb(peaks[variant])}`,
      );
    }
    x.dispose();
  }
}
const profiles: Record<string, ProfileInfo> = {};
for (const size of flag('--skip-forward') ? [] : sizes) {
  const { times, peakBytes, profile } = await timeForward(model, size, repeat);
  // tf.profile returns the engine's one profile object, reused by the next call: keep a copy.
  profiles[size] = { ...profile, kernels: [...profile.kernels] };
  const macs = countMacs({}, size, size).total;
  console.log(
    `wasm forward ${size}x${size}: ${seconds(times)}, ${(macs / 1e9 / (Math.min(...times) / 1000)).toFixed(2)} GMAC/s, peak ${mb(peakBytes)}`,
  );
}

if (!flag('--no-train')) {
  const x = input(trainSize);
  const target = tf.randomUniform([1, trainSize, trainSize, 28], 0, 1, 'float32', 8);
  const optimizer = tf.train.adam(4e-4);
  const variables = model.trainableVariables();
  const step = () =>
    tf.tidy(() => {
      const loss = optimizer.minimize(
        () => {
          const { reconstruction, maskEncoded } = model.apply(x, {
            withIntermediate: true,
            checkpointBlocks: flag('--checkpoint'),
          });
          return tf.add(
            tf.mean(tf.abs(tf.sub(reconstruction, target))),
            tf.mul(1.5, tf.mean(tf.abs(tf.sub(maskEncoded as tf.Tensor, target)))),
          ) as tf.Scalar;
        },
        true,
        variables,
      );
      return loss?.dataSync()[0];
    });
  step(); // Adam slots
  const times: number[] = [];
  for (let r = 0; r < repeat; r++) {
    const start = performance.now();
    step();
    times.push(performance.now() - start);
  }
  const profile = await tf.profile(() => {
    step();
  });
  profiles.train = { ...profile, kernels: [...profile.kernels] };
  console.log(
    `wasm training step ${trainSize}x${trainSize} (forward + backward + Adam${flag('--checkpoint') ? ', checkpointBlocks' : ''}): ${seconds(times)}, peak ${mb(profile.peakBytes)}`,
  );
  optimizer.dispose();
  tf.dispose([x, target]);
}

if (!flag('--no-profile')) {
  if (profiles[256]) printProfile('wasm forward 256x256 per kernel', profiles[256]);
  if (profiles.train) printProfile(`wasm training step ${trainSize}x${trainSize} per kernel`, profiles.train);
}

if (!flag('--no-cpu')) {
  model.dispose();
  await setupBackend('cpu');
  model = new S2Transformer();
  const { times, peakBytes } = await timeForward(model, 128, 1);
  console.log(`\ncpu forward 128x128: ${seconds(times)}, peak ${mb(peakBytes)}`);
}
model.dispose();
