import { type CubeView, extractBand, readCube, readGreyImage } from './_cube';
import { gamma } from './_gamma';
import { imresizeBicubic } from './_imresize';
import { mean } from './_math';
import { MSCN_WINDOW, PRISTINE_COVARIANCE, PRISTINE_MEAN } from './_niqe-model.generated';
import { symmetricPinv } from './_pinv';
import type { CubeLike, GreyImage } from './cube-like';
import { MetricsInputError } from './errors';

/**
 * How pixel values are brought to the 0..255 scale NIQE works on (its MSCN "+1" makes NIQE
 * scale-dependent, so this matters).
 */
export interface NiqeOptions {
  /**
   * The value that maps to 255: values are multiplied by 255 / range. Default 1 (images in [0, 1],
   * such as reconstructions); use 255 for images already on the 0..255 scale.
   */
  range?: number;
  /**
   * Quantise like MATLAB `im2uint8` after scaling (saturate to 0..255, round half away from zero),
   * as an 8-bit image would be (BasicSR also rounds). Default true. With false the scaled doubles
   * are used as they are (no clipping either), as the LIVE code does with a double image.
   */
  quantize?: boolean;
}

export interface NiqePerBandOptions extends NiqeOptions {
  /**
   * Rotate every band by 180 degrees first (`fliplr(flipud(.))`), as the S2-Transformer / MST real-data
   * scripts do before scoring. Default false. NIQE is not rotation invariant (blocks are cropped from
   * the top-left corner), so set it to reproduce their numbers.
   */
  rotate180?: boolean;
}

export interface NiqePerBandResult {
  /** Mean over all bands (and scenes): the number the papers report. */
  mean: number;
  /** NIQE of each band, scene-major (`bands[scene * bandCount + band]`). */
  bands: Float64Array;
}

const BLOCK = 96;
const FEATURES = 36;

// The AGGD shape grid of estimateaggdparam.m: gam = 0.2:0.001:10, with
// r(gam) = Gamma(2/gam)^2 / (Gamma(1/gam) Gamma(3/gam)), and the gamma ratios the features need.
let grid:
  | { alpha: Float64Array; r: Float64Array; betaScale: Float64Array; meanScale: Float64Array }
  | undefined;
function aggdGrid() {
  if (grid) return grid;
  const count = 9801;
  const alpha = new Float64Array(count);
  const r = new Float64Array(count);
  const betaScale = new Float64Array(count);
  const meanScale = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    const a = (200 + k) / 1000;
    const g1 = gamma(1 / a);
    const g2 = gamma(2 / a);
    const g3 = gamma(3 / a);
    alpha[k] = a;
    r[k] = (g2 * g2) / (g1 * g3);
    betaScale[k] = Math.sqrt(g1 / g3);
    meanScale[k] = g2 / g1;
  }
  grid = { alpha, r, betaScale, meanScale };
  return grid;
}

/**
 * AGGD fit of estimateaggdparam.m by moment matching on the alpha grid. Returns [alpha, betaLeft,
 * betaRight, gridIndex]. Empty sides give NaN betas; a NaN ratio picks the first grid point, as
 * MATLAB's `min` (and numpy's argmin) do.
 */
function fitAggd(values: Float64Array, n: number, out: Float64Array): number {
  let negSq = 0;
  let negCount = 0;
  let posSq = 0;
  let posCount = 0;
  let sumAbs = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    const sq = v * v;
    if (v < 0) {
      negSq += sq;
      negCount++;
      sumAbs -= v;
    } else if (v > 0) {
      posSq += sq;
      posCount++;
      sumAbs += v;
    }
    sumSq += sq;
  }
  const leftStd = Math.sqrt(negSq / negCount);
  const rightStd = Math.sqrt(posSq / posCount);
  const gammaHat = leftStd / rightStd;
  const meanAbs = sumAbs / n;
  const rHat = (meanAbs * meanAbs) / (sumSq / n);
  const g2 = gammaHat * gammaHat;
  const rHatNorm = (rHat * (g2 * gammaHat + 1) * (gammaHat + 1)) / ((g2 + 1) * (g2 + 1));
  const { r, alpha, betaScale } = aggdGrid();
  let best = 0;
  if (!Number.isNaN(rHatNorm)) {
    let bestDiff = Infinity;
    for (let k = 0; k < r.length; k++) {
      const d = (r[k] - rHatNorm) * (r[k] - rHatNorm);
      if (d < bestDiff) {
        bestDiff = d;
        best = k;
      }
    }
  }
  out[0] = alpha[best];
  out[1] = leftStd * betaScale[best];
  out[2] = rightStd * betaScale[best];
  return best;
}

