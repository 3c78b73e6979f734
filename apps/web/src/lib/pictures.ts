import { type RgbaImage, wavelengthColor } from '@s2cassi/hsi-render';
import type { CubeData, PlaneData } from './types';

/** Largest finite value of an array (1 when none is positive). */
export function peakOf(data: ArrayLike<number>): number {
  let peak = 0;
  for (let i = 0; i < data.length; i++) if (data[i] > peak && Number.isFinite(data[i])) peak = data[i];
  return peak > 0 ? peak : 1;
}

/** A plane (measurement or mask) as grey, 0 black, its largest value white. */
export function greyImage(plane: PlaneData): RgbaImage {
  const [height, width] = plane.shape;
  const peak = peakOf(plane.data);
  const out = new Uint8ClampedArray(height * width * 4);
  for (let p = 0; p < height * width; p++) {
    const v = (plane.data[p] / peak) * 255;
    out[4 * p] = v;
    out[4 * p + 1] = v;
    out[4 * p + 2] = v;
    out[4 * p + 3] = 255;
  }
  return { data: out, width, height };
}

/** One band, brightness = value / the cube's largest value, tinted with the band's wavelength colour. */
export function bandImage(cube: CubeData, band: number, peak = peakOf(cube.data)): RgbaImage {
  const [height, width, bands] = cube.shape;
  if (!Number.isInteger(band) || band < 0 || band >= bands) {
    throw new Error(`bandImage: expected a band 0..${bands - 1}, got ${band}`);
  }
  const [r, g, b] = wavelengthColor(cube.wavelengths[band]);
  const out = new Uint8ClampedArray(height * width * 4);
  for (let p = 0; p < height * width; p++) {
    const v = (cube.data[p * bands + band] / peak) * 255;
    out[4 * p] = v * r;
    out[4 * p + 1] = v * g;
    out[4 * p + 2] = v * b;
    out[4 * p + 3] = 255;
  }
  return { data: out, width, height };
}

/** Saves bytes as a file through an object URL: nothing leaves the browser. */
export function download(name: string, bytes: Uint8Array, type = 'application/octet-stream'): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
