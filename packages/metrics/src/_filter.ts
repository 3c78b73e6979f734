/**
 * Separable 2-D filtering of row-major float64 images with a symmetric 1-D kernel (applied along
 * rows, then columns). Correlation and convolution coincide for the symmetric kernels used here.
 *
 * - `valid`: no padding, output (H - k + 1) x (W - k + 1) (MATLAB `filter2(..., 'valid')`).
 * - `zero`: zero padding, output H x W (PyTorch `conv2d(padding = k // 2)`, MATLAB `'same'`).
 * - `replicate`: border values repeated, output H x W (MATLAB `imfilter(..., 'replicate')`,
 *   scipy `mode='nearest'`).
 */
export type FilterMode = 'valid' | 'zero' | 'replicate';

export interface FilteredImage {
  data: Float64Array;
  height: number;
  width: number;
}

/** Normalised 1-D Gaussian of odd `size`: exp(-x^2 / (2 sigma^2)) / sum, x = -(size-1)/2 .. (size-1)/2. */
export function gaussianKernel(size: number, sigma: number): Float64Array {
  const kernel = new Float64Array(size);
  const half = (size - 1) / 2;
  let sum = 0;
  for (let i = 0; i < size; i++) {
    const x = i - half;
    kernel[i] = Math.exp(-(x * x) / (2 * sigma * sigma));
    sum += kernel[i];
  }
  for (let i = 0; i < size; i++) kernel[i] /= sum;
  return kernel;
}

export function filterSeparable(
  image: Float64Array,
  height: number,
  width: number,
  kernel: Float64Array,
  mode: FilterMode,
): FilteredImage {
  const k = kernel.length;
  const half = (k - 1) >> 1;
  const outHeight = mode === 'valid' ? height - k + 1 : height;
  const outWidth = mode === 'valid' ? width - k + 1 : width;
  // Pass 1: along rows (x), keeping all rows.
  const rows = new Float64Array(height * outWidth);
  if (mode === 'valid') {
    for (let y = 0; y < height; y++) {
      const base = y * width;
      const outBase = y * outWidth;
      for (let x = 0; x < outWidth; x++) {
        let acc = 0;
        const start = base + x;
        for (let t = 0; t < k; t++) acc += kernel[t] * image[start + t];
        rows[outBase + x] = acc;
      }
    }
  } else {
    const replicate = mode === 'replicate';
    for (let y = 0; y < height; y++) {
      const base = y * width;
      const outBase = y * outWidth;
      for (let x = 0; x < width; x++) {
        let acc = 0;
        const start = x - half;
        if (start >= 0 && start + k <= width) {
          const s = base + start;
          for (let t = 0; t < k; t++) acc += kernel[t] * image[s + t];
        } else {
          for (let t = 0; t < k; t++) {
            let xx = start + t;
            if (xx < 0 || xx >= width) {
              if (!replicate) continue;
              xx = xx < 0 ? 0 : width - 1;
            }
            acc += kernel[t] * image[base + xx];
          }
        }
        rows[outBase + x] = acc;
      }
    }
  }
  // Pass 2: along columns (y), row by row so memory is read contiguously.
  const out = new Float64Array(outHeight * outWidth);
  const replicate = mode === 'replicate';
  for (let y = 0; y < outHeight; y++) {
    const outBase = y * outWidth;
    const start = mode === 'valid' ? y : y - half;
    for (let t = 0; t < k; t++) {
      let yy = start + t;
      if (yy < 0 || yy >= height) {
        if (!replicate) continue;
        yy = yy < 0 ? 0 : height - 1;
      }
      const w = kernel[t];
      const src = yy * outWidth;
      for (let x = 0; x < outWidth; x++) out[outBase + x] += w * rows[src + x];
    }
  }
  return { data: out, height: outHeight, width: outWidth };
}
