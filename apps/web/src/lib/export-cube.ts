import { createCube, encodeEnvi, encodeMat, encodeNpy } from '@s2cassi/hsi-io';
import type { ExportFormat } from './formats';
import type { CubeData, NamedBytes } from './types';

export type { ExportFormat };

/**
 * Encodes a cube for download: `.mat` (MAT v5, single, H x W x N, variable `pred`, wavelengths in
 * `wavelengths`), `.npy` (float32 [H, W, N], C order) or ENVI (float32 BSQ `.img` + `.hdr` with the
 * wavelengths). `stem` becomes the file name stem.
 */
export function exportCube(cube: CubeData, format: ExportFormat, stem: string): NamedBytes[] {
  const safe = stem.replace(/[^a-z0-9._-]+/gi, '-').replace(/^-+|-+$/g, '') || 'reconstruction';
  const hsi = createCube(cube.shape, cube.data, cube.wavelengths);
  switch (format) {
    case 'mat':
      return [
        {
          name: `${safe}.mat`,
          bytes: encodeMat({
            pred: hsi,
            wavelengths: {
              class: 'double',
              dims: [1, cube.wavelengths.length],
              data: Float64Array.from(cube.wavelengths),
            },
          }),
        },
      ];
    case 'npy':
      return [{ name: `${safe}.npy`, bytes: encodeNpy({ data: cube.data, shape: cube.shape }) }];
    case 'envi': {
      const { header, data } = encodeEnvi(hsi, {
        interleave: 'bsq',
        description: `s2cassi web reconstruction ${safe}`,
      });
      return [
        { name: `${safe}.hdr`, bytes: new TextEncoder().encode(header) },
        { name: `${safe}.img`, bytes: data },
      ];
    }
    default:
      throw new Error(`exportCube: expected one of mat, npy, envi, got ${String(format)}`);
  }
}
