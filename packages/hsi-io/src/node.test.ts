import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32, SHARED_DATA, SHARED_DATA_MISSING_MESSAGE } from '@s2cassi/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES } from './_test-fixtures';
import { createCube } from './cube';
import { decodeMat } from './mat-v5';
import {
  listBandPngs,
  listCaveScenes,
  openCaveDataset,
  openMatDataset,
  readBandPngFolder,
  readCubeFile,
  writeCubeFile,
  writeFileAtomic,
  writeTestResultMat,
} from './node';
import { CASSI_28_BAND_CENTRES } from './resample';

const work = mkdtempSync(join(tmpdir(), 'hsi-io-node-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const fixturePath = (p: string) => new URL(p, FIXTURES).pathname;

describe('readCubeFile / writeCubeFile', () => {
  const random = mulberry32(8);
  const cube = createCube(
    [4, 6, 3],
    Float32Array.from({ length: 72 }, () => random()),
    [450, 550, 650],
  );

  for (const name of ['c.mat', 'c.npy', 'c.npz', 'c.safetensors', 'c.hdr']) {
    it(`round-trips ${name}`, async () => {
      const path = join(work, name);
      const written = await writeCubeFile(path, cube);
      expect(written.every((p) => existsSync(p))).toBe(true);
      const back = await readCubeFile(path);
      expect(back.shape).toEqual([4, 6, 3]);
      expect(back.data).toEqual(cube.data);
      if (name === 'c.hdr') expect(back.wavelengths).toEqual([450, 550, 650]);
      await expect(writeCubeFile(path, cube)).rejects.toThrow(/already exists/);
      await writeCubeFile(path, cube, { overwrite: true });
      expect(readdirSync(work).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    });
  }

  it('round-trips a folder of 16-bit band PNGs named like CAVE', async () => {
    const folder = join(work, 'scene_ms');
    const paths = await writeCubeFile(folder, cube);
    expect(paths.map((p) => p.slice(folder.length + 1))).toEqual([
      'scene_ms_01.png',
      'scene_ms_02.png',
      'scene_ms_03.png',
    ]);
    expect(await listBandPngs(folder)).toEqual(paths);
    const back = await readCubeFile(folder);
    for (let i = 0; i < cube.data.length; i++) expect(back.data[i]).toBeCloseTo(cube.data[i], 4);
  });

  it('reads the Python fixtures by extension, with keys where there are several arrays', async () => {
    expect((await readCubeFile(fixturePath('npy/cube_hwn.npy'))).shape).toEqual([5, 4, 3]);
    expect((await readCubeFile(fixturePath('npy/stored.npz'), { key: 'cube' })).shape).toEqual([5, 4, 3]);
    await expect(readCubeFile(fixturePath('npy/stored.npz'))).rejects.toThrow(
      /2 arrays \(cube, ints\): pass key/,
    );
    const envi = await readCubeFile(fixturePath('envi/bip_little_f4.hdr'));
    expect(envi.shape).toEqual([5, 4, 3]);
    expect(envi.data[(2 * 4 + 1) * 3 + 2]).toBe(2 + 10 + 200 + 0.25);
    expect((await readCubeFile(fixturePath('v73.mat'), { key: 'cube' })).data).toEqual(envi.data);
    expect((await readCubeFile(fixturePath('v5_plain.mat'), { key: 'cube_single' })).data).toEqual(envi.data);
    expect((await readBandPngFolder(fixturePath('png/tiny_ms'))).shape).toEqual([6, 5, 3]);
    await expect(readCubeFile(join(work, 'x.tiff'))).rejects.toThrow(/ENOENT/);
    writeFileSync(join(work, 'x.tiff'), 'x');
    await expect(readCubeFile(join(work, 'x.tiff'))).rejects.toThrow(/unknown extension '.tiff'/);
    await expect(readCubeFile(fixturePath('npy/stored.npz'), { maxBytes: 100 })).rejects.toThrow(
      /exceeds the 100-byte limit/,
    );
  });

  it('finds the ENVI data file among regular files only: a folder named like it is passed over', async () => {
    const folder = join(work, 'beside');
    mkdirSync(folder);
    const [dataPath, headerPath] = await writeCubeFile(join(work, 'beside.hdr'), cube);
    expect(dataPath).toBe(join(work, 'beside.img'));
    // `beside/` (the first candidate name, no extension) is a folder: it must not be read as data.
    mkdirSync(join(folder, 'inner'));
    const back = await readCubeFile(headerPath);
    expect(back.data).toEqual(cube.data);
    // With only the folder there, the error names the candidates instead of EISDIR.
    const lonely = join(work, 'lonely');
    mkdirSync(lonely);
    writeFileSync(`${lonely}.hdr`, readFileSync(headerPath));
    await expect(readCubeFile(`${lonely}.hdr`)).rejects.toThrow(/no ENVI data file next to the header/);
  });

  describe('writeFileAtomic', () => {
    const temps = (folder: string) => readdirSync(folder).filter((f) => f.endsWith('.tmp'));

    it('never replaces an existing file by default, and needs an existing folder', async () => {
      const path = join(work, 'atomic.bin');
      await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
      await expect(writeFileAtomic(path, new Uint8Array([9]))).rejects.toThrow(/already exists/);
      expect(Array.from(readFileSync(path))).toEqual([1, 2, 3]);
      await expect(writeFileAtomic(join(work, 'missing-dir', 'x'), new Uint8Array(1))).rejects.toThrow(
        /ENOENT/,
      );
      expect(temps(work)).toEqual([]);
    });

    it('replaces an existing file whole (a new file renamed over it, never rewritten in place)', async () => {
      const path = join(work, 'replaced.bin');
      const old = new Uint8Array(1 << 20).fill(7);
      await writeFileAtomic(path, old);
      // A reader that opened the old file keeps reading the old content whole: the new content went to
      // another file that was renamed over the name, not into the old file.
      const handle = await open(path, 'r');
      try {
        await writeFileAtomic(path, 'new', { overwrite: true });
        expect(readFileSync(path, 'utf8')).toBe('new');
        const { buffer, bytesRead } = await handle.read(Buffer.alloc(old.length + 1), 0, old.length + 1, 0);
        expect(bytesRead).toBe(old.length);
        expect(buffer.subarray(0, bytesRead).every((b) => b === 7)).toBe(true);
      } finally {
        await handle.close();
      }
      await writeFileAtomic(path, new Uint8Array([4]), { overwrite: true, flush: false });
      expect(Array.from(readFileSync(path))).toEqual([4]);
      expect(temps(work)).toEqual([]);
    });

    it('leaves no partial file and no temporary file when the write fails half-way', async () => {
      const folder = mkdtempSync(join(work, 'fail-'));
      const path = join(folder, 'out.bin');
      writeFileSync(path, 'old content');
      // Data that fails after its first chunk has reached the temporary file.
      async function* failing() {
        yield new Uint8Array(4096).fill(1);
        throw new Error('disk on fire');
      }
      const data = failing() as unknown as Uint8Array;
      await expect(writeFileAtomic(path, data, { overwrite: true })).rejects.toThrow(/disk on fire/);
      expect(readFileSync(path, 'utf8')).toBe('old content');
      // A new name: nothing appears at all.
      await expect(
        writeFileAtomic(join(folder, 'new.bin'), failing() as unknown as Uint8Array),
      ).rejects.toThrow(/disk on fire/);
      expect(readdirSync(folder)).toEqual(['out.bin']);
    });

    it('removes its temporary file when the rename fails', async () => {
      const folder = mkdtempSync(join(work, 'rename-'));
      const target = join(folder, 'occupied');
      mkdirSync(target);
      writeFileSync(join(target, 'inside.txt'), 'x');
      await expect(writeFileAtomic(target, 'data', { overwrite: true })).rejects.toThrow();
      expect(readdirSync(folder)).toEqual(['occupied']);
      expect(readdirSync(target)).toEqual(['inside.txt']);
    });
  });

  it('writes Test_result.mat', async () => {
    const path = join(work, 'Test_result.mat');
    await writeTestResultMat(path, { truth: [cube, cube], pred: [cube, cube] });
    const file = decodeMat(new Uint8Array(readFileSync(path)));
    expect(file.variables.truth.dims).toEqual([2, 4, 6, 3]);
    expect(file.variables.pred.class).toBe('single');
  });
});

describe('dataset loaders', () => {
  it('lists CAVE scenes (also doubly nested) and loads them lazily, resampled to 28 bands and resized', async () => {
    const root = join(work, 'cave');
    for (const scene of ['alpha', 'beta']) {
      const folder = scene === 'beta' ? join(root, `${scene}_ms`, `${scene}_ms`) : join(root, `${scene}_ms`);
      mkdirSync(folder, { recursive: true });
      const value = scene === 'alpha' ? 0.25 : 0.5;
      await writeCubeFile(folder, createCube([4, 4, 31], new Float32Array(4 * 4 * 31).fill(value)), {
        overwrite: true,
        prefix: `${scene}_ms`,
      });
    }
    expect((await listCaveScenes(root)).map((s) => s.name)).toEqual(['alpha', 'beta']);
    const dataset = await openCaveDataset(root, { resize: { height: 2, width: 2 }, cacheSize: 1 });
    expect(dataset.names).toEqual(['alpha', 'beta']);
    const beta = await dataset.get('beta');
    expect(beta.shape).toEqual([2, 2, 28]);
    expect(beta.wavelengths).toEqual([...CASSI_28_BAND_CENTRES]);
    // 0.5 written as round(0.5 * 65535) = 32768, read back / 65535 (default) or / 65536.
    expect(beta.data[0]).toBeCloseTo(32768 / 65535, 6);
    const sim = await openCaveDataset(root, { scale: 65536, bands: 'cave31', scenes: ['alpha'] });
    const alpha = await sim.get(0);
    expect(alpha.shape).toEqual([4, 4, 31]);
    expect(alpha.data[5]).toBeCloseTo(16384 / 65536, 7);
    await expect(openCaveDataset(root, { scenes: ['gamma'] })).rejects.toThrow(/no scene\(s\) gamma/);
  });

  it('loads KAIST-style .mat cubes (v5 key img, v7.3 dataset cube) lazily', async () => {
    const folder = join(work, 'kaist');
    mkdirSync(folder);
    const cube = createCube(
      [3, 2, 28],
      Float32Array.from({ length: 168 }, (_, i) => i / 168),
    );
    await writeCubeFile(join(folder, 'scene01.mat'), cube, { key: 'img' });
    copyFileSync(fixturePath('v73.mat'), join(folder, 'scene02.mat'));
    const dataset = await openMatDataset(folder);
    expect(dataset.names).toEqual(['scene01', 'scene02']);
    const first = await dataset.get('scene01');
    expect(first.data).toEqual(cube.data);
    expect(first.wavelengths).toEqual([...CASSI_28_BAND_CENTRES]);
    // The v7.3 fixture holds both 'img' (H x W x 2) and 'cube': 'img' comes first in the default order.
    const second = await dataset.get(1);
    expect(second.shape).toEqual([5, 4, 2]);
    expect(second.wavelengths).toBeUndefined();
    const byKey = await openMatDataset(folder, { key: 'cube', wavelengths: [1, 2, 3] });
    await expect(byKey.get(0)).rejects.toThrow(/no variable 'cube'/);
    const cubeVariable = await byKey.get(1);
    expect(cubeVariable.shape).toEqual([5, 4, 3]);
    expect(cubeVariable.wavelengths).toEqual([1, 2, 3]);
  });
});

describe.skipIf(!SHARED_DATA)(
  `real CAVE folder (${SHARED_DATA ? 'present' : SHARED_DATA_MISSING_MESSAGE})`,
  () => {
    it('lists 13 scenes and loads one as 512 x 512 x 28', async () => {
      const dataset = await openCaveDataset(join(SHARED_DATA as string, 'cave'), { cacheSize: 1 });
      expect(dataset.length).toBe(13);
      const scene = await dataset.get('balloons');
      expect(scene.shape).toEqual([512, 512, 28]);
      let max = 0;
      for (const v of scene.data) max = Math.max(max, v);
      expect(max).toBeGreaterThan(0.1);
      expect(max).toBeLessThanOrEqual(1);
    });
  },
);
