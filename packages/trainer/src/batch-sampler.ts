import type { Random } from '@s2cassi/cassi-sim';
import type { Scene } from './scene-source';

/** A 2D mask in memory, row-major `data[y * width + x]`. */
export interface MaskArray {
  data: Float32Array;
  /** [height, width] */
  shape: [number, number];
}

/** How one training sample was drawn (recorded so that runs can be inspected and reproduced). */
export interface SampleDraw {
  scene: number;
  top: number;
  left: number;
  /** Quarter turns (numpy rot90 on the H-W plane, counter-clockwise), 0..3. */
  rotation: number;
  flipWidth: boolean;
  flipHeight: boolean;
  maskTop: number;
  maskLeft: number;
}

/** Options of {@link sampleBatch}. */
export interface SampleBatchOptions {
  batchSize: number;
  cropSize: number;
  rot90: boolean;
  flip: boolean;
  /** Random crop of the mask per sample; otherwise its top-left crop. */
  randomMaskCrop: boolean;
}

/** A batch of ground-truth crops and their masks, host-side. */
export interface HostBatch {
  /** [batchSize, cropSize, cropSize, bands] row-major */
  cubes: Float32Array;
  /** [batchSize, cropSize, cropSize] row-major */
  masks: Float32Array;
  shape: [number, number, number, number];
  draws: SampleDraw[];
}

/**
 * Draws the random choices for one batch, in a fixed order per sample (scene, top, left, rotation,
 * flipWidth, flipHeight, maskTop, maskLeft; disabled options draw nothing), so the same generator state
 * always gives the same batch.
 */
export function drawBatch(
  random: Random,
  scenes: readonly { shape: readonly number[] }[],
  mask: { shape: readonly number[] },
  options: SampleBatchOptions,
): SampleDraw[] {
  const { batchSize, cropSize } = options;
  const draws: SampleDraw[] = [];
  for (let b = 0; b < batchSize; b++) {
    const scene = random.integer(0, scenes.length);
    const [height, width] = scenes[scene].shape;
    if (height < cropSize || width < cropSize) {
      throw new Error(`scene ${scene} (${height} x ${width}) is smaller than the crop size ${cropSize}`);
    }
    const top = random.integer(0, height - cropSize + 1);
    const left = random.integer(0, width - cropSize + 1);
    const rotation = options.rot90 ? random.integer(0, 4) : 0;
    const flipWidth = options.flip ? random.uniform() < 0.5 : false;
    const flipHeight = options.flip ? random.uniform() < 0.5 : false;
    let maskTop = 0;
    let maskLeft = 0;
    if (options.randomMaskCrop) {
      maskTop = random.integer(0, mask.shape[0] - cropSize + 1);
      maskLeft = random.integer(0, mask.shape[1] - cropSize + 1);
    }
    draws.push({ scene, top, left, rotation, flipWidth, flipHeight, maskTop, maskLeft });
  }
  return draws;
}

/**
 * Source pixel (y, x) inside the crop for output pixel (i, j) of a `size`-square crop after rot90 x k
 * (numpy `rot90(a, k, axes=(0, 1))`), then a flip of the width axis, then a flip of the height axis (the
 * MST toolbox's `arguement_1` order).
 */
export function augmentedSource(
  i: number,
  j: number,
  size: number,
  rotation: number,
  flipWidth: boolean,
  flipHeight: boolean,
): [number, number] {
  const a = flipHeight ? size - 1 - i : i;
  const b = flipWidth ? size - 1 - j : j;
  switch (rotation) {
    case 1:
      return [b, size - 1 - a];
    case 2:
      return [size - 1 - a, size - 1 - b];
    case 3:
      return [size - 1 - b, a];
    default:
      return [a, b];
  }
}

/** Cuts and augments the crops a list of draws describes (pure; inputs are not modified). */
export function assembleBatch(
  scenes: readonly Scene[],
  mask: MaskArray,
  draws: readonly SampleDraw[],
  cropSize: number,
): HostBatch {
  const bands = scenes[0].shape[2];
  const cubes = new Float32Array(draws.length * cropSize * cropSize * bands);
  const masks = new Float32Array(draws.length * cropSize * cropSize);
  draws.forEach((draw, b) => {
    const scene = scenes[draw.scene];
    const [, sceneWidth, sceneBands] = scene.shape;
    if (sceneBands !== bands)
      throw new Error(`scene ${draw.scene} has ${sceneBands} bands, expected ${bands}`);
    for (let i = 0; i < cropSize; i++) {
      for (let j = 0; j < cropSize; j++) {
        const [y, x] = augmentedSource(i, j, cropSize, draw.rotation, draw.flipWidth, draw.flipHeight);
        const from = ((draw.top + y) * sceneWidth + draw.left + x) * bands;
        const to = ((b * cropSize + i) * cropSize + j) * bands;
        cubes.set(scene.data.subarray(from, from + bands), to);
        masks[(b * cropSize + i) * cropSize + j] =
          mask.data[(draw.maskTop + i) * mask.shape[1] + draw.maskLeft + j];
      }
    }
  });
  return { cubes, masks, shape: [draws.length, cropSize, cropSize, bands], draws: [...draws] };
}

/** The centre crop of a scene and the top-left crop of the mask, for validation. */
export function centreCrop(scene: Scene, mask: MaskArray, cropSize: number | null): HostBatch {
  const [height, width] = scene.shape;
  const size = cropSize ?? Math.min(height, width);
  if (size > height || size > width) {
    throw new Error(`validation crop ${size} does not fit the scene (${height} x ${width})`);
  }
  if (size > mask.shape[0] || size > mask.shape[1]) {
    throw new Error(`validation crop ${size} does not fit the mask (${mask.shape[0]} x ${mask.shape[1]})`);
  }
  const draw: SampleDraw = {
    scene: 0,
    top: Math.floor((height - size) / 2),
    left: Math.floor((width - size) / 2),
    rotation: 0,
    flipWidth: false,
    flipHeight: false,
    maskTop: 0,
    maskLeft: 0,
  };
  return assembleBatch([scene], mask, [draw], size);
}
