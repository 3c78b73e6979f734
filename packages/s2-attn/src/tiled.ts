import * as tf from '@tensorflow/tfjs-core';
import {
  describeShape,
  expectNonNegativeInteger,
  expectPositiveInteger,
  S2AttnInputError,
} from './_validate';
import type { S2Transformer } from './s2-transformer';
import {
  type ResolvedS2TransformerConfig,
  resolveS2TransformerConfig,
  type S2TransformerConfig,
} from './s2-transformer-config';
import { resolveSelfEnsemble, type SelfEnsemble, selfEnsembleOffsets } from './self-ensemble';

/**
 * Estimated peak tfjs memory (bytes) of one inference forward pass of a [batch, height, width, N]
 * input, weights and the shifted-window mask included. Per token of the padded map: three [T, M^2]
 * attention rows (logits, the next tensor, the transposed attention), about 20 C of q/k/v and block /
 * stage feature maps, and 2 N for the input and its padding. Calibrated on the default model on wasm
 * (measured peaks 151 MiB at 128 x 128 and 587 MiB at 256 x 256, estimates 164 / 628 MiB); the slow
 * test checks it bounds the measured peak.
 */
export function estimateForwardBytes(
  config: S2TransformerConfig,
  height: number,
  width: number,
  batch = 1,
): number {
  const c: ResolvedS2TransformerConfig = resolveS2TransformerConfig(config);
  const m = c.windowSize;
  const tokens = batch * Math.ceil(height / m) * m * Math.ceil(width / m) * m;
  const hasSpatial = c.blockType !== 'spe' && c.blockType !== 'spe-spe';
  const perToken =
    (hasSpatial ? 3 * c.heads * m * m : 2 * c.embeddingDim) + 20 * c.embeddingDim + 2 * c.bandCount;
  // weights (a generous bound: 2.5 M floats) + the window mask
  return 4 * (tokens * perToken + 2_500_000 + (tokens / (m * m)) * m ** 4);
}

export interface TiledOptions {
  /** Tile side in pixels (rounded up to a multiple of M). Default: the largest that fits `memoryBudgetBytes`. */
  tile?: number;
  /**
   * Overlap between neighbouring tiles in pixels (rounded up to a multiple of M so that every tile's
   * window grid lines up with the untiled one). Default 4 M. A tile's outer quarter of the overlap is
   * discarded and the middle half blended with raised-cosine ramps ({@link tileAxisWeights}), so the
   * result is exact where overlap / 4 covers the receptive field reaching across the tile border.
   */
  overlap?: number;
  /** tfjs memory budget for one tile's forward pass (default 512 MiB), via {@link estimateForwardBytes}. */
  memoryBudgetBytes?: number;
  /** Called after each tile with the tiles done and the total (for progress bars). */
  onProgress?: (done: number, total: number) => void;
  /**
   * Cancels between tiles: the promise rejects with the signal's reason (an AbortError by default) and
   * every tensor made so far is freed.
   */
  signal?: AbortSignal;
  /**
   * Inference-time self-ensemble ({@link SelfEnsemble}); default: the model's `selfEnsemble` (`'none'` unless its
   * weights say otherwise). Each pass is tiled the same way; progress counts the tiles of every pass. A pass whose
   * offset is not smaller than the image's height and width (a reflect pad needs that) is left out, so an image of
   * at most M/2 pixels gets one pass.
   */
  selfEnsemble?: SelfEnsemble;
}

export interface TileLayout {
  tile: number;
  overlap: number;
  /** Start offsets along height and width; the last tile of an axis ends at the image border. */
  rowStarts: number[];
  colStarts: number[];
}

function starts(size: number, tile: number, stride: number, m: number): number[] {
  if (size <= tile) return [0];
  const out: number[] = [];
  for (let s = 0; s + tile < size; s += stride) out.push(s);
  const last = Math.floor((size - tile) / m) * m;
  if (last > out[out.length - 1]) out.push(last);
  return out;
}

