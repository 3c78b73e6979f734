import type { TrainerConfig } from './config';

/** wasm32's address space: the wasm backend's heap can never exceed 4 GiB (and it never shrinks). */
export const WASM_HEAP_LIMIT_BYTES = 4 * 1024 ** 3;

/** An estimate of a training step's peak backend memory, with what it is made of. */
export interface MemoryEstimate {
  /** Estimated peak bytes of one training step (activations kept for the backward pass + transients). */
  peakBytes: number;
  /** Bytes of the activations and backward transients of one step. */
  activationBytes: number;
  /** Weights, gradients, Adam's two moments and the scratch of its update. */
  parameterBytes: number;
  /** The input, target and mask tensors of one batch. */
  batchBytes: number;
  /** The limit it is checked against (null = none known for this backend). */
  limitBytes: number | null;
  /** Human-readable one-liner, printed before training starts. */
  summary: string;
}

/**
 * What the estimate models. With @s2cassi/backends' eager backpropagation a training step's peak is the gradient
 * tape at the end of the forward pass plus what the backward pass holds at one time (each node's saved tensors
 * and output gradients are freed as soon as its gradient ran), so memory is linear in the pixels of a batch:
 *
 *   floats per pixel = kept x TAPE + (blocks - kept) x CHECKPOINTED + TRANSIENT x TAPE + base,
 *   kept = blocks not checkpointed, at least 1 (the backward pass rebuilds one checkpointed block's tape at a time),
 *   base = stages x 4 C (stage convs and residuals) + 12 bands (input, heads, losses) + 4 C (first and last convs),
 *
 * plus weights, their gradients, Adam's two moments and the scratch of its flat update (20 bytes per parameter) and
 * the batch. The pixels are
 * batch x the crop padded to a multiple of the window.
 *
 * - wasm: the heap's high-water mark (`HEAPU8.buffer.byteLength` after the steps, measured in a fresh process:
 *   it only grows). That is what must fit in wasm32's 4 GiB, and it lies above the bytes malloc'd at the peak
 *   (~24 floats per channel, pixel and block) by malloc's fragmentation and emscripten's growth step (measured
 *   1.03-1.5x the malloc'd peak; the most in small or checkpointed steps). The constants are fitted to the heap,
 *   so that margin is part of them. tf.profile's peakBytes is no measure here: tf.memory().numBytes counts every
 *   tensor object, so views that share a buffer (reshapes, clones) count twice (the default model at 128^2:
 *   3,496 MiB against a 2,344 MiB heap).
 * - every other backend (cpu, webgl, webgpu, tensorflow): tf.profile's peakBytes. They run the composed ops (no
 *   fused GELU, LayerNorm or attention kernels), whose tape holds ~5x more, attention maps included; measured on
 *   cpu at small crops and on wasm with the fused kernels switched off (the same op graph, within 2 % of cpu).
 *
 * Measured at commit c38703b (packages/trainer/bench/peak-memory.ts; every configuration, raw output and the estimate
 * before this fit in packages/trainer/bench/results/peak-memory.md), wasm heap (tf.profile peak) -> estimate, MiB:
 *
 *   demo model (Parall-SS K2 L2 C32 T4 M8), batch 4 x 64^2          248 (365) -> 284   (before: 1,249)
 *     batch 8                                                     478 (724) -> 561
 *     checkpointBlocks 1 / 2 / 3 / true                   207 / 144 / 120 / 120 -> 234 / 184 / 134 / 134
 *   cpu-small (K2 L2 C28 T4 M8), batch 2 x 64^2; C56; L4           120 / 220 / 207 -> 129 / 243 / 225
 *   default model (K4 L6 C60 T6 M8), batch 1 x 128^2            2,344 (3,496) -> 2,590   (before: 12,750)
 *     checkpointBlocks 12 / true                                1,364 / 398 -> 1,465 / 434
 *     batch 2, checkpointBlocks 6 / 7                        3,670 / 3,392 -> 4,017 / 3,829
 *     batch 1 x 256^2, checkpointBlocks true                         1,310 -> 1,620
 *
 * Without the fused kernels (tf.profile peak -> estimate): the demo model 1,221 -> 1,565 (cpu at 32^2: 308 -> 393),
 * checkpointBlocks true 378 -> 497; the default model at 64^2 3,217 / 1,650 / 221 -> 3,962 / 2,049 / 296 (none /
 * 12 / true), on cpu at 16^2 239 / 151 -> 280 / 160 (none / 12). The estimate lies 6-34 % above every measured peak
 * (wasm: 7-28 %).
 */
