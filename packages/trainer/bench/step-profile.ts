/**
 * Per-kernel profile of one training step (issue 16): where the time goes per kernel name, split into the
 * forward pass, the backward pass, the checkpointed blocks' recomputation (inside the backward pass) and the
 * rest (gradient clipping, Adam), and where the memory goes (tf.profile's peak of tf.memory().numBytes).
 *
 *   npx tsx --conditions=@s2cassi/source packages/trainer/bench/step-profile.ts [--threads 2] [--only demo|default]
 *       [--steps 3] [--top 25] [--shapes] [--fused all|gelu] [--compare] [--no-profile]
 *
 * --fused gelu: only the fused GELU (the state before issue 16: LayerNorm and both attentions composed, tf's own
 * gradients for adds, reshapes and window permutations);
 * --fused spatial: GELU, LayerNorm and the spatial window attention fused, the spectral attention composed, tf's own
 * gradients; --fused kernels: every fused kernel, tf's own gradients;
 * default all (every fused kernel the backend has, see FUSED_KERNELS in @s2cassi/s2-attn, and the shape-only
 * gradients, setLeanGradients, and the eager backpropagation, setEagerBackprop); --fused lazy: all of that with tfjs's
 * own backpropagation (which keeps every saved tensor and every gradient to the end). The conv filter gradient's stride-1 path is in every variant (not switchable).
 * --compare [list]: timed steps alternate between the variants of the comma-separated list (default gelu,all; same
 * trainer, same process, interleaved so that load from other processes hits all alike); each is printed, then the
 * profile of each.
 *
 * Configurations (synthetic 28-band scenes, the standard mask, the trainer's real step):
 * - demo: apps/demo-model/configs/v3-l1.json's model and batch (Parall-SS K2 L2 C32 T4 M8, batch 4 x 64^2, L1).
 * - default: the paper model (K4 L6 C60 T6 M8) at batch 1 x 128^2, no checkpointing (`--checkpoint N`: the first N
 *   blocks).
 *
 * Timing: `--steps` timed steps after one warm-up (wall time and process CPU time, min and median), then one
 * step under tf.profile (kernel times are wall times of each kernel call; a profiled step is slower than an
 * unprofiled one). Rows whose name is not a registered kernel (customGrad scopes such as the checkpointed
 * blocks) contain other rows' time and are listed apart, not summed. Memory: peak tf.memory().numBytes during
 * the step, and that peak per channel, pixel and block in floats (issue 16: "~350 floats per channel per pixel
 * per block").
 */
import { backendInfo, setEagerBackprop, setupBackend } from '@s2cassi/backends';
import { setFusedKernels, setLeanGradients } from '@s2cassi/s2-attn';
import * as tf from '@tensorflow/tfjs-core';
import { Trainer, type TrainerConfig } from '../src/index';
import { loadConfiguredMask } from '../src/node';
import { defaultConfig, demoConfig, option, sceneSource } from './_configs';

const args = process.argv.slice(2);
const threads = Number(option('--threads', '2'));
const steps = Number(option('--steps', '3'));
const top = Number(option('--top', '25'));
const only = args.includes('--only') ? option('--only', '') : undefined;
type Variant = 'gelu' | 'spatial' | 'kernels' | 'lazy' | 'all';
const VARIANT_NAMES: Record<Variant, string> = {
  gelu: 'GELU only',
  spatial: 'all but the spectral attention, tf gradients',
  kernels: 'all kernels, tf gradients',
  lazy: "all, shape-only gradients, tf's backpropagation",
  all: 'all, shape-only gradients, eager backpropagation',
};
const compare = args.includes('--compare');
const compareList = option('--compare', '');
const variants: Variant[] = compare
  ? compareList !== '' && !compareList.startsWith('--')
    ? (compareList.split(',') as Variant[])
    : ['gelu', 'all']
  : [option('--fused', 'all') as Variant];
