// Throughput of the readers and writers on a CASSI-sized cube (256 x 256 x 28 float32, 7.3 MB) and,
// when the shared data folder is present, of a real CAVE scene load (31 x 16-bit PNG, resampled to 28).
//   npx tsx --conditions=@s2cassi/source packages/hsi-io/bench/formats.ts
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  CASSI_28_BAND_CENTRES,
  CAVE_31_BAND_CENTRES,
  createCube,
  cubeFromBandPngs,
  cubeToBandPngs,
  decodeEnvi,
  decodeMat,
  decodeMatAsync,
  decodeNpy,
  decodeNpz,
  encodeEnvi,
  encodeMat,
  encodeNpy,
  encodeNpz,
  resampleBands,
  resizeCube,
} from '../src/index';
import { openCaveDataset } from '../src/node';

function time(label: string, bytes: number, fn: () => unknown, repeats = 5): void {
  fn();
  const started = performance.now();
  for (let i = 0; i < repeats; i++) fn();
  const ms = (performance.now() - started) / repeats;
  console.log(
    `${label.padEnd(44)} ${ms.toFixed(1).padStart(8)} ms  ${((bytes / 1e6 / ms) * 1000).toFixed(0).padStart(5)} MB/s`,
  );
}

async function timeAsync(label: string, fn: () => Promise<unknown>, repeats = 3): Promise<void> {
  await fn();
  const started = performance.now();
  for (let i = 0; i < repeats; i++) await fn();
  console.log(`${label.padEnd(44)} ${((performance.now() - started) / repeats).toFixed(1).padStart(8)} ms`);
}

const [H, W, N] = [256, 256, 28];
const cube = createCube(
  [H, W, N],
  Float32Array.from({ length: H * W * N }, (_, i) => ((i * 2654435761) % 1000) / 1000),
);
const size = cube.data.byteLength;
console.log(`cube ${H} x ${W} x ${N} float32 (${(size / 1e6).toFixed(1)} MB); node ${process.version}`);

const matPlain = encodeMat({ img: cube }, { compress: false });
const matZ = encodeMat({ img: cube }, { compress: true });
time('encodeMat uncompressed', size, () => encodeMat({ img: cube }, { compress: false }));
time('encodeMat compressed (zlib 6)', size, () => encodeMat({ img: cube }), 2);
time('decodeMat uncompressed', size, () => decodeMat(matPlain));
time('decodeMat compressed', size, () => decodeMat(matZ));
const npy = encodeNpy({ data: cube.data, shape: [H, W, N] });
time('encodeNpy', size, () => encodeNpy({ data: cube.data, shape: [H, W, N] }));
time('decodeNpy', size, () => decodeNpy(npy));
const npyF = encodeNpy({ data: cube.data, shape: [H, W, N] }, { fortranOrder: true });
time('decodeNpy Fortran order', size, () => decodeNpy(npyF));
const npz = encodeNpz({ cube: { data: cube.data, shape: [H, W, N] } }, { compress: true });
time('decodeNpz deflated', size, () => decodeNpz(npz));
for (const interleave of ['bsq', 'bil', 'bip'] as const) {
  const envi = encodeEnvi(cube, { interleave });
  time(`decodeEnvi ${interleave}`, size, () => decodeEnvi(envi.header, envi.data));
}
const pngs = cubeToBandPngs(cube);
time('cubeToBandPngs 16-bit', size, () => cubeToBandPngs(cube), 2);
time('cubeFromBandPngs 16-bit', size, () => cubeFromBandPngs(pngs));
const cave = createCube(
  [512, 512, 31],
  Float32Array.from({ length: 512 * 512 * 31 }, (_, i) => (i % 977) / 977),
);
time('resampleBands 512x512x31 -> 28', cave.data.byteLength, () =>
  resampleBands(cave, CAVE_31_BAND_CENTRES, CASSI_28_BAND_CENTRES),
);
time('resizeCube area 512 -> 256 (31 bands)', cave.data.byteLength, () => resizeCube(cave, 256, 256), 2);
time(
  'resizeCube bilinear 512 -> 256 (31 bands)',
  cave.data.byteLength,
  () => resizeCube(cave, 256, 256, 'bilinear'),
  2,
);

const data = process.env.S2CASSI_DATA ?? resolve(import.meta.dirname, '../../../../shared/data');
if (existsSync(join(data, 'cave'))) {
  const dataset = await openCaveDataset(join(data, 'cave'));
  await timeAsync('CAVE scene load (31 PNG, /65535, -> 28 bands)', () => dataset.get('balloons'));
  const mask = new Uint8Array(readFileSync(join(data, 'cassi_real', 'mask.mat')));
  time('decodeMat real mask 660x660 (zlib)', 660 * 660 * 4, () => decodeMat(mask));
} else console.log('shared data folder not found: real-data benchmarks skipped');
const v73 = new Uint8Array(readFileSync(new URL('../fixtures/v73.mat', import.meta.url)));
await timeAsync('decodeMatAsync v7.3 fixture (h5wasm, warm)', () => decodeMatAsync(v73));