const SHIFTS: readonly [number, number][] = [
  [0, 1],
  [1, 0],
  [1, 1],
  [1, -1],
];

/** The 18 features of computefeature.m for one block of MSCN coefficients, written at `offset`. */
function blockFeatures(
  mscn: Float64Array,
  imageWidth: number,
  top: number,
  left: number,
  size: number,
  scratch: { block: Float64Array; pair: Float64Array; fit: Float64Array },
  out: Float64Array,
  offset: number,
): void {
  const { block, pair, fit } = scratch;
  const n = size * size;
  for (let y = 0; y < size; y++) {
    const src = (top + y) * imageWidth + left;
    for (let x = 0; x < size; x++) block[y * size + x] = mscn[src + x];
  }
  fitAggd(block, n, fit);
  out[offset] = fit[0];
  out[offset + 1] = (fit[1] + fit[2]) / 2;
  const { meanScale } = aggdGrid();
  for (let s = 0; s < 4; s++) {
    const [dy, dx] = SHIFTS[s];
    // circshift(block, [dy dx]) within the block: shifted(y, x) = block(y - dy, x - dx) (cyclic).
    for (let y = 0; y < size; y++) {
      const sy = (y - dy + size) % size;
      for (let x = 0; x < size; x++) {
        const sx = (x - dx + size) % size;
        pair[y * size + x] = block[y * size + x] * block[sy * size + sx];
      }
    }
    const k = fitAggd(pair, n, fit);
    const o = offset + 2 + 4 * s;
    out[o] = fit[0];
    out[o + 1] = (fit[2] - fit[1]) * meanScale[k];
    out[o + 2] = fit[1];
    out[o + 3] = fit[2];
  }
}

/**
 * 7 x 7 correlation with replicated borders (MATLAB `imfilter(im, window, 'replicate')`), summing the
 * 49 products in row-major window order for every pixel, as scipy.ndimage (BasicSR) does. The order
 * matters more than it seems: on exactly flat areas the MSCN coefficients are pure rounding noise,
 * and their signs feed the AGGD fits (see the README).
 */
function filterReplicate7(image: Float64Array, height: number, width: number): Float64Array {
  const out = new Float64Array(height * width);
  const xs = new Int32Array(7);
  const rows = new Int32Array(7);
  const win = Float64Array.from(MSCN_WINDOW);
  for (let y = 0; y < height; y++) {
    for (let i = 0; i < 7; i++) rows[i] = Math.min(height - 1, Math.max(0, y + i - 3)) * width;
    for (let x = 0; x < width; x++) {
      let acc = 0;
      if (x >= 3 && x < width - 3) {
        for (let i = 0; i < 7; i++) {
          const s = rows[i] + x - 3;
          const w = i * 7;
          acc += image[s] * win[w];
          acc += image[s + 1] * win[w + 1];
          acc += image[s + 2] * win[w + 2];
          acc += image[s + 3] * win[w + 3];
          acc += image[s + 4] * win[w + 4];
          acc += image[s + 5] * win[w + 5];
          acc += image[s + 6] * win[w + 6];
        }
      } else {
        for (let j = 0; j < 7; j++) xs[j] = Math.min(width - 1, Math.max(0, x + j - 3));
        for (let i = 0; i < 7; i++) {
          const row = rows[i];
          const w = i * 7;
          for (let j = 0; j < 7; j++) acc += image[row + xs[j]] * win[w + j];
        }
      }
      out[y * width + x] = acc;
    }
  }
  return out;
}