/** Chooses tile size, overlap and tile positions for an image (see {@link reconstructTiled}). */
export function planTiles(
  config: S2TransformerConfig,
  height: number,
  width: number,
  options: TiledOptions = {},
  batch = 1,
): TileLayout {
  const c = resolveS2TransformerConfig(config);
  const m = c.windowSize;
  const overlap =
    Math.ceil(expectNonNegativeInteger(options.overlap ?? 4 * m, 'reconstructTiled overlap') / m) * m;
  let tile: number;
  if (options.tile !== undefined) {
    tile = Math.ceil(expectPositiveInteger(options.tile, 'reconstructTiled tile') / m) * m;
  } else {
    const budget = options.memoryBudgetBytes ?? 512 * 2 ** 20;
    const longest = Math.ceil(Math.max(height, width) / m) * m;
    tile = 0;
    for (let t = m; t <= longest; t += m) {
      // the last tile of an axis can be up to M - 1 pixels longer
      if (estimateForwardBytes(c, Math.min(t + m - 1, height), Math.min(t + m - 1, width), batch) <= budget)
        tile = t;
    }
    if (tile === 0) {
      throw new S2AttnInputError(
        `reconstructTiled: no tile fits the memory budget of ${budget} bytes (one ${m} x ${m} tile needs ${estimateForwardBytes(c, m, m, batch)})`,
      );
    }
  }
  if (tile <= overlap && (height > tile || width > tile)) {
    throw new S2AttnInputError(`reconstructTiled: tile (${tile}) must be larger than overlap (${overlap})`);
  }
  const stride = tile - overlap;
  return {
    tile,
    overlap,
    rowStarts: starts(height, tile, stride, m),
    colStarts: starts(width, tile, stride, m),
  };
}

/**
 * Weights of one tile along one axis. Over the part shared with a neighbouring tile (length L), the
 * outer quarter (margin = floor(L/4), next to the tile border, where the tile lacks context) gets
 * weight 0, the middle half a raised-cosine ramp and the inner quarter 1. The ramps of two neighbours
 * cover the same pixels and sum to 1.
 */
export function tileAxisWeights(
  start: number,
  end: number,
  previousEnd: number,
  nextStart: number,
): Float32Array {
  const length = end - start;
  const w = new Float32Array(length).fill(1);
  const ramp = (shared: number, i: number) => {
    const margin = Math.floor(shared / 4);
    const span = shared - 2 * margin;
    if (i < margin) return 0;
    if (i >= shared - margin) return 1;
    return 0.5 - 0.5 * Math.cos((Math.PI * (i - margin + 0.5)) / span);
  };
  const left = Math.max(0, previousEnd - start);
  for (let i = 0; i < left; i++) w[i] *= ramp(left, i);
  const right = Math.max(0, end - nextStart);
  for (let i = 0; i < right; i++) w[length - 1 - i] *= ramp(right, i);
  return w;
}

/**
 * Inference on large inputs: runs `model` on overlapping tiles of Y0 [batch, H, W, N] and blends the
 * reconstructions with {@link tileAxisWeights} (the weights of overlapping tiles sum to 1; the sum is
 * normalised anyway). Tiles start at multiples of M, so windows and shifted windows
 * are the same as in the untiled pass; the result differs from untiled inference only through the
 * receptive field cut at tile borders (measured in the tests and README: it shrinks as the overlap grows).
 *
 * The peak tfjs memory is one tile's forward pass (plus the input); the blended output is accumulated in
 * plain Float32Arrays (about 2 x H x W x N x 4 bytes) and returned as a new tensor.
 */
export async function reconstructTiled(
  model: S2Transformer,
  y0: tf.Tensor,
  options: TiledOptions = {},
): Promise<tf.Tensor4D> {
  const n = model.config.bandCount;
  if (!(y0 instanceof tf.Tensor) || y0.rank !== 4 || y0.shape[3] !== n || y0.dtype !== 'float32') {
    throw new S2AttnInputError(
      `reconstructTiled: expected Y0 as a float32 tensor [batch, height, width, ${n}], got ${y0 instanceof tf.Tensor ? `${y0.dtype} shape ${describeShape(y0.shape)}` : typeof y0}`,
    );
  }
  const ensemble = resolveSelfEnsemble(
    options.selfEnsemble ?? model.selfEnsemble ?? 'none',
    'reconstructTiled selfEnsemble',
  );
  const [batch, height, width] = y0.shape;
  // offsets that fit the image (a mirror pad needs fewer pixels than the image has)
  const offsets = selfEnsembleOffsets(ensemble, model.config.windowSize).filter(
    (d) => d === 0 || (d < height && d < width),
  );
  if (offsets.length === 1) return tiledPass(model, y0 as tf.Tensor4D, options, 0, undefined);
  const layouts = offsets.map((d) => planTiles(model.config, height + d, width + d, options, batch));
  const total = layouts.reduce((sum, l) => sum + l.rowStarts.length * l.colStarts.length, 0);
  let done = 0;
  const mean = new Float32Array(batch * height * width * n);
  for (const d of offsets) {
    const input =
      d === 0
        ? (y0 as tf.Tensor4D)
        : tf.mirrorPad(
            y0 as tf.Tensor4D,
            [
              [0, 0],
              [d, 0],
              [d, 0],
              [0, 0],
            ],
            'reflect',
          );
    let output: tf.Tensor4D;
    try {
      output = await tiledPass(model, input, options, done, total);
    } finally {
      if (input !== y0) input.dispose();
    }
    const layout = layouts[offsets.indexOf(d)];
    done += layout.rowStarts.length * layout.colStarts.length;
    const back = d === 0 ? output : tf.slice(output, [0, d, d, 0], [batch, height, width, n]);
    let values: Float32Array;
    try {
      values = (await back.data()) as Float32Array;
    } finally {
      tf.dispose([output, back]);
    }
    for (let i = 0; i < mean.length; i++) mean[i] += values[i];
  }
  for (let i = 0; i < mean.length; i++) mean[i] /= offsets.length;
  return tf.tensor4d(mean, [batch, height, width, n]);
}

