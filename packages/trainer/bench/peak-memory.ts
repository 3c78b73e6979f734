// Peak memory of real training steps against estimateTrainingMemory: the data the estimate is fitted to
// (packages/trainer/bench/results/peak-memory.md). Run:
//   npx tsx --conditions=@s2cassi/source packages/trainer/bench/peak-memory.ts [--backend wasm|cpu] [--composed]
//       [--only name,name] [--threads n] [--steps 2] [--jsonl results.jsonl]
//   npx tsx --conditions=@s2cassi/source packages/trainer/bench/peak-memory.ts --from results.jsonl [--previous memory.ts]
// Every configuration runs in a fresh child process (the wasm heap only grows, so its size after the steps is the
// high-water mark of that configuration alone): `--steps` steps (the first sets up Adam's slots and the kernels),
// then one under tf.profile. Printed per configuration: the wasm heap before the steps, after them and after the
// profiled step (`HEAPU8.buffer.byteLength`: what must fit in wasm32's 4 GiB), the bytes malloc'd from JavaScript at
// their peak and the highest address they reached (the heap lies above by malloc's fragmentation and emscripten's
// growth step), tf.profile's peakBytes (the peak of tf.memory().numBytes, which counts every tensor object, so views
// that share a buffer, reshapes and clones, count twice), the bytes held before a step (weights, Adam's moments) and
// the estimate (the bench runs without the memory check: here the real heap decides).
// --composed: wasm with the fused kernels off, the op graph of cpu, webgl, webgpu and tensorflow (cpu's tf.profile
// peaks agree within 2 %, at a fraction of cpu's time). --jsonl: appends each result as a JSON line. --from: prints
// recorded results against today's estimate, and against another version of src/memory.ts with --previous
// (e.g. `git show <commit>:packages/trainer/src/memory.ts > /tmp/memory.ts`). `--child name` runs one configuration
// in this process.

import { execSync, spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setupBackend } from '@s2cassi/backends';
import { setFusedKernels } from '@s2cassi/s2-attn';
import * as tf from '@tensorflow/tfjs-core';
import {
  deepMerge,
  preset,
  resolveConfig,
  syntheticSceneSource,
  Trainer,
  type TrainerConfig,
} from '../src/index';
import { estimateTrainingMemory } from '../src/memory';
import { loadConfiguredMask } from '../src/node';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : fallback;
};
const backend = option('--backend', 'wasm');
const threads = args.includes('--threads') ? Number(option('--threads', '1')) : undefined;
/** Steps before the profiled one (the first sets up Adam's slots and the kernels). */
const steps = Number(option('--steps', '2'));
/** wasm with the fused kernels off: the op graph of the backends that have none (cpu, webgl, webgpu, tensorflow). */
const composed = args.includes('--composed');

/** apps/demo-model/configs/v3-l1.json: Parall-SS K2 L2 C32 T4 M8, batch 4 x 64^2. */
function demo(): TrainerConfig {
  const file = resolve(import.meta.dirname, '../../../apps/demo-model/configs/v3-l1.json');
  return resolveConfig(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>);
}
const paper = () => preset('paper');
const cpuSmall = () => preset('cpu-small');

type Override = Record<string, unknown>;
const crop = (cropSize: number, batchSize: number, checkpointBlocks?: boolean | number): Override => ({
  data: { cropSize },
  training: { batchSize, ...(checkpointBlocks === undefined ? {} : { checkpointBlocks }) },
});

/** The configurations that train on wasm at the sizes users train at (the demo model, cpu-small, variations). */
const SMALL: Record<string, [() => TrainerConfig, Override]> = {
  'demo b4 64^2': [demo, {}],
  'demo b8 64^2': [demo, crop(64, 8)],
  'demo b4 64^2 ckpt 1/4': [demo, crop(64, 4, 1)],
  'demo b4 64^2 ckpt 2/4': [demo, crop(64, 4, 2)],
  'demo b4 64^2 ckpt 3/4': [demo, crop(64, 4, 3)],
  'demo b4 64^2 ckpt all': [demo, crop(64, 4, true)],
  'cpu-small b2 64^2': [cpuSmall, {}],
  'cpu-small C56 b2 64^2': [cpuSmall, { model: { embeddingDim: 56 } }],
  'cpu-small M4 b2 64^2': [cpuSmall, { model: { windowSize: 4 } }],
  'cpu-small T2 b2 64^2': [cpuSmall, { model: { heads: 2 } }],
  'cpu-small L4 b2 64^2': [cpuSmall, { model: { blocksPerStage: 4 } }],
  'cpu-small L4 b2 64^2 ckpt all': [cpuSmall, { model: { blocksPerStage: 4 }, ...crop(64, 2, true) }],
};