for (const v of variants) if (!(v in VARIANT_NAMES)) throw new Error(`unknown variant ${v}`);
function useVariant(variant: Variant) {
  setLeanGradients(variant === 'all' || variant === 'lazy');
  setEagerBackprop(variant === 'all');
  setFusedKernels(
    variant === 'all' || variant === 'lazy' || variant === 'kernels'
      ? true
      : {
          gelu: true,
          layerNorm: variant === 'spatial',
          windowAttention: variant === 'spatial',
          spectralAttention: false,
        },
  );
}

type Phase = 'forward' | 'backward' | 'recompute' | 'other';
const PHASES: Phase[] = ['forward', 'backward', 'recompute', 'other'];

interface Engine {
  gradients: (...a: unknown[]) => unknown;
  state: { activeProfile: { kernels: unknown[] }; profiling: boolean };
}
const engine = tf.engine() as unknown as Engine;

/**
 * Phase transitions while profiling: [index of the next profiled kernel, phase from there on]. The outermost
 * tf.variableGrads (engine.gradients) runs f (forward) then backpropagates; a gradients call inside the
 * backward pass (gradient checkpointing) runs f again (recompute).
 */
let transitions: Array<[number, Phase]> = [];
let depth = 0;
let phase: Phase = 'other';
/** tf.memory().numBytes when the outermost forward pass ends (what the tape holds for the backward pass). */
let forwardEndBytes = 0;
/** Bytes the tape keeps for the backward pass at the end of the outermost forward pass, by kernel name. */
let tapeBytes = new Map<string, number>();
interface TapeNode {
  kernelName: string;
  saved?: tf.Tensor[];
}
function measureTape() {
  forwardEndBytes = tf.memory().numBytes;
  tapeBytes = new Map();
  const seen = new Set<object>();
  const tape = (engine.state as unknown as { activeTape?: TapeNode[] }).activeTape ?? [];
  for (const node of tape) {
    for (const t of node.saved ?? []) {
      if (t.isDisposed || seen.has(t.dataId)) continue;
      seen.add(t.dataId);
      tapeBytes.set(node.kernelName, (tapeBytes.get(node.kernelName) ?? 0) + t.size * 4);
    }
  }
}
function mark(next: Phase) {
  if (!engine.state.profiling) return;
  if (next === 'backward' && depth === 1) measureTape();
  phase = next;
  transitions.push([engine.state.activeProfile.kernels.length, next]);
}
// Installed after setupBackend (which puts @s2cassi/backends' eager backpropagation on the engine).
let originalGradients: Engine['gradients'];
const profiledGradients = function (this: unknown, f: unknown, ...rest: unknown[]) {
  const outer = phase;
  depth++;
  const wrapped = () => {
    mark(depth === 1 ? 'forward' : 'recompute');
    const y = (f as () => unknown)();
    mark(depth === 1 ? 'backward' : outer);
    return y;
  };
  try {
    return originalGradients.call(this, wrapped, ...rest);
  } finally {
    depth--;
    mark(depth === 0 ? 'other' : outer);
  }
} as Engine['gradients'];

/** Bytes of the wasm heap (it only grows: its size is the high-water mark of the process so far). */
function wasmHeapBytes(): number | undefined {
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return backend.wasm?.HEAPU8?.buffer.byteLength;
}

type ProfileInfo = Awaited<ReturnType<typeof tf.profile>>;
type KernelRecord = ProfileInfo['kernels'][number];

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