/**
 * Floats per pixel, channel and block that a block not checkpointed holds on the wasm heap (fused kernels; no
 * attention maps kept): 27 (malloc'd ~24; the rest covers the heap's fragmentation and growth step).
 */
const WASM_TAPE_CHANNEL_FACTOR = 27;
/**
 * Floats per pixel, channel and block elsewhere (composed GELU, LayerNorm and attention) and per attention-map
 * value (T M^2 per pixel and block): 140 and 5 (measured: 119-124 per channel and 3.4 per map value, from the demo
 * model, the default model and the cpu-small variations C28/C56, T4/T2, M8/M4; the rest is margin).
 */
const TAPE_CHANNEL_FACTOR = 140;
const TAPE_ATTENTION_MAP_FACTOR = 5;
/** Floats per pixel and channel a checkpointed block holds (its input, kept by the checkpoint; fitted on both). */
const CHECKPOINTED_CHANNEL_FACTOR = 2;
/**
 * What the backward pass holds beyond the tape at the peak (gradients in flight, a kernel's scratch), as a fraction
 * of one block's tape (fitted on both).
 */
const TRANSIENT_TAPE_FRACTION = 0.2;
/**
 * Bytes per parameter: the weights, their gradients and Adam's two moments (4 floats) and the scratch of Adam's
 * flat update (one more; it shows at small crops: the default model at 16^2 on cpu).
 */
const PARAMETER_BYTES = 20;
/** The wasm heap beyond the step (emscripten's static data and stack; the heap starts at 16 MiB). */
const WASM_HEAP_BASE_BYTES = 4 * 1024 ** 2;

/** How many of `blocks` blocks a `training.checkpointBlocks` setting checkpoints. */
export function checkpointedBlocks(setting: boolean | number | undefined, blocks: number): number {
  if (setting === true) return blocks;
  if (setting === undefined || setting === false) return 0;
  return Math.min(setting, blocks);
}