/**
 * name -> [base, override]. wasm: SMALL and the default model at 128^2; composed (wasm without the fused kernels,
 * whose peaks are about twice as high): SMALL and the default model at 64^2; cpu (slow): small crops.
 */
const CONFIGURATIONS: Record<string, Record<string, [() => TrainerConfig, Override]>> = {
  wasm: {
    ...SMALL,
    'default b1 128^2 ckpt all': [paper, crop(128, 1, true)],
    'default b1 128^2 ckpt 12/24': [paper, crop(128, 1, 12)],
    'default b1 128^2 no ckpt': [paper, crop(128, 1)],
    // What the refusal of batch 2 without checkpointing suggests, and the paper's crop size.
    'default b2 128^2 ckpt 6/24': [paper, crop(128, 2, 6)],
    'default b2 128^2 ckpt 7/24': [paper, crop(128, 2, 7)],
    'default b1 256^2 ckpt all': [paper, crop(256, 1, true)],
  },
  composed: {
    ...SMALL,
    'default b1 64^2 ckpt all': [paper, crop(64, 1, true)],
    'default b1 64^2 ckpt 12/24': [paper, crop(64, 1, 12)],
    'default b1 64^2 no ckpt': [paper, crop(64, 1)],
  },
  cpu: {
    'demo b4 32^2': [demo, crop(32, 4)],
    'demo b4 32^2 ckpt all': [demo, crop(32, 4, true)],
    'cpu-small b2 32^2': [cpuSmall, crop(32, 2)],
    'cpu-small C56 b2 32^2': [cpuSmall, { model: { embeddingDim: 56 }, ...crop(32, 2) }],
    'cpu-small M4 b2 32^2': [cpuSmall, { model: { windowSize: 4 }, ...crop(32, 2) }],
    'default b1 16^2 no ckpt': [paper, crop(16, 1)],
    'default b1 16^2 ckpt 12/24': [paper, crop(16, 1, 12)],
    'default b1 16^2 ckpt all': [paper, crop(16, 1, true)],
  },
};
const configurations = CONFIGURATIONS[composed ? 'composed' : backend];

interface Result {
  name: string;
  /** wasm, composed (wasm without the fused kernels) or cpu. */
  variant: 'wasm' | 'composed' | 'cpu';
  threads?: number;
  commit?: string;
  heapBeforeMiB?: number;
  heapAfterStepsMiB?: number;
  heapAfterProfileMiB?: number;
  mallocPeakMiB?: number;
  mallocTopMiB?: number;
  profilePeakMiB: number;
  heldMiB: number;
  estimateMiB: number;
  parameters: number;
  stepSeconds: number;
}

const MiB = 2 ** 20;
const round = (bytes: number) => Math.round((10 * bytes) / MiB) / 10;

interface WasmModule {
  HEAPU8: Uint8Array;
  _malloc: (bytes: number) => number;
  _free: (pointer: number) => void;
}
function wasmModule(): WasmModule | undefined {
  return (tf.backend() as unknown as { wasm?: WasmModule }).wasm;
}
function wasmHeapBytes(): number | undefined {
  return wasmModule()?.HEAPU8.buffer.byteLength;
}

/**
 * Bytes malloc'd from JavaScript (tensor buffers and the kernels' scratch arrays: every buffer once, however
 * many tensor objects view it): the live bytes, their peak since the last reset, and the highest address in use
 * (its end). The heap's high-water mark lies above that peak by malloc's fragmentation (the highest address in
 * use) and emscripten's growth step (+20 % of the heap, at most +96 MiB). Pointers as unsigned numbers (tfjs
 * reads them with `>>> 0`; above 2 GiB the raw i32 is negative).
 */