async function profileConfig(label: string, config: TrainerConfig): Promise<void> {
  const trainer = await Trainer.create({
    config,
    source: sceneSource(config),
    mask: await loadConfiguredMask(config),
  });
  const { model, training, data } = config;
  console.log(
    `\n## ${label}: ${model.blockType} K${model.stageCount} L${model.blocksPerStage} C${model.embeddingDim} T${model.heads} M${model.windowSize}, ` +
      `batch ${training.batchSize} x ${data.cropSize}^2${training.checkpointBlocks ? ', checkpointBlocks' : ''}, ` +
      `${trainer.model.parameterCount()} parameters, backend ${tf.getBackend()} ${backendInfo().threads ?? 1} thread(s)`,
  );
  for (const variant of variants) {
    useVariant(variant);
    await trainer.trainStep(); // warm-up: Adam slots, kernel set-up, heap growth
  }
  const wall: Record<string, number[]> = { gelu: [], spatial: [], kernels: [], lazy: [], all: [] };
  const cpu: Record<string, number[]> = { gelu: [], spatial: [], kernels: [], lazy: [], all: [] };
  for (let i = 0; i < steps; i++) {
    for (const variant of variants) {
      useVariant(variant);
      const cpuStart = process.cpuUsage();
      const start = performance.now();
      await trainer.trainStep();
      wall[variant].push((performance.now() - start) / 1000);
      const used = process.cpuUsage(cpuStart);
      cpu[variant].push((used.user + used.system) / 1e6);
    }
  }
  const heap = wasmHeapBytes();
  if (heap !== undefined)
    console.log(`wasm heap after the timed steps: ${mib(heap)} (it only grows: the high-water mark)`);
  for (const variant of variants) {
    const w = wall[variant];
    const c = cpu[variant];
    console.log(
      `step (fused ${VARIANT_NAMES[variant]}): wall min ${Math.min(...w).toFixed(3)} s, median ${quantile(w, 0.5).toFixed(3)} s ` +
        `(${w.map((s) => s.toFixed(3)).join(', ')}); CPU min ${Math.min(...c).toFixed(3)} s, median ${quantile(c, 0.5).toFixed(3)} s; ` +
        `${(training.batchSize / Math.min(...w)).toFixed(2)} samples/s at the min wall, ${(training.batchSize / quantile(w, 0.5)).toFixed(2)} at the median`,
    );
  }
  if (!args.includes('--no-profile'))
    for (const variant of variants) await profileStep(trainer, config, variant);
  trainer.dispose();
}