function describeCheckpointing(checkpointed: number, blocks: number): string {
  if (checkpointed === 0) return '';
  return checkpointed === blocks ? ', checkpointBlocks' : `, checkpointBlocks ${checkpointed} of ${blocks}`;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

/**
 * Estimates the peak memory of one training step for a configuration's crop size and batch size.
 *
 * @param parameterCount the model's parameter count (exact when known; otherwise pass an estimate).
 * @param backend the backend that will train: `wasm` is limited to 4 GiB; others have no known limit
 *   unless `config.memoryLimitBytes` sets one.
 */
export function estimateTrainingMemory(
  config: Pick<TrainerConfig, 'model' | 'data' | 'training' | 'memoryLimitBytes'>,
  parameterCount: number,
  backend: string,
): MemoryEstimate {
  const { model, data, training } = config;
  const padded = Math.ceil(data.cropSize / model.windowSize) * model.windowSize;
  const pixels = training.batchSize * padded * padded;
  const wasm = backend === 'wasm';
  const tape = wasm
    ? WASM_TAPE_CHANNEL_FACTOR * model.embeddingDim
    : TAPE_CHANNEL_FACTOR * model.embeddingDim +
      TAPE_ATTENTION_MAP_FACTOR * model.heads * model.windowSize ** 2;
  const blocks = model.stageCount * model.blocksPerStage;
  const checkpointed = checkpointedBlocks(training.checkpointBlocks, blocks);
  // Blocks that are not checkpointed keep their tape to the backward pass; checkpointed blocks keep their input,
  // and the backward pass rebuilds one block's tape at a time (so checkpointing the last block too saves nothing
  // more: it is rebuilt at once).
  const kept = Math.max(blocks - checkpointed, 1);
  const perPixel =
    kept * tape +
    (blocks - kept) * CHECKPOINTED_CHANNEL_FACTOR * model.embeddingDim +
    TRANSIENT_TAPE_FRACTION * tape +
    model.stageCount * 4 * model.embeddingDim + // stage convs and residuals
    12 * model.bandCount + // input, heads, loss terms
    4 * model.embeddingDim; // first conv, last conv input
  const activationBytes = 4 * pixels * perPixel;
  const parameterBytes = PARAMETER_BYTES * parameterCount;
  const width = data.cropSize + data.shiftStep * (model.bandCount - 1);
  const batchBytes =
    4 * training.batchSize * data.cropSize * (3 * data.cropSize * model.bandCount + width + data.cropSize);
  const peakBytes = Math.ceil(
    activationBytes + parameterBytes + batchBytes + (wasm ? WASM_HEAP_BASE_BYTES : 0),
  );
  const limitBytes = config.memoryLimitBytes ?? (backend === 'wasm' ? WASM_HEAP_LIMIT_BYTES : null);
  const summary = `estimated peak memory per step: ${formatBytes(peakBytes)} (activations ${formatBytes(
    activationBytes,
  )} for batch ${training.batchSize} x ${data.cropSize}^2${describeCheckpointing(checkpointed, blocks)}, parameters+Adam ${formatBytes(parameterBytes)})${
    limitBytes === null
      ? ''
      : `, limit ${formatBytes(limitBytes)} (${config.memoryLimitBytes ? 'memoryLimitBytes' : backend})`
  }`;
  return { peakBytes, activationBytes, parameterBytes, batchBytes, limitBytes, summary };
}

/**
 * Throws when the estimate exceeds its limit, saying why and what to change. With the parameter count and the
 * backend it also names the fewest checkpointed blocks that would fit (`training.checkpointBlocks: n`, or
 * `true` when only all of them fit), if checkpointing more blocks than now would.
 */
export function assertMemoryFits(
  estimate: MemoryEstimate,
  config: Pick<TrainerConfig, 'data' | 'training' | 'model' | 'memoryLimitBytes'>,
  parameterCount?: number,
  backend?: string,
): void {
  if (estimate.limitBytes === null || estimate.peakBytes <= estimate.limitBytes) return;
  let checkpointHint = '';
  const blocks = config.model.stageCount * config.model.blocksPerStage;
  const current = checkpointedBlocks(config.training.checkpointBlocks, blocks);
  if (parameterCount !== undefined && backend !== undefined) {
    for (let n = current + 1; n <= blocks; n++) {
      const setting = n === blocks ? true : n;
      const withCheckpoints = estimateTrainingMemory(
        { ...config, training: { ...config.training, checkpointBlocks: setting } },
        parameterCount,
        backend,
      );
      if (withCheckpoints.limitBytes !== null && withCheckpoints.peakBytes <= withCheckpoints.limitBytes) {
        const which = n === blocks ? 'every block' : `the first ${n} of ${blocks} blocks`;
        checkpointHint = `training.checkpointBlocks: ${setting} (gradient checkpointing of ${which}; estimated ${formatBytes(withCheckpoints.peakBytes)}), `;
        break;
      }
    }
  }
  const ratio = estimate.peakBytes / estimate.limitBytes;
  const batch = Math.max(1, Math.floor(config.training.batchSize / ratio));
  const crop = Math.floor(config.data.cropSize / Math.sqrt(ratio) / 8) * 8;
  throw new Error(
    `configuration refused: ${estimate.summary}. It cannot fit: the peak is ${ratio.toFixed(1)}x the limit. ` +
      `Use ${checkpointHint}a smaller batch (training.batchSize <= ~${batch}) or crop (data.cropSize <= ~${Math.max(8, crop)}), ` +
      'a smaller model, or a backend without the limit (webgpu / tensorflow on a GPU).',
  );
}