/** MSCN coefficients (I - mu) / (sigma + 1), mu and sigma from the 7 x 7 Gaussian (sigma 7/6), replicate borders. */
function mscn(image: Float64Array, height: number, width: number): Float64Array {
  const mu = filterReplicate7(image, height, width);
  const squared = new Float64Array(image.length);
  for (let i = 0; i < image.length; i++) squared[i] = image[i] * image[i];
  const second = filterReplicate7(squared, height, width);
  const out = new Float64Array(image.length);
  for (let i = 0; i < image.length; i++) {
    const sigma = Math.sqrt(Math.abs(second[i] - mu[i] * mu[i]));
    out[i] = (image[i] - mu[i]) / (sigma + 1);
  }
  return out;
}

/**
 * NIQE of a 0..255 double image (the LIVE `computequality(im, 96, 96, 0, 0, mu, cov)`).
 * `image` is row-major height x width.
 */
export function niqeOfScaled(image: Float64Array, height: number, width: number): number {
  const rows = Math.floor(height / BLOCK);
  const cols = Math.floor(width / BLOCK);
  if (rows * cols < 2) {
    throw new MetricsInputError(
      `niqe: expected an image with room for at least two 96 x 96 blocks (96 x 192 or 192 x 96 pixels; they are 48 x 48 at the second scale), got ${height} x ${width}`,
    );
  }
  // Crop to whole blocks from the top-left.
  let h = rows * BLOCK;
  let w = cols * BLOCK;
  let current: Float64Array = new Float64Array(h * w);
  for (let y = 0; y < h; y++) current.set(image.subarray(y * width, y * width + w), y * w);
  const blocks = rows * cols;
  const features = new Float64Array(blocks * FEATURES);
  const scratch = {
    block: new Float64Array(BLOCK * BLOCK),
    pair: new Float64Array(BLOCK * BLOCK),
    fit: new Float64Array(3),
  };
  for (let scale = 1; scale <= 2; scale++) {
    const coefficients = mscn(current, h, w);
    const size = BLOCK / scale;
    for (let by = 0; by < rows; by++) {
      for (let bx = 0; bx < cols; bx++) {
        const index = by * cols + bx;
        blockFeatures(
          coefficients,
          w,
          by * size,
          bx * size,
          size,
          scratch,
          features,
          index * FEATURES + (scale - 1) * 18,
        );
      }
    }
    if (scale === 1) {
      // Downscale by 2 (MATLAB imresize, bicubic, antialiased). Like BasicSR, resize x / 255 and
      // multiply back, so rounding on flat areas matches the reference (MATLAB resizes x directly;
      // the two differ only by rounding).
      const unit = new Float64Array(current.length);
      for (let i = 0; i < unit.length; i++) unit[i] = current[i] / 255;
      const resized = imresizeBicubic(unit, h, w, 0.5);
      for (let i = 0; i < resized.data.length; i++) resized.data[i] *= 255;
      current = resized.data;
      h = resized.height;
      w = resized.width;
    }
  }
  // MVG fit: nanmean over all blocks, covariance (n - 1) over the blocks without NaN (nancov).
  const mu = new Float64Array(FEATURES);
  for (let f = 0; f < FEATURES; f++) {
    let sum = 0;
    let count = 0;
    for (let b = 0; b < blocks; b++) {
      const v = features[b * FEATURES + f];
      if (!Number.isNaN(v)) {
        sum += v;
        count++;
      }
    }
    mu[f] = sum / count;
  }
  const complete: number[] = [];
  for (let b = 0; b < blocks; b++) {
    let ok = true;
    for (let f = 0; f < FEATURES && ok; f++) ok = !Number.isNaN(features[b * FEATURES + f]);
    if (ok) complete.push(b);
  }
  if (complete.length < 2) {
    throw new MetricsInputError(
      `niqe: expected at least two blocks with both positive and negative MSCN coefficients, got ${complete.length} of ${blocks} (is the image flat?)`,
    );
  }
  const completeMean = new Float64Array(FEATURES);
  for (const b of complete) for (let f = 0; f < FEATURES; f++) completeMean[f] += features[b * FEATURES + f];
  for (let f = 0; f < FEATURES; f++) completeMean[f] /= complete.length;
  const averaged = new Float64Array(FEATURES * FEATURES);
  for (const b of complete) {
    const row = b * FEATURES;
    for (let i = 0; i < FEATURES; i++) {
      const di = features[row + i] - completeMean[i];
      for (let j = i; j < FEATURES; j++)
        averaged[i * FEATURES + j] += di * (features[row + j] - completeMean[j]);
    }
  }
  for (let i = 0; i < FEATURES; i++) {
    for (let j = i; j < FEATURES; j++) {
      const c = averaged[i * FEATURES + j] / (complete.length - 1);
      // (cov_pristine + cov_distorted) / 2, symmetric.
      const v = (PRISTINE_COVARIANCE[i * FEATURES + j] + c) / 2;
      averaged[i * FEATURES + j] = v;
      averaged[j * FEATURES + i] = v;
    }
  }
  const inverse = symmetricPinv(averaged, FEATURES);
  const diff = new Float64Array(FEATURES);
  for (let f = 0; f < FEATURES; f++) diff[f] = PRISTINE_MEAN[f] - mu[f];
  let quality = 0;
  for (let i = 0; i < FEATURES; i++) {
    let row = 0;
    for (let j = 0; j < FEATURES; j++) row += inverse[i * FEATURES + j] * diff[j];
    quality += diff[i] * row;
  }
  return Math.sqrt(quality);
}