async function profileStep(trainer: Trainer, config: TrainerConfig, variant: Variant): Promise<void> {
  useVariant(variant);
  const { model, training, data } = config;
  const pixels = training.batchSize * data.cropSize * data.cropSize;
  const blocks = model.stageCount * model.blocksPerStage;
  console.log(`\n### profile, fused ${VARIANT_NAMES[variant]}`);
  transitions = [];
  const before = tf.memory().numBytes;
  const profile = await tf.profile(async () => {
    await trainer.trainStep();
  });
  const kernels: KernelRecord[] = [...profile.kernels];
  const phaseOf = (index: number) => {
    let current: Phase = 'other';
    for (const [at, p] of transitions) {
      if (at > index) break;
      current = p;
    }
    return current;
  };
  const backend = tf.getBackend();
  const rows = new Map<string, { calls: number; ms: Record<Phase, number>; composite: boolean }>();
  const shapes = new Map<string, number>();
  kernels.forEach((k, i) => {
    const composite = tf.getKernel(k.name, backend) == null;
    const row = rows.get(k.name) ?? {
      calls: 0,
      ms: { forward: 0, backward: 0, recompute: 0, other: 0 },
      composite,
    };
    row.calls++;
    row.ms[phaseOf(i)] += Number(k.kernelTimeMs) || 0;
    rows.set(k.name, row);
    if (!composite) {
      const key = `${k.name} ${JSON.stringify(k.inputShapes)} [${phaseOf(i)}]`;
      shapes.set(key, (shapes.get(key) ?? 0) + (Number(k.kernelTimeMs) || 0));
    }
  });
  const totals: Record<Phase, number> = { forward: 0, backward: 0, recompute: 0, other: 0 };
  for (const row of rows.values()) if (!row.composite) for (const p of PHASES) totals[p] += row.ms[p];
  const sum = PHASES.reduce((s, p) => s + totals[p], 0);
  const peak = profile.peakBytes;
  console.log(
    `profiled step: kernel time ${(sum / 1000).toFixed(3)} s = forward ${(totals.forward / 1000).toFixed(3)} + backward ${(totals.backward / 1000).toFixed(3)} ` +
      `+ recompute ${(totals.recompute / 1000).toFixed(3)} + other ${(totals.other / 1000).toFixed(3)}; ${kernels.length} kernel calls`,
  );
  console.log(
    `memory: peak tf.memory().numBytes ${mib(peak)} (${mib(before)} held before the step: weights, Adam, data); ` +
      `(peak - held) / (pixels x C x blocks) = ${((peak - before) / 4 / (pixels * model.embeddingDim * blocks)).toFixed(0)} floats per channel, pixel and block`,
  );
  console.log(
    `memory held at the end of the forward pass (the tape): ${mib(forwardEndBytes)}, ` +
      `${((forwardEndBytes - before) / 4 / (pixels * model.embeddingDim * blocks)).toFixed(0)} floats per channel, pixel and block`,
  );
  const perUnit = 4 * pixels * model.embeddingDim * blocks;
  console.log(
    'tensors saved for the gradient, by the kernel that saved them (each buffer counted once), floats per channel, pixel and block:',
  );
  console.log(
    `  ${[...tapeBytes.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 14)
      .map(([name, b]) => `${name || '(customGrad)'} ${(b / perUnit).toFixed(1)}`)
      .join(', ')}`,
  );
  console.log('\n| kernel | calls | forward ms | backward ms | recompute ms | other ms | total ms | share |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  const sorted = [...rows.entries()]
    .filter(([, r]) => !r.composite)
    .map(([name, r]) => [name, r, PHASES.reduce((s, p) => s + r.ms[p], 0)] as const)
    .sort((a, b) => b[2] - a[2]);
  for (const [name, r, total] of sorted.slice(0, top)) {
    console.log(
      `| ${name} | ${r.calls} | ${PHASES.map((p) => r.ms[p].toFixed(0)).join(' | ')} | ${total.toFixed(0)} | ${((100 * total) / sum).toFixed(1)} % |`,
    );
  }
  const rest = sorted.slice(top);
  if (rest.length > 0) {
    const restMs = rest.reduce((s, [, , t]) => s + t, 0);
    console.log(
      `| (${rest.length} more kernels) | ${rest.reduce((s, [, r]) => s + r.calls, 0)} | | | | | ${restMs.toFixed(0)} | ${((100 * restMs) / sum).toFixed(1)} % |`,
    );
  }
  const composites = [...rows.entries()].filter(([, r]) => r.composite);
  if (composites.length > 0) {
    console.log('\nscopes that contain other kernels (not summed above):');
    for (const [name, r] of composites)
      console.log(
        `  ${name || '(unnamed)'}: ${r.calls} calls, ${PHASES.map((p) => `${p} ${r.ms[p].toFixed(0)} ms`).join(', ')}`,
      );
  }
  if (args.includes('--shapes')) {
    console.log('\nslowest kernel shapes:');
    for (const [key, ms] of [...shapes.entries()].sort((a, b) => b[1] - a[1]).slice(0, top))
      console.log(`  ${ms.toFixed(0).padStart(6)} ms  ${key}`);
  }
}

const choice = await setupBackend('wasm', { threads });
originalGradients = engine.gradients;
engine.gradients = profiledGradients;
console.log(`backend: ${choice.backend} (${choice.reason})`);
console.log(`node ${process.version}, ${(await import('node:os')).cpus().length} logical CPUs`);
if (only === undefined || only === 'demo') await profileConfig('demo model (v3-l1.json)', demoConfig());
if (only === undefined || only === 'default') await profileConfig('default model at 128^2', defaultConfig());
engine.gradients = originalGradients;
