// wasm in Node with 1 thread vs `setupBackend('wasm', { threads: 2 })` (median of several runs, ms).
// A tfjs backend initialises once per process, so each thread count runs in a child process that
// re-runs this file with `--child <threads>`. Run:
//   npx tsx --conditions=@s2cassi/source packages/backends/bench/wasm-threads.ts [runs=5]
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { backendInfo, setupBackend } from '../src/index';

const CASES = [
  'conv2d 3x3 [1,256,256,60] -> 60, forward',
  'conv2d input gradient (Conv2DBackpropInput)',
  'conv2d filter gradient (Conv2DBackpropFilter)',
  'batchMatMul [6144,64,10] x [6144,10,64]',
  'softmax [6144,64,64]',
] as const;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * CPU time (ms) of each thread of this process, from /proc (Linux; empty elsewhere). Wall-clock times
 * on a loaded machine say little about parallelism; the share of CPU time spent off the main thread
 * (in the pthread workers) shows whether an op was split across threads at all.
 */
function threadCpuMs(): Map<string, number> {
  const result = new Map<string, number>();
  if (!existsSync('/proc/self/task')) return result;
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      result.set(tid, (Number(fields[11]) + Number(fields[12])) * 10); // utime + stime, 100 ticks/s
    } catch {
      // the thread ended
    }
  }
  return result;
}

/**
 * Median ms over `runs` timed runs after one warm-up run (XNNPACK sets its operators up once), and
 * the fraction of the timed runs' CPU time spent outside the main thread.
 */
async function time(runs: number, fn: () => tf.Tensor): Promise<[number, number]> {
  const samples: number[] = [];
  let before = new Map<string, number>();
  for (let i = 0; i <= runs; i++) {
    if (i === 1) before = threadCpuMs();
    const start = performance.now();
    const out = fn();
    await out.data();
    out.dispose();
    if (i > 0) samples.push(performance.now() - start);
  }
  const after = threadCpuMs();
  const main = String(process.pid);
  let total = 0;
  let offMain = 0;
  for (const [tid, ms] of after) {
    const used = ms - (before.get(tid) ?? 0);
    total += used;
    if (tid !== main) offMain += used;
  }
  return [median(samples), total > 0 ? offMain / total : Number.NaN];
}

async function child(threads: number, runs: number): Promise<void> {
  await setupBackend('wasm', threads > 1 ? { threads } : {});
  const actual = backendInfo().threads;
  const x = tf.randomNormal([1, 256, 256, 60]) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, 60, 60]) as tf.Tensor4D;
  const dy = tf.randomNormal([1, 256, 256, 60]) as tf.Tensor4D;
  const attrs = {
    strides: 1,
    pad: 'same',
    dataFormat: 'NHWC',

    inputShape: x.shape,
  };
  const a = tf.randomNormal([6144, 64, 10]);
  const b = tf.randomNormal([6144, 10, 64]);
  const logits = tf.randomNormal([6144, 64, 64]);
  const medians = [
    await time(runs, () => tf.conv2d(x, w, 1, 'same')),
    await time(
      runs,
      () => tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter: w }, attrs) as tf.Tensor,
    ),
    await time(
      runs,
      () =>
        tf
          .engine()
          .runKernel(tf.Conv2DBackpropFilter, { x, dy }, { ...attrs, filterShape: w.shape }) as tf.Tensor,
    ),
    await time(runs, () => tf.matMul(a, b)),
    await time(runs, () => tf.softmax(logits)),
  ];
  tf.dispose([x, w, dy, a, b, logits]);
  console.log(
    JSON.stringify({ threads: actual, medians: medians.map((m) => m[0]), offMain: medians.map((m) => m[1]) }),
  );
}

const childIndex = process.argv.indexOf('--child');
if (childIndex >= 0) {
  await child(Number(process.argv[childIndex + 1]), Number(process.argv[childIndex + 2]));
} else {
  const runs = Number(process.argv[2] ?? 5);
  const self = fileURLToPath(import.meta.url);
  const load = () =>
    loadavg()
      .map((value) => value.toFixed(2))
      .join(' ');
  console.log(`tfjs ${tf.version_core}, wasm in Node ${process.version}, median of ${runs} runs (ms)`);
  console.log(`load average before: ${load()} (2 shared cores: numbers are taken under load)`);
  const results: { threads: number; medians: number[]; offMain: number[] }[] = [];
  for (const threads of [1, 2]) {
    const out = execFileSync(
      process.execPath,
      ['--conditions=@s2cassi/source', '--import', 'tsx', self, '--child', String(threads), String(runs)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    results.push(JSON.parse(out.toString().trim().split('\n').at(-1) ?? ''));
  }
  console.log(`load average after: ${load()}`);
  console.log(
    `${'op'.padEnd(48)} ${`${results[0].threads} thread`.padStart(10)} ${`${results[1].threads} threads`.padStart(10)}  speed-up  CPU off the main thread (1 / 2 threads)`,
  );
  const percent = (value: number) => `${(100 * value).toFixed(0)}%`;
  CASES.forEach((label, i) => {
    const [one, two] = results.map((r) => r.medians[i]);
    const [offOne, offTwo] = results.map((r) => percent(r.offMain[i]));
    console.log(
      `${label.padEnd(48)} ${one.toFixed(1).padStart(10)} ${two.toFixed(1).padStart(10)}  x${(one / two).toFixed(2).padEnd(7)}  ${offOne} / ${offTwo}`,
    );
  });
}
