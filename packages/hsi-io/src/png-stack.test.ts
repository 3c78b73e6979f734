import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32, SHARED_DATA, SHARED_DATA_MISSING_MESSAGE } from '@s2cassi/testing';
import { describe, expect, it } from 'vitest';
import { expected, fixture, malformedDrill } from './_test-fixtures';
import { createCube } from './cube';
import { cubeFromBandPngs, cubeToBandPngs, decodeBandPng, encodeBandPng } from './png-stack';

describe('band PNGs against Pillow-written fixtures', () => {
  it('decodes 16-bit and 8-bit grey and builds a cube (divided by the scale)', () => {
    const names = ['tiny_ms_01', 'tiny_ms_02', 'tiny_ms_03'];
    const pngs = names.map((n) => fixture(`png/tiny_ms/${n}.png`));
    for (const [i, n] of names.entries()) {
      const band = decodeBandPng(pngs[i], { source: n });
      expect(band.bitDepth).toBe(16);
      expect([band.width, band.height]).toEqual([5, 6]);
      expect(Array.from(band.data)).toEqual(expected.png[n].values);
    }
    const cube = cubeFromBandPngs(pngs, { scale: 65536, wavelengths: [400, 410, 420] });
    expect(cube.shape).toEqual([6, 5, 3]);
    expect(cube.wavelengths).toEqual([400, 410, 420]);
    for (let p = 0; p < 30; p++)
      for (let b = 0; b < 3; b++)
        expect(cube.data[p * 3 + b]).toBe(Math.fround(expected.png[names[b]].values[p] / 65536));
    const grey = decodeBandPng(fixture('png/grey8.png'));
    expect(grey.bitDepth).toBe(8);
    expect(Array.from(grey.data)).toEqual(expected.png.grey8.values);
    expect(cubeFromBandPngs([fixture('png/grey8.png')]).data[1]).toBeCloseTo(37 / 255, 7);
    expect(() => decodeBandPng(fixture('png/colour.png'), { source: 'colour.png' })).toThrow(
      /colour.png: colour PNG \(pixel 1 is not grey\)/,
    );
    expect(() => cubeFromBandPngs([pngs[0], fixture('png/grey8.png')])).toThrow(
      /8-bit\), band 1 is 5 x 6 \(16-bit\)/,
    );
  });

  it('undoes all five scanline filters (None, Sub, Up, Average, Paeth) of hand-written PNGs', () => {
    for (const name of ['filters_grey8', 'filters_grey16', 'filters_rgb8', 'filters_greyalpha16']) {
      const band = decodeBandPng(fixture(`png/${name}.png`), { source: name });
      const spec = expected.png[name];
      expect([band.width, band.height, band.bitDepth], name).toEqual([
        spec.width,
        spec.height,
        spec.bitDepth,
      ]);
      expect(Array.from(band.data), name).toEqual(spec.values);
    }
  });

  it('round-trips cubes through 16-bit and 8-bit PNGs (quantised, clamped)', () => {
    const random = mulberry32(5);
    const cube = createCube(
      [7, 9, 4],
      Float32Array.from({ length: 252 }, () => random()),
    );
    cube.data[0] = -0.5;
    cube.data[1] = 1.5;
    for (const bitDepth of [8, 16] as const) {
      const top = bitDepth === 16 ? 65535 : 255;
      const back = cubeFromBandPngs(cubeToBandPngs(cube, { bitDepth }));
      expect(back.shape).toEqual([7, 9, 4]);
      for (let i = 0; i < cube.data.length; i++) {
        const want = Math.min(top, Math.max(0, Math.round(cube.data[i] * top))) / top;
        expect(back.data[i]).toBeCloseTo(want, 6);
      }
    }
    const band = {
      width: 3,
      height: 2,
      bitDepth: 16 as const,
      data: new Uint16Array([0, 1, 65535, 300, 4, 5]),
    };
    expect(Array.from(decodeBandPng(encodeBandPng(band)).data)).toEqual([0, 1, 65535, 300, 4, 5]);
  });

  it('ends truncated, bit-flipped and hostile PNGs in HsiFormatError quickly', async () => {
    const png = fixture('png/tiny_ms/tiny_ms_02.png');
    await malformedDrill(png, (b) => decodeBandPng(b, { source: 'x.png' }), { cuts: 100, flips: 400 });
    const hostile = png.slice();
    const view = new DataView(hostile.buffer);
    view.setUint32(16, 100_000);
    view.setUint32(20, 100_000);
    // Fix the IHDR CRC so that only the size is wrong.
    const { crc32 } = await import('./_zip');
    view.setUint32(29, crc32(hostile.subarray(12, 29)));
    expect(() => decodeBandPng(hostile, { source: 'huge.png' })).toThrow(
      /huge.png: PNG of 100000 x 100000 needs 20000000000 bytes, more than the 2147483648-byte limit/,
    );
  });
});

describe.skipIf(!SHARED_DATA)(
  `CAVE band PNGs (${SHARED_DATA ? 'present' : SHARED_DATA_MISSING_MESSAGE})`,
  () => {
    it('every CAVE scene has 31 bands of 512 x 512 16-bit grey (first band checked per scene)', () => {
      const root = join(SHARED_DATA as string, 'cave');
      const scenes = readdirSync(root);
      expect(scenes.length).toBe(13);
      for (const scene of scenes) {
        const files = readdirSync(join(root, scene)).filter((f) => f.endsWith('.png'));
        expect(files.length).toBe(31);
        const band = decodeBandPng(new Uint8Array(readFileSync(join(root, scene, files[0]))), {
          source: files[0],
        });
        expect([band.width, band.height, band.bitDepth]).toEqual([512, 512, 16]);
      }
    });
  },
);
