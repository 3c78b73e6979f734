import type { TrainerConfig } from './config';

/** wasm32's address space: the wasm backend's heap can never exceed 4 GiB (and it never shrinks). */
export const WASM_HEAP_LIMIT_BYTES = 4 * 1024 ** 3;

/** An estimate of a training step's peak backend memory, with what it is made of. */
export interface MemoryEstimate {
  /** Estimated peak bytes of one training step (activations kept for the backward pass + transients). */
  peakBytes: number;
  /** Bytes of the activations and backward transients of one step. */
  activationBytes: number;
  /** Weights + gradients + Adam's two moments. */
  parameterBytes: number;
  /** The input, target and mask tensors of one batch. */
  batchBytes: number;
  /** The limit it is checked against (null = none known for this backend). */
  limitBytes: number | null;
  /** Human-readable one-liner, printed before training starts. */
  summary: string;
}

/**
 * Float32 values per pixel and attention block at the peak of a training step (forward activations kept
 * for the backward pass plus the backward pass's transients), as a linear function of the channels C,
 * heads T and window M. Fitted to tf.profile()'s peakBytes of real S2Transformer training steps on
 * wasm (bench/peak-memory.ts; C 28/56, T 2/4, M 4/8, L 2/4): every op's output is a new tensor in
 * tfjs, so a block holds ~350 values per channel and ~15 copies of its T * M^2 attention maps per pixel.
 */
const CHANNEL_FACTOR = 347;
/**
 * What @s2cassi/s2-attn's shape-only gradients save on every backend (bias and residual adds, reshapes, concat, window
 * partition and cyclic shift whose tf gradients kept their inputs only for their shapes): measured on wasm with the
 * fused kernels, tf.profile peak in floats per channel, pixel and block, tf gradients -> shape-only: 183 -> 143
 * (C 20, T 2, M 8), 184 -> 153 (C 28, T 4, M 4), 176 -> 136 (the demo model, C 32, T 4, M 8), 180 -> 140 (C 60, T 6).
 */
const LEAN_GRADIENT_CHANNEL_SAVING = 36;
/**
 * The channel factor on wasm, where @s2cassi/backends runs the fused kernels (GELU, LayerNorm, spatial and spectral
 * window attention; measured savings per channel, pixel and block: GELU 70, LayerNorm + spatial attention 30, spectral
 * attention 26-29) and the shape-only gradients apply. Refitted to the four measurements above (the factor above minus
 * those savings overestimated them by 30-45 %): they need 103-121 per channel with the block and per-pixel terms
 * below; 125 keeps the estimate a little above every one of them.
 */
const FUSED_WASM_CHANNEL_FACTOR = 125;
const ATTENTION_MAP_FACTOR = 15;
const FUSED_ATTENTION_MAP_FACTOR = 1;
const BLOCK_BASE = 530;

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
  const fused = backend === 'wasm';
  const channelFactor = fused ? FUSED_WASM_CHANNEL_FACTOR : CHANNEL_FACTOR - LEAN_GRADIENT_CHANNEL_SAVING;
  const mapFactor = fused ? FUSED_ATTENTION_MAP_FACTOR : ATTENTION_MAP_FACTOR;
  const perBlock =
    channelFactor * model.embeddingDim + mapFactor * model.heads * model.windowSize ** 2 + BLOCK_BASE;
  // With gradient checkpointing the tape keeps each block's input (and the backward pass holds its
  // gradient) and one block's intermediates at a time, during its recomputation. 3 C per block: fitted to the
  // default model's 128 x 128 step on wasm (measured peak 864.5 MiB with every fused kernel and the shape-only
  // gradients, packages/trainer/bench/step-profile.ts; 2 C per block gave 835 MiB). With n of the blocks
  // checkpointed (a number), the other blocks keep their intermediates.
  const blocks = model.stageCount * model.blocksPerStage;
  const checkpointed = checkpointedBlocks(training.checkpointBlocks, blocks);
  const blockTerms =
    checkpointed * 3 * model.embeddingDim +
    (blocks - checkpointed) * perBlock +
    (checkpointed > 0 ? perBlock : 0);
  const perPixel =
    blockTerms +
    model.stageCount * 4 * model.embeddingDim + // stage convs and residuals
    12 * model.bandCount + // input, heads, loss terms
    4 * model.embeddingDim; // first conv, last conv input
  const activationBytes = 4 * pixels * perPixel;
  const parameterBytes = 4 * 4 * parameterCount;
  const width = data.cropSize + data.shiftStep * (model.bandCount - 1);
  const batchBytes =
    4 * training.batchSize * data.cropSize * (3 * data.cropSize * model.bandCount + width + data.cropSize);
  const peakBytes = Math.ceil(activationBytes + parameterBytes + batchBytes);
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
 * Throws when the estimate exceeds its limit, saying why and what to change.
 */
export function assertMemoryFits(
  estimate: MemoryEstimate,
  config: Pick<TrainerConfig, 'data' | 'training' | 'model' | 'memoryLimitBytes'>,
  parameterCount?: number,
  backend?: string,
): void {
  if (estimate.limitBytes === null || estimate.peakBytes <= estimate.limitBytes) return;
  let checkpointHint = '';
  if (!config.training.checkpointBlocks && parameterCount !== undefined && backend !== undefined) {
    const withCheckpoints = estimateTrainingMemory(
      { ...config, training: { ...config.training, checkpointBlocks: true } },
      parameterCount,
      backend,
    );
    if (withCheckpoints.limitBytes !== null && withCheckpoints.peakBytes <= withCheckpoints.limitBytes) {
      checkpointHint = `training.checkpointBlocks: true (gradient checkpointing; estimated ${formatBytes(withCheckpoints.peakBytes)}), `;
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
