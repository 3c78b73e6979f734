/**
 * MATLAB's `imresize(image, scale)` with its defaults (bicubic, antialiasing when shrinking) for a
 * single-channel double image, reimplemented from MATLAB's documented algorithm (`contributions` in
 * imresize.m): for output pixel x (1-based) the input coordinate is u = x / scale + 0.5 (1 - 1/scale);
 * when shrinking, the cubic kernel is widened to 4 / scale and scaled (h(t) = scale * cubic(scale t)),
 * the weights of each output pixel are normalised to sum 1, and input indices outside the image are
 * mirrored symmetrically (edge pixel repeated: 1..n, n..1). Height is resized first, then width.
 * Output size: ceil(height * scale) x ceil(width * scale).
 */
function cubic(x: number): number {
  const a = Math.abs(x);
  const a2 = a * a;
  const a3 = a2 * a;
  if (a <= 1) return 1.5 * a3 - 2.5 * a2 + 1;
  if (a <= 2) return -0.5 * a3 + 2.5 * a2 - 4 * a + 2;
  return 0;
}

interface Contributions {
  weights: Float64Array; // outLength x taps
  indices: Int32Array; // 0-based input indices, outLength x taps
  taps: number;
}

export function contributions(inLength: number, outLength: number, scale: number): Contributions {
  const antialias = scale < 1;
  const kernelWidth = antialias ? 4 / scale : 4;
  const taps = Math.ceil(kernelWidth) + 2;
  const weights = new Float64Array(outLength * taps);
  const indices = new Int32Array(outLength * taps);
  const period = 2 * inLength;
  for (let x = 1; x <= outLength; x++) {
    const u = x / scale + 0.5 * (1 - 1 / scale);
    const left = Math.floor(u - kernelWidth / 2);
    const row = (x - 1) * taps;
    let sum = 0;
    for (let t = 0; t < taps; t++) {
      const index = left + t; // 1-based, may be outside 1..inLength
      const w = antialias ? scale * cubic(scale * (u - index)) : cubic(u - index);
      weights[row + t] = w;
      sum += w;
      // aux = [1:n, n:-1:1]; index -> aux(mod(index - 1, 2n) + 1), here 0-based.
      const m = (((index - 1) % period) + period) % period;
      indices[row + t] = m < inLength ? m : period - 1 - m;
    }
    for (let t = 0; t < taps; t++) weights[row + t] /= sum;
  }
  return { weights, indices, taps };
}

export function imresizeBicubic(
  image: Float64Array,
  height: number,
  width: number,
  scale: number,
): { data: Float64Array; height: number; width: number } {
  const outHeight = Math.ceil(height * scale);
  const outWidth = Math.ceil(width * scale);
  // Along the height.
  const rowsC = contributions(height, outHeight, scale);
  const tmp = new Float64Array(outHeight * width);
  for (let y = 0; y < outHeight; y++) {
    const base = y * rowsC.taps;
    const out = y * width;
    for (let t = 0; t < rowsC.taps; t++) {
      const w = rowsC.weights[base + t];
      if (w === 0) continue;
      const src = rowsC.indices[base + t] * width;
      for (let x = 0; x < width; x++) tmp[out + x] += w * image[src + x];
    }
  }
  // Along the width.
  const colsC = contributions(width, outWidth, scale);
  const result = new Float64Array(outHeight * outWidth);
  for (let y = 0; y < outHeight; y++) {
    const src = y * width;
    const out = y * outWidth;
    for (let x = 0; x < outWidth; x++) {
      const base = x * colsC.taps;
      let acc = 0;
      for (let t = 0; t < colsC.taps; t++)
        acc += colsC.weights[base + t] * tmp[src + colsC.indices[base + t]];
      result[out + x] = acc;
    }
  }
  return { data: result, height: outHeight, width: outWidth };
}