const live = { bytes: 0, peak: 0, top: 0, sizes: new Map<number, number>() };
function trackMalloc(module: WasmModule): void {
  const malloc = module._malloc;
  const free = module._free;
  module._malloc = (bytes: number) => {
    const pointer = malloc(bytes);
    live.sizes.set(pointer >>> 0, bytes);
    live.bytes += bytes;
    live.peak = Math.max(live.peak, live.bytes);
    live.top = Math.max(live.top, (pointer >>> 0) + bytes);
    return pointer;
  };
  module._free = (pointer: number) => {
    live.bytes -= live.sizes.get(pointer >>> 0) ?? 0;
    live.sizes.delete(pointer >>> 0);
    free(pointer);
  };
}

async function measure(name: string): Promise<Result> {
  const entry = configurations?.[name];
  if (composed) setFusedKernels(false);
  if (!entry) throw new Error(`unknown configuration '${name}' for ${backend}`);
  const [base, override] = entry;
  const config = deepMerge(base(), {
    ...override,
    backend,
    validation: { everyEpochs: 0 },
  }) as TrainerConfig;
  await setupBackend(backend as 'wasm' | 'cpu', threads === undefined ? {} : { threads });
  const module = wasmModule();
  if (module) trackMalloc(module);
  const side = Math.max(config.data.cropSize, 64);
  const trainer = await Trainer.create({
    config,
    source: syntheticSceneSource({
      trainScenes: 1,
      validationScenes: 0,
      height: side,
      width: side,
      bandCount: config.model.bandCount,
      seed: 1,
    }),
    mask: await loadConfiguredMask(config),
    skipMemoryCheck: true,
  });
  const heapBefore = wasmHeapBytes();
  let stepSeconds = 0;
  for (let i = 0; i < steps; i++) {
    const start = performance.now();
    await trainer.trainStep();
    stepSeconds = (performance.now() - start) / 1000;
  }
  const heapAfterSteps = wasmHeapBytes();
  const held = tf.memory().numBytes;
  const profile = await tf.profile(async () => void (await trainer.trainStep()));
  const heapAfterProfile = wasmHeapBytes();
  const parameters = trainer.model.parameterCount();
  // Without the fused kernels, estimated as for a backend that has none.
  const estimate = estimateTrainingMemory(config, parameters, composed ? 'cpu' : backend).peakBytes;
  trainer.dispose();
  const mib = (bytes: number | undefined) => (bytes === undefined ? undefined : round(bytes));
  return {
    name,
    variant: composed ? 'composed' : (backend as 'wasm' | 'cpu'),
    threads,
    heapBeforeMiB: mib(heapBefore),
    heapAfterStepsMiB: mib(heapAfterSteps),
    heapAfterProfileMiB: mib(heapAfterProfile),
    mallocPeakMiB: module ? round(live.peak) : undefined,
    mallocTopMiB: module ? round(live.top) : undefined,
    profilePeakMiB: round(profile.peakBytes),
    heldMiB: round(held),
    estimateMiB: round(estimate),
    parameters,
    stepSeconds: Math.round(stepSeconds * 10) / 10,
  };
}

const RESULT = 'PEAK-MEMORY-RESULT ';

/** The commit measured (with `+` when the working tree differs from it). */
function commit(): string {
  try {
    const head = execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
    const dirty = execSync('git status --porcelain --untracked-files=no', { encoding: 'utf8' }).trim();
    return dirty ? `${head}+` : head;
  } catch {
    return 'unknown';
  }
}

/** The configuration a result was measured on, as the estimate sees it. */
function configOf(r: Result): TrainerConfig {
  const entry = CONFIGURATIONS[r.variant]?.[r.name];
  if (!entry) throw new Error(`unknown configuration '${r.name}' (${r.variant})`);
  const [base, override] = entry;
  return deepMerge(base(), override) as TrainerConfig;
}

type Estimate = typeof estimateTrainingMemory;