/** One tiled pass (see {@link reconstructTiled}); progress counts from `done0` of `total` (this pass's tiles if undefined). */
async function tiledPass(
  model: S2Transformer,
  y0: tf.Tensor4D,
  options: TiledOptions,
  done0: number,
  totalOfAll: number | undefined,
): Promise<tf.Tensor4D> {
  const n = model.config.bandCount;
  const [batch, height, width] = y0.shape;
  const layout = planTiles(model.config, height, width, options, batch);
  const { tile, rowStarts, colStarts } = layout;
  const { onProgress, signal } = options;
  const total = totalOfAll ?? rowStarts.length * colStarts.length;
  let done = done0;
  signal?.throwIfAborted();
  const sum = new Float32Array(batch * height * width * n);
  const weightSum = new Float32Array(height * width);
  let fallback: Float32Array | undefined;
  for (let ri = 0; ri < rowStarts.length; ri++) {
    const r0 = rowStarts[ri];
    const r1 = ri === rowStarts.length - 1 ? height : Math.min(height, r0 + tile);
    const rowW = tileAxisWeights(
      r0,
      r1,
      ri > 0 ? Math.min(height, rowStarts[ri - 1] + tile) : r0,
      ri < rowStarts.length - 1 ? rowStarts[ri + 1] : r1,
    );
    for (let ci = 0; ci < colStarts.length; ci++) {
      const c0 = colStarts[ci];
      const c1 = ci === colStarts.length - 1 ? width : Math.min(width, c0 + tile);
      const colW = tileAxisWeights(
        c0,
        c1,
        ci > 0 ? Math.min(width, colStarts[ci - 1] + tile) : c0,
        ci < colStarts.length - 1 ? colStarts[ci + 1] : c1,
      );
      const patch = tf.tidy(() => {
        const input = tf.slice(y0, [0, r0, c0, 0], [batch, r1 - r0, c1 - c0, n]);
        return model.apply(input).reconstruction;
      });
      let values: Float32Array;
      try {
        values = (await patch.data()) as Float32Array;
      } finally {
        patch.dispose();
      }
      const th = r1 - r0;
      const tw = c1 - c0;
      for (let b = 0; b < batch; b++) {
        for (let i = 0; i < th; i++) {
          for (let j = 0; j < tw; j++) {
            const w = rowW[i] * colW[j];
            const src = ((b * th + i) * tw + j) * n;
            const dst = ((b * height + r0 + i) * width + c0 + j) * n;
            if (w === 0) {
              // kept in case no tile gives this pixel a positive weight (irregular last tiles)
              fallback ??= new Float32Array(sum.length);
              for (let k = 0; k < n; k++) fallback[dst + k] = values[src + k];
              continue;
            }
            for (let k = 0; k < n; k++) sum[dst + k] += w * values[src + k];
            if (b === 0) weightSum[(r0 + i) * width + c0 + j] += w;
          }
        }
      }
      done++;
      onProgress?.(done, total);
      signal?.throwIfAborted();
    }
  }
  for (let b = 0; b < batch; b++) {
    for (let p = 0; p < height * width; p++) {
      const base = (b * height * width + p) * n;
      if (weightSum[p] === 0 && fallback) {
        for (let k = 0; k < n; k++) sum[base + k] = fallback[base + k];
        continue;
      }
      const inv = 1 / weightSum[p];
      for (let k = 0; k < n; k++) sum[base + k] *= inv;
    }
  }
  return tf.tensor4d(sum, [batch, height, width, n]);
}
