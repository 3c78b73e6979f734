import { assertCube, type Cube, createCube } from './cube';

export type ResizeMethod = 'area' | 'bilinear';

/** Per output index: source indices and weights along one axis. */
function axisWeights(
  from: number,
  to: number,
  method: ResizeMethod,
): { index: Int32Array; weight: Float64Array; start: Int32Array } {
  const lists: [number, number][][] = [];
  const scale = from / to;
  for (let o = 0; o < to; o++) {
    const taps: [number, number][] = [];
    if (method === 'bilinear') {
      // Half-pixel centres (OpenCV INTER_LINEAR, tf.image.resize bilinear with half_pixel_centers).
      let s = (o + 0.5) * scale - 0.5;
      if (s < 0) s = 0;
      if (s > from - 1) s = from - 1;
      const i = Math.floor(s);
      const f = s - i;
      taps.push([i, 1 - f]);
      if (f > 0 && i + 1 < from) taps.push([i + 1, f]);
    } else {
      // Area: the output pixel covers [o * scale, (o + 1) * scale) of the input; weights = overlap / scale.
      const a = o * scale;
      const b = (o + 1) * scale;
      for (let i = Math.floor(a); i < Math.min(from, Math.ceil(b)); i++) {
        const overlap = Math.min(b, i + 1) - Math.max(a, i);
        if (overlap > 1e-12) taps.push([i, overlap / scale]);
      }
    }
    lists.push(taps);
  }
  const total = lists.reduce((acc, l) => acc + l.length, 0);
  const index = new Int32Array(total);
  const weight = new Float64Array(total);
  const start = new Int32Array(to + 1);
  let k = 0;
  lists.forEach((taps, o) => {
    start[o] = k;
    for (const [i, wgt] of taps) {
      index[k] = i;
      weight[k++] = wgt;
    }
  });
  start[to] = k;
  return { index, weight, start };
}

/**
 * Resizes a cube spatially to [height, width, N], band by band.
 * - 'area' (default): each output pixel is the area-weighted mean of the input pixels it covers
 *   (exact block mean for integer downscaling; like OpenCV INTER_AREA when shrinking).
 * - 'bilinear': half-pixel-centre bilinear interpolation (OpenCV INTER_LINEAR, tf.image.resizeBilinear
 *   with halfPixelCenters), edges clamped; no anti-aliasing, so prefer 'area' for shrinking.
 */
export function resizeCube(cube: Cube, height: number, width: number, method: ResizeMethod = 'area'): Cube {
  assertCube(cube);
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new Error(`resizeCube: expected positive integer height and width, got ${height} x ${width}`);
  }
  if (method !== 'area' && method !== 'bilinear')
    throw new Error(`resizeCube: method must be 'area' or 'bilinear', got ${String(method)}`);
  const [h, w, n] = cube.shape;
  if (h === 0 || w === 0) throw new Error(`resizeCube: cannot resize an empty ${h} x ${w} cube`);
  const ys = axisWeights(h, height, method);
  const xs = axisWeights(w, width, method);
  // Rows first: [h, w, n] -> [h, width, n], then columns -> [height, width, n].
  const middle = new Float64Array(h * width * n);
  const src = cube.data;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < width; x++) {
      const d = (y * width + x) * n;
      for (let k = xs.start[x]; k < xs.start[x + 1]; k++) {
        const s = (y * w + xs.index[k]) * n;
        const f = xs.weight[k];
        for (let b = 0; b < n; b++) middle[d + b] += src[s + b] * f;
      }
    }
  }
  const out = createCube([height, width, n], undefined, cube.wavelengths);
  const acc = new Float64Array(width * n);
  for (let y = 0; y < height; y++) {
    acc.fill(0);
    for (let k = ys.start[y]; k < ys.start[y + 1]; k++) {
      const row = ys.index[k] * width * n;
      const f = ys.weight[k];
      for (let i = 0; i < width * n; i++) acc[i] += middle[row + i] * f;
    }
    out.data.set(acc, y * width * n);
  }
  return out;
}