/**
 * One row per result, against today's estimate (and `previous`'s, another version of src/memory.ts): on wasm the
 * estimate models the heap's high-water mark (after the profiled step); without the fused kernels and on cpu,
 * tf.profile's peak (estimated as for a backend without them).
 */
function printTable(results: Result[], previous?: Estimate): void {
  console.log(
    `\n| configuration | run | parameters | wasm heap before / after the steps / after profile (MiB) | malloc live peak / top (MiB) | tf.profile peak (MiB) | held (MiB) | estimate recorded (MiB) |${previous ? ' previous estimate (MiB) |' : ''} estimate now (MiB) | now / measured | step (s) |`,
  );
  console.log(`|---|---|---:|---:|---:|---:|---:|---:|${previous ? '---:|' : ''}---:|---:|---:|`);
  const mib = (estimate: Estimate, r: Result) =>
    round(estimate(configOf(r), r.parameters, r.variant === 'wasm' ? 'wasm' : 'cpu').peakBytes);
  for (const r of results) {
    const measured = r.variant === 'wasm' ? (r.heapAfterProfileMiB ?? r.profilePeakMiB) : r.profilePeakMiB;
    const now = mib(estimateTrainingMemory, r);
    console.log(
      `| ${r.name} | ${r.variant}${r.threads ? ` ${r.threads} threads` : ''} ${r.commit ?? ''} | ${r.parameters} | ` +
        `${r.heapAfterStepsMiB === undefined ? '-' : `${r.heapBeforeMiB} / ${r.heapAfterStepsMiB} / ${r.heapAfterProfileMiB}`} | ` +
        `${r.mallocPeakMiB === undefined ? '-' : `${r.mallocPeakMiB} / ${r.mallocTopMiB}`} | ${r.profilePeakMiB} | ${r.heldMiB} | ` +
        `${r.estimateMiB} |${previous ? ` ${mib(previous, r)} |` : ''} ${now} | ${(now / measured).toFixed(2)} | ${r.stepSeconds} |`,
    );
  }
}

const jsonl = args.includes('--jsonl') ? option('--jsonl', '') : undefined;
if (args.includes('--child')) {
  const result = await measure(option('--child', ''));
  console.log(RESULT + JSON.stringify(result));
} else if (args.includes('--from')) {
  const lines = readFileSync(option('--from', ''), 'utf8').split('\n');
  const previous = args.includes('--previous')
    ? (
        (await import(pathToFileURL(resolve(option('--previous', ''))).href)) as {
          estimateTrainingMemory: Estimate;
        }
      ).estimateTrainingMemory
    : undefined;
  printTable(
    lines.filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as Result),
    previous,
  );
} else {
  const all = Object.keys(configurations ?? {});
  if (all.length === 0) throw new Error(`no configurations for backend ${backend} (wasm, cpu)`);
  const names = args.includes('--only') ? option('--only', '').split(',') : all;
  console.log(
    `backend ${backend}${composed ? ' without the fused kernels' : ''}${threads ? `, ${threads} thread(s)` : ''}, ` +
      `${steps} step(s) before the profiled one, node ${process.version}, commit ${commit()}`,
  );
  const results: Result[] = [];
  for (const name of names) {
    const measured = commit();
    const child = spawnSync(
      process.execPath,
      [
        ...process.execArgv,
        process.argv[1],
        '--child',
        name,
        '--backend',
        backend,
        ...(threads ? ['--threads', String(threads)] : []),
        ...(composed ? ['--composed'] : []),
        '--steps',
        String(steps),
      ],
      { encoding: 'utf8', maxBuffer: 64 * MiB },
    );
    const line = child.stdout.split('\n').find((l) => l.startsWith(RESULT));
    if (!line) {
      console.log(
        `${name}: failed (exit ${child.status}): ${child.stderr.trim().split('\n').slice(-3).join(' / ')}`,
      );
      continue;
    }
    const result = { ...(JSON.parse(line.slice(RESULT.length)) as Result), commit: measured };
    console.log(`${name}: ${JSON.stringify(result)}`);
    if (jsonl) appendFileSync(jsonl, `${JSON.stringify(result)}\n`);
    results.push(result);
  }
  printTable(results);
}