function scaleTo255(values: Float64Array, options: NiqeOptions): Float64Array {
  const range = options.range ?? 1;
  if (typeof range !== 'number' || !Number.isFinite(range) || range <= 0) {
    throw new MetricsInputError(`niqe range: expected a finite number > 0, got ${String(range)}`);
  }
  const quantize = options.quantize ?? true;
  const factor = 255 / range;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] * factor;
    values[i] = quantize ? (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v)) : v;
  }
  return values;
}

/**
 * NIQE (Natural Image Quality Evaluator; lower is better) of a grey image, following the LIVE release
 * (computequality.m with 96 x 96 blocks, no overlap, the pristine model shipped with it). The image is
 * scaled to 0..255 (see `NiqeOptions`), cropped to whole 96 x 96 blocks from the top-left, and scored
 * at two scales (the second after MATLAB-style bicubic downscaling by 2 with antialiasing).
 *
 * @param image `{ data, shape: [height, width] }`, row-major; needs room for two 96 x 96 blocks
 */
export function niqe(image: GreyImage, options: NiqeOptions = {}): number {
  const { data, height, width } = readGreyImage(image, 'image');
  const values = Float64Array.from(data as ArrayLike<number>);
  return niqeOfScaled(scaleTo255(values, options), height, width);
}

/**
 * NIQE of every band of a cube ([H, W, N] or [B, H, W, N]) and their mean, as the CASSI real-data
 * scripts report it (`realeval_noref_NIQE.m`: each band of each scene scored, all averaged; set
 * `rotate180: true` to rotate the outputs as they do).
 */
export function niqePerBand(cube: CubeLike, options: NiqePerBandOptions = {}): NiqePerBandResult {
  const view: CubeView = readCube(cube, 'cube');
  const { batch, height, width, bands } = view;
  const rotate = options.rotate180 ?? false;
  const out = new Float64Array(batch * bands);
  for (let s = 0; s < batch; s++) {
    for (let n = 0; n < bands; n++) {
      const band = extractBand(view, s, n);
      if (rotate) band.reverse();
      try {
        out[s * bands + n] = niqeOfScaled(scaleTo255(band, options), height, width);
      } catch (error) {
        if (error instanceof MetricsInputError) {
          throw new MetricsInputError(`scene ${s}, band ${n}: ${error.message}`);
        }
        throw error;
      }
    }
  }
  return { mean: mean(out), bands: out };
}
